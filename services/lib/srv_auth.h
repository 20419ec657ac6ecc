
/*
 * Ten: ten-auth-1 on an auth fid, the server side (DESIGN.md §2).
 */

#ifndef _SRV_AUTH_H_INCLUDED_
#define _SRV_AUTH_H_INCLUDED_


#include "srv.h"


/* Tauth: starts a conversation on the new auth fid and answers Rauth. */
void srv_auth_start(srv_req_t *r, const uint8_t *identity,
    const ten_trust_t *trust, const char *server);

/* Any request on an auth fid: Twrite hello/proof, Tread, Tclunk. */
void srv_auth_io(srv_req_t *r, const uint8_t *identity,
    const ten_trust_t *trust);

/* Whether the conversation proved principal uname. */
int srv_auth_done(const srv_auth_t *a, const char *uname);
unsigned srv_auth_roles(const srv_auth_t *a);

void srv_auth_free(srv_auth_t *a);


#endif /* _SRV_AUTH_H_INCLUDED_ */
