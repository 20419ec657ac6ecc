
/*
 * Ten: the kernel's connections to the 9P services.
 *
 * Each worker keeps, per service, up to ninep_connections connections,
 * opened through the upstream block's balancer and shared by all of the
 * worker's sessions.  A new connection negotiates Tversion, proves both
 * ends with ten-auth-1 (the service's key is pinned) and attaches as the
 * kernel; then it is ready (with "ninep_ssl on", all of it inside TLS,
 * ngx_http_9p_tls.c).  Requests of all sessions are multiplexed on
 * it with the connection's own tags and fids.  Everything is driven by
 * events; nothing blocks.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_9p.h"
#include "ngx_http_9p_backend.h"
#include "ngx_http_9p_check.h"
#include "ngx_http_9p_tls.h"


/* tags are made 1024 at a time, up to every one 9P has but NOTAG */
#define NGX_HTTP_9P_TAG_CHUNK     1024
#define NGX_HTTP_9P_TAG_CHUNKS    64
#define NGX_HTTP_9P_TAG(b, t)                                                \
    (&(b)->tags[(t) / NGX_HTTP_9P_TAG_CHUNK][(t) % NGX_HTTP_9P_TAG_CHUNK])

/* the output to one service grows to this, then requests are refused */
#define NGX_HTTP_9P_OUT_MAX       (64 * 1024 * 1024)

#define NGX_HTTP_9P_BACKOFF_MIN   100
#define NGX_HTTP_9P_BACKOFF_MAX   10000


const char  ngx_http_9p_flushed[] = "flushed";
const char  ngx_http_9p_conn_lost[] = "connection lost";


/* this worker's pools, for its exit; empty, it points at itself */
static ngx_queue_t  ngx_http_9p_pools = { &ngx_http_9p_pools,
                                          &ngx_http_9p_pools };


typedef enum {
    NGX_HTTP_9P_B_CONNECTING = 0,
    NGX_HTTP_9P_B_HANDSHAKE,
    NGX_HTTP_9P_B_READY,
    NGX_HTTP_9P_B_DEAD
} ngx_http_9p_bstate_e;


typedef struct {
    ngx_uint_t                  reply;
    const char                 *name;
} ngx_http_9p_hs_step_t;


struct ngx_http_9p_backend_s {
    ngx_http_9p_pool_t         *pool;
    ngx_pool_t                 *mem;
    ngx_log_t                   log;        /* names service, upstream and
                                               server in every line */
    ngx_peer_connection_t       pc;
    ngx_http_upstream_rr_peer_t *peer;      /* the balancer's server, for
                                               the health checks' word */
    ngx_event_t                 retire;     /* closes it, the server found
                                               down, outside the caller */
    ngx_http_9p_row_t          *row;        /* the server's numbers */
    ngx_http_upstream_t        *upstream;   /* the balancer's state */
    ngx_queue_t                 queue;      /* in pool->backends */
    ngx_uint_t                  refs;
    ngx_uint_t                  state;
    ngx_uint_t                  hs_step;    /* the handshake's next reply */
    uint32_t                    msize;

    u_char                     *in;         /* conf->msize bytes */
    u_char                     *in_pos;
    u_char                     *in_last;

    ngx_buf_t                   out;

    ngx_http_9p_breq_t         *tags[NGX_HTTP_9P_TAG_CHUNKS];
    ngx_uint_t                  ntags;      /* chunks made */
    ngx_http_9p_breq_t         *free_tags;
    ngx_uint_t                  nbusy;
    ngx_http_9p_breq_t          version;    /* Tversion has NOTAG */

    uint32_t                    next_fid;
    ngx_array_t                 free_fids;  /* of uint32_t */
    ngx_uint_t                  limbo;      /* abandoned requests that
                                               may yet make a newfid */
    uint32_t                    afid;
    uint32_t                    kernel_fid;

    ten_auth_t                  auth;
};


static ngx_int_t ngx_http_9p_pool_init(ngx_http_9p_service_t *svc,
    ngx_http_9p_loc_conf_t *conf);
static ngx_http_9p_backend_t *ngx_http_9p_pool_pick(ngx_http_9p_pool_t *p);
static ngx_uint_t ngx_http_9p_pool_connecting(ngx_http_9p_pool_t *p);
static void ngx_http_9p_backend_find_peer(ngx_http_9p_backend_t *b);
static void ngx_http_9p_backend_retire(ngx_event_t *ev);
static void ngx_http_9p_pool_ready(ngx_http_9p_pool_t *p,
    ngx_http_9p_backend_t *b, const char *err);
static ngx_int_t ngx_http_9p_backend_open(ngx_http_9p_pool_t *p,
    ngx_http_request_t *r);
static ngx_int_t ngx_http_9p_backend_tags(ngx_http_9p_backend_t *b);
static ngx_int_t ngx_http_9p_backend_room(ngx_http_9p_backend_t *b,
    size_t size);
static void ngx_http_9p_backend_connect(ngx_http_9p_backend_t *b);
static void ngx_http_9p_backend_lost(ngx_http_9p_backend_t *b);
static void ngx_http_9p_backend_end_requests(ngx_http_9p_backend_t *b,
    const char *err);
static u_char *ngx_http_9p_backend_log_error(ngx_log_t *log, u_char *buf,
    size_t len);
static void ngx_http_9p_backend_connect_failed(ngx_http_9p_backend_t *b,
    const char *why);
static ngx_int_t ngx_http_9p_backend_test_connect(ngx_connection_t *c);
static void ngx_http_9p_backend_handler(ngx_event_t *ev);
static void ngx_http_9p_backend_tls_done(ngx_connection_t *c);
static void ngx_http_9p_backend_save_session(ngx_connection_t *c);
static void ngx_http_9p_backend_read(ngx_http_9p_backend_t *b);
static void ngx_http_9p_backend_dispatch(ngx_http_9p_backend_t *b,
    ninep_fcall_t *r);
static void ngx_http_9p_backend_write(ngx_http_9p_backend_t *b);
static void ngx_http_9p_backend_close(ngx_http_9p_backend_t *b,
    const char *why);
static void ngx_http_9p_backend_free(ngx_http_9p_backend_t *b);
static void ngx_http_9p_breq_release(ngx_http_9p_breq_t *br);
static void ngx_http_9p_breq_timeout(ngx_event_t *ev);
static void ngx_http_9p_breq_abandon(ngx_http_9p_breq_t *br);
static ngx_uint_t ngx_http_9p_backend_in_limbo(ngx_http_9p_backend_t *b,
    uint32_t fid);
static void ngx_http_9p_flush_done(ngx_http_9p_breq_t *br, ninep_fcall_t *r,
    const char *err);
static void ngx_http_9p_clunk_done(ngx_http_9p_breq_t *br, ninep_fcall_t *r,
    const char *err);
static ngx_int_t ngx_http_9p_hs_send(ngx_http_9p_backend_t *b,
    ngx_uint_t type, char *data, uint32_t count);
static void ngx_http_9p_hs_reply(ngx_http_9p_breq_t *br, ninep_fcall_t *r,
    const char *err);
static void ngx_http_9p_backend_ready(ngx_http_9p_backend_t *b);


/* ------------------------------------------------------------- the pool */


void
ngx_http_9p_pool_get(ngx_http_9p_service_t *svc,
    ngx_http_9p_loc_conf_t *conf, ngx_http_request_t *r,
    ngx_http_9p_wait_t *w)
{
    ngx_http_9p_pool_t     *p;
    ngx_http_9p_backend_t  *b;

    if (svc->pool == NULL && ngx_http_9p_pool_init(svc, conf) != NGX_OK) {
        w->handler(w, NULL, "out of memory");
        return;
    }

    p = svc->pool;

    /* the servers found down since: not picked, skipped by the balancer */
    ngx_http_9p_check_sync(svc->upstream);

    b = ngx_http_9p_pool_pick(p);

    if (b) {
        /* a busy pool grows up to ninep_connections */
        if (b->nbusy > 0 && p->nbackends < p->max
            && ngx_current_msec >= p->retry_at)
        {
            (void) ngx_http_9p_backend_open(p, r);
        }

        w->handler(w, b, NULL);
        return;
    }

    if (!ngx_http_9p_pool_connecting(p)) {
        if (ngx_current_msec < p->retry_at) {
            w->handler(w, NULL, "waiting to connect again");
            return;
        }

        /* it may fail at once, every server refusing */
        if (ngx_http_9p_backend_open(p, r) != NGX_OK
            || !ngx_http_9p_pool_connecting(p))
        {
            w->handler(w, NULL, "cannot connect");
            return;
        }
    }

    /* a connection is on its way */
    ngx_queue_insert_tail(&p->waiting, &w->queue);
    w->waiting = 1;
}


void
ngx_http_9p_pool_cancel(ngx_http_9p_wait_t *w)
{
    if (w->waiting) {
        ngx_queue_remove(&w->queue);
        w->waiting = 0;
    }
}


static ngx_int_t
ngx_http_9p_pool_init(ngx_http_9p_service_t *svc,
    ngx_http_9p_loc_conf_t *conf)
{
    ngx_http_9p_pool_t  *p;

    p = ngx_pcalloc(ngx_cycle->pool, sizeof(ngx_http_9p_pool_t));
    if (p == NULL) {
        return NGX_ERROR;
    }

    ngx_queue_insert_tail(&ngx_http_9p_pools, &p->link);

    p->service = svc;
    p->conf = conf;
    p->scf = ngx_http_conf_upstream_srv_conf(svc->upstream,
                                             ngx_http_9p_module);
    p->max = (p->scf->connections == NGX_CONF_UNSET_UINT)
             ? 1 : p->scf->connections;
    ngx_queue_init(&p->backends);
    ngx_queue_init(&p->waiting);
    p->row = ngx_http_9p_stats_row(svc, NULL);

    svc->pool = p;

    return NGX_OK;
}


/*
 * The ready connection with the fewest requests in flight.  One to a
 * server the health checks found down is not picked, and is closed soon
 * (its sessions go on elsewhere through the stale-fid recovery): so a
 * backup server takes over from a hung primary without waiting for each
 * request to time out.
 */

static ngx_http_9p_backend_t *
ngx_http_9p_pool_pick(ngx_http_9p_pool_t *p)
{
    ngx_queue_t            *q;
    ngx_http_9p_backend_t  *b, *best;

    best = NULL;

    for (q = ngx_queue_head(&p->backends);
         q != ngx_queue_sentinel(&p->backends);
         q = ngx_queue_next(q))
    {
        b = ngx_queue_data(q, ngx_http_9p_backend_t, queue);

        if (b->state == NGX_HTTP_9P_B_READY && b->peer && b->peer->down) {
            if (!b->retire.posted) {
                ngx_post_event(&b->retire, &ngx_posted_events);
            }

            continue;
        }

        if (b->state == NGX_HTTP_9P_B_READY
            && (best == NULL || b->nbusy < best->nbusy))
        {
            best = b;
        }
    }

    return best;
}


/* Whether a connection of the pool is on its way to ready. */

static ngx_uint_t
ngx_http_9p_pool_connecting(ngx_http_9p_pool_t *p)
{
    ngx_queue_t            *q;
    ngx_http_9p_backend_t  *b;

    for (q = ngx_queue_head(&p->backends);
         q != ngx_queue_sentinel(&p->backends);
         q = ngx_queue_next(q))
    {
        b = ngx_queue_data(q, ngx_http_9p_backend_t, queue);

        if (b->state == NGX_HTTP_9P_B_CONNECTING
            || b->state == NGX_HTTP_9P_B_HANDSHAKE)
        {
            return 1;
        }
    }

    return 0;
}


/* A connection became ready, or every attempt failed (b NULL). */

static void
ngx_http_9p_pool_ready(ngx_http_9p_pool_t *p, ngx_http_9p_backend_t *b,
    const char *err)
{
    ngx_queue_t         *q;
    ngx_http_9p_wait_t  *w;

    while (!ngx_queue_empty(&p->waiting)) {
        q = ngx_queue_head(&p->waiting);
        w = ngx_queue_data(q, ngx_http_9p_wait_t, queue);
        ngx_queue_remove(q);
        w->waiting = 0;

        w->handler(w, b, err);

        if (b && b->state != NGX_HTTP_9P_B_READY) {
            /* a handler's request killed it; the rest must wait again */
            b = ngx_http_9p_pool_pick(p);
            err = ngx_http_9p_conn_lost;

            if (b == NULL && ngx_http_9p_pool_connecting(p)) {
                return;
            }
        }
    }
}


/* ---------------------------------------------------------- connecting */


/*
 * The balancer's peer.init takes a request: the session that needs the
 * connection lends its own, with its pool and upstream pointed for the
 * duration at ones the connection owns, so whatever the balancer keeps
 * (round robin, hash, least_conn state) lives exactly as long as it.
 * Its variables too: a hash key's ($remote_port, $connection, ...) would
 * otherwise stay cached in the session's request, in the connection's
 * pool, for the access log to read after the connection is gone.  And
 * the client's address, which ip_hash points at to choose a retry's
 * server, perhaps after that client left.
 */

static ngx_int_t
ngx_http_9p_backend_open(ngx_http_9p_pool_t *p, ngx_http_request_t *r)
{
    ngx_int_t                       rc;
    ngx_pool_t                     *mem, *saved_pool;
    struct sockaddr                *sockaddr, *saved_sockaddr;
    ngx_http_upstream_t            *saved_upstream;
    ngx_http_9p_backend_t          *b;
    ngx_http_variable_value_t      *vars, *saved_vars;
    ngx_http_core_main_conf_t      *cmcf;
    ngx_http_upstream_srv_conf_t   *us;

    mem = ngx_create_pool(1024, ngx_cycle->log);
    if (mem == NULL) {
        return NGX_ERROR;
    }

    b = ngx_pcalloc(mem, sizeof(ngx_http_9p_backend_t));
    if (b == NULL) {
        goto failed;
    }

    b->mem = mem;
    b->pool = p;
    b->refs = 1;                /* the pool's */
    b->afid = NINEP_NOFID;
    b->kernel_fid = NINEP_NOFID;

    b->upstream = ngx_pcalloc(mem, sizeof(ngx_http_upstream_t));

    if (b->upstream == NULL
        || ngx_http_9p_backend_tags(b) != NGX_OK
        || ngx_array_init(&b->free_fids, mem, 16, sizeof(uint32_t))
           != NGX_OK)
    {
        goto failed;
    }

    b->version.tag = NINEP_NOTAG;
    b->version.backend = b;
    b->retire.handler = ngx_http_9p_backend_retire;
    b->retire.data = b;
    b->retire.log = ngx_cycle->log;

    us = p->service->upstream;

    /* the stream module's lender request has no main_conf */
    cmcf = ngx_http_cycle_get_module_main_conf(ngx_cycle,
                                               ngx_http_core_module);

    vars = ngx_pcalloc(mem, cmcf->variables.nelts
                            * sizeof(ngx_http_variable_value_t));

    /* ip_hash keeps a pointer to the client's address for its retries */
    sockaddr = ngx_pnalloc(mem, r->connection->socklen);

    if (vars == NULL || sockaddr == NULL) {
        goto failed;
    }

    ngx_memcpy(sockaddr, r->connection->sockaddr, r->connection->socklen);

    saved_pool = r->pool;
    saved_upstream = r->upstream;
    saved_vars = r->variables;
    saved_sockaddr = r->connection->sockaddr;
    r->pool = mem;
    r->upstream = b->upstream;
    r->variables = vars;
    r->connection->sockaddr = sockaddr;

    rc = us->peer.init(r, us);

    r->pool = saved_pool;
    r->upstream = saved_upstream;
    r->variables = saved_vars;
    r->connection->sockaddr = saved_sockaddr;

    if (rc != NGX_OK) {
        goto failed;
    }

    /* the balancer's peer as its peer.init made it: get, free, tries, ... */
    b->pc = b->upstream->peer;
    b->log = *ngx_cycle->log;
    b->log.handler = ngx_http_9p_backend_log_error;
    b->log.data = b;
    b->log.action = NULL;
    b->pc.log = &b->log;
    b->pc.log_error = NGX_ERROR_ERR;

    ngx_queue_insert_tail(&p->backends, &b->queue);
    p->nbackends++;

    ngx_http_9p_backend_connect(b);

    return NGX_OK;

failed:

    ngx_destroy_pool(mem);

    return NGX_ERROR;
}


/*
 * What every error-log line about a connection ends with: the service,
 * its upstream block and, once the balancer chose it, the server.
 */

static u_char *
ngx_http_9p_backend_log_error(ngx_log_t *log, u_char *buf, size_t len)
{
    u_char                 *p;
    ngx_http_9p_backend_t  *b;

    b = log->data;

    p = ngx_snprintf(buf, len, ", service: \"%V\", upstream: \"%V\"",
                     &b->pool->service->name,
                     &b->pool->service->upstream_name);

    if (b->pc.name) {
        p = ngx_snprintf(p, len - (p - buf), ", server: %V", b->pc.name);
    }

    return p;
}


/* Another chunk of tags; they live as long as the connection. */

static ngx_int_t
ngx_http_9p_backend_tags(ngx_http_9p_backend_t *b)
{
    ngx_int_t            i;
    ngx_uint_t           base;
    ngx_http_9p_breq_t  *chunk;

    if (b->ntags == NGX_HTTP_9P_TAG_CHUNKS) {
        return NGX_DECLINED;
    }

    chunk = ngx_pcalloc(b->mem,
                        NGX_HTTP_9P_TAG_CHUNK * sizeof(ngx_http_9p_breq_t));
    if (chunk == NULL) {
        return NGX_ERROR;
    }

    base = b->ntags * NGX_HTTP_9P_TAG_CHUNK;
    b->tags[b->ntags++] = chunk;

    for (i = NGX_HTTP_9P_TAG_CHUNK - 1; i >= 0; i--) {
        if (base + i == NINEP_NOTAG) {
            continue;
        }

        chunk[i].tag = (uint16_t) (base + i);
        chunk[i].backend = b;
        chunk[i].next = b->free_tags;
        b->free_tags = &chunk[i];
    }

    return NGX_OK;
}


/* Tries the balancer's servers in turn until one accepts. */

static void
ngx_http_9p_backend_connect(ngx_http_9p_backend_t *b)
{
    ngx_int_t          rc;
    ngx_connection_t  *c;

    /* a fresh start, also when moving on to the next server */
    b->state = NGX_HTTP_9P_B_CONNECTING;
    b->msize = b->pool->conf->msize;
    b->in_pos = b->in;
    b->in_last = b->in;
    b->out.pos = b->out.start;
    b->out.last = b->out.start;
    b->next_fid = 1;
    b->free_fids.nelts = 0;
    b->pc.name = NULL;

    rc = ngx_event_connect_peer(&b->pc);

    b->row = b->pc.name ? ngx_http_9p_stats_row(b->pool->service, b->pc.name)
                        : NULL;

    if (rc == NGX_ERROR || rc == NGX_BUSY) {
        ngx_http_9p_backend_connect_failed(b, rc == NGX_BUSY
                                              ? "no live servers"
                                              : "cannot connect");
        return;
    }

    if (rc == NGX_DECLINED) {
        ngx_http_9p_backend_connect_failed(b, "connection refused");
        return;
    }

    c = b->pc.connection;
    c->data = b;
    c->read->handler = ngx_http_9p_backend_handler;
    c->write->handler = ngx_http_9p_backend_handler;

    /* NGX_AGAIN or NGX_OK: the write event says when it is connected */
    ngx_add_timer(c->write, b->pool->conf->connect_timeout);

    if (rc == NGX_OK) {
        ngx_http_9p_backend_handler(c->write);
    }
}


/*
 * Reported to the balancer as a failure (max_fails/fail_timeout), then the
 * next server; when none is left the waiting sessions get the error.
 */

static void
ngx_http_9p_backend_connect_failed(ngx_http_9p_backend_t *b, const char *why)
{
    ngx_http_9p_pool_t  *p;

    if (b->state == NGX_HTTP_9P_B_DEAD) {
        return;
    }

    p = b->pool;

    /* one with no server to try counts for the service */
    ngx_http_9p_stats_conn(b->row ? b->row : p->row, NGX_HTTP_9P_CONN_FAILED);

    ngx_log_error(NGX_LOG_ERR, &b->log, 0,
                  "9p: service \"%V\": %s%s%V", &p->service->name, why,
                  b->pc.name ? " to " : "",
                  b->pc.name ? b->pc.name : &p->service->upstream_name);

    ngx_http_9p_tls_close(&b->pc);

    /* the balancer counts the try down itself (pc.tries) */
    if (b->pc.sockaddr) {
        b->pc.free(&b->pc, b->pc.data, NGX_PEER_FAILED);
        b->pc.sockaddr = NULL;

        if (b->pc.tries > 0) {
            /* the handshake's requests start again with the next server */
            ngx_http_9p_backend_end_requests(b, NULL);
            ngx_http_9p_backend_connect(b);
            return;
        }
    }

    p->backoff = p->backoff ? ngx_min(2 * p->backoff,
                                      NGX_HTTP_9P_BACKOFF_MAX)
                            : NGX_HTTP_9P_BACKOFF_MIN;

    /* jitter: up to a quarter more, so workers do not retry in step */
    p->retry_at = ngx_current_msec + p->backoff
                  + (ngx_random() % (p->backoff / 4 + 1));

    ngx_http_9p_stats_circuit(p->row, p->retry_at);

    ngx_http_9p_backend_close(b, "cannot connect");
}


/*
 * The connection broke: in the handshake that is the server failing (the
 * next one is tried); after it, every request in flight hears of it.
 */

static void
ngx_http_9p_backend_lost(ngx_http_9p_backend_t *b)
{
    if (b->state == NGX_HTTP_9P_B_HANDSHAKE) {
        ngx_http_9p_backend_connect_failed(b, "connection lost in the "
                                           "handshake");
        return;
    }

    ngx_http_9p_backend_close(b, ngx_http_9p_conn_lost);
}


/* Which of the upstream's servers the balancer connected it to. */

static void
ngx_http_9p_backend_find_peer(ngx_http_9p_backend_t *b)
{
    ngx_uint_t                    n;
    ngx_http_upstream_rr_peer_t  *peer;

    for (n = 0; ngx_http_9p_upstream_peer(b->pool->service->upstream, n,
                                          &peer);
         n++)
    {
        if (ngx_cmp_sockaddr(peer->sockaddr, peer->socklen, b->pc.sockaddr,
                             b->pc.socklen, 1)
            == NGX_OK)
        {
            b->peer = peer;
            return;
        }
    }
}


static void
ngx_http_9p_backend_retire(ngx_event_t *ev)
{
    ngx_http_9p_backend_t  *b;

    b = ev->data;

    ngx_http_9p_backend_close(b, "the health checks found the server down; "
                              "its sessions go on on another");
}


/*
 * The requests in flight end: each handler that still wants its reply
 * hears err instead; with err NULL they are forgotten, not called.
 */

static void
ngx_http_9p_backend_end_requests(ngx_http_9p_backend_t *b, const char *err)
{
    ngx_uint_t           i;
    ngx_http_9p_breq_t  *br;

    for (i = 0; i <= b->ntags * NGX_HTTP_9P_TAG_CHUNK; i++) {
        br = (i < b->ntags * NGX_HTTP_9P_TAG_CHUNK) ? NGX_HTTP_9P_TAG(b, i)
                                                    : &b->version;

        if (!br->busy) {
            continue;
        }

        ngx_http_9p_breq_release(br);

        if (err && !br->abandoned) {
            br->handler(br, NULL, err);
        }
    }
}


static ngx_int_t
ngx_http_9p_backend_test_connect(ngx_connection_t *c)
{
    int        err;
    socklen_t  len;

    err = 0;
    len = sizeof(int);

    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, (void *) &err, &len) == -1) {
        err = ngx_socket_errno;
    }

    if (err) {
        c->log->action = "connecting to a 9P service";
        (void) ngx_connection_error(c, err, "connect() failed");
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* ------------------------------------------------------------ the wire */


static void
ngx_http_9p_backend_handler(ngx_event_t *ev)
{
    ngx_connection_t       *c;
    ngx_http_9p_backend_t  *b;

    c = ev->data;
    b = c->data;

    if (b->state == NGX_HTTP_9P_B_CONNECTING) {

        if (ev->timedout) {
            ngx_http_9p_backend_connect_failed(b, "connect timed out");
            return;
        }

        if (ngx_http_9p_backend_test_connect(c) != NGX_OK) {
            ngx_http_9p_backend_connect_failed(b, "connect failed");
            return;
        }

        /* TLS first, within what is left of the connect timeout */
        if (b->pool->scf->ssl_ctx && c->ssl == NULL) {
            if (ngx_http_9p_tls_start(b->pool->scf, &b->pc,
                                      ngx_http_9p_backend_tls_done,
                                      ngx_http_9p_backend_save_session)
                != NGX_AGAIN)
            {
                ngx_http_9p_backend_tls_done(c);
            }

            return;
        }

        if (c->write->timer_set) {
            ngx_del_timer(c->write);
        }

        b->state = NGX_HTTP_9P_B_HANDSHAKE;
        b->hs_step = 0;

        if (ngx_http_9p_hs_send(b, NINEP_TVERSION, NULL, 0) != NGX_OK) {
            return;
        }
    }

    ngx_http_9p_backend_ref(b);

    if (ev->write) {
        ngx_http_9p_backend_write(b);

    } else {
        ngx_http_9p_backend_read(b);
    }

    ngx_http_9p_backend_unref(b);
}


/* The TLS handshake ended: on to the 9P handshake, or the next server. */

static void
ngx_http_9p_backend_tls_done(ngx_connection_t *c)
{
    const char             *why;
    ngx_http_9p_backend_t  *b;

    b = c->data;
    why = ngx_http_9p_tls_verified(b->pool->scf, c);

    if (why) {
        ngx_http_9p_backend_connect_failed(b, why);
        return;
    }

    c->read->handler = ngx_http_9p_backend_handler;
    c->write->handler = ngx_http_9p_backend_handler;

    ngx_http_9p_backend_handler(c->write);
}


/* A TLS session of this server's, for the next connection to resume. */

static void
ngx_http_9p_backend_save_session(ngx_connection_t *c)
{
    ngx_http_9p_backend_t  *b;

    b = c->data;
    b->pc.save_session(&b->pc, b->pc.data);
}


static void
ngx_http_9p_backend_read(ngx_http_9p_backend_t *b)
{
    int64_t             size;
    ssize_t             n;
    ngx_int_t           rc;
    ninep_fcall_t       r;
    ngx_connection_t   *c;
    ngx_atomic_uint_t   number;

    /* by number: the next server's connection may reuse the struct */
    c = b->pc.connection;
    number = c->number;

    if (b->in == NULL) {
        b->in = ngx_alloc(b->pool->conf->msize, ngx_cycle->log);
        if (b->in == NULL) {
            ngx_http_9p_backend_close(b, "out of memory");
            return;
        }

        b->in_pos = b->in;
        b->in_last = b->in;
    }

    while (b->pc.connection == c && c->number == number) {

        /* every complete message in the buffer */
        for ( ;; ) {
            size = ninep_peek_size(b->in_pos, b->in_last - b->in_pos);

            if (size == NINEP_ESHORT
                || (size >= NINEP_HDRSZ && size <= b->msize
                    && b->in_last - b->in_pos < size))
            {
                break;
            }

            rc = ninep_unpack(b->in_pos, (size_t) ngx_max(size, 0), b->msize,
                              NINEP_R, &r);

            if (size < NINEP_HDRSZ || size > b->msize || rc != NINEP_OK) {
                ngx_log_error(NGX_LOG_ERR, &b->log, 0,
                              "9p: service \"%V\" sent malformed 9P: %s",
                              &b->pool->service->name,
                              ninep_strerror(size < NINEP_HDRSZ
                                             ? NINEP_ETOOSMALL
                                             : size > b->msize
                                               ? NINEP_ETOOBIG : rc));
                ngx_http_9p_backend_close(b, "protocol error");
                return;
            }

            b->in_pos += size;

            ngx_http_9p_backend_dispatch(b, &r);

            /* it, or a handler, may close it, or move on to another server */
            if (b->pc.connection != c || c->number != number) {
                return;
            }
        }

        if (b->in_pos != b->in) {
            b->in_last = ngx_movemem(b->in, b->in_pos, b->in_last - b->in_pos);
            b->in_pos = b->in;
        }

        n = ngx_http_9p_recv(c, b->in_last,
                             b->in + b->pool->conf->msize - b->in_last);

        if (n == NGX_AGAIN) {
            if (ngx_handle_read_event(c->read, 0) != NGX_OK) {
                ngx_http_9p_backend_close(b, "event error");
            }
            return;
        }

        if (n == NGX_ERROR || n == 0) {
            ngx_http_9p_backend_lost(b);
            return;
        }

        b->in_last += n;
    }
}


static void
ngx_http_9p_backend_dispatch(ngx_http_9p_backend_t *b, ninep_fcall_t *r)
{
    ngx_http_9p_breq_t  *br;

    if (r->tag == NINEP_NOTAG && b->version.busy) {
        br = &b->version;

    } else if (r->tag < b->ntags * NGX_HTTP_9P_TAG_CHUNK
               && NGX_HTTP_9P_TAG(b, r->tag)->busy)
    {
        br = NGX_HTTP_9P_TAG(b, r->tag);

    } else {
        ngx_log_error(NGX_LOG_ERR, &b->log, 0,
                      "9p: service \"%V\" answered unknown tag %ud",
                      &b->pool->service->name, r->tag);
        ngx_http_9p_backend_close(b, "protocol error");
        return;
    }

    if (r->type != br->type + 1 && r->type != NINEP_RERROR) {
        ngx_log_error(NGX_LOG_ERR, &b->log, 0,
                      "9p: service \"%V\" answered %s with %s",
                      &b->pool->service->name, ninep_type_name(br->type),
                      ninep_type_name(r->type));
        ngx_http_9p_backend_close(b, "protocol error");
        return;
    }

    ngx_http_9p_stats_answered(b->row, br->sent, r);
    br->sent = 0;

    /* released first: the handler may send on the same slot */
    ngx_http_9p_breq_release(br);

    if (!br->abandoned) {
        br->handler(br, r, NULL);

    } else if (br->newfid != NINEP_NOFID) {
        /* nobody waits for the reply, but a fid it made must not leak */
        if (r->type == NINEP_RATTACH
            || (r->type == NINEP_RWALK && r->nwqid == br->nwname))
        {
            ngx_http_9p_backend_clunk(b, br->newfid);

        } else {
            ngx_http_9p_backend_fid_free(b, br->newfid);
        }
    }
}


static void
ngx_http_9p_backend_write(ngx_http_9p_backend_t *b)
{
    ssize_t            n;
    ngx_connection_t  *c;

    c = b->pc.connection;

    if (b->state == NGX_HTTP_9P_B_CONNECTING || c == NULL) {
        return;
    }

    while (b->out.pos < b->out.last) {
        n = c->send(c, b->out.pos, b->out.last - b->out.pos);

        if (n == NGX_AGAIN) {
            if (ngx_handle_write_event(c->write, 0) != NGX_OK) {
                ngx_http_9p_backend_close(b, "event error");
            }
            return;
        }

        if (n == NGX_ERROR) {
            ngx_http_9p_backend_lost(b);
            return;
        }

        b->out.pos += n;
    }

    b->out.pos = b->out.start;
    b->out.last = b->out.start;
}


/* ------------------------------------------------------------ requests */


ngx_http_9p_breq_t *
ngx_http_9p_backend_send(ngx_http_9p_backend_t *b, ninep_fcall_t *t,
    ngx_http_9p_reply_pt handler, void *data, const char **err)
{
    ssize_t              n;
    ngx_http_9p_breq_t  *br;

    if (b->state == NGX_HTTP_9P_B_DEAD) {
        *err = ngx_http_9p_conn_lost;
        return NULL;
    }

    if (t->type == NINEP_TVERSION) {
        br = &b->version;

    } else {
        if (b->free_tags == NULL && ngx_http_9p_backend_tags(b) != NGX_OK) {
            *err = "too many requests in flight";
            return NULL;
        }

        br = b->free_tags;
    }

    t->tag = br->tag;
    n = (ssize_t) ninep_packed_size(t);

    if (n == 0) {
        *err = "cannot encode request";
        return NULL;
    }

    if (ngx_http_9p_backend_room(b, n) != NGX_OK) {
        *err = "busy";
        return NULL;
    }

    (void) ninep_pack(t, b->out.last, n);

    ngx_log_debug5(NGX_LOG_DEBUG_HTTP, ngx_cycle->log, 0,
                   "9p: to %V: %s tag %ud fid %uD newfid %uD",
                   &b->pool->service->name, ninep_type_name(t->type),
                   t->tag, t->fid, t->newfid);

    b->out.last += n;

    if (br != &b->version) {
        b->free_tags = br->next;
    }

    br->busy = 1;
    br->abandoned = 0;
    br->flush = NULL;
    br->handler = handler;
    br->data = data;
    br->type = t->type;
    br->newfid = (t->type == NINEP_TWALK && t->newfid != t->fid) ? t->newfid
                 : (t->type == NINEP_TATTACH) ? t->fid : NINEP_NOFID;
    b->nbusy++;

    br->timer.handler = ngx_http_9p_breq_timeout;
    br->timer.data = br;
    br->timer.log = ngx_cycle->log;

    br->nwname = (t->type == NINEP_TWALK) ? t->nwname : 0;
    br->sent = ngx_http_9p_stats_sent(b->row);

    if (t->type != NINEP_TFLUSH && t->type != NINEP_TCLUNK) {
        ngx_add_timer(&br->timer, b->pool->conf->backend_timeout);
    }

    /* written at the end of this event cycle, with whatever follows */
    if (b->pc.connection && b->state != NGX_HTTP_9P_B_CONNECTING
        && !b->pc.connection->write->posted)
    {
        ngx_post_event(b->pc.connection->write, &ngx_posted_events);
    }

    return br;
}


/*
 * Room at the end of the output for size bytes.  A service that reads
 * slowly makes it grow, never past NGX_HTTP_9P_OUT_MAX: nothing queued
 * for it, a clunk above all, may be dropped.
 */

static ngx_int_t
ngx_http_9p_backend_room(ngx_http_9p_backend_t *b, size_t size)
{
    size_t      len, cap;
    u_char     *p;
    ngx_buf_t  *o;

    o = &b->out;

    if (o->start == NULL) {
        cap = ngx_max(256 * 1024, 4 * b->pool->conf->msize);
        o->start = ngx_alloc(cap, ngx_cycle->log);
        if (o->start == NULL) {
            return NGX_ERROR;
        }

        o->pos = o->start;
        o->last = o->start;
        o->end = o->start + cap;
    }

    if ((size_t) (o->end - o->last) >= size) {
        return NGX_OK;
    }

    len = o->last - o->pos;
    cap = o->end - o->start;

    while (cap - len < size) {
        if (cap >= NGX_HTTP_9P_OUT_MAX) {
            return NGX_DECLINED;
        }
        cap *= 2;
    }

    if (cap != (size_t) (o->end - o->start)) {
        p = ngx_alloc(cap, ngx_cycle->log);
        if (p == NULL) {
            return NGX_ERROR;
        }

        ngx_memcpy(p, o->pos, len);
        ngx_free(o->start);
        o->start = p;
        o->end = p + cap;

    } else {
        ngx_memmove(o->start, o->pos, len);
    }

    o->pos = o->start;
    o->last = o->start + len;

    return NGX_OK;
}


static void
ngx_http_9p_breq_release(ngx_http_9p_breq_t *br)
{
    ngx_http_9p_backend_t  *b;

    b = br->backend;

    if (br->timer.timer_set) {
        ngx_del_timer(&br->timer);
    }

    if (br->sent) {
        /* it ends without a reply */
        ngx_http_9p_stats_answered(b->row, br->sent, NULL);
        br->sent = 0;
    }

    if (br->flush) {
        /* the reply came first: the Tflush has nothing left to stop */
        br->flush->data = NULL;
    }

    if (br->abandoned && br->newfid != NINEP_NOFID) {
        b->limbo--;
    }

    br->busy = 0;
    b->nbusy--;

    if (br != &b->version) {
        br->next = b->free_tags;
        b->free_tags = br;
    }
}


/*
 * flush(5) towards the backend: the old request's reply, if any, arrives
 * before Rflush; if Rflush arrives first, the old request was cancelled
 * and its handler hears "flushed".
 */

void
ngx_http_9p_backend_flush(ngx_http_9p_breq_t *br)
{
    const char     *err;
    ninep_fcall_t   t;

    if (!br->busy || br->flush) {
        return;
    }

    ngx_memzero(&t, sizeof(t));
    t.type = NINEP_TFLUSH;
    t.oldtag = br->tag;

    br->flush = ngx_http_9p_backend_send(br->backend, &t,
                                         ngx_http_9p_flush_done, br, &err);
}


static void
ngx_http_9p_flush_done(ngx_http_9p_breq_t *fl, ninep_fcall_t *r,
    const char *err)
{
    ngx_http_9p_breq_t  *br;

    br = fl->data;

    if (br == NULL || !br->busy) {
        return;
    }

    br->flush = NULL;
    ngx_http_9p_breq_release(br);

    if (!br->abandoned) {
        br->handler(br, NULL, ngx_http_9p_flushed);
        return;
    }

    /* cancelled: the fid it would have made was never made */
    ngx_http_9p_backend_fid_free(br->backend, br->newfid);
}


void
ngx_http_9p_backend_abandon(ngx_http_9p_breq_t *br)
{
    ngx_http_9p_breq_abandon(br);
    ngx_http_9p_backend_flush(br);
}


/*
 * From now on the backend alone answers for the fid that br may make:
 * the service may still make it, so its number is not free until the
 * reply or the Rflush says what became of it (whoever gave it to br may
 * "free" it meanwhile; ngx_http_9p_backend_fid_free ignores that).
 */

static void
ngx_http_9p_breq_abandon(ngx_http_9p_breq_t *br)
{
    if (br->abandoned) {
        return;
    }

    br->abandoned = 1;

    if (br->newfid != NINEP_NOFID) {
        br->backend->limbo++;
    }
}


/* Too slow: the caller hears so now; the tag stays taken until the end. */

static void
ngx_http_9p_breq_timeout(ngx_event_t *ev)
{
    ngx_http_9p_breq_t     *br;
    ngx_http_9p_backend_t  *b;

    br = ev->data;
    b = br->backend;

    ngx_log_error(NGX_LOG_ERR, &b->log, 0,
                  "9p: service \"%V\" did not answer %s in %M ms",
                  &b->pool->service->name, ninep_type_name(br->type),
                  b->pool->conf->backend_timeout);

    if (b->state != NGX_HTTP_9P_B_READY) {
        ngx_http_9p_backend_close(b, "timed out");
        return;
    }

    if (!br->abandoned) {
        ngx_http_9p_breq_abandon(br);
        br->handler(br, NULL, "timed out");
    }

    ngx_http_9p_backend_flush(br);
}


/* ---------------------------------------------------------------- fids */


ngx_int_t
ngx_http_9p_backend_fid(ngx_http_9p_backend_t *b, uint32_t *fid)
{
    uint32_t  *last;

    if (b->free_fids.nelts) {
        last = b->free_fids.elts;
        *fid = last[--b->free_fids.nelts];

    } else if (b->next_fid < NINEP_NOFID) {
        *fid = b->next_fid++;

    } else {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* Tclunk; the number is free again once the backend answers. */

void
ngx_http_9p_backend_clunk(ngx_http_9p_backend_t *b, uint32_t fid)
{
    const char          *err;
    ninep_fcall_t        t;
    ngx_http_9p_breq_t  *br;

    if (fid == NINEP_NOFID) {
        return;
    }

    if (b->state == NGX_HTTP_9P_B_DEAD) {
        ngx_http_9p_backend_fid_free(b, fid);
        return;
    }

    ngx_memzero(&t, sizeof(t));
    t.type = NINEP_TCLUNK;
    t.fid = fid;

    br = ngx_http_9p_backend_send(b, &t, ngx_http_9p_clunk_done, NULL, &err);

    if (br == NULL) {
        ngx_log_error(NGX_LOG_ERR, &b->log, 0,
                      "9p: service \"%V\": cannot clunk fid %uD: %s",
                      &b->pool->service->name, fid, err);
        ngx_http_9p_backend_fid_free(b, fid);
        return;
    }

    br->clunked = fid;
}


static void
ngx_http_9p_clunk_done(ngx_http_9p_breq_t *br, ninep_fcall_t *r,
    const char *err)
{
    ngx_http_9p_backend_fid_free(br->backend, br->clunked);
}


/* Returns a number the backend no longer knows (or never knew). */

void
ngx_http_9p_backend_fid_free(ngx_http_9p_backend_t *b, uint32_t fid)
{
    uint32_t  *slot;

    if (fid == NINEP_NOFID || ngx_http_9p_backend_in_limbo(b, fid)) {
        return;
    }

    slot = ngx_array_push(&b->free_fids);
    if (slot) {
        *slot = fid;
    }
}


/* Whether fid is one an abandoned request may still make (rare: a scan). */

static ngx_uint_t
ngx_http_9p_backend_in_limbo(ngx_http_9p_backend_t *b, uint32_t fid)
{
    ngx_uint_t           i;
    ngx_http_9p_breq_t  *br;

    if (b->limbo == 0) {
        return 0;
    }

    for (i = 0; i < b->ntags * NGX_HTTP_9P_TAG_CHUNK; i++) {
        br = NGX_HTTP_9P_TAG(b, i);

        if (br->busy && br->abandoned && br->newfid == fid) {
            return 1;
        }
    }

    return 0;
}


/* ----------------------------------------------------------- handshake */


/* the handshake's replies, in order, and what a step that fails is called */
static const ngx_http_9p_hs_step_t  ngx_http_9p_hs_steps[] = {
    { NINEP_RVERSION, "Tversion" },
    { NINEP_RAUTH, "Tauth" },
    { NINEP_RWRITE, "ten-auth-1 hello" },
    { NINEP_RREAD, "ten-auth-1 read" },
    { NINEP_RWRITE, "ten-auth-1 proof" },
    { NINEP_RATTACH, "attach as the kernel" }
};


/*
 * A handshake message: Tversion, then all on the auth fid but the
 * attach (on the kernel's, with the auth fid), as the kernel's identity.
 */

static ngx_int_t
ngx_http_9p_hs_send(ngx_http_9p_backend_t *b, ngx_uint_t type, char *data,
    uint32_t count)
{
    const char     *err;
    ninep_fcall_t   t;

    ngx_memzero(&t, sizeof(t));
    t.type = type;
    t.msize = b->msize;
    t.version = ninep_str(NINEP_VERSION);
    t.fid = (type == NINEP_TATTACH) ? b->kernel_fid : b->afid;
    t.afid = b->afid;
    t.uname.data = b->pool->conf->identity_name.data;
    t.uname.len = (uint16_t) b->pool->conf->identity_name.len;
    t.count = count;
    t.data = (uint8_t *) data;

    if (ngx_http_9p_backend_send(b, &t, ngx_http_9p_hs_reply, b, &err)
        == NULL)
    {
        ngx_http_9p_backend_close(b, err);
        return NGX_ERROR;
    }

    return NGX_OK;
}


static void
ngx_http_9p_hs_failed(ngx_http_9p_backend_t *b, const char *step,
    ninep_fcall_t *r, const char *err)
{
    ngx_str_t  ename;

    if (b->state == NGX_HTTP_9P_B_DEAD) {
        return;
    }

    ename.len = 0;

    if (r && r->type == NINEP_RERROR) {
        ename.data = (u_char *) r->ename.data;
        ename.len = r->ename.len;
    }

    ngx_log_error(NGX_LOG_ERR, &b->log, 0,
                  "9p: service \"%V\": %s failed: %s%V",
                  &b->pool->service->name, step, err ? err : "",
                  &ename);

    ngx_http_9p_backend_connect_failed(b, "handshake failed");
}


/*
 * Each reply of the handshake, the one its step waits for or a failure,
 * and the step's work: the next message, or the connection ready.
 */

static void
ngx_http_9p_hs_reply(ngx_http_9p_breq_t *br, ninep_fcall_t *r,
    const char *err)
{
    int                     n;
    char                    msg[TEN_AUTH_MSG_MAX];
    ngx_uint_t              step;
    ngx_http_9p_backend_t  *b;

    b = br->data;
    step = b->hs_step++;

    if (r == NULL || r->type != ngx_http_9p_hs_steps[step].reply) {
        ngx_http_9p_hs_failed(b, ngx_http_9p_hs_steps[step].name, r, err);
        return;
    }

    switch (step) {

    case 0:     /* Rversion */
        if (!ninep_str_eq(r->version, NINEP_VERSION)
            || r->msize < NGX_HTTP_9P_MIN_MSIZE || r->msize > b->msize)
        {
            ngx_http_9p_hs_failed(b, "Tversion", r,
                                  "unusable version or msize");
            return;
        }

        b->msize = r->msize;

        /* fid 1, as backend_connect set next_fid for each server */
        (void) ngx_http_9p_backend_fid(b, &b->afid);
        (void) ngx_http_9p_hs_send(b, NINEP_TAUTH, NULL, 0);
        return;

    case 1:     /* Rauth: ten-auth-1 begins */
        ngx_memzero(&b->auth, sizeof(ten_auth_t));
        ngx_cpystrn((u_char *) b->auth.principal,
                    b->pool->conf->identity_name.data,
                    sizeof(b->auth.principal));
        ngx_cpystrn((u_char *) b->auth.server, b->pool->service->name.data,
                    sizeof(b->auth.server));
        ten_random(b->auth.cnonce, TEN_NONCE_LEN);

        n = ten_auth_hello(&b->auth, msg, sizeof(msg));

        (void) ngx_http_9p_hs_send(b, NINEP_TWRITE, msg, (uint32_t) n);
        return;

    case 2:     /* the hello written: the service's answer */
        (void) ngx_http_9p_hs_send(b, NINEP_TREAD, NULL, TEN_AUTH_MSG_MAX);
        return;

    case 3:     /* the service must prove the key pinned under its name */
        if (ten_auth_check_server((const char *) r->data, r->count, &b->auth,
                                  b->pool->service->pk)
            != 0)
        {
            ngx_http_9p_hs_failed(b, "ten-auth-1", NULL,
                                  "the service did not prove its pinned key");
            return;
        }

        n = ten_auth_proof(&b->auth, b->pool->conf->identity, msg,
                           sizeof(msg));

        (void) ngx_http_9p_hs_send(b, NINEP_TWRITE, msg,
                                   (uint32_t) ngx_max(n, 0));
        return;

    case 4:     /* the proof accepted: the kernel attaches, as fid 2 */
        (void) ngx_http_9p_backend_fid(b, &b->kernel_fid);
        (void) ngx_http_9p_hs_send(b, NINEP_TATTACH, NULL, 0);
        return;

    default:    /* Rattach */
        ngx_http_9p_backend_ready(b);
    }
}


static void
ngx_http_9p_backend_ready(ngx_http_9p_backend_t *b)
{
    ngx_http_9p_pool_t  *p;

    p = b->pool;

    /* the auth fid has done its work */
    ngx_http_9p_backend_clunk(b, b->afid);
    b->afid = NINEP_NOFID;

    b->state = NGX_HTTP_9P_B_READY;
    ngx_http_9p_backend_find_peer(b);
    p->backoff = 0;
    p->retry_at = 0;

    ngx_http_9p_stats_conn(b->row, NGX_HTTP_9P_CONN_READY);
    ngx_http_9p_stats_circuit(p->row, 0);

    ngx_log_error(NGX_LOG_INFO, &b->log, 0,
                  "9p: service \"%V\" ready at %V, msize %uD",
                  &p->service->name, b->pc.name, b->msize);

    ngx_http_9p_pool_ready(p, b, NULL);
}


/* --------------------------------------------------------------- death */


/*
 * Every request in flight fails, the pool forgets the connection, and
 * its memory goes with the last reference.
 */

static void
ngx_http_9p_backend_close(ngx_http_9p_backend_t *b, const char *why)
{
    ngx_uint_t              ready;
    ngx_http_9p_pool_t     *p;
    ngx_http_9p_backend_t  *next;

    if (b->state == NGX_HTTP_9P_B_DEAD) {
        return;
    }

    p = b->pool;
    ready = (b->state == NGX_HTTP_9P_B_READY);
    b->state = NGX_HTTP_9P_B_DEAD;

    if (ready) {
        ngx_log_error(NGX_LOG_ERR, &b->log, 0,
                      "9p: service \"%V\": %s", &p->service->name, why);

        ngx_http_9p_stats_conn(b->row, NGX_HTTP_9P_CONN_BROKEN);
    }

    ngx_http_9p_tls_close(&b->pc);

    if (b->pc.sockaddr) {
        b->pc.free(&b->pc, b->pc.data, 0);
        b->pc.sockaddr = NULL;
    }

    ngx_queue_remove(&b->queue);
    p->nbackends--;

    ngx_http_9p_backend_ref(b);
    ngx_http_9p_backend_end_requests(b, ready ? ngx_http_9p_conn_lost : why);

    if (!ready) {
        next = ngx_http_9p_pool_pick(p);

        if (next || !ngx_http_9p_pool_connecting(p)) {
            ngx_http_9p_pool_ready(p, next, next ? NULL : "cannot connect");
        }
    }

    ngx_http_9p_backend_unref(b);   /* the one just taken */
    ngx_http_9p_backend_unref(b);   /* the pool's */
}


void
ngx_http_9p_backend_ref(ngx_http_9p_backend_t *b)
{
    b->refs++;
}


void
ngx_http_9p_backend_unref(ngx_http_9p_backend_t *b)
{
    if (--b->refs == 0) {
        ngx_http_9p_backend_free(b);
    }
}


/* Its requests, and their timers, all ended when it closed. */

static void
ngx_http_9p_backend_free(ngx_http_9p_backend_t *b)
{
    if (b->retire.posted) {
        ngx_delete_posted_event(&b->retire);
    }

    ngx_free(b->in);
    ngx_free(b->out.start);

    ngx_destroy_pool(b->mem);
}


ngx_uint_t
ngx_http_9p_backend_alive(ngx_http_9p_backend_t *b)
{
    return b != NULL && b->state == NGX_HTTP_9P_B_READY;
}


uint32_t
ngx_http_9p_backend_msize(ngx_http_9p_backend_t *b)
{
    return b->msize;
}


const char *
ngx_http_9p_backend_name(ngx_http_9p_backend_t *b)
{
    return (const char *) b->pool->service->name.data;
}


uint32_t
ngx_http_9p_backend_kernel_fid(ngx_http_9p_backend_t *b)
{
    return b->kernel_fid;
}


void
ngx_http_9p_backends_exit(void)
{
    ngx_queue_t            *q, *bq;
    ngx_http_9p_pool_t     *p;
    ngx_http_9p_backend_t  *b;

    for (q = ngx_queue_head(&ngx_http_9p_pools);
         q != ngx_queue_sentinel(&ngx_http_9p_pools);
         q = ngx_queue_next(q))
    {
        p = ngx_queue_data(q, ngx_http_9p_pool_t, link);

        for (bq = ngx_queue_head(&p->backends);
             bq != ngx_queue_sentinel(&p->backends);
             bq = ngx_queue_next(bq))
        {
            b = ngx_queue_data(bq, ngx_http_9p_backend_t, queue);

            if (b->state == NGX_HTTP_9P_B_READY) {
                ngx_http_9p_stats_conn(b->row, NGX_HTTP_9P_CONN_GONE);
            }

            ngx_http_9p_tls_close(&b->pc);
        }
    }
}
