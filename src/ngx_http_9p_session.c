
/*
 * Ten: the 9P session on one transport -- the client's requests (tags,
 * flush, version), its fids, and forwarding to the services: a client fid
 * maps to one backend fid on one pooled connection, whose tags are its
 * own.  Walks are ngx_http_9p_walk.c's; the kernel's own files and the
 * rescue tree are answered here.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_9p_req.h"
#include "ngx_http_9p_rpc.h"
#include "ngx_http_9p_namespace.h"
#include "ngx_http_9p_walk.h"
#include "ngx_http_9p_union.h"
#include "ngx_http_9p_recover.h"



static ngx_str_t    ngx_http_9p_dotdot = ngx_string("..");



static ngx_int_t ngx_http_9p_session_resend(ngx_http_9p_session_t *s,
    u_char *msg, size_t len);
static ngx_int_t ngx_http_9p_reply_rclunk(ngx_http_9p_session_t *s,
    uint16_t tag);
static ngx_int_t ngx_http_9p_session_version(ngx_http_9p_session_t *s,
    ninep_fcall_t *t);
static ngx_int_t ngx_http_9p_flush(ngx_http_9p_session_t *s,
    ninep_fcall_t *t);
static ngx_int_t ngx_http_9p_ram_request(ngx_http_9p_session_t *s,
    ngx_http_9p_fid_t *f, ninep_fcall_t *t);
static ngx_int_t ngx_http_9p_forward(ngx_http_9p_session_t *s,
    ninep_fcall_t *t);
static ngx_uint_t ngx_http_9p_dev_wstat_noop(ngx_http_9p_fid_t *f,
    ninep_stat_t *st);
static ngx_int_t ngx_http_9p_dev_request(ngx_http_9p_session_t *s,
    ngx_http_9p_fid_t *f, ninep_fcall_t *t);
static size_t ngx_http_9p_dev_text(ngx_http_9p_session_t *s,
    ngx_http_9p_fid_t *f, u_char *buf, size_t len);
static void ngx_http_9p_forwarded(ngx_http_9p_creq_t *cr, ninep_fcall_t *r,
    const char *err);


void
ngx_http_9p_session_init(ngx_http_9p_session_t *s)
{
    ngx_queue_init(&s->creqs);
    s->resend = ngx_http_9p_session_resend;
}


/* Recovery sends a request again, or one it kept aside, through here. */

static ngx_int_t
ngx_http_9p_session_resend(ngx_http_9p_session_t *s, u_char *msg, size_t len)
{
    ngx_int_t  rc;

    s->resending = 1;
    rc = ngx_http_9p_session_message(s, msg, len);
    s->resending = 0;

    return rc;
}


ngx_int_t
ngx_http_9p_session_message(ngx_http_9p_session_t *s, u_char *msg,
    size_t len)
{
    int                  rc;
    u_char               reason[123], *p;
    ninep_fcall_t        t;
    ngx_queue_t         *q;
    ngx_http_9p_creq_t  *cr;

    rc = ninep_unpack(msg, len, s->msize, NINEP_T, &t);

    if (rc != NINEP_OK) {
        ngx_log_error(NGX_LOG_INFO, s->connection->log, 0,
                      "9p: client sent malformed 9P: %s",
                      ninep_strerror(rc));

        p = ngx_snprintf(reason, sizeof(reason) - 1, "malformed 9P: %s",
                         ninep_strerror(rc));
        *p = '\0';

        s->transport->malformed(s, (char *) reason);
        return NGX_ERROR;
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, s->connection->log, 0,
                   "9p: %s tag %uD", ninep_type_name(t.type), t.tag);

    if (t.type == NINEP_TVERSION) {
        return ngx_http_9p_session_version(s, &t);
    }

    /* version(5): a Tversion must be the first message of a session */
    if (!s->versioned) {
        return ngx_http_9p_reply_error(s, t.tag,
                                       "version not negotiated: "
                                       "send Tversion first");
    }

    for (q = ngx_queue_head(&s->creqs);
         q != ngx_queue_sentinel(&s->creqs);
         q = ngx_queue_next(q))
    {
        cr = ngx_queue_data(q, ngx_http_9p_creq_t, queue);

        if (cr->tag == t.tag) {
            return ngx_http_9p_reply_error(s, t.tag, "tag in use");
        }
    }

    /*
     * flush(5) expects a Tflush to be answered: Tflushes have as many
     * slots again, which bounds repeated flushes of one request
     */
    if (s->ncreqs >= s->conf->max_requests
        && (t.type != NINEP_TFLUSH || s->ncreqs >= 2 * s->conf->max_requests))
    {
        return ngx_http_9p_reply_error(s, t.tag,
                                       "too many outstanding requests");
    }

    switch (t.type) {

    case NINEP_TFLUSH:
        return ngx_http_9p_flush(s, &t);

    case NINEP_TAUTH:
        return ngx_http_9p_reply_error(s, t.tag,
                                       "authentication not required");

    case NINEP_TATTACH:
        return ngx_http_9p_attach(s, &t);

    case NINEP_TWALK:
        return ngx_http_9p_walk(s, &t);

    default:
        return ngx_http_9p_forward(s, &t);
    }
}


/*
 * version(5): msize is the smaller of the two; "9P2000" and its dotted
 * variants get plain "9P2000", anything else "unknown".  Everything in
 * progress is abandoned and every fid clunked.
 */

static ngx_int_t
ngx_http_9p_session_version(ngx_http_9p_session_t *s, ninep_fcall_t *t)
{
    size_t         vlen;
    ninep_fcall_t  r;

    if (t->msize < NGX_HTTP_9P_MIN_MSIZE) {
        return ngx_http_9p_reply_error(s, t->tag, "msize too small");
    }

    ngx_http_9p_session_end(s);

    vlen = sizeof(NINEP_VERSION) - 1;

    ngx_memzero(&r, sizeof(r));
    r.type = NINEP_RVERSION;
    r.tag = t->tag;
    r.msize = ngx_min(t->msize, (uint32_t) s->conf->msize);

    if (t->version.len >= vlen
        && ngx_strncmp(t->version.data, NINEP_VERSION, vlen) == 0
        && (t->version.len == vlen || t->version.data[vlen] == '.'))
    {
        r.version = ninep_str(NINEP_VERSION);
        s->msize = r.msize;
        s->versioned = 1;

    } else {
        r.version = ninep_str("unknown");
        s->msize = s->conf->msize;
        s->versioned = 0;
    }

    return s->transport->send(s, &r);
}


/* Abandons every request and fid: a new Tversion, or the end. */

void
ngx_http_9p_session_end(ngx_http_9p_session_t *s)
{
    ngx_uint_t           i;
    ngx_queue_t         *q;
    ngx_http_9p_fid_t   *f;
    ngx_http_9p_creq_t  *cr, *fl;

    while (!ngx_queue_empty(&s->creqs)) {
        q = ngx_queue_head(&s->creqs);
        cr = ngx_queue_data(q, ngx_http_9p_creq_t, queue);

        /* Tflushes waiting on it go with it, unanswered */
        while (cr->flushes) {
            fl = cr->flushes;
            cr->flushes = fl->flush_next;
            ngx_http_9p_creq_abort(fl);
        }

        ngx_http_9p_creq_abort(cr);
    }

    for (i = 0; i < NGX_HTTP_9P_FID_BUCKETS; i++) {
        while ((f = s->fids[i]) != NULL) {
            ngx_http_9p_fid_unlink(s, f);
            ngx_http_9p_fid_free(s, f, 1);
        }
    }

    ngx_http_9p_session_idle(s);
}


/* A quiet session keeps no spare request or fid structures. */

void
ngx_http_9p_session_idle(ngx_http_9p_session_t *s)
{
    ngx_http_9p_fid_t   *f;
    ngx_http_9p_creq_t  *cr;

    while (s->free_fids) {
        f = s->free_fids;
        s->free_fids = f->next;
        ngx_free(f->path);
        ngx_free(f);
    }

    while (s->free_creqs) {
        cr = s->free_creqs;
        s->free_creqs = cr->next;

        if (cr->space) {
            ngx_free(cr->space);
        }

        ngx_free(cr);
    }
}



/* ------------------------------------------------------------ requests */








/*
 * flush(5): a request still with a service is flushed there and answered
 * as the service decides; Rflush follows.  One that waits for a
 * connection is dropped at once.
 */

static ngx_int_t
ngx_http_9p_flush(ngx_http_9p_session_t *s, ninep_fcall_t *t)
{
    ngx_queue_t          *q;
    ngx_http_9p_creq_t   *old, *fl, **last;
    ninep_fcall_t         r;

    old = NULL;

    for (q = ngx_queue_head(&s->creqs);
         q != ngx_queue_sentinel(&s->creqs);
         q = ngx_queue_next(q))
    {
        old = ngx_queue_data(q, ngx_http_9p_creq_t, queue);

        if (old->tag == t->oldtag && old->type != NINEP_TFLUSH) {
            break;
        }

        old = NULL;
    }

    if (old && old->breq) {
        fl = ngx_http_9p_creq_new(s, t);
        if (fl == NULL) {
            return NGX_ERROR;
        }

        /* flush(5): Rflushes in the order of their Tflushes */
        for (last = &old->flushes; *last; last = &(*last)->flush_next) {
            /* void */
        }

        fl->flush_next = NULL;
        *last = fl;
        ngx_http_9p_backend_flush(old->breq);

        return NGX_OK;
    }

    if (old) {
        ngx_http_9p_creq_abort(old);
    }

    ngx_memzero(&r, sizeof(r));
    r.type = NINEP_RFLUSH;
    r.tag = t->tag;

    return s->transport->send(s, &r);
}



/* ---------------------------------------------------------------- fids */











/* ------------------------------------------------------------ forward */


/*
 * Everything else goes to the fid's service as it is, with its fid and tag
 * in the connection's spaces; replies come back as they are.
 */

static ngx_int_t
ngx_http_9p_forward(ngx_http_9p_session_t *s, ninep_fcall_t *t)
{
    uint32_t              iomax;
    ngx_http_9p_fid_t    *f;
    ngx_http_9p_creq_t   *cr;
    ngx_http_9p_mount_t  *m;

    f = ngx_http_9p_fid_find(s, t->fid);

    if (f == NULL) {
        return ngx_http_9p_reply_error(s, t->tag, "unknown fid");
    }

    if (t->type == NINEP_TREAD && f->merge) {
        return ngx_http_9p_union_read(s, f, t);
    }

    if (t->type == NINEP_TCREATE) {
        m = ngx_http_9p_union_creator(f);

        if (m != f->mount) {
            return ngx_http_9p_union_create(s, f, t, m);
        }
    }

    if (f->dev) {
        return ngx_http_9p_dev_request(s, f, t);
    }

    if (f->ram) {
        return ngx_http_9p_ram_request(s, f, t);
    }

    if (f->backend && !ngx_http_9p_backend_alive(f->backend)) {
        if (t->type == NINEP_TCLUNK) {
            /* its backend fid went with the connection */
            ngx_http_9p_fid_unlink(s, f);
            ngx_http_9p_fid_free(s, f, 0);
            return ngx_http_9p_reply_rclunk(s, t->tag);
        }

        return ngx_http_9p_recover(s, f, t);
    }

    cr = ngx_http_9p_creq_new(s, t);
    if (cr == NULL) {
        return NGX_ERROR;
    }

    ngx_http_9p_creq_hold(cr, f);
    cr->backend = f->backend;
    ngx_http_9p_backend_ref(cr->backend);

    if (t->type == NINEP_TCLUNK || t->type == NINEP_TREMOVE) {
        /* the client's fid is gone whatever the service answers */
        ngx_http_9p_fid_unlink(s, f);
        cr->bfid = f->bfid;
        f->bfid = NINEP_NOFID;
        ngx_http_9p_fid_free(s, f, 0);
        cr->fid = NULL;
    }

    if (!ngx_http_9p_backend_alive(cr->backend)) {
        ngx_http_9p_creq_error(cr, ngx_http_9p_backend_name(cr->backend),
                               "connection lost");
        return NGX_OK;
    }

    /* reads and writes within both msizes */
    iomax = ngx_min(s->msize, ngx_http_9p_backend_msize(cr->backend))
            - NINEP_IOHDRSZ;

    if ((t->type == NINEP_TREAD || t->type == NINEP_TWRITE)
        && t->count > iomax)
    {
        t->count = iomax;
    }

    cr->mode = t->mode;
    cr->offset = t->offset;

    if (t->type == NINEP_TCREATE) {
        /* the fid moves to the new file: its path grows by the name */
        cr->names = ngx_http_9p_creq_space(cr, t->name.len);
        if (cr->names == NULL) {
            ngx_http_9p_creq_error(cr, NULL, "out of memory");
            return NGX_OK;
        }

        ngx_memcpy(cr->names, t->name.data, t->name.len);
        cr->wname[0].data = cr->names;
        cr->wname[0].len = t->name.len;
    }

    t->fid = cr->fid ? f->bfid : cr->bfid;
    cr->resend = 1;

    (void) ngx_http_9p_send(cr, cr->backend, t, ngx_http_9p_forwarded);

    return NGX_OK;
}


static void
ngx_http_9p_forwarded(ngx_http_9p_creq_t *cr, ninep_fcall_t *r,
    const char *err)
{
    ngx_http_9p_fid_t  *f;

    if (r == NULL) {
        ngx_http_9p_creq_error(cr, ngx_http_9p_backend_name(cr->backend),
                               err);
        return;
    }

    f = ngx_http_9p_creq_fid(cr);

    if (f && r->type == NINEP_RREAD && (f->qid.type & NINEP_QTDIR)) {
        /* where a recovery must take a directory read back to */
        f->dir_next = cr->offset + r->count;
    }

    if (f && (r->type == NINEP_ROPEN || r->type == NINEP_RCREATE)) {
        ngx_http_9p_fid_opened(cr, f, r);
    }

    ngx_http_9p_creq_reply(cr, r);
}



/* ---------------------------------------------------------- /dev et al */


/* The kernel's files answer at once: nothing of theirs is remote. */

static ngx_int_t
ngx_http_9p_dev_request(ngx_http_9p_session_t *s, ngx_http_9p_fid_t *f,
    ninep_fcall_t *t)
{
    u_char         buf[NGX_HTTP_9P_DEV_MAX];
    size_t         len;
    ssize_t        n;
    ngx_str_t      path, *name;
    ninep_fcall_t  r;

    ngx_memzero(&r, sizeof(r));
    r.tag = t->tag;

    switch (t->type) {

    case NINEP_TOPEN:
        if (f->open) {
            return ngx_http_9p_reply_error(s, t->tag, "fid already open");
        }

        if ((t->mode & 3) != NINEP_OREAD
            && (f->dev != NGX_HTTP_9P_DEV_NSCTL
                || (t->mode & 3) == NINEP_OEXEC))
        {
            return ngx_http_9p_reply_error(s, t->tag, "permission denied");
        }

        f->open = 1;
        f->merge = ngx_http_9p_dev_isdir(f->dev) && ngx_http_9p_dir_merges(f);
        r.type = NINEP_ROPEN;
        r.qid = f->qid;
        r.iounit = s->msize - NINEP_IOHDRSZ;
        break;

    case NINEP_TREAD:
        if (!f->open) {
            return ngx_http_9p_reply_error(s, t->tag, "fid not open");
        }

        if (ngx_http_9p_dev_isdir(f->dev)) {
            path.data = f->path;
            path.len = f->path_len;
            n = ngx_http_9p_dev_dir(f->dev, &path, &f->ns->mounts,
                                    f->ns->user, buf, sizeof(buf));
            len = n < 0 ? 0 : (size_t) n;

        } else {
            len = ngx_http_9p_dev_text(s, f, buf, sizeof(buf));
        }

        r.type = NINEP_RREAD;

        if (t->offset < len) {
            r.data = buf + t->offset;
            r.count = (uint32_t) ngx_min(len - t->offset,
                                         ngx_min(t->count,
                                                 s->msize - NINEP_IOHDRSZ));

            /* a directory is read in whole entries */
            if (ngx_http_9p_dev_isdir(f->dev)) {
                r.count = (uint32_t) ninep_dir_fit(r.data, len - t->offset,
                                                   r.count);
            }
        }

        break;

    case NINEP_TWRITE:
        if (f->dev != NGX_HTTP_9P_DEV_NSCTL || !f->open) {
            return ngx_http_9p_reply_error(s, t->tag, "permission denied");
        }

        return ngx_http_9p_nsctl(s, f, t);

    case NINEP_TSTAT:
        /* a kernel directory at a mount point is named after it */
        name = NULL;

        if (f->path_len > 1) {
            path.data = f->path + f->path_len;
            while (path.data > f->path && path.data[-1] != '/') {
                path.data--;
            }
            path.len = f->path + f->path_len - path.data;
            name = &path;
        }

        r.type = NINEP_RSTAT;
        ngx_http_9p_dev_stat(f->dev, name, f->ns->user, &r.st);
        break;

    case NINEP_TCLUNK:
        ngx_http_9p_fid_unlink(s, f);
        ngx_http_9p_fid_free(s, f, 0);
        r.type = NINEP_RCLUNK;
        break;

    case NINEP_TREMOVE:
        ngx_http_9p_fid_unlink(s, f);
        ngx_http_9p_fid_free(s, f, 0);
        return ngx_http_9p_reply_error(s, t->tag, "permission denied");

    case NINEP_TWSTAT:
        if (!ngx_http_9p_dev_wstat_noop(f, &t->st)) {
            return ngx_http_9p_reply_error(s, t->tag, "permission denied");
        }

        r.type = NINEP_RWSTAT;
        break;

    default:    /* Tcreate */
        return ngx_http_9p_reply_error(s, t->tag, "permission denied");
    }

    return s->transport->send(s, &r);
}


/*
 * A wstat of a kernel file may only change nothing: every field "don't
 * touch", except that /dev/nsctl takes a length of 0 and any times, which
 * Linux and FUSE send after opening it with OTRUNC (a control file keeps
 * neither).
 */

static ngx_uint_t
ngx_http_9p_dev_wstat_noop(ngx_http_9p_fid_t *f, ninep_stat_t *st)
{
    ngx_uint_t  ctl;

    ctl = (f->dev == NGX_HTTP_9P_DEV_NSCTL);

    return st->type == NINEP_DONTTOUCH16
           && st->dev == NINEP_DONTTOUCH32
           && st->qid.type == 0xff
           && st->qid.version == NINEP_DONTTOUCH32
           && st->qid.path == NINEP_DONTTOUCH64
           && st->mode == NINEP_DONTTOUCH32
           && (st->atime == NINEP_DONTTOUCH32 || ctl)
           && (st->mtime == NINEP_DONTTOUCH32 || ctl)
           && (st->length == NINEP_DONTTOUCH64 || (ctl && st->length == 0))
           && st->name.len == 0 && st->uid.len == 0
           && st->gid.len == 0 && st->muid.len == 0;
}


/*
 * A file of the rescue tree: everything is answered at once.  Anyone may
 * write what its mode lets anyone write.
 */

static ngx_int_t
ngx_http_9p_ram_request(ngx_http_9p_session_t *s, ngx_http_9p_fid_t *f,
    ninep_fcall_t *t)
{
    u_char               *buf, path[NGX_HTTP_9P_PATH_MAX];
    size_t                used, len;
    uint32_t              count;
    ngx_int_t             rc;
    ngx_str_t             name;
    const char           *e;
    ninep_stat_t          st;
    ninep_fcall_t         r;
    ngx_http_9p_rnode_t  *c;

    ngx_memzero(&r, sizeof(r));
    r.tag = t->tag;
    count = ngx_min(t->count, s->msize - NINEP_IOHDRSZ);
    e = NULL;

    switch (t->type) {

    case NINEP_TOPEN:
    case NINEP_TCREATE:
        if (f->open) {
            return ngx_http_9p_reply_error(s, t->tag, "fid already open");
        }

        if (t->type == NINEP_TOPEN) {
            e = ngx_http_9p_rnode_open(f->ram, t->mode);

        } else if ((t->perm & NINEP_DMDIR) && (t->mode & 3) != NINEP_OREAD) {
            e = "permission denied";

        } else if (f->path_len + 1 + t->name.len > NGX_HTTP_9P_PATH_MAX) {
            e = "File name too long";

        } else {
            e = ngx_http_9p_rnode_create(f->ram, (u_char *) t->name.data,
                                         t->name.len, t->perm, f->ns->user,
                                         &c);
            if (e == NULL) {
                ngx_http_9p_rnode_unref(f->ram);
                f->ram = c;
                name.data = (u_char *) t->name.data;
                name.len = t->name.len;
                len = ngx_http_9p_path_join(path, f->path, f->path_len,
                                            &name);
                (void) ngx_http_9p_fid_set_path(f, path, len);
            }
        }

        if (e) {
            return ngx_http_9p_reply_error(s, t->tag, e);
        }

        f->open = 1;
        f->mode = t->mode;
        f->dir_next = 0;
        f->dir_at = 0;
        f->merge = ngx_http_9p_rnode_isdir(f->ram)
                   && ngx_http_9p_dir_merges(f);
        ngx_http_9p_rnode_qid(f->ram, &f->qid);
        r.type = (t->type == NINEP_TOPEN) ? NINEP_ROPEN : NINEP_RCREATE;
        r.qid = f->qid;
        r.iounit = s->msize - NINEP_IOHDRSZ;
        break;

    case NINEP_TREAD:
        if (!f->open || (f->mode & 3) == NINEP_OWRITE) {
            return ngx_http_9p_reply_error(s, t->tag,
                                           "fid not open for reading");
        }

        if (ngx_http_9p_rnode_isdir(f->ram) && t->offset != 0
            && t->offset != f->dir_next)
        {
            return ngx_http_9p_reply_error(s, t->tag,
                                           "bad offset in directory read");
        }

        buf = ngx_alloc(ngx_max(count, 1), s->connection->log);
        if (buf == NULL) {
            return ngx_http_9p_reply_error(s, t->tag, "out of memory");
        }

        if (ngx_http_9p_rnode_isdir(f->ram)) {
            if (t->offset == 0) {
                f->dir_at = 0;
                f->dir_next = 0;
            }

            used = ngx_http_9p_rnode_readdir(f->ram, &f->dir_at, buf,
                                             count);
            f->dir_next += used;

        } else {
            used = ngx_http_9p_rnode_read(f->ram, t->offset, buf, count);
        }

        r.type = NINEP_RREAD;
        r.data = buf;
        r.count = (uint32_t) used;
        rc = s->transport->send(s, &r);

        ngx_free(buf);
        return rc;

    case NINEP_TWRITE:
        if (!f->open || (f->mode & 3) == NINEP_OREAD) {
            return ngx_http_9p_reply_error(s, t->tag,
                                           "fid not open for writing");
        }

        e = ngx_http_9p_rnode_write(f->ram, t->offset, t->data, t->count,
                                    f->ns->user);
        r.type = NINEP_RWRITE;
        r.count = t->count;
        break;

    case NINEP_TCLUNK:
    case NINEP_TREMOVE:
        /* the fid goes whatever the answer */
        if (t->type == NINEP_TREMOVE) {
            e = ngx_http_9p_rnode_remove(f->ram);
        }

        ngx_http_9p_fid_unlink(s, f);
        ngx_http_9p_fid_free(s, f, 0);
        r.type = (t->type == NINEP_TCLUNK) ? NINEP_RCLUNK : NINEP_RREMOVE;
        break;

    case NINEP_TSTAT:
        r.type = NINEP_RSTAT;
        ngx_http_9p_rnode_stat(f->ram, &r.st);
        break;

    default:    /* Twstat */
        if (ninep_stat_unpack(t->stat, t->nstat, &st, &used) != 0) {
            return ngx_http_9p_reply_error(s, t->tag, "bad stat");
        }

        e = ngx_http_9p_rnode_wstat(f->ram, &st);

        if (e == NULL && st.name.len) {
            /* the fid's path ends in the new name */
            name.data = (u_char *) st.name.data;
            name.len = st.name.len;
            len = ngx_http_9p_path_join(path, f->path, f->path_len,
                                        &ngx_http_9p_dotdot);
            if (len + 1 + name.len <= NGX_HTTP_9P_PATH_MAX) {
                len = ngx_http_9p_path_join(path, path, len, &name);
                (void) ngx_http_9p_fid_set_path(f, path, len);
            }
        }

        r.type = NINEP_RWSTAT;
        break;
    }

    if (e) {
        return ngx_http_9p_reply_error(s, t->tag, e);
    }

    return s->transport->send(s, &r);
}


/* user, sysname, ns: what they say now. */

static size_t
ngx_http_9p_dev_text(ngx_http_9p_session_t *s, ngx_http_9p_fid_t *f,
    u_char *buf, size_t len)
{
    u_char  *p, *end;

    p = buf;
    end = buf + len;

    switch (f->dev) {

    case NGX_HTTP_9P_DEV_USER:
        p = ngx_slprintf(p, end, "%s", f->ns->user);
        break;

    case NGX_HTTP_9P_DEV_SYSNAME:
        p = ngx_slprintf(p, end, "%V", &ngx_cycle->hostname);
        break;

    case NGX_HTTP_9P_DEV_NS:
        p = ngx_http_9p_ns_text(f->ns, p, end);
        break;

    default:
        break;
    }

    return p - buf;
}


static ngx_int_t
ngx_http_9p_reply_rclunk(ngx_http_9p_session_t *s, uint16_t tag)
{
    ninep_fcall_t  r;

    ngx_memzero(&r, sizeof(r));
    r.type = NINEP_RCLUNK;
    r.tag = tag;

    return s->transport->send(s, &r);
}
