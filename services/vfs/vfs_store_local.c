
/*
 * Ten: ten-vfs's local store -- a directory of this machine.
 *
 * A node is an O_PATH descriptor.  Names are resolved beneath a directory
 * with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS), so nothing leaves
 * the tree or follows a link; what an O_PATH descriptor cannot do itself
 * (xattrs, opening, truncating, times) goes through its /proc/self/fd
 * link, which names exactly that inode.  A tree on FUSE or NFS is shared:
 * other servers may change it.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "vfs_store.h"


/* statfs(2)'s f_type of the network file systems other servers share */
#define FUSE_MAGIC      0x65735546
#define NFS_MAGIC       0x6969


typedef struct {
    vfs_store_t     store;
    char           *root_path;      /* the root's real path */
    size_t          root_len;
} local_t;


struct vfs_node_s {
    int             refs;
    int             fd;
};


struct vfs_file_s {
    int             fd;
};


struct vfs_dir_s {
    DIR            *d;
};


static const vfs_store_ops_t  local_ops;

static void local_put(vfs_store_t *s, vfs_node_t *n);


static void
proc_path(int fd, char *buf, size_t len)
{
    snprintf(buf, len, "/proc/self/fd/%d", fd);
}


static vfs_node_t *
node_new(int fd)
{
    vfs_node_t  *n;

    if (fd < 0) {
        return NULL;
    }

    n = malloc(sizeof(vfs_node_t));
    if (n == NULL) {
        close(fd);
        return NULL;
    }

    n->refs = 1;
    n->fd = fd;

    return n;
}


static int
resolve_at(int dirfd, const char *path)
{
    struct open_how  how;

    memset(&how, 0, sizeof(how));
    how.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS
                  | RESOLVE_NO_MAGICLINKS;

    return (int) syscall(SYS_openat2, dirfd, path[0] ? path : ".", &how,
                         sizeof(how));
}


static vfs_node_t *
local_resolve(vfs_store_t *s, vfs_node_t *dir, const char *path)
{
    (void) s;
    return node_new(resolve_at(dir->fd, path));
}


static vfs_node_t *
local_lookup(vfs_store_t *s, vfs_node_t *dir, const char *name,
    struct stat *st)
{
    vfs_node_t  *n;

    n = local_resolve(s, dir, name);

    if (n && fstat(n->fd, st) < 0) {
        local_put(s, n);
        return NULL;
    }

    return n;
}


static vfs_node_t *
local_ref(vfs_node_t *n)
{
    __atomic_add_fetch(&n->refs, 1, __ATOMIC_RELAXED);
    return n;
}


static void
local_put(vfs_store_t *s, vfs_node_t *n)
{
    (void) s;

    if (n && __atomic_sub_fetch(&n->refs, 1, __ATOMIC_ACQ_REL) == 0) {
        close(n->fd);
        free(n);
    }
}


/* dup3() puts the new file under the old number: no holder sees it go */

static void
local_renew(vfs_store_t *s, vfs_node_t *n, vfs_node_t *fresh)
{
    (void) dup3(fresh->fd, n->fd, O_CLOEXEC);
    local_put(s, fresh);
}


static int
local_stat(vfs_store_t *s, vfs_node_t *n, struct stat *st)
{
    (void) s;
    return fstat(n->fd, st);
}


/*
 * One name: fstatat() without following it.  A longer path is resolved
 * as local_resolve() does: fstatat() would follow links in the middle
 * (a directory moved out of the tree, a link to it left in its place,
 * would seem to be in the tree still).
 */

static int
local_statat(vfs_store_t *s, vfs_node_t *dir, const char *path,
    struct stat *st)
{
    int  fd, rc;

    (void) s;

    if (strchr(path, '/') == NULL) {
        return fstatat(dir->fd, path, st,
                       AT_SYMLINK_NOFOLLOW | (path[0] ? 0 : AT_EMPTY_PATH));
    }

    fd = resolve_at(dir->fd, path);
    if (fd < 0) {
        return -1;
    }

    rc = fstat(fd, st);
    close(fd);

    return rc;
}


static ssize_t
local_getxattr(vfs_store_t *s, vfs_node_t *n, const char *attr, void *buf,
    size_t len)
{
    char  proc[64];

    (void) s;
    proc_path(n->fd, proc, sizeof(proc));

    return getxattr(proc, attr, buf, len);
}


static int
local_setxattr(vfs_store_t *s, vfs_node_t *n, const char *attr,
    const void *val, size_t len)
{
    char  proc[64];

    (void) s;
    proc_path(n->fd, proc, sizeof(proc));

    return setxattr(proc, attr, val, len, 0);
}


static int
local_removexattr(vfs_store_t *s, vfs_node_t *n, const char *attr)
{
    char  proc[64];

    (void) s;
    proc_path(n->fd, proc, sizeof(proc));

    return removexattr(proc, attr);
}


static int
local_truncate(vfs_store_t *s, vfs_node_t *n, off_t len)
{
    int   fd, rc;
    char  proc[64];

    (void) s;
    proc_path(n->fd, proc, sizeof(proc));

    fd = open(proc, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        return -1;
    }

    rc = ftruncate(fd, len);
    close(fd);

    return rc;
}


static int
local_utimens(vfs_store_t *s, vfs_node_t *n, const struct timespec times[2])
{
    char  proc[64];

    (void) s;
    proc_path(n->fd, proc, sizeof(proc));

    return utimensat(AT_FDCWD, proc, times, 0);
}


/* /proc's name for the descriptor, within the root or ENOENT */

static int
local_path(vfs_store_t *s, vfs_node_t *n, char *buf, size_t len,
    const char **rel)
{
    char      proc[64];
    ssize_t   k;
    local_t  *l;

    l = (local_t *) s;
    proc_path(n->fd, proc, sizeof(proc));

    k = readlink(proc, buf, len - 1);
    if (k < 0) {
        return -1;
    }

    buf[k] = '\0';

    if ((size_t) k >= 10 && strcmp(buf + k - 10, " (deleted)") == 0) {
        errno = ENOENT;
        return -1;
    }

    if (strncmp(buf, l->root_path, l->root_len) != 0
        || (buf[l->root_len] != '/' && buf[l->root_len] != '\0'))
    {
        /* moved out of the tree behind our back */
        errno = ENOENT;
        return -1;
    }

    *rel = buf + l->root_len;
    *rel += (**rel == '/');

    return 0;
}


/* The node of a name just made; the name goes again without one. */

static vfs_node_t *
local_made(vfs_store_t *s, vfs_node_t *dir, const char *name, int isdir)
{
    int          err;
    vfs_node_t  *n;

    n = local_resolve(s, dir, name);

    if (n == NULL) {
        err = errno;
        (void) unlinkat(dir->fd, name, isdir ? AT_REMOVEDIR : 0);
        errno = err;
    }

    return n;
}


static vfs_node_t *
local_mkdir(vfs_store_t *s, vfs_node_t *dir, const char *name)
{
    if (mkdirat(dir->fd, name, 0700) < 0) {
        return NULL;
    }

    return local_made(s, dir, name, 1);
}


static vfs_node_t *
local_create(vfs_store_t *s, vfs_node_t *dir, const char *name)
{
    int  fd;

    fd = openat(dir->fd, name,
                O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        return NULL;
    }

    close(fd);

    return local_made(s, dir, name, 0);
}


static int
local_unlink(vfs_store_t *s, vfs_node_t *dir, const char *name, int isdir)
{
    (void) s;
    return unlinkat(dir->fd, name, isdir ? AT_REMOVEDIR : 0);
}


static int
local_rename(vfs_store_t *s, vfs_node_t *dir, const char *from,
    const char *to, int noreplace)
{
    (void) s;
    return renameat2(dir->fd, from, dir->fd, to,
                     noreplace ? RENAME_NOREPLACE : 0);
}


static int
local_link(vfs_store_t *s, vfs_node_t *dir, const char *from, const char *to)
{
    (void) s;
    return linkat(dir->fd, from, dir->fd, to, 0);
}


static vfs_file_t *
file_new(int fd)
{
    vfs_file_t  *f;

    if (fd < 0) {
        return NULL;
    }

    f = malloc(sizeof(vfs_file_t));
    if (f == NULL) {
        close(fd);
        return NULL;
    }

    f->fd = fd;

    return f;
}


static vfs_file_t *
local_open(vfs_store_t *s, vfs_node_t *n, int flags)
{
    char  proc[64];

    (void) s;
    proc_path(n->fd, proc, sizeof(proc));

    return file_new(open(proc, flags | O_CLOEXEC | O_NOCTTY));
}


/* FIFOs and character devices have no offset */

static ssize_t
local_pread(vfs_file_t *f, void *buf, size_t len, off_t off)
{
    ssize_t  n;

    n = pread(f->fd, buf, len, off);

    return (n < 0 && errno == ESPIPE) ? read(f->fd, buf, len) : n;
}


static ssize_t
local_pwrite(vfs_file_t *f, const void *buf, size_t len, off_t off)
{
    ssize_t  n;

    n = pwrite(f->fd, buf, len, off);

    return (n < 0 && errno == ESPIPE) ? write(f->fd, buf, len) : n;
}


static int
local_fstat(vfs_file_t *f, struct stat *st)
{
    return fstat(f->fd, st);
}


static int
local_fsync(vfs_file_t *f)
{
    return fsync(f->fd);
}


static int
local_pollfd(vfs_file_t *f)
{
    return f->fd;
}


static void
local_close(vfs_file_t *f)
{
    if (f) {
        close(f->fd);
        free(f);
    }
}


/*
 * An OFD write lock, which the file system keeps for every client
 * (GlusterFS's locks translator, any local file system) and which ends
 * when the descriptor closes: it needs a descriptor open for writing.
 */

static vfs_file_t *
local_lock(vfs_store_t *s, vfs_node_t *n)
{
    int           err;
    vfs_file_t   *f;
    struct flock  fl;

    f = local_open(s, n, O_RDWR | O_NONBLOCK);
    if (f == NULL) {
        return NULL;
    }

    memset(&fl, 0, sizeof(fl));
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;

    if (fcntl(f->fd, F_OFD_SETLK, &fl) == 0) {
        return f;
    }

    err = errno;
    local_close(f);
    errno = (err == EACCES) ? EAGAIN : err;

    return NULL;
}


static vfs_dir_t *
local_opendir(vfs_store_t *s, vfs_node_t *n)
{
    int         fd;
    char        proc[64];
    vfs_dir_t  *d;

    (void) s;
    proc_path(n->fd, proc, sizeof(proc));

    d = malloc(sizeof(vfs_dir_t));
    if (d == NULL) {
        return NULL;
    }

    fd = open(proc, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    d->d = fd >= 0 ? fdopendir(fd) : NULL;

    if (d->d == NULL) {
        if (fd >= 0) {
            close(fd);
        }
        free(d);
        return NULL;
    }

    return d;
}


static int
local_readdir(vfs_dir_t *d, char *name, ino_t *ino)
{
    struct dirent  *de;

    for ( ;; ) {
        errno = 0;
        de = readdir(d->d);

        if (de == NULL) {
            return errno ? -1 : 0;
        }

        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
            break;
        }
    }

    snprintf(name, NAME_MAX + 1, "%s", de->d_name);
    *ino = de->d_ino;

    return 1;
}


static void
local_rewind(vfs_dir_t *d)
{
    rewinddir(d->d);
}


static void
local_closedir(vfs_dir_t *d)
{
    if (d) {
        closedir(d->d);
        free(d);
    }
}


static void
local_free(vfs_store_t *s)
{
    local_t  *l;

    l = (local_t *) s;

    if (l->store.root) {
        local_put(s, l->store.root);
    }

    free(l->root_path);
    free(l);
}


static int
network_fs(int fd)
{
    struct statfs  sf;

    if (fstatfs(fd, &sf) < 0) {
        return 0;
    }

    return sf.f_type == FUSE_MAGIC || sf.f_type == NFS_MAGIC;
}


vfs_store_t *
vfs_store_local(const char *dir, char *err, size_t len)
{
    local_t  *l;

    l = calloc(1, sizeof(local_t));
    if (l == NULL) {
        snprintf(err, len, "out of memory");
        return NULL;
    }

    l->store.ops = &local_ops;
    l->store.root = node_new(open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC));

    if (l->store.root == NULL
        || (l->root_path = realpath(dir, NULL)) == NULL)
    {
        snprintf(err, len, "root %s: %s", dir, strerror(errno));
        local_free(&l->store);
        return NULL;
    }

    l->root_len = strlen(l->root_path);
    l->store.shared = network_fs(l->store.root->fd);

    return &l->store;
}


static const vfs_store_ops_t  local_ops = {
    local_resolve,
    local_lookup,
    local_ref,
    local_put,
    local_renew,
    local_stat,
    local_statat,
    local_getxattr,
    local_setxattr,
    local_removexattr,
    local_truncate,
    local_utimens,
    local_path,
    local_mkdir,
    local_create,
    local_unlink,
    local_rename,
    local_link,
    local_open,
    local_pread,
    local_pwrite,
    local_fstat,
    local_fsync,
    local_pollfd,
    local_close,
    local_lock,
    local_opendir,
    local_readdir,
    local_rewind,
    local_closedir,
    local_free
};
