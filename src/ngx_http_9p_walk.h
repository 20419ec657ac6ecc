
/*
 * Ten: Twalk through a session's namespace (ngx_http_9p_walk.c).
 */

#ifndef _NGX_HTTP_9P_WALK_H_INCLUDED_
#define _NGX_HTTP_9P_WALK_H_INCLUDED_


#include "ngx_http_9p_req.h"


/* Answers (now or later) the Twalk t of session s. */
ngx_int_t ngx_http_9p_walk(ngx_http_9p_session_t *s, ninep_fcall_t *t);


#endif /* _NGX_HTTP_9P_WALK_H_INCLUDED_ */
