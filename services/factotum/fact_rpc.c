
/*
 * Ten: ten-factotum's /rpc conversations, one an open of /rpc:
 *
 *   proto=pass      "start proto=pass user=U", "pass P"; a read gives
 *                   "done ticket=PATH expires=T"
 *   proto=passwd    "start proto=passwd user=U", "pass OLD",
 *                   "newpass NEW"; a read gives "done"
 *   proto=webauthn  (with -R and -O) a passkey's ceremony:
 *     role=register "start proto=webauthn role=register user=U" (on U's
 *                   own session, or adm's); a read gives the options
 *                   for navigator.credentials.create ("options
 *                   challenge=C rp=R user=U userid=I alg=-7,-8 uv=...
 *                   [exclude=ID,...]"); "name TEXT" (optional);
 *                   "attestation OBJECT CLIENT-DATA"; a read gives
 *                   "done credential=ID"
 *     role=login    "start proto=webauthn role=login [user=U]"; a read
 *                   gives "options challenge=C rp=R uv=... [allow=ID,...]";
 *                   "assertion ID AUTH-DATA CLIENT-DATA SIGNATURE
 *                   [USER-HANDLE]"; a read gives "done ticket=PATH
 *                   expires=T", or the write fails as a wrong password
 *                   does, after the same delay
 *
 * Binary values are base64url without padding.  A challenge answers one
 * ceremony within FACT_CHALLENGE_TTL: a failed one starts over.
 */

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "fact_rpc.h"


#define RPC_PASS_PROTO      1
#define RPC_PASSWD_PROTO    2
#define RPC_WEBAUTHN_PROTO  3

#define WA_REGISTER         1
#define WA_LOGIN            2

#define FACT_CHALLENGE_TTL  300     /* seconds */

#define B64U                sodium_base64_VARIANT_URLSAFE_NO_PADDING


static void rpc_pass(srv_req_t *r, fact_fid_t *f, const char *user,
    char *pass);
static void rpc_failed(srv_req_t *r, fact_fid_t *f, const char *user);
static void rpc_failed_later(srv_req_t *r);
static void rpc_logged_in(srv_req_t *r, fact_fid_t *f, const char *user);
static int rpc_ticket(fact_t *fa, const char *user, char *reply,
    size_t size, char *err, size_t errlen);
static void passkey_begin(srv_req_t *r, fact_fid_t *f);
static void passkey_step(srv_req_t *r, fact_fid_t *f, char *msg);


const char *
fact_rpc_protos(fact_t *fa)
{
    return fa->wa.rp_id ? "pass\npasswd\nwebauthn\n" : "pass\npasswd\n";
}


static const char *
rpc_expected(int phase)
{
    switch (phase) {
    case RPC_START:
        return "expected \"start proto=pass user=NAME\" (or proto=passwd, "
               "or proto=webauthn role=register|login)";
    case RPC_PASS:
        return "expected \"pass PASSWORD\"";
    case RPC_NEWPASS:
        return "expected \"newpass PASSWORD\"";
    case RPC_PASSKEY:
        return "read the options, then write the passkey's answer "
               "(\"attestation ...\" or \"assertion ...\")";
    default:
        return "the conversation is done: open /rpc again";
    }
}


/*
 * "start proto=P [role=R] [user=U]", its attributes in any order: pass
 * and passwd take a user and no role, webauthn a role and, to register,
 * a user.
 */

static int
rpc_start(fact_fid_t *f, char *args)
{
    int    proto, role;
    char  *a, *save, user[TEN_NAME_MAX + 1];

    proto = role = 0;
    user[0] = '\0';

    for (a = strtok_r(args, " ", &save); a; a = strtok_r(NULL, " ", &save)) {
        if (strcmp(a, "proto=pass") == 0) {
            proto = RPC_PASS_PROTO;

        } else if (strcmp(a, "proto=passwd") == 0) {
            proto = RPC_PASSWD_PROTO;

        } else if (strcmp(a, "proto=webauthn") == 0) {
            proto = RPC_WEBAUTHN_PROTO;

        } else if (strcmp(a, "role=register") == 0) {
            role = WA_REGISTER;

        } else if (strcmp(a, "role=login") == 0) {
            role = WA_LOGIN;

        } else if (strncmp(a, "user=", 5) == 0
                   && ten_valid_name(a + 5, strlen(a + 5)))
        {
            snprintf(user, sizeof(user), "%s", a + 5);

        } else {
            return -1;
        }
    }

    if (proto == 0
        || (proto == RPC_WEBAUTHN_PROTO
            ? role == 0 || (role == WA_REGISTER && user[0] == '\0')
            : role != 0 || user[0] == '\0'))
    {
        return -1;
    }

    f->proto = proto;
    f->role = role;
    f->phase = proto == RPC_WEBAUTHN_PROTO ? RPC_START : RPC_PASS;
    f->busy = proto == RPC_WEBAUTHN_PROTO;
    snprintf(f->user, sizeof(f->user), "%s", user);
    f->reply[0] = '\0';

    return 0;
}


/*
 * One step of a conversation.  Steps of one conversation never overlap:
 * a step that takes time (a password checked, a new one stored, a
 * passkey's options made or its answer checked) holds f->busy, and every
 * other write meanwhile is refused; what a step needs of the conversation
 * is copied while the fid is locked.  "start" may begin again only before
 * a password or passkey was accepted.
 */

void
fact_rpc_write(srv_req_t *r, fact_fid_t *f, char *msg)
{
    int          phase, rc;
    char         err[256], user[TEN_NAME_MAX + 1];
    fact_t      *fa;
    const char  *e;

    fa = srv_data(r);

    pthread_mutex_lock(&r->fid->lock);

    if (f->busy) {
        pthread_mutex_unlock(&r->fid->lock);
        srv_error(r, "a step of this conversation is in progress: wait for "
                  "its answer");
        return;
    }

    phase = f->phase;

    if (strncmp(msg, "start ", 6) == 0) {
        e = (phase != RPC_START && phase != RPC_PASS && phase != RPC_PASSKEY)
            ? "the conversation is past its start: open /rpc again"
            : rpc_start(f, msg + 6) < 0
            ? rpc_expected(RPC_START)
            : NULL;

        pthread_mutex_unlock(&r->fid->lock);

        if (e) {
            srv_error(r, e);
            return;
        }

        if (f->proto == RPC_WEBAUTHN_PROTO) {
            passkey_begin(r, f);
            return;
        }

        fact_rwrite(r);
        return;
    }

    if (phase == RPC_PASSKEY) {
        f->busy = 1;
        pthread_mutex_unlock(&r->fid->lock);
        passkey_step(r, f, msg);
        return;
    }

    if (phase == RPC_PASS && strncmp(msg, "pass ", 5) == 0) {
        f->busy = 1;
        snprintf(user, sizeof(user), "%s", f->user);
        pthread_mutex_unlock(&r->fid->lock);
        rpc_pass(r, f, user, msg + 5);
        return;
    }

    if (phase == RPC_NEWPASS && strncmp(msg, "newpass ", 8) == 0) {
        f->busy = 1;
        snprintf(user, sizeof(user), "%s", f->user);
        pthread_mutex_unlock(&r->fid->lock);

        rc = fact_user_setpass(fa, user, msg + 8, err, sizeof(err));
        sodium_memzero(msg + 8, strlen(msg + 8));

        pthread_mutex_lock(&r->fid->lock);
        f->busy = 0;

        if (rc == 0) {
            f->phase = RPC_DONE;
            snprintf(f->reply, sizeof(f->reply), "done");
        }

        pthread_mutex_unlock(&r->fid->lock);

        if (rc < 0) {
            srv_error(r, err);
            return;
        }

        srv_log("%s changed the password", user);
        fact_rwrite(r);
        return;
    }

    e = rpc_expected(phase);
    pthread_mutex_unlock(&r->fid->lock);
    srv_error(r, e);
}


/*
 * A read: a passkey's options, read like a file; then the answer, each
 * read the same whole line as a message of its own.
 */

void
fact_rpc_read(srv_req_t *r, fact_fid_t *f)
{
    char           *copy;
    size_t          n, off;
    const char     *e, *from;
    ninep_fcall_t   rf;

    e = NULL;
    from = NULL;
    n = 0;

    pthread_mutex_lock(&r->fid->lock);

    if (f->phase == RPC_PASSKEY && !f->busy && f->text != NULL) {
        off = r->t.offset < f->len ? (size_t) r->t.offset : f->len;
        from = f->text + off;
        n = f->len - off;

    } else if (f->phase == RPC_DONE) {
        from = f->reply;
        n = strlen(f->reply);

    } else {
        e = f->busy ? "a step of this conversation is in progress: wait "
                      "for its answer"
                    : rpc_expected(f->phase);
    }

    n = n < r->t.count ? n : r->t.count;
    copy = e ? NULL : malloc(n + 1);

    if (copy != NULL) {
        memcpy(copy, from, n);
    }

    pthread_mutex_unlock(&r->fid->lock);

    if (e != NULL || copy == NULL) {
        srv_error(r, e ? e : "out of memory");
        return;
    }

    memset(&rf, 0, sizeof(rf));
    rf.type = NINEP_RREAD;
    rf.count = (uint32_t) n;
    rf.data = (uint8_t *) copy;
    srv_respond(r, &rf);
    free(copy);
}


/* The password of user (f's, copied), checked; f->busy is set. */

static void
rpc_pass(srv_req_t *r, fact_fid_t *f, const char *user, char *pass)
{
    int      rc;
    fact_t  *fa;

    fa = srv_data(r);
    rc = fact_user_check(fa, user, pass);
    sodium_memzero(pass, strlen(pass));

    if (rc < 0) {
        rpc_failed(r, f, user);
        return;
    }

    fact_fail_clear(fa, user);

    if (f->proto == RPC_PASSWD_PROTO) {
        pthread_mutex_lock(&r->fid->lock);
        f->phase = RPC_NEWPASS;
        f->busy = 0;
        pthread_mutex_unlock(&r->fid->lock);
        fact_rwrite(r);
        return;
    }

    rpc_logged_in(r, f, user);
}


/* user proved who it is: a ticket, and the conversation is done. */

static void
rpc_logged_in(srv_req_t *r, fact_fid_t *f, const char *user)
{
    int      rc;
    char     err[256], reply[FACT_LINE_MAX];
    fact_t  *fa;

    fa = srv_data(r);
    rc = rpc_ticket(fa, user, reply, sizeof(reply), err, sizeof(err));

    pthread_mutex_lock(&r->fid->lock);
    f->busy = 0;

    if (rc == 0) {
        f->phase = RPC_DONE;
        memcpy(f->reply, reply, sizeof(f->reply));
    }

    pthread_mutex_unlock(&r->fid->lock);

    if (rc < 0) {
        srv_log("cannot store a ticket for %s: %s", user, err);
        srv_error(r, err);
        return;
    }

    srv_log("%s logged in%s", user,
            f->proto == RPC_WEBAUTHN_PROTO ? " with a passkey" : "");
    fact_rwrite(r);
}


/* A new ticket for user, stored on the VFS; reply says where. */

static int
rpc_ticket(fact_t *fa, const char *user, char *reply, size_t size,
    char *err, size_t errlen)
{
    char     line[FACT_LINE_MAX], dir[128], nonce[TEN_TNONCE_LEN + 1];
    char     why[200];
    int64_t  expires;

    if (fact_sign_ticket(fa, user, line, sizeof(line), nonce, &expires,
                         err, errlen)
        < 0)
    {
        return -1;
    }

    snprintf(dir, sizeof(dir), "/priv/sessions/%s", user);

    if (cli_mkdir(fa->vfs, "/priv/sessions", user, 0750, why,
                  sizeof(why))
        < 0
        || cli_create_file(fa->vfs, dir, nonce, 0440, line, strlen(line),
                           why, sizeof(why))
           < 0)
    {
        snprintf(err, errlen, "cannot store the ticket: %s", why);
        return -1;
    }

    /*
     * Deleted since its password or passkey was checked: deluser's revoke
     * may have listed the sessions before this ticket was there.
     */
    if (!fact_user_known(fa, user)) {
        snprintf(dir + strlen(dir), sizeof(dir) - strlen(dir), "/%s", nonce);

        if (cli_remove(fa->vfs, dir, why, sizeof(why)) < 0) {
            srv_log("a ticket of %s, deleted meanwhile, stays: %s", user,
                    why);
        }

        snprintf(err, errlen, "no such user");
        return -1;
    }

    snprintf(reply, size, "done ticket=%s/%s expires=%lld", dir, nonce,
             (long long) expires);

    return 0;
}


/*
 * A wrong password or an unknown user: the same answer, after a delay
 * that grows with the user's recent failures, holding no thread.
 */

static void
rpc_failed(srv_req_t *r, fact_fid_t *f, const char *user)
{
    unsigned           ms;
    struct itimerspec  its;

    ms = fact_fail_delay(srv_data(r), user);
    srv_log("a failed login as %s; answered in %u ms", user, ms);

    memset(&its, 0, sizeof(its));
    its.it_value.tv_sec = ms / 1000;
    its.it_value.tv_nsec = (long) (ms % 1000) * 1000000 + 1;

    f->timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);

    if (f->timer >= 0 && timerfd_settime(f->timer, 0, &its, NULL) == 0
        && srv_wait_fd(r, f->timer, POLLIN, rpc_failed_later) == 0)
    {
        return;
    }

    /* no timer: answer at once rather than not at all */
    rpc_failed_later(r);
}


static void
rpc_failed_later(srv_req_t *r)
{
    fact_fid_t  *f;

    f = r->fid->aux;

    if (f->timer >= 0) {
        close(f->timer);
        f->timer = -1;
    }

    pthread_mutex_lock(&r->fid->lock);
    f->busy = 0;
    pthread_mutex_unlock(&r->fid->lock);

    srv_error(r, srv_flushed(r) ? "interrupted" : "authentication failed");
}




/* ------------------------------------------------------------ passkeys */


/* The conversation starts over: its challenge is spent.  Under the lock. */

static void
passkey_reset(fact_fid_t *f)
{
    f->phase = RPC_START;
    f->busy = 0;
    f->challenge[0] = '\0';
    free(f->text);
    f->text = NULL;
    f->len = 0;
}


static void
passkey_refuse(srv_req_t *r, fact_fid_t *f, const char *why)
{
    pthread_mutex_lock(&r->fid->lock);
    passkey_reset(f);
    pthread_mutex_unlock(&r->fid->lock);
    srv_error(r, why);
}


/*
 * After "start proto=webauthn": who may, then a challenge and the
 * options a read gives.  f->busy is set.
 */

static void
passkey_begin(srv_req_t *r, fact_fid_t *f)
{
    int          n;
    char        *ids, *text;
    size_t       size;
    fact_t      *fa;
    uint8_t      challenge[WA_CHALLENGE_LEN];
    char         uid[sodium_base64_ENCODED_LEN(FACT_USERID_LEN, B64U)];
    const char  *me, *uv;

    fa = srv_data(r);
    me = srv_user(r);

    if (fa->wa.rp_id == NULL) {
        passkey_refuse(r, f, "passkeys are off: ten-factotum runs without "
                       "-R and -O");
        return;
    }

    if (f->role == WA_REGISTER
        && (strcmp(me, "none") == 0
            || (strcmp(me, f->user) != 0 && !fact_is_adm(fa, me))))
    {
        passkey_refuse(r, f, strcmp(me, "none") == 0
                       ? "log in first: a passkey is registered on a "
                         "session of its user"
                       : "permission denied");
        return;
    }

    if (f->role == WA_REGISTER && !fact_user_known(fa, f->user)) {
        passkey_refuse(r, f, "no such user");
        return;
    }

    ids = f->user[0] ? fact_passkey_ids(fa, f->user) : strdup("");
    size = (ids ? strlen(ids) : 0) + 512;
    text = malloc(size);

    if (ids == NULL || text == NULL) {
        free(ids);
        free(text);
        passkey_refuse(r, f, "out of memory");
        return;
    }

    randombytes_buf(challenge, sizeof(challenge));
    uv = fa->wa.require_uv ? "required" : "preferred";

    pthread_mutex_lock(&r->fid->lock);

    sodium_bin2base64(f->challenge, sizeof(f->challenge), challenge,
                      sizeof(challenge), B64U);
    f->challenge_at = time(NULL);
    snprintf(f->name, sizeof(f->name), "passkey");

    if (f->role == WA_REGISTER) {
        fact_passkey_userid(fa, f->user, f->userid);
        sodium_bin2base64(uid, sizeof(uid), f->userid, FACT_USERID_LEN,
                          B64U);
        n = snprintf(text, size, "options challenge=%s rp=%s user=%s "
                     "userid=%s alg=-7,-8 uv=%s%s%s\n", f->challenge,
                     fa->wa.rp_id, f->user, uid, uv, ids[0] ? " exclude=" : "",
                     ids);
    } else {
        n = snprintf(text, size, "options challenge=%s rp=%s uv=%s%s%s\n",
                     f->challenge, fa->wa.rp_id, uv,
                     ids[0] ? " allow=" : "", ids);
    }

    free(f->text);
    f->text = text;
    f->len = (size_t) n;
    f->phase = RPC_PASSKEY;
    f->busy = 0;

    pthread_mutex_unlock(&r->fid->lock);

    free(ids);
    fact_rwrite(r);
}


/* A base64url field into buf: its length, or -1. */

static long
field(const char *text, uint8_t *buf, size_t size)
{
    size_t       len;
    const char  *end;

    if (text == NULL
        || sodium_base642bin(buf, size, text, strlen(text), NULL, &len, &end,
                             B64U) != 0
        || *end != '\0')
    {
        return -1;
    }

    return (long) len;
}


/*
 * A passkey's name: 1 to FACT_PASSKEY_NAME bytes, no control characters,
 * no space first (the passkeys file's last field, after a space: one of
 * spaces alone would be a line no reading takes).
 */

static int
valid_name(const char *name)
{
    size_t  i, n;

    n = strlen(name);

    for (i = 0; i < n; i++) {
        if ((unsigned char) name[i] < 0x20 || name[i] == 0x7f) {
            return 0;
        }
    }

    return n > 0 && n <= FACT_PASSKEY_NAME && name[0] != ' ';
}


static void passkey_register(srv_req_t *r, fact_fid_t *f, char **w, int nw);
static void passkey_login(srv_req_t *r, fact_fid_t *f, char **w, int nw);


/* A write while the options are out: f->busy is set. */

static void
passkey_step(srv_req_t *r, fact_fid_t *f, char *msg)
{
    int    nw;
    char  *w[7], *save;

    if (f->role == WA_REGISTER && strncmp(msg, "name ", 5) == 0) {
        pthread_mutex_lock(&r->fid->lock);
        f->busy = 0;
        if (valid_name(msg + 5)) {
            snprintf(f->name, sizeof(f->name), "%s", msg + 5);
        }
        pthread_mutex_unlock(&r->fid->lock);

        if (!valid_name(msg + 5)) {
            srv_error(r, "a passkey's name is 1 to 64 bytes of text, the "
                      "first no space");
            return;
        }

        fact_rwrite(r);
        return;
    }

    for (nw = 0, w[0] = strtok_r(msg, " ", &save);
         w[nw] && nw < 6;
         w[++nw] = strtok_r(NULL, " ", &save))
    {
        /* void */
    }

    if (f->role == WA_REGISTER && nw == 3
        && strcmp(w[0], "attestation") == 0)
    {
        passkey_register(r, f, w, nw);

    } else if (f->role == WA_LOGIN && (nw == 5 || nw == 6)
               && strcmp(w[0], "assertion") == 0)
    {
        passkey_login(r, f, w, nw);

    } else {
        pthread_mutex_lock(&r->fid->lock);
        f->busy = 0;
        pthread_mutex_unlock(&r->fid->lock);
        srv_error(r, f->role == WA_REGISTER
                     ? "expected \"name TEXT\" or \"attestation OBJECT "
                       "CLIENT-DATA\""
                     : "expected \"assertion ID AUTH-DATA CLIENT-DATA "
                       "SIGNATURE [USER-HANDLE]\"");
    }
}


static int
challenge_fresh(fact_fid_t *f)
{
    return f->challenge[0] != '\0'
           && time(NULL) - f->challenge_at <= FACT_CHALLENGE_TTL;
}


/* "attestation OBJECT CLIENT-DATA": a new passkey of f->user. */

static void
passkey_register(srv_req_t *r, fact_fid_t *f, char **w, int nw)
{
    long             att_len, client_len;
    char             why[256], id[sodium_base64_ENCODED_LEN(WA_CRED_ID_MAX,
                                                           B64U)];
    fact_t          *fa;
    uint8_t         *att, *client;
    fact_passkey_t   pk;

    (void) nw;
    fa = srv_data(r);
    att = malloc(FACT_RPC_MAX);
    client = malloc(WA_CLIENT_MAX);

    if (att == NULL || client == NULL) {
        free(att);
        free(client);
        passkey_refuse(r, f, "out of memory");
        return;
    }

    att_len = field(w[1], att, FACT_RPC_MAX);
    client_len = field(w[2], client, WA_CLIENT_MAX);
    memset(&pk, 0, sizeof(pk));

    if (att_len < 0 || client_len < 0) {
        snprintf(why, sizeof(why), "the attestation object and client data "
                 "are base64url");

    } else if (!challenge_fresh(f)) {
        snprintf(why, sizeof(why), "the challenge is more than %d seconds "
                 "old: start again", FACT_CHALLENGE_TTL);

    } else if (wa_register(&fa->wa, f->challenge, att, (size_t) att_len,
                           client, (size_t) client_len, &pk.cred, why,
                           sizeof(why))
               == 0)
    {
        snprintf(pk.user, sizeof(pk.user), "%s", f->user);
        memcpy(pk.userid, f->userid, FACT_USERID_LEN);
        snprintf(pk.name, sizeof(pk.name), "%s", f->name);
        pk.created = time(NULL);

        if (fact_passkey_add(fa, &pk, why, sizeof(why)) == 0) {
            why[0] = '\0';
        }
    }

    free(att);
    free(client);

    if (why[0] != '\0') {
        srv_log("a passkey of %s refused: %s", f->user, why);
        passkey_refuse(r, f, why);
        return;
    }

    sodium_bin2base64(id, sizeof(id), pk.cred.id, pk.cred.id_len, B64U);
    srv_log("%s registered a passkey for %s", srv_user(r), pk.user);

    pthread_mutex_lock(&r->fid->lock);
    f->phase = RPC_DONE;
    f->busy = 0;
    snprintf(f->reply, sizeof(f->reply), "done credential=%.400s", id);
    pthread_mutex_unlock(&r->fid->lock);

    fact_rwrite(r);
}


/*
 * "assertion ID AUTH-DATA CLIENT-DATA SIGNATURE [USER-HANDLE]": whose
 * passkey, checked; a failure of any kind answers as a wrong password.
 */

static void
passkey_login(srv_req_t *r, fact_fid_t *f, char **w, int nw)
{
    int              rc;
    long             id_len, ad_len, client_len, sig_len, uh_len;
    char             why[256];
    fact_t          *fa;
    uint8_t         *buf, *id, *ad, *client, *sig, *uh;
    uint32_t         counter;
    const char      *who;
    fact_passkey_t   pk;

    fa = srv_data(r);
    buf = malloc(WA_CRED_ID_MAX + 1024 + WA_CLIENT_MAX + 256 + 64);

    if (buf == NULL) {
        passkey_refuse(r, f, "out of memory");
        return;
    }

    id = buf;
    ad = id + WA_CRED_ID_MAX;
    client = ad + 1024;
    sig = client + WA_CLIENT_MAX;
    uh = sig + 256;

    id_len = field(w[1], id, WA_CRED_ID_MAX);
    ad_len = field(w[2], ad, 1024);
    client_len = field(w[3], client, WA_CLIENT_MAX);
    sig_len = field(w[4], sig, 256);
    uh_len = nw == 6 ? field(w[5], uh, 64) : 0;
    who = f->user[0] ? f->user : "-";
    rc = -1;

    if (id_len <= 0 || ad_len < 0 || client_len < 0 || sig_len < 0
        || uh_len < 0)
    {
        snprintf(why, sizeof(why), "the assertion's fields are not "
                 "base64url");

    } else if (fact_passkey_find(fa, id, (size_t) id_len, &pk) < 0) {
        snprintf(why, sizeof(why), "no such passkey");

    } else if (f->user[0] && strcmp(f->user, pk.user) != 0) {
        snprintf(why, sizeof(why), "the passkey is %s's", pk.user);

    } else if (uh_len > 0
               && (uh_len != FACT_USERID_LEN
                   || memcmp(uh, pk.userid, FACT_USERID_LEN) != 0))
    {
        snprintf(why, sizeof(why), "the user handle is not the passkey's");

    } else if (!challenge_fresh(f)) {
        snprintf(why, sizeof(why), "the challenge is more than %d seconds "
                 "old", FACT_CHALLENGE_TTL);

    } else {
        who = pk.user;
        rc = wa_assert(&fa->wa, f->challenge, &pk.cred, ad, (size_t) ad_len,
                       client, (size_t) client_len, sig, (size_t) sig_len,
                       &counter, why, sizeof(why));
        rc = rc == 0 ? fact_passkey_used(fa, &pk, counter, why, sizeof(why))
                     : rc;
    }

    free(buf);

    if (rc == WA_CLONED) {
        srv_log("passkey of %s: %s; the login is refused", who, why);
    }

    if (rc < 0) {
        srv_log("a failed passkey login as %s: %s", who, why);
        pthread_mutex_lock(&r->fid->lock);
        passkey_reset(f);
        f->busy = 1;
        pthread_mutex_unlock(&r->fid->lock);
        rpc_failed(r, f, who);
        return;
    }

    fact_fail_clear(fa, pk.user);
    rpc_logged_in(r, f, pk.user);
}
