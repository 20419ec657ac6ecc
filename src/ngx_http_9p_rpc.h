
/*
 * Ten: the kernel's 9P client operations on its services
 * (ngx_http_9p_rpc.c), on behalf of a request.
 */

#ifndef _NGX_HTTP_9P_RPC_H_INCLUDED_
#define _NGX_HTTP_9P_RPC_H_INCLUDED_


#include "ngx_http_9p_req.h"


/* the err of a reply that is an Rerror: its words are in r->ename */
extern const char  ngx_http_9p_rerror[];
/* the err of a file read whole that is longer than asked for */
extern const char  ngx_http_9p_too_long[];

/* Why a reply is not the one asked for, in words: an Rerror's, or err. */
void ngx_http_9p_why(ninep_fcall_t *r, const char *err, ngx_str_t *why);

/*
 * Sends t on b for cr; handler gets the reply through the funnel (see
 * ngx_http_9p_rpc.c).  NGX_ERROR when it cannot be sent: cr has then been
 * answered with the reason.
 */
ngx_int_t ngx_http_9p_send(ngx_http_9p_creq_t *cr, ngx_http_9p_backend_t *b,
    ninep_fcall_t *t, ngx_http_9p_rpc_pt handler);

/*
 * cr's connection died under the client's own message: NGX_OK when cr
 * was sent again or answered for that; NGX_DECLINED leaves it to the
 * caller.
 */
ngx_int_t ngx_http_9p_lost(ngx_http_9p_creq_t *cr);

/* Tattach of m's root as cr->ns's user into cr->nbfid, on cr->backend. */
ngx_int_t ngx_http_9p_mount_root(ngx_http_9p_creq_t *cr,
    ngx_http_9p_mount_t *m, ngx_http_9p_rpc_pt handler);
/*
 * Twalk on m's connection, cr's from now on, from m's root to path
 * (m->path: a clone of the root) into a new backend fid, cr->nbfid.
 * NGX_DECLINED: path is more than 16 names below m; NGX_ERROR: no fid
 * left.  Nothing is sent then.
 */
ngx_int_t ngx_http_9p_walk_root(ngx_http_9p_creq_t *cr,
    ngx_http_9p_mount_t *m, u_char *path, size_t len,
    ngx_http_9p_rpc_pt handler);
/* Topen in mode of the fid cr->nbfid a walk just made (cr owns it). */
void ngx_http_9p_open_walked(ngx_http_9p_creq_t *cr, uint8_t mode,
    ngx_http_9p_rpc_pt handler);
/* Tread of fid at cr->offset: at most max bytes, and what msize allows. */
void ngx_http_9p_read_at(ngx_http_9p_creq_t *cr, uint32_t fid, uint64_t max,
    ngx_http_9p_rpc_pt handler);
/*
 * Reads the file at path of cr->backend's service whole, as the kernel,
 * into cr->buf and cr->len, at most max bytes; then done(cr, r, err): err
 * NULL, or why not (ngx_http_9p_too_long, an Rerror, a short walk).
 */
void ngx_http_9p_read_whole(ngx_http_9p_creq_t *cr, u_char *path,
    size_t len, size_t max, ngx_http_9p_rpc_pt done);
/* *bp, *fid take cr's connection (a reference) and fid *from (then NOFID). */
void ngx_http_9p_creq_give(ngx_http_9p_creq_t *cr,
    ngx_http_9p_backend_t **bp, uint32_t *fid, uint32_t *from);
/* A namespace's drop function: an entry's root fid is clunked. */
void ngx_http_9p_entry_drop(ngx_http_9p_mount_t *m);


#endif /* _NGX_HTTP_9P_RPC_H_INCLUDED_ */
