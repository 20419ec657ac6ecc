
/*
 * Ten: the kernel's own files.
 */

#ifndef _NGX_HTTP_9P_DEV_H_INCLUDED_
#define _NGX_HTTP_9P_DEV_H_INCLUDED_


#include "ngx_http_9p.h"


typedef enum {
    NGX_HTTP_9P_DEV_NONE = 0,
    NGX_HTTP_9P_DEV_ROOT,           /* "/" of the bootstrap namespace */
    NGX_HTTP_9P_DEV_DIR,            /* /dev */
    NGX_HTTP_9P_DEV_USER,
    NGX_HTTP_9P_DEV_SYSNAME,
    NGX_HTTP_9P_DEV_NS,
    NGX_HTTP_9P_DEV_NSCTL
} ngx_http_9p_devfile_e;


/* The file called name in kernel directory dir, or NGX_HTTP_9P_DEV_NONE. */
ngx_uint_t ngx_http_9p_dev_lookup(ngx_uint_t dir, u_char *name, size_t len);
ngx_uint_t ngx_http_9p_dev_isdir(ngx_uint_t file);
void ngx_http_9p_dev_qid(ngx_uint_t file, ninep_qid_t *qid);
void ngx_http_9p_dev_stat(ngx_uint_t file, ngx_str_t *name, const char *user,
    ninep_stat_t *st);

/*
 * Directory entries of dir at path, with the mount points right below it;
 * mounts is an array of pointers to entries that start with their path
 * (ngx_str_t).  The length, or -1 when buf is too small.
 */
ssize_t ngx_http_9p_dev_dir(ngx_uint_t dir, ngx_str_t *path,
    ngx_array_t *mounts, const char *user, u_char *buf, size_t len);


#endif /* _NGX_HTTP_9P_DEV_H_INCLUDED_ */
