
/*
 * Ten: the kernel's configuration (ngx_9p_module.c) as the stream
 * module (ngx_stream_9p_module.c) shares it: a raw 9P server's
 * configuration is a kernel location's, made, merged and filled by the
 * same functions, and its services name http{}'s upstream blocks.
 */

#ifndef _NGX_HTTP_9P_CONF_H_INCLUDED_
#define _NGX_HTTP_9P_CONF_H_INCLUDED_


#include "ngx_http_9p.h"


/* A kernel configuration: made with every value unset, then merged. */
void *ngx_http_9p_create_loc_conf(ngx_conf_t *cf);
char *ngx_http_9p_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child);

/* The directives' own handlers, for conf = a kernel configuration. */
char *ngx_http_9p_identity(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
char *ngx_http_9p_trust(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
extern ngx_conf_post_handler_pt  ngx_http_9p_msize_post;
extern ngx_conf_num_bounds_t     ngx_http_9p_count_bounds;

/* "ninep_service name upstream [boot]" into lcf; NULL after an error. */
ngx_http_9p_service_t *ngx_http_9p_service_add(ngx_conf_t *cf,
    ngx_http_9p_loc_conf_t *lcf);

/* The service's upstream{} among http{}'s, which it then uses. */
char *ngx_http_9p_service_upstream(ngx_conf_t *cf,
    ngx_http_upstream_main_conf_t *umcf, ngx_http_9p_service_t *svc);

/* nginx -t refuses a ninep_check in an upstream no service uses. */
char *ngx_http_9p_checks_used(ngx_conf_t *cf, ngx_http_9p_main_conf_t *mcf);


#endif /* _NGX_HTTP_9P_CONF_H_INCLUDED_ */
