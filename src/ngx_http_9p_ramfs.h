
/*
 * Ten: the rescue file system -- a small tree in the worker's memory that
 * is "/" of bootstrap sessions while the boot service cannot be reached.
 */

#ifndef _NGX_HTTP_9P_RAMFS_H_INCLUDED_
#define _NGX_HTTP_9P_RAMFS_H_INCLUDED_


#include "ngx_http_9p.h"


typedef struct ngx_http_9p_rnode_s  ngx_http_9p_rnode_t;


/*
 * The worker's tree, made on first use: a root everyone may write, with a
 * README saying why the system is in rescue mode.  max bounds the bytes
 * it holds; reason replaces the README's last line.
 */
ngx_http_9p_rnode_t *ngx_http_9p_ramfs_root(size_t max, ngx_str_t *reason);

void ngx_http_9p_rnode_ref(ngx_http_9p_rnode_t *n);
void ngx_http_9p_rnode_unref(ngx_http_9p_rnode_t *n);

/* The child called name, or the parent for ".."; NULL if none. */
ngx_http_9p_rnode_t *ngx_http_9p_rnode_walk(ngx_http_9p_rnode_t *n,
    u_char *name, size_t len);
ngx_uint_t ngx_http_9p_rnode_isdir(ngx_http_9p_rnode_t *n);
void ngx_http_9p_rnode_qid(ngx_http_9p_rnode_t *n, ninep_qid_t *qid);
void ngx_http_9p_rnode_stat(ngx_http_9p_rnode_t *n, ninep_stat_t *st);

/*
 * Changes, each NULL or the reason for an Rerror.  create gives the new
 * node in *out (a reference for the caller).
 */
const char *ngx_http_9p_rnode_open(ngx_http_9p_rnode_t *n, uint8_t mode);
const char *ngx_http_9p_rnode_create(ngx_http_9p_rnode_t *dir, u_char *name,
    size_t len, uint32_t perm, const char *user, ngx_http_9p_rnode_t **out);
const char *ngx_http_9p_rnode_write(ngx_http_9p_rnode_t *n, uint64_t offset,
    const u_char *data, size_t len, const char *user);
const char *ngx_http_9p_rnode_remove(ngx_http_9p_rnode_t *n);
const char *ngx_http_9p_rnode_wstat(ngx_http_9p_rnode_t *n,
    ninep_stat_t *st);

/*
 * Reads: a file's bytes from offset; a directory's entries as stat(5)
 * records, whole ones only (possibly none), from the entry index *at.
 * The bytes given.
 */
size_t ngx_http_9p_rnode_read(ngx_http_9p_rnode_t *n, uint64_t offset,
    u_char *buf, size_t len);
size_t ngx_http_9p_rnode_readdir(ngx_http_9p_rnode_t *n, ngx_uint_t *at,
    u_char *buf, size_t len);


#endif /* _NGX_HTTP_9P_RAMFS_H_INCLUDED_ */
