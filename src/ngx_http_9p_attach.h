
/*
 * Ten: attach and the namespace it builds (ngx_http_9p_attach.c):
 * tickets checked, /lib/namespace read and made, entry by entry, and
 * /dev/nsctl changing or resetting a fid's namespace.
 */

#ifndef _NGX_HTTP_9P_ATTACH_H_INCLUDED_
#define _NGX_HTTP_9P_ATTACH_H_INCLUDED_


#include "ngx_http_9p_req.h"


/* Answers (now or later) the Tattach t of session s. */
ngx_int_t ngx_http_9p_attach(ngx_http_9p_session_t *s, ninep_fcall_t *t);

/* Answers Twrite t of the namespace lines to /dev/nsctl fid f. */
ngx_int_t ngx_http_9p_nsctl(ngx_http_9p_session_t *s, ngx_http_9p_fid_t *f,
    ninep_fcall_t *t);


#endif /* _NGX_HTTP_9P_ATTACH_H_INCLUDED_ */
