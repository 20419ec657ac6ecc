
/*
 * Ten: the status handler.  "ninep_status;" in a location answers GET
 * with the counters of the status zone (ngx_http_9p_stats.c) in one of
 * three forms, chosen by ?format=text|json|prometheus or else by Accept:
 * text for a person, JSON for scripts, Prometheus text exposition (0.0.4)
 * for a scraper.  What it shows is the whole server, every worker; what
 * a service's servers' circuits are is computed here from the row and
 * the balancer's max_fails and fail_timeout, and health checks are asked
 * of ngx_http_9p_check.c.  It says nothing of tickets, keys or files.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ninep.h"
#include "ngx_http_9p.h"
#include "ngx_http_9p_check.h"
#include "ngx_http_9p_stats_zone.h"
#include "ngx_http_9p_status.h"


typedef enum {
    NGX_HTTP_9P_FORMAT_TEXT = 0,
    NGX_HTTP_9P_FORMAT_JSON,
    NGX_HTTP_9P_FORMAT_PROMETHEUS,
    NGX_HTTP_9P_FORMAT_UNKNOWN
} ngx_http_9p_format_e;


/* what one row says, read once */
typedef struct {
    ngx_http_9p_row_ref_t      *ref;
    ngx_atomic_uint_t           count;      /* replies */
    ngx_uint_t                  circuit_open;
    ngx_int_t                   checked;    /* NGX_OK: down, changed */
    ngx_uint_t                  down;
    time_t                      changed;
} ngx_http_9p_row_view_t;


/* a Prometheus metric family of the rows */
typedef struct {
    const char                 *name;
    const char                 *type;
    const char                 *help;
    size_t                      offset;
} ngx_http_9p_family_t;


static ngx_int_t ngx_http_9p_status_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_9p_status_send(ngx_http_request_t *r,
    ngx_buf_t *b);
static ngx_int_t ngx_http_9p_status_namespace(ngx_http_request_t *r,
    ngx_str_t *id);
static ngx_uint_t ngx_http_9p_listed_live(ngx_http_9p_listed_t *l);
static size_t ngx_http_9p_listed_size(void);
static u_char *ngx_http_9p_text_sessions(u_char *p, u_char *end);
static u_char *ngx_http_9p_json_sessions(u_char *p, u_char *end);
static ngx_http_9p_format_e ngx_http_9p_status_format(ngx_http_request_t *r);
static size_t ngx_http_9p_status_size(void);
static void ngx_http_9p_row_view(ngx_http_9p_row_ref_t *ref,
    ngx_http_9p_row_view_t *v);
static ngx_uint_t ngx_http_9p_percentile(ngx_http_9p_row_t *row,
    ngx_atomic_uint_t count, ngx_uint_t percent);
static u_char *ngx_http_9p_text_us(u_char *p, ngx_uint_t us);
static u_char *ngx_http_9p_text_time(u_char *p, time_t t);
static u_char *ngx_http_9p_status_text(u_char *p, ngx_http_9p_zone_t *z);
static u_char *ngx_http_9p_text_rows(u_char *p);
static u_char *ngx_http_9p_status_json(u_char *p, ngx_http_9p_zone_t *z);
static u_char *ngx_http_9p_json_rows(u_char *p);
static u_char *ngx_http_9p_json_str(u_char *p, ngx_str_t *s);
static u_char *ngx_http_9p_status_prometheus(u_char *p,
    ngx_http_9p_zone_t *z);
static u_char *ngx_http_9p_prom_rows(u_char *p);
static u_char *ngx_http_9p_prom_row(u_char *p, ngx_uint_t f,
    ngx_http_9p_row_view_t *v);
static u_char *ngx_http_9p_prom_histogram(u_char *p,
    ngx_http_9p_row_view_t *v);
static u_char *ngx_http_9p_prom_series(u_char *p, const char *name,
    const char *suffix, ngx_http_9p_row_ref_t *ref);
static u_char *ngx_http_9p_prom_escape(u_char *p, ngx_str_t *s);


/* the message types a status lists: all but Terror, which is not one */
#define ngx_http_9p_listed(type)   ((type) != NINEP_RERROR - 1)


char *
ngx_http_9p_status(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_9p_loc_conf_t *lcf = conf;

    ngx_str_t                 *value;
    ngx_http_9p_main_conf_t   *mcf;
    ngx_http_core_loc_conf_t  *clcf;

    value = cf->args->elts;
    mcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_9p_module);

    if (cf->args->nelts == 2) {
        if (ngx_strcmp(value[1].data, "sessions") != 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"ninep_status\": unknown parameter \"%V\" "
                               "(the one there is: \"sessions\")", &value[1]);
            return NGX_CONF_ERROR;
        }

        mcf->status_sessions = 1;
        lcf->status_sessions = 1;
    }

    mcf->status = 1;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_9p_status_handler;

    return NGX_CONF_OK;
}


char *
ngx_http_9p_status_zone(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_9p_main_conf_t *mcf = conf;

    ssize_t     size;
    ngx_str_t  *value;

    if (mcf->status_zone_size) {
        return "is duplicate";
    }

    value = cf->args->elts;
    size = ngx_parse_size(&value[1]);

    if (size == NGX_ERROR || size < 64 * 1024) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"ninep_status_zone\": \"%V\" is not a size of "
                           "64k or more", &value[1]);
        return NGX_CONF_ERROR;
    }

    mcf->status_zone_size = size;

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_9p_status_handler(ngx_http_request_t *r)
{
    size_t                   size;
    ngx_int_t                rc;
    ngx_buf_t               *b;
    ngx_str_t                id;
    ngx_http_9p_format_e     format;
    ngx_http_9p_loc_conf_t  *lcf;

    if (!(r->method & (NGX_HTTP_GET | NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    lcf = ngx_http_get_module_loc_conf(r, ngx_http_9p_module);

    if (ngx_http_arg(r, (u_char *) "session", 7, &id) == NGX_OK) {
        if (!lcf->status_sessions) {
            ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                          "ninep_status: sessions are not listed here "
                          "(\"ninep_status sessions;\" lists them)");
            return NGX_HTTP_NOT_FOUND;
        }

        return ngx_http_9p_status_namespace(r, &id);
    }

    format = ngx_http_9p_status_format(r);

    if (format == NGX_HTTP_9P_FORMAT_UNKNOWN) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "ninep_status: unknown format (want text, json or "
                      "prometheus)");
        return NGX_HTTP_BAD_REQUEST;
    }

    size = ngx_http_9p_status_size();

    if (lcf->status_sessions) {
        size += ngx_http_9p_listed_size();
    }

    b = ngx_create_temp_buf(r->pool, size);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    switch (format) {

    case NGX_HTTP_9P_FORMAT_JSON:
        ngx_str_set(&r->headers_out.content_type, "application/json");
        b->last = ngx_http_9p_status_json(b->last, ngx_http_9p_zone);

        if (lcf->status_sessions) {
            b->last = ngx_http_9p_json_sessions(b->last, b->end - 3);
        }

        b->last = ngx_sprintf(b->last, "}\n");
        break;

    case NGX_HTTP_9P_FORMAT_PROMETHEUS:
        ngx_str_set(&r->headers_out.content_type,
                    "text/plain; version=0.0.4; charset=utf-8");
        b->last = ngx_http_9p_status_prometheus(b->last, ngx_http_9p_zone);
        break;

    default:
        ngx_str_set(&r->headers_out.content_type, "text/plain; charset=utf-8");
        b->last = ngx_http_9p_status_text(b->last, ngx_http_9p_zone);

        if (lcf->status_sessions) {
            b->last = ngx_http_9p_text_sessions(b->last, b->end);
        }
        break;
    }

    return ngx_http_9p_status_send(r, b);
}


static ngx_int_t
ngx_http_9p_status_send(ngx_http_request_t *r, ngx_buf_t *b)
{
    ngx_int_t    rc;
    ngx_chain_t  out;

    b->last_buf = (r == r->main);
    b->last_in_chain = 1;

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = b->last - b->pos;

    rc = ngx_http_send_header(r);
    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


/* ?session=ID: its namespace, as its /dev/ns reads (Plan 9's /proc/n/ns). */

static ngx_int_t
ngx_http_9p_status_namespace(ngx_http_request_t *r, ngx_str_t *id)
{
    ngx_int_t              n;
    ngx_buf_t             *b;
    ngx_http_9p_listed_t  *l;

    n = ngx_atoi(id->data, id->len);

    if (n == NGX_ERROR) {
        return NGX_HTTP_BAD_REQUEST;
    }

    b = NULL;

    ngx_shmtx_lock(&ngx_http_9p_zone_pool->mutex);

    for (l = ngx_http_9p_zone->listed; l; l = l->next) {
        if (l->id == (ngx_atomic_uint_t) n && ngx_http_9p_listed_live(l)) {
            b = ngx_create_temp_buf(r->pool, l->ns_len + 1);
            if (b) {
                b->last = ngx_cpymem(b->last, l->ns, l->ns_len);
            }
            break;
        }
    }

    ngx_shmtx_unlock(&ngx_http_9p_zone_pool->mutex);

    if (l == NULL) {
        return NGX_HTTP_NOT_FOUND;
    }

    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_str_set(&r->headers_out.content_type, "text/plain; charset=utf-8");

    return ngx_http_9p_status_send(r, b);
}


/* A line left by a worker that died without taking it away is skipped. */

static ngx_uint_t
ngx_http_9p_listed_live(ngx_http_9p_listed_t *l)
{
    return kill((ngx_pid_t) l->pid, 0) == 0 || ngx_errno != NGX_ESRCH;
}


/* Room for the list: a line of at most ~400 bytes a session. */

static size_t
ngx_http_9p_listed_size(void)
{
    size_t                 n;
    ngx_http_9p_listed_t  *l;

    n = 0;

    ngx_shmtx_lock(&ngx_http_9p_zone_pool->mutex);

    for (l = ngx_http_9p_zone->listed; l; l = l->next) {
        n++;
    }

    ngx_shmtx_unlock(&ngx_http_9p_zone_pool->mutex);

    /* and a few that may begin meanwhile */
    return (n + 16) * (400 + 6 * (TEN_NAME_MAX + NGX_SOCKADDR_STRLEN));
}


static u_char *
ngx_http_9p_text_sessions(u_char *p, u_char *end)
{
    ngx_http_9p_listed_t  *l;

    p = ngx_slprintf(p, end, "sessions listed (%uA more had no room):\n",
                     ngx_http_9p_zone->unlisted);

    ngx_shmtx_lock(&ngx_http_9p_zone_pool->mutex);

    for (l = ngx_http_9p_zone->listed; l; l = l->next) {
        if (!ngx_http_9p_listed_live(l)) {
            continue;
        }

        p = ngx_slprintf(p, end, "  %uA %s from %s since ", l->id,
                         l->user[0] ? (char *) l->user : "-", l->addr);
        p = (end - p > 32) ? ngx_http_9p_text_time(p, (time_t) l->started)
                           : p;
        p = ngx_slprintf(p, end, " (worker pid %uA): %uA requests, %uA "
                                 "bytes in, %uA out, %uA namespace "
                                 "entries\n",
                         l->pid, l->requests, l->bytes_in, l->bytes_out,
                         l->entries);
    }

    ngx_shmtx_unlock(&ngx_http_9p_zone_pool->mutex);

    return p;
}


static u_char *
ngx_http_9p_json_sessions(u_char *p, u_char *end)
{
    ngx_str_t              user, addr;
    ngx_uint_t             first;
    ngx_http_9p_listed_t  *l;

    p = ngx_slprintf(p, end, ",\"unlisted\":%uA,\"listed\":[",
                     ngx_http_9p_zone->unlisted);
    first = 1;

    ngx_shmtx_lock(&ngx_http_9p_zone_pool->mutex);

    for (l = ngx_http_9p_zone->listed; l; l = l->next) {
        if (!ngx_http_9p_listed_live(l)
            || (size_t) (end - p) < 256 + 6 * (TEN_NAME_MAX
                                               + NGX_SOCKADDR_STRLEN))
        {
            continue;
        }

        user.data = l->user;
        user.len = ngx_strlen(l->user);
        addr.data = l->addr;
        addr.len = ngx_strlen(l->addr);

        p = ngx_sprintf(p, "%s{\"id\":%uA,\"user\":", first ? "" : ",",
                        l->id);
        p = ngx_http_9p_json_str(p, &user);
        p = ngx_sprintf(p, ",\"address\":");
        p = ngx_http_9p_json_str(p, &addr);
        p = ngx_sprintf(p, ",\"started\":%uA,\"pid\":%uA,\"requests\":%uA,"
                           "\"bytes_in\":%uA,\"bytes_out\":%uA,"
                           "\"entries\":%uA}",
                        l->started, l->pid, l->requests, l->bytes_in,
                        l->bytes_out, l->entries);
        first = 0;
    }

    ngx_shmtx_unlock(&ngx_http_9p_zone_pool->mutex);

    return ngx_slprintf(p, end, "]");
}


/* the Accept header h names type */
#define ngx_http_9p_accepts(h, type)                                       \
    (ngx_strlcasestrn((h)->value.data, (h)->value.data + (h)->value.len,   \
                      (u_char *) type, sizeof(type) - 2)                   \
     != NULL)


static ngx_http_9p_format_e
ngx_http_9p_status_format(ngx_http_request_t *r)
{
    ngx_str_t         arg;
    ngx_table_elt_t  *accept;

    if (ngx_http_arg(r, (u_char *) "format", 6, &arg) == NGX_OK) {
        if (arg.len == 4 && ngx_strncmp(arg.data, "text", 4) == 0) {
            return NGX_HTTP_9P_FORMAT_TEXT;
        }

        if (arg.len == 4 && ngx_strncmp(arg.data, "json", 4) == 0) {
            return NGX_HTTP_9P_FORMAT_JSON;
        }

        if (arg.len == 10 && ngx_strncmp(arg.data, "prometheus", 10) == 0) {
            return NGX_HTTP_9P_FORMAT_PROMETHEUS;
        }

        return NGX_HTTP_9P_FORMAT_UNKNOWN;
    }

    accept = r->headers_in.accept;

    if (accept == NULL) {
        return NGX_HTTP_9P_FORMAT_TEXT;
    }

    if (ngx_http_9p_accepts(accept, "application/json")) {
        return NGX_HTTP_9P_FORMAT_JSON;
    }

    /* Prometheus asks for text/plain;version=0.0.4 or openmetrics */
    if (ngx_http_9p_accepts(accept, "version=0.0.4")
        || ngx_http_9p_accepts(accept, "openmetrics"))
    {
        return NGX_HTTP_9P_FORMAT_PROMETHEUS;
    }

    return NGX_HTTP_9P_FORMAT_TEXT;
}


/*
 * What the largest form can take: the kernel's own lines (28 message
 * types, 13 requests by 4 results, workers, a few dozen others, ~120
 * bytes each) and, per row, its histogram and a dozen lines, each with
 * the row's labels, escaped at most six times over (JSON's \u00XX).
 */

static size_t
ngx_http_9p_status_size(void)
{
    return 32 * 1024 + NGX_HTTP_9P_WORKERS * 160
           + ngx_http_9p_row_refs.nelts
             * (NGX_HTTP_9P_BUCKETS + 16) * (160 + 6 * NGX_HTTP_9P_ROW_NAME);
}


static void
ngx_http_9p_row_view(ngx_http_9p_row_ref_t *ref, ngx_http_9p_row_view_t *v)
{
    ngx_uint_t                     i;
    ngx_http_9p_row_t             *row;
    ngx_http_upstream_rr_peer_t   *peer;
    ngx_http_upstream_rr_peers_t  *peers;

    row = ref->row;
    peer = ref->peer;

    v->ref = ref;
    v->count = 0;

    for (i = 0; i <= NGX_HTTP_9P_BUCKETS; i++) {
        v->count += row->latency[i];
    }

    /* a service's pools wait; a server is skipped by the balancer */
    if (peer == NULL) {
        v->circuit_open = (ngx_msec_int_t) (row->retry_at - ngx_current_msec)
                          > 0;
        v->checked = NGX_DECLINED;
        return;
    }

    /* nginx never skips the server of an upstream of one */
    peers = ref->service->upstream->peer.data;

    v->circuit_open = !peers->single
                      && peer->max_fails
                      && row->fails >= peer->max_fails
                      && ngx_current_msec - (ngx_msec_t) row->failed_at
                         < (ngx_msec_t) peer->fail_timeout * 1000;

    v->checked = ngx_http_9p_check_state(ref->service->upstream, ref->n,
                                         &v->down, &v->changed);
}


/* The upper bound of the bucket that holds the percent-th reply. */

static ngx_uint_t
ngx_http_9p_percentile(ngx_http_9p_row_t *row, ngx_atomic_uint_t count,
    ngx_uint_t percent)
{
    ngx_uint_t         i;
    ngx_atomic_uint_t  seen, want;

    want = (count * percent + 99) / 100;
    seen = 0;

    for (i = 0; i < NGX_HTTP_9P_BUCKETS; i++) {
        seen += row->latency[i];

        if (seen >= want) {
            return ngx_http_9p_buckets[i];
        }
    }

    return 0;   /* beyond the last */
}


/* ---------------------------------------------------------------- text */


static u_char *
ngx_http_9p_text_us(u_char *p, ngx_uint_t us)
{
    if (us == 0) {
        return ngx_sprintf(p, "> %ui s",
                           ngx_http_9p_buckets[NGX_HTTP_9P_BUCKETS - 1]
                           / 1000000);
    }

    if (us < 1000) {
        return ngx_sprintf(p, "<= %ui us", us);
    }

    if (us < 1000000) {
        return ngx_sprintf(p, "<= %ui.%ui ms", us / 1000, us % 1000 / 100);
    }

    return ngx_sprintf(p, "<= %ui.%ui s", us / 1000000, us % 1000000 / 100000);
}


static u_char *
ngx_http_9p_text_time(u_char *p, time_t t)
{
    ngx_tm_t  tm;

    ngx_gmtime(t, &tm);

    return ngx_sprintf(p, "%4d-%02d-%02d %02d:%02d:%02d UTC",
                       tm.ngx_tm_year, tm.ngx_tm_mon, tm.ngx_tm_mday,
                       tm.ngx_tm_hour, tm.ngx_tm_min, tm.ngx_tm_sec);
}


static u_char *
ngx_http_9p_status_text(u_char *p, ngx_http_9p_zone_t *z)
{
    ngx_uint_t  i, t;

    p = ngx_sprintf(p, "Ten kernel (ngx_http_9p_module), counting since ");
    p = ngx_http_9p_text_time(p, (time_t) z->started);

    p = ngx_sprintf(p, "\nsessions: %uA open\n", z->sessions);

    for (t = 0; t < NGX_HTTP_9P_TRANSPORTS; t++) {
        p = ngx_sprintf(p, "  %s: ", ngx_http_9p_transports[t]);

        for (i = 0; i <= NGX_HTTP_9P_ATTACH_KINDS; i++) {
            p = ngx_sprintf(p, "%uA %s, ", z->sessions_by[t][i],
                            ngx_http_9p_session_kinds[i]);
        }

        p = ngx_sprintf(p, "%uA since start\n", z->sessions_total[t]);
    }

    p = ngx_sprintf(p, "attaches:\n");

    for (i = 0; i < NGX_HTTP_9P_ATTACH_KINDS; i++) {
        p = ngx_sprintf(p, "  %s: %uA ok, %uA refused\n",
                        ngx_http_9p_attach_kinds[i], z->attaches[i][1],
                        z->attaches[i][0]);
    }

    p = ngx_sprintf(p, "refused attaches, by reason:");

    for (i = 0; i < NGX_HTTP_9P_REFUSALS; i++) {
        p = ngx_sprintf(p, " %s %uA", ngx_http_9p_refusals[i],
                        z->refusals[i]);
    }

    p = ngx_sprintf(p, "\nrequests:\n");

    for (i = 0; i < NGX_HTTP_9P_REQUESTS; i++) {
        if (ngx_http_9p_listed(NINEP_TVERSION + 2 * i)) {
            p = ngx_sprintf(p, "  %s: %uA ok, %uA error, %uA flushed, "
                               "%uA lost\n",
                            ninep_type_name(NINEP_TVERSION + 2 * i),
                            z->requests[i][0], z->requests[i][1],
                            z->requests[i][2], z->requests[i][3]);
        }
    }

    p = ngx_sprintf(p, "messages:\n");

    for (i = 0; i < NGX_HTTP_9P_TYPES; i++) {
        if (ngx_http_9p_listed(i + NINEP_TVERSION)) {
            p = ngx_sprintf(p, "  %s: %uA\n",
                            ninep_type_name(i + NINEP_TVERSION),
                            z->messages[i]);
        }
    }

    p = ngx_sprintf(p, "bytes: %uA in, %uA out\n"
                       "recoveries: %uA ok, %uA failed; %uA requests "
                       "sent again\n"
                       "caches:",
                    z->bytes_in, z->bytes_out, z->recoveries[1],
                    z->recoveries[0], z->resends);

    for (i = 0; i < NGX_HTTP_9P_CACHES; i++) {
        p = ngx_sprintf(p, " %s %uA hits %uA misses;", ngx_http_9p_caches[i],
                        z->cache[i][1], z->cache[i][0]);
    }

    p = ngx_sprintf(p, "\nworkers:\n");

    for (i = 0; i < NGX_HTTP_9P_WORKERS; i++) {
        if (z->workers[i].pid == 0) {
            continue;
        }

        p = ngx_sprintf(p, "  %ui (pid %uA): ", i, z->workers[i].pid);

        if (z->workers[i].rescue) {
            p = ngx_sprintf(p, "rescue mode since ");
            p = ngx_http_9p_text_time(p, (time_t) z->workers[i].rescue_since);
            *p++ = '\n';

        } else {
            p = ngx_sprintf(p, "normal\n");
        }
    }

    return ngx_http_9p_text_rows(p);
}


static u_char *
ngx_http_9p_text_rows(u_char *p)
{
    ngx_uint_t               i;
    ngx_http_9p_row_t       *row;
    ngx_http_9p_row_ref_t   *ref;
    ngx_http_9p_row_view_t   v;

    ref = ngx_http_9p_row_refs.elts;

    p = ngx_sprintf(p, "services:\n");

    for (i = 0; i < ngx_http_9p_row_refs.nelts; i++) {
        ngx_http_9p_row_view(&ref[i], &v);
        row = ref[i].row;

        if (ref[i].peer == NULL) {
            p = ngx_sprintf(p, "  %V (upstream %V): %s, %uA connect "
                               "failures with no server to try\n",
                            &ref[i].service->name,
                            &ref[i].service->upstream->host,
                            v.circuit_open ? "circuit open (waiting to "
                                             "connect again)"
                                           : "circuit closed",
                            row->connect_failures);
            continue;
        }

        p = ngx_sprintf(p, "    %V: %uA connections, %uA in flight, "
                           "%uA replies",
                        &ref[i].peer->name, row->connections,
                        row->in_flight, v.count);

        if (v.count) {
            p = ngx_sprintf(p, " (p50 ");
            p = ngx_http_9p_text_us(p, ngx_http_9p_percentile(row, v.count,
                                                              50));
            p = ngx_sprintf(p, ", p99 ");
            p = ngx_http_9p_text_us(p, ngx_http_9p_percentile(row, v.count,
                                                              99));
            *p++ = ')';
        }

        p = ngx_sprintf(p, ", %uA errors, %uA connect failures, %uA lost; "
                           "circuit %s; ",
                        row->errors, row->connect_failures, row->lost,
                        v.circuit_open ? "open" : "closed");

        if (v.checked != NGX_OK) {
            p = ngx_sprintf(p, "not checked\n");
            continue;
        }

        p = ngx_sprintf(p, "check: %s", v.down ? "down" : "up");

        if (v.changed) {
            p = ngx_sprintf(p, " since ");
            p = ngx_http_9p_text_time(p, v.changed);
        }

        *p++ = '\n';
    }

    return p;
}


/* ---------------------------------------------------------------- JSON */


static u_char *
ngx_http_9p_status_json(u_char *p, ngx_http_9p_zone_t *z)
{
    ngx_uint_t  i, k, first, t;

    p = ngx_sprintf(p, "{\"started\":%uA,"
                       "\"sessions\":{\"open\":%uA,\"total\":%uA",
                    z->started, z->sessions,
                    z->sessions_total[0] + z->sessions_total[1]);

    for (t = 0; t < NGX_HTTP_9P_TRANSPORTS; t++) {
        p = ngx_sprintf(p, ",\"%s\":{\"total\":%uA",
                        ngx_http_9p_transports[t], z->sessions_total[t]);

        for (i = 0; i <= NGX_HTTP_9P_ATTACH_KINDS; i++) {
            p = ngx_sprintf(p, ",\"%s\":%uA", ngx_http_9p_session_kinds[i],
                            z->sessions_by[t][i]);
        }

        *p++ = '}';
    }

    p = ngx_sprintf(p, "},\"attaches\":{");

    for (i = 0; i < NGX_HTTP_9P_ATTACH_KINDS; i++) {
        p = ngx_sprintf(p, "%s\"%s\":{\"ok\":%uA,\"refused\":%uA}",
                        i ? "," : "", ngx_http_9p_attach_kinds[i],
                        z->attaches[i][1], z->attaches[i][0]);
    }

    p = ngx_sprintf(p, "},\"refusals\":{");

    for (i = 0; i < NGX_HTTP_9P_REFUSALS; i++) {
        p = ngx_sprintf(p, "%s\"%s\":%uA", i ? "," : "",
                        ngx_http_9p_refusals[i], z->refusals[i]);
    }

    p = ngx_sprintf(p, "},\"requests\":{");

    /* Tversion, the first, is always listed */

    for (i = 0; i < NGX_HTTP_9P_REQUESTS; i++) {
        if (!ngx_http_9p_listed(NINEP_TVERSION + 2 * i)) {
            continue;
        }

        p = ngx_sprintf(p, "%s\"%s\":{", i ? "," : "",
                        ninep_type_name(NINEP_TVERSION + 2 * i));

        for (k = 0; k < NGX_HTTP_9P_RESULTS; k++) {
            p = ngx_sprintf(p, "%s\"%s\":%uA", k ? "," : "",
                            ngx_http_9p_results[k], z->requests[i][k]);
        }

        *p++ = '}';
    }

    p = ngx_sprintf(p, "},\"messages\":{");

    for (i = 0; i < NGX_HTTP_9P_TYPES; i++) {
        if (ngx_http_9p_listed(i + NINEP_TVERSION)) {
            p = ngx_sprintf(p, "%s\"%s\":%uA", i ? "," : "",
                            ninep_type_name(i + NINEP_TVERSION),
                            z->messages[i]);
        }
    }

    p = ngx_sprintf(p, "},\"bytes\":{\"in\":%uA,\"out\":%uA},"
                       "\"recoveries\":{\"ok\":%uA,\"failed\":%uA},"
                       "\"resends\":%uA,\"caches\":{",
                    z->bytes_in, z->bytes_out, z->recoveries[1],
                    z->recoveries[0], z->resends);

    for (i = 0; i < NGX_HTTP_9P_CACHES; i++) {
        p = ngx_sprintf(p, "%s\"%s\":{\"hits\":%uA,\"misses\":%uA}",
                        i ? "," : "", ngx_http_9p_caches[i],
                        z->cache[i][1], z->cache[i][0]);
    }

    p = ngx_sprintf(p, "},\"workers\":[");

    for (i = 0, first = 1; i < NGX_HTTP_9P_WORKERS; i++) {
        if (z->workers[i].pid) {
            p = ngx_sprintf(p, "%s{\"worker\":%ui,\"pid\":%uA,"
                               "\"rescue\":%s,\"rescue_since\":%uA}",
                            first ? "" : ",", i, z->workers[i].pid,
                            z->workers[i].rescue ? "true" : "false",
                            z->workers[i].rescue_since);
            first = 0;
        }
    }

    p = ngx_sprintf(p, "],\"services\":[");
    p = ngx_http_9p_json_rows(p);

    /* the object is closed by the caller, after the sessions if any */
    return ngx_sprintf(p, "]");
}


static u_char *
ngx_http_9p_json_rows(u_char *p)
{
    ngx_uint_t               i, k;
    ngx_http_9p_row_t       *row;
    ngx_http_9p_row_ref_t   *ref;
    ngx_http_9p_row_view_t   v;

    ref = ngx_http_9p_row_refs.elts;

    for (i = 0; i < ngx_http_9p_row_refs.nelts; i++) {
        ngx_http_9p_row_view(&ref[i], &v);
        row = ref[i].row;

        if (ref[i].peer == NULL) {
            p = ngx_sprintf(p, "%s{\"name\":", i ? "]}," : "");
            p = ngx_http_9p_json_str(p, &ref[i].service->name);
            p = ngx_sprintf(p, ",\"upstream\":");
            p = ngx_http_9p_json_str(p, &ref[i].service->upstream->host);
            p = ngx_sprintf(p, ",\"circuit\":\"%s\","
                               "\"connect_failures\":%uA,\"servers\":[",
                            v.circuit_open ? "open" : "closed",
                            row->connect_failures);
            continue;
        }

        p = ngx_sprintf(p, "%s{\"server\":", ref[i - 1].peer ? "," : "");
        p = ngx_http_9p_json_str(p, &ref[i].peer->name);
        p = ngx_sprintf(p, ",\"connections\":%uA,\"in_flight\":%uA,"
                           "\"replies\":%uA,\"errors\":%uA,"
                           "\"connect_failures\":%uA,\"lost\":%uA,"
                           "\"circuit\":\"%s\",\"check\":",
                        row->connections, row->in_flight, v.count,
                        row->errors, row->connect_failures, row->lost,
                        v.circuit_open ? "open" : "closed");

        p = (v.checked == NGX_OK)
            ? ngx_sprintf(p, "{\"state\":\"%s\",\"changed\":%T}",
                          v.down ? "down" : "up", v.changed)
            : ngx_sprintf(p, "null");

        p = ngx_sprintf(p, ",\"latency_us\":{\"sum\":%uA,\"buckets\":[",
                        row->latency_us);

        for (k = 0; k < NGX_HTTP_9P_BUCKETS; k++) {
            p = ngx_sprintf(p, "[%ui,%uA],", ngx_http_9p_buckets[k],
                            row->latency[k]);
        }

        p = ngx_sprintf(p, "[null,%uA]]}}", row->latency[k]);
    }

    return ngx_http_9p_row_refs.nelts ? ngx_sprintf(p, "]}") : p;
}


static u_char *
ngx_http_9p_json_str(u_char *p, ngx_str_t *s)
{
    *p++ = '"';
    p = (u_char *) ngx_escape_json(p, s->data, s->len);
    *p++ = '"';

    return p;
}


/* ---------------------------------------------------------- Prometheus */


#define ngx_http_9p_prom_head(p, name, type, help)                         \
    ngx_sprintf(p, "# HELP " name " " help "\n# TYPE " name " " type "\n")


static u_char *
ngx_http_9p_status_prometheus(u_char *p, ngx_http_9p_zone_t *z)
{
    ngx_uint_t  i, k, ok, t;

    p = ngx_http_9p_prom_head(p, "ninep_start_time_seconds", "gauge",
                              "When the counters began (a Unix time).");
    p = ngx_sprintf(p, "ninep_start_time_seconds %uA\n", z->started);

    p = ngx_http_9p_prom_head(p, "ninep_sessions", "gauge",
                              "9P sessions open now, by their first "
                              "attach's kind.");

    for (t = 0; t < NGX_HTTP_9P_TRANSPORTS; t++) {
        for (i = 0; i <= NGX_HTTP_9P_ATTACH_KINDS; i++) {
            p = ngx_sprintf(p, "ninep_sessions{transport=\"%s\","
                               "kind=\"%s\"} %uA\n",
                            ngx_http_9p_transports[t],
                            ngx_http_9p_session_kinds[i], z->sessions_by[t][i]);
        }
    }

    p = ngx_http_9p_prom_head(p, "ninep_sessions_total", "counter",
                              "9P sessions begun.");

    for (t = 0; t < NGX_HTTP_9P_TRANSPORTS; t++) {
        p = ngx_sprintf(p, "ninep_sessions_total{transport=\"%s\"} %uA\n",
                        ngx_http_9p_transports[t], z->sessions_total[t]);
    }

    p = ngx_http_9p_prom_head(p, "ninep_attaches_total", "counter",
                              "Tattach answered, by kind and result.");

    for (i = 0; i < NGX_HTTP_9P_ATTACH_KINDS; i++) {
        for (ok = 0; ok < 2; ok++) {
            p = ngx_sprintf(p, "ninep_attaches_total{kind=\"%s\","
                               "result=\"%s\"} %uA\n",
                            ngx_http_9p_attach_kinds[i],
                            ok ? "ok" : "refused", z->attaches[i][ok]);
        }
    }

    p = ngx_http_9p_prom_head(p, "ninep_attach_refusals_total", "counter",
                              "Tattach refused, by reason.");

    for (i = 0; i < NGX_HTTP_9P_REFUSALS; i++) {
        p = ngx_sprintf(p, "ninep_attach_refusals_total{reason=\"%s\"} %uA\n",
                        ngx_http_9p_refusals[i], z->refusals[i]);
    }

    p = ngx_http_9p_prom_head(p, "ninep_requests_total", "counter",
                              "9P requests, by type and how they ended.");

    for (i = 0; i < NGX_HTTP_9P_REQUESTS; i++) {
        if (!ngx_http_9p_listed(NINEP_TVERSION + 2 * i)) {
            continue;
        }

        for (k = 0; k < NGX_HTTP_9P_RESULTS; k++) {
            p = ngx_sprintf(p, "ninep_requests_total{type=\"%s\","
                               "result=\"%s\"} %uA\n",
                            ninep_type_name(NINEP_TVERSION + 2 * i),
                            ngx_http_9p_results[k], z->requests[i][k]);
        }
    }

    p = ngx_http_9p_prom_head(p, "ninep_messages_total", "counter",
                              "9P messages, by type (T from clients, R to "
                              "them).");

    for (i = 0; i < NGX_HTTP_9P_TYPES; i++) {
        if (ngx_http_9p_listed(i + NINEP_TVERSION)) {
            p = ngx_sprintf(p, "ninep_messages_total{type=\"%s\"} %uA\n",
                            ninep_type_name(i + NINEP_TVERSION),
                            z->messages[i]);
        }
    }

    p = ngx_http_9p_prom_head(p, "ninep_bytes_total", "counter",
                              "9P bytes from clients (in) and to them "
                              "(out).");
    p = ngx_sprintf(p, "ninep_bytes_total{direction=\"in\"} %uA\n"
                       "ninep_bytes_total{direction=\"out\"} %uA\n",
                    z->bytes_in, z->bytes_out);

    p = ngx_http_9p_prom_head(p, "ninep_recoveries_total", "counter",
                              "Stale fids made again on a new connection.");
    p = ngx_sprintf(p, "ninep_recoveries_total{result=\"ok\"} %uA\n"
                       "ninep_recoveries_total{result=\"failed\"} %uA\n",
                    z->recoveries[1], z->recoveries[0]);

    p = ngx_http_9p_prom_head(p, "ninep_resends_total", "counter",
                              "Requests lost with a connection and sent "
                              "again.");
    p = ngx_sprintf(p, "ninep_resends_total %uA\n", z->resends);

    p = ngx_http_9p_prom_head(p, "ninep_cache_lookups_total", "counter",
                              "Lookups in the workers' ticket and key "
                              "caches.");

    for (i = 0; i < NGX_HTTP_9P_CACHES; i++) {
        for (ok = 0; ok < 2; ok++) {
            p = ngx_sprintf(p, "ninep_cache_lookups_total{cache=\"%s\","
                               "result=\"%s\"} %uA\n",
                            ngx_http_9p_caches[i], ok ? "hit" : "miss",
                            z->cache[i][ok]);
        }
    }

    p = ngx_http_9p_prom_head(p, "ninep_worker_rescue", "gauge",
                              "1 while a worker is in rescue mode (its "
                              "boot service unreachable).");

    for (i = 0; i < NGX_HTTP_9P_WORKERS; i++) {
        if (z->workers[i].pid) {
            p = ngx_sprintf(p, "ninep_worker_rescue{worker=\"%ui\"} %s\n", i,
                            z->workers[i].rescue ? "1" : "0");
        }
    }

    return ngx_http_9p_prom_rows(p);
}


/*
 * The rows, one metric family at a time as the format wants: for each,
 * every service's or every server's line.
 */

typedef enum {
    NGX_HTTP_9P_F_SERVICE_CIRCUIT = 0,
    NGX_HTTP_9P_F_UNPLACED,
    NGX_HTTP_9P_F_CONNECTIONS,          /* the first of a server's */
    NGX_HTTP_9P_F_IN_FLIGHT,
    NGX_HTTP_9P_F_DURATION,
    NGX_HTTP_9P_F_ERRORS,
    NGX_HTTP_9P_F_CONNECT_FAILURES,
    NGX_HTTP_9P_F_LOST,
    NGX_HTTP_9P_F_CIRCUIT,
    NGX_HTTP_9P_F_UP,                   /* checked servers only */
    NGX_HTTP_9P_F_CHECK_CHANGED,
    NGX_HTTP_9P_FAMILIES
} ngx_http_9p_family_e;

/* offset: of the row's counter; 0 (its next): the value is not one */
static const ngx_http_9p_family_t  ngx_http_9p_families[] = {
    { "ninep_service_circuit_open", "gauge",
      "1 while a service's connections wait to connect again.", 0 },
    { "ninep_service_unplaced_connects_total", "counter",
      "Connects that found no server to try.",
      offsetof(ngx_http_9p_row_t, connect_failures) },
    { "ninep_backend_connections", "gauge",
      "Ready connections to a server, all workers.",
      offsetof(ngx_http_9p_row_t, connections) },
    { "ninep_backend_requests_in_flight", "gauge",
      "Requests sent to a server and not yet ended.",
      offsetof(ngx_http_9p_row_t, in_flight) },
    { "ninep_backend_request_duration_seconds", "histogram",
      "From a request sent to a server to its reply.", 0 },
    { "ninep_backend_errors_total", "counter",
      "Rerror replies from a server.", offsetof(ngx_http_9p_row_t, errors) },
    { "ninep_backend_connect_failures_total", "counter",
      "Connects or handshakes to a server that failed.",
      offsetof(ngx_http_9p_row_t, connect_failures) },
    { "ninep_backend_lost_connections_total", "counter",
      "Ready connections to a server that broke.",
      offsetof(ngx_http_9p_row_t, lost) },
    { "ninep_backend_circuit_open", "gauge",
      "1 while the balancer skips a server (max_fails within "
      "fail_timeout).", 0 },
    { "ninep_backend_up", "gauge",
      "The health check's word on a server (ninep_check): 1 up, 0 down.", 0 },
    { "ninep_backend_check_change_time_seconds", "gauge",
      "When the health check last marked a server up or down (0: never).",
      0 }
};


static u_char *
ngx_http_9p_prom_rows(u_char *p)
{
    ngx_uint_t                    f, i;
    ngx_http_9p_row_ref_t        *ref;
    ngx_http_9p_row_view_t        v;
    const ngx_http_9p_family_t   *family;

    ref = ngx_http_9p_row_refs.elts;

    for (f = 0; f < NGX_HTTP_9P_FAMILIES; f++) {
        family = &ngx_http_9p_families[f];
        p = ngx_sprintf(p, "# HELP %s %s\n# TYPE %s %s\n", family->name,
                        family->help, family->name, family->type);

        for (i = 0; i < ngx_http_9p_row_refs.nelts; i++) {
            if ((ref[i].peer == NULL) == (f < NGX_HTTP_9P_F_CONNECTIONS)) {
                ngx_http_9p_row_view(&ref[i], &v);
                p = ngx_http_9p_prom_row(p, f, &v);
            }
        }
    }

    return p;
}


static u_char *
ngx_http_9p_prom_row(u_char *p, ngx_uint_t f, ngx_http_9p_row_view_t *v)
{
    ngx_atomic_uint_t             n;
    const ngx_http_9p_family_t   *family;

    family = &ngx_http_9p_families[f];

    if (f == NGX_HTTP_9P_F_DURATION) {
        return ngx_http_9p_prom_histogram(p, v);
    }

    if (f >= NGX_HTTP_9P_F_UP && v->checked != NGX_OK) {
        return p;
    }

    if (family->offset) {
        n = *(ngx_atomic_t *) ((u_char *) v->ref->row + family->offset);

    } else if (f == NGX_HTTP_9P_F_UP) {
        n = !v->down;

    } else if (f == NGX_HTTP_9P_F_CHECK_CHANGED) {
        n = (ngx_atomic_uint_t) v->changed;

    } else {
        n = v->circuit_open;
    }

    p = ngx_http_9p_prom_series(p, family->name, "", v->ref);

    return ngx_sprintf(p, "} %uA\n", n);
}


/* Cumulative buckets in seconds, then the sum and the count. */

static u_char *
ngx_http_9p_prom_histogram(u_char *p, ngx_http_9p_row_view_t *v)
{
    ngx_uint_t          k;
    ngx_atomic_uint_t   n;
    ngx_http_9p_row_t  *row;
    const char         *name;

    row = v->ref->row;
    name = ngx_http_9p_families[NGX_HTTP_9P_F_DURATION].name;

    for (k = 0, n = 0; k <= NGX_HTTP_9P_BUCKETS; k++) {
        n += row->latency[k];

        p = ngx_http_9p_prom_series(p, name, "_bucket", v->ref);
        p = (k < NGX_HTTP_9P_BUCKETS)
            ? ngx_sprintf(p, ",le=\"%ui.%06ui\"} %uA\n",
                          ngx_http_9p_buckets[k] / 1000000,
                          ngx_http_9p_buckets[k] % 1000000, n)
            : ngx_sprintf(p, ",le=\"+Inf\"} %uA\n", n);
    }

    p = ngx_http_9p_prom_series(p, name, "_sum", v->ref);
    p = ngx_sprintf(p, "} %uA.%06uA\n", row->latency_us / 1000000,
                    row->latency_us % 1000000);

    /* the count is the +Inf bucket, even while requests end meanwhile */
    p = ngx_http_9p_prom_series(p, name, "_count", v->ref);

    return ngx_sprintf(p, "} %uA\n", n);
}


/* NAMESUFFIX{service="...",upstream="..."[,server="..."] -- without } */

static u_char *
ngx_http_9p_prom_series(u_char *p, const char *name, const char *suffix,
    ngx_http_9p_row_ref_t *ref)
{
    p = ngx_sprintf(p, "%s%s{service=\"", name, suffix);
    p = ngx_http_9p_prom_escape(p, &ref->service->name);
    p = ngx_sprintf(p, "\",upstream=\"");
    p = ngx_http_9p_prom_escape(p, &ref->service->upstream->host);
    *p++ = '"';

    if (ref->peer) {
        p = ngx_sprintf(p, ",server=\"");
        p = ngx_http_9p_prom_escape(p, &ref->peer->name);
        *p++ = '"';
    }

    return p;
}


/* A label value: backslash, double quote and newline escaped. */

static u_char *
ngx_http_9p_prom_escape(u_char *p, ngx_str_t *s)
{
    size_t  i;

    for (i = 0; i < s->len; i++) {
        switch (s->data[i]) {

        case '\\':
        case '"':
            *p++ = '\\';
            *p++ = s->data[i];
            break;

        case '\n':
            *p++ = '\\';
            *p++ = 'n';
            break;

        default:
            *p++ = s->data[i];
        }
    }

    return p;
}
