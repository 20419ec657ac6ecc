
/*
 * Ten: ten-factotum's files.
 *
 *   /rpc    each open is a conversation (fact_rpc.c)
 *   /ctl    adm's: adduser, deluser, setpass, rotate, revoke; anyone's:
 *           logout of one's own ticket, passkeys and delpasskey of one's
 *           own passkeys; reading it is adm's status
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

#include "fact_rpc.h"
#include "users.h"


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

static void ctl_write(srv_req_t *r, fact_fid_t *f, char *msg);
static void passkeys_ctl(srv_req_t *r, fact_fid_t *f, char **w, int nw);


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
    /* read without the store's lock: the version only has to move */
    qid->version = (file == FQ_KEYS)
                   ? __atomic_load_n(&fa->generation, __ATOMIC_RELAXED) : 0;
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
        /*
         * The status is adm's; logout and one's own passkeys are
         * anyone's: open for reading and writing, a non-adm reads only
         * what "passkeys USER" puts there.
         */
        if (mode != NINEP_OWRITE) {
            if (fact_is_adm(fa, srv_user(r))) {
                f->text = fact_status_text(fa);

            } else if (mode == NINEP_ORDWR) {
                f->text = strdup("");

            } else {
                srv_error(r, "permission denied");
                return;
            }

            f->len = f->text ? strlen(f->text) : 0;
        }
        break;

    case FQ_PROTO:
        f->text = strdup(fact_rpc_protos(fa));
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
    char           *copy;
    size_t          n, size, off;
    fact_fid_t     *f;
    ninep_fcall_t   rf;

    f = r->fid->aux;

    if (!f->open || f->mode == NINEP_OWRITE) {
        srv_error(r, f->open ? "not open for reading" : "fid not open");
        return;
    }

    if (f->file == FQ_RPC) {
        fact_rpc_read(r, f);
        return;
    }

    memset(&rf, 0, sizeof(rf));
    rf.type = NINEP_RREAD;

    /* a write of "passkeys USER" may replace ctl's text meanwhile */
    pthread_mutex_lock(&r->fid->lock);

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

    /* a copy: the reply frees r, and a write may free the text */
    copy = malloc(n + 1);

    if (copy != NULL) {
        memcpy(copy, f->text + off, n);
    }

    pthread_mutex_unlock(&r->fid->lock);

    if (copy == NULL) {
        srv_error(r, "out of memory");
        return;
    }

    rf.count = (uint32_t) n;
    rf.data = (uint8_t *) copy;
    srv_respond(r, &rf);
    free(copy);
}


static void
fact_write(srv_req_t *r)
{
    char        *msg, why[64];
    size_t       n, max;
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

    /* a passkey's answer is larger than a line of ctl */
    max = f->file == FQ_RPC ? FACT_RPC_MAX : FACT_LINE_MAX - 1;

    if (n > max || memchr(r->t.data, '\0', n)
        || memchr(r->t.data, '\n', n))
    {
        snprintf(why, sizeof(why), "one message of at most %zu bytes a "
                 "write", max);
        srv_error(r, why);
        return;
    }

    msg = malloc(n + 1);
    if (msg == NULL) {
        srv_error(r, "out of memory");
        return;
    }

    memcpy(msg, r->t.data, n);
    msg[n] = '\0';

    if (f->file == FQ_RPC) {
        fact_rpc_write(r, f, msg);
    } else {
        ctl_write(r, f, msg);
    }

    sodium_memzero(msg, n);
    free(msg);
}


void
fact_rwrite(srv_req_t *r)
{
    ninep_fcall_t  rf;

    memset(&rf, 0, sizeof(rf));
    rf.type = NINEP_RWRITE;
    rf.count = r->t.count;
    srv_respond(r, &rf);
}


/* ------------------------------------------------------------------ ctl */


static void
users_complaint(const char *file, int line, const char *why)
{
    srv_log("%s:%d: %s", file, line, why);
}


int
fact_is_adm(fact_t *fa, const char *user)
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


/*
 * "passkeys USER": USER's passkeys become what reads of this fid see (it
 * must be open for reading too); "delpasskey USER ID" removes one.  The
 * user's own, or adm's.
 */

static void
passkeys_ctl(srv_req_t *r, fact_fid_t *f, char **w, int nw)
{
    char        *text, err[256];
    fact_t      *fa;
    const char  *user;

    fa = srv_data(r);
    user = srv_user(r);

    if (!ten_valid_name(w[1], strlen(w[1]))) {
        srv_error(r, "bad user name");
        return;
    }

    if (strcmp(w[1], user) != 0 && !fact_is_adm(fa, user)) {
        srv_error(r, "permission denied");
        return;
    }

    if (nw == 3) {
        if (fact_passkey_del(fa, w[1], w[2], err, sizeof(err)) < 0) {
            srv_error(r, err);
            return;
        }

        srv_log("%s removed a passkey of %s", user, w[1]);
        fact_rwrite(r);
        return;
    }

    if (f->mode != NINEP_ORDWR) {
        srv_error(r, "passkeys: open ctl for reading and writing, then "
                  "read the list");
        return;
    }

    text = fact_passkeys_text(fa, w[1]);
    if (text == NULL) {
        srv_error(r, "out of memory");
        return;
    }

    pthread_mutex_lock(&r->fid->lock);
    free(f->text);
    f->text = text;
    f->len = strlen(text);
    pthread_mutex_unlock(&r->fid->lock);

    fact_rwrite(r);
}


static void
ctl_write(srv_req_t *r, fact_fid_t *f, char *msg)
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

        if (strcmp(who, user) != 0 && !fact_is_adm(fa, user)) {
            srv_error(r, "permission denied");
            return;
        }

        if (cli_remove(fa->vfs, w[1], err, sizeof(err)) < 0) {
            srv_error(r, err);
            return;
        }

        srv_log("%s logged out %s", user, w[1]);
        fact_rwrite(r);
        return;
    }

    /* passkeys: one's own, or adm's for anyone */
    if ((strcmp(w[0], "passkeys") == 0 && nw == 2)
        || (strcmp(w[0], "delpasskey") == 0 && nw == 3))
    {
        passkeys_ctl(r, f, w, nw);
        return;
    }

    if (!fact_is_adm(fa, user)) {
        srv_error(r, "permission denied");
        return;
    }

    if (strcmp(w[0], "adduser") == 0 && nw == 2) {
        rc = fact_user_add(fa, w[1], err, sizeof(err));

    } else if (strcmp(w[0], "deluser") == 0 && nw == 2) {
        rc = fact_user_del(fa, w[1], err, sizeof(err));
        rc = rc == 0 ? fact_passkeys_drop_user(fa, w[1], err, sizeof(err))
                     : rc;
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
                  "PASSWORD, rotate, revoke USER, logout TICKET-PATH, "
                  "passkeys USER or delpasskey USER ID");
        return;
    }

    if (rc < 0) {
        srv_error(r, err);
        return;
    }

    srv_log("%s: %s%s%s", user, w[0], nw > 1 ? " " : "",
            nw > 1 ? w[1] : "");
    fact_rwrite(r);
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
