
/*
 * Ten: the kernel's counters (ngx_http_9p_stats.c) and the status handler
 * that shows them (ninep_status) as text, JSON or Prometheus.
 *
 * The counters live in one shared memory zone that every worker adds to
 * with atomic increments, so a status request sees the whole server; the
 * zone is made only when a location says ninep_status, and without it
 * every counting call returns at once.
 */

#ifndef _NGX_HTTP_9P_STATS_H_INCLUDED_
#define _NGX_HTTP_9P_STATS_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_9p.h"


typedef enum {
    NGX_HTTP_9P_ATTACH_BOOTSTRAP = 0,
    NGX_HTTP_9P_ATTACH_TICKET,
    NGX_HTTP_9P_ATTACH_RESCUE,
    NGX_HTTP_9P_ATTACH_KINDS
} ngx_http_9p_attach_kind_e;


#define NGX_HTTP_9P_CLOSED_BY_CLIENT  1
#define NGX_HTTP_9P_CLOSED_BY_SERVER  2


/* A session began (+1) or ended (-1). */
void ngx_http_9p_stats_session(ngx_http_9p_session_t *s, ngx_int_t delta);

/* An attach of a kind answered: Rattach as user, or Rerror (user NULL). */
void ngx_http_9p_stats_attach(ngx_http_9p_session_t *s, ngx_uint_t kind,
    const char *user);

/* A message from the client (a T-message of len bytes), or to it. */
void ngx_http_9p_stats_in(ngx_http_9p_session_t *s, ngx_uint_t type,
    size_t len);
void ngx_http_9p_stats_out(ngx_http_9p_session_t *s, ninep_fcall_t *r,
    size_t len);

/* A request of type that ended without a reply: flushed or abandoned. */
void ngx_http_9p_stats_flushed(ngx_uint_t type);

/* The first close frame, and who sent it, for $ninep_close. */
void ngx_http_9p_stats_closed(ngx_http_9p_session_t *s, ngx_uint_t by,
    ngx_uint_t code);

/* The session's user in the error log's lines about it. */
void ngx_http_9p_stats_log(ngx_http_request_t *r);

/* $ninep_user, $ninep_session, ...: for log_format (preconfiguration). */
ngx_int_t ngx_http_9p_stats_variables(ngx_conf_t *cf);

/* "ninep_status;": the location answers with the counters. */
char *ngx_http_9p_status(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);

/* In each worker: where the zone's counters are, if there is one. */
ngx_int_t ngx_http_9p_stats_init_process(ngx_cycle_t *cycle);


#endif /* _NGX_HTTP_9P_STATS_H_INCLUDED_ */
