
/*
 * Ten: the 9P session on one WebSocket -- the client's requests, fids and
 * tags, walks through the namespace, and forwarding to the services.  A
 * client fid maps to one backend fid on one pooled connection; tags are
 * the backend connection's own.  A walk that stays inside one mount is
 * one backend Twalk; crossing a mount point or leaving one with ".."
 * continues from that mount's root.  The kernel's own files and the
 * rescue tree are answered here.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_9p_session.h"


static ngx_str_t    ngx_http_9p_dotdot = ngx_string("..");

u_char      *ngx_http_9p_msg;
size_t       ngx_http_9p_msg_len;
ngx_uint_t   ngx_http_9p_again;


static ngx_int_t ngx_http_9p_session_version(ngx_http_9p_session_t *s,
    ninep_fcall_t *t);
static ngx_int_t ngx_http_9p_flush(ngx_http_9p_session_t *s,
    ninep_fcall_t *t);
static void ngx_http_9p_creq_ram(ngx_http_9p_creq_t *cr,
    ngx_http_9p_rnode_t *n);
static ngx_int_t ngx_http_9p_ram_request(ngx_http_9p_session_t *s,
    ngx_http_9p_fid_t *f, ninep_fcall_t *t);
static ngx_int_t ngx_http_9p_walk(ngx_http_9p_session_t *s,
    ninep_fcall_t *t);
static ngx_int_t ngx_http_9p_walk_local(ngx_http_9p_creq_t *cr);
static size_t ngx_http_9p_path_join(u_char *buf, u_char *path, size_t len,
    ngx_str_t *name);
static void ngx_http_9p_walk_fail(ngx_http_9p_creq_t *cr, const char *svc,
    const char *ename);
static void ngx_http_9p_walk_next(ngx_http_9p_creq_t *cr);
static void ngx_http_9p_walk_unmade(ngx_http_9p_creq_t *cr,
    const char *ename);
static ngx_int_t ngx_http_9p_walk_missing(ngx_http_9p_creq_t *cr,
    const char *ename);
static void ngx_http_9p_walk_leave(ngx_http_9p_creq_t *cr);
static ngx_uint_t ngx_http_9p_walk_stays(ngx_http_9p_ns_t *ns,
    ngx_http_9p_mount_t *cur, ngx_http_9p_mount_t *target, size_t len);
static void ngx_http_9p_walk_done(ngx_http_9p_breq_t *br, ninep_fcall_t *r,
    const char *err);
static void ngx_http_9p_walk_finish(ngx_http_9p_creq_t *cr);
static ngx_int_t ngx_http_9p_forward(ngx_http_9p_session_t *s,
    ninep_fcall_t *t);
static ngx_uint_t ngx_http_9p_dev_wstat_noop(ngx_http_9p_fid_t *f,
    ninep_stat_t *st);
static ngx_int_t ngx_http_9p_dev_request(ngx_http_9p_session_t *s,
    ngx_http_9p_fid_t *f, ninep_fcall_t *t);
static size_t ngx_http_9p_dev_text(ngx_http_9p_session_t *s,
    ngx_http_9p_fid_t *f, u_char *buf, size_t len);
static void ngx_http_9p_forwarded(ngx_http_9p_breq_t *br, ninep_fcall_t *r,
    const char *err);


void
ngx_http_9p_session_init(ngx_http_9p_session_t *s)
{
    ngx_queue_init(&s->creqs);
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

    ngx_http_9p_msg = msg;
    ngx_http_9p_msg_len = len;

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


ngx_int_t
ngx_http_9p_reply_error(ngx_http_9p_session_t *s, uint16_t tag,
    const char *ename)
{
    ninep_fcall_t  r;

    ngx_memzero(&r, sizeof(r));
    r.type = NINEP_RERROR;
    r.tag = tag;
    r.ename = ninep_str(ename);

    return s->transport->send(s, &r);
}


/* ------------------------------------------------------------ requests */


ngx_http_9p_creq_t *
ngx_http_9p_creq_new(ngx_http_9p_session_t *s, ninep_fcall_t *t)
{
    u_char              *space;
    size_t               space_cap;
    ngx_http_9p_creq_t  *cr;

    cr = s->free_creqs;

    if (cr) {
        s->free_creqs = cr->next;
        space = cr->space;
        space_cap = cr->space_cap;

    } else {
        cr = ngx_alloc(sizeof(ngx_http_9p_creq_t), s->connection->log);
        if (cr == NULL) {
            return NULL;
        }

        space = NULL;
        space_cap = 0;
    }

    ngx_memzero(cr, sizeof(ngx_http_9p_creq_t));

    cr->s = s;
    cr->space = space;
    cr->space_cap = space_cap;
    cr->tag = t->tag;
    cr->type = t->type;
    cr->nbfid = NINEP_NOFID;
    cr->bfid = NINEP_NOFID;
    cr->owned = NINEP_NOFID;
    cr->retried = ngx_http_9p_again;

    /* walk, stat, read and an open that does not truncate may go again */
    if ((t->type == NINEP_TWALK || t->type == NINEP_TSTAT
         || t->type == NINEP_TREAD
         || (t->type == NINEP_TOPEN && !(t->mode & NINEP_OTRUNC)))
        && ngx_http_9p_msg_len <= NGX_HTTP_9P_RAW_MAX)
    {
        ngx_memcpy(cr->raw, ngx_http_9p_msg, ngx_http_9p_msg_len);
        cr->raw_len = ngx_http_9p_msg_len;
    }

    ngx_queue_insert_tail(&s->creqs, &cr->queue);
    s->ncreqs++;

    return cr;
}


/* A request is over: its Tflushes are answered after it, then it goes. */

void
ngx_http_9p_creq_done(ngx_http_9p_creq_t *cr)
{
    ngx_http_9p_creq_t     *fl;
    ngx_http_9p_session_t  *s;
    ninep_fcall_t           r;

    s = cr->s;

    while (cr->flushes) {
        fl = cr->flushes;
        cr->flushes = fl->flush_next;

        ngx_memzero(&r, sizeof(r));
        r.type = NINEP_RFLUSH;
        r.tag = fl->tag;
        (void) s->transport->send(s, &r);

        ngx_queue_remove(&fl->queue);
        s->ncreqs--;
        fl->next = s->free_creqs;
        s->free_creqs = fl;
    }

    ngx_queue_remove(&cr->queue);
    s->ncreqs--;

    if (cr->backend) {
        ngx_http_9p_backend_unref(cr->backend);
        cr->backend = NULL;
    }

    if (cr->ns) {
        ngx_http_9p_ns_unref(cr->ns);
        cr->ns = NULL;
    }

    if (cr->reset) {
        ngx_http_9p_ns_unref(cr->reset);
        cr->reset = NULL;
    }

    if (cr->buf) {
        ngx_free(cr->buf);
        ngx_http_9p_union_release(cr->s, &cr->held);
    }

    if (cr->seen) {
        ngx_free(cr->seen);
    }

    if (cr->tline) {
        ngx_free(cr->tline);
    }

    ngx_http_9p_creq_ram(cr, NULL);

    cr->next = s->free_creqs;
    s->free_creqs = cr;

    s->transport->post(s);
}


/* At least size bytes of the request's space, its contents not kept. */

u_char *
ngx_http_9p_creq_space(ngx_http_9p_creq_t *cr, size_t size)
{
    if (size > cr->space_cap) {
        if (cr->space) {
            ngx_free(cr->space);
        }

        cr->space_cap = 0;
        cr->space = ngx_alloc(ngx_max(size, 256), cr->s->connection->log);

        if (cr->space == NULL) {
            return NULL;
        }

        cr->space_cap = ngx_max(size, 256);
    }

    return cr->space;
}


void
ngx_http_9p_creq_reply(ngx_http_9p_creq_t *cr, ninep_fcall_t *r)
{
    r->tag = cr->tag;

    if (!cr->flushed) {
        (void) cr->s->transport->send(cr->s, r);
    }

    ngx_http_9p_creq_done(cr);
}


/* Errors from a service pass through unchanged; the kernel's own name
 * the service they are about. */

void
ngx_http_9p_creq_error(ngx_http_9p_creq_t *cr, const char *svc,
    const char *ename)
{
    u_char         buf[NGX_HTTP_9P_ENAME_MAX], *p;
    ninep_fcall_t  r;

    ngx_memzero(&r, sizeof(r));
    r.type = NINEP_RERROR;

    if (svc) {
        p = ngx_snprintf(buf, sizeof(buf), "%s: %s", svc, ename);
        r.ename.data = buf;
        r.ename.len = (uint16_t) (p - buf);

    } else {
        r.ename = ninep_str(ename);
    }

    ngx_http_9p_creq_reply(cr, &r);
}


/* Stops a request without a reply; what it made is released. */

void
ngx_http_9p_creq_abort(ngx_http_9p_creq_t *cr)
{
    ngx_http_9p_pool_cancel(&cr->wait);

    if (cr->breq) {
        /* the backend clunks whatever the abandoned reply creates */
        ngx_http_9p_backend_abandon(cr->breq);
        cr->breq = NULL;
    }

    if (cr->backend && cr->owned != NINEP_NOFID) {
        ngx_http_9p_backend_clunk(cr->backend, cr->owned);
        cr->owned = NINEP_NOFID;
    }

    if (cr->ns) {
        ngx_http_9p_ns_unref(cr->ns);
        cr->ns = NULL;
    }

    cr->flushed = 1;

    ngx_http_9p_creq_done(cr);
}


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


ngx_int_t
ngx_http_9p_send(ngx_http_9p_creq_t *cr, ngx_http_9p_backend_t *b,
    ninep_fcall_t *t, ngx_http_9p_reply_pt handler)
{
    const char  *err;

    cr->breq = ngx_http_9p_backend_send(b, t, handler, cr, &err);

    if (cr->breq == NULL) {
        ngx_http_9p_creq_error(cr, ngx_http_9p_backend_name(b), err);
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* ---------------------------------------------------------------- fids */


/*
 * A request that outlives a round trip remembers its fid by number and
 * generation: the client may clunk it meanwhile, and reuse the number.
 */

void
ngx_http_9p_creq_hold(ngx_http_9p_creq_t *cr, ngx_http_9p_fid_t *f)
{
    cr->fid = f;
    cr->fidno = f->fid;
    cr->fidgen = f->gen;
    cr->obfid = f->bfid;
    cr->obackend = f->backend;
}


/* The request's connection is now b (it holds a reference). */

void
ngx_http_9p_creq_use(ngx_http_9p_creq_t *cr, ngx_http_9p_backend_t *b)
{
    if (b == cr->backend) {
        return;
    }

    ngx_http_9p_backend_ref(b);

    if (cr->backend) {
        ngx_http_9p_backend_unref(cr->backend);
    }

    cr->backend = b;
}


ngx_http_9p_fid_t *
ngx_http_9p_creq_fid(ngx_http_9p_creq_t *cr)
{
    ngx_http_9p_fid_t  *f;

    if (cr->fid == NULL) {
        return NULL;
    }

    f = ngx_http_9p_fid_find(cr->s, cr->fidno);

    return (f && f->gen == cr->fidgen) ? f : NULL;
}


ngx_http_9p_fid_t *
ngx_http_9p_fid_find(ngx_http_9p_session_t *s, uint32_t fid)
{
    ngx_http_9p_fid_t  *f;

    for (f = s->fids[fid % NGX_HTTP_9P_FID_BUCKETS]; f; f = f->next) {
        if (f->fid == fid) {
            return f;
        }
    }

    return NULL;
}


ngx_http_9p_fid_t *
ngx_http_9p_fid_new(ngx_http_9p_session_t *s, uint32_t fid)
{
    ngx_http_9p_fid_t  *f, **bucket;

    if (s->nfids >= s->conf->max_fids) {
        return NULL;
    }

    f = s->free_fids;

    if (f) {
        s->free_fids = f->next;

    } else {
        f = ngx_calloc(sizeof(ngx_http_9p_fid_t), s->connection->log);
        if (f == NULL) {
            return NULL;
        }
    }

    f->fid = fid;
    f->gen = ++s->fid_gen;
    f->ns = NULL;
    f->mount = NULL;
    f->backend = NULL;
    f->bfid = NINEP_NOFID;
    f->path_len = 0;
    f->dev = NGX_HTTP_9P_DEV_NONE;
    f->ram = NULL;
    f->dir = NULL;
    f->dir_next = 0;
    f->open = 0;
    f->merge = 0;

    bucket = &s->fids[fid % NGX_HTTP_9P_FID_BUCKETS];
    f->next = *bucket;
    *bucket = f;
    s->nfids++;

    return f;
}


void
ngx_http_9p_fid_unlink(ngx_http_9p_session_t *s, ngx_http_9p_fid_t *f)
{
    ngx_http_9p_fid_t  **pp;

    for (pp = &s->fids[f->fid % NGX_HTTP_9P_FID_BUCKETS]; *pp;
         pp = &(*pp)->next)
    {
        if (*pp == f) {
            *pp = f->next;
            s->nfids--;
            return;
        }
    }
}


/* Lets go of an unlinked fid, clunking its backend fid if asked. */

void
ngx_http_9p_fid_free(ngx_http_9p_session_t *s, ngx_http_9p_fid_t *f,
    ngx_uint_t clunk)
{
    if (f->backend) {
        if (clunk) {
            ngx_http_9p_backend_clunk(f->backend, f->bfid);
        }

        ngx_http_9p_backend_unref(f->backend);
        f->backend = NULL;
    }

    if (f->ns) {
        ngx_http_9p_ns_unref(f->ns);
        f->ns = NULL;
    }

    if (f->dir) {
        ngx_free(f->dir);
        f->dir = NULL;
        ngx_http_9p_union_release(s, &f->dir_held);
    }

    if (f->ram) {
        ngx_http_9p_rnode_unref(f->ram);
        f->ram = NULL;
    }

    f->next = s->free_fids;
    s->free_fids = f;
}


ngx_int_t
ngx_http_9p_fid_set_path(ngx_http_9p_fid_t *f, u_char *p, size_t len)
{
    if (len > f->path_cap) {
        if (f->path) {
            ngx_free(f->path);
        }

        f->path_cap = ngx_max(len, 64);
        f->path = ngx_alloc(f->path_cap, ngx_cycle->log);

        if (f->path == NULL) {
            f->path_cap = 0;
            f->path_len = 0;
            return NGX_ERROR;
        }
    }

    ngx_memcpy(f->path, p, len);
    f->path_len = len;

    return NGX_OK;
}


/* ---------------------------------------------------------------- walk */


/* path + "/" + name, or the lexical parent for ".." ("/" stays "/"). */

static size_t
ngx_http_9p_path_join(u_char *buf, u_char *path, size_t len, ngx_str_t *name)
{
    if (name->len == 2 && name->data[0] == '.' && name->data[1] == '.') {
        while (len > 1 && path[len - 1] != '/') {
            len--;
        }

        if (len > 1) {
            len--;
        }

        ngx_memmove(buf, path, len);
        return len;
    }

    if (name->len == 1 && name->data[0] == '.') {
        ngx_memmove(buf, path, len);
        return len;
    }

    ngx_memmove(buf, path, len);

    if (len > 1) {
        buf[len++] = '/';
    }

    ngx_memcpy(buf + len, name->data, name->len);

    return len + name->len;
}


static ngx_int_t
ngx_http_9p_walk(ngx_http_9p_session_t *s, ninep_fcall_t *t)
{
    u_char              *p;
    size_t               total;
    ngx_uint_t           i;
    ngx_http_9p_fid_t   *f;
    ngx_http_9p_creq_t  *cr;

    f = ngx_http_9p_fid_find(s, t->fid);

    if (f == NULL) {
        return ngx_http_9p_reply_error(s, t->tag, "unknown fid");
    }

    if (f->open) {
        return ngx_http_9p_reply_error(s, t->tag, "cannot walk an open fid");
    }

    if (t->newfid != t->fid && ngx_http_9p_fid_find(s, t->newfid)) {
        return ngx_http_9p_reply_error(s, t->tag, "newfid in use");
    }

    if (f->backend && !ngx_http_9p_backend_alive(f->backend)) {
        return ngx_http_9p_recover(s, f, t);
    }

    total = f->path_len + t->nwname + 1;

    for (i = 0; i < t->nwname; i++) {
        if (t->wname[i].len == 0
            || ngx_strlchr((u_char *) t->wname[i].data,
                           (u_char *) t->wname[i].data + t->wname[i].len,
                           '/'))
        {
            return ngx_http_9p_reply_error(s, t->tag, "invalid file name");
        }

        total += t->wname[i].len;
    }

    if (total > NGX_HTTP_9P_PATH_MAX) {
        return ngx_http_9p_reply_error(s, t->tag, "File name too long");
    }

    cr = ngx_http_9p_creq_new(s, t);
    if (cr == NULL) {
        return NGX_ERROR;
    }

    /* the names, and room for the longest path this walk can reach */
    cr->names = ngx_http_9p_creq_space(cr, 2 * total);
    if (cr->names == NULL) {
        ngx_http_9p_creq_error(cr, NULL, "out of memory");
        return NGX_OK;
    }

    cr->path = cr->names + total;

    for (i = 0, p = cr->names; i < t->nwname; i++) {
        cr->wname[i].data = p;
        cr->wname[i].len = t->wname[i].len;
        p = ngx_cpymem(p, t->wname[i].data, t->wname[i].len);
    }

    cr->nwname = t->nwname;
    ngx_http_9p_creq_hold(cr, f);
    cr->ns = f->ns;
    cr->ns->refs++;
    cr->newfid = t->newfid;
    cr->mount = f->mount;
    cr->backend = f->backend;

    if (cr->backend) {
        ngx_http_9p_backend_ref(cr->backend);
    }

    cr->bfid = f->bfid;
    cr->qid = f->qid;
    cr->dev = f->dev;
    ngx_http_9p_creq_ram(cr, f->ram);
    ngx_memcpy(cr->path, f->path, f->path_len);
    cr->path_len = f->path_len;

    ngx_http_9p_walk_next(cr);

    return NGX_OK;
}


/* Appends the names of path below mount m to t's wnames. */

void
ngx_http_9p_walk_rel(ninep_fcall_t *t, ngx_http_9p_mount_t *m, u_char *path,
    size_t len)
{
    u_char  *p, *end, *name;

    end = path + len;

    for (p = path + (m->path.len == 1 ? 0 : m->path.len); p < end; p++) {
        if (*p == '/') {
            continue;
        }

        name = p;

        while (p < end && *p != '/') {
            p++;
        }

        if (t->nwname < NINEP_MAXWELEM) {
            t->wname[t->nwname].data = name;
            t->wname[t->nwname].len = (uint16_t) (p - name);
            t->nwname++;
        }
    }
}


/* Leaving a service for the kernel: its fid is not needed. */

static void
ngx_http_9p_walk_leave(ngx_http_9p_creq_t *cr)
{
    if (cr->owned != NINEP_NOFID) {
        ngx_http_9p_backend_clunk(cr->backend, cr->owned);
        cr->owned = NINEP_NOFID;
    }

    if (cr->backend) {
        ngx_http_9p_backend_unref(cr->backend);
        cr->backend = NULL;
    }

    cr->bfid = NINEP_NOFID;
}


/*
 * Whether a walk from mount cur to a path of len bytes in target stays in
 * cur's tree: below the point of cur's union, or at the point of a mount
 * that is no union.  A union's point is its first member's root.
 */

static ngx_uint_t
ngx_http_9p_walk_stays(ngx_http_9p_ns_t *ns, ngx_http_9p_mount_t *cur,
    ngx_http_9p_mount_t *target, size_t len)
{
    if (len > cur->path.len) {
        return ngx_http_9p_same_point(target, cur);
    }

    return target == cur && ngx_http_9p_union_next(ns, cur) == NULL;
}


/*
 * One step of a walk that the kernel answers itself: inside one of its
 * own directories, or onto one (a mount point, or ".." out of a mount).
 * NGX_OK: a step taken; NGX_DECLINED: the next step is a service's;
 * NGX_DONE: the walk failed and is answered (cr is gone).
 */

static ngx_int_t
ngx_http_9p_walk_local(ngx_http_9p_creq_t *cr)
{
    size_t                len;
    u_char                buf[NGX_HTTP_9P_PATH_MAX];
    ngx_str_t            *name;
    ngx_uint_t            file;
    ngx_http_9p_rnode_t  *node;
    ngx_http_9p_mount_t  *target, *next;

    if (cr->done == cr->nwname) {
        /* a clone of a kernel or rescue fid */
        return (cr->nwname == 0 && (cr->dev || cr->ram)) ? NGX_OK
                                                         : NGX_DECLINED;
    }

    if (cr->member) {
        if (!cr->member->dev) {
            return NGX_DECLINED;
        }

        /* the next member of the union is a kernel directory */
        ngx_http_9p_walk_leave(cr);
        cr->mount = cr->member;
        cr->dev = cr->member->dev;
        cr->member = NULL;
    }

    name = &cr->wname[cr->done];
    len = ngx_http_9p_path_join(buf, cr->path, cr->path_len, name);
    target = ngx_http_9p_mount_of(cr->ns, buf, len);
    file = NGX_HTTP_9P_DEV_NONE;
    node = NULL;

    if (!ngx_http_9p_walk_stays(cr->ns, cr->mount, target, len)) {
        if (!target->dev && !target->ram) {
            return NGX_DECLINED;    /* onto a service's mount: its root */
        }

        file = target->dev;
        node = target->ram;

    } else if (len == target->path.len && (target->dev || target->ram)) {
        /* "..", "." back at the mount's root */
        file = target->dev;
        node = target->ram;

    } else if (cr->mount->ram) {
        node = ngx_http_9p_rnode_walk(cr->ram, name->data, name->len);

        if (node == NULL) {
            return ngx_http_9p_walk_missing(cr,
                           ngx_http_9p_rnode_isdir(cr->ram)
                           ? "file does not exist" : "not a directory");
        }

    } else if (!cr->mount->dev) {
        return NGX_DECLINED;

    } else {
        file = ngx_http_9p_dev_isdir(cr->dev)
               ? ngx_http_9p_dev_lookup(cr->dev, name->data, name->len)
               : NGX_HTTP_9P_DEV_NONE;

        next = (cr->path_len == cr->mount->path.len)
               ? ngx_http_9p_union_next(cr->ns, cr->mount) : NULL;

        if (file == NGX_HTTP_9P_DEV_NONE && next) {
            /* not here: perhaps in the union's next member */
            cr->member = next;
            return ngx_http_9p_walk_local(cr);
        }

        if (file == NGX_HTTP_9P_DEV_NONE) {
            return ngx_http_9p_walk_missing(cr,
                           ngx_http_9p_dev_isdir(cr->dev)
                           ? "file does not exist" : "not a directory");
        }
    }

    ngx_http_9p_walk_leave(cr);
    cr->mount = target;
    cr->dev = file;
    ngx_http_9p_creq_ram(cr, node);

    if (node) {
        ngx_http_9p_rnode_qid(node, &cr->wqid[cr->done]);

    } else {
        ngx_http_9p_dev_qid(file, &cr->wqid[cr->done]);
    }

    cr->qid = cr->wqid[cr->done];
    ngx_memcpy(cr->path, buf, len);
    cr->path_len = len;
    cr->done++;

    return NGX_OK;
}


/* A name not found by the kernel: Rerror first, a short walk after. */

static ngx_int_t
ngx_http_9p_walk_missing(ngx_http_9p_creq_t *cr, const char *ename)
{
    ninep_fcall_t  rf;

    ngx_memzero(&rf, sizeof(rf));

    if (cr->done == 0) {
        rf.type = NINEP_RERROR;
        rf.ename = ninep_str(ename);

    } else {
        rf.type = NINEP_RWALK;
        rf.nwqid = cr->done;
        ngx_memcpy(rf.wqid, cr->wqid, cr->done * sizeof(ninep_qid_t));
    }

    ngx_http_9p_creq_reply(cr, &rf);

    return NGX_DONE;
}


/* The rescue node the request is at (held), or none. */

static void
ngx_http_9p_creq_ram(ngx_http_9p_creq_t *cr, ngx_http_9p_rnode_t *n)
{
    if (n) {
        ngx_http_9p_rnode_ref(n);
    }

    if (cr->ram) {
        ngx_http_9p_rnode_unref(cr->ram);
    }

    cr->ram = n;
}


/*
 * One backend Twalk for the longest run of names that stays inside the
 * current mount; a name onto a mount point, or ".." out of a mount, is a
 * step of its own from the root of the mount it reaches.
 */

static void
ngx_http_9p_walk_next(ngx_http_9p_creq_t *cr)
{
    size_t                  len;
    u_char                  buf[NGX_HTTP_9P_PATH_MAX];
    uint16_t                i;
    ninep_fcall_t           t;
    ngx_http_9p_mount_t    *m;
    ngx_http_9p_backend_t  *b;

    /* kernel files are walked here, with no backend */
    for ( ;; ) {
        switch (ngx_http_9p_walk_local(cr)) {

        case NGX_DONE:
            return;

        case NGX_OK:
            if (cr->done == cr->nwname) {
                ngx_http_9p_walk_finish(cr);
                return;
            }
            continue;

        default:
            break;
        }

        break;
    }

    ngx_memzero(&t, sizeof(t));
    t.type = NINEP_TWALK;

    len = cr->path_len;
    ngx_memcpy(buf, cr->path, len);
    m = cr->mount;

    for (i = cr->done; i < cr->nwname; i++) {
        len = ngx_http_9p_path_join(buf, buf, len, &cr->wname[i]);

        if (!ngx_http_9p_walk_stays(cr->ns, cr->mount,
                                    ngx_http_9p_mount_of(cr->ns, buf, len),
                                    len))
        {
            break;
        }

        t.wname[t.nwname].data = cr->wname[i].data;
        t.wname[t.nwname].len = (uint16_t) cr->wname[i].len;
        t.nwname++;
    }

    cr->cross = (i == cr->done && cr->nwname > 0);

    if (cr->cross) {
        len = ngx_http_9p_path_join(buf, cr->path, cr->path_len,
                                    &cr->wname[cr->done]);
        m = cr->member ? cr->member : ngx_http_9p_mount_of(cr->ns, buf, len);
        t.fid = m->bfid;
        ngx_http_9p_walk_rel(&t, m, buf, len);
        cr->seg = 1;

    } else {
        /* from the fid, or from the root of the union's next member */
        m = cr->member ? cr->member : cr->mount;
        t.fid = cr->member ? m->bfid : cr->bfid;
        cr->seg = t.nwname;
    }

    /* the fid's own connection; a mount's for a step onto it */
    b = (cr->cross || cr->member) ? m->backend : cr->backend;

    if (m->down) {
        ngx_http_9p_walk_fail(cr, NULL, m->down);
        return;
    }

    if (!ngx_http_9p_backend_alive(b) && (cr->cross || cr->member)) {
        /* onto a mount whose connection died: it is made again first */
        if (cr->owned != NINEP_NOFID) {
            ngx_http_9p_backend_clunk(cr->backend, cr->owned);
            cr->owned = NINEP_NOFID;
        }

        ngx_http_9p_remount(cr, m, ngx_http_9p_walk_next,
                            ngx_http_9p_walk_unmade);
        return;
    }

    if (!ngx_http_9p_backend_alive(b)) {
        if (ngx_http_9p_lost(cr, ngx_http_9p_conn_lost) == NGX_OK) {
            return;
        }

        ngx_http_9p_walk_fail(cr, b ? ngx_http_9p_backend_name(b) : NULL,
                              "connection lost");
        return;
    }

    if (cr->cross && cr->owned != NINEP_NOFID) {
        /* the stepping stone is not needed past a mount */
        ngx_http_9p_backend_clunk(cr->backend, cr->owned);
        cr->owned = NINEP_NOFID;
    }

    ngx_http_9p_creq_use(cr, b);
    cr->dev = NGX_HTTP_9P_DEV_NONE;
    ngx_http_9p_creq_ram(cr, NULL);

    /* in place only when the whole walk moves the fid itself */
    if (cr->newfid == cr->fidno && cr->done == 0 && !cr->cross
        && cr->seg == cr->nwname && cr->nwname > 0 && cr->member == NULL)
    {
        t.newfid = t.fid;

    } else if (ngx_http_9p_backend_fid(b, &t.newfid) != NGX_OK) {
        ngx_http_9p_creq_error(cr, NULL, "out of backend fids");
        return;
    }

    cr->nbfid = t.newfid;
    cr->mount = m;
    cr->member = NULL;

    (void) ngx_http_9p_send(cr, b, &t, ngx_http_9p_walk_done);
}


static void
ngx_http_9p_walk_done(ngx_http_9p_breq_t *br, ninep_fcall_t *r,
    const char *err)
{
    u_char              *buf;
    size_t               len;
    uint16_t             i, n;
    ninep_fcall_t        rf;
    ngx_http_9p_creq_t  *cr;

    cr = br->data;
    cr->breq = NULL;

    if (r == NULL) {
        if (cr->nbfid != cr->bfid) {
            ngx_http_9p_backend_fid_free(cr->backend, cr->nbfid);
        }

        if (err == ngx_http_9p_flushed) {
            ngx_http_9p_creq_abort(cr);
            return;
        }

        if (ngx_http_9p_lost(cr, err) == NGX_OK) {
            return;
        }

        ngx_http_9p_walk_fail(cr, ngx_http_9p_backend_name(cr->backend),
                              err);
        return;
    }

    n = (r->type == NINEP_RWALK) ? r->nwqid : 0;

    if (r->type == NINEP_RERROR || n < br->nwname) {
        if (cr->nbfid != cr->bfid) {
            ngx_http_9p_backend_fid_free(cr->backend, cr->nbfid);
        }

        /* and the stepping stone the failed step started from */
        if (cr->owned != NINEP_NOFID) {
            ngx_http_9p_backend_clunk(cr->backend, cr->owned);
            cr->owned = NINEP_NOFID;
        }

        /* a name not in this member of a union: perhaps in the next */
        if (n == 0 && (cr->cross || cr->path_len == cr->mount->path.len)) {
            cr->member = ngx_http_9p_union_next(cr->ns, cr->mount);

            if (cr->member) {
                ngx_http_9p_walk_next(cr);
                return;
            }
        }

        if (cr->done == 0 && n == 0) {
            /* the first name failed: the service's error, unchanged */
            if (r->type == NINEP_RERROR) {
                ngx_memzero(&rf, sizeof(rf));
                rf.type = NINEP_RERROR;
                rf.ename = r->ename;
                ngx_http_9p_creq_reply(cr, &rf);
                return;
            }

            ngx_http_9p_creq_error(cr, NULL, "file does not exist");
            return;
        }

        /* a short walk: what succeeded, in order */
        for (i = 0; i < n && !cr->cross; i++) {
            cr->wqid[cr->done++] = r->wqid[i];
        }

        ngx_memzero(&rf, sizeof(rf));
        rf.type = NINEP_RWALK;
        rf.nwqid = cr->done;
        ngx_memcpy(rf.wqid, cr->wqid, cr->done * sizeof(ninep_qid_t));
        ngx_http_9p_creq_reply(cr, &rf);
        return;
    }

    /* success: step past the segment */
    buf = cr->path;

    if (cr->cross) {
        /* one name onto another mount: the last qid, or its root's */
        cr->wqid[cr->done] = n ? r->wqid[n - 1] : cr->mount->qid;
        len = ngx_http_9p_path_join(buf, cr->path, cr->path_len,
                                    &cr->wname[cr->done]);
        cr->done++;

    } else {
        len = cr->path_len;

        for (i = 0; i < n; i++) {
            cr->wqid[cr->done] = r->wqid[i];
            len = ngx_http_9p_path_join(buf, buf, len, &cr->wname[cr->done]);
            cr->done++;
        }
    }

    cr->path_len = len;

    if (cr->done > 0) {
        cr->qid = cr->wqid[cr->done - 1];
    }

    /* the previous step's backend fid was only a stepping stone */
    if (cr->owned != NINEP_NOFID && cr->owned != cr->nbfid) {
        ngx_http_9p_backend_clunk(cr->backend, cr->owned);
    }

    cr->bfid = cr->nbfid;
    /* the same number on another connection is another fid */
    cr->owned = (cr->bfid != cr->obfid || cr->backend != cr->obackend)
                ? cr->bfid : NINEP_NOFID;

    if (cr->done == cr->nwname) {
        ngx_http_9p_walk_finish(cr);
        return;
    }

    ngx_http_9p_walk_next(cr);
}


/* A mount the walk reaches cannot be made again: a short walk. */

static void
ngx_http_9p_walk_unmade(ngx_http_9p_creq_t *cr, const char *ename)
{
    ngx_http_9p_walk_fail(cr, NULL, ename);
}


/* walk(5): only a failure of the first name is an Rerror. */

static void
ngx_http_9p_walk_fail(ngx_http_9p_creq_t *cr, const char *svc,
    const char *ename)
{
    ninep_fcall_t  rf;

    if (cr->owned != NINEP_NOFID) {
        ngx_http_9p_backend_clunk(cr->backend, cr->owned);
        cr->owned = NINEP_NOFID;
    }

    if (cr->done == 0) {
        ngx_http_9p_creq_error(cr, svc, ename);
        return;
    }

    ngx_memzero(&rf, sizeof(rf));
    rf.type = NINEP_RWALK;
    rf.nwqid = cr->done;
    ngx_memcpy(rf.wqid, cr->wqid, cr->done * sizeof(ninep_qid_t));
    ngx_http_9p_creq_reply(cr, &rf);
}


static void
ngx_http_9p_walk_finish(ngx_http_9p_creq_t *cr)
{
    ninep_fcall_t           rf;
    ngx_http_9p_fid_t      *f, *nf;
    ngx_http_9p_session_t  *s;

    s = cr->s;
    f = ngx_http_9p_creq_fid(cr);

    if (cr->newfid == cr->fidno && f == NULL) {
        /* the client clunked the fid while it was being walked */
        if (cr->owned != NINEP_NOFID) {
            ngx_http_9p_backend_clunk(cr->backend, cr->owned);
            cr->owned = NINEP_NOFID;
        }

        ngx_http_9p_creq_error(cr, NULL, "fid clunked during the walk");
        return;
    }

    if (cr->newfid == cr->fidno) {
        nf = f;

        if (f->backend) {
            /* the old backend fid, unless the walk moved it in place */
            if (f->bfid != cr->bfid || f->backend != cr->backend) {
                ngx_http_9p_backend_clunk(f->backend, f->bfid);
            }

            ngx_http_9p_backend_unref(f->backend);
        }

    } else {
        nf = ngx_http_9p_fid_find(s, cr->newfid) ? NULL
                 : ngx_http_9p_fid_new(s, cr->newfid);

        if (nf == NULL) {
            if (cr->owned != NINEP_NOFID) {
                ngx_http_9p_backend_clunk(cr->backend, cr->owned);
                cr->owned = NINEP_NOFID;
            }

            ngx_http_9p_creq_error(cr, NULL,
                                   ngx_http_9p_fid_find(s, cr->newfid)
                                   ? "newfid in use" : "too many fids");
            return;
        }

        nf->ns = cr->ns;
        nf->ns->refs++;
    }

    if (ngx_http_9p_fid_set_path(nf, cr->path, cr->path_len) != NGX_OK) {
        /* keeps the fid consistent: at its mount's root */
        (void) ngx_http_9p_fid_set_path(nf, (u_char *) "/", 1);
    }

    nf->mount = cr->mount;
    nf->backend = cr->backend;
    cr->backend = NULL;
    nf->bfid = cr->bfid;
    cr->bfid = NINEP_NOFID;
    cr->owned = NINEP_NOFID;
    nf->qid = cr->qid;
    nf->dev = cr->dev;

    if (nf->ram) {
        ngx_http_9p_rnode_unref(nf->ram);
    }

    nf->ram = cr->ram;      /* the request's reference goes with it */
    cr->ram = NULL;

    ngx_memzero(&rf, sizeof(rf));
    rf.type = NINEP_RWALK;
    rf.nwqid = cr->nwname;
    ngx_memcpy(rf.wqid, cr->wqid, cr->nwname * sizeof(ninep_qid_t));
    ngx_http_9p_creq_reply(cr, &rf);
}


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

    (void) ngx_http_9p_send(cr, cr->backend, t, ngx_http_9p_forwarded);

    return NGX_OK;
}


static void
ngx_http_9p_forwarded(ngx_http_9p_breq_t *br, ninep_fcall_t *r,
    const char *err)
{
    ngx_http_9p_fid_t    *f;
    ngx_http_9p_creq_t   *cr;

    cr = br->data;
    cr->breq = NULL;
    f = ngx_http_9p_creq_fid(cr);

    if (cr->type == NINEP_TCLUNK || cr->type == NINEP_TREMOVE) {
        /* the backend's fid is gone, whatever it answered */
        ngx_http_9p_backend_fid_free(cr->backend, cr->bfid);
        cr->bfid = NINEP_NOFID;
    }

    if (r == NULL) {
        if (err == ngx_http_9p_flushed) {
            cr->flushed = 1;
            ngx_http_9p_creq_done(cr);
            return;
        }

        if (ngx_http_9p_lost(cr, err) == NGX_OK) {
            return;
        }

        ngx_http_9p_creq_error(cr, ngx_http_9p_backend_name(cr->backend),
                               err);
        return;
    }

    if (f && r->type == NINEP_RREAD && (f->qid.type & NINEP_QTDIR)) {
        /* where a recovery must take a directory read back to */
        f->dir_next = cr->offset + r->count;
    }

    if (f && (r->type == NINEP_ROPEN || r->type == NINEP_RCREATE)) {
        ngx_http_9p_fid_opened(cr, f, r);
    }

    ngx_http_9p_creq_reply(cr, r);
}


/*
 * Fid f was opened (Ropen), or made (Rcreate of cr->wname[0]), on cr's
 * connection: it remembers how, for a recovery, and the iounit in r is
 * one both msizes allow.
 */

void
ngx_http_9p_fid_opened(ngx_http_9p_creq_t *cr, ngx_http_9p_fid_t *f,
    ninep_fcall_t *r)
{
    u_char    buf[NGX_HTTP_9P_PATH_MAX];
    size_t    len;
    uint32_t  iomax;

    f->open = 1;
    f->mode = cr->mode;
    f->qid = r->qid;
    f->merge = (r->type == NINEP_ROPEN && (r->qid.type & NINEP_QTDIR)
                && ngx_http_9p_dir_merges(f));

    iomax = ngx_min(cr->s->msize, ngx_http_9p_backend_msize(cr->backend))
            - NINEP_IOHDRSZ;

    if (r->iounit == 0 || r->iounit > iomax) {
        r->iounit = iomax;
    }

    if (r->type == NINEP_RCREATE
        && f->path_len + 1 + cr->wname[0].len <= NGX_HTTP_9P_PATH_MAX)
    {
        len = ngx_http_9p_path_join(buf, f->path, f->path_len,
                                    &cr->wname[0]);
        (void) ngx_http_9p_fid_set_path(f, buf, len);
    }
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
