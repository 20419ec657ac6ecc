
/*
 * Ten: the kernel's counters and the status handler (issue 14, first
 * part).  "ninep_status;" in a location makes one shared memory zone,
 * "ninep_status", with a fixed block of counters that every worker adds
 * to with ngx_atomic_fetch_add: sessions open and since start, attaches
 * by kind and result, requests by type and how they ended, 9P messages
 * by type each way, bytes each way.  A
 * reload keeps the zone and so the counts.  Counting costs an atomic
 * add per counter it moves (two or three a message), and nothing but a
 * test without the zone.
 *
 * Each session also keeps its own numbers (in the session) for the
 * access log: nginx writes one line when the WebSocket request ends,
 * with $ninep_user, $ninep_session, ... as log_format asks.
 *
 * The handler answers GET with the counters in one of three forms,
 * chosen by ?format=text|json|prometheus or else by Accept: text for a
 * person, JSON for scripts, Prometheus text exposition (0.0.4) for a
 * scraper.  It says nothing of users, tickets or files.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ninep.h"
#include "ngx_http_9p.h"
#include "ngx_http_9p_req.h"
#include "ngx_http_9p_stats.h"


#define NGX_HTTP_9P_TYPES       (NINEP_RWSTAT - NINEP_TVERSION + 1)
#define NGX_HTTP_9P_REQUESTS    (NGX_HTTP_9P_TYPES / 2)

/* how a request ended */
#define NGX_HTTP_9P_OK          0
#define NGX_HTTP_9P_ERROR       1
#define NGX_HTTP_9P_FLUSHED     2
#define NGX_HTTP_9P_RESULTS     3

typedef struct {
    ngx_atomic_t        sessions;
    ngx_atomic_t        sessions_total;
    ngx_atomic_t        attaches[NGX_HTTP_9P_ATTACH_KINDS][2];
    ngx_atomic_t        messages[NGX_HTTP_9P_TYPES];
    ngx_atomic_t        requests[NGX_HTTP_9P_REQUESTS][NGX_HTTP_9P_RESULTS];
    ngx_atomic_t        bytes_in;
    ngx_atomic_t        bytes_out;
} ngx_http_9p_stats_t;


typedef enum {
    NGX_HTTP_9P_FORMAT_TEXT = 0,
    NGX_HTTP_9P_FORMAT_JSON,
    NGX_HTTP_9P_FORMAT_PROMETHEUS
} ngx_http_9p_format_e;


static ngx_int_t ngx_http_9p_stats_init_zone(ngx_shm_zone_t *zone,
    void *data);
static ngx_uint_t ngx_http_9p_request_type(ngx_http_9p_session_t *s,
    uint16_t tag);
static ngx_int_t ngx_http_9p_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static u_char *ngx_http_9p_log_handler(ngx_http_request_t *r,
    ngx_http_request_t *sr, u_char *buf, size_t len);
static ngx_int_t ngx_http_9p_status_handler(ngx_http_request_t *r);
static ngx_http_9p_format_e ngx_http_9p_status_format(ngx_http_request_t *r);
static u_char *ngx_http_9p_status_text(u_char *p, ngx_http_9p_stats_t *st);
static u_char *ngx_http_9p_status_json(u_char *p, ngx_http_9p_stats_t *st);
static u_char *ngx_http_9p_status_prometheus(u_char *p,
    ngx_http_9p_stats_t *st);


#define NGX_HTTP_9P_STATUS_MAX  16384

static const char  *ngx_http_9p_attach_kinds[] = {
    "bootstrap", "ticket", "rescue"
};

static const char  *ngx_http_9p_results[] = { "ok", "error", "flushed" };

/* the zone's counters, in this worker; NULL without ninep_status */
static ngx_http_9p_stats_t  *ngx_http_9p_stats;

/* what the error log adds for an HTTP request: server, request, host */
static ngx_http_log_handler_pt  ngx_http_9p_log_next;


/* ------------------------------------------------------------ counting */


#define ngx_http_9p_add(field, n)                                          \
    do {                                                                   \
        if (ngx_http_9p_stats) {                                           \
            (void) ngx_atomic_fetch_add(&ngx_http_9p_stats->field, n);     \
        }                                                                  \
    } while (0)


void
ngx_http_9p_stats_session(ngx_http_9p_session_t *s, ngx_int_t delta)
{
    if (delta > 0) {
        s->started = ngx_current_msec;
        ngx_http_9p_add(sessions_total, 1);
    }

    ngx_http_9p_add(sessions, delta);
}


void
ngx_http_9p_stats_attach(ngx_http_9p_session_t *s, ngx_uint_t kind,
    const char *user)
{
    if (kind >= NGX_HTTP_9P_ATTACH_KINDS) {
        return;
    }

    if (user) {
        /* the log names the session's first user */
        if (s->attach == 0) {
            s->attach = kind + 1;
            ngx_cpystrn((u_char *) s->user, (u_char *) user, sizeof(s->user));
        }
    }

    ngx_http_9p_add(attaches[kind][user ? 1 : 0], 1);
}


void
ngx_http_9p_stats_in(ngx_http_9p_session_t *s, ngx_uint_t type, size_t len)
{
    s->requests++;
    s->bytes_in += len;

    if (type >= NINEP_TVERSION && type <= NINEP_RWSTAT) {
        ngx_http_9p_add(messages[type - NINEP_TVERSION], 1);
    }

    ngx_http_9p_add(bytes_in, len);
}


/*
 * A reply: a count for its type, and a result for the request it ends --
 * an R-message's T is the type before it; an Rerror's is the message
 * being answered now, or the waiting request with its tag.
 */

void
ngx_http_9p_stats_out(ngx_http_9p_session_t *s, ninep_fcall_t *r, size_t len)
{
    ngx_uint_t  t;

    s->bytes_out += len;

    if (r->type == NINEP_RERROR) {
        s->errors++;
    }

    if (ngx_http_9p_stats == NULL
        || r->type < NINEP_TVERSION || r->type > NINEP_RWSTAT)
    {
        return;
    }

    ngx_http_9p_add(messages[r->type - NINEP_TVERSION], 1);
    ngx_http_9p_add(bytes_out, len);

    if (r->type != NINEP_RERROR) {
        t = r->type - 1;

    } else {
        t = (s->current && s->current->tag == r->tag)
            ? s->current->type : ngx_http_9p_request_type(s, r->tag);
    }

    if (t >= NINEP_TVERSION && t < NINEP_RWSTAT && t % 2 == 0) {
        ngx_http_9p_add(requests[(t - NINEP_TVERSION) / 2]
                                [r->type == NINEP_RERROR ? NGX_HTTP_9P_ERROR
                                                         : NGX_HTTP_9P_OK],
                        1);
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


/* The type of the request waiting with this tag; 0 if none is. */

static ngx_uint_t
ngx_http_9p_request_type(ngx_http_9p_session_t *s, uint16_t tag)
{
    ngx_queue_t         *q;
    ngx_http_9p_creq_t  *cr;

    for (q = ngx_queue_head(&s->creqs);
         q != ngx_queue_sentinel(&s->creqs);
         q = ngx_queue_next(q))
    {
        cr = ngx_queue_data(q, ngx_http_9p_creq_t, queue);

        if (cr->tag == tag) {
            return cr->type;
        }
    }

    return 0;
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


/* ----------------------------------------------------- the access log */


typedef enum {
    NGX_HTTP_9P_VAR_USER = 0,
    NGX_HTTP_9P_VAR_SESSION,
    NGX_HTTP_9P_VAR_ATTACH,
    NGX_HTTP_9P_VAR_REQUESTS,
    NGX_HTTP_9P_VAR_ERRORS,
    NGX_HTTP_9P_VAR_BYTES_IN,
    NGX_HTTP_9P_VAR_BYTES_OUT,
    NGX_HTTP_9P_VAR_DURATION,
    NGX_HTTP_9P_VAR_CLOSE
} ngx_http_9p_var_e;


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

void
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
    ngx_msec_t              ms;
    ngx_http_9p_session_t  *s;

    s = ngx_http_get_module_ctx(r, ngx_http_9p_module);

    if (s == NULL || (data == NGX_HTTP_9P_VAR_USER && s->attach == 0)) {
        v->not_found = 1;
        return NGX_OK;
    }

    p = ngx_pnalloc(r->pool, NGX_OFF_T_LEN + TEN_NAME_MAX + 16);
    if (p == NULL) {
        return NGX_ERROR;
    }

    v->data = p;

    switch (data) {

    case NGX_HTTP_9P_VAR_USER:
        p = ngx_cpymem(p, s->user, ngx_strlen(s->user));
        break;

    case NGX_HTTP_9P_VAR_SESSION:
        p = ngx_sprintf(p, "%uA", r->connection->number);
        break;

    case NGX_HTTP_9P_VAR_ATTACH:
        p = s->attach ? ngx_sprintf(p, "%s",
                                    ngx_http_9p_attach_kinds[s->attach - 1])
                      : ngx_sprintf(p, "-");
        break;

    case NGX_HTTP_9P_VAR_REQUESTS:
        p = ngx_sprintf(p, "%ui", s->requests);
        break;

    case NGX_HTTP_9P_VAR_ERRORS:
        p = ngx_sprintf(p, "%ui", s->errors);
        break;

    case NGX_HTTP_9P_VAR_BYTES_IN:
        p = ngx_sprintf(p, "%O", s->bytes_in);
        break;

    case NGX_HTTP_9P_VAR_BYTES_OUT:
        p = ngx_sprintf(p, "%O", s->bytes_out);
        break;

    case NGX_HTTP_9P_VAR_DURATION:
        ms = ngx_current_msec - s->started;
        p = ngx_sprintf(p, "%M.%03M", ms / 1000, ms % 1000);
        break;

    default: /* NGX_HTTP_9P_VAR_CLOSE */
        p = s->close_by == 0 ? ngx_sprintf(p, "none")
            : ngx_sprintf(p, "%s %ui",
                          s->close_by == NGX_HTTP_9P_CLOSED_BY_CLIENT
                          ? "client" : "server", s->close_code);
        break;
    }

    v->len = p - v->data;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


/* ------------------------------------------------------------ the zone */


char *
ngx_http_9p_status(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_str_t                  name;
    ngx_http_9p_main_conf_t   *mcf;
    ngx_http_core_loc_conf_t  *clcf;

    mcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_9p_module);

    if (mcf->status_zone == NULL) {
        ngx_str_set(&name, "ninep_status");

        mcf->status_zone = ngx_shared_memory_add(cf, &name, 8 * ngx_pagesize,
                                                 &ngx_http_9p_module);
        if (mcf->status_zone == NULL) {
            return NGX_CONF_ERROR;
        }

        mcf->status_zone->init = ngx_http_9p_stats_init_zone;
    }

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_9p_status_handler;

    return NGX_CONF_OK;
}


/* A zone kept across a reload keeps its counts. */

static ngx_int_t
ngx_http_9p_stats_init_zone(ngx_shm_zone_t *zone, void *data)
{
    ngx_slab_pool_t  *shpool;

    if (data) {
        zone->data = data;
        return NGX_OK;
    }

    shpool = (ngx_slab_pool_t *) zone->shm.addr;

    if (zone->shm.exists) {
        zone->data = shpool->data;
        return NGX_OK;
    }

    zone->data = ngx_slab_calloc(shpool, sizeof(ngx_http_9p_stats_t));
    if (zone->data == NULL) {
        return NGX_ERROR;
    }

    shpool->data = zone->data;

    return NGX_OK;
}


ngx_int_t
ngx_http_9p_stats_init_process(ngx_cycle_t *cycle)
{
    ngx_http_9p_main_conf_t  *mcf;

    mcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_9p_module);

    ngx_http_9p_stats = (mcf && mcf->status_zone) ? mcf->status_zone->data
                                                  : NULL;

    return NGX_OK;
}


/* --------------------------------------------------------- the handler */


static ngx_int_t
ngx_http_9p_status_handler(ngx_http_request_t *r)
{
    u_char                *p;
    ngx_int_t              rc;
    ngx_buf_t             *b;
    ngx_chain_t            out;
    ngx_http_9p_format_e   format;

    if (!(r->method & (NGX_HTTP_GET | NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    if (ngx_http_9p_stats == NULL) {
        return NGX_HTTP_SERVICE_UNAVAILABLE;
    }

    b = ngx_create_temp_buf(r->pool, NGX_HTTP_9P_STATUS_MAX);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    format = ngx_http_9p_status_format(r);

    switch (format) {

    case NGX_HTTP_9P_FORMAT_JSON:
        ngx_str_set(&r->headers_out.content_type, "application/json");
        p = ngx_http_9p_status_json(b->last, ngx_http_9p_stats);
        break;

    case NGX_HTTP_9P_FORMAT_PROMETHEUS:
        ngx_str_set(&r->headers_out.content_type,
                    "text/plain; version=0.0.4; charset=utf-8");
        p = ngx_http_9p_status_prometheus(b->last, ngx_http_9p_stats);
        break;

    default:
        ngx_str_set(&r->headers_out.content_type, "text/plain; charset=utf-8");
        p = ngx_http_9p_status_text(b->last, ngx_http_9p_stats);
        break;
    }

    b->last = p;
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


static ngx_http_9p_format_e
ngx_http_9p_status_format(ngx_http_request_t *r)
{
    ngx_str_t         arg;
    ngx_table_elt_t  *accept;

    if (ngx_http_arg(r, (u_char *) "format", 6, &arg) == NGX_OK) {
        if (arg.len == 4 && ngx_strncmp(arg.data, "json", 4) == 0) {
            return NGX_HTTP_9P_FORMAT_JSON;
        }

        if (arg.len == 10 && ngx_strncmp(arg.data, "prometheus", 10) == 0) {
            return NGX_HTTP_9P_FORMAT_PROMETHEUS;
        }

        return NGX_HTTP_9P_FORMAT_TEXT;
    }

    accept = r->headers_in.accept;

    if (accept == NULL) {
        return NGX_HTTP_9P_FORMAT_TEXT;
    }

    if (ngx_strlcasestrn(accept->value.data,
                         accept->value.data + accept->value.len,
                         (u_char *) "application/json", 16 - 1)
        != NULL)
    {
        return NGX_HTTP_9P_FORMAT_JSON;
    }

    /* Prometheus asks for text/plain;version=0.0.4 or openmetrics */
    if (ngx_strlcasestrn(accept->value.data,
                         accept->value.data + accept->value.len,
                         (u_char *) "version=0.0.4", 13 - 1)
        != NULL
        || ngx_strlcasestrn(accept->value.data,
                            accept->value.data + accept->value.len,
                            (u_char *) "openmetrics", 11 - 1)
           != NULL)
    {
        return NGX_HTTP_9P_FORMAT_PROMETHEUS;
    }

    return NGX_HTTP_9P_FORMAT_TEXT;
}


/*
 * The three forms.  NGX_HTTP_9P_STATUS_MAX bounds them: 28 message types,
 * 13 request types by 3 results and a dozen other lines of at most ~100
 * bytes each.
 */

#define ngx_http_9p_count(a)    ((ngx_atomic_uint_t) (a))

static u_char *
ngx_http_9p_status_text(u_char *p, ngx_http_9p_stats_t *st)
{
    ngx_uint_t  i;

    p = ngx_sprintf(p, "Ten kernel (ngx_http_9p_module)\n"
                       "sessions: %uA open, %uA since start\n"
                       "attaches:\n",
                    ngx_http_9p_count(st->sessions),
                    ngx_http_9p_count(st->sessions_total));

    for (i = 0; i < NGX_HTTP_9P_ATTACH_KINDS; i++) {
        p = ngx_sprintf(p, "  %s: %uA ok, %uA refused\n",
                        ngx_http_9p_attach_kinds[i],
                        ngx_http_9p_count(st->attaches[i][1]),
                        ngx_http_9p_count(st->attaches[i][0]));
    }

    p = ngx_sprintf(p, "requests:\n");

    for (i = 0; i < NGX_HTTP_9P_REQUESTS; i++) {
        if (i != (NINEP_RERROR - 1 - NINEP_TVERSION) / 2) {
            p = ngx_sprintf(p, "  %s: %uA ok, %uA error, %uA flushed\n",
                            ninep_type_name(NINEP_TVERSION + 2 * i),
                            ngx_http_9p_count(st->requests[i][0]),
                            ngx_http_9p_count(st->requests[i][1]),
                            ngx_http_9p_count(st->requests[i][2]));
        }
    }

    p = ngx_sprintf(p, "messages:\n");

    for (i = 0; i < NGX_HTTP_9P_TYPES; i++) {
        if (i + NINEP_TVERSION != NINEP_RERROR - 1) {
            p = ngx_sprintf(p, "  %s: %uA\n",
                            ninep_type_name(i + NINEP_TVERSION),
                            ngx_http_9p_count(st->messages[i]));
        }
    }

    return ngx_sprintf(p, "bytes: %uA in, %uA out\n",
                       ngx_http_9p_count(st->bytes_in),
                       ngx_http_9p_count(st->bytes_out));
}


static u_char *
ngx_http_9p_status_json(u_char *p, ngx_http_9p_stats_t *st)
{
    ngx_uint_t  i;

    p = ngx_sprintf(p, "{\"sessions\":{\"open\":%uA,\"total\":%uA},"
                       "\"attaches\":{",
                    ngx_http_9p_count(st->sessions),
                    ngx_http_9p_count(st->sessions_total));

    for (i = 0; i < NGX_HTTP_9P_ATTACH_KINDS; i++) {
        p = ngx_sprintf(p, "%s\"%s\":{\"ok\":%uA,\"refused\":%uA}",
                        i ? "," : "", ngx_http_9p_attach_kinds[i],
                        ngx_http_9p_count(st->attaches[i][1]),
                        ngx_http_9p_count(st->attaches[i][0]));
    }

    p = ngx_sprintf(p, "},\"requests\":{");

    for (i = 0; i < NGX_HTTP_9P_REQUESTS; i++) {
        if (i != (NINEP_RERROR - 1 - NINEP_TVERSION) / 2) {
            p = ngx_sprintf(p, "%s\"%s\":{\"ok\":%uA,\"error\":%uA,"
                               "\"flushed\":%uA}",
                            i ? "," : "",
                            ninep_type_name(NINEP_TVERSION + 2 * i),
                            ngx_http_9p_count(st->requests[i][0]),
                            ngx_http_9p_count(st->requests[i][1]),
                            ngx_http_9p_count(st->requests[i][2]));
        }
    }

    p = ngx_sprintf(p, "},\"messages\":{");

    for (i = 0; i < NGX_HTTP_9P_TYPES; i++) {
        if (i + NINEP_TVERSION != NINEP_RERROR - 1) {
            p = ngx_sprintf(p, "%s\"%s\":%uA", i ? "," : "",
                            ninep_type_name(i + NINEP_TVERSION),
                            ngx_http_9p_count(st->messages[i]));
        }
    }

    return ngx_sprintf(p, "},\"bytes\":{\"in\":%uA,\"out\":%uA}}\n",
                       ngx_http_9p_count(st->bytes_in),
                       ngx_http_9p_count(st->bytes_out));
}


static u_char *
ngx_http_9p_status_prometheus(u_char *p, ngx_http_9p_stats_t *st)
{
    ngx_uint_t  i, k, ok;

    p = ngx_sprintf(p,
        "# HELP ninep_sessions 9P sessions open now.\n"
        "# TYPE ninep_sessions gauge\n"
        "ninep_sessions{transport=\"websocket\"} %uA\n"
        "# HELP ninep_sessions_total 9P sessions begun.\n"
        "# TYPE ninep_sessions_total counter\n"
        "ninep_sessions_total{transport=\"websocket\"} %uA\n"
        "# HELP ninep_attaches_total Tattach answered, by kind and result.\n"
        "# TYPE ninep_attaches_total counter\n",
        ngx_http_9p_count(st->sessions),
        ngx_http_9p_count(st->sessions_total));

    for (i = 0; i < NGX_HTTP_9P_ATTACH_KINDS; i++) {
        for (ok = 0; ok < 2; ok++) {
            p = ngx_sprintf(p,
                            "ninep_attaches_total{kind=\"%s\",result=\"%s\"}"
                            " %uA\n",
                            ngx_http_9p_attach_kinds[i],
                            ok ? "ok" : "refused",
                            ngx_http_9p_count(st->attaches[i][ok]));
        }
    }

    p = ngx_sprintf(p,
        "# HELP ninep_requests_total 9P requests, by type and how they "
        "ended.\n"
        "# TYPE ninep_requests_total counter\n");

    for (i = 0; i < NGX_HTTP_9P_REQUESTS; i++) {
        if (i == (NINEP_RERROR - 1 - NINEP_TVERSION) / 2) {
            continue;
        }

        for (k = 0; k < NGX_HTTP_9P_RESULTS; k++) {
            p = ngx_sprintf(p, "ninep_requests_total{type=\"%s\","
                               "result=\"%s\"} %uA\n",
                            ninep_type_name(NINEP_TVERSION + 2 * i),
                            ngx_http_9p_results[k],
                            ngx_http_9p_count(st->requests[i][k]));
        }
    }

    p = ngx_sprintf(p,
        "# HELP ninep_messages_total 9P messages, by type (T from clients, "
        "R to them).\n"
        "# TYPE ninep_messages_total counter\n");

    for (i = 0; i < NGX_HTTP_9P_TYPES; i++) {
        if (i + NINEP_TVERSION != NINEP_RERROR - 1) {
            p = ngx_sprintf(p, "ninep_messages_total{type=\"%s\"} %uA\n",
                            ninep_type_name(i + NINEP_TVERSION),
                            ngx_http_9p_count(st->messages[i]));
        }
    }

    return ngx_sprintf(p,
        "# HELP ninep_bytes_total 9P bytes from clients (in) and to them "
        "(out).\n"
        "# TYPE ninep_bytes_total counter\n"
        "ninep_bytes_total{direction=\"in\"} %uA\n"
        "ninep_bytes_total{direction=\"out\"} %uA\n",
        ngx_http_9p_count(st->bytes_in),
        ngx_http_9p_count(st->bytes_out));
}
