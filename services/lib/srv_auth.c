
/*
 * Ten: ten-auth-1 on an auth fid, the server side.
 *
 * hello (write) -> server proof (read) -> client proof (write) -> done.
 * Any misstep fails the conversation for good: a new Tauth starts over
 * with fresh nonces, so nothing recorded from another one can be replayed.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "srv.h"
#include "srv_auth.h"


typedef enum {
    AUTH_HELLO,
    AUTH_SERVER,
    AUTH_PROOF,
    AUTH_DONE,
    AUTH_FAILED
} auth_state_t;


struct srv_auth_s {
    auth_state_t        state;
    char                uname[TEN_NAME_MAX + 1];
    ten_auth_t          a;
    unsigned            roles;
    uint8_t             pk[TEN_PK_LEN];
    char                reply[TEN_AUTH_MSG_MAX];
    size_t              reply_len;
};


static void auth_write(srv_req_t *r, srv_auth_t *a, const uint8_t *identity,
    const ten_trust_t *trust);
static void auth_read(srv_req_t *r, srv_auth_t *a);
static void auth_fail(srv_req_t *r, srv_auth_t *a, const char *why);


void
srv_auth_start(srv_req_t *r, const uint8_t *identity,
    const ten_trust_t *trust, const char *server)
{
    srv_auth_t     *a;
    ninep_fcall_t   f;
    static uint64_t path;

    (void) trust;

    if (identity == NULL) {
        srv_error(r, "authentication not required");
        return;
    }

    if (!ten_valid_name((const char *) r->t.uname.data, r->t.uname.len)) {
        srv_error(r, "ten-auth-1: invalid principal name");
        return;
    }

    a = calloc(1, sizeof(srv_auth_t));
    if (a == NULL) {
        srv_error(r, "out of memory");
        return;
    }

    memcpy(a->uname, r->t.uname.data, r->t.uname.len);
    snprintf(a->a.server, sizeof(a->a.server), "%s", server);
    r->fid->auth = a;

    memset(&f, 0, sizeof(f));
    f.type = NINEP_RAUTH;
    f.qid.type = NINEP_QTAUTH;
    f.qid.path = __atomic_add_fetch(&path, 1, __ATOMIC_RELAXED);

    srv_respond(r, &f);
}


void
srv_auth_io(srv_req_t *r, const uint8_t *identity, const ten_trust_t *trust)
{
    srv_auth_t     *a;
    ninep_fcall_t   f;

    a = r->fid->auth;

    switch (r->t.type) {

    case NINEP_TWRITE:
        auth_write(r, a, identity, trust);
        return;

    case NINEP_TREAD:
        auth_read(r, a);
        return;

    case NINEP_TCLUNK:
        memset(&f, 0, sizeof(f));
        f.type = NINEP_RCLUNK;
        srv_respond(r, &f);
        return;

    default:
        srv_error(r, "not allowed on an auth fid");
        return;
    }
}


static void
auth_write(srv_req_t *r, srv_auth_t *a, const uint8_t *identity,
    const ten_trust_t *trust)
{
    int                     n;
    const char             *msg;
    ninep_fcall_t           f;
    const ten_principal_t  *p;

    msg = (const char *) r->t.data;

    switch (a->state) {

    case AUTH_HELLO:
        if (ten_auth_parse_hello(msg, r->t.count, &a->a) < 0) {
            auth_fail(r, a, "ten-auth-1: malformed hello");
            return;
        }

        if (strcmp(a->a.principal, a->uname) != 0) {
            auth_fail(r, a, "ten-auth-1: hello names another principal "
                      "than Tauth");
            return;
        }

        p = trust ? ten_trust_find(trust, a->a.principal) : NULL;

        if (p == NULL) {
            srv_log("ten-auth-1: unknown principal %s", a->a.principal);
            auth_fail(r, a, "ten-auth-1: unknown principal");
            return;
        }

        memcpy(a->pk, p->pk, TEN_PK_LEN);
        a->roles = p->roles;
        ten_random(a->a.snonce, TEN_NONCE_LEN);

        n = ten_auth_server(&a->a, identity, a->reply, sizeof(a->reply));
        if (n < 0) {
            auth_fail(r, a, "ten-auth-1: cannot sign");
            return;
        }

        a->reply_len = n;
        a->state = AUTH_SERVER;
        break;

    case AUTH_PROOF:
        if (ten_auth_check_proof(msg, r->t.count, &a->a, a->pk) < 0) {
            srv_log("ten-auth-1: proof of %s does not verify",
                    a->a.principal);
            auth_fail(r, a, "ten-auth-1: authentication failed");
            return;
        }

        a->state = AUTH_DONE;
        break;

    case AUTH_SERVER:
        auth_fail(r, a, "ten-auth-1: read the server proof first");
        return;

    default:
        auth_fail(r, a, "ten-auth-1: conversation is over");
        return;
    }

    memset(&f, 0, sizeof(f));
    f.type = NINEP_RWRITE;
    f.count = r->t.count;
    srv_respond(r, &f);
}


static void
auth_read(srv_req_t *r, srv_auth_t *a)
{
    ninep_fcall_t  f;

    if (a->state != AUTH_SERVER && a->state != AUTH_PROOF) {
        auth_fail(r, a, "ten-auth-1: nothing to read; write hello first");
        return;
    }

    memset(&f, 0, sizeof(f));
    f.type = NINEP_RREAD;
    f.data = (const uint8_t *) a->reply;

    if (r->t.offset < a->reply_len) {
        f.data += r->t.offset;
        f.count = a->reply_len - r->t.offset;

        if (f.count > r->t.count) {
            f.count = r->t.count;
        }
    }

    if (r->t.offset + f.count >= a->reply_len) {
        a->state = AUTH_PROOF;
    }

    srv_respond(r, &f);
}


static void
auth_fail(srv_req_t *r, srv_auth_t *a, const char *why)
{
    a->state = AUTH_FAILED;
    sodium_memzero(&a->a, sizeof(a->a));
    srv_error(r, why);
}


int
srv_auth_done(const srv_auth_t *a, const char *uname)
{
    return a->state == AUTH_DONE && strcmp(a->a.principal, uname) == 0;
}


unsigned
srv_auth_roles(const srv_auth_t *a)
{
    return a->roles;
}


void
srv_auth_free(srv_auth_t *a)
{
    if (a) {
        sodium_memzero(a, sizeof(*a));
        free(a);
    }
}
