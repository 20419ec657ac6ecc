
/*
 * Ten: the status handler (ninep_status), which shows the kernel's
 * counters (ngx_http_9p_stats.c) as text, JSON or Prometheus.
 */

#ifndef _NGX_HTTP_9P_STATUS_H_INCLUDED_
#define _NGX_HTTP_9P_STATUS_H_INCLUDED_


#include "ngx_http_9p.h"


/* "ninep_status [sessions];": the location answers with the counters. */
char *ngx_http_9p_status(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);

/* "ninep_status_zone size;": the zone's size instead of the reckoned one. */
char *ngx_http_9p_status_zone(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


#endif /* _NGX_HTTP_9P_STATUS_H_INCLUDED_ */
