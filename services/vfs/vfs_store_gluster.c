
/*
 * Ten: ten-vfs's GlusterFS store -- a directory of a volume, through
 * Gluster's client library (libgfapi) instead of a FUSE mount.
 *
 *   gluster://HOST[:PORT][,HOST[:PORT]...]/VOLUME[/PATH]
 *
 * The hosts are the volume's management servers (glusterd, port 24007 by
 * default), tried in order for the volume's layout; after that the
 * library talks to the bricks itself.  A node is a handle (glfs_object),
 * which names a file by its GFID, not by a path: it follows renames, and
 * a file removed through any server answers ESTALE.  Names are looked up
 * one at a time without following links; a link met on the way is ELOOP,
 * as openat2(RESOLVE_NO_SYMLINKS) says on a local tree.  The tree is
 * always shared: Gluster has no RENAME_NOREPLACE (EINVAL, so ten-vfs
 * renames by link or placeholder), locks are POSIX locks with an owner
 * per lock file, like OFD locks.  Handles have no path (the bricks give a
 * directory's), so the fid code checks names itself (fid_refresh_path).
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>

#include <glusterfs/api/glfs.h>
#include <glusterfs/api/glfs-handles.h>

#include "client.h"
#include "vfs_store.h"


#define GLUSTER_PORT        24007
#define GLUSTER_HOSTS_MAX   8
/* libgfapi's own log: errors only, on ten-vfs's standard error */
#define GLUSTER_LOG_LEVEL   4


/* the path of a directory from the volume's root, as a brick knows it */
#define GLUSTER_PATH_XATTR  "glusterfs.ancestry.path"


typedef struct {
    vfs_store_t         store;
    glfs_t             *fs;
    pthread_mutex_t     lock;       /* renew */
    char               *root_path;  /* the root's (GLUSTER_PATH_XATTR), or
                                       NULL: no paths */
    size_t              root_len;
} gluster_t;


struct vfs_node_s {
    int                 refs;
    glfs_object_t      *obj;
    /* nodes whose handles renew replaced: closed with this one */
    struct vfs_node_s  *old;
};


struct vfs_file_s {
    glfs_fd_t          *fd;
};


struct vfs_dir_s {
    glfs_fd_t          *fd;
};


static const vfs_store_ops_t  gluster_ops;


static glfs_t *
fs_of(vfs_store_t *s)
{
    return ((gluster_t *) s)->fs;
}


/* The handle now: renew may replace it while others read it. */

static glfs_object_t *
obj_of(vfs_node_t *n)
{
    return __atomic_load_n(&n->obj, __ATOMIC_ACQUIRE);
}


static vfs_node_t *
node_new(glfs_object_t *obj)
{
    vfs_node_t  *n;

    if (obj == NULL) {
        return NULL;
    }

    n = calloc(1, sizeof(vfs_node_t));
    if (n == NULL) {
        glfs_h_close(obj);
        errno = ENOMEM;
        return NULL;
    }

    n->refs = 1;
    n->obj = obj;

    return n;
}


/*
 * path's file beneath dir, a name at a time, no link followed; *st is
 * its stat.  path is not "".
 */

static glfs_object_t *
walk(glfs_t *fs, glfs_object_t *dir, const char *path, struct stat *st)
{
    char            name[NAME_MAX + 1];
    size_t          len;
    const char     *end;
    glfs_object_t  *cur, *next;

    cur = NULL;

    for ( ;; ) {
        end = strchr(path, '/');
        len = end ? (size_t) (end - path) : strlen(path);

        if (len == 0 || len > NAME_MAX
            || (len == 1 && path[0] == '.')
            || (len == 2 && path[0] == '.' && path[1] == '.'))
        {
            errno = len > NAME_MAX ? ENAMETOOLONG : ENOENT;
            next = NULL;

        } else {
            memcpy(name, path, len);
            name[len] = '\0';
            next = glfs_h_lookupat(fs, cur ? cur : dir, name, st, 0);
        }

        if (cur) {
            glfs_h_close(cur);
        }

        cur = next;

        if (cur == NULL) {
            return NULL;
        }

        if (S_ISLNK(st->st_mode)) {
            glfs_h_close(cur);
            errno = ELOOP;
            return NULL;
        }

        if (end == NULL) {
            return cur;
        }

        path = end + 1;
    }
}


static vfs_node_t *
gluster_ref(vfs_node_t *n)
{
    __atomic_add_fetch(&n->refs, 1, __ATOMIC_RELAXED);
    return n;
}


static vfs_node_t *
gluster_resolve(vfs_store_t *s, vfs_node_t *dir, const char *path)
{
    struct stat  st;

    if (path[0] == '\0') {
        return gluster_ref(dir);
    }

    return node_new(walk(fs_of(s), obj_of(dir), path, &st));
}


static vfs_node_t *
gluster_lookup(vfs_store_t *s, vfs_node_t *dir, const char *name,
    struct stat *st)
{
    return node_new(walk(fs_of(s), obj_of(dir), name, st));
}


static void
gluster_put(vfs_store_t *s, vfs_node_t *n)
{
    vfs_node_t  *o;

    (void) s;

    if (n == NULL || __atomic_sub_fetch(&n->refs, 1, __ATOMIC_ACQ_REL) != 0)
    {
        return;
    }

    while (n) {
        o = n->old;
        glfs_h_close(n->obj);
        free(n);
        n = o;
    }
}


/*
 * The old handle may be in use by another thread right now: it is kept
 * (in fresh's node, chained to n) until n's last reference goes.  fresh
 * may be n itself (resolve of ""): chained to itself it would never be
 * freed, and be closed twice.
 */

static void
gluster_renew(vfs_store_t *s, vfs_node_t *n, vfs_node_t *fresh)
{
    gluster_t      *g;
    glfs_object_t  *old;

    g = (gluster_t *) s;

    if (fresh == n) {
        gluster_put(s, fresh);
        return;
    }

    pthread_mutex_lock(&g->lock);

    old = n->obj;
    __atomic_store_n(&n->obj, fresh->obj, __ATOMIC_RELEASE);
    fresh->obj = old;
    fresh->old = n->old;
    n->old = fresh;

    pthread_mutex_unlock(&g->lock);
}


static int
gluster_stat(vfs_store_t *s, vfs_node_t *n, struct stat *st)
{
    return glfs_h_stat(fs_of(s), obj_of(n), st);
}


static int
gluster_statat(vfs_store_t *s, vfs_node_t *dir, const char *path,
    struct stat *st)
{
    glfs_object_t  *obj;

    if (path[0] == '\0') {
        return gluster_stat(s, dir, st);
    }

    obj = walk(fs_of(s), obj_of(dir), path, st);
    if (obj == NULL) {
        return -1;
    }

    glfs_h_close(obj);

    return 0;
}


static ssize_t
gluster_getxattr(vfs_store_t *s, vfs_node_t *n, const char *attr, void *buf,
    size_t len)
{
    return glfs_h_getxattrs(fs_of(s), obj_of(n), attr, buf, len);
}


static int
gluster_setxattr(vfs_store_t *s, vfs_node_t *n, const char *attr,
    const void *val, size_t len)
{
    return glfs_h_setxattrs(fs_of(s), obj_of(n), attr, val, len, 0);
}


static int
gluster_removexattr(vfs_store_t *s, vfs_node_t *n, const char *attr)
{
    return glfs_h_removexattrs(fs_of(s), obj_of(n), attr);
}


static int
gluster_truncate(vfs_store_t *s, vfs_node_t *n, off_t len)
{
    return glfs_h_truncate(fs_of(s), obj_of(n), len);
}


static int
gluster_utimens(vfs_store_t *s, vfs_node_t *n, const struct timespec t[2])
{
    int          valid;
    struct stat  sb;

    memset(&sb, 0, sizeof(sb));
    valid = 0;

    if (t[0].tv_nsec != UTIME_OMIT) {
        sb.st_atim = t[0];
        valid |= GFAPI_SET_ATTR_ATIME;
    }

    if (t[1].tv_nsec != UTIME_OMIT) {
        sb.st_mtim = t[1];
        valid |= GFAPI_SET_ATTR_MTIME;
    }

    return valid ? glfs_h_setattrs(fs_of(s), obj_of(n), &sb, valid) : 0;
}


/*
 * Handles have no path, but the bricks know a directory's (GLUSTER_PATH_XATTR,
 * from the GFID links of directories; not of files): a fid's directory
 * renamed through this or another server is found where it is now.
 */

static ssize_t
ancestry_path(glfs_t *fs, glfs_object_t *obj, char *buf, size_t len)
{
    ssize_t  k;

    k = glfs_h_getxattrs(fs, obj, GLUSTER_PATH_XATTR, buf, len - 1);

    if (k <= 0 || buf[0] != '/') {
        errno = (k < 0) ? errno : ENOENT;
        return -1;
    }

    buf[k] = '\0';

    /* a NUL within, or one at the end that getxattr counted */
    return (ssize_t) strlen(buf);
}


static int
gluster_path(vfs_store_t *s, vfs_node_t *n, char *buf, size_t len,
    const char **rel)
{
    ssize_t     k;
    gluster_t  *g;

    g = (gluster_t *) s;

    if (g->root_path == NULL) {
        errno = ENOTSUP;
        return -1;
    }

    k = ancestry_path(g->fs, obj_of(n), buf, len);
    if (k < 0) {
        return -1;
    }

    /* "/" is every path's start */
    if (g->root_len > 1
        && (strncmp(buf, g->root_path, g->root_len) != 0
            || (buf[g->root_len] != '/' && buf[g->root_len] != '\0')))
    {
        /* moved out of the tree */
        errno = ENOENT;
        return -1;
    }

    *rel = buf + (g->root_len > 1 ? g->root_len : 0);
    *rel += (**rel == '/');

    return 0;
}


static vfs_node_t *
gluster_mkdir(vfs_store_t *s, vfs_node_t *dir, const char *name)
{
    struct stat  st;

    return node_new(glfs_h_mkdir(fs_of(s), obj_of(dir), name, 0700, &st));
}


static vfs_node_t *
gluster_create(vfs_store_t *s, vfs_node_t *dir, const char *name)
{
    struct stat  st;

    return node_new(glfs_h_creat(fs_of(s), obj_of(dir), name,
                                 O_CREAT | O_EXCL | O_WRONLY, 0600, &st));
}


/* glfs_h_unlink removes directories too: isdir is checked first */

static int
gluster_unlink(vfs_store_t *s, vfs_node_t *dir, const char *name, int isdir)
{
    struct stat  st;

    if (gluster_statat(s, dir, name, &st) < 0) {
        return -1;
    }

    if (isdir != S_ISDIR(st.st_mode)) {
        errno = isdir ? ENOTDIR : EISDIR;
        return -1;
    }

    return glfs_h_unlink(fs_of(s), obj_of(dir), name);
}


static int
gluster_rename(vfs_store_t *s, vfs_node_t *dir, const char *from,
    const char *to, int noreplace)
{
    if (noreplace) {
        errno = EINVAL;
        return -1;
    }

    return glfs_h_rename(fs_of(s), obj_of(dir), from, obj_of(dir), to);
}


static int
gluster_link(vfs_store_t *s, vfs_node_t *dir, const char *from,
    const char *to)
{
    int             rc;
    struct stat     st;
    glfs_object_t  *obj;

    obj = walk(fs_of(s), obj_of(dir), from, &st);
    if (obj == NULL) {
        return -1;
    }

    rc = glfs_h_link(fs_of(s), obj, obj_of(dir), to);
    glfs_h_close(obj);

    return rc;
}


static vfs_file_t *
file_new(glfs_fd_t *fd)
{
    vfs_file_t  *f;

    if (fd == NULL) {
        return NULL;
    }

    f = malloc(sizeof(vfs_file_t));
    if (f == NULL) {
        glfs_close(fd);
        errno = ENOMEM;
        return NULL;
    }

    f->fd = fd;

    return f;
}


static vfs_file_t *
gluster_open(vfs_store_t *s, vfs_node_t *n, int flags)
{
    flags &= O_ACCMODE | O_TRUNC | O_APPEND;

    return file_new(glfs_h_open(fs_of(s), obj_of(n), flags));
}


/* a read of nothing is answered here: libgfapi refuses it */

static ssize_t
gluster_pread(vfs_file_t *f, void *buf, size_t len, off_t off)
{
    return len ? glfs_pread(f->fd, buf, len, off, 0, NULL) : 0;
}


static ssize_t
gluster_pwrite(vfs_file_t *f, const void *buf, size_t len, off_t off)
{
    return glfs_pwrite(f->fd, buf, len, off, 0, NULL, NULL);
}


static int
gluster_fstat(vfs_file_t *f, struct stat *st)
{
    return glfs_fstat(f->fd, st);
}


static int
gluster_fsync(vfs_file_t *f)
{
    return glfs_fsync(f->fd, NULL, NULL);
}


/* no FIFOs: reads never say EAGAIN */

static int
gluster_pollfd(vfs_file_t *f)
{
    (void) f;
    return -1;
}


static void
gluster_close(vfs_file_t *f)
{
    if (f) {
        glfs_close(f->fd);
        free(f);
    }
}


/*
 * A POSIX write lock whose owner is this lock file alone (its address),
 * so two lock files of one process conflict as OFD locks do; the brick
 * drops it when the file is closed, or when this client goes away.
 */

static vfs_file_t *
gluster_lock(vfs_store_t *s, vfs_node_t *n)
{
    int           err;
    vfs_file_t   *f;
    struct flock  fl;

    f = gluster_open(s, n, O_RDWR);
    if (f == NULL) {
        return NULL;
    }

    memset(&fl, 0, sizeof(fl));
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;

    if (glfs_fd_set_lkowner(f->fd, &f, sizeof(f)) == 0
        && glfs_posix_lock(f->fd, F_SETLK, &fl) == 0)
    {
        return f;
    }

    err = errno;
    gluster_close(f);
    errno = (err == EACCES) ? EAGAIN : err;

    return NULL;
}


static vfs_dir_t *
gluster_opendir(vfs_store_t *s, vfs_node_t *n)
{
    glfs_fd_t  *fd;
    vfs_dir_t  *d;

    fd = glfs_h_opendir(fs_of(s), obj_of(n));
    if (fd == NULL) {
        return NULL;
    }

    d = malloc(sizeof(vfs_dir_t));
    if (d == NULL) {
        glfs_closedir(fd);
        errno = ENOMEM;
        return NULL;
    }

    d->fd = fd;

    return d;
}


/*
 * The inode as a lookup gives it (readdirplus's stat): what a fid's
 * st_ino is compared with.
 */

static int
gluster_readdir(vfs_dir_t *d, char *name, ino_t *ino)
{
    struct stat     st;
    struct dirent  *de;
    union {
        struct dirent  de;
        char           space[sizeof(struct dirent) + NAME_MAX + 1];
    } ent;

    for ( ;; ) {
        memset(&st, 0, sizeof(st));

        if (glfs_readdirplus_r(d->fd, &st, &ent.de, &de) != 0) {
            return -1;
        }

        if (de == NULL) {
            return 0;
        }

        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
            break;
        }
    }

    snprintf(name, NAME_MAX + 1, "%s", de->d_name);
    *ino = st.st_ino ? st.st_ino : de->d_ino;

    return 1;
}


static void
gluster_rewind(vfs_dir_t *d)
{
    glfs_seekdir(d->fd, 0);
}


static void
gluster_closedir(vfs_dir_t *d)
{
    if (d) {
        glfs_closedir(d->fd);
        free(d);
    }
}


/*
 * Never glfs_fini(): it takes seconds (7 s measured here), and ten-vfs
 * calls this only on its way out, with nothing left to write: it stops
 * after its last connection, so every file has been closed, and each
 * close waited for its writes (a flush); a volume it could not serve it
 * never wrote to.  The process's end closes the connections.
 */

static void
gluster_free(vfs_store_t *s)
{
    gluster_t  *g;

    g = (gluster_t *) s;

    gluster_put(s, g->store.root);
    pthread_mutex_destroy(&g->lock);
    free(g->root_path);
    free(g);
}


/* A gluster:// URL taken apart (parse_url). */

typedef struct {
    char                buf[1024];
    char               *host[GLUSTER_HOSTS_MAX];
    unsigned            port[GLUSTER_HOSTS_MAX];
    int                 nhosts;
    char               *volume;
    const char         *path;           /* in the volume, "/" when none */
} gluster_url_t;


/*
 * One HOST[:PORT] of the list.  A numeric IPv6 address would need
 * brackets the library does not take: a name, or IPv4, is asked for.
 */

static int
parse_host(gluster_url_t *u, char *host, char *err, size_t len)
{
    char      *colon;
    unsigned   port;

    if (u->nhosts == GLUSTER_HOSTS_MAX) {
        snprintf(err, len, "gluster://: more than %d servers",
                 GLUSTER_HOSTS_MAX);
        return -1;
    }

    port = GLUSTER_PORT;
    colon = strchr(host, ':');

    if (colon) {
        *colon = '\0';
        port = cli_port(colon + 1, strlen(colon + 1));

        if (port == 0) {
            snprintf(err, len, "gluster://: bad port in \"%s:%s\" (a "
                     "number from 1 to 65535; no IPv6 addresses)", host,
                     colon + 1);
            return -1;
        }
    }

    if (host[0] == '\0') {
        snprintf(err, len, "gluster://: empty server name");
        return -1;
    }

    u->host[u->nhosts] = host;
    u->port[u->nhosts] = port;
    u->nhosts++;

    return 0;
}


/*
 * gluster://HOST[:PORT][,HOST[:PORT]...]/VOLUME[/PATH] into u; else -1
 * and a message.
 */

static int
parse_url(const char *url, gluster_url_t *u, char *err, size_t len)
{
    char  *slash, *host, *comma;

    memset(u, 0, sizeof(gluster_url_t));

    if (strncmp(url, "gluster://", 10) != 0) {
        goto bad;
    }

    if (snprintf(u->buf, sizeof(u->buf), "%s", url + 10)
        >= (int) sizeof(u->buf))
    {
        snprintf(err, len, "gluster://: URL longer than %zu bytes",
                 sizeof(u->buf) + 9);
        return -1;
    }

    slash = strchr(u->buf, '/');

    if (slash == NULL || slash == u->buf) {
        goto bad;
    }

    *slash = '\0';
    u->volume = slash + 1;

    slash = strchr(u->volume, '/');
    u->path = slash ? url + 10 + (slash - u->buf) : "/";

    if (slash) {
        *slash = '\0';
    }

    if (u->volume[0] == '\0') {
        goto bad;
    }

    /* every entry counts: "a,,b" has an empty one */
    for (host = u->buf; host; host = comma) {
        comma = strchr(host, ',');

        if (comma) {
            *comma++ = '\0';
        }

        if (parse_host(u, host, err, len) < 0) {
            return -1;
        }
    }

    return 0;

bad:

    snprintf(err, len, "root %s: expected gluster://HOST[:PORT]"
             "[,HOST[:PORT]...]/VOLUME[/PATH]", url);

    return -1;
}


int
vfs_store_gluster_check(const char *url, char *err, size_t len)
{
    gluster_url_t  u;

    return parse_url(url, &u, err, len);
}


vfs_store_t *
vfs_store_gluster(const char *url, char *err, size_t len)
{
    int             i;
    char            path[PATH_MAX];
    gluster_t      *g;
    struct stat     st;
    gluster_url_t   u;
    glfs_object_t  *root;

    if (parse_url(url, &u, err, len) < 0) {
        return NULL;
    }

    g = calloc(1, sizeof(gluster_t));
    if (g == NULL) {
        snprintf(err, len, "out of memory");
        return NULL;
    }

    g->store.ops = &gluster_ops;
    g->store.shared = 1;
    pthread_mutex_init(&g->lock, NULL);

    g->fs = glfs_new(u.volume);

    if (g->fs == NULL) {
        snprintf(err, len, "root %s: %s", url, strerror(errno));
        goto failed;
    }

    for (i = 0; i < u.nhosts; i++) {
        if (glfs_set_volfile_server(g->fs, "tcp", u.host[i], (int) u.port[i])
            < 0)
        {
            snprintf(err, len, "gluster://: server %s:%u: %s", u.host[i],
                     u.port[i], strerror(errno));
            goto failed;
        }
    }

    (void) glfs_set_logging(g->fs, "/dev/stderr", GLUSTER_LOG_LEVEL);

    if (glfs_init(g->fs) < 0) {
        snprintf(err, len, "root %s: cannot reach volume %s (%s); is it "
                 "started, and the server's glusterd running?", url, u.volume,
                 strerror(errno));
        goto failed;
    }

    /* the volume's own log level applies from the start: ours again */
    (void) glfs_set_logging(g->fs, "/dev/stderr", GLUSTER_LOG_LEVEL);

    root = glfs_h_lookupat(g->fs, NULL, u.path, &st, 1);
    g->store.root = node_new(root);

    if (g->store.root == NULL) {
        snprintf(err, len, "root %s: %s in volume %s: %s", url, u.path,
                 u.volume, strerror(errno));
        goto failed;
    }

    if (!S_ISDIR(st.st_mode)) {
        snprintf(err, len, "root %s: %s in volume %s is not a directory",
                 url, u.path, u.volume);
        goto failed;
    }

    /* without it, fids below a directory renamed here change nothing */
    if (ancestry_path(g->fs, root, path, sizeof(path)) >= 0) {
        g->root_path = strdup(path);
        g->root_len = g->root_path ? strlen(g->root_path) : 0;
    }

    return &g->store;

failed:

    gluster_free(&g->store);

    return NULL;
}


static const vfs_store_ops_t  gluster_ops = {
    gluster_resolve,
    gluster_lookup,
    gluster_ref,
    gluster_put,
    gluster_renew,
    gluster_stat,
    gluster_statat,
    gluster_getxattr,
    gluster_setxattr,
    gluster_removexattr,
    gluster_truncate,
    gluster_utimens,
    gluster_path,
    gluster_mkdir,
    gluster_create,
    gluster_unlink,
    gluster_rename,
    gluster_link,
    gluster_open,
    gluster_pread,
    gluster_pwrite,
    gluster_fstat,
    gluster_fsync,
    gluster_pollfd,
    gluster_close,
    gluster_lock,
    gluster_opendir,
    gluster_readdir,
    gluster_rewind,
    gluster_closedir,
    gluster_free
};
