
/*
 * Ten: ten-ssr file operations.
 *
 * A fid is a path on the VFS, nothing more: every walk, open and stat
 * walks that path again from the user's root on the VFS, as that user, so
 * the VFS decides what the user may see and its errors come back as they
 * are, and a VFS that restarts costs nothing but the request in flight
 * (which is tried once more on the new connection).
 *
 * Views: every view is a file (QTFILE), also the view of a directory,
 * whose content is the HTML listing; walks go through it all the same.
 * Modes are the VFS's read bits only.  A view is rendered when it is
 * opened, and reads see that page; stat gives its length once it is
 * known (the fid is open, or the page is in the cache), else 0, and
 * readers read until EOF.  Writes, creates, removes and wstats are
 * refused with "read-only file system".
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srv.h"
#include "ssr.h"


#define SSR_EROFS       "read-only file system"


typedef struct {
    char               *path;       /* from the root, "" for the root */
    ninep_qid_t         qid;
    ssr_page_t         *page;       /* when open */
} ssr_fid_t;


typedef struct {
    ninep_str_t         names[SSR_DEPTH_MAX + NINEP_MAXWELEM];
    size_t              n;
} ssr_names_t;


static int walk_as_user(srv_req_t *r, ssr_fid_t *f, ssr_vfs_user_t *u,
    uint32_t *fid, char *err, size_t errlen);
static void ssr_attach(srv_req_t *r);
static void ssr_walk(srv_req_t *r);
static void ssr_open(srv_req_t *r);
static void ssr_create(srv_req_t *r);
static void ssr_read(srv_req_t *r);
static void ssr_write(srv_req_t *r);
static void ssr_clunk(srv_req_t *r);
static void ssr_remove(srv_req_t *r);
static void ssr_stat(srv_req_t *r);
static void ssr_wstat(srv_req_t *r);
static void ssr_destroy_fid(srv_fid_t *fid);


const srv_ops_t  ssr_ops = {
    ssr_attach,
    ssr_walk,
    ssr_open,
    ssr_create,
    ssr_read,
    ssr_write,
    ssr_clunk,
    ssr_remove,
    ssr_stat,
    ssr_wstat,
    ssr_destroy_fid
};


/* A view's qid: the VFS file's path and version, always a file. */

static void
view_qid(const ninep_qid_t *vq, ninep_qid_t *q)
{
    q->type = NINEP_QTFILE;
    q->version = vq->version;
    q->path = vq->path;
}


static ssr_fid_t *
fid_new(const char *path, size_t len, const ninep_qid_t *qid)
{
    ssr_fid_t  *f;

    f = calloc(1, sizeof(ssr_fid_t));
    if (f == NULL) {
        return NULL;
    }

    f->path = strndup(path, len);
    if (f->path == NULL) {
        free(f);
        return NULL;
    }

    f->qid = *qid;

    return f;
}


/* The names of path ("a/b/c"), appended to nm. */

static int
split_path(const char *path, ssr_names_t *nm)
{
    const char  *p, *name;

    for (p = path; *p; /* void */) {
        name = p;

        while (*p && *p != '/') {
            p++;
        }

        if (nm->n == SSR_DEPTH_MAX) {
            return -1;
        }

        nm->names[nm->n].data = (const uint8_t *) name;
        nm->names[nm->n].len = (uint16_t) (p - name);
        nm->n++;

        if (*p == '/') {
            p++;
        }
    }

    return 0;
}


/* Whether an operation failed for the connection, not for the file. */

static int
lost(const char *err)
{
    return strncmp(err, "unavailable: connection lost", 28) == 0;
}


/* ---------------------------------------------------------------- attach */


static void
ssr_attach(srv_req_t *r)
{
    int              tries;
    char             err[256];
    ssr_t           *ssr;
    ssr_fid_t       *f;
    ninep_qid_t      qid;
    ninep_fcall_t    rf;
    ssr_vfs_user_t   u;

    ssr = srv_data(r);

    if (r->t.aname.len) {
        srv_error(r, "ssr has one tree: attach with an empty aname");
        return;
    }

    /* the VFS says whether the user exists */
    for (tries = 0; tries < 2; tries++) {
        if (ssr_vfs_attach(ssr->vfs, srv_user(r), &u, &qid, err,
                           sizeof(err)) == 0)
        {
            break;
        }

        if (!lost(err)) {
            srv_error(r, err);
            return;
        }
    }

    if (tries == 2) {
        srv_error(r, err);
        return;
    }

    ssr_vfs_detach(&u);

    memset(&rf, 0, sizeof(rf));
    rf.type = NINEP_RATTACH;
    view_qid(&qid, &rf.qid);

    f = fid_new("", 0, &rf.qid);
    if (f == NULL) {
        srv_error(r, "out of memory");
        return;
    }

    r->fid->aux = f;
    srv_respond(r, &rf);
}


/* ------------------------------------------------------------------ walk */


/* The path after the walk: ".." and "." lexically, never above the root. */

static char *
walk_path(const char *path, const ninep_fcall_t *t, uint16_t n)
{
    char        *p, *slash;
    size_t       len, cap;
    uint16_t     i;
    ninep_str_t  w;

    len = strlen(path);
    cap = len + 1;

    for (i = 0; i < n; i++) {
        cap += t->wname[i].len + 1;
    }

    p = malloc(cap);
    if (p == NULL) {
        return NULL;
    }

    memcpy(p, path, len + 1);

    for (i = 0; i < n; i++) {
        w = t->wname[i];

        if (ninep_str_eq(w, ".")) {
            continue;
        }

        if (ninep_str_eq(w, "..")) {
            slash = strrchr(p, '/');
            len = slash ? (size_t) (slash - p) : 0;
            p[len] = '\0';
            continue;
        }

        if (len) {
            p[len++] = '/';
        }

        memcpy(p + len, w.data, w.len);
        len += w.len;
        p[len] = '\0';
    }

    return p;
}


/*
 * The walk on the VFS: from the user's root along the fid's path and the
 * new names.  0 and rf filled (perhaps a short walk), or -1 and err.
 */

static int
walk_vfs(srv_req_t *r, ssr_fid_t *f, ninep_fcall_t *rf, char *err,
    size_t errlen)
{
    int              rc;
    size_t           i, cur, done;
    uint32_t         fid;
    ssr_t           *ssr;
    ninep_qid_t      qid, *qids;
    ssr_names_t     *nm;
    ssr_vfs_user_t   u;

    ssr = srv_data(r);

    nm = malloc(sizeof(ssr_names_t));
    qids = malloc((SSR_DEPTH_MAX + NINEP_MAXWELEM) * sizeof(ninep_qid_t));

    if (nm == NULL || qids == NULL) {
        free(nm);
        free(qids);
        snprintf(err, errlen, "out of memory");
        return -1;
    }

    nm->n = 0;
    rc = -1;

    if (split_path(f->path, nm) < 0) {
        snprintf(err, errlen, "path too deep");
        goto done;
    }

    cur = nm->n;

    for (i = 0; i < r->t.nwname; i++) {
        nm->names[nm->n++] = r->t.wname[i];
    }

    if (ssr_vfs_attach(ssr->vfs, srv_user(r), &u, &qid, err, errlen) < 0) {
        goto done;
    }

    if (ssr_vfs_walk(&u, nm->names, nm->n, &fid, qids, &done, err, errlen)
        == 0)
    {
        ssr_vfs_clunk(&u, fid);

    } else if (done <= cur || lost(err)) {
        /* the fid's own path is gone, or the first new name failed */
        ssr_vfs_detach(&u);
        goto done;
    }

    ssr_vfs_detach(&u);

    memset(rf, 0, sizeof(*rf));
    rf->type = NINEP_RWALK;
    rf->nwqid = (uint16_t) (done - cur);

    for (i = 0; i < rf->nwqid; i++) {
        view_qid(&qids[cur + i], &rf->wqid[i]);
    }

    rc = 0;

done:

    free(nm);
    free(qids);

    return rc;
}


static void
ssr_walk(srv_req_t *r)
{
    int             tries, rc;
    char            err[256], *path;
    uint16_t        i;
    ssr_fid_t      *f, *nf;
    srv_fid_t      *target;
    ninep_fcall_t   rf, *t;

    t = &r->t;
    f = r->fid->aux;

    if (f->page) {
        srv_error(r, "cannot walk an open fid");
        return;
    }

    for (i = 0; i < t->nwname; i++) {
        if (t->wname[i].len == 0
            || memchr(t->wname[i].data, '/', t->wname[i].len)
            || memchr(t->wname[i].data, '\0', t->wname[i].len))
        {
            srv_error(r, "invalid file name");
            return;
        }
    }

    memset(&rf, 0, sizeof(rf));
    rf.type = NINEP_RWALK;

    /* a clone (no names) needs nothing from the VFS */
    for (tries = 0, rc = 0; t->nwname > 0; tries++) {
        rc = walk_vfs(r, f, &rf, err, sizeof(err));

        if (rc == 0 || !lost(err) || tries == 1) {
            break;
        }
    }

    if (rc < 0) {
        srv_error(r, err);
        return;
    }

    if (rf.nwqid == t->nwname) {
        path = walk_path(f->path, t, t->nwname);

        if (path == NULL || strlen(path) > SSR_PATH_MAX) {
            free(path);
            srv_error(r, path ? "path too long" : "out of memory");
            return;
        }

        target = r->newfid ? r->newfid : r->fid;

        if (target == r->fid) {
            pthread_mutex_lock(&r->fid->lock);
            free(f->path);
            f->path = path;
            if (rf.nwqid) {
                f->qid = rf.wqid[rf.nwqid - 1];
            }
            pthread_mutex_unlock(&r->fid->lock);

        } else {
            nf = fid_new(path, strlen(path),
                         rf.nwqid ? &rf.wqid[rf.nwqid - 1] : &f->qid);
            free(path);

            if (nf == NULL) {
                srv_error(r, "out of memory");
                return;
            }

            target->aux = nf;
        }
    }

    srv_respond(r, &rf);
}


/* ------------------------------------------------------------ rendering */


/* A directory's stat entries as the renderer's, pointing into data. */

static int
dir_entries(const uint8_t *data, size_t len, ssr_doc_t *d)
{
    size_t         off, used, n;
    ninep_stat_t   st;
    ssr_entry_t   *e;

    for (n = 0, off = 0; off + 2 <= len; off += used, n++) {
        used = 2 + (size_t) (data[off] | data[off + 1] << 8);
    }

    if (n > SSR_ENTRIES_MAX) {
        n = SSR_ENTRIES_MAX;
        d->more = 1;
    }

    e = calloc(n + 1, sizeof(ssr_entry_t));
    if (e == NULL) {
        return -1;
    }

    d->entries = e;
    d->nentries = 0;

    for (off = 0; off < len && d->nentries < n; off += used) {
        if (ninep_stat_unpack(data + off, len - off, &st, &used) != 0) {
            break;
        }

        e = &d->entries[d->nentries++];
        e->name = (const char *) st.name.data;
        e->name_len = st.name.len;
        e->uid = (const char *) st.uid.data;
        e->uid_len = st.uid.len;
        e->length = st.length;
        e->mode = st.mode;
        e->mtime = st.mtime;
    }

    return 0;
}


/*
 * The page of open VFS fid (stat st) for this user and path: read,
 * rendered and kept in the cache (directories are read every time:
 * their qid version does not move when a file in them changes).
 */

static int
render_open(srv_req_t *r, ssr_vfs_user_t *u, uint32_t fid,
    const char *path, const ninep_stat_t *st, ssr_page_t **pagep,
    char *err, size_t errlen)
{
    int            more, isdir;
    size_t         len, max;
    ssr_t         *ssr;
    uint8_t       *data;
    ssr_buf_t      out;
    ssr_doc_t      d;
    ssr_page_t    *page;

    ssr = srv_data(r);
    isdir = (st->mode & NINEP_DMDIR) != 0;

    memset(&d, 0, sizeof(d));
    d.path = path;
    d.path_len = strlen(path);
    d.isdir = isdir;
    d.size = st->length;
    data = NULL;

    if (isdir || ssr_wants_data(path, d.path_len, st->length,
                                &ssr->limits))
    {
        max = ssr->limits.max_size;

        if (ssr_vfs_read_all(u, fid, max, &data, &len, &more, err, errlen)
            < 0)
        {
            return -1;
        }

        if (isdir) {
            d.more = more;
            if (dir_entries(data, len, &d) < 0) {
                free(data);
                snprintf(err, errlen, "out of memory");
                return -1;
            }

        } else if (more) {
            /* it grew past the limit since its stat */
            d.size = (uint64_t) max + 1;

        } else {
            d.data = data;
            d.len = len;
            d.size = len;
        }
    }

    max = ssr->limits.max_size > SIZE_MAX / 16
          ? SIZE_MAX / 2 : (size_t) ssr->limits.max_size * 8 + (1 << 20);

    ssr_buf_init(&out, max);

    if (ssr_render(&d, &ssr->limits, &out) < 0) {
        ssr_buf_free(&out);
        free(d.entries);
        free(data);
        snprintf(err, errlen, "out of memory");
        return -1;
    }

    free(d.entries);
    free(data);

    page = ssr_page_new(out.data, out.len, st->qid.path, st->qid.version,
                        srv_user(r), path);
    if (page == NULL) {
        ssr_buf_free(&out);
        snprintf(err, errlen, "out of memory");
        return -1;
    }

    if (!isdir) {
        ssr_cache_put(ssr->cache, page);
    }

    *pagep = page;

    return 0;
}


/*
 * A fid on the VFS at f's path, walked as the request's user (who must be
 * able to reach it): 0 with u attached and *fid to clunk, or -1 with err.
 */

static int
walk_as_user(srv_req_t *r, ssr_fid_t *f, ssr_vfs_user_t *u, uint32_t *fid,
    char *err, size_t errlen)
{
    int           rc;
    size_t        done;
    ssr_t        *ssr;
    ninep_qid_t   qid;
    ssr_names_t  *nm;

    ssr = srv_data(r);

    nm = malloc(sizeof(ssr_names_t));
    if (nm == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }

    nm->n = 0;

    if (split_path(f->path, nm) < 0) {
        free(nm);
        snprintf(err, errlen, "path too deep");
        return -1;
    }

    if (ssr_vfs_attach(ssr->vfs, srv_user(r), u, &qid, err, errlen) < 0) {
        free(nm);
        return -1;
    }

    rc = ssr_vfs_walk(u, nm->names, nm->n, fid, NULL, &done, err, errlen);
    free(nm);

    if (rc < 0) {
        ssr_vfs_detach(u);
        return -1;
    }

    return 0;
}


/* The view of the fid's path: from the cache, or rendered now. */

static int
view_page(srv_req_t *r, ssr_fid_t *f, ssr_page_t **pagep,
    ninep_qid_t *qidp, char *err, size_t errlen)
{
    int              rc;
    uint8_t         *msg;
    uint32_t         fid;
    ssr_t           *ssr;
    ninep_qid_t      qid;
    ninep_stat_t     st;
    ssr_vfs_user_t   u;

    ssr = srv_data(r);

    if (walk_as_user(r, f, &u, &fid, err, errlen) < 0) {
        return -1;
    }

    /* the open is the VFS's permission check, also for a cached page */
    rc = ssr_vfs_open(&u, fid, NINEP_OREAD, &qid, err, errlen);

    if (rc == 0) {
        *qidp = qid;
        *pagep = (qid.type & NINEP_QTDIR)
                 ? NULL : ssr_cache_get(ssr->cache, qid.path, qid.version,
                                        srv_user(r), f->path);

        if (*pagep == NULL) {
            rc = ssr_vfs_stat(&u, fid, &st, &msg, err, errlen);

            if (rc == 0) {
                rc = render_open(r, &u, fid, f->path, &st, pagep, err,
                                 errlen);
                *qidp = st.qid;
                free(msg);
            }
        }
    }

    ssr_vfs_clunk(&u, fid);
    ssr_vfs_detach(&u);

    return rc;
}


/* ------------------------------------------------------------ open, read */


static void
ssr_open(srv_req_t *r)
{
    int             tries;
    char            err[256];
    ssr_fid_t      *f;
    ssr_page_t     *page;
    ninep_qid_t     qid;
    ninep_fcall_t   rf;

    f = r->fid->aux;

    if (f->page) {
        srv_error(r, "fid already open");
        return;
    }

    if ((r->t.mode & 3) == NINEP_OWRITE || (r->t.mode & 3) == NINEP_ORDWR
        || (r->t.mode & (NINEP_OTRUNC | NINEP_ORCLOSE)))
    {
        srv_error(r, SSR_EROFS);
        return;
    }

    if ((r->t.mode & 3) == NINEP_OEXEC) {
        srv_error(r, "permission denied");
        return;
    }

    for (tries = 0; tries < 2; tries++) {
        if (view_page(r, f, &page, &qid, err, sizeof(err)) == 0) {
            break;
        }

        if (!lost(err)) {
            srv_error(r, err);
            return;
        }
    }

    if (tries == 2) {
        srv_error(r, err);
        return;
    }

    pthread_mutex_lock(&r->fid->lock);
    f->page = page;
    view_qid(&qid, &f->qid);
    pthread_mutex_unlock(&r->fid->lock);

    memset(&rf, 0, sizeof(rf));
    rf.type = NINEP_ROPEN;
    rf.qid = f->qid;
    rf.iounit = srv_msize(r) - NINEP_IOHDRSZ;
    srv_respond(r, &rf);
}


static void
ssr_read(srv_req_t *r)
{
    size_t          off, n;
    ssr_fid_t      *f;
    ssr_page_t     *page;
    ninep_fcall_t   rf;

    f = r->fid->aux;
    page = f->page;

    if (page == NULL) {
        srv_error(r, "fid not open");
        return;
    }

    off = r->t.offset < page->len ? (size_t) r->t.offset : page->len;
    n = page->len - off;

    if (n > r->t.count) {
        n = r->t.count;
    }

    memset(&rf, 0, sizeof(rf));
    rf.type = NINEP_RREAD;
    rf.count = (uint32_t) n;
    rf.data = (const uint8_t *) page->data + off;
    srv_respond(r, &rf);
}


/* ------------------------------------------------------------------ stat */


static int
stat_vfs(srv_req_t *r, ssr_fid_t *f, uint8_t **msg, ninep_stat_t *st,
    char *err, size_t errlen)
{
    int              rc;
    uint32_t         fid;
    ssr_vfs_user_t   u;

    if (walk_as_user(r, f, &u, &fid, err, errlen) < 0) {
        return -1;
    }

    rc = ssr_vfs_stat(&u, fid, st, msg, err, errlen);
    ssr_vfs_clunk(&u, fid);
    ssr_vfs_detach(&u);

    return rc;
}


static void
ssr_stat(srv_req_t *r)
{
    int             tries;
    char            err[256];
    ssr_t          *ssr;
    uint8_t        *msg;
    ssr_fid_t      *f;
    ssr_page_t     *page;
    ninep_stat_t    st;
    ninep_fcall_t   rf;

    ssr = srv_data(r);
    f = r->fid->aux;

    for (tries = 0; tries < 2; tries++) {
        if (stat_vfs(r, f, &msg, &st, err, sizeof(err)) == 0) {
            break;
        }

        if (!lost(err)) {
            srv_error(r, err);
            return;
        }
    }

    if (tries == 2) {
        srv_error(r, err);
        return;
    }

    memset(&rf, 0, sizeof(rf));
    rf.type = NINEP_RSTAT;
    rf.st = st;
    view_qid(&st.qid, &rf.st.qid);
    rf.st.mode = st.mode & 0444;
    rf.st.length = 0;

    /* the length of the page, if there is one to tell */
    if (f->page) {
        rf.st.length = f->page->len;

    } else if (!(st.mode & NINEP_DMDIR)) {
        page = ssr_cache_get(ssr->cache, st.qid.path, st.qid.version,
                             srv_user(r), f->path);
        if (page) {
            rf.st.length = page->len;
            ssr_page_put(ssr->cache, page);
        }
    }

    srv_respond(r, &rf);
    free(msg);
}


/* ------------------------------------------------------------------ rest */


static void
ssr_create(srv_req_t *r)
{
    srv_error(r, SSR_EROFS);
}


static void
ssr_write(srv_req_t *r)
{
    srv_error(r, SSR_EROFS);
}


static void
ssr_remove(srv_req_t *r)
{
    srv_error(r, SSR_EROFS);
}


static void
ssr_wstat(srv_req_t *r)
{
    srv_error(r, SSR_EROFS);
}


static void
ssr_clunk(srv_req_t *r)
{
    ninep_fcall_t  rf;

    memset(&rf, 0, sizeof(rf));
    rf.type = NINEP_RCLUNK;
    srv_respond(r, &rf);
}


static void
ssr_destroy_fid(srv_fid_t *fid)
{
    ssr_t      *ssr;
    ssr_fid_t  *f;

    f = fid->aux;

    if (f == NULL) {
        return;
    }

    ssr = srv_fid_data(fid);
    ssr_page_put(ssr->cache, f->page);
    free(f->path);
    free(f);
}
