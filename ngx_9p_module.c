
/*
 * Ten: module glue -- directives, configuration, the content handler.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_9p.h"


static char *ngx_http_9p(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
static char *ngx_http_9p_check_msize(ngx_conf_t *cf, void *post, void *data);
static char *ngx_http_9p_allowed_origins(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static void *ngx_http_9p_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_9p_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);


static ngx_conf_post_handler_pt  ngx_http_9p_msize_post =
    ngx_http_9p_check_msize;


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

      ngx_null_command
};


static ngx_http_module_t  ngx_http_9p_module_ctx = {
    NULL,                                  /* preconfiguration */
    NULL,                                  /* postconfiguration */

    NULL,                                  /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
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
    NULL,                                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_int_t
ngx_http_9p_handler(ngx_http_request_t *r)
{
    return ngx_http_9p_handshake(r);
}


static char *
ngx_http_9p(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    if (clcf->handler != NULL) {
        return "is duplicate or conflicts with another content handler";
    }

    clcf->handler = ngx_http_9p_handler;

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


/* Every argument, and every repetition of the directive, adds origins. */

static char *
ngx_http_9p_allowed_origins(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_9p_loc_conf_t *lcf = conf;

    ngx_str_t   *value, *origin;
    ngx_uint_t   i;

    if (lcf->allowed_origins == NGX_CONF_UNSET_PTR) {
        lcf->allowed_origins = ngx_array_create(cf->pool, 4,
                                                sizeof(ngx_str_t));
        if (lcf->allowed_origins == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {
        if (value[i].len == 0 || value[i].data[value[i].len - 1] == '/') {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid origin \"%V\": an origin is "
                               "scheme://host[:port] with no path",
                               &value[i]);
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


static void *
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

    return conf;
}


static char *
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

    return NGX_CONF_OK;
}
