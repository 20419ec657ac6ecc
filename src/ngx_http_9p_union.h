
/*
 * Ten: union directories (ngx_http_9p_union.c): listings the kernel
 * composes, and creates that go to a union's -c member.
 */

#ifndef _NGX_HTTP_9P_UNION_H_INCLUDED_
#define _NGX_HTTP_9P_UNION_H_INCLUDED_


#include "ngx_http_9p_req.h"


/* Answers Tread t of merged directory f from its composed listing. */
ngx_int_t ngx_http_9p_union_read(ngx_http_9p_session_t *s,
    ngx_http_9p_fid_t *f, ninep_fcall_t *t);

/* The mount a Tcreate in directory f goes to (f->mount if no union). */
ngx_http_9p_mount_t *ngx_http_9p_union_creator(ngx_http_9p_fid_t *f);
/* Answers Tcreate t in f on union member m (not f's own mount). */
ngx_int_t ngx_http_9p_union_create(ngx_http_9p_session_t *s,
    ngx_http_9p_fid_t *f, ninep_fcall_t *t, ngx_http_9p_mount_t *m);


#endif /* _NGX_HTTP_9P_UNION_H_INCLUDED_ */
