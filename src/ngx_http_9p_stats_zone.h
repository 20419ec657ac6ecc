
/*
 * Ten: the layout of the status zone, shared by the file that counts
 * into it (ngx_http_9p_stats.c) and the one that shows it
 * (ngx_http_9p_status.c); nothing else includes this.
 *
 * The zone holds one ngx_http_9p_zone_t: the kernel's own counters, a
 * slot per worker, and a list of rows, one per service and one per
 * server of each service, found by name.  Rows are only ever added: a
 * reload that drops a server leaves its row (unlisted), and a worker of
 * the old configuration that still counts into a row counts into the
 * one the new workers use.  Counters are ngx_atomic_t, moved with
 * ngx_atomic_fetch_add, read without locks.
 */

#ifndef _NGX_HTTP_9P_STATS_ZONE_H_INCLUDED_
#define _NGX_HTTP_9P_STATS_ZONE_H_INCLUDED_


#include "ngx_http_9p.h"
#include "ngx_http_9p_stats.h"


#define NGX_HTTP_9P_TYPES        (NINEP_RWSTAT - NINEP_TVERSION + 1)
#define NGX_HTTP_9P_REQUESTS     (NGX_HTTP_9P_TYPES / 2)

/* how a request ended */
#define NGX_HTTP_9P_OK           0
#define NGX_HTTP_9P_ERROR        1
#define NGX_HTTP_9P_FLUSHED      2
#define NGX_HTTP_9P_LOST         3
#define NGX_HTTP_9P_RESULTS      4

/* why an attach was refused; the last is any other reason */
#define NGX_HTTP_9P_REFUSALS     9

/* latency buckets, in microseconds; one more counts the rest (+Inf) */
#define NGX_HTTP_9P_BUCKETS      17

/* the workers a status shows (ngx_worker below this) */
#define NGX_HTTP_9P_WORKERS      64

#define NGX_HTTP_9P_ROW_NAME     192

/* what "ninep_status sessions" adds to the zone (ninep_status_zone) */
#define NGX_HTTP_9P_LISTED_ZONE  (4 * 1024 * 1024)


struct ngx_http_9p_row_s {
    ngx_http_9p_row_t          *next;
    ngx_atomic_t                connections;    /* ready now */
    ngx_atomic_t                in_flight;
    ngx_atomic_t                latency[NGX_HTTP_9P_BUCKETS + 1];
    ngx_atomic_t                latency_us;     /* their sum */
    ngx_atomic_t                errors;         /* Rerror from it */
    ngx_atomic_t                connect_failures;
    ngx_atomic_t                lost;           /* ready ones that broke */
    ngx_atomic_t                fails;          /* connect failures in a
                                                   row, for the circuit */
    ngx_atomic_t                failed_at;      /* ngx_current_msec */
    ngx_atomic_t                retry_at;       /* a service: its pools
                                                   wait to connect */
    size_t                      name_len;       /* "service upstream
                                                   [server]" */
    u_char                      name[NGX_HTTP_9P_ROW_NAME];
};


/* A session on the status page (ninep_status sessions). */
struct ngx_http_9p_listed_s {
    ngx_http_9p_listed_t       *next;
    ngx_http_9p_listed_t       *prev;
    ngx_atomic_t                id;         /* $ninep_session */
    ngx_atomic_t                pid;
    ngx_atomic_t                started;    /* ngx_time() */
    ngx_atomic_t                requests;
    ngx_atomic_t                bytes_in;
    ngx_atomic_t                bytes_out;
    ngx_atomic_t                entries;    /* in its namespace */
    u_char                     *ns;         /* /dev/ns, in the zone */
    size_t                      ns_len;
    u_char                      user[TEN_NAME_MAX + 1];
    u_char                      addr[NGX_SOCKADDR_STRLEN + 1];
};


typedef struct {
    ngx_atomic_t                pid;
    ngx_atomic_t                rescue;         /* in rescue mode */
    ngx_atomic_t                rescue_since;   /* ngx_time() */
} ngx_http_9p_worker_t;


typedef struct {
    ngx_atomic_t                magic;      /* this layout's */
    ngx_atomic_t                sessions;
    ngx_atomic_t                sessions_by[NGX_HTTP_9P_TRANSPORTS]
                                           [NGX_HTTP_9P_ATTACH_KINDS + 1];
                                            /* none yet, then each kind */
    ngx_atomic_t                sessions_total[NGX_HTTP_9P_TRANSPORTS];
    ngx_atomic_t                attaches[NGX_HTTP_9P_ATTACH_KINDS][2];
    ngx_atomic_t                refusals[NGX_HTTP_9P_REFUSALS];
    ngx_atomic_t                messages[NGX_HTTP_9P_TYPES];
    ngx_atomic_t                requests[NGX_HTTP_9P_REQUESTS]
                                        [NGX_HTTP_9P_RESULTS];
    ngx_atomic_t                bytes_in;
    ngx_atomic_t                bytes_out;
    ngx_atomic_t                recoveries[2];      /* failed, ok */
    ngx_atomic_t                resends;
    ngx_atomic_t                cache[NGX_HTTP_9P_CACHES][2];  /* miss, hit */
    ngx_atomic_t                started;            /* ngx_time() */
    ngx_http_9p_worker_t        workers[NGX_HTTP_9P_WORKERS];
    ngx_http_9p_row_t          *rows;
    ngx_http_9p_listed_t       *listed;     /* under the zone's mutex */
    ngx_atomic_t                unlisted;   /* no room for them */
} ngx_http_9p_zone_t;

#define NGX_HTTP_9P_ZONE_MAGIC                                              \
    (0x9f00000000ULL + sizeof(ngx_http_9p_zone_t)                          \
     + (sizeof(ngx_http_9p_row_t) << 16) + sizeof(ngx_http_9p_listed_t))


/* The rows this worker shows, in the order of the configuration. */
typedef struct {
    ngx_http_9p_service_t      *service;
    ngx_http_upstream_rr_peer_t *peer;      /* NULL: the service's row */
    ngx_uint_t                  n;          /* the peer's place in us */
    ngx_http_9p_row_t          *row;
} ngx_http_9p_row_ref_t;


extern ngx_http_9p_zone_t      *ngx_http_9p_zone;
extern ngx_slab_pool_t         *ngx_http_9p_zone_pool;
extern ngx_array_t              ngx_http_9p_row_refs;  /* of row_ref_t */

extern const char              *ngx_http_9p_attach_kinds[];
extern const char              *ngx_http_9p_session_kinds[];
extern const char              *ngx_http_9p_transports[];
extern const char              *ngx_http_9p_results[];
extern const char              *ngx_http_9p_refusals[];
extern const char              *ngx_http_9p_caches[];
extern const ngx_uint_t         ngx_http_9p_buckets[];


#endif /* _NGX_HTTP_9P_STATS_ZONE_H_INCLUDED_ */
