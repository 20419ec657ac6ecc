
/*
 * Ten: Twalk through a namespace (DESIGN.md §3), after 9front's walk().
 *
 * The names are taken one segment at a time.  A segment is the longest
 * run of names that stays inside the mount the fid is in: it goes to that
 * mount's service as one backend Twalk (or is answered by the kernel, for
 * its own files and the rescue tree).  A name that reaches a mount point
 * continues from the mounted root, whose qid it gets; a name at a union's
 * point is looked up in each member in order, and the walk goes on in the
 * member that had it; ".." is lexical and may leave a mount, back to what
 * lies under it.  The first name that fails ends the walk: an Rerror if
 * it was the first, else a short Rwalk (walk(5)).  The newfid is made
 * only when every name was walked; its backend fid, path and mount are
 * those of the last segment.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_9p_walk.h"
#include "ngx_http_9p_rpc.h"
#include "ngx_http_9p_recover.h"


static void ngx_http_9p_walk_leave(ngx_http_9p_creq_t *cr);
static ngx_uint_t ngx_http_9p_walk_stays(ngx_http_9p_ns_t *ns,
    ngx_http_9p_mount_t *cur, ngx_http_9p_mount_t *target, size_t len);
static ngx_int_t ngx_http_9p_walk_local(ngx_http_9p_creq_t *cr);
static void ngx_http_9p_walk_next(ngx_http_9p_creq_t *cr);
static void ngx_http_9p_walk_done(ngx_http_9p_creq_t *cr, ninep_fcall_t *r,
    const char *err);
static void ngx_http_9p_walk_unmade(ngx_http_9p_creq_t *cr,
    const char *ename);
static void ngx_http_9p_walk_fail(ngx_http_9p_creq_t *cr, const char *svc,
    const char *ename);
static void ngx_http_9p_walk_finish(ngx_http_9p_creq_t *cr);
static void ngx_http_9p_walk_reply(ngx_http_9p_creq_t *cr);


ngx_int_t
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

    cr->kind = NGX_HTTP_9P_CR_WALK;

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
    ngx_http_9p_creq_use(cr, f->backend);
    cr->bfid = f->bfid;
    cr->qid = f->qid;
    cr->dev = f->dev;
    ngx_http_9p_creq_ram(cr, f->ram);
    ngx_memcpy(cr->path, f->path, f->path_len);
    cr->path_len = f->path_len;

    ngx_http_9p_walk_next(cr);

    return NGX_OK;
}


/* Leaving a service for the kernel: its fid is not needed. */

static void
ngx_http_9p_walk_leave(ngx_http_9p_creq_t *cr)
{
    ngx_http_9p_creq_clunk(cr);

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
    }

    if (file == NGX_HTTP_9P_DEV_NONE && node == NULL) {
        /* a name not in a kernel or rescue directory, or no directory */
        ngx_http_9p_walk_fail(cr, NULL, (cr->mount->ram
                                         ? ngx_http_9p_rnode_isdir(cr->ram)
                                         : ngx_http_9p_dev_isdir(cr->dev))
                                        ? "file does not exist"
                                        : "not a directory");
        return NGX_DONE;
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
    ngx_int_t               rc;
    ninep_fcall_t           t;
    ngx_http_9p_mount_t    *m;
    ngx_http_9p_backend_t  *b;

    /* kernel files are walked here, with no backend */
    while ((rc = ngx_http_9p_walk_local(cr)) == NGX_OK) {
        if (cr->done == cr->nwname) {
            ngx_http_9p_walk_finish(cr);
            return;
        }
    }

    if (rc == NGX_DONE) {
        return;
    }

    ngx_memzero(&t, sizeof(t));
    t.type = NINEP_TWALK;

    len = cr->path_len;
    ngx_memcpy(buf, cr->path, len);

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
        (void) ngx_http_9p_path_wnames(&t, m, buf, len);
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
        ngx_http_9p_creq_clunk(cr);

        ngx_http_9p_remount(cr, m, ngx_http_9p_walk_next,
                            ngx_http_9p_walk_unmade);
        return;
    }

    if (!ngx_http_9p_backend_alive(b)) {
        if (ngx_http_9p_lost(cr) == NGX_OK) {
            return;
        }

        ngx_http_9p_walk_fail(cr, b ? ngx_http_9p_backend_name(b) : NULL,
                              "connection lost");
        return;
    }

    if (cr->cross) {
        /* the stepping stone is not needed past a mount */
        ngx_http_9p_creq_clunk(cr);
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

    cr->resend = 1;
    (void) ngx_http_9p_send(cr, b, &t, ngx_http_9p_walk_done);
}


static void
ngx_http_9p_walk_done(ngx_http_9p_creq_t *cr, ninep_fcall_t *r,
    const char *err)
{
    u_char         *buf;
    size_t          len;
    uint16_t        i, n;

    if (r == NULL) {
        ngx_http_9p_walk_fail(cr, ngx_http_9p_backend_name(cr->backend),
                              err);
        return;
    }

    n = (r->type == NINEP_RWALK) ? r->nwqid : 0;

    if (err) {
        /* the stepping stone the failed step started from goes too */
        ngx_http_9p_creq_clunk(cr);

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
                ngx_http_9p_creq_reply(cr, r);
                return;
            }

            ngx_http_9p_creq_error(cr, NULL, "file does not exist");
            return;
        }

        /* a short walk: what succeeded, in order */
        for (i = 0; i < n && !cr->cross; i++) {
            cr->wqid[cr->done++] = r->wqid[i];
        }

        ngx_http_9p_walk_reply(cr);
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
    ngx_http_9p_creq_clunk(cr);

    if (cr->done == 0) {
        ngx_http_9p_creq_error(cr, svc, ename);
        return;
    }

    ngx_http_9p_walk_reply(cr);
}


static void
ngx_http_9p_walk_finish(ngx_http_9p_creq_t *cr)
{
    ngx_http_9p_fid_t      *f, *nf;
    ngx_http_9p_session_t  *s;

    s = cr->s;
    f = ngx_http_9p_creq_fid(cr);
    nf = (cr->newfid == cr->fidno) ? f
         : ngx_http_9p_fid_find(s, cr->newfid) ? NULL
         : ngx_http_9p_fid_new(s, cr->newfid);

    if (nf == NULL) {
        /* the fid was clunked meanwhile, or newfid is taken, or none left */
        ngx_http_9p_creq_clunk(cr);

        ngx_http_9p_creq_error(cr, NULL, (cr->newfid == cr->fidno)
                                         ? "fid clunked during the walk"
                                         : ngx_http_9p_fid_find(s, cr->newfid)
                                         ? "newfid in use" : "too many fids");
        return;
    }

    if (cr->newfid != cr->fidno) {
        nf->ns = cr->ns;
        nf->ns->refs++;

    } else if (f->backend) {
        /* the old backend fid, unless the walk moved it in place */
        if (f->bfid != cr->bfid || f->backend != cr->backend) {
            ngx_http_9p_backend_clunk(f->backend, f->bfid);
        }

        ngx_http_9p_backend_unref(f->backend);
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

    ngx_http_9p_walk_reply(cr);
}


/* The Rwalk of the names walked: all of them, or a short walk (walk(5)). */

static void
ngx_http_9p_walk_reply(ngx_http_9p_creq_t *cr)
{
    ninep_fcall_t  rf;

    ngx_memzero(&rf, sizeof(rf));
    rf.type = NINEP_RWALK;
    rf.nwqid = cr->done;
    ngx_memcpy(rf.wqid, cr->wqid, cr->done * sizeof(ninep_qid_t));
    ngx_http_9p_creq_reply(cr, &rf);
}
