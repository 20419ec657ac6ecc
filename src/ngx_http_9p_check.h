
/*
 * Ten: active health checks of 9P upstream servers (ninep_check).
 */

#ifndef _NGX_HTTP_9P_CHECK_H_INCLUDED_
#define _NGX_HTTP_9P_CHECK_H_INCLUDED_


#include "ngx_http_9p.h"


/* "ninep_check interval= timeout= fails= passes=" in upstream{} */
char *ngx_http_9p_check_conf(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

/* Each worker probes its share of the servers, from its start on. */
ngx_int_t ngx_http_9p_check_init_process(ngx_cycle_t *cycle);
void ngx_http_9p_check_exit_process(void);

/*
 * Before the balancer picks a server of us: the ones the checks found
 * down are marked down for it (those down in the configuration stay so).
 */
void ngx_http_9p_check_sync(ngx_http_upstream_srv_conf_t *us);

/*
 * The checks' word on the n-th server of us: down or not, and when that
 * last changed (0: not since the zone began); NGX_DECLINED if unchecked.
 */
ngx_int_t ngx_http_9p_check_state(ngx_http_upstream_srv_conf_t *us,
    ngx_uint_t n, ngx_uint_t *down, time_t *changed);

/*
 * The n-th server of us, the primary ones first, then the backups (the
 * order of the checks' slots and of the status page); 0 past the last.
 * And how many servers us has.
 */
ngx_uint_t ngx_http_9p_upstream_peer(ngx_http_upstream_srv_conf_t *us,
    ngx_uint_t n, ngx_http_upstream_rr_peer_t **peer);
ngx_uint_t ngx_http_9p_upstream_npeers(ngx_http_upstream_srv_conf_t *us);


#endif /* _NGX_HTTP_9P_CHECK_H_INCLUDED_ */
