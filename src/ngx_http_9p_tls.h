
/*
 * Ten: TLS on the kernel's connections to the 9P services (ninep_ssl in
 * upstream{}), through nginx's own SSL machinery.
 */

#ifndef _NGX_HTTP_9P_TLS_H_INCLUDED_
#define _NGX_HTTP_9P_TLS_H_INCLUDED_


#include "ngx_http_9p.h"


/*
 * nginx -t: an upstream's ninep_ssl directives must agree; with
 * "ninep_ssl on" its TLS 1.3 client context is made.
 */
char *ngx_http_9p_tls_init(ngx_conf_t *cf, ngx_http_upstream_srv_conf_t *us);

/*
 * Starts the handshake on pc's connection (once connected, or refused),
 * resuming the session pc->set_session gives, if any; save (or NULL)
 * keeps the new sessions.  NGX_AGAIN: done(c) runs when it ends;
 * otherwise it ended.
 */
ngx_int_t ngx_http_9p_tls_start(ngx_http_9p_srv_conf_t *scf,
    ngx_peer_connection_t *pc, ngx_connection_handler_pt done,
    ngx_connection_handler_pt save);

/*
 * After done(c): NULL when the handshake worked and the server's
 * certificate is trusted and names it (as ninep_ssl_verify asks), or why
 * not, for the error log.
 */
const char *ngx_http_9p_tls_verified(ngx_http_9p_srv_conf_t *scf,
    ngx_connection_t *c);

/* Closes pc's connection to a service, if it has one, TLS or not. */
void ngx_http_9p_tls_close(ngx_peer_connection_t *pc);


#endif /* _NGX_HTTP_9P_TLS_H_INCLUDED_ */
