
/*
 * Ten: the kernel's own files as a kind of file (ngx_http_9p_kernfile.c):
 * /dev, /dev/user, /dev/sysname, /dev/ns, /dev/nsctl and the bootstrap
 * root, answered at once from the session itself.
 */

#ifndef _NGX_HTTP_9P_KERNFILE_H_INCLUDED_
#define _NGX_HTTP_9P_KERNFILE_H_INCLUDED_


#include "ngx_http_9p_req.h"


extern const ngx_http_9p_ops_t  ngx_http_9p_kernel_ops;


#endif /* _NGX_HTTP_9P_KERNFILE_H_INCLUDED_ */
