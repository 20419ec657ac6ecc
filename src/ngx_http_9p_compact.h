
/*
 * Ten: a WebSocket session's HTTP request made small once the 101 has
 * gone out (ngx_http_9p_compact.c): copied into a pool of the size it
 * needs, its parsing pool and client header buffers freed.
 */

#ifndef _NGX_HTTP_9P_COMPACT_H_INCLUDED_
#define _NGX_HTTP_9P_COMPACT_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


/*
 * The copy of r that the connection now serves (r is freed), or NULL if
 * r was left as it was.  keep is the one pool cleanup r may have (the
 * session's own): it moves to the copy.
 */
ngx_http_request_t *ngx_http_9p_request_compact(ngx_http_request_t *r,
    ngx_pool_cleanup_pt keep);


#endif /* _NGX_HTTP_9P_COMPACT_H_INCLUDED_ */
