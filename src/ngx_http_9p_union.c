
/*
 * Ten: union directories -- their listings, composed by the kernel, and
 * creates that go to a union's -c member.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_9p_union.h"
#include "ngx_http_9p_rpc.h"
#include "ngx_http_9p_recover.h"


static ngx_int_t ngx_http_9p_union_serve(ngx_http_9p_session_t *s,
    ngx_http_9p_fid_t *f, uint16_t tag, uint32_t count);
static void ngx_http_9p_union_next_source(ngx_http_9p_creq_t *cr);
static void ngx_http_9p_union_unmade(ngx_http_9p_creq_t *cr,
    const char *ename);
static void ngx_http_9p_union_walked(ngx_http_9p_creq_t *cr, ninep_fcall_t *r,
    const char *err);
static void ngx_http_9p_union_opened(ngx_http_9p_creq_t *cr, ninep_fcall_t *r,
    const char *err);
static void ngx_http_9p_union_got(ngx_http_9p_creq_t *cr, ninep_fcall_t *r,
    const char *err);
static void ngx_http_9p_union_member_done(ngx_http_9p_creq_t *cr);
static void ngx_http_9p_union_statted(ngx_http_9p_creq_t *cr, ninep_fcall_t *r,
    const char *err);
static ngx_int_t ngx_http_9p_union_add(ngx_http_9p_creq_t *cr, u_char *data,
    size_t len);
static void ngx_http_9p_union_name(ngx_http_9p_creq_t *cr, uint32_t off,
    ngx_str_t *name);
static ngx_uint_t ngx_http_9p_union_seen(ngx_http_9p_creq_t *cr, u_char *data,
    size_t len);
static ngx_int_t ngx_http_9p_union_remember(ngx_http_9p_creq_t *cr,
    uint32_t off);
static void ngx_http_9p_union_done(ngx_http_9p_creq_t *cr);
static void ngx_http_9p_union_create_walked(ngx_http_9p_creq_t *cr,
    ninep_fcall_t *r, const char *err);
static void ngx_http_9p_union_created(ngx_http_9p_creq_t *cr, ninep_fcall_t *r,
    const char *err);


/* ---------------------------------------------------------------- unions */


/*
 * Tread of a merged directory: offset 0 reads every member afresh, in
 * order, then the mount points the members lack; later reads go on from
 * where the last one ended, in whole entries.
 */

ngx_int_t
ngx_http_9p_union_read(ngx_http_9p_session_t *s, ngx_http_9p_fid_t *f,
    ninep_fcall_t *t)
{
    ngx_http_9p_creq_t  *cr;

    if (t->offset != 0) {
        if (t->offset != f->dir_next) {
            return ngx_http_9p_reply_error(s, t->tag,
                                           "bad offset in directory read");
        }

        return ngx_http_9p_union_serve(s, f, t->tag, t->count);
    }

    if (f->backend && !ngx_http_9p_backend_alive(f->backend)) {
        /* the fid's own connection died: it is made again first */
        return ngx_http_9p_recover(s, f, t);
    }

    cr = ngx_http_9p_creq_new(s, t);
    if (cr == NULL) {
        return NGX_ERROR;
    }

    cr->kind = NGX_HTTP_9P_CR_DIR;

    ngx_http_9p_creq_hold(cr, f);
    cr->ns = f->ns;
    cr->ns->refs++;
    cr->count = t->count;
    cr->mount = f->mount;
    cr->mount_i = 0;

    ngx_http_9p_union_next_source(cr);

    return NGX_OK;
}


/*
 * Whole entries of the listing from where the last read ended: as many as
 * fit, possibly none (ninep_dir_fit).  A listing read to its end is let
 * go at once; reads at its end then get nothing, as at any end.
 */

static ngx_int_t
ngx_http_9p_union_serve(ngx_http_9p_session_t *s, ngx_http_9p_fid_t *f,
    uint16_t tag, uint32_t count)
{
    ngx_int_t      rc;
    ninep_fcall_t  r;

    ngx_memzero(&r, sizeof(r));
    r.type = NINEP_RREAD;
    r.tag = tag;

    if (f->dir) {
        r.data = f->dir + f->dir_next;
        r.count = (uint32_t) ninep_dir_fit(r.data, f->dir_len - f->dir_next,
                                           ngx_min(count, s->msize
                                                          - NINEP_IOHDRSZ));
        f->dir_next += r.count;
    }

    rc = s->transport->send(s, &r);

    if (f->dir && f->dir_next == f->dir_len) {
        ngx_free(f->dir);
        f->dir = NULL;
        ngx_http_9p_dir_release(s, &f->dir_held);
    }

    return rc;
}


/*
 * The next thing to list: the member cr->mount, then the mount points
 * below, from the table's entry cr->mount_i on.
 */

static void
ngx_http_9p_union_next_source(ngx_http_9p_creq_t *cr)
{
    u_char                 buf[NGX_HTTP_9P_DEV_MAX];
    ssize_t                n;
    ngx_str_t              path, name;
    ngx_uint_t             at;
    ninep_stat_t           st;
    ninep_fcall_t          t;
    ngx_http_9p_fid_t     *f;
    ngx_http_9p_rnode_t   *dir;
    ngx_http_9p_mount_t   *m, **mp;

    f = ngx_http_9p_creq_fid(cr);

    if (f == NULL) {
        ngx_http_9p_creq_error(cr, NULL, "fid clunked during the read");
        return;
    }

    path.data = f->path;
    path.len = f->path_len;

    /* the members of the union at f, or f's own directory */
    while (cr->mount) {
        m = cr->mount;

        if (ngx_http_9p_mount_dead(m) && !(m == f->mount && f->backend)) {
            /* a member whose connection died is made again first */
            ngx_http_9p_remount(cr, m, ngx_http_9p_union_next_source,
                                ngx_http_9p_union_unmade);
            return;
        }

        cr->mount = (f->path_len == m->path.len)
                    ? ngx_http_9p_union_next(f->ns, m) : NULL;

        if (m->ram) {
            /* a directory of the rescue tree */
            dir = (m == f->mount && f->ram) ? f->ram : m->ram;

            for (at = 0; /* void */; /* void */) {
                n = ngx_http_9p_rnode_readdir(dir, &at, buf, sizeof(buf));

                if (n == 0) {
                    break;
                }

                if (ngx_http_9p_union_add(cr, buf, n) != NGX_OK) {
                    return;
                }
            }

            continue;
        }

        if (m->dev) {
            n = ngx_http_9p_dev_dir(m->dev, &path, &f->ns->mounts,
                                    f->ns->user, buf, sizeof(buf));

            if (n < 0) {
                ngx_http_9p_creq_error(cr, NULL, "directory too large");
                return;
            }

            if (ngx_http_9p_union_add(cr, buf, n) != NGX_OK) {
                return;
            }

            continue;
        }

        if (m == f->mount && f->backend) {
            /* the fid itself is open on the first member: read it over */
            ngx_http_9p_creq_use(cr, f->backend);
            cr->nbfid = f->bfid;
            cr->offset = 0;
            ngx_http_9p_read_at(cr, cr->nbfid, NGX_MAX_UINT32_VALUE,
                                ngx_http_9p_union_got);
            return;
        }

        if (!ngx_http_9p_backend_alive(m->backend)) {
            continue;   /* a member that cannot be read is left out */
        }

        if (ngx_http_9p_walk_root(cr, m, m->path.data, m->path.len,
                                  ngx_http_9p_union_walked)
            == NGX_OK)
        {
            return;
        }
    }

    /* the mount points right below that no member has */
    mp = f->ns->mounts.elts;

    for ( /* void */ ; cr->mount_i < f->ns->mounts.nelts; cr->mount_i++) {
        m = mp[cr->mount_i];

        if (f->dev
            || !ngx_http_9p_child_point(m, f->path, f->path_len, &name)
            || ngx_http_9p_mount_of(f->ns, m->path.data, m->path.len) != m
            || ngx_http_9p_union_seen(cr, name.data, name.len))
        {
            continue;
        }

        if (m->dev) {
            ngx_http_9p_dev_stat(m->dev, &name, f->ns->user, &st);
            n = ninep_stat_pack(&st, buf, sizeof(buf));

            if (n > 0 && ngx_http_9p_union_add(cr, buf, n) != NGX_OK) {
                return;
            }

            continue;
        }

        if (!ngx_http_9p_backend_alive(m->backend)) {
            continue;
        }

        ngx_http_9p_creq_use(cr, m->backend);

        ngx_memzero(&t, sizeof(t));
        t.type = NINEP_TSTAT;
        t.fid = m->bfid;

        (void) ngx_http_9p_send(cr, cr->backend, &t,
                                ngx_http_9p_union_statted);
        return;
    }

    ngx_http_9p_union_done(cr);
}


/* A member that cannot be made again is left out of the listing. */

static void
ngx_http_9p_union_unmade(ngx_http_9p_creq_t *cr, const char *ename)
{
    ngx_http_9p_fid_t    *f;
    ngx_http_9p_mount_t  *m;

    f = ngx_http_9p_creq_fid(cr);
    m = cr->remount;
    cr->mount = (f && f->path_len == m->path.len)
                ? ngx_http_9p_union_next(cr->ns, m) : NULL;

    ngx_http_9p_union_next_source(cr);
}


static void
ngx_http_9p_union_walked(ngx_http_9p_creq_t *cr, ninep_fcall_t *r,
    const char *err)
{
    if (err) {
        ngx_http_9p_union_next_source(cr);
        return;
    }

    ngx_http_9p_open_walked(cr, NINEP_OREAD, ngx_http_9p_union_opened);
}


static void
ngx_http_9p_union_opened(ngx_http_9p_creq_t *cr, ninep_fcall_t *r,
    const char *err)
{
    if (err) {
        /* not readable by this user: left out, as Plan 9 does */
        ngx_http_9p_union_member_done(cr);
        return;
    }

    cr->offset = 0;
    ngx_http_9p_read_at(cr, cr->nbfid, NGX_MAX_UINT32_VALUE,
                        ngx_http_9p_union_got);
}


static void
ngx_http_9p_union_got(ngx_http_9p_creq_t *cr, ninep_fcall_t *r,
    const char *err)
{
    if (err == NULL && r->count > 0) {
        if (ngx_http_9p_union_add(cr, (u_char *) r->data, r->count)
            != NGX_OK)
        {
            return;
        }

        cr->offset += r->count;
        ngx_http_9p_read_at(cr, cr->nbfid, NGX_MAX_UINT32_VALUE,
                            ngx_http_9p_union_got);
        return;
    }

    if (err && cr->owned == NINEP_NOFID) {
        /* the fid's own directory: its errors are the client's */
        if (err == ngx_http_9p_rerror) {
            ngx_http_9p_creq_reply(cr, r);
            return;
        }

        ngx_http_9p_creq_error(cr, ngx_http_9p_backend_name(cr->backend),
                               err);
        return;
    }

    ngx_http_9p_union_member_done(cr);
}


/* A member is read: its fid goes, on to the next. */

static void
ngx_http_9p_union_member_done(ngx_http_9p_creq_t *cr)
{
    ngx_http_9p_creq_clunk(cr);

    cr->nbfid = NINEP_NOFID;
    ngx_http_9p_union_next_source(cr);
}


static void
ngx_http_9p_union_statted(ngx_http_9p_creq_t *cr, ninep_fcall_t *r,
    const char *err)
{
    u_char                buf[NGX_HTTP_9P_DEV_MAX];
    ssize_t               n;
    ngx_str_t             name;
    ngx_http_9p_fid_t    *f;
    ngx_http_9p_mount_t  *m, **mp;

    f = ngx_http_9p_creq_fid(cr);

    if (f && err == NULL && cr->mount_i < f->ns->mounts.nelts) {
        /* the mounted root, under the name of its point */
        mp = f->ns->mounts.elts;
        m = mp[cr->mount_i];

        if (ngx_http_9p_child_point(m, f->path, f->path_len, &name)) {
            r->st.name.data = (const uint8_t *) name.data;
            r->st.name.len = (uint16_t) name.len;
            n = ninep_stat_pack(&r->st, buf, sizeof(buf));

            if (n > 0 && ngx_http_9p_union_add(cr, buf, n) != NGX_OK) {
                return;
            }
        }
    }

    cr->mount_i++;
    ngx_http_9p_union_next_source(cr);
}


/*
 * Entries of a member join the listing unless an earlier member had the
 * name.  NGX_ERROR when the request is answered (bad data, too large).
 */

static ngx_int_t
ngx_http_9p_union_add(ngx_http_9p_creq_t *cr, u_char *data, size_t len)
{
    u_char        *p;
    size_t         used, cap, max;
    ninep_stat_t   st;

    max = cr->s->conf->union_dir_max;

    while (len > 0) {
        if (ninep_stat_unpack(data, len, &st, &used) != 0) {
            ngx_http_9p_creq_error(cr, NULL, "bad directory entry");
            return NGX_ERROR;
        }

        if (!ngx_http_9p_union_seen(cr, (u_char *) st.name.data,
                                    st.name.len))
        {
            if (cr->len + used > max) {
                ngx_http_9p_creq_error(cr, NULL,
                                       "union directory too large");
                return NGX_ERROR;
            }

            if (cr->len + used > cr->cap) {
                cap = ngx_min(ngx_max(2 * cr->cap, cr->len + used + 4096),
                              max);

                if (ngx_http_9p_dir_charge(cr, cap - cr->cap) != NGX_OK) {
                    ngx_http_9p_creq_error(cr, NULL,
                                           "too many directory listings "
                                           "held; read or clunk some");
                    return NGX_ERROR;
                }

                p = ngx_alloc(cap, cr->s->connection->log);
                if (p == NULL) {
                    ngx_http_9p_creq_error(cr, NULL, "out of memory");
                    return NGX_ERROR;
                }

                if (cr->buf) {
                    ngx_memcpy(p, cr->buf, cr->len);
                    ngx_free(cr->buf);
                }

                cr->buf = p;
                cr->cap = cap;
            }

            /* the table holds the entry's offset, so it must be there */
            ngx_memcpy(cr->buf + cr->len, data, used);

            if (ngx_http_9p_union_remember(cr, cr->len) != NGX_OK) {
                ngx_http_9p_creq_error(cr, NULL, "out of memory");
                return NGX_ERROR;
            }

            cr->len += used;
        }

        data += used;
        len -= used;
    }

    return NGX_OK;
}


/* An entry's name in the listing: stat(5) puts it 41 bytes in. */

static void
ngx_http_9p_union_name(ngx_http_9p_creq_t *cr, uint32_t off, ngx_str_t *name)
{
    name->len = cr->buf[off + 41] | (cr->buf[off + 42] << 8);
    name->data = cr->buf + off + 43;
}


/*
 * The names listed so far: an open-addressed table of offsets into the
 * listing, plus one (zero is an empty slot).
 */

static ngx_uint_t
ngx_http_9p_union_seen(ngx_http_9p_creq_t *cr, u_char *data, size_t len)
{
    ngx_str_t   name;
    ngx_uint_t  i, mask;

    mask = cr->seen_cap - 1;

    for (i = ngx_hash_key(data, len) & mask;
         cr->seen_cap && cr->seen[i];
         i = (i + 1) & mask)
    {
        ngx_http_9p_union_name(cr, cr->seen[i] - 1, &name);

        if (name.len == len && ngx_memcmp(name.data, data, len) == 0) {
            return 1;
        }
    }

    return 0;
}


/* The entry at off joins the table, which stays at most half full. */

static ngx_int_t
ngx_http_9p_union_remember(ngx_http_9p_creq_t *cr, uint32_t off)
{
    uint32_t   *old;
    ngx_str_t   name;
    ngx_uint_t  i, j, n;

    if (2 * (cr->nseen + 1) > cr->seen_cap) {
        old = cr->seen;
        n = cr->seen_cap;

        cr->seen_cap = n ? 2 * n : 64;
        cr->seen = ngx_calloc(cr->seen_cap * sizeof(uint32_t),
                              cr->s->connection->log);
        if (cr->seen == NULL) {
            cr->seen = old;
            cr->seen_cap = n;
            return NGX_ERROR;
        }

        cr->nseen = 0;

        for (j = 0; j < n; j++) {
            if (old[j]) {
                (void) ngx_http_9p_union_remember(cr, old[j] - 1);
            }
        }

        ngx_free(old);
    }

    ngx_http_9p_union_name(cr, off, &name);

    for (i = ngx_hash_key(name.data, name.len) & (cr->seen_cap - 1);
         cr->seen[i];
         i = (i + 1) & (cr->seen_cap - 1))
    {
        /* void */
    }

    cr->seen[i] = off + 1;
    cr->nseen++;

    return NGX_OK;
}


/* A listing is made: the fid keeps it, and the read is answered. */

static void
ngx_http_9p_union_done(ngx_http_9p_creq_t *cr)
{
    ngx_http_9p_fid_t  *f;

    f = ngx_http_9p_creq_fid(cr);

    if (f == NULL) {
        ngx_http_9p_creq_error(cr, NULL, "fid clunked during the read");
        return;
    }

    if (f->dir) {
        ngx_free(f->dir);
        ngx_http_9p_dir_release(cr->s, &f->dir_held);
    }

    f->dir = cr->buf;
    f->dir_len = cr->len;
    f->dir_held = cr->held;
    f->dir_next = 0;
    cr->buf = NULL;
    cr->held = 0;

    if (!cr->flushed) {
        (void) ngx_http_9p_union_serve(cr->s, f, cr->tag, cr->count);
    }

    ngx_http_9p_creq_done(cr);
}


/*
 * Where a Tcreate at fid f goes: f's own mount, unless f is the point of
 * a union; then its first -c member, or NULL when it has none.
 */

ngx_http_9p_mount_t *
ngx_http_9p_union_creator(ngx_http_9p_fid_t *f)
{
    ngx_http_9p_mount_t  *m;

    if (f->mount == NULL || f->path_len != f->mount->path.len
        || ngx_http_9p_union_next(f->ns, f->mount) == NULL)
    {
        return f->mount;
    }

    for (m = f->mount; m; m = ngx_http_9p_union_next(f->ns, m)) {
        if (m->create) {
            return m;
        }
    }

    return NULL;
}


/*
 * Tcreate in a union whose -c member is not the fid's: a fid at that
 * member's root makes the file, and the client's fid moves to it.
 */

ngx_int_t
ngx_http_9p_union_create(ngx_http_9p_session_t *s, ngx_http_9p_fid_t *f,
    ninep_fcall_t *t, ngx_http_9p_mount_t *m)
{
    ngx_http_9p_creq_t  *cr;

    if (m == NULL) {
        return ngx_http_9p_reply_error(s, t->tag,
                                       "mounted directory forbids creation");
    }

    if (m->dev) {
        return ngx_http_9p_reply_error(s, t->tag, "permission denied");
    }

    if (f->open) {
        return ngx_http_9p_reply_error(s, t->tag, "fid already open");
    }

    cr = ngx_http_9p_creq_new(s, t);
    if (cr == NULL) {
        return NGX_ERROR;
    }

    cr->kind = NGX_HTTP_9P_CR_DIR;

    ngx_http_9p_creq_hold(cr, f);
    cr->mount = m;
    cr->perm = t->perm;
    cr->mode = t->mode;
    cr->name.data = ngx_http_9p_creq_space(cr, t->name.len);

    if (cr->name.data == NULL) {
        ngx_http_9p_creq_error(cr, NULL, "out of memory");
        return NGX_OK;
    }

    ngx_memcpy(cr->name.data, t->name.data, t->name.len);
    cr->name.len = t->name.len;

    if (!ngx_http_9p_backend_alive(m->backend)) {
        ngx_http_9p_creq_error(cr, NULL, m->down ? m->down
                                                 : "connection lost");
        return NGX_OK;
    }

    if (ngx_http_9p_walk_root(cr, m, m->path.data, m->path.len,
                              ngx_http_9p_union_create_walked)
        != NGX_OK)
    {
        ngx_http_9p_creq_error(cr, NULL, "out of backend fids");
    }

    return NGX_OK;
}


static void
ngx_http_9p_union_create_walked(ngx_http_9p_creq_t *cr, ninep_fcall_t *r,
    const char *err)
{
    ninep_fcall_t  t;

    if (err) {
        ngx_http_9p_creq_error(cr, ngx_http_9p_backend_name(cr->backend),
                               r ? "cannot reach the -c member" : err);
        return;
    }

    cr->owned = cr->nbfid;

    ngx_memzero(&t, sizeof(t));
    t.type = NINEP_TCREATE;
    t.fid = cr->nbfid;
    t.name.data = cr->name.data;
    t.name.len = (uint16_t) cr->name.len;
    t.perm = cr->perm;
    t.mode = cr->mode;

    (void) ngx_http_9p_send(cr, cr->backend, &t,
                            ngx_http_9p_union_created);
}


static void
ngx_http_9p_union_created(ngx_http_9p_creq_t *cr, ninep_fcall_t *r,
    const char *err)
{
    ngx_http_9p_fid_t  *f;

    f = ngx_http_9p_creq_fid(cr);

    if (err || f == NULL || f->open) {
        /* the member's error as it is; or nobody to give the file to */
        ngx_http_9p_creq_clunk(cr);

        if (r == NULL) {
            ngx_http_9p_creq_error(cr, ngx_http_9p_backend_name(cr->backend),
                                   err);

        } else if (err) {
            ngx_http_9p_creq_reply(cr, r);

        } else {
            ngx_http_9p_creq_error(cr, NULL, "fid clunked during the create");
        }

        return;
    }

    /* the client's fid moves to the new file, in the -c member */
    if (f->backend) {
        ngx_http_9p_backend_clunk(f->backend, f->bfid);
    }

    ngx_http_9p_creq_give(cr, &f->backend, &f->bfid, &cr->owned);
    f->mount = cr->mount;
    f->dev = NGX_HTTP_9P_DEV_NONE;
    ngx_http_9p_fid_opened(cr, f, r);

    ngx_http_9p_creq_reply(cr, r);
}
