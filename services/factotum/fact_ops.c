
/*
 * Ten: ten-factotum's files.
 *
 *   /rpc    each open is a conversation: "start proto=pass user=U",
 *           "pass P", then a read gives "done ticket=PATH expires=T";
 *           proto=passwd takes "pass OLD" and "newpass NEW", then "done"
 *   /ctl    adm's: adduser, deluser, setpass, rotate, revoke; anyone's:
 *           logout of one's own ticket; reading it is adm's status
 *   /proto  the protocols /rpc speaks
 *   /keys   the certificates of the ticket signing keys
 */

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "factotum.h"
#include "users.h"


enum {
    FQ_ROOT = 0,
    FQ_RPC,
    FQ_CTL,
    FQ_PROTO,
    FQ_KEYS,
    FQ_NFILES
};


/* where an /rpc conversation is */
enum {
    RPC_START = 0,      /* wants start */
    RPC_PASS,           /* wants pass */
    RPC_NEWPASS,        /* passwd: wants newpass */
    RPC_DONE
};

#define RPC_PASS_PROTO      1
#define RPC_PASSWD_PROTO    2


typedef struct {
    int                 file;
    int                 open;
    uint8_t             mode;
    char               *text;       /* what reads of ctl, keys, proto see */
    size_t              len;
    /* an /rpc conversation */
    int                 proto;
    int                 phase;
    int                 busy;       /* a pass being checked */
    char                user[TEN_NAME_MAX + 1];
    char                reply[FACT_LINE_MAX];
    int                 timer;      /* a failure's delay */
} fact_fid_t;


typedef struct {
    const char         *name;
    uint32_t            mode;
} fact_file_t;


static const fact_file_t  fact_files[FQ_NFILES] = {
    { "/", NINEP_DMDIR | 0555 },
    { "rpc", 0666 },
    { "ctl", 0660 },
    { "proto", 0444 },
    { "keys", 0444 },
};


static void fact_attach(srv_req_t *r);
static void fact_walk(srv_req_t *r);
static void fact_open(srv_req_t *r);
static void fact_create(srv_req_t *r);
static void fact_read(srv_req_t *r);
static void fact_write(srv_req_t *r);
static void fact_clunk(srv_req_t *r);
static void fact_remove(srv_req_t *r);
static void fact_stat(srv_req_t *r);
static void fact_wstat(srv_req_t *r);
static void fact_destroy_fid(srv_fid_t *fid);

static void rpc_write(srv_req_t *r, fact_fid_t *f, char *msg);
static void rpc_pass(srv_req_t *r, fact_fid_t *f, const char *user,
    char *pass);
static void rpc_failed(srv_req_t *r, fact_fid_t *f, const char *user);
static void rpc_failed_later(srv_req_t *r);
static const char *rpc_expected(int phase);
static int rpc_ticket(fact_t *fa, const char *user, char *reply,
    size_t size, char *err, size_t errlen);
static void ctl_write(srv_req_t *r, char *msg);
static int is_adm(fact_t *fa, const char *user);


const srv_ops_t  fact_ops = {
    fact_attach,
    fact_walk,
    fact_open,
    fact_create,
    fact_read,
    fact_write,
    fact_clunk,
    fact_remove,
    fact_stat,
    fact_wstat,
    fact_destroy_fid
};


static void
file_qid(fact_t *fa, int file, ninep_qid_t *qid)
{
    qid->type = (file == FQ_ROOT) ? NINEP_QTDIR : 0;
    qid->version = (file == FQ_KEYS) ? fa->generation : 0;
    qid->path = (uint64_t) file;
}


static void
file_stat(fact_t *fa, int file, ninep_stat_t *st)
{
    memset(st, 0, sizeof(*st));
    file_qid(fa, file, &st->qid);
    st->mode = fact_files[file].mode;
    st->name = ninep_str(fact_files[file].name);
    st->uid = ninep_str("factotum");
    st->gid = ninep_str(file == FQ_CTL ? "adm" : "factotum");
    st->muid = ninep_str("factotum");
}


static fact_fid_t *
fid_new(int file)
{
    fact_fid_t  *f;

    f = calloc(1, sizeof(fact_fid_t));
    if (f) {
        f->file = file;
        f->timer = -1;
    }

    return f;
}


static void
fact_attach(srv_req_t *r)
{
    fact_fid_t     *f;
    ninep_fcall_t   rf;

    if (r->t.aname.len) {
        srv_error(r, "factotum has one tree: attach with an empty aname");
        return;
    }

    f = fid_new(FQ_ROOT);
    if (f == NULL) {
        srv_error(r, "out of memory");
        return;
    }

    r->fid->aux = f;

    memset(&rf, 0, sizeof(rf));
    rf.type = NINEP_RATTACH;
    file_qid(srv_data(r), FQ_ROOT, &rf.qid);
    srv_respond(r, &rf);
}


static void
fact_walk(srv_req_t *r)
{
    int             file, i, j;
    fact_t         *fa;
    fact_fid_t     *f, *nf;
    srv_fid_t      *target;
    ninep_fcall_t   rf;

    fa = srv_data(r);
    f = r->fid->aux;

    if (f->open) {
        srv_error(r, "cannot walk an open fid");
        return;
    }

    memset(&rf, 0, sizeof(rf));
    rf.type = NINEP_RWALK;
    file = f->file;

    for (i = 0; i < r->t.nwname; i++) {
        if (ninep_str_eq(r->t.wname[i], "..")) {
            file = FQ_ROOT;

        } else if (file != FQ_ROOT) {
            break;

        } else {
            for (j = FQ_RPC; j < FQ_NFILES; j++) {
                if (ninep_str_eq(r->t.wname[i], fact_files[j].name)) {
                    break;
                }
            }

            if (j == FQ_NFILES) {
                break;
            }

            file = j;
        }

        file_qid(fa, file, &rf.wqid[i]);
    }

    if (i == 0 && r->t.nwname > 0) {
        srv_error(r, f->file == FQ_ROOT ? "file does not exist"
                                        : "not a directory");
        return;
    }

    rf.nwqid = (uint16_t) i;

    if (i == r->t.nwname) {
        target = r->newfid ? r->newfid : r->fid;

        if (target == r->fid) {
            f->file = file;

        } else {
            nf = fid_new(file);
            if (nf == NULL) {
                srv_error(r, "out of memory");
                return;
            }
            target->aux = nf;
        }
    }

    srv_respond(r, &rf);
}


static char *
dir_text(fact_t *fa, size_t *len)
{
    int            i;
    char          *buf;
    size_t         n, cap;
    ssize_t        k;
    ninep_stat_t   st;

    cap = 1024;
    buf = malloc(cap);
    if (buf == NULL) {
        return NULL;
    }

    for (i = FQ_RPC, n = 0; i < FQ_NFILES; i++) {
        file_stat(fa, i, &st);
        k = ninep_stat_pack(&st, (uint8_t *) buf + n, cap - n);

        if (k < 0) {
            free(buf);
            return NULL;
        }

        n += k;
    }

    *len = n;

    return buf;
}


static void
fact_open(srv_req_t *r)
{
    int             mode;
    fact_t         *fa;
    fact_fid_t     *f;
    ninep_fcall_t   rf;
    unsigned        generation;

    fa = srv_data(r);
    f = r->fid->aux;
    mode = r->t.mode & 3;

    if (f->open) {
        srv_error(r, "fid already open");
        return;
    }

    if (mode == NINEP_OEXEC
        || (mode != NINEP_OREAD && f->file != FQ_RPC && f->file != FQ_CTL))
    {
        srv_error(r, "permission denied");
        return;
    }

    /* what reads see is made at the open */
    switch (f->file) {

    case FQ_ROOT:
        f->text = dir_text(fa, &f->len);
        break;

    case FQ_CTL:
        /* the status is adm's; logout is anyone's */
        if (mode != NINEP_OWRITE) {
            if (!is_adm(fa, srv_user(r))) {
                srv_error(r, "permission denied");
                return;
            }

            f->text = fact_status_text(fa);
            f->len = f->text ? strlen(f->text) : 0;
        }
        break;

    case FQ_PROTO:
        f->text = strdup("pass\npasswd\n");
        f->len = f->text ? strlen(f->text) : 0;
        break;

    case FQ_KEYS:
        f->text = fact_keys_text(fa, &generation);
        f->len = f->text ? strlen(f->text) : 0;
        break;

    default:
        break;
    }

    if (f->text == NULL
        && !(f->file == FQ_RPC || (f->file == FQ_CTL && mode == NINEP_OWRITE)))
    {
        srv_error(r, "out of memory");
        return;
    }

    f->open = 1;
    f->mode = (uint8_t) mode;

    memset(&rf, 0, sizeof(rf));
    rf.type = NINEP_ROPEN;
    file_qid(fa, f->file, &rf.qid);
    rf.iounit = srv_msize(r) - NINEP_IOHDRSZ;
    srv_respond(r, &rf);
}


static void
fact_read(srv_req_t *r)
{
    int             phase;
    char            reply[FACT_LINE_MAX];
    size_t          n, size, off;
    fact_fid_t     *f;
    ninep_fcall_t   rf;

    f = r->fid->aux;

    if (!f->open || f->mode == NINEP_OWRITE) {
        srv_error(r, f->open ? "not open for reading" : "fid not open");
        return;
    }

    memset(&rf, 0, sizeof(rf));
    rf.type = NINEP_RREAD;

    if (f->file == FQ_RPC) {
        pthread_mutex_lock(&r->fid->lock);
        phase = f->phase;
        memcpy(reply, f->reply, sizeof(reply));
        pthread_mutex_unlock(&r->fid->lock);

        if (phase != RPC_DONE) {
            srv_error(r, rpc_expected(phase));
            return;
        }

        /* every read is the same answer, as a message of its own */
        n = strlen(reply);
        rf.count = (uint32_t) (n < r->t.count ? n : r->t.count);
        rf.data = (uint8_t *) reply;
        srv_respond(r, &rf);
        return;
    }

    off = r->t.offset < f->len ? (size_t) r->t.offset : f->len;
    n = f->len - off;

    if (n > r->t.count) {
        n = r->t.count;
    }

    if (f->file == FQ_ROOT && n < f->len - off) {
        /* whole entries only */
        for (n = 0; off + n + 2 <= f->len; n += size) {
            size = 2 + ((uint8_t) f->text[off + n]
                        | ((uint8_t) f->text[off + n + 1] << 8));
            if (n + size > r->t.count) {
                break;
            }
        }
    }

    rf.count = (uint32_t) n;
    rf.data = (uint8_t *) f->text + off;
    srv_respond(r, &rf);
}


static void
fact_write(srv_req_t *r)
{
    char         msg[FACT_LINE_MAX];
    size_t       n;
    fact_fid_t  *f;

    f = r->fid->aux;

    if (!f->open || f->mode == NINEP_OREAD) {
        srv_error(r, f->open ? "not open for writing" : "fid not open");
        return;
    }

    n = r->t.count;

    if (n > 0 && r->t.data[n - 1] == '\n') {
        n--;
    }

    if (n >= sizeof(msg) || memchr(r->t.data, '\0', n)
        || memchr(r->t.data, '\n', n))
    {
        srv_error(r, "one message of at most 511 bytes a write");
        return;
    }

    memcpy(msg, r->t.data, n);
    msg[n] = '\0';

    if (f->file == FQ_RPC) {
        rpc_write(r, f, msg);
    } else {
        ctl_write(r, msg);
    }
}


static void
rwrite(srv_req_t *r)
{
    ninep_fcall_t  rf;

    memset(&rf, 0, sizeof(rf));
    rf.type = NINEP_RWRITE;
    rf.count = r->t.count;
    srv_respond(r, &rf);
}


/* ------------------------------------------------------------------ rpc */


static const char *
rpc_expected(int phase)
{
    switch (phase) {
    case RPC_START:
        return "expected \"start proto=pass user=NAME\" (or proto=passwd)";
    case RPC_PASS:
        return "expected \"pass PASSWORD\"";
    case RPC_NEWPASS:
        return "expected \"newpass PASSWORD\"";
    default:
        return "the conversation is done: open /rpc again";
    }
}


/* "start proto=P user=U", its attributes in any order. */

static int
rpc_start(fact_fid_t *f, char *args)
{
    int    proto;
    char  *a, *save, user[TEN_NAME_MAX + 1];

    proto = 0;
    user[0] = '\0';

    for (a = strtok_r(args, " ", &save); a; a = strtok_r(NULL, " ", &save)) {
        if (strcmp(a, "proto=pass") == 0) {
            proto = RPC_PASS_PROTO;

        } else if (strcmp(a, "proto=passwd") == 0) {
            proto = RPC_PASSWD_PROTO;

        } else if (strncmp(a, "user=", 5) == 0
                   && ten_valid_name(a + 5, strlen(a + 5)))
        {
            snprintf(user, sizeof(user), "%s", a + 5);

        } else {
            return -1;
        }
    }

    if (proto == 0 || user[0] == '\0') {
        return -1;
    }

    f->proto = proto;
    f->phase = RPC_PASS;
    snprintf(f->user, sizeof(f->user), "%s", user);
    f->reply[0] = '\0';

    return 0;
}


/*
 * One step of a conversation.  Steps of one conversation never overlap:
 * a step that takes time (a password checked, a new one stored) holds
 * f->busy, and every other write meanwhile is refused; what a step needs
 * of the conversation is copied while the fid is locked.  "start" may
 * begin again only before a password was accepted.
 */

static void
rpc_write(srv_req_t *r, fact_fid_t *f, char *msg)
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
        e = (phase != RPC_START && phase != RPC_PASS)
            ? "the conversation is past its start: open /rpc again"
            : rpc_start(f, msg + 6) < 0
            ? "expected \"start proto=pass user=NAME\" (or proto=passwd)"
            : NULL;

        pthread_mutex_unlock(&r->fid->lock);

        if (e) {
            srv_error(r, e);
            return;
        }

        rwrite(r);
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
        rwrite(r);
        return;
    }

    e = rpc_expected(phase);
    pthread_mutex_unlock(&r->fid->lock);
    srv_error(r, e);
}


/* The password of user (f's, copied), checked; f->busy is set. */

static void
rpc_pass(srv_req_t *r, fact_fid_t *f, const char *user, char *pass)
{
    int      rc;
    char     err[256], reply[FACT_LINE_MAX];
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
        rwrite(r);
        return;
    }

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

    srv_log("%s logged in", user);
    rwrite(r);
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


/* ------------------------------------------------------------------ ctl */


static void
users_complaint(const char *file, int line, const char *why)
{
    srv_log("%s:%d: %s", file, line, why);
}


static int
is_adm(fact_t *fa, const char *user)
{
    int       yes;
    char      err[256], *text;
    size_t    len;
    users_t  *u;

    if (cli_read_file(fa->vfs, "/adm/users", 1 << 20, &text, &len, err,
                      sizeof(err))
        < 0)
    {
        srv_log("cannot read /adm/users: %s", err);
        return 0;
    }

    u = users_parse(text, len, "/adm/users", users_complaint);
    free(text);

    if (u == NULL) {
        return 0;
    }

    yes = users_member(u, "adm", user);
    users_free(u);

    return yes;
}


/* A ticket path /priv/sessions/USER/NONCE; its user in user. */

static int
ticket_path(const char *path, char *user)
{
    size_t       n;
    const char  *p, *slash;

    if (strncmp(path, "/priv/sessions/", 15) != 0) {
        return -1;
    }

    p = path + 15;
    slash = strchr(p, '/');

    if (slash == NULL || !ten_valid_name(p, slash - p)
        || strlen(slash + 1) != TEN_TNONCE_LEN
        || strspn(slash + 1, "0123456789abcdef") != TEN_TNONCE_LEN)
    {
        return -1;
    }

    n = slash - p;
    memcpy(user, p, n);
    user[n] = '\0';

    return 0;
}


typedef struct {
    fact_t     *fa;
    const char *user;
    unsigned    removed;
    unsigned    failed;
} revoke_t;


static void
revoke_one(const char *name, size_t len, void *arg)
{
    char       path[256], err[256];
    revoke_t  *rv;

    rv = arg;

    if (len != TEN_TNONCE_LEN) {
        return;
    }

    snprintf(path, sizeof(path), "/priv/sessions/%s/%.*s", rv->user,
             (int) len, name);

    if (cli_remove(rv->fa->vfs, path, err, sizeof(err)) < 0) {
        rv->failed++;
    } else {
        rv->removed++;
    }
}


/* Every ticket of user goes; no directory means none. */

static int
revoke_tickets(fact_t *fa, const char *user, char *err, size_t errlen)
{
    char      dir[128];
    revoke_t  rv;

    snprintf(dir, sizeof(dir), "/priv/sessions/%s", user);
    rv.fa = fa;
    rv.user = user;
    rv.removed = 0;
    rv.failed = 0;

    if (cli_list(fa->vfs, dir, revoke_one, &rv, err, errlen) < 0
        && strcmp(err, "file does not exist") != 0)
    {
        return -1;
    }

    if (rv.failed) {
        snprintf(err, errlen, "%u tickets of %s could not be removed",
                 rv.failed, user);
        return -1;
    }

    srv_log("revoked %u tickets of %s", rv.removed, user);

    return 0;
}


static void
ctl_write(srv_req_t *r, char *msg)
{
    int          rc, nw;
    char        *w[4], *save, err[256], who[TEN_NAME_MAX + 1];
    fact_t      *fa;
    const char  *user;

    fa = srv_data(r);
    user = srv_user(r);

    for (nw = 0, w[0] = strtok_r(msg, " ", &save);
         w[nw] && nw < 3;
         w[++nw] = strtok_r(NULL, " ", &save))
    {
        /* void */
    }

    if (nw == 0 || (nw == 3 && strtok_r(NULL, " ", &save))) {
        srv_error(r, nw ? "too many words" : "empty command");
        return;
    }

    /* logout: anyone, for a ticket of one's own */
    if (strcmp(w[0], "logout") == 0 && nw == 2) {
        if (ticket_path(w[1], who) < 0) {
            srv_error(r, "logout: not a ticket path");
            return;
        }

        if (strcmp(who, user) != 0 && !is_adm(fa, user)) {
            srv_error(r, "permission denied");
            return;
        }

        if (cli_remove(fa->vfs, w[1], err, sizeof(err)) < 0) {
            srv_error(r, err);
            return;
        }

        srv_log("%s logged out %s", user, w[1]);
        rwrite(r);
        return;
    }

    if (!is_adm(fa, user)) {
        srv_error(r, "permission denied");
        return;
    }

    if (strcmp(w[0], "adduser") == 0 && nw == 2) {
        rc = fact_user_add(fa, w[1], err, sizeof(err));

    } else if (strcmp(w[0], "deluser") == 0 && nw == 2) {
        rc = fact_user_del(fa, w[1], err, sizeof(err));
        rc = rc == 0 ? revoke_tickets(fa, w[1], err, sizeof(err)) : rc;

    } else if (strcmp(w[0], "setpass") == 0 && nw == 3) {
        rc = fact_user_setpass(fa, w[1], w[2], err, sizeof(err));
        sodium_memzero(w[2], strlen(w[2]));

    } else if (strcmp(w[0], "rotate") == 0 && nw == 1) {
        rc = fact_rotate(fa, err, sizeof(err));

    } else if (strcmp(w[0], "revoke") == 0 && nw == 2) {
        rc = ten_valid_name(w[1], strlen(w[1]))
             ? revoke_tickets(fa, w[1], err, sizeof(err)) : -1;
        if (rc < 0 && !ten_valid_name(w[1], strlen(w[1]))) {
            snprintf(err, sizeof(err), "revoke: bad user name");
        }

    } else {
        srv_error(r, "expected adduser USER, deluser USER, setpass USER "
                  "PASSWORD, rotate, revoke USER or logout TICKET-PATH");
        return;
    }

    if (rc < 0) {
        srv_error(r, err);
        return;
    }

    srv_log("%s: %s%s%s", user, w[0], nw > 1 ? " " : "",
            nw > 1 ? w[1] : "");
    rwrite(r);
}


/* ---------------------------------------------------------------- rest */


static void
fact_create(srv_req_t *r)
{
    srv_error(r, "permission denied");
}


static void
fact_remove(srv_req_t *r)
{
    srv_error(r, "permission denied");
}


static void
fact_wstat(srv_req_t *r)
{
    srv_error(r, "permission denied");
}


static void
fact_clunk(srv_req_t *r)
{
    ninep_fcall_t  rf;

    memset(&rf, 0, sizeof(rf));
    rf.type = NINEP_RCLUNK;
    srv_respond(r, &rf);
}


static void
fact_stat(srv_req_t *r)
{
    fact_fid_t     *f;
    ninep_fcall_t   rf;

    f = r->fid->aux;

    memset(&rf, 0, sizeof(rf));
    rf.type = NINEP_RSTAT;
    file_stat(srv_data(r), f->file, &rf.st);
    srv_respond(r, &rf);
}


static void
fact_destroy_fid(srv_fid_t *fid)
{
    fact_fid_t  *f;

    f = fid->aux;

    if (f->timer >= 0) {
        close(f->timer);
    }

    free(f->text);
    sodium_memzero(f, sizeof(*f));
    free(f);
}
