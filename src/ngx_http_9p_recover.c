
/*
 * Ten: recovery from dead connections -- stale fids made again on their
 * next use, and idempotent requests in flight sent again.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_9p_recover.h"
#include "ngx_http_9p_rpc.h"
#include "ngx_http_9p_stats.h"


static void ngx_http_9p_remount_ready(ngx_http_9p_wait_t *w,
    ngx_http_9p_backend_t *b, const char *err);
static void ngx_http_9p_remount_done(ngx_http_9p_creq_t *cr,
    ninep_fcall_t *r, const char *err);
static void ngx_http_9p_recover_unmade(ngx_http_9p_creq_t *cr,
    const char *ename);
static void ngx_http_9p_recover_walk(ngx_http_9p_creq_t *cr);
static void ngx_http_9p_recover_walked(ngx_http_9p_creq_t *cr,
    ninep_fcall_t *r, const char *err);
static void ngx_http_9p_recover_opened(ngx_http_9p_creq_t *cr,
    ninep_fcall_t *r, const char *err);
static void ngx_http_9p_recover_skip(ngx_http_9p_creq_t *cr);
static void ngx_http_9p_recover_skipped(ngx_http_9p_creq_t *cr,
    ninep_fcall_t *r, const char *err);
static void ngx_http_9p_recover_failed(ngx_http_9p_creq_t *cr,
    ninep_fcall_t *r, const char *err);
static void ngx_http_9p_recover_done(ngx_http_9p_creq_t *cr);


/* ------------------------------------------------------------ recovery */


/* A service's mount whose connection died (and that may be made again). */

ngx_uint_t
ngx_http_9p_mount_dead(ngx_http_9p_mount_t *m)
{
    return !m->dev && !m->ram && m->down == NULL && m->service != NULL
           && !ngx_http_9p_backend_alive(m->backend);
}


/*
 * Stale fids (seed roadmap 4): a fid whose connection died is made again
 * before its next request -- its mount's root first (attached again as
 * the fid's user, or the walk of a bind), a walk to its path, an open
 * with its mode less OTRUNC, for a directory a read up to where the
 * client was -- and the request, kept aside meanwhile, then runs as if
 * nothing had happened.  A file gone or a permission lost is that
 * request's Rerror; the fid stays stale for the next one to try.
 */

ngx_int_t
ngx_http_9p_recover(ngx_http_9p_session_t *s, ngx_http_9p_fid_t *f,
    ninep_fcall_t *t)
{
    ngx_http_9p_creq_t  *cr;

    cr = ngx_http_9p_creq_new(s, t);
    if (cr == NULL) {
        return NGX_ERROR;
    }

    cr->raw_len = 0;
    cr->buf = ngx_alloc(t->raw_len, s->connection->log);
    if (cr->buf == NULL) {
        ngx_http_9p_creq_error(cr, NULL, "out of memory");
        return NGX_OK;
    }

    ngx_memcpy(cr->buf, t->raw, t->raw_len);
    cr->len = t->raw_len;

    ngx_http_9p_creq_hold(cr, f);
    cr->ns = f->ns;
    cr->ns->refs++;
    ngx_http_9p_remount(cr, f->mount, ngx_http_9p_recover_walk,
                        ngx_http_9p_recover_unmade);

    return NGX_OK;
}


/*
 * Mount target lives again, then resume(cr); if it cannot be, unmade(cr,
 * why).  A bind is walked again from its source's mount, which may need
 * making first: each call makes the first dead mount of the chain.
 */

void
ngx_http_9p_remount(ngx_http_9p_creq_t *cr, ngx_http_9p_mount_t *target,
    void (*resume)(ngx_http_9p_creq_t *cr),
    void (*unmade)(ngx_http_9p_creq_t *cr, const char *ename))
{
    ngx_int_t               rc;
    ngx_uint_t              depth;
    ngx_http_9p_mount_t    *m, *src;

    cr->resume = resume;
    cr->unmade = unmade;
    cr->remount = target;

    if (!ngx_http_9p_mount_dead(target)) {
        cr->resume(cr);
        return;
    }

    m = target;
    src = NULL;

    for (depth = 0; m->source.len; depth++) {
        /* a -a or -b joined the directory under the union: not itself */
        src = m->implicit
              ? ngx_http_9p_mount_beside(cr->ns, m->source.data,
                                         m->source.len, m)
              : ngx_http_9p_mount_of(cr->ns, m->source.data, m->source.len);

        if (src == NULL || src == m || src->dev || src->ram || src->down
            || depth == NGX_HTTP_9P_MOUNTS_MAX)
        {
            cr->unmade(cr, "connection lost; the bind cannot be made "
                           "again");
            return;
        }

        if (!ngx_http_9p_mount_dead(src)) {
            break;
        }

        m = src;
    }

    cr->making = m;

    if (m->source.len == 0) {
        cr->wait.handler = ngx_http_9p_remount_ready;
        cr->wait.data = cr;
        ngx_http_9p_pool_get(m->service, cr->s->conf, cr->s->request,
                             &cr->wait);
        return;
    }

    /* a bind whose source lives: walked again from there */
    rc = ngx_http_9p_walk_root(cr, src, m->source.data, m->source.len,
                               ngx_http_9p_remount_done);

    if (rc != NGX_OK) {
        cr->unmade(cr, (rc == NGX_DECLINED) ? "the source is too deep"
                                            : "out of backend fids");
    }
}


static void
ngx_http_9p_remount_ready(ngx_http_9p_wait_t *w, ngx_http_9p_backend_t *b,
    const char *err)
{
    u_char               ename[NGX_HTTP_9P_ENAME_MAX], *p;
    ngx_http_9p_creq_t  *cr;

    cr = w->data;

    if (b == NULL) {
        p = ngx_snprintf(ename, sizeof(ename) - 1, "%V unavailable: %s",
                         &cr->making->service->name, err);
        *p = '\0';
        cr->unmade(cr, (char *) ename);
        return;
    }

    ngx_http_9p_creq_use(cr, b);

    if (ngx_http_9p_mount_root(cr, cr->making, ngx_http_9p_remount_done)
        != NGX_OK)
    {
        cr->unmade(cr, "out of backend fids");
    }
}


static void
ngx_http_9p_remount_done(ngx_http_9p_creq_t *cr, ninep_fcall_t *r,
    const char *err)
{
    u_char                ename[NGX_HTTP_9P_ENAME_MAX], *p;
    ngx_str_t             why;
    ngx_http_9p_mount_t  *m;

    m = cr->making;

    if (err) {
        cr->nbfid = NINEP_NOFID;

        ngx_http_9p_why(r, err, &why);
        p = ngx_snprintf(ename, sizeof(ename) - 1, "%s: %V",
                         ngx_http_9p_backend_name(cr->backend), &why);
        *p = '\0';
        cr->unmade(cr, (char *) ename);
        return;
    }

    if (ngx_http_9p_mount_dead(m)) {
        ngx_http_9p_creq_give(cr, &m->backend, &m->bfid, &cr->nbfid);

        ngx_log_error(NGX_LOG_INFO, cr->s->connection->log, 0,
                      "9p: %V made again on a new connection to \"%V\"",
                      &m->path, &m->service->name);

    } else {
        /* another request made it meanwhile */
        ngx_http_9p_backend_clunk(cr->backend, cr->nbfid);
    }

    cr->nbfid = NINEP_NOFID;
    ngx_http_9p_remount(cr, cr->remount, cr->resume, cr->unmade);
}


/*
 * A stale fid whose mount cannot be made again: this request's Rerror.
 * A request sent again after its connection died is lost for good.
 */

static void
ngx_http_9p_recover_unmade(ngx_http_9p_creq_t *cr, const char *ename)
{
    ngx_http_9p_stats_recovery(NGX_HTTP_9P_UNRECOVERED);
    cr->lost = cr->retried;
    ngx_http_9p_creq_error(cr, NULL, ename);
}


/* The fid's mount lives: the walk to its path. */

static void
ngx_http_9p_recover_walk(ngx_http_9p_creq_t *cr)
{
    ngx_int_t             rc;
    ngx_http_9p_fid_t    *f;
    ngx_http_9p_mount_t  *m;

    f = ngx_http_9p_creq_fid(cr);

    if (f == NULL) {
        ngx_http_9p_creq_error(cr, NULL, "fid clunked during its recovery");
        return;
    }

    m = f->mount;

    rc = ngx_http_9p_walk_root(cr, m, f->path, f->path_len,
                               ngx_http_9p_recover_walked);

    if (rc != NGX_OK) {
        ngx_http_9p_creq_error(cr, NULL, (rc == NGX_DECLINED)
                                         ? "connection lost; the path is "
                                           "too deep to recover"
                                         : "out of backend fids");
    }
}


static void
ngx_http_9p_recover_walked(ngx_http_9p_creq_t *cr, ninep_fcall_t *r,
    const char *err)
{
    ngx_http_9p_fid_t   *f;

    if (err) {
        ngx_http_9p_recover_failed(cr, r, err);
        return;
    }

    cr->owned = cr->nbfid;
    f = ngx_http_9p_creq_fid(cr);

    if (f == NULL || !f->open) {
        ngx_http_9p_recover_done(cr);
        return;
    }

    /* open as before, without truncating what may be written since */
    ngx_http_9p_open_walked(cr, f->mode & ~NINEP_OTRUNC,
                            ngx_http_9p_recover_opened);
}


static void
ngx_http_9p_recover_opened(ngx_http_9p_creq_t *cr, ninep_fcall_t *r,
    const char *err)
{
    if (err) {
        ngx_http_9p_recover_failed(cr, r, err);
        return;
    }

    cr->offset = 0;
    ngx_http_9p_recover_skip(cr);
}


/* A directory is read again up to where the client was. */

static void
ngx_http_9p_recover_skip(ngx_http_9p_creq_t *cr)
{
    ngx_http_9p_fid_t  *f;

    f = ngx_http_9p_creq_fid(cr);

    if (f == NULL || !(f->qid.type & NINEP_QTDIR)
        || cr->offset >= f->dir_next)
    {
        ngx_http_9p_recover_done(cr);
        return;
    }

    ngx_http_9p_read_at(cr, cr->owned, f->dir_next - cr->offset,
                        ngx_http_9p_recover_skipped);
}


static void
ngx_http_9p_recover_skipped(ngx_http_9p_creq_t *cr, ninep_fcall_t *r,
    const char *err)
{
    if (err) {
        ngx_http_9p_recover_failed(cr, r, err);
        return;
    }

    if (r->count == 0) {
        /* the directory shrank: its end is where the client was */
        ngx_http_9p_recover_done(cr);
        return;
    }

    cr->offset += r->count;
    ngx_http_9p_recover_skip(cr);
}


/* The file is gone, or may no longer be opened: this request says so. */

static void
ngx_http_9p_recover_failed(ngx_http_9p_creq_t *cr, ninep_fcall_t *r,
    const char *err)
{
    ngx_http_9p_stats_recovery(NGX_HTTP_9P_UNRECOVERED);

    ngx_http_9p_creq_clunk(cr);

    if (err == ngx_http_9p_rerror) {
        ngx_http_9p_creq_reply(cr, r);
        return;
    }

    if (r) {
        /* a short walk: the service's "file does not exist", as it were */
        ngx_http_9p_creq_error(cr, NULL, err);
        return;
    }

    cr->lost = cr->retried;

    ngx_http_9p_creq_error(cr, ngx_http_9p_backend_name(cr->backend), err);
}


/* The fid lives on its new connection; its request goes on. */

static void
ngx_http_9p_recover_done(ngx_http_9p_creq_t *cr)
{
    u_char                 *msg;
    size_t                  len;
    ngx_uint_t              gone;
    ngx_http_9p_fid_t      *f;
    ngx_http_9p_session_t  *s;

    s = cr->s;
    f = ngx_http_9p_creq_fid(cr);

    if (f == NULL) {
        ngx_http_9p_recover_failed(cr, NULL, "fid clunked during its "
                                   "recovery");
        return;
    }

    ngx_http_9p_creq_give(cr, &f->backend, &f->bfid, &cr->owned);

    ngx_log_error(NGX_LOG_INFO, s->connection->log, 0,
                  "9p: fid %uD (%*s) recovered on a new connection to "
                  "\"%s\"", f->fid, f->path_len, f->path,
                  ngx_http_9p_backend_name(f->backend));

    ngx_http_9p_stats_recovery(NGX_HTTP_9P_RECOVERED);

    msg = cr->buf;
    len = cr->len;
    cr->buf = NULL;

    /* unless the client gave it up meanwhile */
    gone = (cr->flushes || cr->flushed);
    ngx_http_9p_creq_done(cr);

    if (!gone) {
        (void) s->resend(s, msg, len);
    }

    ngx_free(msg);
}
