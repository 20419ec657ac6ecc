
/*
 * Ten: module glue -- directives, configuration, the content handler.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_9p.h"
#include "ngx_http_9p_backend.h"
#include "ngx_http_9p_check.h"
#include "ngx_http_9p_tls.h"
#include "ngx_http_9p_stats.h"
#include "ngx_http_9p_status.h"
#include "ngx_http_9p_conf.h"


/*
 * The head of the keepalive module's private srv conf: in nginx 1.22,
 * max_cached, 0 unless "keepalive" was given.  nginx loads a module only
 * into the version it was built for, and t/005-config.t checks there that
 * "keepalive" is refused and its absence is not.
 */
typedef struct {
    ngx_uint_t                      max_cached;
} ngx_http_9p_keepalive_conf_t;

extern ngx_module_t  ngx_http_upstream_keepalive_module;


static char *ngx_http_9p(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
static char *ngx_http_9p_check_msize(ngx_conf_t *cf, void *post, void *data);
static char *ngx_http_9p_check_rescue_size(ngx_conf_t *cf, void *post,
    void *data);
static const char *ngx_http_9p_origin_check(ngx_str_t *o);
static char *ngx_http_9p_allowed_origins(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_9p_service(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_9p_connections(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static void *ngx_http_9p_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_9p_init_main_conf(ngx_conf_t *cf, void *conf);
static ngx_uint_t ngx_http_9p_stream_loaded(ngx_cycle_t *cycle);
static void *ngx_http_9p_create_srv_conf(ngx_conf_t *cf);
static char *ngx_http_9p_merge_services(ngx_conf_t *cf,
    ngx_http_9p_loc_conf_t *conf);
static char *ngx_http_9p_need_boot(ngx_conf_t *cf,
    ngx_http_9p_loc_conf_t *conf);
static char *ngx_http_9p_no_keepalive(ngx_conf_t *cf,
    ngx_http_9p_service_t *svc);
static void ngx_http_9p_free_trust(void *data);
static ngx_int_t ngx_http_9p_init_process(ngx_cycle_t *cycle);
static void ngx_http_9p_exit_process(ngx_cycle_t *cycle);
static char *ngx_http_9p_load_certs(ngx_conf_t *cf,
    ngx_http_9p_loc_conf_t *conf);


ngx_conf_post_handler_pt  ngx_http_9p_msize_post =
    ngx_http_9p_check_msize;

ngx_conf_post_handler_pt  ngx_http_9p_rescue_size_post =
    ngx_http_9p_check_rescue_size;

ngx_conf_num_bounds_t  ngx_http_9p_count_bounds = {
    ngx_conf_check_num_bounds, 1, 65535
};


static ngx_command_t  ngx_http_9p_commands[] = {

    { ngx_string("ninep"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_9p,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ninep_msize"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_9p_loc_conf_t, msize),
      &ngx_http_9p_msize_post },

    { ngx_string("ninep_output_buffer"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_9p_loc_conf_t, output_buffer),
      NULL },

    { ngx_string("ninep_ping_interval"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_9p_loc_conf_t, ping_interval),
      NULL },

    { ngx_string("ninep_idle_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_9p_loc_conf_t, idle_timeout),
      NULL },

    { ngx_string("ninep_allowed_origins"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_9p_allowed_origins,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_9p_loc_conf_t, allowed_origins),
      NULL },

    { ngx_string("ninep_identity"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE12,
      ngx_http_9p_identity,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ninep_trust"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_9p_trust,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ninep_service"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE23,
      ngx_http_9p_service,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ninep_max_fids"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_9p_loc_conf_t, max_fids),
      &ngx_http_9p_count_bounds },

    { ngx_string("ninep_max_requests"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_9p_loc_conf_t, max_requests),
      &ngx_http_9p_count_bounds },

    { ngx_string("ninep_connect_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_9p_loc_conf_t, connect_timeout),
      NULL },

    { ngx_string("ninep_backend_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_9p_loc_conf_t, backend_timeout),
      NULL },

    { ngx_string("ninep_ticket_keys"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_9p_loc_conf_t, ticket_keys),
      NULL },

    { ngx_string("ninep_ticket_cache"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_9p_loc_conf_t, ticket_cache),
      NULL },

    { ngx_string("ninep_union_dir_max"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_9p_loc_conf_t, union_dir_max),
      NULL },

    { ngx_string("ninep_union_dir_session"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_9p_loc_conf_t, union_dir_session),
      NULL },

    { ngx_string("ninep_union_dir_worker"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_9p_loc_conf_t, union_dir_worker),
      NULL },

    { ngx_string("ninep_rescue_size"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_9p_loc_conf_t, rescue_size),
      &ngx_http_9p_rescue_size_post },

    { ngx_string("ninep_status"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS|NGX_CONF_TAKE1,
      ngx_http_9p_status,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ninep_status_zone"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_9p_status_zone,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ninep_check"),
      NGX_HTTP_UPS_CONF|NGX_CONF_ANY,
      ngx_http_9p_check_conf,
      NGX_HTTP_SRV_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ninep_connections"),
      NGX_HTTP_UPS_CONF|NGX_CONF_TAKE1,
      ngx_http_9p_connections,
      NGX_HTTP_SRV_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("ninep_ssl"),
      NGX_HTTP_UPS_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_SRV_CONF_OFFSET,
      offsetof(ngx_http_9p_srv_conf_t, ssl),
      NULL },

    { ngx_string("ninep_ssl_verify"),
      NGX_HTTP_UPS_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_SRV_CONF_OFFSET,
      offsetof(ngx_http_9p_srv_conf_t, ssl_verify),
      NULL },

    { ngx_string("ninep_ssl_session_reuse"),
      NGX_HTTP_UPS_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_SRV_CONF_OFFSET,
      offsetof(ngx_http_9p_srv_conf_t, ssl_session_reuse),
      NULL },

    { ngx_string("ninep_ssl_trusted_certificate"),
      NGX_HTTP_UPS_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_SRV_CONF_OFFSET,
      offsetof(ngx_http_9p_srv_conf_t, ssl_trusted_certificate),
      NULL },

    { ngx_string("ninep_ssl_name"),
      NGX_HTTP_UPS_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_SRV_CONF_OFFSET,
      offsetof(ngx_http_9p_srv_conf_t, ssl_name),
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_9p_module_ctx = {
    ngx_http_9p_stats_variables,           /* preconfiguration */
    ngx_http_9p_stats_postconfiguration,   /* postconfiguration */

    ngx_http_9p_create_main_conf,          /* create main configuration */
    ngx_http_9p_init_main_conf,            /* init main configuration */

    ngx_http_9p_create_srv_conf,           /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_9p_create_loc_conf,           /* create location configuration */
    ngx_http_9p_merge_loc_conf             /* merge location configuration */
};


ngx_module_t  ngx_http_9p_module = {
    NGX_MODULE_V1,
    &ngx_http_9p_module_ctx,               /* module context */
    ngx_http_9p_commands,                  /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_http_9p_init_process,              /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_9p_exit_process,              /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_int_t
ngx_http_9p_init_process(ngx_cycle_t *cycle)
{
    if (ngx_http_9p_stats_init_process(cycle) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_http_9p_check_init_process(cycle);
}


static void
ngx_http_9p_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_9p_check_exit_process();
    ngx_http_9p_stats_exit_process();
    ngx_http_9p_backends_exit();
}


static ngx_int_t
ngx_http_9p_handler(ngx_http_request_t *r)
{
    return ngx_http_9p_handshake(r);
}


static char *
ngx_http_9p(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_9p_loc_conf_t *lcf = conf;

    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    if (clcf->handler != NULL) {
        return "is duplicate or conflicts with another content handler";
    }

    clcf->handler = ngx_http_9p_handler;

    /* for ngx_http_9p_need_boot(), once the services are merged */
    lcf->ninep_file = cf->conf_file->file.name.data;
    lcf->ninep_line = cf->conf_file->line;

    return NGX_CONF_OK;
}


static char *
ngx_http_9p_check_msize(ngx_conf_t *cf, void *post, void *data)
{
    size_t  *sp = data;

    if (*sp < NGX_HTTP_9P_MIN_MSIZE || *sp > NGX_HTTP_9P_MAX_MSIZE) {
        return "must be between 256 and 16m";
    }

    return NGX_CONF_OK;
}


/* The rescue tree's root and README alone take about 1.5k. */

static char *
ngx_http_9p_check_rescue_size(ngx_conf_t *cf, void *post, void *data)
{
    size_t  *sp = data;

    return (*sp < 4096) ? "must be at least 4k" : NGX_CONF_OK;
}


/*
 * Why an origin can never equal a browser's Origin header (RFC 6454:
 * scheme "://" host [":" port], the port left out when it is the
 * scheme's default), or NULL when it can.
 */

static const char *
ngx_http_9p_origin_check(ngx_str_t *o)
{
    u_char      *p, *end, *host;
    ngx_int_t    port;
    ngx_uint_t   https;

    p = o->data;
    end = o->data + o->len;

    if (ngx_strlchr(p, end, '*') != NULL) {
        return "a wildcard (list each origin)";
    }

    if (o->len > 7 && ngx_strncasecmp(p, (u_char *) "http://", 7) == 0) {
        https = 0;
        p += 7;

    } else if (o->len > 8
               && ngx_strncasecmp(p, (u_char *) "https://", 8) == 0)
    {
        https = 1;
        p += 8;

    } else {
        return "no http:// or https://";
    }

    host = p;

    if (*p == '[') {
        while (p < end && *p != ']') {
            p++;
        }
        if (p == end) {
            return "an IPv6 address without its \"]\"";
        }
        p++;

    } else {
        while (p < end && (isalnum(*p) || *p == '.' || *p == '-')) {
            p++;
        }
    }

    if (p == host) {
        return "no host";
    }

    if (p < end && *p == ':') {
        port = ngx_atoi(p + 1, end - p - 1);
        if (port < 1 || port > 65535) {
            return "a bad port";
        }
        if (port == (https ? 443 : 80)) {
            return "the scheme's own port, which browsers leave out";
        }
        p = end;
    }

    if (p < end) {
        return *p == '/' ? "a path" : "a character no host has";
    }

    return NULL;
}


/* Every argument, and every repetition of the directive, adds origins. */

static char *
ngx_http_9p_allowed_origins(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_9p_loc_conf_t *lcf = conf;

    ngx_str_t   *value, *origin;
    ngx_uint_t   i;
    const char  *why;

    if (lcf->allowed_origins == NGX_CONF_UNSET_PTR) {
        lcf->allowed_origins = ngx_array_create(cf->pool, 4,
                                                sizeof(ngx_str_t));
        if (lcf->allowed_origins == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {
        why = ngx_http_9p_origin_check(&value[i]);

        if (why != NULL) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid origin \"%V\": %s; an origin is "
                               "http[s]://host[:port], as browsers send it",
                               &value[i], why);
            return NGX_CONF_ERROR;
        }

        origin = ngx_array_push(lcf->allowed_origins);
        if (origin == NULL) {
            return NGX_CONF_ERROR;
        }

        *origin = value[i];
    }

    return NGX_CONF_OK;
}


void *
ngx_http_9p_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_9p_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_9p_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    conf->msize = NGX_CONF_UNSET_SIZE;
    conf->output_buffer = NGX_CONF_UNSET_SIZE;
    conf->ping_interval = NGX_CONF_UNSET_MSEC;
    conf->idle_timeout = NGX_CONF_UNSET_MSEC;
    conf->allowed_origins = NGX_CONF_UNSET_PTR;
    conf->identity = NGX_CONF_UNSET_PTR;
    conf->trust = NGX_CONF_UNSET_PTR;
    conf->services = NGX_CONF_UNSET_PTR;
    conf->max_fids = NGX_CONF_UNSET_UINT;
    conf->max_requests = NGX_CONF_UNSET_UINT;
    conf->connect_timeout = NGX_CONF_UNSET_MSEC;
    conf->backend_timeout = NGX_CONF_UNSET_MSEC;
    conf->certs = NGX_CONF_UNSET_PTR;
    conf->ticket_cache = NGX_CONF_UNSET_MSEC;
    conf->union_dir_max = NGX_CONF_UNSET_SIZE;
    conf->union_dir_session = NGX_CONF_UNSET_SIZE;
    conf->union_dir_worker = NGX_CONF_UNSET_SIZE;
    conf->rescue_size = NGX_CONF_UNSET_SIZE;

    return conf;
}


char *
ngx_http_9p_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_9p_loc_conf_t *prev = parent;
    ngx_http_9p_loc_conf_t *conf = child;

    size_t  min_output;

    ngx_conf_merge_size_value(conf->msize, prev->msize, 65536);
    ngx_conf_merge_msec_value(conf->ping_interval, prev->ping_interval,
                              30000);
    ngx_conf_merge_msec_value(conf->idle_timeout, prev->idle_timeout, 60000);
    ngx_conf_merge_ptr_value(conf->allowed_origins, prev->allowed_origins,
                             NULL);

    /* 0: sized from msize when a session starts */
    ngx_conf_merge_size_value(conf->output_buffer, prev->output_buffer, 0);

    min_output = ngx_http_9p_min_output(conf->msize);

    if (conf->output_buffer != 0 && conf->output_buffer < min_output) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"ninep_output_buffer\" must be at least "
                           "ninep_msize + %uz (%uz), not %uz",
                           min_output - conf->msize, min_output,
                           conf->output_buffer);
        return NGX_CONF_ERROR;
    }

    if (conf->idle_timeout <= conf->ping_interval) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"ninep_idle_timeout\" must be longer than "
                           "\"ninep_ping_interval\"");
        return NGX_CONF_ERROR;
    }

    ngx_conf_merge_ptr_value(conf->identity, prev->identity, NULL);
    ngx_conf_merge_str_value(conf->identity_name, prev->identity_name,
                             "kernel");
    ngx_conf_merge_ptr_value(conf->trust, prev->trust, NULL);
    ngx_conf_merge_ptr_value(conf->services, prev->services, NULL);
    ngx_conf_merge_uint_value(conf->max_fids, prev->max_fids, 4096);
    ngx_conf_merge_uint_value(conf->max_requests, prev->max_requests, 256);
    ngx_conf_merge_msec_value(conf->connect_timeout, prev->connect_timeout,
                              5000);
    ngx_conf_merge_msec_value(conf->backend_timeout, prev->backend_timeout,
                              30000);
    ngx_conf_merge_msec_value(conf->ticket_cache, prev->ticket_cache, 5000);
    ngx_conf_merge_size_value(conf->union_dir_max, prev->union_dir_max,
                              1024 * 1024);
    ngx_conf_merge_size_value(conf->union_dir_session,
                              prev->union_dir_session, 4 * 1024 * 1024);
    ngx_conf_merge_size_value(conf->union_dir_worker, prev->union_dir_worker,
                              64 * 1024 * 1024);

    if (conf->union_dir_session < conf->union_dir_max
        || conf->union_dir_worker < conf->union_dir_session)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"ninep_union_dir_max\" (%uz) must not exceed "
                           "\"ninep_union_dir_session\" (%uz), nor that "
                           "\"ninep_union_dir_worker\" (%uz)",
                           conf->union_dir_max, conf->union_dir_session,
                           conf->union_dir_worker);
        return NGX_CONF_ERROR;
    }
    ngx_conf_merge_size_value(conf->rescue_size, prev->rescue_size,
                              1024 * 1024);

    if (ngx_http_9p_merge_services(cf, conf) != NGX_CONF_OK
        || ngx_http_9p_need_boot(cf, conf) != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    ngx_conf_merge_str_value(conf->ticket_keys, prev->ticket_keys, "");

    if (conf->ticket_keys.len == 0) {
        conf->certs = NULL;
        return NGX_CONF_OK;
    }

    /* inherited and already loaded a level up */
    if (conf->ticket_keys.data == prev->ticket_keys.data
        && prev->certs != NGX_CONF_UNSET_PTR && prev->certs != NULL)
    {
        conf->certs = prev->certs;
        return NGX_CONF_OK;
    }

    return ngx_http_9p_load_certs(cf, conf);
}


/*
 * ninep_ticket_keys: the certificates of the keys that sign tickets, each
 * verified against the key the trust file gives "factotum".
 */

static char *
ngx_http_9p_load_certs(ngx_conf_t *cf, ngx_http_9p_loc_conf_t *conf)
{
    u_char                 *p, *end, *nl;
    ssize_t                 n;
    ngx_fd_t                fd;
    ngx_uint_t              line;
    const char             *err;
    ten_cert_t             *cert;
    ngx_file_info_t         fi;
    const ten_principal_t  *issuer;
    u_char                  buf[65536];

    if (conf->trust == NULL
        || (issuer = ten_trust_find(conf->trust, "factotum")) == NULL)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"ninep_ticket_keys\" needs \"ninep_trust\" "
                           "with a key for \"factotum\"");
        return NGX_CONF_ERROR;
    }

    if (ngx_conf_full_name(cf->cycle, &conf->ticket_keys, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    fd = ngx_open_file(conf->ticket_keys.data, NGX_FILE_RDONLY,
                       NGX_FILE_OPEN, 0);

    if (fd == NGX_INVALID_FILE || ngx_fd_info(fd, &fi) == NGX_FILE_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "\"ninep_ticket_keys\" %V",
                           &conf->ticket_keys);
        if (fd != NGX_INVALID_FILE) {
            (void) ngx_close_file(fd);
        }
        return NGX_CONF_ERROR;
    }

    n = ngx_read_fd(fd, buf, sizeof(buf) - 1);
    (void) ngx_close_file(fd);

    if (n < 0 || n == (ssize_t) sizeof(buf) - 1) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"ninep_ticket_keys\" %V: unreadable or "
                           "larger than 64k", &conf->ticket_keys);
        return NGX_CONF_ERROR;
    }

    conf->certs = ngx_array_create(cf->pool, 4, sizeof(ten_cert_t));
    if (conf->certs == NULL) {
        return NGX_CONF_ERROR;
    }

    end = buf + n;
    line = 0;

    for (p = buf; p < end; p = nl + 1) {
        line++;
        nl = ngx_strlchr(p, end, '\n');
        if (nl == NULL) {
            nl = end;
        }

        if (nl == p || *p == '#') {
            continue;
        }

        cert = ngx_array_push(conf->certs);
        if (cert == NULL) {
            return NGX_CONF_ERROR;
        }

        if (ten_cert_parse((char *) p, nl - p, issuer->pk, cert, &err) != 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"ninep_ticket_keys\" %V:%ui: %s "
                               "(the issuer is factotum)",
                               &conf->ticket_keys, line, err);
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}


/*
 * Services need the kernel's identity, and each one's key pinned in the
 * trust file under the service's name.
 */

static char *
ngx_http_9p_merge_services(ngx_conf_t *cf, ngx_http_9p_loc_conf_t *conf)
{
    ngx_uint_t               i;
    const ten_principal_t   *p;
    ngx_http_9p_service_t  **svc;

    if (conf->services == NULL) {
        return NGX_CONF_OK;
    }

    svc = conf->services->elts;

    for (i = 0; i < conf->services->nelts; i++) {

        if (conf->identity == NULL || conf->trust == NULL) {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "\"ninep_service\" %V needs \"ninep_identity\" "
                          "and \"ninep_trust\" in %s:%ui",
                          &svc[i]->name, svc[i]->file, svc[i]->line);
            return NGX_CONF_ERROR;
        }

        p = ten_trust_find(conf->trust, (char *) svc[i]->name.data);

        if (p == NULL) {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "\"ninep_service\" %V: the trust file has no key "
                          "for \"%V\" to pin in %s:%ui",
                          &svc[i]->name, &svc[i]->name, svc[i]->file,
                          svc[i]->line);
            return NGX_CONF_ERROR;
        }

        ngx_memcpy(svc[i]->pk, p->pk, TEN_PK_LEN);
    }

    return NGX_CONF_OK;
}


/*
 * A ticket attach reads the ticket and the namespace from the boot
 * service: a "ninep" location without one could only ever serve none's
 * bootstrap sessions.
 */

static char *
ngx_http_9p_need_boot(ngx_conf_t *cf, ngx_http_9p_loc_conf_t *conf)
{
    ngx_uint_t               i;
    ngx_http_9p_service_t  **svc;

    if (conf->ninep_file == NULL) {
        return NGX_CONF_OK;
    }

    if (conf->services != NULL) {
        svc = conf->services->elts;

        for (i = 0; i < conf->services->nelts; i++) {
            if (svc[i]->boot) {
                return NGX_CONF_OK;
            }
        }
    }

    ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                  "\"ninep\" in this location has no \"ninep_service\" "
                  "with \"boot\": no session could attach with a ticket "
                  "(add e.g. \"ninep_service vfs ten_vfs boot;\") in %s:%ui",
                  conf->ninep_file, conf->ninep_line);

    return NGX_CONF_ERROR;
}


char *
ngx_http_9p_identity(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_9p_loc_conf_t *lcf = conf;

    char        err[512];
    ngx_str_t  *value;

    if (lcf->identity != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_conf_full_name(cf->cycle, &value[1], 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    lcf->identity = ngx_pnalloc(cf->pool, TEN_SK_LEN);
    if (lcf->identity == NULL) {
        return NGX_CONF_ERROR;
    }

    /* the principal it proves in ten-auth-1, "kernel" unless named */
    if (cf->args->nelts == 3) {
        if (!ten_valid_name((char *) value[2].data, value[2].len)) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid principal name \"%V\"", &value[2]);
            return NGX_CONF_ERROR;
        }

        lcf->identity_name = value[2];

    } else {
        ngx_str_set(&lcf->identity_name, "kernel");
    }

    if (ten_crypto_init() != 0
        || ten_key_load((char *) value[1].data, lcf->identity, err,
                        sizeof(err))
           != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "\"%V\": %s", &cmd->name,
                           err);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


char *
ngx_http_9p_trust(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_9p_loc_conf_t *lcf = conf;

    char                 err[512];
    ngx_str_t           *value;
    ngx_pool_cleanup_t  *cln;

    if (lcf->trust != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_conf_full_name(cf->cycle, &value[1], 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    lcf->trust = ngx_pcalloc(cf->pool, sizeof(ten_trust_t));
    cln = ngx_pool_cleanup_add(cf->pool, 0);

    if (lcf->trust == NULL || cln == NULL) {
        return NGX_CONF_ERROR;
    }

    if (ten_trust_load((char *) value[1].data, lcf->trust, err, sizeof(err))
        != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "\"%V\": %s", &cmd->name,
                           err);
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_http_9p_free_trust;
    cln->data = lcf->trust;

    return NGX_CONF_OK;
}


static void
ngx_http_9p_free_trust(void *data)
{
    ten_trust_free(data);
}


ngx_http_9p_service_t *
ngx_http_9p_service_add(ngx_conf_t *cf, ngx_http_9p_loc_conf_t *lcf)
{
    ngx_uint_t               i;
    ngx_str_t               *value;
    ngx_http_9p_service_t   *svc, **all;

    value = cf->args->elts;

    if (!ten_valid_name((char *) value[1].data, value[1].len)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid service name \"%V\"", &value[1]);
        return NULL;
    }

    if (cf->args->nelts == 4 && ngx_strcmp(value[3].data, "boot") != 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\", expected \"boot\"",
                           &value[3]);
        return NULL;
    }

    if (lcf->services == NGX_CONF_UNSET_PTR) {
        lcf->services = ngx_array_create(cf->pool, 4,
                                         sizeof(ngx_http_9p_service_t *));
        if (lcf->services == NULL) {
            return NULL;
        }
    }

    all = lcf->services->elts;

    for (i = 0; i < lcf->services->nelts; i++) {
        if (all[i]->name.len == value[1].len
            && ngx_strncmp(all[i]->name.data, value[1].data, value[1].len)
               == 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "service \"%V\" is declared twice",
                               &value[1]);
            return NULL;
        }

        if (all[i]->boot && cf->args->nelts == 4) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "two boot services: \"%V\" and \"%V\"",
                               &all[i]->name, &value[1]);
            return NULL;
        }
    }

    /* apart, so that a pointer to it stays good as the list grows */
    svc = ngx_pcalloc(cf->pool, sizeof(ngx_http_9p_service_t));
    all = ngx_array_push(lcf->services);

    if (svc == NULL || all == NULL) {
        return NULL;
    }

    *all = svc;
    svc->name = value[1];
    svc->upstream_name = value[2];
    svc->boot = (cf->args->nelts == 4);
    svc->file = cf->conf_file->file.name.data;
    svc->line = cf->conf_file->line;

    return svc;
}


static char *
ngx_http_9p_service(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_9p_service_t    *svc, **all;
    ngx_http_9p_main_conf_t  *mcf;

    svc = ngx_http_9p_service_add(cf, conf);
    if (svc == NULL) {
        return NGX_CONF_ERROR;
    }

    /* the upstream block may come later: resolved in init_main_conf */
    mcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_9p_module);

    all = ngx_array_push(&mcf->services);
    if (all == NULL) {
        return NGX_CONF_ERROR;
    }

    *all = svc;

    return NGX_CONF_OK;
}


static char *
ngx_http_9p_connections(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_9p_srv_conf_t *scf = conf;

    ngx_int_t   n;
    ngx_str_t  *value;

    if (scf->connections != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;
    n = ngx_atoi(value[1].data, value[1].len);

    if (n == NGX_ERROR || n < 1 || n > 64) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\": must be 1 to 64",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    scf->connections = n;

    return NGX_CONF_OK;
}


static void *
ngx_http_9p_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_9p_main_conf_t  *mcf;

    mcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_9p_main_conf_t));
    if (mcf == NULL) {
        return NULL;
    }

    if (ngx_array_init(&mcf->services, cf->pool, 4,
                       sizeof(ngx_http_9p_service_t *))
        != NGX_OK
        || ngx_array_init(&mcf->checked, cf->pool, 4,
                          sizeof(ngx_http_9p_srv_conf_t *))
           != NGX_OK)
    {
        return NULL;
    }

    return mcf;
}


/*
 * Each upstream{} block's ninep_ssl directives must agree, and each
 * service must name an upstream{} block; this runs after the upstream
 * module has initialized them all.
 */

static char *
ngx_http_9p_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_9p_main_conf_t *mcf = conf;

    ngx_uint_t                      i;
    ngx_http_9p_service_t         **svc;
    ngx_http_upstream_main_conf_t  *umcf;
    ngx_http_upstream_srv_conf_t  **uscf;

    umcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_upstream_module);
    uscf = umcf->upstreams.elts;

    /* every upstream{} block's TLS, whoever uses it */
    for (i = 0; i < umcf->upstreams.nelts; i++) {
        if (uscf[i]->srv_conf != NULL
            && ngx_http_9p_tls_init(cf, uscf[i]) != NGX_CONF_OK)
        {
            return NGX_CONF_ERROR;
        }
    }

    svc = mcf->services.elts;

    for (i = 0; i < mcf->services.nelts; i++) {
        if (ngx_http_9p_service_upstream(cf, umcf, svc[i]) != NGX_CONF_OK) {
            return NGX_CONF_ERROR;
        }
    }

    /* the stream module's servers may use the rest: it checks then */
    if (ngx_http_9p_stream_loaded(cf->cycle)) {
        return NGX_CONF_OK;
    }

    return ngx_http_9p_checks_used(cf, mcf);
}


/*
 * A service's upstream{} block, found by name among http{}'s (the stream
 * module's servers name them too); it is then in use.
 */

char *
ngx_http_9p_service_upstream(ngx_conf_t *cf,
    ngx_http_upstream_main_conf_t *umcf, ngx_http_9p_service_t *svc)
{
    ngx_uint_t                      i;
    ngx_http_9p_srv_conf_t         *scf;
    ngx_http_upstream_srv_conf_t  **uscf;

    uscf = umcf->upstreams.elts;

    for (i = 0; i < umcf->upstreams.nelts; i++) {
        if (uscf[i]->srv_conf != NULL
            && uscf[i]->host.len == svc->upstream_name.len
            && ngx_strncasecmp(uscf[i]->host.data, svc->upstream_name.data,
                               uscf[i]->host.len)
               == 0)
        {
            svc->upstream = uscf[i];
            break;
        }
    }

    if (svc->upstream == NULL) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "\"ninep_service\" %V: no upstream block named "
                      "\"%V\" in %s:%ui", &svc->name, &svc->upstream_name,
                      svc->file, svc->line);
        return NGX_CONF_ERROR;
    }

    if (ngx_http_9p_no_keepalive(cf, svc) != NGX_CONF_OK) {
        return NGX_CONF_ERROR;
    }

    scf = svc->upstream->srv_conf[ngx_http_9p_module.ctx_index];
    scf->used = 1;

    return NGX_CONF_OK;
}


/* A health check of servers no session ever reaches is a mistake. */

char *
ngx_http_9p_checks_used(ngx_conf_t *cf, ngx_http_9p_main_conf_t *mcf)
{
    ngx_uint_t                i;
    ngx_http_9p_srv_conf_t  **checked;

    checked = mcf->checked.elts;

    for (i = 0; i < mcf->checked.nelts; i++) {
        if (!checked[i]->used) {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "\"ninep_check\" in upstream \"%V\", which no "
                          "\"ninep_service\" uses, in %s:%ui",
                          &checked[i]->upstream->host, checked[i]->check_file,
                          checked[i]->check_line);
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}


static ngx_uint_t
ngx_http_9p_stream_loaded(ngx_cycle_t *cycle)
{
    ngx_uint_t  i;

    for (i = 0; cycle->modules[i]; i++) {
        if (ngx_strcmp(cycle->modules[i]->name, "ngx_stream_9p_module") == 0) {
            return 1;
        }
    }

    return 0;
}


/*
 * The kernel keeps its own connections to a service (ninep_connections),
 * so the keepalive module's cache of idle connections is never used.
 * Its configuration is private to it: only the first field is read (see
 * ngx_http_9p_keepalive_conf_t), since the other ways to tell, the
 * init_upstream and peer.init it puts in the upstream, are static
 * functions of that module.
 */

static char *
ngx_http_9p_no_keepalive(ngx_conf_t *cf, ngx_http_9p_service_t *svc)
{
    ngx_http_upstream_srv_conf_t  *us;
    ngx_http_9p_keepalive_conf_t  *kcf;

    us = svc->upstream;
    kcf = ngx_http_conf_upstream_srv_conf(us,
                                          ngx_http_upstream_keepalive_module);

    if (kcf->max_cached == 0) {
        return NGX_CONF_OK;
    }

    ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                  "\"keepalive\" in upstream \"%V\" does nothing for "
                  "\"ninep_service\" %V: the kernel keeps its own "
                  "connections; use \"ninep_connections N\" instead, "
                  "in %s:%ui", &us->host, &svc->name, us->file_name, us->line);

    return NGX_CONF_ERROR;
}


static void *
ngx_http_9p_create_srv_conf(ngx_conf_t *cf)
{
    ngx_http_9p_srv_conf_t  *scf;

    scf = ngx_pcalloc(cf->pool, sizeof(ngx_http_9p_srv_conf_t));
    if (scf == NULL) {
        return NULL;
    }

    scf->connections = NGX_CONF_UNSET_UINT;
    scf->ssl = NGX_CONF_UNSET;
    scf->ssl_verify = NGX_CONF_UNSET;
    scf->ssl_session_reuse = NGX_CONF_UNSET;

    return scf;
}
