
/*
 * Ten: a service's files as a kind of file (ngx_http_9p_forward.c):
 * requests forwarded on the fid's connection, replies passed back.
 */

#ifndef _NGX_HTTP_9P_FORWARD_H_INCLUDED_
#define _NGX_HTTP_9P_FORWARD_H_INCLUDED_


#include "ngx_http_9p_req.h"


extern const ngx_http_9p_ops_t  ngx_http_9p_service_ops;


#endif /* _NGX_HTTP_9P_FORWARD_H_INCLUDED_ */
