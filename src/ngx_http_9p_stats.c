
/*
 * Ten: the kernel's counters (issue 14).  "ninep_status;" in a location
 * makes one shared memory zone, "ninep_status" (its layout is in
 * ngx_http_9p_stats_zone.h), that every worker adds to with
 * ngx_atomic_fetch_add: sessions, attaches by kind and result and each
 * refusal's reason, requests by type and how they ended, 9P messages by
 * type each way, bytes, recoveries, cache lookups, each worker's rescue
 * mode, and a row for each service and each of its servers (connections,
 * requests in flight, a latency histogram, errors, connect failures,
 * lost connections, the circuit).  A reload keeps the zone and so the
 * counts, unless the number of servers grows past what the zone holds.
 * Counting costs an atomic add per counter it moves (two or three a
 * message, four a request to a service, and two clock readings), and
 * nothing but a test without the zone.
 *
 * Each session also keeps its own numbers (in the session) for the
 * access log: nginx writes one line when the WebSocket request ends,
 * with $ninep_user, $ninep_session, ... as log_format asks.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ninep.h"
#include "ngx_http_9p.h"
#include "ngx_http_9p_check.h"
#include "ngx_http_9p_mnt.h"
#include "ngx_http_9p_req.h"
#include "ngx_http_9p_stats_zone.h"


static ngx_int_t ngx_http_9p_stats_init_zone(ngx_shm_zone_t *zone,
    void *data);
static ngx_int_t ngx_http_9p_stats_rows(ngx_slab_pool_t *shpool,
    ngx_http_9p_zone_t *z, ngx_http_9p_main_conf_t *mcf, ngx_array_t *refs);
static ngx_http_9p_row_t *ngx_http_9p_row_find(ngx_http_9p_zone_t *z,
    u_char *name, size_t len);
static size_t ngx_http_9p_row_name(u_char *buf, ngx_http_9p_service_t *svc,
    ngx_http_upstream_rr_peer_t *peer);
static ngx_uint_t ngx_http_9p_service_first(ngx_http_9p_main_conf_t *mcf,
    ngx_uint_t i);
static ngx_uint_t ngx_http_9p_refusal(const char *why);
static void ngx_http_9p_stats_log(ngx_http_request_t *r);
static void ngx_http_9p_list(ngx_http_9p_session_t *s);
static void ngx_http_9p_unlist(ngx_http_9p_session_t *s);
static void ngx_http_9p_unlist_locked(ngx_http_9p_listed_t *l);
static uint64_t ngx_http_9p_now_us(void);
static ngx_int_t ngx_http_9p_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static u_char *ngx_http_9p_log_handler(ngx_http_request_t *r,
    ngx_http_request_t *sr, u_char *buf, size_t len);


const char  *ngx_http_9p_attach_kinds[] = {
    "bootstrap", "ticket", "rescue"
};

const char  *ngx_http_9p_transports[] = { "websocket", "tcp" };

/* a session's kind is its first attach's */
const char  *ngx_http_9p_session_kinds[] = {
    "none", "bootstrap", "ticket", "rescue"
};

const char  *ngx_http_9p_results[] = { "ok", "error", "flushed", "lost" };

const char  *ngx_http_9p_caches[] = { "tickets", "keys" };

/* refusals: a label, and the start of the Rerror that means it */
const char  *ngx_http_9p_refusals[] = {
    "not_a_ticket", "unknown_key", "bad_signature", "key_expired",
    "expired", "path_mismatch", "no_ticket", "unavailable", "other"
};

static const char  *ngx_http_9p_refusal_text[] = {
    "not a ticket", "ticket signed by an unknown key",
    "bad ticket signature", "ticket signing key expired", "ticket expired",
    "ticket path mismatch", "no such ticket", NULL
};

/* the upper bounds of the latency buckets, in microseconds */
const ngx_uint_t  ngx_http_9p_buckets[NGX_HTTP_9P_BUCKETS] = {
    50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000,
    250000, 500000, 1000000, 2500000, 5000000, 10000000
};

/* the zone's counters, in this worker; NULL without ninep_status */
ngx_http_9p_zone_t  *ngx_http_9p_zone;
ngx_slab_pool_t     *ngx_http_9p_zone_pool;

/* "ninep_status sessions" somewhere: sessions are listed in the zone */
static ngx_uint_t    ngx_http_9p_listing;

/* the rows in the order of the configuration, in this worker */
ngx_array_t          ngx_http_9p_row_refs;

/* what the error log adds for an HTTP request: server, request, host */
static ngx_http_log_handler_pt  ngx_http_9p_log_next;


/* ------------------------------------------------------------ counting */


#define ngx_http_9p_add(field, n)                                          \
    do {                                                                   \
        if (ngx_http_9p_zone) {                                            \
            (void) ngx_atomic_fetch_add(&ngx_http_9p_zone->field, n);      \
        }                                                                  \
    } while (0)


void
ngx_http_9p_stats_session(ngx_http_9p_session_t *s, ngx_int_t delta)
{
    if (delta > 0) {
        s->id = s->connection->number;
        s->started = ngx_current_msec;

        if (s->transport->kind == NGX_HTTP_9P_WEBSOCKET) {
            ngx_http_9p_stats_log(s->request);
        }

        ngx_http_9p_add(sessions_total[s->transport->kind], 1);
        ngx_http_9p_list(s);

    } else {
        ngx_http_9p_unlist(s);
    }

    ngx_http_9p_add(sessions, delta);
    ngx_http_9p_add(sessions_by[s->transport->kind][s->attach], delta);
}


/* A line for the session in the zone; none when the zone is full. */

static void
ngx_http_9p_list(ngx_http_9p_session_t *s)
{
    ngx_str_t              *addr;
    ngx_http_9p_zone_t     *z;
    ngx_http_9p_listed_t   *l;

    z = ngx_http_9p_zone;

    if (!ngx_http_9p_listing || z == NULL) {
        return;
    }

    addr = &s->connection->addr_text;

    ngx_shmtx_lock(&ngx_http_9p_zone_pool->mutex);

    l = ngx_slab_calloc_locked(ngx_http_9p_zone_pool,
                               sizeof(ngx_http_9p_listed_t));

    if (l) {
        l->id = s->connection->number;
        l->pid = ngx_pid;
        l->started = (ngx_atomic_uint_t) ngx_time();
        ngx_cpystrn(l->addr, addr->data,
                    ngx_min(addr->len + 1, sizeof(l->addr)));

        l->next = z->listed;
        if (l->next) {
            l->next->prev = l;
        }
        z->listed = l;
    }

    ngx_shmtx_unlock(&ngx_http_9p_zone_pool->mutex);

    if (l == NULL) {
        ngx_http_9p_add(unlisted, 1);
        return;
    }

    s->listed = l;
}


static void
ngx_http_9p_unlist(ngx_http_9p_session_t *s)
{
    ngx_http_9p_listed_t  *l;

    l = s->listed;

    if (l == NULL) {
        return;
    }

    s->listed = NULL;

    ngx_shmtx_lock(&ngx_http_9p_zone_pool->mutex);
    ngx_http_9p_unlist_locked(l);
    ngx_shmtx_unlock(&ngx_http_9p_zone_pool->mutex);
}


static void
ngx_http_9p_unlist_locked(ngx_http_9p_listed_t *l)
{
    if (l->prev) {
        l->prev->next = l->next;

    } else {
        ngx_http_9p_zone->listed = l->next;
    }

    if (l->next) {
        l->next->prev = l->prev;
    }

    if (l->ns) {
        ngx_slab_free_locked(ngx_http_9p_zone_pool, l->ns);
    }

    ngx_slab_free_locked(ngx_http_9p_zone_pool, l);
}


/*
 * The namespace as /dev/ns reads, copied into the zone; none if there is
 * no room for it.
 */

void
ngx_http_9p_stats_namespace(ngx_http_9p_session_t *s, ngx_http_9p_ns_t *ns)
{
    u_char                *text;
    size_t                 len;
    ngx_http_9p_listed_t  *l;

    l = s->listed;

    if (l == NULL) {
        return;
    }

    text = ngx_alloc(NGX_HTTP_9P_DEV_MAX, s->connection->log);
    if (text == NULL) {
        return;
    }

    len = ngx_http_9p_ns_text(ns, text, text + NGX_HTTP_9P_DEV_MAX) - text;

    ngx_shmtx_lock(&ngx_http_9p_zone_pool->mutex);

    if (l->ns) {
        ngx_slab_free_locked(ngx_http_9p_zone_pool, l->ns);
    }

    l->ns = len ? ngx_slab_alloc_locked(ngx_http_9p_zone_pool, len) : NULL;
    l->ns_len = l->ns ? len : 0;

    if (l->ns) {
        ngx_memcpy(l->ns, text, len);
    }

    l->entries = ns->mounts.nelts;

    ngx_shmtx_unlock(&ngx_http_9p_zone_pool->mutex);

    ngx_free(text);
}


void
ngx_http_9p_stats_attach(ngx_http_9p_session_t *s, ngx_uint_t kind,
    const char *user, const char *why)
{
    if (user) {
        /* the log names the session's first user */
        if (s->attach == 0) {
            ngx_http_9p_add(sessions_by[s->transport->kind][0], -1);
            ngx_http_9p_add(sessions_by[s->transport->kind][kind + 1], 1);
            s->attach = kind + 1;
            ngx_cpystrn((u_char *) s->user, (u_char *) user, sizeof(s->user));

            if (s->listed) {
                ngx_memcpy(s->listed->user, s->user, sizeof(s->user));
            }
        }

        ngx_http_9p_add(attaches[kind][1], 1);
        return;
    }

    ngx_http_9p_add(attaches[kind][0], 1);
    ngx_http_9p_add(refusals[ngx_http_9p_refusal(why)], 1);
}


/*
 * Why an attach was refused, as ngx_http_9p_refusals[] names it: a
 * service out of reach first (a ticket of an unknown key whose keys
 * could not be fetched is that), then the ticket's own faults.
 */

static ngx_uint_t
ngx_http_9p_refusal(const char *why)
{
    ngx_uint_t  i;

    if (ngx_strstr(why, "unavailable")) {
        return NGX_HTTP_9P_REFUSALS - 2;
    }

    for (i = 0; ngx_http_9p_refusal_text[i]; i++) {
        if (ngx_strncmp(why, ngx_http_9p_refusal_text[i],
                        ngx_strlen(ngx_http_9p_refusal_text[i]))
            == 0)
        {
            return i;
        }
    }

    return NGX_HTTP_9P_REFUSALS - 1;
}


void
ngx_http_9p_stats_in(ngx_http_9p_session_t *s, ngx_uint_t type, size_t len)
{
    s->requests++;
    s->bytes_in += len;

    if (s->listed) {
        s->listed->requests = s->requests;
        s->listed->bytes_in = s->bytes_in;
    }

    if (type >= NINEP_TVERSION && type <= NINEP_RWSTAT) {
        ngx_http_9p_add(messages[type - NINEP_TVERSION], 1);
    }

    ngx_http_9p_add(bytes_in, len);
}


/*
 * A reply: a count for its type, and a result for the request it ends --
 * an R-message's T is the type before it; an Rerror's is the message
 * being answered now, or the waiting request with its tag (which may
 * have been lost with its connection).
 */

void
ngx_http_9p_stats_out(ngx_http_9p_session_t *s, ninep_fcall_t *r, size_t len)
{
    ngx_uint_t           t, result;
    ngx_http_9p_creq_t  *cr;

    s->bytes_out += len;

    if (r->type == NINEP_RERROR) {
        s->errors++;
    }

    if (s->listed) {
        s->listed->bytes_out = s->bytes_out;
    }

    if (ngx_http_9p_zone == NULL
        || r->type < NINEP_TVERSION || r->type > NINEP_RWSTAT)
    {
        return;
    }

    ngx_http_9p_add(messages[r->type - NINEP_TVERSION], 1);
    ngx_http_9p_add(bytes_out, len);

    result = NGX_HTTP_9P_OK;
    t = r->type - 1;

    if (r->type == NINEP_RERROR) {
        result = NGX_HTTP_9P_ERROR;

        if (s->current && s->current->tag == r->tag) {
            t = s->current->type;

        } else {
            cr = ngx_http_9p_creq_find(s, r->tag);
            t = cr ? cr->type : 0;
            result = (cr && cr->lost) ? NGX_HTTP_9P_LOST : result;
        }
    }

    if (t >= NINEP_TVERSION && t < NINEP_RWSTAT && t % 2 == 0) {
        ngx_http_9p_add(requests[(t - NINEP_TVERSION) / 2][result], 1);
    }
}


void
ngx_http_9p_stats_flushed(ngx_uint_t type)
{
    if (type >= NINEP_TVERSION && type < NINEP_RWSTAT && type % 2 == 0) {
        ngx_http_9p_add(requests[(type - NINEP_TVERSION) / 2]
                                [NGX_HTTP_9P_FLUSHED], 1);
    }
}


void
ngx_http_9p_stats_recovery(ngx_uint_t what)
{
    if (what == NGX_HTTP_9P_RESENT) {
        ngx_http_9p_add(resends, 1);

    } else {
        ngx_http_9p_add(recoveries[what == NGX_HTTP_9P_RECOVERED], 1);
    }
}


void
ngx_http_9p_stats_cache(ngx_uint_t which, ngx_uint_t hit)
{
    ngx_http_9p_add(cache[which][hit], 1);
}


void
ngx_http_9p_stats_rescue(ngx_uint_t on)
{
    ngx_http_9p_worker_t  *w;

    if (ngx_http_9p_zone == NULL || ngx_worker >= NGX_HTTP_9P_WORKERS) {
        return;
    }

    w = &ngx_http_9p_zone->workers[ngx_worker];
    w->rescue = on;
    w->rescue_since = on ? (ngx_atomic_uint_t) ngx_time() : 0;
}


void
ngx_http_9p_stats_closed(ngx_http_9p_session_t *s, ngx_uint_t by,
    ngx_uint_t code)
{
    if (s->close_by == 0) {
        s->close_by = by;
        s->close_code = code;
    }
}


/* ------------------------------------------------- services and servers */


#define ngx_http_9p_row_add(row, field, n)                                 \
    (void) ngx_atomic_fetch_add(&(row)->field, (ngx_atomic_int_t) (n))


ngx_http_9p_row_t *
ngx_http_9p_stats_row(ngx_http_9p_service_t *svc, ngx_str_t *server)
{
    ngx_uint_t              i;
    ngx_http_9p_row_ref_t  *ref;

    if (ngx_http_9p_zone == NULL) {
        return NULL;
    }

    ref = ngx_http_9p_row_refs.elts;

    for (i = 0; i < ngx_http_9p_row_refs.nelts; i++) {
        if (ref[i].service->upstream == svc->upstream
            && ref[i].service->name.len == svc->name.len
            && ngx_strncmp(ref[i].service->name.data, svc->name.data,
                           svc->name.len) == 0
            && (server ? ref[i].peer && &ref[i].peer->name == server
                       : ref[i].peer == NULL))
        {
            return ref[i].row;
        }
    }

    return NULL;
}


void
ngx_http_9p_stats_conn(ngx_http_9p_row_t *row, ngx_uint_t event)
{
    if (row == NULL) {
        return;
    }

    switch (event) {

    case NGX_HTTP_9P_CONN_READY:
        ngx_http_9p_row_add(row, connections, 1);
        row->fails = 0;
        break;

    case NGX_HTTP_9P_CONN_BROKEN:
        ngx_http_9p_row_add(row, lost, 1);
        /* fall through */

    case NGX_HTTP_9P_CONN_GONE:
        ngx_http_9p_row_add(row, connections, -1);
        break;

    default: /* NGX_HTTP_9P_CONN_FAILED */
        ngx_http_9p_row_add(row, connect_failures, 1);
        ngx_http_9p_row_add(row, fails, 1);
        row->failed_at = ngx_current_msec;
        break;
    }
}


uint64_t
ngx_http_9p_stats_sent(ngx_http_9p_row_t *row)
{
    if (row == NULL) {
        return 0;
    }

    ngx_http_9p_row_add(row, in_flight, 1);

    return ngx_http_9p_now_us();
}


void
ngx_http_9p_stats_answered(ngx_http_9p_row_t *row, uint64_t sent,
    ninep_fcall_t *r)
{
    uint64_t    us;
    ngx_uint_t  i;

    if (row == NULL || sent == 0) {
        return;
    }

    ngx_http_9p_row_add(row, in_flight, -1);

    if (r == NULL) {
        return;
    }

    us = ngx_http_9p_now_us() - sent;

    for (i = 0; i < NGX_HTTP_9P_BUCKETS; i++) {
        if (us <= ngx_http_9p_buckets[i]) {
            break;
        }
    }

    ngx_http_9p_row_add(row, latency[i], 1);
    ngx_http_9p_row_add(row, latency_us, us);

    if (r->type == NINEP_RERROR) {
        ngx_http_9p_row_add(row, errors, 1);
    }
}


void
ngx_http_9p_stats_circuit(ngx_http_9p_row_t *row, ngx_msec_t retry_at)
{
    if (row) {
        row->retry_at = retry_at;
    }
}


static uint64_t
ngx_http_9p_now_us(void)
{
    struct timespec  ts;

    (void) clock_gettime(CLOCK_MONOTONIC, &ts);

    return (uint64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}


/* ------------------------------------------------------------ the zone */


/*
 * Room for the counters and a row per service and server, twice over,
 * in a power of two: a reload that adds a server or two keeps the zone
 * (and its counts), which a zone of another size would not.
 */

ngx_int_t
ngx_http_9p_stats_postconfiguration(ngx_conf_t *cf)
{
    size_t                     size, need;
    ngx_str_t                  name;
    ngx_uint_t                 i, rows;
    ngx_http_9p_service_t    **svc;
    ngx_http_9p_main_conf_t   *mcf;

    mcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_9p_module);

    if (!mcf->status) {
        return NGX_OK;
    }

    ngx_str_set(&name, "ninep_status");

    mcf->status_zone = ngx_shared_memory_add(cf, &name, 0,
                                             &ngx_http_9p_module);
    if (mcf->status_zone == NULL) {
        return NGX_ERROR;
    }

    mcf->status_zone->init = ngx_http_9p_stats_init_zone;
    mcf->status_zone->data = mcf;

    svc = mcf->services.elts;
    rows = 0;

    for (i = 0; i < mcf->services.nelts; i++) {
        rows += ngx_http_9p_upstream_npeers(svc[i]->upstream) + 1;
    }

    need = 2 * (sizeof(ngx_http_9p_zone_t)
                + rows * (sizeof(ngx_http_9p_row_t) + 64))
           + 16 * ngx_pagesize;

    for (size = 64 * 1024; size < need; size *= 2) {
        /* void */
    }

    if (mcf->status_sessions) {
        /* a line and a namespace of about a kilobyte each */
        size += NGX_HTTP_9P_LISTED_ZONE;
    }

    mcf->status_zone->shm.size = mcf->status_zone_size ? mcf->status_zone_size
                                                       : size;

    return NGX_OK;
}


/* A zone kept across a reload keeps its counts and rows, and gains rows. */

static ngx_int_t
ngx_http_9p_stats_init_zone(ngx_shm_zone_t *zone, void *data)
{
    ngx_int_t            rc;
    ngx_slab_pool_t     *shpool;
    ngx_http_9p_zone_t  *z;

    shpool = (ngx_slab_pool_t *) zone->shm.addr;
    z = (data || zone->shm.exists) ? shpool->data : NULL;

    /* a zone of another build's layout is started afresh */
    if (z == NULL || z->magic != NGX_HTTP_9P_ZONE_MAGIC) {
        z = ngx_slab_calloc(shpool, sizeof(ngx_http_9p_zone_t));
        if (z == NULL) {
            return NGX_ERROR;
        }

        z->magic = NGX_HTTP_9P_ZONE_MAGIC;
        z->started = (ngx_atomic_uint_t) ngx_time();
        shpool->data = z;
    }

    ngx_shmtx_lock(&shpool->mutex);
    rc = ngx_http_9p_stats_rows(shpool, z, zone->data, NULL);
    ngx_shmtx_unlock(&shpool->mutex);

    if (rc != NGX_OK) {
        ngx_log_error(NGX_LOG_EMERG, ngx_cycle->log, 0,
                      "ninep_status: the zone is full; give it more room "
                      "with \"ninep_status_zone\" (or restart nginx, which "
                      "reckons its size afresh)");
    }

    return rc;
}


/*
 * The configuration's rows in its order, each found in the zone by name
 * or, while the zone is made (refs NULL), added to it; with refs, where
 * each is.
 */

static ngx_int_t
ngx_http_9p_stats_rows(ngx_slab_pool_t *shpool, ngx_http_9p_zone_t *z,
    ngx_http_9p_main_conf_t *mcf, ngx_array_t *refs)
{
    u_char                        name[NGX_HTTP_9P_ROW_NAME];
    size_t                        len;
    ngx_uint_t                    i, n;
    ngx_http_9p_row_t            *row;
    ngx_http_9p_row_ref_t        *ref;
    ngx_http_9p_service_t       **svc;
    ngx_http_upstream_rr_peer_t  *peer;

    svc = mcf->services.elts;

    for (i = 0; i < mcf->services.nelts; i++) {
        if (!ngx_http_9p_service_first(mcf, i)) {
            continue;
        }

        peer = NULL;
        n = 0;

        do {
            len = ngx_http_9p_row_name(name, svc[i], peer);
            row = ngx_http_9p_row_find(z, name, len);

            if (row == NULL && refs == NULL) {
                row = ngx_slab_calloc_locked(shpool,
                                             sizeof(ngx_http_9p_row_t));
                if (row == NULL) {
                    return NGX_ERROR;
                }

                ngx_memcpy(row->name, name, len);
                row->name_len = len;
                row->next = z->rows;
                z->rows = row;
            }

            if (refs == NULL) {
                continue;
            }

            ref = ngx_array_push(refs);
            if (ref == NULL || row == NULL) {
                return NGX_ERROR;
            }

            ref->service = svc[i];
            ref->peer = peer;
            ref->n = n - 1;
            ref->row = row;

        } while (ngx_http_9p_upstream_peer(svc[i]->upstream, n++, &peer));
    }

    return NGX_OK;
}


static ngx_http_9p_row_t *
ngx_http_9p_row_find(ngx_http_9p_zone_t *z, u_char *name, size_t len)
{
    ngx_http_9p_row_t  *row;

    for (row = z->rows; row; row = row->next) {
        if (row->name_len == len && ngx_memcmp(row->name, name, len) == 0) {
            return row;
        }
    }

    return NULL;
}


/* "service upstream" for a service's row, "... server" for a server's. */

static size_t
ngx_http_9p_row_name(u_char *buf, ngx_http_9p_service_t *svc,
    ngx_http_upstream_rr_peer_t *peer)
{
    u_char  *p;

    p = ngx_snprintf(buf, NGX_HTTP_9P_ROW_NAME, "%V %V", &svc->name,
                     &svc->upstream->host);

    if (peer) {
        p = ngx_snprintf(p, NGX_HTTP_9P_ROW_NAME - (p - buf), " %V",
                         &peer->name);
    }

    return p - buf;
}


/* Several locations may name one service: it has one row. */

static ngx_uint_t
ngx_http_9p_service_first(ngx_http_9p_main_conf_t *mcf, ngx_uint_t i)
{
    ngx_uint_t               j;
    ngx_http_9p_service_t  **svc;

    svc = mcf->services.elts;

    for (j = 0; j < i; j++) {
        if (svc[j]->upstream == svc[i]->upstream
            && svc[j]->name.len == svc[i]->name.len
            && ngx_strncmp(svc[j]->name.data, svc[i]->name.data,
                           svc[i]->name.len) == 0)
        {
            return 0;
        }
    }

    return 1;
}


ngx_int_t
ngx_http_9p_stats_init_process(ngx_cycle_t *cycle)
{
    ngx_slab_pool_t          *shpool;
    ngx_http_9p_zone_t       *z;
    ngx_http_9p_main_conf_t  *mcf;

    ngx_http_9p_zone = NULL;

    mcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_9p_module);

    if (mcf == NULL || mcf->status_zone == NULL) {
        return NGX_OK;
    }

    shpool = (ngx_slab_pool_t *) mcf->status_zone->shm.addr;
    z = shpool->data;

    if (ngx_array_init(&ngx_http_9p_row_refs, cycle->pool, 8,
                       sizeof(ngx_http_9p_row_ref_t))
        != NGX_OK
        || ngx_http_9p_stats_rows(shpool, z, mcf, &ngx_http_9p_row_refs)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (ngx_worker < NGX_HTTP_9P_WORKERS) {
        z->workers[ngx_worker].pid = ngx_pid;
        z->workers[ngx_worker].rescue = 0;
    }

    ngx_http_9p_zone = z;
    ngx_http_9p_zone_pool = shpool;
    ngx_http_9p_listing = mcf->status_sessions;

    return NGX_OK;
}


/*
 * The worker's sessions that are still open (worker_shutdown_timeout)
 * leave the list with it.
 */

void
ngx_http_9p_stats_exit_process(void)
{
    ngx_http_9p_worker_t  *w;
    ngx_http_9p_listed_t  *l, *next;

    if (ngx_http_9p_zone == NULL) {
        return;
    }

    ngx_shmtx_lock(&ngx_http_9p_zone_pool->mutex);

    for (l = ngx_http_9p_zone->listed; l; l = next) {
        next = l->next;

        if (l->pid == (ngx_atomic_uint_t) ngx_pid) {
            ngx_http_9p_unlist_locked(l);
        }
    }

    ngx_shmtx_unlock(&ngx_http_9p_zone_pool->mutex);

    if (ngx_worker >= NGX_HTTP_9P_WORKERS) {
        return;
    }

    w = &ngx_http_9p_zone->workers[ngx_worker];

    /* a worker of a newer configuration may have the slot already */
    if (w->pid == (ngx_atomic_uint_t) ngx_pid) {
        w->pid = 0;
        w->rescue = 0;
    }
}


/* ----------------------------------------------------- the access log */


#define ngx_http_9p_var(name, id)                                          \
    { ngx_string(name), NULL, ngx_http_9p_variable, id,                    \
      NGX_HTTP_VAR_NOCACHEABLE, 0 }

static ngx_http_variable_t  ngx_http_9p_vars[] = {
    ngx_http_9p_var("ninep_user", NGX_HTTP_9P_VAR_USER),
    ngx_http_9p_var("ninep_session", NGX_HTTP_9P_VAR_SESSION),
    ngx_http_9p_var("ninep_attach", NGX_HTTP_9P_VAR_ATTACH),
    ngx_http_9p_var("ninep_requests", NGX_HTTP_9P_VAR_REQUESTS),
    ngx_http_9p_var("ninep_errors", NGX_HTTP_9P_VAR_ERRORS),
    ngx_http_9p_var("ninep_bytes_in", NGX_HTTP_9P_VAR_BYTES_IN),
    ngx_http_9p_var("ninep_bytes_out", NGX_HTTP_9P_VAR_BYTES_OUT),
    ngx_http_9p_var("ninep_duration", NGX_HTTP_9P_VAR_DURATION),
    ngx_http_9p_var("ninep_close", NGX_HTTP_9P_VAR_CLOSE),
    ngx_http_null_variable
};


ngx_int_t
ngx_http_9p_stats_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

    for (v = ngx_http_9p_vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}


/*
 * The error log's lines about a session name its user after the client
 * (its id is the connection's "*N" at the start of every line).
 */

static void
ngx_http_9p_stats_log(ngx_http_request_t *r)
{
    if (r->log_handler != ngx_http_9p_log_handler) {
        ngx_http_9p_log_next = r->log_handler;
        r->log_handler = ngx_http_9p_log_handler;
    }
}


static u_char *
ngx_http_9p_log_handler(ngx_http_request_t *r, ngx_http_request_t *sr,
    u_char *buf, size_t len)
{
    u_char                 *p;
    ngx_http_9p_session_t  *s;

    s = ngx_http_get_module_ctx(r, ngx_http_9p_module);

    if (s && s->attach) {
        p = ngx_snprintf(buf, len, ", user: \"%s\"", s->user);
        len -= p - buf;
        buf = p;
    }

    return ngx_http_9p_log_next(r, sr, buf, len);
}


/* A session's value; not found on a request that was not a session. */

static ngx_int_t
ngx_http_9p_variable(ngx_http_request_t *r, ngx_http_variable_value_t *v,
    uintptr_t data)
{
    u_char                 *p;
    ngx_http_9p_session_t  *s;

    s = ngx_http_get_module_ctx(r, ngx_http_9p_module);

    if (s == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    p = ngx_pnalloc(r->pool, NGX_HTTP_9P_VAR_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    v->data = p;
    v->len = ngx_http_9p_stats_value(s, data, p) - p;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = (v->len == 0);

    return NGX_OK;
}


/* A session's value for a log (http{} or stream{}); nothing if none. */

u_char *
ngx_http_9p_stats_value(ngx_http_9p_session_t *s, ngx_uint_t which,
    u_char *p)
{
    ngx_msec_t  ms;

    switch (which) {

    case NGX_HTTP_9P_VAR_USER:
        return s->attach ? ngx_cpymem(p, s->user, ngx_strlen(s->user)) : p;

    case NGX_HTTP_9P_VAR_SESSION:
        return ngx_sprintf(p, "%uA", s->id);

    case NGX_HTTP_9P_VAR_ATTACH:
        return s->attach ? ngx_sprintf(p, "%s",
                                       ngx_http_9p_attach_kinds[s->attach - 1])
                         : ngx_sprintf(p, "-");

    case NGX_HTTP_9P_VAR_REQUESTS:
        return ngx_sprintf(p, "%ui", s->requests);

    case NGX_HTTP_9P_VAR_ERRORS:
        return ngx_sprintf(p, "%ui", s->errors);

    case NGX_HTTP_9P_VAR_BYTES_IN:
        return ngx_sprintf(p, "%O", s->bytes_in);

    case NGX_HTTP_9P_VAR_BYTES_OUT:
        return ngx_sprintf(p, "%O", s->bytes_out);

    case NGX_HTTP_9P_VAR_DURATION:
        ms = ngx_current_msec - s->started;
        return ngx_sprintf(p, "%M.%03M", ms / 1000, ms % 1000);

    default: /* NGX_HTTP_9P_VAR_CLOSE */
        p = ngx_sprintf(p, "%s", s->close_by == 0 ? "none"
                                 : s->close_by == NGX_HTTP_9P_CLOSED_BY_CLIENT
                                   ? "client" : "server");

        /* raw 9P has no close code: who closed is all there is */
        return s->close_code ? ngx_sprintf(p, " %ui", s->close_code) : p;
    }
}


