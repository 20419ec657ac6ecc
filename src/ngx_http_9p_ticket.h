
/*
 * Ten: tickets as the kernel checks them (DESIGN.md §2): signed by a
 * certified, unexpired key, not expired, the path naming the ticket's
 * user and nonce.  The worker remembers the certificates of factotum's
 * /keys and the tickets it verified moments ago (ninep_ticket_cache).
 * Synchronous: reading the ticket and /keys is the attach's business.
 */

#ifndef _NGX_HTTP_9P_TICKET_H_INCLUDED_
#define _NGX_HTTP_9P_TICKET_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_http_9p.h"


/* the check's answer when no certified key has the ticket's key id */
extern const char  ngx_http_9p_unknown_key[];


/*
 * Checks a ticket's text against its path.  NULL: valid, t holds it (the
 * user in t->user); else why not.
 */
const char *ngx_http_9p_ticket_check(ngx_http_9p_loc_conf_t *conf,
    u_char *text, size_t len, u_char *path, size_t plen, ten_ticket_t *t);

/* The user of a ticket verified within ninep_ticket_cache, or NULL. */
const char *ngx_http_9p_ticket_cached(ngx_http_9p_loc_conf_t *conf,
    u_char *path, size_t len);

/*
 * Whether factotum's /keys should be read for keyid now: at once for a
 * key id not asked about last time (a rotation), else once a second.
 * A yes counts as asking.
 */
ngx_uint_t ngx_http_9p_keys_ask(ngx_http_9p_loc_conf_t *conf,
    const char *keyid);

/* The text of /keys: the certificates issuer signed replace the worker's. */
void ngx_http_9p_keys_install(ngx_http_9p_loc_conf_t *conf, u_char *text,
    size_t len, ngx_log_t *log);


#endif /* _NGX_HTTP_9P_TICKET_H_INCLUDED_ */
