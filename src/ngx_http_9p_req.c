
/*
 * Ten: a session's requests and fids, the layer every kernel file above
 * the backend stands on.  A request (creq) lives from its T-message to
 * its reply: creq_new, then creq_reply or creq_error (which answer the
 * client unless it flushed the request) or creq_abort (no answer), each
 * ending in creq_done, which answers the Tflushes that waited for it and
 * puts the request on the session's free list.  Fids are hashed by
 * number; a fid freed goes to a free list too, so a busy session does not
 * allocate per message.  Listings the kernel composes are charged here,
 * to the session and to the worker.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_9p_req.h"
#include "ngx_http_9p_stats.h"


/* ------------------------------------------------------------ requests */


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


ngx_int_t
ngx_http_9p_reply_to(ngx_http_9p_session_t *s, ninep_fcall_t *t,
    const char *e)
{
    ninep_fcall_t  r;

    if (e) {
        return ngx_http_9p_reply_error(s, t->tag, e);
    }

    ngx_memzero(&r, sizeof(r));
    r.type = t->type + 1;
    r.tag = t->tag;
    r.count = t->count;     /* of an Rwrite */

    return s->transport->send(s, &r);
}


/*
 * Freed requests and fids wait here for any session of this worker (one
 * process, one thread), not in the session that freed them: an idle
 * session holds none, a busy one takes what it needs.  Bounded; what
 * does not fit is freed, and so is a request's space or a fid's path
 * beyond a small size.
 */

#define NGX_HTTP_9P_CACHED_CREQS   256
#define NGX_HTTP_9P_CACHED_FIDS    1024
#define NGX_HTTP_9P_CACHED_SPACE   4096
#define NGX_HTTP_9P_CACHED_PATH    256

static ngx_http_9p_creq_t  *ngx_http_9p_creq_cache;
static ngx_uint_t           ngx_http_9p_ncreq_cache;
static ngx_http_9p_fid_t   *ngx_http_9p_fid_cache;
static ngx_uint_t           ngx_http_9p_nfid_cache;


static void
ngx_http_9p_creq_put(ngx_http_9p_creq_t *cr)
{
    if (ngx_http_9p_ncreq_cache == NGX_HTTP_9P_CACHED_CREQS) {
        ngx_free(cr->space);
        ngx_free(cr);
        return;
    }

    if (cr->space_cap > NGX_HTTP_9P_CACHED_SPACE) {
        ngx_free(cr->space);
        cr->space = NULL;
        cr->space_cap = 0;
    }

    cr->next = ngx_http_9p_creq_cache;
    ngx_http_9p_creq_cache = cr;
    ngx_http_9p_ncreq_cache++;
}


static void
ngx_http_9p_fid_put(ngx_http_9p_fid_t *f)
{
    if (ngx_http_9p_nfid_cache == NGX_HTTP_9P_CACHED_FIDS) {
        ngx_free(f->path);
        ngx_free(f);
        return;
    }

    if (f->path_cap > NGX_HTTP_9P_CACHED_PATH) {
        ngx_free(f->path);
        f->path = NULL;
        f->path_cap = 0;
    }

    f->next = ngx_http_9p_fid_cache;
    ngx_http_9p_fid_cache = f;
    ngx_http_9p_nfid_cache++;
}


ngx_http_9p_creq_t *
ngx_http_9p_creq_new(ngx_http_9p_session_t *s, ninep_fcall_t *t)
{
    u_char              *space;
    size_t               space_cap;
    ngx_http_9p_creq_t  *cr;

    cr = ngx_http_9p_creq_cache;

    if (cr) {
        ngx_http_9p_creq_cache = cr->next;
        ngx_http_9p_ncreq_cache--;
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
    cr->retried = s->resending;

    /* walk, stat, read and an open that does not truncate may go again */
    if ((t->type == NINEP_TWALK || t->type == NINEP_TSTAT
         || t->type == NINEP_TREAD
         || (t->type == NINEP_TOPEN && !(t->mode & NINEP_OTRUNC)))
        && t->raw_len <= NGX_HTTP_9P_RAW_MAX)
    {
        ngx_memcpy(cr->raw, t->raw, t->raw_len);
        cr->raw_len = t->raw_len;
    }

    ngx_queue_insert_tail(&s->creqs, &cr->queue);
    s->ncreqs++;

    return cr;
}


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
        ngx_http_9p_creq_put(fl);
    }

    if (cr->flushed) {
        ngx_http_9p_stats_flushed(cr->type);
    }

    ngx_queue_remove(&cr->queue);
    s->ncreqs--;

    if (cr->backend) {
        ngx_http_9p_backend_unref(cr->backend);
    }

    if (cr->ns) {
        ngx_http_9p_ns_unref(cr->ns);
    }

    if (cr->buf) {
        ngx_free(cr->buf);
        ngx_http_9p_dir_release(cr->s, &cr->held);
    }

    if (cr->kind == NGX_HTTP_9P_CR_ATTACH) {
        if (cr->reset) {
            ngx_http_9p_ns_unref(cr->reset);
        }

        ngx_free(cr->tline);

    } else if (cr->kind == NGX_HTTP_9P_CR_DIR) {
        ngx_free(cr->seen);
    }

    ngx_http_9p_creq_ram(cr, NULL);
    ngx_http_9p_creq_put(cr);

    s->transport->post(s);
}


/* At least size bytes of the request's space, its contents not kept. */

u_char *
ngx_http_9p_creq_space(ngx_http_9p_creq_t *cr, size_t size)
{
    if (size > cr->space_cap) {
        ngx_free(cr->space);
        cr->space_cap = ngx_max(size, 256);
        cr->space = ngx_alloc(cr->space_cap, cr->s->connection->log);

        if (cr->space == NULL) {
            cr->space_cap = 0;
        }
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


void
ngx_http_9p_creq_clunk(ngx_http_9p_creq_t *cr)
{
    if (cr->owned != NINEP_NOFID) {
        ngx_http_9p_backend_clunk(cr->backend, cr->owned);
        cr->owned = NINEP_NOFID;
    }
}


void
ngx_http_9p_creq_abort(ngx_http_9p_creq_t *cr)
{
    ngx_http_9p_pool_cancel(&cr->wait);

    if (cr->breq) {
        /* the backend clunks whatever the abandoned reply creates */
        ngx_http_9p_backend_abandon(cr->breq);
        cr->breq = NULL;
    }

    ngx_http_9p_creq_clunk(cr);

    cr->flushed = 1;

    ngx_http_9p_creq_done(cr);
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


/*
 * Twice the buckets, the fids hashed again; without the memory the table
 * stays as it is (longer chains, still right).
 */

static void
ngx_http_9p_fids_grow(ngx_http_9p_session_t *s)
{
    ngx_uint_t           i, n;
    ngx_http_9p_fid_t  **t, *f;

    n = 2 * s->nbuckets;

    t = ngx_calloc(n * sizeof(ngx_http_9p_fid_t *), s->connection->log);
    if (t == NULL) {
        return;
    }

    for (i = 0; i < s->nbuckets; i++) {
        while ((f = s->fids[i]) != NULL) {
            s->fids[i] = f->next;
            f->next = t[f->fid & (n - 1)];
            t[f->fid & (n - 1)] = f;
        }
    }

    if (s->fids != s->fids0) {
        ngx_free(s->fids);
    }

    s->fids = t;
    s->nbuckets = n;
}


ngx_http_9p_fid_t *
ngx_http_9p_fid_find(ngx_http_9p_session_t *s, uint32_t fid)
{
    ngx_http_9p_fid_t  *f;

    for (f = s->fids[fid & (s->nbuckets - 1)]; f; f = f->next) {
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

    f = ngx_http_9p_fid_cache;

    if (f) {
        ngx_http_9p_fid_cache = f->next;
        ngx_http_9p_nfid_cache--;

    } else {
        f = ngx_calloc(sizeof(ngx_http_9p_fid_t), s->connection->log);
        if (f == NULL) {
            return NULL;
        }
    }

    /* ns, backend, dir and ram: fid_free left them NULL */
    f->fid = fid;
    f->gen = ++s->fid_gen;
    f->mount = NULL;
    f->bfid = NINEP_NOFID;
    f->path_len = 0;
    f->dev = NGX_HTTP_9P_DEV_NONE;
    f->dir_next = 0;
    f->open = 0;
    f->merge = 0;

    if (s->nfids >= 2 * s->nbuckets
        && s->nbuckets < NGX_HTTP_9P_FID_BUCKETS_MAX)
    {
        ngx_http_9p_fids_grow(s);
    }

    bucket = &s->fids[fid & (s->nbuckets - 1)];
    f->next = *bucket;
    *bucket = f;
    s->nfids++;

    return f;
}


void
ngx_http_9p_fid_free(ngx_http_9p_session_t *s, ngx_http_9p_fid_t *f,
    ngx_uint_t clunk)
{
    ngx_http_9p_fid_t  **pp;

    for (pp = &s->fids[f->fid & (s->nbuckets - 1)]; *pp;
         pp = &(*pp)->next)
    {
        if (*pp == f) {
            *pp = f->next;
            s->nfids--;
            break;
        }
    }

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
        ngx_http_9p_dir_release(s, &f->dir_held);
    }

    if (f->ram) {
        ngx_http_9p_rnode_unref(f->ram);
        f->ram = NULL;
    }

    ngx_http_9p_fid_put(f);
}


ngx_int_t
ngx_http_9p_fid_set_path(ngx_http_9p_fid_t *f, u_char *p, size_t len)
{
    if (len > f->path_cap) {
        ngx_free(f->path);
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


void
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
 * Fid f was opened (Ropen), or made (Rcreate of cr->name), on cr's
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
        && f->path_len + 1 + cr->name.len <= NGX_HTTP_9P_PATH_MAX)
    {
        len = ngx_http_9p_path_join(buf, f->path, f->path_len,
                                    &cr->name);
        (void) ngx_http_9p_fid_set_path(f, buf, len);
    }
}


/* ------------------------------------------------------------ listings */


/*
 * Composed listings are charged to their session and to the worker while
 * they are made and kept: ninep_union_dir_session and _worker bound them,
 * so many fids on a large union cannot take the worker's memory.
 */

static size_t  ngx_http_9p_dir_worker_held;


ngx_int_t
ngx_http_9p_dir_charge(ngx_http_9p_creq_t *cr, size_t n)
{
    ngx_http_9p_session_t  *s;

    s = cr->s;

    if (s->dir_held + n > s->conf->union_dir_session
        || ngx_http_9p_dir_worker_held + n > s->conf->union_dir_worker)
    {
        ngx_log_error(NGX_LOG_WARN, s->connection->log, 0,
                      "9p: directory listings would hold more than "
                      "ninep_union_dir_%s (session %uz, worker %uz bytes)",
                      s->dir_held + n > s->conf->union_dir_session
                      ? "session" : "worker",
                      s->dir_held, ngx_http_9p_dir_worker_held);
        return NGX_DECLINED;
    }

    s->dir_held += n;
    ngx_http_9p_dir_worker_held += n;
    cr->held += n;

    return NGX_OK;
}


void
ngx_http_9p_dir_release(ngx_http_9p_session_t *s, size_t *held)
{
    s->dir_held -= *held;
    ngx_http_9p_dir_worker_held -= *held;
    *held = 0;
}


/*
 * Whether reading directory fid f is the kernel's to compose: it is a
 * union's point, or mount points lie right below it.
 */

ngx_uint_t
ngx_http_9p_dir_merges(ngx_http_9p_fid_t *f)
{
    ngx_uint_t             i;
    ngx_http_9p_mount_t  **mp;

    if (f->mount == NULL) {
        return 0;
    }

    if (f->path_len == f->mount->path.len
        && ngx_http_9p_union_next(f->ns, f->mount))
    {
        return 1;
    }

    if (f->dev) {
        return 0;       /* the kernel's directories list their points */
    }

    mp = f->ns->mounts.elts;

    for (i = 0; i < f->ns->mounts.nelts; i++) {
        if (ngx_http_9p_child_point(mp[i], f->path, f->path_len, NULL)) {
            return 1;
        }
    }

    return 0;
}
