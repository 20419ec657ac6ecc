
/*
 * Ten: ten-vfs file operations.
 *
 * Every fid holds a node of the store (vfs_store.h) for its file and the
 * file's path from the root.  Names are resolved one at a time beneath
 * the current directory, never through a symbolic link; ".." is lexical
 * and stops at the attach point, so no walk leaves the tree, and symbolic
 * links are never followed nor served.
 *
 * The tree may be shared with other ten-vfs servers that change it at the
 * same time (a GlusterFS volume, through FUSE or libgfapi): renames never
 * replace a name even without RENAME_NOREPLACE, a node gone stale is
 * "file does not exist" or is found again by its path, DMEXCL holds a
 * lock the file system keeps for every server, and a fid's path is
 * checked against its inode (fid_refresh_path).
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "vfs.h"


#define VFS_PATH_MAX   4096
/* how often a blocked read looks for a flush */
#define VFS_POLL_MS    100
/* the largest read a connection's reader may do itself (vfs_quick) */
#define VFS_QUICK_READ 65536


typedef struct vfs_excl_s {
    dev_t               dev;
    ino_t               ino;
    struct vfs_excl_s  *next;
} vfs_excl_t;



/* Linux's words for EPERM and EISDIR (see errstr) */
#define VFS_EPERM       "Operation not permitted"
#define VFS_EISDIR      "Is a directory"

/* how far from now a writer's "now" may be, in seconds */
#define VFS_NOW_SLACK   5


static int valid_name(const char *name, size_t len);
static const char *base_name(const char *path);
static char *join(const char *dir, const char *name);
static char *parent_of(const char *path, size_t top);
static int walk_one(vfs_t *v, const char *user, char **path, size_t top,
    vfs_node_t **np, vfs_node_t **dnp, vfs_meta_t *m, const char *name,
    size_t len, const char **err);
static const char *errstr(int err);
static int excl_take(vfs_t *v, dev_t dev, ino_t ino);
static void excl_drop(vfs_t *v, dev_t dev, ino_t ino);
static int open_flags(uint8_t omode, const vfs_meta_t *m);
static int open_perm(uint8_t omode, unsigned *perm);
static void read_file(srv_req_t *r, vfs_t *v, vfs_fid_t *f);
static void read_dir(srv_req_t *r, vfs_t *v, vfs_fid_t *f);
static const char *fill_dir(srv_req_t *r, vfs_t *v, vfs_fid_t *f,
    uint8_t *buf, size_t count, size_t *usedp);
static int wstat_refuse(srv_req_t *r, vfs_fid_t *f, const char **err,
    const char *ename, const char *why);
static int wstat_time_ok(const ninep_stat_t *st, uint32_t t, int writer);
static int wstat_check(srv_req_t *r, vfs_t *v, vfs_fid_t *f,
    const vfs_meta_t *m, const ninep_stat_t *st, const char **err);
static int wstat_apply(srv_req_t *r, vfs_t *v, vfs_fid_t *f,
    const vfs_meta_t *m, const ninep_stat_t *st);
static int wstat_rename(srv_req_t *r, vfs_fid_t *f, const ninep_stat_t *st);
static vfs_fid_t *fid_state(srv_fid_t *fid);
static int known_name(vfs_t *v, ninep_str_t s, char *buf);
static int str_is(ninep_str_t s, const char *c);
static void str_copy(char *buf, ninep_str_t s);
static int fid_refresh_path(vfs_t *v, vfs_fid_t *f);
static int fid_refresh_to_change(vfs_t *v, vfs_fid_t *f);
static int names_inode(vfs_t *v, const char *path, dev_t dev, ino_t ino);
static int still_named(vfs_t *v, vfs_fid_t *f);
static vfs_node_t *open_parent(vfs_t *v, vfs_fid_t *f);
static char *find_in_parent(vfs_t *v, vfs_fid_t *f);
static int fid_set_path(vfs_fid_t *f, const char *rel);
static int fid_meta(vfs_t *v, vfs_fid_t *f, vfs_meta_t *m);
static vfs_fid_t *fid_state_new(char *path, size_t top, vfs_node_t *node,
    const struct stat *st);
static void fid_set_type(vfs_fid_t *f, const struct stat *st);
static const char *excl_lock(vfs_t *v, vfs_fid_t *f);
static int fid_removed(vfs_t *v, vfs_fid_t *f);
static int rename_noreplace(vfs_store_t *s, vfs_node_t *dir,
    const char *from, const char *to, int isdir);
static const char *open_fid(srv_req_t *r, vfs_t *v, vfs_fid_t *f,
    vfs_meta_t *m, uint8_t omode, int check);
static int remove_file(vfs_t *v, vfs_fid_t *f, const char *user,
    const char **err);
static void destroy_fid(srv_fid_t *fid);

static void vfs_attach(srv_req_t *r);
static void vfs_walk(srv_req_t *r);
static void vfs_open(srv_req_t *r);
static void vfs_create(srv_req_t *r);
static void vfs_read(srv_req_t *r);
static void vfs_write(srv_req_t *r);
static void vfs_clunk(srv_req_t *r);
static void vfs_remove(srv_req_t *r);
static void vfs_stat(srv_req_t *r);
static void vfs_wstat(srv_req_t *r);


const srv_ops_t  vfs_ops = {
    vfs_attach,
    vfs_walk,
    vfs_open,
    vfs_create,
    vfs_read,
    vfs_write,
    vfs_clunk,
    vfs_remove,
    vfs_stat,
    vfs_wstat,
    destroy_fid
};


/*
 * What may run on a connection's reader: what touches only metadata, and
 * opens and reads (up to 64 KiB) of regular files and directories, which
 * never wait for another process (FIFOs and devices may, and go to a
 * worker).
 */

int
vfs_quick(srv_req_t *r)
{
    vfs_fid_t  *f;

    f = r->fid ? fid_state(r->fid) : NULL;

    switch (r->t.type) {
    case NINEP_TWALK:
    case NINEP_TSTAT:
    case NINEP_TCLUNK:
        return 1;
    case NINEP_TREAD:
        if (r->t.count > VFS_QUICK_READ) {
            return 0;
        }
        /* fall through */
    case NINEP_TOPEN:
        return f && (f->isreg || f->isdir);
    default:
        return 0;
    }
}


/* A name a client may use for a file: no "/", NUL, ".", ".." or "". */

static int
valid_name(const char *name, size_t len)
{
    if (len == 0 || len > NAME_MAX || memchr(name, '/', len)
        || memchr(name, '\0', len))
    {
        return 0;
    }

    return !(len == 1 && name[0] == '.')
           && !(len == 2 && name[0] == '.' && name[1] == '.');
}


static const char *
base_name(const char *path)
{
    const char  *p;

    if (path[0] == '\0') {
        return "/";
    }

    p = strrchr(path, '/');

    return p ? p + 1 : path;
}


static char *
join(const char *dir, const char *name)
{
    char    *p;
    size_t   dl, nl;

    dl = strlen(dir);
    nl = strlen(name);

    if (dl + nl + 2 > VFS_PATH_MAX) {
        errno = ENAMETOOLONG;
        return NULL;
    }

    p = malloc(dl + nl + 2);
    if (p == NULL) {
        return NULL;
    }

    if (dl) {
        memcpy(p, dir, dl);
        p[dl++] = '/';
    }

    memcpy(p + dl, name, nl + 1);

    return p;
}


/* The lexical parent, never above the attach point (top bytes). */

static char *
parent_of(const char *path, size_t top)
{
    const char  *slash;
    size_t       len;

    len = strlen(path);

    if (len <= top) {
        return strdup(path);
    }

    slash = strrchr(path, '/');
    len = slash ? (size_t) (slash - path) : 0;

    if (len < top) {
        len = top;
    }

    return strndup(path, len);
}


/*
 * Errors in words Linux's v9fs knows (net/9p/error.c maps 9P2000 error
 * strings to errno by exact match; anything else is "Unknown error 526"):
 * Plan 9's own where the table has them, the C library's otherwise.
 */

static const char *
errstr(int err)
{
    switch (err) {
    case ENOENT:
    case ESTALE:        return "file does not exist";  /* removed through
                                                          another server */
    case EEXIST:        return "file already exists";
    case EACCES:        return "permission denied";
    case EPERM:         return VFS_EPERM;
    case ENOTDIR:       return "not a directory";
    case EISDIR:        return VFS_EISDIR;
    case ENOTEMPTY:     return "directory is not empty";
    case ENOSPC:        return "file system is full";
    case EXDEV:
    case ELOOP:         return "file does not exist";  /* links are not
                                                          listed either */
    default:            return strerror(err);
    }
}


/*
 * One walk step from the directory (*path, *fd, *m) to name; on success
 * they describe the new file.  Search permission is needed on the
 * directory, also for "..".  With dfd, *dfd becomes the directory the
 * step left when it went down into it (else -1: unknown).
 */

static int
walk_one(vfs_t *v, const char *user, char **path, size_t top,
    vfs_node_t **np, vfs_node_t **dnp, vfs_meta_t *m, const char *name,
    size_t len, const char **err)
{
    int           dot, dotdot;
    char         *npath, cname[NAME_MAX + 1];
    vfs_meta_t    nm;
    vfs_node_t   *n;
    vfs_store_t  *s;

    s = v->store;

    if (!S_ISDIR(m->st.st_mode)) {
        *err = "not a directory";
        return -1;
    }

    if (!vfs_allowed(v, m, user, VFS_EXEC)) {
        *err = "permission denied";
        return -1;
    }

    dot = len == 1 && name[0] == '.';
    dotdot = len == 2 && name[0] == '.' && name[1] == '.';

    if (dot) {
        npath = strdup(*path);
        n = npath ? s->ops->ref(*np) : NULL;

    } else if (dotdot) {
        npath = parent_of(*path, top);
        n = npath ? s->ops->resolve(s, s->root, npath) : NULL;

    } else {
        if (!valid_name(name, len)) {
            *err = "invalid file name";
            return -1;
        }

        memcpy(cname, name, len);
        cname[len] = '\0';

        npath = join(*path, cname);
        n = npath ? s->ops->lookup(s, *np, cname, &nm.st) : NULL;
    }

    /* a lookup brings the stat along */
    if (n == NULL
        || (dot || dotdot ? vfs_meta_get(v, n, &nm) : vfs_meta_of(v, n, &nm))
           < 0)
    {
        *err = errstr(errno);
        goto failed;
    }

    if (S_ISLNK(nm.st.st_mode)) {
        *err = "file does not exist";
        goto failed;
    }

    if (dnp && !dot) {
        s->ops->put(s, *dnp);

        /* down into a name: the directory is its parent; ".." unknown */
        *dnp = dotdot ? NULL : *np;

        if (*dnp == NULL) {
            s->ops->put(s, *np);
        }

    } else {
        s->ops->put(s, *np);
    }

    free(*path);
    *np = n;
    *path = npath;
    *m = nm;

    return 0;

failed:

    s->ops->put(s, n);
    free(npath);

    return -1;
}


static vfs_fid_t *
fid_state(srv_fid_t *fid)
{
    return fid->aux;
}


/*
 * A fid follows its file through renames (its own or another fid's): on
 * a local tree the kernel knows where the O_PATH descriptor's file is now
 * (the store's path).  On a shared tree it may not: a rename made through
 * another server leaves this mount's dentry, and so /proc's link, at the
 * old name (or marks it deleted), and libgfapi keeps no names at all.
 * There a fid keeps the directory it was walked into from (dirnode) and
 * its name is checked there, one lookup; when the name no
 * longer is its file, the file is looked for in that directory by inode,
 * where any rename made through 9P leaves it (wstat(5) renames within a
 * directory).  Without a dirnode (after "..") the whole path is checked.
 * A file moved by other means into another directory does not exist for
 * the fid any more; when directories above it are renamed through
 * another server, the fid's I/O and stat still work (by node and
 * dirnode) while ".." walks by the old path; wstat and remove work where
 * this mount knows the directory's new name, else the file does not
 * exist for them (fid_refresh_to_change).
 */

static int
fid_refresh_path(vfs_t *v, vfs_fid_t *f)
{
    int           known;
    char          link[VFS_PATH_MAX + 64], *found;
    const char   *rel;
    vfs_store_t  *s;

    s = v->store;

    if (!s->shared) {
        return s->ops->path(s, f->node, link, sizeof(link), &rel) == 0
               ? fid_set_path(f, rel) : -1;
    }

    /* the attach point is never renamed through 9P */
    if (strlen(f->path) <= f->top || still_named(v, f)) {
        return 0;
    }

    /* asked only now: through libgfapi it is a call to a brick */
    known = s->ops->path(s, f->node, link, sizeof(link), &rel) == 0;

    if (known && strcmp(rel, f->path) != 0
        && names_inode(v, rel, f->dev, f->ino))
    {
        return fid_set_path(f, rel);
    }

    if (f->dirnode == NULL && names_inode(v, f->path, f->dev, f->ino)) {
        return 0;
    }

    found = find_in_parent(v, f);
    if (found == NULL) {
        errno = ENOENT;
        return -1;
    }

    known = fid_set_path(f, found);
    free(found);

    return known;
}


/*
 * fid_refresh_path for a create, remove or wstat: a directory moved out
 * of the tree on disk is refused there (the local store's path).  On a
 * shared tree the kept directory may have been moved out of the tree by
 * other means, taking the fid's file along: a change through it would
 * land outside the root.
 * So the directory must be the one the fid's path names from the root (a
 * full lookup through no link, paid by changes alone), or the one the
 * store's path for it names (a directory above renamed through this
 * server; local stores only); otherwise the file does not exist here, as
 * the local store's path says of a moved file on a local tree.
 */

static int
fid_refresh_to_change(vfs_t *v, vfs_fid_t *f)
{
    int           same;
    char         *ppath, *np, link[VFS_PATH_MAX + 64];
    struct stat   dst;
    const char   *rel;
    vfs_store_t  *s;

    s = v->store;

    if (fid_refresh_path(v, f) < 0) {
        return -1;
    }

    if (!s->shared || f->dirnode == NULL || strlen(f->path) <= f->top) {
        return 0;
    }

    if (s->ops->stat(s, f->dirnode, &dst) < 0) {
        return -1;
    }

    ppath = parent_of(f->path, f->top);
    same = ppath && names_inode(v, ppath, dst.st_dev, dst.st_ino);
    free(ppath);

    if (same) {
        return 0;
    }

    if (s->ops->path(s, f->dirnode, link, sizeof(link), &rel) == 0
        && names_inode(v, rel, dst.st_dev, dst.st_ino))
    {
        np = join(rel, base_name(f->path));
        same = np && fid_set_path(f, np) == 0;
        free(np);

        if (same) {
            return 0;
        }
    }

    errno = ENOENT;
    return -1;
}


/* Whether path (from the root) names the inode dev, ino now. */

static int
names_inode(vfs_t *v, const char *path, dev_t dev, ino_t ino)
{
    struct stat   st;
    vfs_store_t  *s;

    s = v->store;

    return s->ops->statat(s, s->root, path, &st) == 0 && st.st_dev == dev
           && st.st_ino == ino;
}


/*
 * Whether f's name in its directory (the one a walk went down from, held
 * open) is still f's file: one lookup where checking the whole path would
 * take one a name.
 */

static int
still_named(vfs_t *v, vfs_fid_t *f)
{
    struct stat   st;
    vfs_store_t  *s;

    s = v->store;

    return f->dirnode
           && s->ops->statat(s, f->dirnode, base_name(f->path), &st) == 0
           && st.st_dev == f->dev && st.st_ino == f->ino;
}


/*
 * f's directory: the one it was walked into from where known, else the
 * one its path names.
 */

static vfs_node_t *
open_parent(vfs_t *v, vfs_fid_t *f)
{
    char         *ppath;
    vfs_node_t   *n;
    vfs_store_t  *s;

    s = v->store;

    if (f->dirnode) {
        return s->ops->ref(f->dirnode);
    }

    ppath = parent_of(f->path, f->top);
    n = ppath ? s->ops->resolve(s, s->root, ppath) : NULL;
    free(ppath);

    return n;
}


/* f's file in its directory, by inode; a new path. */

static char *
find_in_parent(vfs_t *v, vfs_fid_t *f)
{
    char          *ppath, *found, name[NAME_MAX + 1];
    ino_t          ino;
    vfs_dir_t     *d;
    vfs_node_t    *dn;
    struct stat    st;
    vfs_store_t   *s;

    if (strlen(f->path) <= f->top) {
        return NULL;
    }

    s = v->store;
    ppath = parent_of(f->path, f->top);
    dn = ppath ? open_parent(v, f) : NULL;
    d = dn ? s->ops->opendir(s, dn) : NULL;
    found = NULL;

    while (d && found == NULL && s->ops->readdir(d, name, &ino) > 0) {
        if (ino == f->ino && valid_name(name, strlen(name))
            && s->ops->statat(s, dn, name, &st) == 0
            && st.st_dev == f->dev && st.st_ino == f->ino)
        {
            found = join(ppath, name);
        }
    }

    s->ops->closedir(d);
    s->ops->put(s, dn);
    free(ppath);

    return found;
}


static int
fid_set_path(vfs_fid_t *f, const char *rel)
{
    char  *p;

    if (strcmp(rel, f->path) == 0) {
        return 0;
    }

    p = strdup(rel);
    if (p == NULL) {
        return -1;
    }

    free(f->path);
    f->path = p;

    if (f->top > strlen(p)) {
        f->top = strlen(p);
    }

    return 0;
}


/*
 * The metadata of f's file.  A node that went stale (the file was removed
 * or replaced through another server, or the file system forgot it) is
 * found again by the fid's path if that still names the same file, and
 * renewed in place for every holder; else the file does not exist.  The
 * caller holds the fid's lock.
 */

static int
fid_meta(vfs_t *v, vfs_fid_t *f, vfs_meta_t *m)
{
    vfs_node_t   *n;
    struct stat   st;
    vfs_store_t  *s;

    if (vfs_meta_get(v, f->node, m) == 0) {
        return 0;
    }

    if (errno != ESTALE) {
        return -1;
    }

    s = v->store;
    n = s->ops->resolve(s, s->root, f->path);

    if (n == NULL || s->ops->stat(s, n, &st) < 0 || st.st_dev != f->dev
        || st.st_ino != f->ino)
    {
        s->ops->put(s, n);
        errno = ENOENT;
        return -1;
    }

    s->ops->renew(s, f->node, n);

    return vfs_meta_get(v, f->node, m);
}


/*
 * An open file removed through another server of a shared tree: no I/O
 * (vfs_meta_get says the same of its metadata).  A local tree serves an
 * open file until its last clunk, as Linux does.
 */

static int
fid_removed(vfs_t *v, vfs_fid_t *f)
{
    struct stat  st;

    return v->store->shared && f->isreg
           && v->store->ops->fstat(f->file, &st) == 0 && st.st_nlink == 0;
}


static vfs_fid_t *
fid_state_new(char *path, size_t top, vfs_node_t *node, const struct stat *st)
{
    vfs_fid_t  *f;

    f = calloc(1, sizeof(vfs_fid_t));
    if (f == NULL) {
        return NULL;
    }

    f->path = path;
    f->top = top;
    f->node = node;
    fid_set_type(f, st);

    return f;
}


static void
fid_set_type(vfs_fid_t *f, const struct stat *st)
{
    f->isdir = S_ISDIR(st->st_mode);
    f->isreg = S_ISREG(st->st_mode);
    f->dev = st->st_dev;
    f->ino = st->st_ino;
}


/*
 * Tattach: the user must exist in /adm/users; aname names a directory
 * inside the tree that becomes this fid's root.
 */

static void
vfs_attach(srv_req_t *r)
{
    char          *path, *elem, *save, aname[VFS_PATH_MAX];
    vfs_t         *v;
    vfs_fid_t     *f;
    vfs_meta_t     m;
    vfs_node_t    *n;
    const char    *user, *err;
    ninep_fcall_t  rf;

    v = srv_data(r);
    user = srv_user(r);

    vfs_users_refresh(v);

    if (!vfs_user_exists(v, user)) {
        srv_error(r, "unknown user");
        return;
    }

    if (r->t.aname.len >= sizeof(aname)) {
        srv_error(r, "attach name too long");
        return;
    }

    memcpy(aname, r->t.aname.data, r->t.aname.len);
    aname[r->t.aname.len] = '\0';

    path = strdup("");
    n = v->store->ops->ref(v->store->root);

    if (path == NULL || vfs_meta_get(v, n, &m) < 0) {
        srv_error(r, errstr(errno));
        goto failed;
    }

    for (elem = strtok_r(aname, "/", &save); elem;
         elem = strtok_r(NULL, "/", &save))
    {
        if (strcmp(elem, "..") == 0
            || walk_one(v, user, &path, 0, &n, NULL, &m, elem, strlen(elem),
                        &err)
               < 0)
        {
            srv_error(r, strcmp(elem, "..") == 0 ? "invalid attach name"
                                                 : err);
            goto failed;
        }
    }

    if (!S_ISDIR(m.st.st_mode)) {
        srv_error(r, "attach name is not a directory");
        goto failed;
    }

    f = fid_state_new(path, strlen(path), n, &m.st);
    if (f == NULL) {
        srv_error(r, "out of memory");
        goto failed;
    }

    r->fid->aux = f;

    memset(&rf, 0, sizeof(rf));
    rf.type = NINEP_RATTACH;
    vfs_meta_qid(&m, &rf.qid);
    srv_respond(r, &rf);

    return;

failed:

    v->store->ops->put(v->store, n);
    free(path);
}


/*
 * walk(5): a failure on the first name is an Rerror, on a later one a
 * short Rwalk; newfid is set only when every name was walked.
 */

static void
vfs_walk(srv_req_t *r)
{
    int             i;
    char           *path;
    vfs_t          *v;
    vfs_fid_t      *f, *nf;
    vfs_meta_t      m;
    srv_fid_t      *target;
    vfs_node_t     *n, *dn;
    const char     *err;
    vfs_store_t    *s;
    ninep_fcall_t   rf, *t;

    v = srv_data(r);
    s = v->store;
    t = &r->t;
    f = fid_state(r->fid);

    if (f->file || f->dir) {
        srv_error(r, "cannot walk an open fid");
        return;
    }

    pthread_mutex_lock(&r->fid->lock);

    /* the root's path, "", is the one a look at /proc would give */
    if (f->path[0] != '\0') {
        (void) fid_refresh_path(v, f);
    }

    path = strdup(f->path);
    n = fid_meta(v, f, &m) == 0 ? s->ops->ref(f->node) : NULL;
    dn = f->dirnode ? s->ops->ref(f->dirnode) : NULL;
    pthread_mutex_unlock(&r->fid->lock);

    if (path == NULL || n == NULL) {
        srv_error(r, errstr(errno));
        goto done;
    }

    memset(&rf, 0, sizeof(rf));
    rf.type = NINEP_RWALK;

    for (i = 0; i < t->nwname; i++) {
        if (walk_one(v, srv_user(r), &path, f->top, &n,
                     s->shared ? &dn : NULL, &m,
                     (const char *) t->wname[i].data, t->wname[i].len, &err)
            < 0)
        {
            if (i == 0) {
                srv_error(r, err);
                goto done;
            }
            break;
        }

        vfs_meta_qid(&m, &rf.wqid[i]);
    }

    rf.nwqid = (uint16_t) i;

    if (i == t->nwname) {
        target = r->newfid ? r->newfid : r->fid;

        if (target == r->fid) {
            pthread_mutex_lock(&r->fid->lock);
            free(f->path);
            s->ops->put(s, f->node);
            s->ops->put(s, f->dirnode);
            f->path = path;
            f->node = n;
            f->dirnode = dn;
            fid_set_type(f, &m.st);
            pthread_mutex_unlock(&r->fid->lock);

        } else {
            nf = fid_state_new(path, f->top, n, &m.st);
            if (nf == NULL) {
                srv_error(r, "out of memory");
                goto done;
            }
            nf->dirnode = dn;
            target->aux = nf;
        }

        path = NULL;
        n = NULL;
        dn = NULL;
    }

    srv_respond(r, &rf);

done:

    s->ops->put(s, n);
    s->ops->put(s, dn);
    free(path);
}


static int
open_perm(uint8_t omode, unsigned *perm)
{
    static const unsigned  perms[4] = {
        VFS_READ, VFS_WRITE, VFS_READ | VFS_WRITE, VFS_EXEC
    };

    if (omode & ~(3 | NINEP_OTRUNC | NINEP_ORCLOSE)) {
        return -1;
    }

    *perm = perms[omode & 3];

    if (omode & NINEP_OTRUNC) {
        *perm |= VFS_WRITE;
    }

    return 0;
}


static int
open_flags(uint8_t omode, const vfs_meta_t *m)
{
    int  flags;

    switch (omode & 3) {
    case NINEP_OWRITE:  flags = O_WRONLY; break;
    case NINEP_ORDWR:   flags = O_RDWR; break;
    default:            flags = O_RDONLY; break;
    }

    if (omode & NINEP_OTRUNC) {
        flags |= O_TRUNC;
    }

    if (m->mode & NINEP_DMAPPEND) {
        flags |= O_APPEND;
    }

    /* a FIFO must not block the open; reads poll instead */
    if (S_ISFIFO(m->st.st_mode)) {
        flags |= O_NONBLOCK;
    }

    return flags;
}


static int
excl_take(vfs_t *v, dev_t dev, ino_t ino)
{
    vfs_excl_t  *e;

    pthread_mutex_lock(&v->excl_lock);

    for (e = v->excl; e; e = e->next) {
        if (e->dev == dev && e->ino == ino) {
            pthread_mutex_unlock(&v->excl_lock);
            return -1;
        }
    }

    e = malloc(sizeof(vfs_excl_t));
    if (e == NULL) {
        pthread_mutex_unlock(&v->excl_lock);
        return -1;
    }

    e->dev = dev;
    e->ino = ino;
    e->next = v->excl;
    v->excl = e;

    pthread_mutex_unlock(&v->excl_lock);

    return 0;
}


static void
excl_drop(vfs_t *v, dev_t dev, ino_t ino)
{
    vfs_excl_t  **pp, *e;

    pthread_mutex_lock(&v->excl_lock);

    for (pp = &v->excl; *pp; pp = &(*pp)->next) {
        e = *pp;
        if (e->dev == dev && e->ino == ino) {
            *pp = e->next;
            free(e);
            break;
        }
    }

    pthread_mutex_unlock(&v->excl_lock);
}


/*
 * DMEXCL across servers: the store's lock, which the file system keeps
 * for every server (GlusterFS's locks translator, any local file system)
 * and which ends with the lock's file, also when the process dies.  It
 * needs the file open for writing, whatever the client's mode: ten-vfs's
 * own (its files are 0600, its own).  Directories cannot be so opened,
 * nor files ten-vfs may not write on disk (read-only, immutable, another
 * owner's): their DMEXCL is this process's list alone (excl_take), as
 * before; the Plan 9 permissions alone decide whether the client may
 * open them.
 */

static const char *
excl_lock(vfs_t *v, vfs_fid_t *f)
{
    int  err;

    f->lock = v->store->ops->lock(v->store, f->node);

    if (f->lock || errno == EACCES || errno == EPERM || errno == EROFS) {
        return NULL;
    }

    if (errno == EAGAIN) {
        return "exclusive use file already open";
    }

    err = errno;
    srv_log("DMEXCL file cannot be locked: %s", strerror(err));

    return errstr(err);
}


/*
 * Opens f for I/O; a fresh create skips the checks, which Plan 9 makes
 * against the directory alone.  Returns an error string or NULL.
 */

static const char *
open_fid(srv_req_t *r, vfs_t *v, vfs_fid_t *f, vfs_meta_t *m, uint8_t omode,
    int check)
{
    char         *ppath;
    unsigned      perm;
    vfs_meta_t    pm;
    vfs_node_t   *pn;
    const char   *err;
    vfs_store_t  *s;

    s = v->store;

    if (open_perm(omode, &perm) < 0) {
        return "invalid open mode";
    }

    if (S_ISDIR(m->st.st_mode)
        && ((omode & 3) != NINEP_OREAD || (omode & NINEP_OTRUNC)))
    {
        return VFS_EISDIR;
    }

    if (check && !vfs_allowed(v, m, srv_user(r), perm)) {
        return "permission denied";
    }

    if (check && (omode & NINEP_ORCLOSE)) {
        ppath = parent_of(f->path, f->top);
        pn = (ppath && strlen(ppath) < strlen(f->path))
             ? s->ops->resolve(s, s->root, ppath) : NULL;
        free(ppath);

        if (pn == NULL || vfs_meta_get(v, pn, &pm) < 0
            || !vfs_allowed(v, &pm, srv_user(r), VFS_WRITE))
        {
            s->ops->put(s, pn);
            return "permission denied";
        }

        s->ops->put(s, pn);
    }

    if ((m->mode & NINEP_DMEXCL) && excl_take(v, f->dev, f->ino) < 0) {
        return "exclusive use file already open";
    }

    if (S_ISDIR(m->st.st_mode)) {
        f->dir = s->ops->opendir(s, f->node);
        if (f->dir == NULL) {
            goto failed;
        }

        f->dir_offset = 0;

    } else {
        /* locked before the open: OTRUNC must not touch a held file */
        err = (m->mode & NINEP_DMEXCL) && f->isreg ? excl_lock(v, f) : NULL;

        if (err) {
            excl_drop(v, f->dev, f->ino);
            return err;
        }

        f->file = s->ops->open(s, f->node, open_flags(omode, m));
        if (f->file == NULL) {
            goto failed;
        }

        if (omode & NINEP_OTRUNC) {
            (void) vfs_meta_touch(v, f->node, srv_user(r));
        }
    }

    f->omode = omode;
    f->rclose = (omode & NINEP_ORCLOSE) != 0;
    f->excl = (m->mode & NINEP_DMEXCL) != 0;

    return NULL;

failed:

    err = errstr(errno);

    s->ops->close(f->lock);
    f->lock = NULL;

    if (m->mode & NINEP_DMEXCL) {
        excl_drop(v, f->dev, f->ino);
    }

    return err;
}


static void
vfs_open(srv_req_t *r)
{
    vfs_t          *v;
    vfs_fid_t      *f;
    vfs_meta_t      m;
    const char     *err;
    ninep_fcall_t   rf;

    v = srv_data(r);
    f = fid_state(r->fid);

    pthread_mutex_lock(&r->fid->lock);

    if (f->file || f->dir) {
        err = "fid already open";

    } else if (fid_meta(v, f, &m) < 0) {
        err = errstr(errno);

    } else {
        vfs_users_refresh(v);
        err = open_fid(r, v, f, &m, r->t.mode, 1);
    }

    pthread_mutex_unlock(&r->fid->lock);

    if (err) {
        srv_error(r, err);
        return;
    }

    /* only a truncation changed the qid's version since fid_meta */
    if (r->t.mode & NINEP_OTRUNC) {
        (void) vfs_meta_get(v, f->node, &m);
    }

    memset(&rf, 0, sizeof(rf));
    rf.type = NINEP_ROPEN;
    vfs_meta_qid(&m, &rf.qid);
    rf.iounit = srv_msize(r) - NINEP_IOHDRSZ;
    srv_respond(r, &rf);
}


/*
 * Tcreate: write permission in the directory; the new file belongs to the
 * user and the directory's group, its permissions masked by the
 * directory's (Plan 9); then it is open on the fid.
 */

static void
vfs_create(srv_req_t *r)
{
    char            name[NAME_MAX + 1], *path;
    uint32_t        perm;
    unsigned        dummy;
    vfs_t          *v;
    vfs_fid_t      *f;
    vfs_meta_t      dm, m;
    vfs_node_t     *n;
    const char     *err, *user;
    vfs_store_t    *s;
    ninep_fcall_t   rf, *t;

    v = srv_data(r);
    s = v->store;
    t = &r->t;
    f = fid_state(r->fid);
    user = srv_user(r);
    n = NULL;
    path = NULL;

    pthread_mutex_lock(&r->fid->lock);
    vfs_users_refresh(v);

    if (f->file || f->dir) {
        err = "fid already open";
        goto failed;
    }

    /* a directory moved out of the tree on disk takes no create along */
    if (fid_refresh_to_change(v, f) < 0 || fid_meta(v, f, &dm) < 0) {
        err = errstr(errno);
        goto failed;
    }

    if (!S_ISDIR(dm.st.st_mode)) {
        err = "not a directory";
        goto failed;
    }

    if (!valid_name((const char *) t->name.data, t->name.len)) {
        err = "invalid file name";
        goto failed;
    }

    if (open_perm(t->mode, &dummy) < 0) {
        err = "invalid open mode";
        goto failed;
    }

    if (!vfs_allowed(v, &dm, user, VFS_WRITE)) {
        err = "permission denied";
        goto failed;
    }

    memcpy(name, t->name.data, t->name.len);
    name[t->name.len] = '\0';

    perm = t->perm;
    perm &= (perm & NINEP_DMDIR) ? ~0777U | (dm.mode & 0777)
                                 : ~0666U | (dm.mode & 0666);
    perm &= NINEP_DMDIR | NINEP_DMAPPEND | NINEP_DMEXCL | NINEP_DMTMP | 0777;

    if ((perm & NINEP_DMDIR)
        && ((t->mode & 3) != NINEP_OREAD || (t->mode & NINEP_OTRUNC)))
    {
        err = VFS_EISDIR;
        goto failed;
    }

    /* a path too long is refused before anything is made */
    path = join(f->path, name);
    if (path == NULL) {
        err = errstr(errno);
        goto failed;
    }

    n = (perm & NINEP_DMDIR) ? s->ops->mkdir(s, f->node, name)
                             : s->ops->create(s, f->node, name);

    if (n == NULL) {
        err = errstr(errno);
        goto failed;
    }

    if (vfs_meta_set(v, n, user, dm.gid, user, &perm) < 0
        || vfs_meta_get(v, n, &m) < 0)
    {
        err = errstr(errno);
        (void) s->ops->unlink(s, f->node, name, (perm & NINEP_DMDIR) != 0);
        goto failed;
    }

    (void) vfs_meta_touch(v, f->node, user);

    /* the fid moves to the new file and opens it; the creator may */
    s->ops->put(s, f->dirnode);
    f->dirnode = NULL;

    if (s->shared) {
        f->dirnode = f->node;
    } else {
        s->ops->put(s, f->node);
    }

    free(f->path);
    f->path = path;
    f->node = n;
    fid_set_type(f, &m.st);
    path = NULL;
    n = NULL;

    err = open_fid(r, v, f, &m, t->mode & ~NINEP_OTRUNC, 0);

    if (err) {
        goto failed;
    }

    pthread_mutex_unlock(&r->fid->lock);

    memset(&rf, 0, sizeof(rf));
    rf.type = NINEP_RCREATE;
    vfs_meta_qid(&m, &rf.qid);
    rf.iounit = srv_msize(r) - NINEP_IOHDRSZ;
    srv_respond(r, &rf);

    return;

failed:

    pthread_mutex_unlock(&r->fid->lock);

    s->ops->put(s, n);
    free(path);
    srv_error(r, err);
}


static void
vfs_read(srv_req_t *r)
{
    vfs_t      *v;
    vfs_fid_t  *f;

    v = srv_data(r);
    f = fid_state(r->fid);

    if (f->dir) {
        read_dir(r, v, f);
        return;
    }

    if (f->file == NULL || (f->omode & 3) == NINEP_OWRITE) {
        srv_error(r, "fid not open for reading");
        return;
    }

    if (fid_removed(v, f)) {
        srv_error(r, errstr(ENOENT));
        return;
    }

    read_file(r, v, f);
}


/* A counted read: never more than msize is allocated. */

static void
read_file(srv_req_t *r, vfs_t *v, vfs_fid_t *f)
{
    size_t          count;
    ssize_t         n;
    uint8_t        *buf;
    ninep_fcall_t   rf;
    struct pollfd   pfd;
    vfs_store_t    *s;

    s = v->store;

    count = r->t.count;
    if (count > srv_msize(r) - NINEP_IOHDRSZ) {
        count = srv_msize(r) - NINEP_IOHDRSZ;
    }

    buf = malloc(count ? count : 1);
    if (buf == NULL) {
        srv_error(r, "out of memory");
        return;
    }

    for ( ;; ) {
        n = s->ops->pread(f->file, buf, count, (off_t) r->t.offset);

        if (n >= 0 || (errno != EAGAIN && errno != EINTR)) {
            break;
        }

        /* a FIFO without data: wait holding no thread, or for Tflush */
        if (srv_flushed(r)) {
            free(buf);
            srv_error(r, "interrupted");
            return;
        }

        pfd.fd = s->ops->pollfd(f->file);

        if (srv_wait_fd(r, pfd.fd, POLLIN, vfs_read) == 0) {
            free(buf);
            return;
        }

        pfd.events = POLLIN;
        (void) poll(&pfd, 1, VFS_POLL_MS);
    }

    if (n < 0) {
        free(buf);
        srv_error(r, errstr(errno));
        return;
    }

    memset(&rf, 0, sizeof(rf));
    rf.type = NINEP_RREAD;
    rf.count = (uint32_t) n;
    rf.data = buf;
    srv_respond(r, &rf);

    free(buf);
}


/*
 * read(5) on a directory: whole stat entries, offset 0 or where the last
 * read ended.  An entry that does not fit waits for the next read.
 */

static void
read_dir(srv_req_t *r, vfs_t *v, vfs_fid_t *f)
{
    size_t          count, used;
    uint8_t        *buf;
    const char     *err;
    ninep_fcall_t   rf;

    count = r->t.count;
    if (count > srv_msize(r) - NINEP_IOHDRSZ) {
        count = srv_msize(r) - NINEP_IOHDRSZ;
    }

    buf = malloc(count ? count : 1);
    if (buf == NULL) {
        srv_error(r, "out of memory");
        return;
    }

    /* the reply goes out after the unlock: it frees the request */
    pthread_mutex_lock(&r->fid->lock);
    err = fill_dir(r, v, f, buf, count, &used);
    pthread_mutex_unlock(&r->fid->lock);

    if (err) {
        free(buf);
        srv_error(r, err);
        return;
    }

    memset(&rf, 0, sizeof(rf));
    rf.type = NINEP_RREAD;
    rf.count = (uint32_t) used;
    rf.data = buf;
    srv_respond(r, &rf);

    free(buf);
}


/* Whole stat entries from where the last read ended; fid lock held. */

static const char *
fill_dir(srv_req_t *r, vfs_t *v, vfs_fid_t *f, uint8_t *buf, size_t count,
    size_t *usedp)
{
    char           name[NAME_MAX + 1];
    ino_t          ino;
    size_t         used, n;
    vfs_meta_t     m;
    ninep_stat_t   st;
    vfs_store_t   *s;

    s = v->store;

    if (r->t.offset != 0 && r->t.offset != f->dir_offset) {
        return "bad offset in directory read";
    }

    if (r->t.offset == 0) {
        s->ops->rewind(f->dir);
        free(f->pending);
        f->pending = NULL;
        f->npending = 0;
        f->dir_offset = 0;
    }

    used = 0;

    /* a count too small for the next entry gets nothing (read(5)) */
    if (f->pending) {
        if (f->npending > count) {
            *usedp = 0;
            return NULL;
        }

        memcpy(buf, f->pending, f->npending);
        used = f->npending;
        free(f->pending);
        f->pending = NULL;
        f->npending = 0;
    }

    while (s->ops->readdir(f->dir, name, &ino) > 0) {
        if (vfs_meta_getat(v, f->node, name, &m) < 0) {
            continue;
        }

        vfs_meta_stat(&m, name, &st);
        n = ninep_stat_size(&st);

        if (used + n <= count) {
            (void) ninep_stat_pack(&st, buf + used, n);
            used += n;
            continue;
        }

        f->pending = malloc(n);
        if (f->pending == NULL) {
            return "Cannot allocate memory";
        }

        (void) ninep_stat_pack(&st, f->pending, n);
        f->npending = n;
        break;
    }

    f->dir_offset += used;
    *usedp = used;

    return NULL;
}


static void
vfs_write(srv_req_t *r)
{
    ssize_t         n;
    vfs_t          *v;
    vfs_fid_t      *f;
    ninep_fcall_t   rf;

    v = srv_data(r);
    f = fid_state(r->fid);

    if (f->file == NULL || ((f->omode & 3) != NINEP_OWRITE
                      && (f->omode & 3) != NINEP_ORDWR))
    {
        srv_error(r, "fid not open for writing");
        return;
    }

    if (fid_removed(v, f)) {
        srv_error(r, errstr(ENOENT));
        return;
    }

    /* DMAPPEND files are open O_APPEND: the offset is ignored */
    n = v->store->ops->pwrite(f->file, r->t.data, r->t.count,
                              (off_t) r->t.offset);

    if (n < 0) {
        srv_error(r, errstr(errno));
        return;
    }

    (void) vfs_meta_touch(v, f->node, srv_user(r));

    memset(&rf, 0, sizeof(rf));
    rf.type = NINEP_RWRITE;
    rf.count = (uint32_t) n;
    srv_respond(r, &rf);
}


static void
vfs_clunk(srv_req_t *r)
{
    ninep_fcall_t  rf;

    memset(&rf, 0, sizeof(rf));
    rf.type = NINEP_RCLUNK;
    srv_respond(r, &rf);
}


/*
 * The parent directory of f if user may change it (a NULL user is the
 * service itself); else NULL and *err.
 */

static vfs_node_t *
open_parent_to_change(vfs_t *v, vfs_fid_t *f, const char *user,
    const char **err)
{
    vfs_meta_t   pm;
    vfs_node_t  *pn;

    pn = open_parent(v, f);

    if (pn == NULL || vfs_meta_get(v, pn, &pm) < 0) {
        *err = errstr(errno);

    } else if (user && !vfs_allowed(v, &pm, user, VFS_WRITE)) {
        *err = "permission denied";

    } else {
        return pn;
    }

    v->store->ops->put(v->store, pn);

    return NULL;
}


/* Removes the fid's file: write permission in its directory. */

static int
remove_file(vfs_t *v, vfs_fid_t *f, const char *user, const char **err)
{
    int           rc;
    vfs_node_t   *pn;
    vfs_store_t  *s;

    s = v->store;

    if (fid_refresh_to_change(v, f) < 0) {
        *err = errstr(errno);
        return -1;
    }

    if (strlen(f->path) <= f->top) {
        *err = "cannot remove the root";
        return -1;
    }

    pn = open_parent_to_change(v, f, user, err);
    if (pn == NULL) {
        return -1;
    }

    rc = s->ops->unlink(s, pn, base_name(f->path), f->isdir);

    if (rc < 0) {
        *err = errstr(errno == EEXIST ? ENOTEMPTY : errno);

    } else {
        (void) vfs_meta_touch(v, pn, user);
    }

    s->ops->put(s, pn);

    return rc < 0 ? -1 : 0;
}


static void
vfs_remove(srv_req_t *r)
{
    vfs_t          *v;
    vfs_fid_t      *f;
    const char     *err;
    ninep_fcall_t   rf;

    v = srv_data(r);
    f = fid_state(r->fid);

    vfs_users_refresh(v);

    if (remove_file(v, f, srv_user(r), &err) < 0) {
        /* the library clunks the fid all the same */
        srv_error(r, err);
        return;
    }

    f->rclose = 0;

    memset(&rf, 0, sizeof(rf));
    rf.type = NINEP_RREMOVE;
    srv_respond(r, &rf);
}


static void
vfs_stat(srv_req_t *r)
{
    int             rc;
    char            name[NAME_MAX + 1];
    vfs_t          *v;
    vfs_fid_t      *f;
    vfs_meta_t      m;
    ninep_fcall_t   rf;

    v = srv_data(r);
    f = fid_state(r->fid);

    /* the name may change under a concurrent rename: copy it */
    pthread_mutex_lock(&r->fid->lock);
    (void) fid_refresh_path(v, f);
    snprintf(name, sizeof(name), "%s", base_name(f->path));
    rc = fid_meta(v, f, &m);
    pthread_mutex_unlock(&r->fid->lock);

    if (rc < 0) {
        srv_error(r, errstr(errno));
        return;
    }

    memset(&rf, 0, sizeof(rf));
    rf.type = NINEP_RSTAT;
    vfs_meta_stat(&m, name, &rf.st);
    srv_respond(r, &rf);
}


static int
str_is(ninep_str_t s, const char *c)
{
    return s.len == strlen(c) && memcmp(s.data, c, s.len) == 0;
}


static void
str_copy(char *buf, ninep_str_t s)
{
    memcpy(buf, s.data, s.len);
    buf[s.len] = '\0';
}


/* A user or group of /adm/users, copied into buf (TEN_NAME_MAX + 1). */

static int
known_name(vfs_t *v, ninep_str_t s, char *buf)
{
    if (s.len > TEN_NAME_MAX) {
        return 0;
    }

    str_copy(buf, s);

    return vfs_user_exists(v, buf);
}


/*
 * wstat(5), with fossil's rule that adm may change the owner.  Every
 * check passes before anything changes.
 */

static void
vfs_wstat(srv_req_t *r)
{
    vfs_t               *v;
    vfs_fid_t           *f;
    vfs_meta_t           m;
    const char          *err;
    ninep_fcall_t        rf;
    const ninep_stat_t  *st;

    v = srv_data(r);
    f = fid_state(r->fid);
    st = &r->t.st;

    vfs_users_refresh(v);

    pthread_mutex_lock(&r->fid->lock);

    if (fid_refresh_to_change(v, f) < 0 || fid_meta(v, f, &m) < 0) {
        err = errstr(errno);

    } else if (wstat_check(r, v, f, &m, st, &err) == 0) {
        err = wstat_apply(r, v, f, &m, st) < 0 ? errstr(errno) : NULL;
    }

    pthread_mutex_unlock(&r->fid->lock);

    if (err) {
        srv_error(r, err);
        return;
    }

    memset(&rf, 0, sizeof(rf));
    rf.type = NINEP_RWSTAT;
    srv_respond(r, &rf);
}


/*
 * A refusal in the words a local file system's errno has (for Linux), its
 * reason in the log.
 */

static int
wstat_refuse(srv_req_t *r, vfs_fid_t *f, const char **err, const char *ename,
    const char *why)
{
    srv_log("wstat of %s by %s refused: %s", f->path, srv_user(r), why);
    *err = ename;
    return -1;
}


/* A writer's time: with a length change, or now (give or take a little). */

static int
wstat_time_ok(const ninep_stat_t *st, uint32_t t, int writer)
{
    time_t  now;

    now = time(NULL);

    return writer
           && (st->length != NINEP_DONTTOUCH64
               || ((time_t) t >= now - VFS_NOW_SLACK
                   && (time_t) t <= now + VFS_NOW_SLACK));
}


static int
wstat_check(srv_req_t *r, vfs_t *v, vfs_fid_t *f, const vfs_meta_t *m,
    const ninep_stat_t *st, const char **err)
{
    int          owner, leader, writer, taken;
    char         gid[TEN_NAME_MAX + 1], uid[TEN_NAME_MAX + 1];
    char         name[NAME_MAX + 1];
    struct stat  sb;
    vfs_node_t  *pn;
    const char  *user;
    ninep_qid_t  q;

    user = srv_user(r);
    owner = strcmp(m->uid, user) == 0 && strcmp(user, "none") != 0;
    leader = vfs_leader(v, m->gid, user) && strcmp(user, "none") != 0;
    writer = vfs_allowed(v, m, user, VFS_WRITE);
    vfs_meta_qid(m, &q);

    /* what wstat(5) never changes must be "don't touch" or unchanged */
    if ((st->type != NINEP_DONTTOUCH16 && st->type != 0)
        || (st->dev != NINEP_DONTTOUCH32 && st->dev != 0)
        || (st->qid.type != 0xff && st->qid.type != q.type)
        || (st->qid.version != NINEP_DONTTOUCH32
            && st->qid.version != q.version)
        || (st->qid.path != NINEP_DONTTOUCH64 && st->qid.path != q.path)
        || (st->muid.len && !str_is(st->muid, m->muid)))
    {
        return wstat_refuse(r, f, err, "wstat prohibited",
                            "cannot change type, dev, qid or muid");
    }

    if (st->mode != NINEP_DONTTOUCH32 && st->mode != m->mode) {
        if ((st->mode ^ m->mode) & NINEP_DMDIR) {
            *err = "wstat can't convert between files and directories";
            return -1;
        }

        if (st->mode & ~(NINEP_DMDIR | NINEP_DMAPPEND | NINEP_DMEXCL
                         | NINEP_DMTMP | 0777))
        {
            *err = "illegal mode";
            return -1;
        }

        if (!owner && !leader) {
            return wstat_refuse(r, f, err, VFS_EPERM,
                                "mode: not owner or group leader");
        }
    }

    /* a length first: one who may not write gets EACCES, as truncate(2) */
    if (st->length != NINEP_DONTTOUCH64) {
        if (S_ISDIR(m->st.st_mode)) {
            if (st->length != 0) {
                *err = VFS_EISDIR;
                return -1;
            }

        } else if (st->length != (uint64_t) m->st.st_size && !writer) {
            *err = "permission denied";
            return -1;
        }
    }

    /*
     * Times: the owner or group leader sets them; a writer may set them
     * as a write would: together with a length change, or to now.
     */
    if (((st->mtime != NINEP_DONTTOUCH32
          && st->mtime != (uint32_t) m->st.st_mtime
          && !wstat_time_ok(st, st->mtime, writer))
         || (st->atime != NINEP_DONTTOUCH32
             && st->atime != (uint32_t) m->st.st_atime
             && !wstat_time_ok(st, st->atime, writer)))
        && !owner && !leader)
    {
        return wstat_refuse(r, f, err, VFS_EPERM,
                            "times: not owner, group leader or writer");
    }

    if (st->gid.len && !str_is(st->gid, m->gid)) {
        if (!known_name(v, st->gid, gid)) {
            *err = "unknown group";
            return -1;
        }

        if (!((owner && vfs_member(v, gid, user))
              || (leader && vfs_leader(v, gid, user))))
        {
            return wstat_refuse(r, f, err, VFS_EPERM,
                                "group: not owner and member, nor leader "
                                "of both");
        }
    }

    if (st->uid.len && !str_is(st->uid, m->uid)) {
        if (!known_name(v, st->uid, uid)) {
            *err = "unknown user";
            return -1;
        }

        if (!vfs_member(v, "adm", user) || strcmp(user, "none") == 0) {
            return wstat_refuse(r, f, err, VFS_EPERM,
                                "owner: only adm may change it");
        }
    }

    if (st->name.len && !str_is(st->name, base_name(f->path))) {
        if (!valid_name((const char *) st->name.data, st->name.len)) {
            *err = "invalid file name";
            return -1;
        }

        if (strlen(f->path) <= f->top) {
            *err = "cannot rename the root";
            return -1;
        }

        pn = open_parent_to_change(v, f, user, err);
        if (pn == NULL) {
            return -1;
        }

        /* valid_name() bounds it by NAME_MAX */
        str_copy(name, st->name);

        taken = v->store->ops->statat(v->store, pn, name, &sb) == 0;
        v->store->ops->put(v->store, pn);

        if (taken) {
            *err = "file already exists";
            return -1;
        }
    }

    return 0;
}


static int
wstat_apply(srv_req_t *r, vfs_t *v, vfs_fid_t *f, const vfs_meta_t *m,
    const ninep_stat_t *st)
{
    char              id[TEN_NAME_MAX + 1];
    uint32_t          mode;
    vfs_store_t      *s;
    struct timespec   times[2];

    s = v->store;

    /* the rename first: it alone can still fail, and then nothing changed */
    if (wstat_rename(r, f, st) < 0) {
        return -1;
    }

    if (st->length != NINEP_DONTTOUCH64 && !S_ISDIR(m->st.st_mode)
        && st->length != (uint64_t) m->st.st_size
        && s->ops->truncate(s, f->node, (off_t) st->length) < 0)
    {
        return -1;
    }

    if (st->mode != NINEP_DONTTOUCH32 && st->mode != m->mode) {
        mode = st->mode;
        if (vfs_meta_set(v, f->node, NULL, NULL, NULL, &mode) < 0) {
            return -1;
        }
    }

    if ((st->mtime != NINEP_DONTTOUCH32
         && st->mtime != (uint32_t) m->st.st_mtime)
        || (st->atime != NINEP_DONTTOUCH32
            && st->atime != (uint32_t) m->st.st_atime))
    {
        times[0].tv_sec = st->atime;
        times[0].tv_nsec = (st->atime == NINEP_DONTTOUCH32) ? UTIME_OMIT : 0;
        times[1].tv_sec = st->mtime;
        times[1].tv_nsec = (st->mtime == NINEP_DONTTOUCH32) ? UTIME_OMIT : 0;

        if (s->ops->utimens(s, f->node, times) < 0) {
            return -1;
        }
    }

    if (st->gid.len && !str_is(st->gid, m->gid)) {
        str_copy(id, st->gid);
        if (vfs_meta_set(v, f->node, NULL, id, NULL, NULL) < 0) {
            return -1;
        }
    }

    if (st->uid.len && !str_is(st->uid, m->uid)) {
        str_copy(id, st->uid);
        if (vfs_meta_set(v, f->node, id, NULL, NULL, NULL) < 0) {
            return -1;
        }
    }

    (void) vfs_meta_touch(v, f->node, NULL);

    return 0;
}


static int
wstat_rename(srv_req_t *r, vfs_fid_t *f, const ninep_stat_t *st)
{
    int           rc;
    char          name[NAME_MAX + 1], *ppath, *np;
    vfs_t        *v;
    vfs_node_t   *pn;
    vfs_store_t  *s;

    if (st->name.len == 0 || str_is(st->name, base_name(f->path))) {
        return 0;
    }

    v = srv_data(r);
    s = v->store;
    str_copy(name, st->name);
    ppath = parent_of(f->path, f->top);
    np = ppath ? join(ppath, name) : NULL;
    pn = ppath ? open_parent(v, f) : NULL;

    rc = -1;

    if (np && pn
        && rename_noreplace(s, pn, base_name(f->path), name, f->isdir) == 0)
    {
        (void) vfs_meta_touch(v, pn, srv_user(r));
        free(f->path);
        f->path = np;
        np = NULL;
        rc = 0;
    }

    s->ops->put(s, pn);
    free(ppath);
    free(np);

    return rc;
}


/*
 * A rename in directory dir that never replaces a name, also when another
 * server makes one there at the same time.  RENAME_NOREPLACE does it
 * where the store can (GlusterFS answers EINVAL, through FUSE and
 * libgfapi alike).
 * Else a file gets its new name by link(2), which fails with EEXIST
 * atomically on every server's view, then loses the old one.  A
 * directory, which cannot be linked, first gets an empty directory under
 * the new name by mkdir(2) (atomic in the same way: of two servers
 * racing for one name exactly one makes it), then rename(2) puts it in
 * that placeholder's place: rename replaces only an empty directory, and
 * this one is ours.  Between the two steps the name holds an empty
 * directory that others may see; only someone removing our placeholder
 * and making an empty directory of their own there within that window
 * could lose it, and an empty directory is all they could lose.
 */

static int
rename_noreplace(vfs_store_t *s, vfs_node_t *dir, const char *from,
    const char *to, int isdir)
{
    int          err;
    vfs_node_t  *n;

    if (s->ops->rename(s, dir, from, to, 1) == 0) {
        return 0;
    }

    if (errno != EINVAL) {
        return -1;
    }

    if (isdir) {
        n = s->ops->mkdir(s, dir, to);
        if (n == NULL) {
            return -1;
        }

        s->ops->put(s, n);

        if (s->ops->rename(s, dir, from, to, 0) == 0) {
            return 0;
        }

        err = errno;
        (void) s->ops->unlink(s, dir, to, 1);

    } else {
        if (s->ops->link(s, dir, from, to) < 0) {
            return -1;
        }

        if (s->ops->unlink(s, dir, from, 0) == 0) {
            return 0;
        }

        /* renamed or removed meanwhile through another server */
        err = errno;
        (void) s->ops->unlink(s, dir, to, 0);
    }

    errno = err;

    return -1;
}


/* The last reference to a fid: close it, honour ORCLOSE and DMEXCL. */

static void
destroy_fid(srv_fid_t *fid)
{
    vfs_t        *v;
    vfs_fid_t    *f;
    const char   *err;
    vfs_store_t  *s;

    f = fid->aux;
    v = srv_fid_data(fid);
    s = v->store;

    if (f->rclose) {
        (void) remove_file(v, f, NULL, &err);
    }

    if (f->excl) {
        excl_drop(v, f->dev, f->ino);
    }

    s->ops->closedir(f->dir);
    s->ops->close(f->file);
    s->ops->close(f->lock);
    s->ops->put(s, f->dirnode);
    s->ops->put(s, f->node);
    free(f->pending);
    free(f->path);
    free(f);
}
