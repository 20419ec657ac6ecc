
/*
 * Ten: raw 9P over TCP, and over TLS with nginx's own "listen ... ssl" --
 * the kernel's sessions in nginx's stream module, for the 9P clients that
 * speak it over a byte stream (Linux's v9fs, plan9port, Plan 9's mount).
 *
 * A stream server with "ninep;" is a kernel location without WebSocket:
 * its configuration is the same structure, made, merged and filled by
 * the same functions (ngx_http_9p_conf.h), and its services name the
 * upstream{} blocks of http{}, so that their balancers, ninep_connections,
 * health checks and counters are the same ones the WebSocket sessions
 * use.  This module is a .so of its own: nginx loads it after
 * ngx_stream_module.so and ngx_http_9p_module.so, whose symbols it uses.
 *
 * The byte stream is cut into messages by 9P's own size field: partial
 * and coalesced messages wait in the input buffer; a size over msize
 * ends the connection with a log line.  Replies are packed into an output
 * buffer that grows as far as every request in flight could need; while
 * it lacks room for one more largest reply, no message is read.  A
 * connection that has not attached within ninep_idle_timeout is closed;
 * an attached one is never idle-closed (a mount may be quiet for hours:
 * "listen ... so_keepalive=on" finds dead peers).  Everything is driven
 * by events; nothing blocks.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_stream.h>
#include <ngx_http.h>

#include "ngx_http_9p.h"
#include "ngx_http_9p_conf.h"
#include "ngx_http_9p_stats.h"


typedef struct {
    ngx_array_t                 services;   /* ngx_http_9p_service_t * */
} ngx_stream_9p_main_conf_t;


/* A TCP connection: its 9P session first, as the transport calls it. */
typedef struct {
    ngx_http_9p_session_t       s;
    ngx_stream_session_t       *stream;

    /* what the balancer's round robin takes from a request: a pool */
    ngx_http_request_t          lender;

    u_char                     *in;
    u_char                     *in_pos;
    u_char                     *in_last;
    size_t                      in_size;

    u_char                     *out;
    u_char                     *out_pos;
    u_char                     *out_last;
    size_t                      out_size;
    size_t                      out_max;

    unsigned                    read_blocked:1;
    unsigned                    closing:1;
    unsigned                    started:1;  /* the session is */
    unsigned                    ended:1;
} ngx_stream_9p_conn_t;

#define ngx_stream_9p_conn(sp)  ((ngx_stream_9p_conn_t *) (sp))


static char *ngx_stream_9p(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
static char *ngx_stream_9p_service(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_stream_9p_http_only(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static void *ngx_stream_9p_create_main_conf(ngx_conf_t *cf);
static void *ngx_stream_9p_create_srv_conf(ngx_conf_t *cf);
static char *ngx_stream_9p_init_main_conf(ngx_conf_t *cf, void *conf);
static char *ngx_stream_9p_round_robin(ngx_conf_t *cf,
    ngx_http_9p_service_t *svc);
static ngx_int_t ngx_stream_9p_variables(ngx_conf_t *cf);
static ngx_int_t ngx_stream_9p_variable(ngx_stream_session_t *ss,
    ngx_stream_variable_value_t *v, uintptr_t data);
static void ngx_stream_9p_handler(ngx_stream_session_t *ss);
static void ngx_stream_9p_read_handler(ngx_event_t *rev);
static void ngx_stream_9p_write_handler(ngx_event_t *wev);
static void ngx_stream_9p_read(ngx_stream_9p_conn_t *tc);
static ngx_int_t ngx_stream_9p_message(ngx_stream_9p_conn_t *tc);
static ngx_int_t ngx_stream_9p_flush(ngx_stream_9p_conn_t *tc);
static ngx_int_t ngx_stream_9p_room(ngx_stream_9p_conn_t *tc, size_t n);
static void ngx_stream_9p_finalize(ngx_stream_9p_conn_t *tc, ngx_uint_t rc);
static void ngx_stream_9p_cleanup(void *data);
static ngx_int_t ngx_stream_9p_send(ngx_http_9p_session_t *s,
    ninep_fcall_t *f);
static void ngx_stream_9p_malformed(ngx_http_9p_session_t *s,
    const char *reason);
static void ngx_stream_9p_post(ngx_http_9p_session_t *s);


static const ngx_http_9p_transport_t  ngx_stream_9p_transport = {
    NGX_HTTP_9P_TCP,
    ngx_stream_9p_send,
    ngx_stream_9p_malformed,
    ngx_stream_9p_post
};


#define NGX_STREAM_9P_SRV  (NGX_STREAM_MAIN_CONF|NGX_STREAM_SRV_CONF)

static ngx_command_t  ngx_stream_9p_commands[] = {

    { ngx_string("ninep"),
      NGX_STREAM_SRV_CONF|NGX_CONF_NOARGS,
      ngx_stream_9p,
      NGX_STREAM_SRV_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ninep_msize"),
      NGX_STREAM_9P_SRV|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_STREAM_SRV_CONF_OFFSET,
      offsetof(ngx_http_9p_loc_conf_t, msize),
      &ngx_http_9p_msize_post },

    { ngx_string("ninep_output_buffer"),
      NGX_STREAM_9P_SRV|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_STREAM_SRV_CONF_OFFSET,
      offsetof(ngx_http_9p_loc_conf_t, output_buffer),
      NULL },

    { ngx_string("ninep_idle_timeout"),
      NGX_STREAM_9P_SRV|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_STREAM_SRV_CONF_OFFSET,
      offsetof(ngx_http_9p_loc_conf_t, idle_timeout),
      NULL },

    { ngx_string("ninep_identity"),
      NGX_STREAM_9P_SRV|NGX_CONF_TAKE12,
      ngx_http_9p_identity,
      NGX_STREAM_SRV_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ninep_trust"),
      NGX_STREAM_9P_SRV|NGX_CONF_TAKE1,
      ngx_http_9p_trust,
      NGX_STREAM_SRV_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ninep_service"),
      NGX_STREAM_9P_SRV|NGX_CONF_TAKE23,
      ngx_stream_9p_service,
      NGX_STREAM_SRV_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ninep_max_fids"),
      NGX_STREAM_9P_SRV|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_STREAM_SRV_CONF_OFFSET,
      offsetof(ngx_http_9p_loc_conf_t, max_fids),
      &ngx_http_9p_count_bounds },

    { ngx_string("ninep_max_requests"),
      NGX_STREAM_9P_SRV|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_STREAM_SRV_CONF_OFFSET,
      offsetof(ngx_http_9p_loc_conf_t, max_requests),
      &ngx_http_9p_count_bounds },

    { ngx_string("ninep_connect_timeout"),
      NGX_STREAM_9P_SRV|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_STREAM_SRV_CONF_OFFSET,
      offsetof(ngx_http_9p_loc_conf_t, connect_timeout),
      NULL },

    { ngx_string("ninep_backend_timeout"),
      NGX_STREAM_9P_SRV|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_STREAM_SRV_CONF_OFFSET,
      offsetof(ngx_http_9p_loc_conf_t, backend_timeout),
      NULL },

    { ngx_string("ninep_ticket_keys"),
      NGX_STREAM_9P_SRV|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_STREAM_SRV_CONF_OFFSET,
      offsetof(ngx_http_9p_loc_conf_t, ticket_keys),
      NULL },

    { ngx_string("ninep_ticket_cache"),
      NGX_STREAM_9P_SRV|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_STREAM_SRV_CONF_OFFSET,
      offsetof(ngx_http_9p_loc_conf_t, ticket_cache),
      NULL },

    { ngx_string("ninep_union_dir_max"),
      NGX_STREAM_9P_SRV|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_STREAM_SRV_CONF_OFFSET,
      offsetof(ngx_http_9p_loc_conf_t, union_dir_max),
      NULL },

    { ngx_string("ninep_union_dir_session"),
      NGX_STREAM_9P_SRV|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_STREAM_SRV_CONF_OFFSET,
      offsetof(ngx_http_9p_loc_conf_t, union_dir_session),
      NULL },

    { ngx_string("ninep_union_dir_worker"),
      NGX_STREAM_9P_SRV|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_STREAM_SRV_CONF_OFFSET,
      offsetof(ngx_http_9p_loc_conf_t, union_dir_worker),
      NULL },

    { ngx_string("ninep_rescue_size"),
      NGX_STREAM_9P_SRV|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_STREAM_SRV_CONF_OFFSET,
      offsetof(ngx_http_9p_loc_conf_t, rescue_size),
      NULL },

    /* WebSocket's and HTTP's alone: said here, they are refused */

    { ngx_string("ninep_allowed_origins"),
      NGX_STREAM_9P_SRV|NGX_CONF_ANY,
      ngx_stream_9p_http_only,
      0,
      0,
      "a raw 9P client sends no Origin; limit who connects with "
      "\"allow\"/\"deny\" or TLS" },

    { ngx_string("ninep_ping_interval"),
      NGX_STREAM_9P_SRV|NGX_CONF_ANY,
      ngx_stream_9p_http_only,
      0,
      0,
      "9P over TCP has no pings; \"listen ... so_keepalive=on\" finds "
      "dead peers" },

    { ngx_string("ninep_status"),
      NGX_STREAM_9P_SRV|NGX_CONF_ANY,
      ngx_stream_9p_http_only,
      0,
      0,
      "the status page is an http{} location; it counts the raw 9P "
      "sessions too" },

    { ngx_string("ninep_check"),
      NGX_STREAM_9P_SRV|NGX_STREAM_UPS_CONF|NGX_CONF_ANY,
      ngx_stream_9p_http_only,
      0,
      0,
      "services name http{}'s upstream blocks: put it there" },

    { ngx_string("ninep_connections"),
      NGX_STREAM_9P_SRV|NGX_STREAM_UPS_CONF|NGX_CONF_ANY,
      ngx_stream_9p_http_only,
      0,
      0,
      "services name http{}'s upstream blocks: put it there" },

      ngx_null_command
};


static ngx_stream_module_t  ngx_stream_9p_module_ctx = {
    ngx_stream_9p_variables,               /* preconfiguration */
    NULL,                                  /* postconfiguration */

    ngx_stream_9p_create_main_conf,        /* create main configuration */
    ngx_stream_9p_init_main_conf,          /* init main configuration */

    ngx_stream_9p_create_srv_conf,         /* create server configuration */
    ngx_http_9p_merge_loc_conf             /* merge server configuration */
};


ngx_module_t  ngx_stream_9p_module = {
    NGX_MODULE_V1,
    &ngx_stream_9p_module_ctx,             /* module context */
    ngx_stream_9p_commands,                /* module directives */
    NGX_STREAM_MODULE,                     /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


/* ------------------------------------------------------- configuration */


static char *
ngx_stream_9p(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_9p_loc_conf_t *lcf = conf;

    ngx_stream_core_srv_conf_t  *cscf;

    cscf = ngx_stream_conf_get_module_srv_conf(cf, ngx_stream_core_module);
    cscf->handler = ngx_stream_9p_handler;

    /* for the merge's check that a session could attach */
    lcf->ninep_file = cf->conf_file->file.name.data;
    lcf->ninep_line = cf->conf_file->line;

    return NGX_CONF_OK;
}


static char *
ngx_stream_9p_service(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_9p_service_t      *svc, **all;
    ngx_stream_9p_main_conf_t  *mcf;

    svc = ngx_http_9p_service_add(cf, conf);
    if (svc == NULL) {
        return NGX_CONF_ERROR;
    }

    mcf = ngx_stream_conf_get_module_main_conf(cf, ngx_stream_9p_module);

    all = ngx_array_push(&mcf->services);
    if (all == NULL) {
        return NGX_CONF_ERROR;
    }

    *all = svc;

    return NGX_CONF_OK;
}


static char *
ngx_stream_9p_http_only(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "\"%V\" is not for raw 9P in stream{}: %s",
                       &cmd->name, (char *) cmd->post);

    return NGX_CONF_ERROR;
}


static void *
ngx_stream_9p_create_main_conf(ngx_conf_t *cf)
{
    ngx_stream_9p_main_conf_t  *mcf;

    mcf = ngx_pcalloc(cf->pool, sizeof(ngx_stream_9p_main_conf_t));
    if (mcf == NULL) {
        return NULL;
    }

    if (ngx_array_init(&mcf->services, cf->pool, 4,
                       sizeof(ngx_http_9p_service_t *))
        != NGX_OK)
    {
        return NULL;
    }

    return mcf;
}


/* A kernel configuration without pings (the merge checks them). */

static void *
ngx_stream_9p_create_srv_conf(ngx_conf_t *cf)
{
    ngx_http_9p_loc_conf_t  *lcf;

    lcf = ngx_http_9p_create_loc_conf(cf);

    if (lcf) {
        lcf->ping_interval = 0;
    }

    return lcf;
}


/*
 * The services' upstream blocks are http{}'s, which must come first; then
 * every health check is known to be used or not.
 */

static char *
ngx_stream_9p_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_stream_9p_main_conf_t *mcf = conf;

    ngx_uint_t                      i;
    ngx_http_9p_service_t         **svc, **all;
    ngx_http_9p_main_conf_t        *hmcf;
    ngx_http_upstream_main_conf_t  *umcf;

    hmcf = ngx_http_cycle_get_module_main_conf(cf->cycle, ngx_http_9p_module);
    umcf = ngx_http_cycle_get_module_main_conf(cf->cycle,
                                               ngx_http_upstream_module);
    svc = mcf->services.elts;

    if (hmcf == NULL || umcf == NULL) {
        if (mcf->services.nelts == 0) {
            return NGX_CONF_OK;
        }

        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "\"ninep_service\" %V names an upstream of http{}, "
                      "which must come before stream{} in %s:%ui",
                      &svc[0]->name, svc[0]->file, svc[0]->line);
        return NGX_CONF_ERROR;
    }

    for (i = 0; i < mcf->services.nelts; i++) {
        if (ngx_http_9p_service_upstream(cf, umcf, svc[i]) != NGX_CONF_OK
            || ngx_stream_9p_round_robin(cf, svc[i]) != NGX_CONF_OK)
        {
            return NGX_CONF_ERROR;
        }

        /* among the kernel's services: rows on the status page */
        all = ngx_array_push(&hmcf->services);
        if (all == NULL) {
            return NGX_CONF_ERROR;
        }

        *all = svc[i];
    }

    return ngx_http_9p_checks_used(cf, hmcf);
}


/*
 * A balancer is given an HTTP request to choose by: a raw 9P session has
 * none, and lends round robin a stand-in that has only a pool and the
 * connection; hash and the others would read what it does not have.
 */

static char *
ngx_stream_9p_round_robin(ngx_conf_t *cf, ngx_http_9p_service_t *svc)
{
    if (svc->upstream->peer.init_upstream == NULL
        || svc->upstream->peer.init_upstream
           == ngx_http_upstream_init_round_robin)
    {
        return NGX_CONF_OK;
    }

    ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                  "\"ninep_service\" %V in stream{}: upstream \"%V\" "
                  "chooses its servers by HTTP request (hash, ip_hash, "
                  "least_conn, random), which a raw 9P session does not "
                  "have; use round robin (weights and backup work) in %s:%ui",
                  &svc->name, &svc->upstream->host, svc->file, svc->line);

    return NGX_CONF_ERROR;
}


/* ------------------------------------------------------------ variables */


static ngx_stream_variable_t  ngx_stream_9p_vars[] = {

    { ngx_string("ninep_user"), NULL, ngx_stream_9p_variable,
      NGX_HTTP_9P_VAR_USER, NGX_STREAM_VAR_NOCACHEABLE, 0 },

    { ngx_string("ninep_session"), NULL, ngx_stream_9p_variable,
      NGX_HTTP_9P_VAR_SESSION, NGX_STREAM_VAR_NOCACHEABLE, 0 },

    { ngx_string("ninep_attach"), NULL, ngx_stream_9p_variable,
      NGX_HTTP_9P_VAR_ATTACH, NGX_STREAM_VAR_NOCACHEABLE, 0 },

    { ngx_string("ninep_requests"), NULL, ngx_stream_9p_variable,
      NGX_HTTP_9P_VAR_REQUESTS, NGX_STREAM_VAR_NOCACHEABLE, 0 },

    { ngx_string("ninep_errors"), NULL, ngx_stream_9p_variable,
      NGX_HTTP_9P_VAR_ERRORS, NGX_STREAM_VAR_NOCACHEABLE, 0 },

    { ngx_string("ninep_bytes_in"), NULL, ngx_stream_9p_variable,
      NGX_HTTP_9P_VAR_BYTES_IN, NGX_STREAM_VAR_NOCACHEABLE, 0 },

    { ngx_string("ninep_bytes_out"), NULL, ngx_stream_9p_variable,
      NGX_HTTP_9P_VAR_BYTES_OUT, NGX_STREAM_VAR_NOCACHEABLE, 0 },

    { ngx_string("ninep_duration"), NULL, ngx_stream_9p_variable,
      NGX_HTTP_9P_VAR_DURATION, NGX_STREAM_VAR_NOCACHEABLE, 0 },

    { ngx_string("ninep_close"), NULL, ngx_stream_9p_variable,
      NGX_HTTP_9P_VAR_CLOSE, NGX_STREAM_VAR_NOCACHEABLE, 0 },

      ngx_stream_null_variable
};


static ngx_int_t
ngx_stream_9p_variables(ngx_conf_t *cf)
{
    ngx_stream_variable_t  *var, *v;

    for (v = ngx_stream_9p_vars; v->name.len; v++) {
        var = ngx_stream_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}


/* The same values as the http{} variables; not found outside a session. */

static ngx_int_t
ngx_stream_9p_variable(ngx_stream_session_t *ss,
    ngx_stream_variable_value_t *v, uintptr_t data)
{
    u_char                 *p;
    ngx_http_9p_session_t  *s;

    s = ngx_stream_get_module_ctx(ss, ngx_stream_9p_module);

    if (s == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    p = ngx_pnalloc(ss->connection->pool, NGX_HTTP_9P_VAR_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    v->data = p;
    v->len = ngx_http_9p_stats_value(s, data, p) - p;

    if (v->len == 0) {
        v->not_found = 1;
        return NGX_OK;
    }

    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


/* --------------------------------------------------------- the session */


static void
ngx_stream_9p_handler(ngx_stream_session_t *ss)
{
    ngx_connection_t        *c;
    ngx_pool_cleanup_t      *cln;
    ngx_stream_9p_conn_t    *tc;
    ngx_http_9p_session_t   *s;
    ngx_http_9p_loc_conf_t  *conf;

    c = ss->connection;
    conf = ngx_stream_get_module_srv_conf(ss, ngx_stream_9p_module);

    tc = ngx_pcalloc(c->pool, sizeof(ngx_stream_9p_conn_t));
    cln = ngx_pool_cleanup_add(c->pool, 0);

    if (tc == NULL || cln == NULL) {
        ngx_stream_finalize_session(ss, NGX_STREAM_INTERNAL_SERVER_ERROR);
        return;
    }

    s = &tc->s;
    tc->stream = ss;
    tc->lender.pool = c->pool;
    tc->lender.connection = c;

    s->request = &tc->lender;
    s->connection = c;
    s->conf = conf;
    s->transport = &ngx_stream_9p_transport;
    s->msize = conf->msize;

    tc->in_size = conf->msize;
    tc->out_size = conf->output_buffer ? conf->output_buffer
                                       : ngx_max(256 * 1024,
                                                 2 * conf->msize);
    tc->out_max = ngx_max(tc->out_size,
                          (conf->max_requests + 2) * conf->msize);

    tc->in = ngx_alloc(tc->in_size, c->log);
    tc->out = ngx_alloc(tc->out_size, c->log);

    cln->handler = ngx_stream_9p_cleanup;
    cln->data = tc;

    if (tc->in == NULL || tc->out == NULL) {
        ngx_stream_finalize_session(ss, NGX_STREAM_INTERNAL_SERVER_ERROR);
        return;
    }

    tc->in_pos = tc->in;
    tc->in_last = tc->in;
    tc->out_pos = tc->out;
    tc->out_last = tc->out;

    ngx_stream_set_ctx(ss, s, ngx_stream_9p_module);
    ngx_http_9p_session_init(s);
    tc->started = 1;

    c->log->action = "serving 9P over TCP";
    c->read->handler = ngx_stream_9p_read_handler;
    c->write->handler = ngx_stream_9p_write_handler;

    ngx_add_timer(c->read, conf->idle_timeout);

    ngx_stream_9p_read(tc);
}


static void
ngx_stream_9p_read_handler(ngx_event_t *rev)
{
    ngx_connection_t      *c;
    ngx_stream_9p_conn_t  *tc;

    c = rev->data;
    tc = ngx_stream_get_module_ctx((ngx_stream_session_t *) c->data,
                                   ngx_stream_9p_module);

    if (rev->timedout) {
        rev->timedout = 0;

        if (tc->s.nfids == 0) {
            ngx_log_error(NGX_LOG_INFO, c->log, 0,
                          "9p: no attach within %M ms: closing",
                          tc->s.conf->idle_timeout);
            ngx_stream_9p_finalize(tc, NGX_STREAM_OK);
            return;
        }
    }

    ngx_stream_9p_read(tc);
}


static void
ngx_stream_9p_write_handler(ngx_event_t *wev)
{
    ngx_connection_t      *c;
    ngx_stream_9p_conn_t  *tc;

    c = wev->data;
    tc = ngx_stream_get_module_ctx((ngx_stream_session_t *) c->data,
                                   ngx_stream_9p_module);

    if (tc->closing || ngx_stream_9p_flush(tc) == NGX_ERROR) {
        ngx_stream_9p_finalize(tc, NGX_STREAM_OK);
    }
}


/*
 * Every whole message in the buffer, then more bytes, until the socket
 * has none or the output has no room for another largest reply.
 */

static void
ngx_stream_9p_read(ngx_stream_9p_conn_t *tc)
{
    ssize_t            n;
    ngx_int_t          rc;
    ngx_connection_t  *c;

    c = tc->s.connection;

    for ( ;; ) {
        rc = ngx_stream_9p_message(tc);

        if (rc == NGX_OK) {
            continue;
        }

        if (rc == NGX_ERROR || tc->closing) {
            ngx_stream_9p_finalize(tc, NGX_STREAM_OK);
            return;
        }

        if (tc->read_blocked) {
            break;
        }

        /* NGX_AGAIN: a message is not whole yet */
        if (tc->in_pos != tc->in) {
            tc->in_last = ngx_movemem(tc->in, tc->in_pos,
                                      tc->in_last - tc->in_pos);
            tc->in_pos = tc->in;
        }

        n = ngx_http_9p_recv(c, tc->in_last,
                             tc->in + tc->in_size - tc->in_last);

        if (n == NGX_AGAIN) {
            if (ngx_handle_read_event(c->read, 0) != NGX_OK) {
                ngx_stream_9p_finalize(tc, NGX_STREAM_INTERNAL_SERVER_ERROR);
                return;
            }

            break;
        }

        if (n == NGX_ERROR || n == 0) {
            ngx_log_error(NGX_LOG_INFO, c->log, 0,
                          "9p: client closed the connection");
            ngx_http_9p_stats_closed(&tc->s, NGX_HTTP_9P_CLOSED_BY_CLIENT, 0);
            ngx_stream_9p_finalize(tc, NGX_STREAM_OK);
            return;
        }

        tc->in_last += n;

        if (tc->s.nfids == 0) {
            ngx_add_timer(c->read, tc->s.conf->idle_timeout);

        } else if (c->read->timer_set) {
            ngx_del_timer(c->read);
        }
    }

    if (ngx_stream_9p_flush(tc) == NGX_ERROR) {
        ngx_stream_9p_finalize(tc, NGX_STREAM_OK);
    }
}


/*
 * The message at the start of the input, if it is whole: NGX_OK when it
 * was handled, NGX_AGAIN for more bytes (or room to reply, read_blocked),
 * NGX_ERROR when the connection must end.
 */

static ngx_int_t
ngx_stream_9p_message(ngx_stream_9p_conn_t *tc)
{
    int64_t                 size;
    ngx_int_t               rc;
    ngx_http_9p_session_t  *s;

    s = &tc->s;
    size = ninep_peek_size(tc->in_pos, tc->in_last - tc->in_pos);

    if (size == NINEP_ESHORT) {
        return NGX_AGAIN;
    }

    if (size < NINEP_HDRSZ || size > s->msize) {
        ngx_log_error(NGX_LOG_INFO, s->connection->log, 0,
                      "9p: client sent a message of %L bytes, %s: closing",
                      size, size < NINEP_HDRSZ ? "shorter than a header"
                                               : "over msize");
        return NGX_ERROR;
    }

    if (tc->in_last - tc->in_pos < size) {
        return NGX_AGAIN;
    }

    /* backpressure: no more requests until a largest reply fits in
       the buffer as it is (it grows only for replies already owed) */
    if (tc->out_size - (size_t) (tc->out_last - tc->out_pos) < s->msize) {
        tc->read_blocked = 1;
        return NGX_AGAIN;
    }

    tc->read_blocked = 0;

    rc = ngx_http_9p_session_message(s, tc->in_pos, (size_t) size);
    tc->in_pos += size;

    return rc == NGX_ERROR ? NGX_ERROR : NGX_OK;
}


static ngx_int_t
ngx_stream_9p_flush(ngx_stream_9p_conn_t *tc)
{
    ssize_t            n;
    ngx_connection_t  *c;

    c = tc->s.connection;

    while (tc->out_pos < tc->out_last) {
        n = c->send(c, tc->out_pos, tc->out_last - tc->out_pos);

        if (n == NGX_AGAIN) {
            return ngx_handle_write_event(c->write, 0) == NGX_OK
                   ? NGX_AGAIN : NGX_ERROR;
        }

        if (n == NGX_ERROR) {
            return NGX_ERROR;
        }

        tc->out_pos += n;
    }

    tc->out_pos = tc->out;
    tc->out_last = tc->out;

    if (tc->read_blocked && !c->read->posted) {
        /* room again: the waiting messages go on */
        ngx_post_event(c->read, &ngx_posted_events);
    }

    return NGX_OK;
}


/*
 * Room for n more bytes of output: what was sent is given back first,
 * then the buffer grows, as far as every request in flight could need.
 * NGX_DECLINED past that.
 */

static ngx_int_t
ngx_stream_9p_room(ngx_stream_9p_conn_t *tc, size_t n)
{
    size_t   len, size;
    u_char  *p;

    if ((size_t) (tc->out + tc->out_size - tc->out_last) >= n) {
        return NGX_OK;
    }

    len = tc->out_last - tc->out_pos;

    if (tc->out_size - len >= n) {
        ngx_memmove(tc->out, tc->out_pos, len);

    } else {
        for (size = tc->out_size; size - len < n; size *= 2) {
            if (size >= tc->out_max) {
                return NGX_DECLINED;
            }
        }

        p = ngx_alloc(size, tc->s.connection->log);
        if (p == NULL) {
            return NGX_ERROR;
        }

        ngx_memcpy(p, tc->out_pos, len);
        ngx_free(tc->out);
        tc->out = p;
        tc->out_size = size;
    }

    tc->out_pos = tc->out;
    tc->out_last = tc->out + len;

    return NGX_OK;
}


/* The session ends once, then the stream module closes the connection. */

static void
ngx_stream_9p_finalize(ngx_stream_9p_conn_t *tc, ngx_uint_t rc)
{
    /* for $ninep_close, unless the client closed first */
    ngx_http_9p_stats_closed(&tc->s, NGX_HTTP_9P_CLOSED_BY_SERVER, 0);
    ngx_stream_9p_cleanup(tc);
    ngx_stream_finalize_session(tc->stream, rc);
}


static void
ngx_stream_9p_cleanup(void *data)
{
    ngx_stream_9p_conn_t *tc = data;

    if (tc->ended) {
        return;
    }

    tc->ended = 1;

    if (tc->started) {
        ngx_http_9p_session_end(&tc->s);
        ngx_http_9p_stats_session(&tc->s, -1);
    }

    if (tc->in) {
        ngx_free(tc->in);
        tc->in = NULL;
    }

    if (tc->out) {
        ngx_free(tc->out);
        tc->out = NULL;
    }
}


/* ----------------------------------------------------- the transport */


static ngx_int_t
ngx_stream_9p_send(ngx_http_9p_session_t *s, ninep_fcall_t *f)
{
    size_t                 n;
    ngx_int_t              rc;
    ngx_stream_9p_conn_t  *tc;

    tc = ngx_stream_9p_conn(s);

    if (tc->closing || tc->ended) {
        return NGX_OK;          /* nobody will read it */
    }

    n = ngx_http_9p_reply_size(s, f);

    if (n == 0) {
        tc->closing = 1;
        return NGX_ERROR;
    }

    rc = ngx_stream_9p_room(tc, n);

    if (rc != NGX_OK) {
        ngx_log_error(NGX_LOG_ERR, s->connection->log, 0,
                      "9p: %s: closing",
                      rc == NGX_DECLINED ? "the client reads no replies"
                                         : "out of memory");
        tc->closing = 1;
        return NGX_ERROR;
    }

    tc->out_last += ninep_pack(f, tc->out_last, n);

    ngx_http_9p_stats_out(s, f, n);

    return NGX_OK;
}


/* A message that is not 9P ends the connection (9P has no other word). */

static void
ngx_stream_9p_malformed(ngx_http_9p_session_t *s, const char *reason)
{
    ngx_stream_9p_conn(s)->closing = 1;
}


/* Replies that came from services go out once this event is done. */

static void
ngx_stream_9p_post(ngx_http_9p_session_t *s)
{
    ngx_event_t  *wev;

    wev = s->connection->write;

    if (!ngx_stream_9p_conn(s)->ended && !wev->posted) {
        ngx_post_event(wev, &ngx_posted_events);
    }
}
