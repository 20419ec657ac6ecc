
/*
 * Ten: the kernel, an nginx module that serves 9P2000 over WebSocket.
 */

#ifndef _NGX_HTTP_9P_H_INCLUDED_
#define _NGX_HTTP_9P_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ninep.h"
#include "tenkey.h"


/* RFC 6455 close codes the kernel sends */
#define NGX_HTTP_9P_WS_NORMAL          1000
#define NGX_HTTP_9P_WS_GOING_AWAY      1001
#define NGX_HTTP_9P_WS_PROTOCOL        1002
#define NGX_HTTP_9P_WS_UNSUPPORTED     1003
#define NGX_HTTP_9P_WS_BAD_DATA        1007
#define NGX_HTTP_9P_WS_TOO_BIG         1009
#define NGX_HTTP_9P_WS_INTERNAL        1011

/* a frame header: 2 bytes, 8 of extended length, 4 of mask */
#define NGX_HTTP_9P_WS_MAX_HEADER      14

/* room for the largest reply and a control frame beside it */
#define ngx_http_9p_min_output(msize)                                        \
    ((msize) + 2 * NGX_HTTP_9P_WS_MAX_HEADER + 125)

#define NGX_HTTP_9P_MIN_MSIZE          256
#define NGX_HTTP_9P_MAX_MSIZE          (16 * 1024 * 1024)


typedef struct ngx_http_9p_pool_s  ngx_http_9p_pool_t;


/* ninep_service NAME UPSTREAM [boot] */
typedef struct {
    ngx_str_t                       name;
    ngx_str_t                       upstream_name;
    ngx_http_upstream_srv_conf_t   *upstream;
    uint8_t                         pk[TEN_PK_LEN];     /* pinned */
    ngx_uint_t                      boot;
    ngx_http_9p_pool_t             *pool;       /* per worker */
    u_char                         *file;
    ngx_uint_t                      line;
} ngx_http_9p_service_t;


/* in upstream{}: ninep_connections, ninep_check, ninep_ssl* */
typedef struct {
    ngx_uint_t                      connections;
    ngx_msec_t                      check_interval;     /* 0: no checks */
    ngx_msec_t                      check_timeout;
    ngx_uint_t                      check_fails;
    ngx_uint_t                      check_passes;
    ngx_uint_t                      check_base;     /* its first server's
                                                       slot in the zone */
    u_char                         *check_file;     /* where ninep_check */
    ngx_uint_t                      check_line;     /* was said */
    ngx_uint_t                      used;           /* by a ninep_service */
    ngx_http_upstream_srv_conf_t   *upstream;
    ngx_flag_t                      ssl;
    ngx_flag_t                      ssl_verify;
    ngx_flag_t                      ssl_session_reuse;
    ngx_str_t                       ssl_trusted_certificate;
    ngx_str_t                       ssl_name;       /* SNI, verified */
    ngx_ssl_t                      *ssl_ctx;        /* NULL: plain TCP */
} ngx_http_9p_srv_conf_t;


typedef struct {
    ngx_array_t                     services;   /* ngx_http_9p_service_t * */
    ngx_array_t                     checked;    /* ngx_http_9p_srv_conf_t * */
    ngx_shm_zone_t                 *check_zone;
    ngx_uint_t                      status;         /* ninep_status */
    ngx_shm_zone_t                 *status_zone;
    size_t                          status_zone_size;   /* 0: enough */
    ngx_uint_t                      status_sessions;    /* listed */
} ngx_http_9p_main_conf_t;


typedef struct {
    size_t                      msize;
    size_t                      output_buffer;      /* 0: from msize */
    ngx_msec_t                  ping_interval;
    ngx_msec_t                  idle_timeout;
    ngx_array_t                *allowed_origins;    /* of ngx_str_t */

    u_char                     *identity;           /* secret key */
    ngx_str_t                   identity_name;      /* its principal */
    ten_trust_t                *trust;
    ngx_array_t                *services;   /* ngx_http_9p_service_t * */
    ngx_uint_t                  max_fids;
    ngx_uint_t                  max_requests;
    ngx_msec_t                  connect_timeout;
    ngx_msec_t                  backend_timeout;
    ngx_str_t                   ticket_keys;        /* certificate file */
    ngx_msec_t                  ticket_cache;       /* 0: none */
    size_t                      union_dir_max;      /* a merged listing */
    size_t                      union_dir_session;  /* all of a session's */
    size_t                      union_dir_worker;   /* all of a worker's */
    size_t                      rescue_size;        /* the RAM tree */
    ngx_uint_t                  status_sessions;    /* ninep_status
                                                       sessions; here */
    ngx_array_t                *certs;              /* ten_cert_t */
    u_char                     *ninep_file;         /* where "ninep" was */
    ngx_uint_t                  ninep_line;         /* said, if here */
} ngx_http_9p_loc_conf_t;


typedef struct ngx_http_9p_fid_s   ngx_http_9p_fid_t;
typedef struct ngx_http_9p_creq_s  ngx_http_9p_creq_t;

/*
 * A session's fids hash on fid % buckets: 8 inline buckets to start with
 * (an idle session has one fid), doubled while there are more than two
 * fids a bucket, up to 1024 (4096 fids, ninep_max_fids's default, make
 * chains of 4).
 */
#define NGX_HTTP_9P_FID_BUCKETS        8
#define NGX_HTTP_9P_FID_BUCKETS_MAX    1024


typedef struct ngx_http_9p_session_s  ngx_http_9p_session_t;

/*
 * What a session needs of its transport (websocket.c; raw TCP later):
 * send one reply, end the connection over a message that is not 9P, and
 * get replies that came from services out once the event is done.
 */
#define NGX_HTTP_9P_WEBSOCKET          0
#define NGX_HTTP_9P_TCP                1
#define NGX_HTTP_9P_TRANSPORTS         2

typedef struct {
    ngx_uint_t                  kind;       /* NGX_HTTP_9P_WEBSOCKET, ... */
    ngx_int_t                 (*send)(ngx_http_9p_session_t *s,
                                      ninep_fcall_t *f);
    void                      (*malformed)(ngx_http_9p_session_t *s,
                                           const char *reason);
    void                      (*post)(ngx_http_9p_session_t *s);
} ngx_http_9p_transport_t;


struct ngx_http_9p_session_s {
    ngx_http_request_t         *request;
    ngx_connection_t           *connection;
    ngx_http_9p_loc_conf_t     *conf;
    const ngx_http_9p_transport_t  *transport;

    /* the dispatcher, for recovery to send a request through again */
    ngx_int_t                 (*resend)(ngx_http_9p_session_t *s,
                                        u_char *msg, size_t len);

    /* the 9P session: msize, client fids, requests in progress */
    uint32_t                    msize;
    ngx_http_9p_fid_t         **fids;       /* nbuckets chains */
    ngx_uint_t                  nbuckets;   /* a power of 2 */
    ngx_http_9p_fid_t          *fids0[NGX_HTTP_9P_FID_BUCKETS];
    ngx_uint_t                  nfids;
    ngx_queue_t                 creqs;
    ngx_uint_t                  ncreqs;
    size_t                      dir_held;   /* by composed listings */
    ngx_uint_t                  fid_gen;

    /* the message being answered now, while it is: a reply sent then
       is its reply (ngx_http_9p_stats.c counts replies by request) */
    ninep_fcall_t              *current;

    /* what the access log says of it ($ninep_*, ngx_http_9p_stats.c) */
    ngx_atomic_uint_t           id;             /* its connection's number */
    ngx_msec_t                  started;
    ngx_uint_t                  requests;
    ngx_uint_t                  errors;
    off_t                       bytes_in;
    off_t                       bytes_out;
    ngx_uint_t                  attach;         /* its kind + 1; 0: none */
    ngx_uint_t                  close_code;
    char                        user[TEN_NAME_MAX + 1];
    struct ngx_http_9p_listed_s *listed;        /* on the status page */
    unsigned                    close_by:2;     /* none, client, server */

    unsigned                    versioned:1;    /* 9P2000 was agreed */
    unsigned                    resending:1;    /* a lost request, by
                                                   recovery (retried) */
};


ngx_int_t ngx_http_9p_handshake(ngx_http_request_t *r);

/* After the 101: the connection is a WebSocket with a 9P session on it. */
ngx_int_t ngx_http_9p_ws_start(ngx_http_request_t *r);

void ngx_http_9p_session_init(ngx_http_9p_session_t *s);
ngx_int_t ngx_http_9p_session_message(ngx_http_9p_session_t *s,
    u_char *msg, size_t len);
void ngx_http_9p_session_end(ngx_http_9p_session_t *s);
/* A reply's size for a transport to send; 0 (logged) if it cannot be. */
size_t ngx_http_9p_reply_size(ngx_http_9p_session_t *s, ninep_fcall_t *f);


/*
 * The read of every stream the kernel owns (WebSocket, service, health
 * probe, raw 9P): after a short read nginx cleared ready, and the socket
 * is not read again just to hear EAGAIN (nginx's plain-TCP reader skips
 * that call itself under epoll; its TLS reader does not).
 */
static ngx_inline ssize_t
ngx_http_9p_recv(ngx_connection_t *c, u_char *buf, size_t size)
{
    return c->read->ready ? c->recv(c, buf, size) : NGX_AGAIN;
}


extern ngx_module_t  ngx_http_9p_module;


#endif /* _NGX_HTTP_9P_H_INCLUDED_ */
