
/*
 * Ten: the 9P2000 server loop every service shares.
 *
 * Each connection has a reader thread that decodes requests; requests run
 * on a pool of worker threads, so a read that blocks never holds up other
 * requests of the same connection, and replies go out in completion
 * order; a request the service calls quick, alone on its connection, runs
 * on the reader itself.  The library owns version, auth (ten-auth-1),
 * flush, the fid table and attach authorization; a service supplies the
 * file operations.
 */

#ifndef _SRV_H_INCLUDED_
#define _SRV_H_INCLUDED_


#include <pthread.h>
#include <stdint.h>

#include "ninep.h"
#include "tenkey.h"
#include "tls.h"


typedef struct srv_s       srv_t;
typedef struct srv_conn_s  srv_conn_t;
typedef struct srv_fid_s   srv_fid_t;
typedef struct srv_req_s   srv_req_t;
typedef struct srv_auth_s  srv_auth_t;


struct srv_fid_s {
    uint32_t            fid;
    srv_conn_t         *conn;
    char                uname[TEN_NAME_MAX + 1];    /* acting user */
    int                 refs;
    srv_auth_t         *auth;       /* an auth fid's conversation */
    srv_fid_t          *next;       /* hash chain */
    pthread_mutex_t     lock;       /* held by the service as it needs */
    void               *aux;        /* the service's state */
    /* requests that change the fid run in order; others wait for them */
    unsigned            changing;
    srv_req_t          *parked;
    srv_req_t         **parked_last;
    /*
     * A fid that a Tattach, Tauth or Twalk in flight is making is only
     * reserved: requests that name it wait here, holding no reference,
     * until it is made (then they take one) or is not (unknown fid).
     */
    int                 reserved;
    int                 settling;   /* those waiting are being started */
    srv_req_t          *waiting;
    srv_req_t         **waiting_last;
};


struct srv_req_s {
    srv_conn_t         *conn;
    ninep_fcall_t       t;          /* points into buf */
    uint8_t            *buf;
    srv_fid_t          *fid;
    srv_fid_t          *newfid;     /* Twalk with newfid != fid */
    int                 registered; /* holds its tag */
    int                 flushed;
    int                 answered;   /* its reply has been sent */
    srv_req_t          *flushes;    /* Tflush requests waiting for it */
    srv_req_t          *flush_next;
    srv_req_t          *next;       /* the connection's outstanding list */
    srv_req_t          *qnext;      /* the worker queue, or parked */
    int                 changes;    /* it changes its fid(s) */
    int                 waited;     /* started again by conn_settle */
    void              (*resume)(srv_req_t *r);  /* after srv_wait_fd() */
    int                 wait_fd;
    /* Tattach after ten-auth-1: the connection's principal if it works */
    char                principal[TEN_NAME_MAX + 1];
    unsigned            roles;
};


typedef struct {
    /* Tattach: r->fid is new, uname checked against host auth */
    void  (*attach)(srv_req_t *r);
    void  (*walk)(srv_req_t *r);
    void  (*open)(srv_req_t *r);
    void  (*create)(srv_req_t *r);
    void  (*read)(srv_req_t *r);
    void  (*write)(srv_req_t *r);
    /* Tclunk and Tremove: the fid goes away after the reply */
    void  (*clunk)(srv_req_t *r);
    void  (*remove)(srv_req_t *r);
    void  (*stat)(srv_req_t *r);
    void  (*wstat)(srv_req_t *r);
    /* frees a fid's aux; called once, when its last reference goes */
    void  (*destroy_fid)(srv_fid_t *f);
} srv_ops_t;


typedef struct {
    const char         *name;       /* announced in ten-auth-1 */
    const char         *tcp;        /* "addr:port" */
    const char         *unix_path;  /* optional */
    tls_ctx_t          *tls;        /* NULL: plain TCP; else only TLS on
                                       the TCP listener (the unix socket
                                       stays plain) */
    uint32_t            msize;
    unsigned            max_fids;   /* per connection */
    unsigned            max_requests;   /* outstanding per connection */
    unsigned            max_threads;
    unsigned            max_conns;
    unsigned            send_timeout;   /* s a reply may wait for the
                                           client to read (-W) */
    const uint8_t      *identity;   /* secret key; NULL: no auth */
    const ten_trust_t  *trust;
    const srv_ops_t    *ops;
    void               *data;       /* the service's */
    /*
     * A fid's writes run one at a time, in the order they came, and its
     * reads wait for the writes before them: a conversation on one fid
     * (factotum's /rpc) is answered in turn, as Plan 9's factotum does.
     */
    int                 ordered_writes;
    /*
     * Optional: whether r cannot block (no FIFO, no device), so that the
     * connection's reader may run it itself when it is the connection's
     * only request, saving the trip to a worker thread.
     */
    int               (*quick)(srv_req_t *r);
} srv_conf_t;


/*
 * Starts listening; 0 or -1 with a reason on stderr.  From then on
 * SIGTERM and SIGINT stop the server and SIGUSR1 logs its counts.
 */
int srv_listen(srv_t **srvp, const srv_conf_t *conf);

/* Serves until SIGTERM or SIGINT; returns 0 on a clean stop. */
int srv_run(srv_t *srv);

void *srv_data(srv_req_t *r);
void *srv_fid_data(srv_fid_t *f);

/* Replies: exactly one per request, from any thread. */
void srv_respond(srv_req_t *r, ninep_fcall_t *f);
void srv_error(srv_req_t *r, const char *ename);
void srv_errno(srv_req_t *r, int err);

/* The user a request acts as (its fid's user; for Tattach, uname). */
const char *srv_user(srv_req_t *r);

/* Whether the request was flushed while running (return early). */
int srv_flushed(srv_req_t *r);

/*
 * For an operation that would block (a FIFO without data): returns 0 and
 * the request sleeps, holding no thread, until fd has events or the
 * request is flushed; then resume(r) runs on a worker (srv_flushed() tells
 * which).  -1: cannot wait; answer now.
 */
int srv_wait_fd(srv_req_t *r, int fd, short events,
    void (*resume)(srv_req_t *r));

/* The connection's negotiated msize. */
uint32_t srv_msize(srv_req_t *r);

/* A command-line number from min to max; exits 2 with a message if not. */
/* -W, which every service has: the flag, its usage line, its default */
#define SRV_SEND_FLAG       "W:"
#define SRV_SEND_USAGE                                                        \
    "  -W SECONDS   a client that takes no reply this long is closed (30)\n"
#define SRV_SEND_TIMEOUT    30

unsigned srv_arg_number(const char *prog, const char *flag, const char *arg,
    unsigned min, unsigned max);

/* Logs to stderr with the service's name and a time stamp. */
void srv_log(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));


#endif /* _SRV_H_INCLUDED_ */
