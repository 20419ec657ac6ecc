
/*
 * Ten: the kernel as a 9P client of its services (after 9front's devmnt
 * mountrpc).  Every message the kernel sends on a request's behalf leaves
 * through ngx_http_9p_send(), and every reply comes back through one
 * funnel, ngx_http_9p_rpc_reply(), which does what all replies need
 * before the request's own handler sees them:
 *
 *   - the request was flushed: it ends there, unanswered;
 *   - a fid the message would have made and did not (an Rerror'd attach,
 *     a failed or short walk: walk(5)) is freed; a Tclunk's or Tremove's
 *     fid is gone whatever the answer;
 *   - the connection died under a client's own message (a forward, a
 *     walk's step): it is sent again, or answered that its outcome is
 *     unknown (ngx_http_9p_lost);
 *   - the handler hears err NULL for the reply it asked for, else why
 *     not, with the service's reply (an Rerror's words) if there was one.
 *
 * The operations the kernel makes of its own -- a mount's root attached
 * as the user, a bind's source walked to, a walked fid opened -- are
 * built here too.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_9p_rpc.h"
#include "ngx_http_9p_stats.h"


static void ngx_http_9p_rpc_reply(ngx_http_9p_breq_t *br, ninep_fcall_t *r,
    const char *err);
static void ngx_http_9p_whole_read(ngx_http_9p_creq_t *cr, ninep_fcall_t *r,
    const char *err);


const char  ngx_http_9p_rerror[] = "error";
const char  ngx_http_9p_too_long[] = "file too long";
static const char  ngx_http_9p_short_walk[] = "file does not exist";
static const char  ngx_http_9p_unexpected[] = "unexpected reply";


ngx_int_t
ngx_http_9p_send(ngx_http_9p_creq_t *cr, ngx_http_9p_backend_t *b,
    ninep_fcall_t *t, ngx_http_9p_rpc_pt handler)
{
    const char  *err;

    cr->rpc = handler;
    cr->breq = ngx_http_9p_backend_send(b, t, ngx_http_9p_rpc_reply, cr,
                                        &err);

    if (cr->breq == NULL) {
        ngx_http_9p_creq_error(cr, ngx_http_9p_backend_name(b), err);
        return NGX_ERROR;
    }

    return NGX_OK;
}


static void
ngx_http_9p_rpc_reply(ngx_http_9p_breq_t *br, ninep_fcall_t *r,
    const char *err)
{
    ngx_http_9p_creq_t  *cr;

    cr = br->data;
    cr->breq = NULL;

    if (r) {
        err = (r->type == NINEP_RERROR) ? ngx_http_9p_rerror
              : (r->type != br->type + 1) ? ngx_http_9p_unexpected
              : (r->type == NINEP_RWALK && r->nwqid < br->nwname)
                ? ngx_http_9p_short_walk
              : NULL;
    }

    if (err && br->newfid != NINEP_NOFID) {
        ngx_http_9p_backend_fid_free(br->backend, br->newfid);
    }

    if ((br->type == NINEP_TCLUNK || br->type == NINEP_TREMOVE)
        && cr->bfid != NINEP_NOFID)
    {
        ngx_http_9p_backend_fid_free(br->backend, cr->bfid);
        cr->bfid = NINEP_NOFID;
    }

    if (err == ngx_http_9p_flushed) {
        ngx_http_9p_creq_abort(cr);
        return;
    }

    if (err == ngx_http_9p_conn_lost && cr->resend
        && ngx_http_9p_lost(cr) == NGX_OK)
    {
        return;
    }

    cr->lost = (err == ngx_http_9p_conn_lost);
    cr->rpc(cr, r, err);
}


void
ngx_http_9p_why(ninep_fcall_t *r, const char *err, ngx_str_t *why)
{
    if (err == ngx_http_9p_rerror) {
        why->data = (u_char *) r->ename.data;
        why->len = r->ename.len;
        return;
    }

    why->data = (u_char *) err;
    why->len = ngx_strlen(err);
}


/*
 * The connection under a request died.  A walk, stat, read or open that
 * does not truncate is sent again, once: its fid is recovered on the way
 * (see ngx_http_9p_recover).  A clunk is done all the same; a write,
 * create, remove or wstat whose outcome is unknown says so.  NGX_OK when
 * cr is taken care of.
 */

ngx_int_t
ngx_http_9p_lost(ngx_http_9p_creq_t *cr)
{
    u_char                  raw[NGX_HTTP_9P_RAW_MAX];
    size_t                  len;
    ninep_fcall_t           r;
    ngx_http_9p_session_t  *s;

    s = cr->s;

    switch (cr->type) {

    case NINEP_TCLUNK:
        ngx_memzero(&r, sizeof(r));
        r.type = NINEP_RCLUNK;
        ngx_http_9p_creq_reply(cr, &r);
        return NGX_OK;

    case NINEP_TWRITE:
    case NINEP_TCREATE:
    case NINEP_TREMOVE:
    case NINEP_TWSTAT:
        cr->lost = 1;
        ngx_http_9p_creq_error(cr, ngx_http_9p_backend_name(cr->backend),
                               "connection lost; outcome unknown");
        return NGX_OK;

    default:
        break;
    }

    if (cr->raw_len == 0 || cr->retried || cr->flushes) {
        /* once only; and a request being flushed is given up */
        return NGX_DECLINED;
    }

    ngx_http_9p_creq_clunk(cr);

    len = cr->raw_len;
    ngx_memcpy(raw, cr->raw, len);

    /* its tag is free again for the same request */
    ngx_http_9p_creq_done(cr);
    ngx_http_9p_stats_recovery(NGX_HTTP_9P_RESENT);
    (void) s->resend(s, raw, len);

    return NGX_OK;
}


/*
 * A mount's root on cr->backend: an attach as the namespace's user (the
 * kernel speaks for it on its authenticated connection).
 */

ngx_int_t
ngx_http_9p_mount_root(ngx_http_9p_creq_t *cr, ngx_http_9p_mount_t *m,
    ngx_http_9p_rpc_pt handler)
{
    ninep_fcall_t  t;

    if (ngx_http_9p_backend_fid(cr->backend, &cr->nbfid) != NGX_OK) {
        return NGX_ERROR;
    }

    ngx_memzero(&t, sizeof(t));
    t.type = NINEP_TATTACH;
    t.fid = cr->nbfid;
    t.afid = NINEP_NOFID;
    t.uname = ninep_str(cr->ns->user);
    t.aname.data = m->spec.data;
    t.aname.len = (uint16_t) m->spec.len;

    (void) ngx_http_9p_send(cr, cr->backend, &t, handler);

    return NGX_OK;
}


/* A bind's source, a union member's root, the client's root: a walk. */

ngx_int_t
ngx_http_9p_walk_root(ngx_http_9p_creq_t *cr, ngx_http_9p_mount_t *m,
    u_char *path, size_t len, ngx_http_9p_rpc_pt handler)
{
    ninep_fcall_t  t;

    ngx_http_9p_creq_use(cr, m->backend);
    ngx_memzero(&t, sizeof(t));

    if (ngx_http_9p_path_wnames(&t, m, path, len) != NGX_OK) {
        return NGX_DECLINED;
    }

    if (ngx_http_9p_backend_fid(cr->backend, &cr->nbfid) != NGX_OK) {
        return NGX_ERROR;
    }

    t.type = NINEP_TWALK;
    t.fid = m->bfid;
    t.newfid = cr->nbfid;

    (void) ngx_http_9p_send(cr, cr->backend, &t, handler);

    return NGX_OK;
}


void
ngx_http_9p_open_walked(ngx_http_9p_creq_t *cr, uint8_t mode,
    ngx_http_9p_rpc_pt handler)
{
    ninep_fcall_t  t;

    cr->owned = cr->nbfid;

    ngx_memzero(&t, sizeof(t));
    t.type = NINEP_TOPEN;
    t.fid = cr->nbfid;
    t.mode = mode;

    (void) ngx_http_9p_send(cr, cr->backend, &t, handler);
}


void
ngx_http_9p_read_at(ngx_http_9p_creq_t *cr, uint32_t fid, uint64_t max,
    ngx_http_9p_rpc_pt handler)
{
    ninep_fcall_t  t;

    ngx_memzero(&t, sizeof(t));
    t.type = NINEP_TREAD;
    t.fid = fid;
    t.offset = cr->offset;
    t.count = (uint32_t) ngx_min(max, ngx_http_9p_backend_msize(cr->backend)
                                      - NINEP_IOHDRSZ);

    (void) ngx_http_9p_send(cr, cr->backend, &t, handler);
}


void
ngx_http_9p_creq_give(ngx_http_9p_creq_t *cr, ngx_http_9p_backend_t **bp,
    uint32_t *fid, uint32_t *from)
{
    if (*bp) {
        ngx_http_9p_backend_unref(*bp);
    }

    *bp = cr->backend;
    ngx_http_9p_backend_ref(*bp);
    *fid = *from;
    *from = NINEP_NOFID;
}


void
ngx_http_9p_entry_drop(ngx_http_9p_mount_t *m)
{
    if (m->ram) {
        ngx_http_9p_rnode_unref(m->ram);
        m->ram = NULL;
    }

    if (m->backend) {
        ngx_http_9p_backend_clunk(m->backend, m->bfid);
        ngx_http_9p_backend_unref(m->backend);
        m->backend = NULL;
        m->bfid = NINEP_NOFID;
    }
}


/*
 * A small file read whole as the kernel: a walk from the connection's
 * kernel fid, an open, reads to the end (at most max bytes) into cr->buf,
 * a clunk; then done hears err NULL, or why not (ngx_http_9p_too_long).
 */

void
ngx_http_9p_read_whole(ngx_http_9p_creq_t *cr, u_char *path, size_t len,
    size_t max, ngx_http_9p_rpc_pt done)
{
    ninep_fcall_t  t;

    cr->then = done;
    cr->max = max;
    cr->len = 0;
    cr->offset = 0;

    /* a buffer of the size this file may have, made once it is open */
    ngx_free(cr->buf);
    cr->buf = NULL;

    if (ngx_http_9p_backend_fid(cr->backend, &cr->nbfid) != NGX_OK) {
        done(cr, NULL, "out of backend fids");
        return;
    }

    ngx_memzero(&t, sizeof(t));
    t.type = NINEP_TWALK;
    t.fid = ngx_http_9p_backend_kernel_fid(cr->backend);
    t.newfid = cr->nbfid;

    if (ngx_http_9p_path_split(&t, path, len) != NGX_OK) {
        ngx_http_9p_backend_fid_free(cr->backend, cr->nbfid);
        done(cr, NULL, "path too deep");
        return;
    }

    (void) ngx_http_9p_send(cr, cr->backend, &t, ngx_http_9p_whole_read);
}


/* Walked, opened, read on: an Rread is short at the end, empty after. */

static void
ngx_http_9p_whole_read(ngx_http_9p_creq_t *cr, ninep_fcall_t *r,
    const char *err)
{
    if (err) {
        cr->then(cr, r, err);
        return;
    }

    if (r->type == NINEP_RWALK) {
        ngx_http_9p_open_walked(cr, NINEP_OREAD, ngx_http_9p_whole_read);
        return;
    }

    if (r->type == NINEP_ROPEN) {
        cr->buf = ngx_alloc(cr->max, cr->s->connection->log);
        if (cr->buf == NULL) {
            cr->then(cr, NULL, "out of memory");
            return;
        }

    } else if (r->count == 0) {
        ngx_http_9p_creq_clunk(cr);
        cr->nbfid = NINEP_NOFID;
        cr->then(cr, NULL, NULL);
        return;

    } else if (cr->len + r->count > cr->max) {
        cr->then(cr, NULL, ngx_http_9p_too_long);
        return;

    } else {
        ngx_memcpy(cr->buf + cr->len, r->data, r->count);
        cr->len += r->count;
        cr->offset += r->count;
    }

    ngx_http_9p_read_at(cr, cr->nbfid, cr->max + 1 - cr->len,
                        ngx_http_9p_whole_read);
}
