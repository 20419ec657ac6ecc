
/*
 * Ten: the kernel's pooled, multiplexed, host-authenticated connections
 * to the 9P services.
 */

#ifndef _NGX_HTTP_9P_BACKEND_H_INCLUDED_
#define _NGX_HTTP_9P_BACKEND_H_INCLUDED_


#include "ngx_http_9p.h"
#include "ngx_http_9p_stats.h"


typedef struct ngx_http_9p_backend_s  ngx_http_9p_backend_t;
typedef struct ngx_http_9p_breq_s     ngx_http_9p_breq_t;
typedef struct ngx_http_9p_wait_s     ngx_http_9p_wait_t;

/*
 * A reply to a backend request: r is the decoded reply (it points into
 * the backend's input buffer: copy what is needed before returning), or
 * NULL with err saying why there is none ("vfs: connection lost", ...).
 */
typedef void (*ngx_http_9p_reply_pt)(ngx_http_9p_breq_t *br,
    ninep_fcall_t *r, const char *err);

/* the err of a request that the backend cancelled on our Tflush */
extern const char  ngx_http_9p_flushed[];

/* the err of a request whose connection died: it may be sent again */
extern const char  ngx_http_9p_conn_lost[];

typedef void (*ngx_http_9p_ready_pt)(ngx_http_9p_wait_t *w,
    ngx_http_9p_backend_t *b, const char *err);


struct ngx_http_9p_breq_s {
    ngx_http_9p_backend_t      *backend;
    ngx_http_9p_reply_pt        handler;
    void                       *data;
    uint16_t                    tag;
    uint8_t                     type;
    uint32_t                    newfid;     /* a fid the reply creates */
    uint32_t                    clunked;    /* a Tclunk's fid */
    uint16_t                    nwname;
    uint64_t                    sent;       /* for the latency; 0: not
                                               counted */
    ngx_event_t                 timer;      /* ninep_backend_timeout */
    ngx_http_9p_breq_t         *flush;      /* our Tflush for it */
    ngx_http_9p_breq_t         *next;       /* free list */
    unsigned                    busy:1;
    unsigned                    abandoned:1;    /* nobody wants the reply */
};


/* A session waiting for a ready connection of a service. */
struct ngx_http_9p_wait_s {
    ngx_http_9p_ready_pt        handler;
    void                       *data;
    ngx_queue_t                 queue;
    unsigned                    waiting:1;
};


struct ngx_http_9p_pool_s {
    ngx_queue_t                 link;       /* the worker's pools */
    ngx_http_9p_service_t      *service;
    ngx_http_9p_loc_conf_t     *conf;
    ngx_http_9p_srv_conf_t     *scf;        /* its upstream's ninep_* */
    ngx_queue_t                 backends;
    ngx_uint_t                  nbackends;
    ngx_uint_t                  max;
    ngx_queue_t                 waiting;
    ngx_msec_t                  backoff;
    ngx_msec_t                  retry_at;
    ngx_http_9p_row_t          *row;        /* the service's numbers */
};


/* Finds or opens a ready connection; w->handler runs when there is one. */
void ngx_http_9p_pool_get(ngx_http_9p_service_t *svc,
    ngx_http_9p_loc_conf_t *conf, ngx_http_request_t *r,
    ngx_http_9p_wait_t *w);
void ngx_http_9p_pool_cancel(ngx_http_9p_wait_t *w);

/*
 * Sends t (its tag is assigned here) and calls handler with the reply.
 * NULL when the connection is gone or full; err then says why.
 */
ngx_http_9p_breq_t *ngx_http_9p_backend_send(ngx_http_9p_backend_t *b,
    ninep_fcall_t *t, ngx_http_9p_reply_pt handler, void *data,
    const char **err);

/* Asks the backend to flush br; br's handler then runs once, as ever. */
void ngx_http_9p_backend_flush(ngx_http_9p_breq_t *br);

/* The caller is gone: drop the reply, clunking any fid it made. */
void ngx_http_9p_backend_abandon(ngx_http_9p_breq_t *br);

/* Backend fids: numbers in the connection's own fid space. */
ngx_int_t ngx_http_9p_backend_fid(ngx_http_9p_backend_t *b, uint32_t *fid);
void ngx_http_9p_backend_fid_free(ngx_http_9p_backend_t *b, uint32_t fid);
/* Tclunk of fid, its reply heard by nobody; NINEP_NOFID: nothing. */
void ngx_http_9p_backend_clunk(ngx_http_9p_backend_t *b, uint32_t fid);

/* References held by session fids and waits; the last one frees it. */
void ngx_http_9p_backend_ref(ngx_http_9p_backend_t *b);
void ngx_http_9p_backend_unref(ngx_http_9p_backend_t *b);

ngx_uint_t ngx_http_9p_backend_alive(ngx_http_9p_backend_t *b);
uint32_t ngx_http_9p_backend_msize(ngx_http_9p_backend_t *b);
const char *ngx_http_9p_backend_name(ngx_http_9p_backend_t *b);
/* the fid attached as the kernel itself on this connection */
uint32_t ngx_http_9p_backend_kernel_fid(ngx_http_9p_backend_t *b);

/* At worker exit: closes every connection to the services. */
void ngx_http_9p_backends_exit(void);


#endif /* _NGX_HTTP_9P_BACKEND_H_INCLUDED_ */
