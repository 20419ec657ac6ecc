
/*
 * Ten: ten-ssr -- a multiplexed 9P2000 client of the VFS (see ssr.h).
 *
 * One connection at a time, made by the first request that needs it:
 * Tversion, ten-auth-1 as ssr, and an attach as ssr; then any number of
 * threads send requests on it, each under its own tag, and a reader
 * thread hands every reply to the thread waiting for that tag.  A request
 * unanswered after timeout_ms is flushed (its tag stays taken until the
 * Rflush) and fails.  When the connection is lost, every request waiting
 * on it fails with "unavailable: ...", its fids are forgotten (the
 * generation moves on), and the next request dials again.
 *
 * Users: ssr has speaks-for on the VFS, so `Tattach fid NOFID user ""`
 * gives a root fid on which the VFS checks that user's permissions.
 * A few such roots are kept per user for SSR_ROOT_TTL seconds.
 */

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "io.h"
#include "srv.h"
#include "ssr.h"


#define VC_TAGS         256         /* outstanding requests */
#define VC_FIDS         16384       /* fid numbers on one connection */
#define VC_ROOTS        64          /* users' roots kept */
#define VC_ROOT_TTL     30          /* seconds a root is used */
#define VC_SELF         0           /* the fid attached as ssr */
#define VC_AFID         1
#define VC_FIRST_FID    2


typedef struct {
    int                 busy;
    int                 done;       /* the reply (or a failure) is here */
    int                 abandoned;  /* its waiter gave up: drop the reply */
    int                 flushed;    /* a Tflush of it is out */
    int                 flush_of;   /* a Tflush: of this tag, else -1 */
    uint8_t             ttype;
    uint8_t            *msg;        /* the reply */
    char                err[128];
    pthread_cond_t      cond;
} vc_slot_t;


typedef struct {
    char                user[TEN_NAME_MAX + 1];
    uint32_t            fid;
    unsigned            gen;
    unsigned            refs;
    time_t              made;
    ninep_qid_t         qid;
} vc_root_t;


struct ssr_vfs_s {
    ssr_vfs_conf_t      conf;
    pthread_mutex_t     lock;
    pthread_cond_t      cond;       /* a free tag, or the dial done */
    pthread_mutex_t     wlock;      /* one writer at a time */
    int                 fd;         /* -1: dial on the next request */
    int                 dialing;
    unsigned            gen;        /* of the connection; 0: none yet */
    unsigned            dials;
    uint32_t            msize;
    pthread_t           reader;
    int                 has_reader;
    vc_slot_t           slots[VC_TAGS];
    unsigned            nbusy;
    uint32_t           *free_fids;
    size_t              nfree;
    uint32_t            next_fid;
    vc_root_t           roots[VC_ROOTS];
};


static int vc_dial(ssr_vfs_t *v, char *err, size_t errlen);
static void *vc_reader(void *arg);
static void vc_deliver(ssr_vfs_t *v, uint8_t *msg, uint32_t size);
static void vc_lost(ssr_vfs_t *v, const char *why);
static void slot_free(ssr_vfs_t *v, int tag);
static int vc_rpc(ssr_vfs_t *v, unsigned gen, ninep_fcall_t *t,
    ninep_fcall_t *r, uint8_t **msg, char *err, size_t errlen);
static int vc_connected(ssr_vfs_t *v, unsigned *gen, char *err,
    size_t errlen);
static int fid_take(ssr_vfs_t *v, unsigned gen, uint32_t *fid, char *err,
    size_t errlen);
static void fid_give(ssr_vfs_t *v, unsigned gen, uint32_t fid);


ssr_vfs_t *
ssr_vfs_new(const ssr_vfs_conf_t *conf)
{
    int         i;
    ssr_vfs_t  *v;

    v = calloc(1, sizeof(ssr_vfs_t));
    if (v == NULL) {
        return NULL;
    }

    v->free_fids = malloc(VC_FIDS * sizeof(uint32_t));
    if (v->free_fids == NULL) {
        free(v);
        return NULL;
    }

    v->conf = *conf;
    v->fd = -1;
    pthread_mutex_init(&v->lock, NULL);
    pthread_mutex_init(&v->wlock, NULL);
    pthread_cond_init(&v->cond, NULL);

    for (i = 0; i < VC_TAGS; i++) {
        pthread_cond_init(&v->slots[i].cond, NULL);
        v->slots[i].flush_of = -1;
    }

    return v;
}


/* After every user is gone: nothing waits, nothing sends. */

void
ssr_vfs_free(ssr_vfs_t *v)
{
    int  i;

    if (v == NULL) {
        return;
    }

    pthread_mutex_lock(&v->lock);

    if (v->fd >= 0) {
        shutdown(v->fd, SHUT_RDWR);
    }

    pthread_mutex_unlock(&v->lock);

    if (v->has_reader) {
        pthread_join(v->reader, NULL);
    }

    for (i = 0; i < VC_TAGS; i++) {
        free(v->slots[i].msg);
        pthread_cond_destroy(&v->slots[i].cond);
    }

    free(v->free_fids);
    free(v);
}


void
ssr_vfs_counts(ssr_vfs_t *v, unsigned *dials, unsigned *outstanding)
{
    pthread_mutex_lock(&v->lock);
    *dials = v->dials;
    *outstanding = v->nbusy;
    pthread_mutex_unlock(&v->lock);
}


/* ------------------------------------------------------------- the dial */


/* Unlocked, as the one dialler: a new authenticated connection. */

static int
vc_dial(ssr_vfs_t *v, char *err, size_t errlen)
{
    int             fd;
    struct timeval  tv;

    fd = cli_dial_fd(&v->conf, VC_AFID, VC_SELF, &v->msize, err, errlen);

    if (fd < 0) {
        return -1;
    }

    /* from now on the reader waits as long as it takes */
    memset(&tv, 0, sizeof(tv));
    (void) setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));

    return fd;
}


/*
 * The connection of generation *gen, dialled if there is none: 0, or -1
 * with err.  *gen 0 takes whichever there is.
 */

static int
vc_connected(ssr_vfs_t *v, unsigned *gen, char *err, size_t errlen)
{
    int  fd;

    pthread_mutex_lock(&v->lock);

    for ( ;; ) {
        if (*gen && *gen != v->gen) {
            pthread_mutex_unlock(&v->lock);
            snprintf(err, errlen, "unavailable: connection lost");
            return -1;
        }

        if (v->fd >= 0) {
            *gen = v->gen;
            pthread_mutex_unlock(&v->lock);
            return 0;
        }

        if (*gen) {
            /* not reached: a lost connection moves gen on */
            pthread_mutex_unlock(&v->lock);
            snprintf(err, errlen, "unavailable: connection lost");
            return -1;
        }

        if (v->dialing) {
            pthread_cond_wait(&v->cond, &v->lock);
            continue;
        }

        v->dialing = 1;
        pthread_mutex_unlock(&v->lock);

        /* the last connection's reader has ended its work; reap it */
        if (v->has_reader) {
            pthread_join(v->reader, NULL);
            v->has_reader = 0;
        }

        fd = vc_dial(v, err, errlen);

        pthread_mutex_lock(&v->lock);
        v->dialing = 0;
        pthread_cond_broadcast(&v->cond);

        if (fd < 0) {
            pthread_mutex_unlock(&v->lock);
            return -1;
        }

        v->fd = fd;
        v->gen++;
        v->dials++;
        v->nfree = 0;
        v->next_fid = VC_FIRST_FID;

        if (pthread_create(&v->reader, NULL, vc_reader, v) != 0) {
            v->fd = -1;
            v->gen++;
            pthread_mutex_unlock(&v->lock);
            close(fd);
            snprintf(err, errlen, "unavailable: cannot start a thread");
            return -1;
        }

        v->has_reader = 1;

        if (v->dials > 1) {
            srv_log("connected to %s at %s again", v->conf.server,
                    v->conf.addr);
        }
    }
}


/* ----------------------------------------------------------- the reader */


static void *
vc_reader(void *arg)
{
    int         fd;
    uint8_t     hdr[4], *msg;
    int64_t     size;
    ssr_vfs_t  *v;

    v = arg;

    pthread_mutex_lock(&v->lock);
    fd = v->fd;
    pthread_mutex_unlock(&v->lock);

    for ( ;; ) {
        if (io_read_full(fd, hdr, 4) < 0) {
            vc_lost(v, "connection lost");
            break;
        }

        size = ninep_peek_size(hdr, 4);

        if (size < NINEP_HDRSZ || size > v->msize) {
            vc_lost(v, "bad reply");
            break;
        }

        msg = malloc((size_t) size);
        if (msg == NULL) {
            vc_lost(v, "out of memory");
            break;
        }

        memcpy(msg, hdr, 4);

        if (io_read_full(fd, msg + 4, (size_t) size - 4) < 0) {
            free(msg);
            vc_lost(v, "connection lost");
            break;
        }

        vc_deliver(v, msg, (uint32_t) size);
    }

    return NULL;
}


/* A tag's reply: to its waiter, or dropped if it gave up. */

static void
vc_deliver(ssr_vfs_t *v, uint8_t *msg, uint32_t size)
{
    int         tag, of;
    uint8_t     type;
    vc_slot_t  *s;

    type = msg[4];
    tag = msg[5] | msg[6] << 8;

    pthread_mutex_lock(&v->lock);

    s = (tag < VC_TAGS) ? &v->slots[tag] : NULL;

    if (s == NULL || !s->busy || s->done
        || (type != s->ttype + 1 && type != NINEP_RERROR))
    {
        pthread_mutex_unlock(&v->lock);
        free(msg);
        srv_log("%s: a reply to no request (tag %d, type %u); hanging up",
                v->conf.server, tag, type);
        shutdown(v->fd, SHUT_RDWR);
        return;
    }

    (void) size;

    if (s->flush_of >= 0) {
        /* an Rflush: the flushed tag is free now, and so is this one */
        of = s->flush_of;
        free(msg);
        slot_free(v, of);
        slot_free(v, tag);
        pthread_mutex_unlock(&v->lock);
        return;
    }

    if (s->abandoned) {
        free(msg);
        if (!s->flushed) {
            slot_free(v, tag);
        }
        pthread_mutex_unlock(&v->lock);
        return;
    }

    s->msg = msg;
    s->done = 1;
    pthread_cond_signal(&s->cond);
    pthread_mutex_unlock(&v->lock);
}


/* Locked. */

static void
slot_free(ssr_vfs_t *v, int tag)
{
    vc_slot_t  *s;

    s = &v->slots[tag];

    if (!s->busy) {
        return;
    }

    free(s->msg);
    s->msg = NULL;
    s->busy = s->done = s->abandoned = s->flushed = 0;
    s->flush_of = -1;
    s->err[0] = '\0';
    v->nbusy--;
    pthread_cond_broadcast(&v->cond);
}


/* The reader's end: every request on the connection fails. */

static void
vc_lost(ssr_vfs_t *v, const char *why)
{
    int         i;
    vc_slot_t  *s;

    pthread_mutex_lock(&v->lock);

    srv_log("lost the connection to %s at %s: %s", v->conf.server,
            v->conf.addr, why);

    for (i = 0; i < VC_TAGS; i++) {
        s = &v->slots[i];

        if (!s->busy) {
            continue;
        }

        if (s->abandoned || s->flush_of >= 0 || s->done) {
            if (!s->done) {
                slot_free(v, i);
            }
            continue;
        }

        snprintf(s->err, sizeof(s->err), "unavailable: %s", why);
        s->done = 1;
        pthread_cond_signal(&s->cond);
    }

    close(v->fd);
    v->fd = -1;
    v->gen++;
    pthread_cond_broadcast(&v->cond);

    pthread_mutex_unlock(&v->lock);
}


/* ---------------------------------------------------------- a request */


/* Locked: a free tag, waiting for one if all are out; -1 if the
 * connection of gen went meanwhile. */

static int
tag_take(ssr_vfs_t *v, unsigned gen)
{
    int  i;

    for ( ;; ) {
        if (v->gen != gen || v->fd < 0) {
            return -1;
        }

        if (v->nbusy < VC_TAGS) {
            break;
        }

        pthread_cond_wait(&v->cond, &v->lock);
    }

    for (i = 0; v->slots[i].busy; i++) {
        /* void */
    }

    v->slots[i].busy = 1;
    v->slots[i].done = 0;
    v->slots[i].flush_of = -1;
    v->nbusy++;

    return i;
}


/* Locked: packs and sends t under tag; -1: the connection is going. */

static int
vc_send(ssr_vfs_t *v, ninep_fcall_t *t)
{
    int       fd, rc;
    ssize_t   n;
    uint8_t  *buf;

    buf = malloc(v->msize);
    if (buf == NULL) {
        return -1;
    }

    n = ninep_pack(t, buf, v->msize);
    fd = v->fd;

    /* writes go out whole and in order; the lock is not held meanwhile */
    pthread_mutex_unlock(&v->lock);
    pthread_mutex_lock(&v->wlock);
    rc = (n < 0) ? -2 : io_write_full(fd, buf, (size_t) n);
    pthread_mutex_unlock(&v->wlock);
    pthread_mutex_lock(&v->lock);

    free(buf);

    if (rc == -1 && v->fd == fd) {
        shutdown(fd, SHUT_RDWR);    /* the reader fails everything */
    }

    return rc;
}


/* Locked: the request of tag went unanswered; flush it. */

static void
vc_give_up(ssr_vfs_t *v, int tag)
{
    int            ftag;
    ninep_fcall_t  t;

    v->slots[tag].abandoned = 1;

    if (v->nbusy >= VC_TAGS) {
        /* no tag left to flush with: the connection is stuck anyway */
        shutdown(v->fd, SHUT_RDWR);
        return;
    }

    ftag = tag_take(v, v->gen);
    if (ftag < 0) {
        return;
    }

    v->slots[ftag].ttype = NINEP_TFLUSH;
    v->slots[ftag].flush_of = tag;
    v->slots[ftag].abandoned = 1;
    v->slots[tag].flushed = 1;

    memset(&t, 0, sizeof(t));
    t.type = NINEP_TFLUSH;
    t.tag = (uint16_t) ftag;
    t.oldtag = (uint16_t) tag;

    if (vc_send(v, &t) != 0) {
        slot_free(v, ftag);
        v->slots[tag].flushed = 0;
    }
}


/*
 * One request on the connection of gen (0: any, dialled if need be) and
 * its reply, unpacked from *msg (the caller frees it).  0, or -1 with
 * err: the Rerror's text or why there is no reply.
 */

static int
vc_rpc(ssr_vfs_t *v, unsigned gen, ninep_fcall_t *t, ninep_fcall_t *r,
    uint8_t **msg, char *err, size_t errlen)
{
    int               tag, rc;
    uint8_t          *m;
    uint32_t          size;
    vc_slot_t        *s;
    struct timespec   deadline;

    *msg = NULL;

    if (vc_connected(v, &gen, err, errlen) < 0) {
        return -1;
    }

    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += v->conf.timeout_ms / 1000;
    deadline.tv_nsec += (long) (v->conf.timeout_ms % 1000) * 1000000;

    if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000;
    }

    pthread_mutex_lock(&v->lock);

    tag = tag_take(v, gen);

    if (tag < 0) {
        pthread_mutex_unlock(&v->lock);
        snprintf(err, errlen, "unavailable: connection lost");
        return -1;
    }

    s = &v->slots[tag];
    s->ttype = t->type;
    t->tag = (uint16_t) tag;

    rc = vc_send(v, t);

    if (rc == -2) {
        slot_free(v, tag);
        pthread_mutex_unlock(&v->lock);
        snprintf(err, errlen, "request too large");
        return -1;
    }

    while (!s->done) {
        if (pthread_cond_timedwait(&s->cond, &v->lock, &deadline)
            == ETIMEDOUT && !s->done)
        {
            vc_give_up(v, tag);
            pthread_mutex_unlock(&v->lock);
            snprintf(err, errlen, "unavailable: %s did not answer in %d ms",
                     v->conf.server, v->conf.timeout_ms);
            return -1;
        }
    }

    m = s->msg;
    s->msg = NULL;

    if (m == NULL) {
        snprintf(err, errlen, "%s", s->err);
    }

    slot_free(v, tag);
    pthread_mutex_unlock(&v->lock);

    if (m == NULL) {
        return -1;
    }

    size = (uint32_t) m[0] | (uint32_t) m[1] << 8 | (uint32_t) m[2] << 16
           | (uint32_t) m[3] << 24;

    if (ninep_unpack(m, size, v->msize, NINEP_R, r) != NINEP_OK) {
        free(m);
        snprintf(err, errlen, "unavailable: bad reply");
        return -1;
    }

    if (r->type == NINEP_RERROR) {
        snprintf(err, errlen, "%.*s", (int) r->ename.len, r->ename.data);
        free(m);
        return -1;
    }

    *msg = m;

    return 0;
}


/* -------------------------------------------------------------- fids */


static int
fid_take(ssr_vfs_t *v, unsigned gen, uint32_t *fid, char *err,
    size_t errlen)
{
    pthread_mutex_lock(&v->lock);

    if (gen != v->gen) {
        pthread_mutex_unlock(&v->lock);
        snprintf(err, errlen, "unavailable: connection lost");
        return -1;
    }

    if (v->nfree) {
        *fid = v->free_fids[--v->nfree];

    } else if (v->next_fid < VC_FIDS) {
        *fid = v->next_fid++;

    } else {
        pthread_mutex_unlock(&v->lock);
        snprintf(err, errlen, "too many fids on the VFS");
        return -1;
    }

    pthread_mutex_unlock(&v->lock);

    return 0;
}


/* A fid of gen the VFS no longer knows (clunked, or never made). */

static void
fid_give(ssr_vfs_t *v, unsigned gen, uint32_t fid)
{
    pthread_mutex_lock(&v->lock);

    if (gen == v->gen && v->nfree < VC_FIDS) {
        v->free_fids[v->nfree++] = fid;
    }

    pthread_mutex_unlock(&v->lock);
}


static void
clunk_fid(ssr_vfs_t *v, unsigned gen, uint32_t fid)
{
    char           err[64];
    uint8_t       *msg;
    ninep_fcall_t  t, r;

    memset(&t, 0, sizeof(t));
    t.type = NINEP_TCLUNK;
    t.fid = fid;

    if (vc_rpc(v, gen, &t, &r, &msg, err, sizeof(err)) == 0) {
        free(msg);
    }

    /* a clunk that fails still ends the fid (clunk(5)), unless the
       connection is gone, and with it every fid */
    fid_give(v, gen, fid);
}


void
ssr_vfs_clunk(ssr_vfs_user_t *u, uint32_t fid)
{
    clunk_fid(u->vfs, u->gen, fid);
}


/* ------------------------------------------------------------- users */


static vc_root_t *
root_find(ssr_vfs_t *v, const char *user, time_t now)
{
    int         i;
    vc_root_t  *e;

    for (i = 0; i < VC_ROOTS; i++) {
        e = &v->roots[i];

        if (e->gen == v->gen && e->user[0] && strcmp(e->user, user) == 0
            && now - e->made < VC_ROOT_TTL)
        {
            return e;
        }
    }

    return NULL;
}


/*
 * Locked: a place for a new root, unused or the oldest one nobody holds;
 * *old is its fid to clunk (0: none).  NULL: every place is held.
 */

static vc_root_t *
root_slot(ssr_vfs_t *v, uint32_t *old, unsigned *oldgen)
{
    int         i;
    vc_root_t  *e, *best;

    best = NULL;
    *old = 0;

    for (i = 0; i < VC_ROOTS; i++) {
        e = &v->roots[i];

        if (e->refs) {
            continue;
        }

        if (e->user[0] == '\0' || e->gen != v->gen) {
            best = e;
            break;
        }

        if (best == NULL || e->made < best->made) {
            best = e;
        }
    }

    if (best && best->user[0] && best->gen == v->gen) {
        *old = best->fid;
        *oldgen = best->gen;
    }

    if (best) {
        best->user[0] = '\0';
    }

    return best;
}


int
ssr_vfs_attach(ssr_vfs_t *v, const char *user, ssr_vfs_user_t *u,
    ninep_qid_t *qid, char *err, size_t errlen)
{
    time_t         now;
    uint8_t       *msg;
    uint32_t       fid, old;
    unsigned       gen, oldgen;
    vc_root_t     *e;
    ninep_fcall_t  t, r;

    memset(u, 0, sizeof(*u));
    u->vfs = v;
    now = time(NULL);

    pthread_mutex_lock(&v->lock);
    e = (v->fd >= 0) ? root_find(v, user, now) : NULL;

    if (e) {
        e->refs++;
        u->gen = e->gen;
        u->root = e->fid;
        u->rootent = e;
        *qid = e->qid;
        pthread_mutex_unlock(&v->lock);
        return 0;
    }

    pthread_mutex_unlock(&v->lock);

    gen = 0;

    if (vc_connected(v, &gen, err, errlen) < 0
        || fid_take(v, gen, &fid, err, errlen) < 0)
    {
        return -1;
    }

    memset(&t, 0, sizeof(t));
    t.type = NINEP_TATTACH;
    t.fid = fid;
    t.afid = NINEP_NOFID;
    t.uname = ninep_str(user);
    t.aname = ninep_str("");

    if (vc_rpc(v, gen, &t, &r, &msg, err, errlen) < 0) {
        fid_give(v, gen, fid);
        return -1;
    }

    *qid = r.qid;
    free(msg);

    u->gen = gen;
    u->root = fid;

    pthread_mutex_lock(&v->lock);

    e = (gen == v->gen) ? root_slot(v, &old, &oldgen) : NULL;

    if (e) {
        snprintf(e->user, sizeof(e->user), "%s", user);
        e->fid = fid;
        e->gen = gen;
        e->refs = 1;
        e->made = now;
        e->qid = *qid;
        u->rootent = e;
    }

    pthread_mutex_unlock(&v->lock);

    if (e && old) {
        clunk_fid(v, oldgen, old);
    }

    return 0;
}


void
ssr_vfs_detach(ssr_vfs_user_t *u)
{
    int         drop;
    uint32_t    fid;
    vc_root_t  *e;
    ssr_vfs_t  *v;

    v = u->vfs;

    if (v == NULL) {
        return;
    }

    e = u->rootent;
    drop = 1;
    fid = u->root;

    if (e) {
        pthread_mutex_lock(&v->lock);
        e->refs--;
        drop = 0;

        /* kept for the next request, unless its time is up or its
           connection is gone (and the fid with it) */
        if (e->refs == 0
            && (e->gen != v->gen || time(NULL) - e->made >= VC_ROOT_TTL))
        {
            drop = (e->gen == v->gen);
            e->user[0] = '\0';
        }

        pthread_mutex_unlock(&v->lock);
    }

    if (drop) {
        clunk_fid(v, u->gen, fid);
    }

    u->vfs = NULL;
}


/* ------------------------------------------------------- the operations */


static int
walk_from(ssr_vfs_user_t *u, uint32_t from, uint32_t to,
    const ninep_str_t *names, size_t n, ninep_fcall_t *r, uint8_t **msg,
    char *err, size_t errlen)
{
    size_t         i;
    ninep_fcall_t  t;

    memset(&t, 0, sizeof(t));
    t.type = NINEP_TWALK;
    t.fid = from;
    t.newfid = to;
    t.nwname = (uint16_t) n;

    for (i = 0; i < n; i++) {
        t.wname[i] = names[i];
    }

    return vc_rpc(u->vfs, u->gen, &t, r, msg, err, errlen);
}


/* The VFS's reason for names[k] after names[0..k) walked from the root. */

static void
walk_reason(ssr_vfs_user_t *u, const ninep_str_t *names, size_t k,
    char *err, size_t errlen)
{
    size_t          n;
    uint32_t        fid, probe;
    uint8_t        *msg;
    ninep_fcall_t   r;

    snprintf(err, errlen, "file does not exist");

    if (ssr_vfs_walk(u, names, k, &fid, NULL, &n, err, errlen) < 0) {
        return;     /* it changed meanwhile: that reason will do */
    }

    if (fid_take(u->vfs, u->gen, &probe, err, errlen) == 0) {
        if (walk_from(u, fid, probe, &names[k], 1, &r, &msg, err, errlen)
            == 0)
        {
            /* it is there now */
            free(msg);
            if (r.nwqid == 1) {
                clunk_fid(u->vfs, u->gen, probe);
            } else {
                fid_give(u->vfs, u->gen, probe);
            }
            snprintf(err, errlen, "file does not exist");

        } else {
            fid_give(u->vfs, u->gen, probe);
        }
    }

    ssr_vfs_clunk(u, fid);
}


int
ssr_vfs_walk(ssr_vfs_user_t *u, const ninep_str_t *names, size_t n,
    uint32_t *fid, ninep_qid_t *qids, size_t *done, char *err,
    size_t errlen)
{
    int            made;
    size_t         off, k, i;
    uint8_t       *msg;
    uint32_t       nfid;
    ninep_fcall_t  r;

    *done = 0;

    if (fid_take(u->vfs, u->gen, &nfid, err, errlen) < 0) {
        return -1;
    }

    made = 0;
    off = 0;

    do {
        k = n - off;
        if (k > NINEP_MAXWELEM) {
            k = NINEP_MAXWELEM;
        }

        if (walk_from(u, made ? nfid : u->root, nfid, names + off, k, &r,
                      &msg, err, errlen) < 0)
        {
            /* the first name of this step: err is the VFS's reason */
            goto failed;
        }

        for (i = 0; i < r.nwqid && i < k; i++) {
            if (qids) {
                qids[off + i] = r.wqid[i];
            }
        }

        free(msg);

        if (r.nwqid < k) {
            *done = off + r.nwqid;
            if (made) {
                ssr_vfs_clunk(u, nfid);
            } else {
                fid_give(u->vfs, u->gen, nfid);
            }
            walk_reason(u, names, off + r.nwqid, err, errlen);
            return -1;
        }

        made = 1;
        off += k;

    } while (off < n);

    *done = n;
    *fid = nfid;

    return 0;

failed:

    *done = off;

    if (made) {
        ssr_vfs_clunk(u, nfid);
    } else {
        fid_give(u->vfs, u->gen, nfid);
    }

    return -1;
}


int
ssr_vfs_open(ssr_vfs_user_t *u, uint32_t fid, uint8_t mode,
    ninep_qid_t *qid, char *err, size_t errlen)
{
    uint8_t       *msg;
    ninep_fcall_t  t, r;

    memset(&t, 0, sizeof(t));
    t.type = NINEP_TOPEN;
    t.fid = fid;
    t.mode = mode;

    if (vc_rpc(u->vfs, u->gen, &t, &r, &msg, err, errlen) < 0) {
        return -1;
    }

    *qid = r.qid;
    free(msg);

    return 0;
}


int
ssr_vfs_stat(ssr_vfs_user_t *u, uint32_t fid, ninep_stat_t *st,
    uint8_t **msg, char *err, size_t errlen)
{
    ninep_fcall_t  t, r;

    memset(&t, 0, sizeof(t));
    t.type = NINEP_TSTAT;
    t.fid = fid;

    if (vc_rpc(u->vfs, u->gen, &t, &r, msg, err, errlen) < 0) {
        return -1;
    }

    *st = r.st;

    return 0;
}


int
ssr_vfs_read_all(ssr_vfs_user_t *u, uint32_t fid, size_t max,
    uint8_t **data, size_t *len, int *more, char *err, size_t errlen)
{
    size_t         n, cap;
    uint8_t       *buf, *nbuf, *msg;
    ninep_fcall_t  t, r;

    buf = NULL;
    n = cap = 0;
    *more = 0;

    for ( ;; ) {
        memset(&t, 0, sizeof(t));
        t.type = NINEP_TREAD;
        t.fid = fid;
        t.offset = n;
        t.count = u->vfs->msize - NINEP_IOHDRSZ;

        if (vc_rpc(u->vfs, u->gen, &t, &r, &msg, err, errlen) < 0) {
            free(buf);
            return -1;
        }

        if (r.count == 0) {
            free(msg);
            break;
        }

        if (n + r.count > max) {
            /* keep what fits, and say there was more */
            r.count = (uint32_t) (max - n);
            *more = 1;
        }

        if (n + r.count + 1 > cap) {
            cap = (n + r.count + 1) * 2;
            if (cap > max + 1) {
                cap = max + 1;
            }

            nbuf = realloc(buf, cap);
            if (nbuf == NULL) {
                free(msg);
                free(buf);
                snprintf(err, errlen, "out of memory");
                return -1;
            }

            buf = nbuf;
        }

        memcpy(buf + n, r.data, r.count);
        n += r.count;
        free(msg);

        if (*more) {
            break;
        }
    }

    if (buf == NULL) {
        buf = malloc(1);
        if (buf == NULL) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    }

    buf[n] = '\0';
    *data = buf;
    *len = n;

    return 0;
}
