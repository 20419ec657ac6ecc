
/*
 * Ten: recovery from dead connections (ngx_http_9p_recover.c): stale fids
 * made again on their next use, mounts made again under a request.
 */

#ifndef _NGX_HTTP_9P_RECOVER_H_INCLUDED_
#define _NGX_HTTP_9P_RECOVER_H_INCLUDED_


#include "ngx_http_9p_req.h"


/* Whether m is a service's mount whose connection died. */
ngx_uint_t ngx_http_9p_mount_dead(ngx_http_9p_mount_t *m);

/* Answers (later) request t on stale fid f: f is made again first. */
ngx_int_t ngx_http_9p_recover(ngx_http_9p_session_t *s, ngx_http_9p_fid_t *f,
    ninep_fcall_t *t);

/*
 * Makes mount target live again for cr, then resume(cr); if it cannot
 * be, unmade(cr, why).
 */
void ngx_http_9p_remount(ngx_http_9p_creq_t *cr, ngx_http_9p_mount_t *target,
    void (*resume)(ngx_http_9p_creq_t *cr),
    void (*unmade)(ngx_http_9p_creq_t *cr, const char *ename));


#endif /* _NGX_HTTP_9P_RECOVER_H_INCLUDED_ */
