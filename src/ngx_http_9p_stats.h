
/*
 * Ten: the kernel's counters (ngx_http_9p_stats.c), shown by the status
 * handler (ngx_http_9p_status.c), and the $ninep_* variables.
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

typedef enum {
    NGX_HTTP_9P_CACHE_TICKETS = 0,      /* ninep_ticket_cache */
    NGX_HTTP_9P_CACHE_KEYS,             /* factotum's /keys */
    NGX_HTTP_9P_CACHES
} ngx_http_9p_cache_e;

/* one service's, or one of its servers', numbers in the zone */
typedef struct ngx_http_9p_row_s  ngx_http_9p_row_t;

/* a session's line on the status page */
typedef struct ngx_http_9p_listed_s  ngx_http_9p_listed_t;

/* a namespace (ngx_http_9p_mnt.h) */
struct ngx_http_9p_ns_s;


/*
 * A session began (+1) or ended (-1); with "ninep_status sessions" it is
 * listed meanwhile, and a WebSocket session's error-log lines name its
 * user once it has one.
 */
void ngx_http_9p_stats_session(ngx_http_9p_session_t *s, ngx_int_t delta);

/* A listed session's namespace is now ns (after an attach or nsctl). */
void ngx_http_9p_stats_namespace(ngx_http_9p_session_t *s,
    struct ngx_http_9p_ns_s *ns);

/*
 * An attach of a kind answered: Rattach as user, or Rerror (user NULL)
 * saying why.
 */
void ngx_http_9p_stats_attach(ngx_http_9p_session_t *s, ngx_uint_t kind,
    const char *user, const char *why);

/* A message from the client (a T-message of len bytes), or to it. */
void ngx_http_9p_stats_in(ngx_http_9p_session_t *s, ngx_uint_t type,
    size_t len);
void ngx_http_9p_stats_out(ngx_http_9p_session_t *s, ninep_fcall_t *r,
    size_t len);

/* A request of type that ended without a reply: flushed or abandoned. */
void ngx_http_9p_stats_flushed(ngx_uint_t type);

typedef enum {
    NGX_HTTP_9P_RESENT = 0,         /* a request lost with its connection,
                                       sent again */
    NGX_HTTP_9P_RECOVERED,          /* a stale fid made again */
    NGX_HTTP_9P_UNRECOVERED         /* one that could not be */
} ngx_http_9p_recovery_e;

/* A step of recovery after a connection died. */
void ngx_http_9p_stats_recovery(ngx_uint_t what);

/* A lookup in one of the worker's caches. */
void ngx_http_9p_stats_cache(ngx_uint_t cache, ngx_uint_t hit);

/* This worker's rescue mode began (1) or ended (0). */
void ngx_http_9p_stats_rescue(ngx_uint_t on);

/*
 * The rows of a service and of the server of it a connection reached
 * (its name as the balancer gave it, in pc.name); NULL without a zone.
 */
ngx_http_9p_row_t *ngx_http_9p_stats_row(ngx_http_9p_service_t *svc,
    ngx_str_t *server);

typedef enum {
    NGX_HTTP_9P_CONN_READY = 0,
    NGX_HTTP_9P_CONN_GONE,          /* a ready one, closed by the worker */
    NGX_HTTP_9P_CONN_BROKEN,        /* a ready one that broke */
    NGX_HTTP_9P_CONN_FAILED         /* a connect or handshake that failed
                                       (row: the service's if no server
                                       was there to try) */
} ngx_http_9p_conn_event_e;

/* What became of a connection to a server. */
void ngx_http_9p_stats_conn(ngx_http_9p_row_t *row, ngx_uint_t event);

/*
 * A request sent to a server (returns when, for ..._answered) and its
 * end (r: its reply, NULL for none).
 */
uint64_t ngx_http_9p_stats_sent(ngx_http_9p_row_t *row);
void ngx_http_9p_stats_answered(ngx_http_9p_row_t *row, uint64_t sent,
    ninep_fcall_t *r);

/* A service's pools wait until retry_at to connect again (0: they do not). */
void ngx_http_9p_stats_circuit(ngx_http_9p_row_t *row, ngx_msec_t retry_at);

/* The first close frame, and who sent it, for $ninep_close. */
void ngx_http_9p_stats_closed(ngx_http_9p_session_t *s, ngx_uint_t by,
    ngx_uint_t code);


/* the $ninep_* variables */
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

/* room for the longest value */
#define NGX_HTTP_9P_VAR_LEN  (NGX_OFF_T_LEN + TEN_NAME_MAX + 16)

/* A session's value of variable which, written at p: p past its end. */
u_char *ngx_http_9p_stats_value(ngx_http_9p_session_t *s, ngx_uint_t which,
    u_char *p);

/* $ninep_user, $ninep_session, ...: for log_format (preconfiguration). */
ngx_int_t ngx_http_9p_stats_variables(ngx_conf_t *cf);

/*
 * After the configuration: the zone, if a location says ninep_status,
 * sized for the servers it counts.
 */
ngx_int_t ngx_http_9p_stats_postconfiguration(ngx_conf_t *cf);

/* In each worker: where the zone's counters are, if there is one. */
ngx_int_t ngx_http_9p_stats_init_process(ngx_cycle_t *cycle);
void ngx_http_9p_stats_exit_process(void);


#endif /* _NGX_HTTP_9P_STATS_H_INCLUDED_ */
