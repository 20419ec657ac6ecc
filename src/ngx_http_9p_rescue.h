
/*
 * Ten: the rescue tree as a kind of file (ngx_http_9p_rescue.c): the
 * worker's RAM tree that is / while the boot service is away.
 */

#ifndef _NGX_HTTP_9P_RESCUE_H_INCLUDED_
#define _NGX_HTTP_9P_RESCUE_H_INCLUDED_


#include "ngx_http_9p_req.h"


extern const ngx_http_9p_ops_t  ngx_http_9p_rescue_ops;


#endif /* _NGX_HTTP_9P_RESCUE_H_INCLUDED_ */
