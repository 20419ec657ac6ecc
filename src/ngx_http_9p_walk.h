
/*
 * Ten: Twalk through a session's namespace (ngx_http_9p_walk.c).
 */

#ifndef _NGX_HTTP_9P_WALK_H_INCLUDED_
#define _NGX_HTTP_9P_WALK_H_INCLUDED_


#include "ngx_http_9p_session.h"


/* Answers (now or later) the Twalk t of session s. */
ngx_int_t ngx_http_9p_walk(ngx_http_9p_session_t *s, ninep_fcall_t *t);

/*
 * Fills t's names with the path (len bytes) below mount m's point: the
 * walk that makes the same file again from m's root.
 */
void ngx_http_9p_walk_rel(ninep_fcall_t *t, ngx_http_9p_mount_t *m,
    u_char *path, size_t len);


#endif /* _NGX_HTTP_9P_WALK_H_INCLUDED_ */
