
/*
 * Ten: ten-vfs's storage -- where the tree's files live, behind one
 * operations table (like Plan 9's Dev) with two kinds, chosen at start
 * by -r:
 *
 *   DIR                       a directory of this machine (a local file
 *                             system, or a network one such as a
 *                             GlusterFS FUSE mount): Linux's *at calls
 *                             on O_PATH descriptors (vfs_store_local.c);
 *   gluster://HOST/VOL/PATH   directory PATH of GlusterFS volume VOL,
 *                             through Gluster's client library, libgfapi
 *                             (vfs_store_gluster.c).
 *
 * A node is a file of the tree that is not open, like an O_PATH
 * descriptor: counted references (vfs_node_ref, vfs_node_put), so a fid,
 * a walk in progress and a directory kept for a shared tree may hold one
 * node.  A file is a node open for I/O or holding a lock, a dir a
 * directory open for reading; each has one owner.  Names given to lookup,
 * statat, mkdir, create, unlink, rename and link are single names the
 * caller has checked (no "/", ".", ".."); a path given to resolve or
 * statat is such names joined by "/", "" for the node itself.  No
 * operation follows a symbolic link.  Every call returns -1 (or NULL)
 * with errno set on failure, and is safe from any thread; put, close and
 * closedir take NULL too.
 */

#ifndef _VFS_STORE_H_INCLUDED_
#define _VFS_STORE_H_INCLUDED_


#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>


typedef struct vfs_store_s  vfs_store_t;
typedef struct vfs_node_s   vfs_node_t;
typedef struct vfs_file_s   vfs_file_t;
typedef struct vfs_dir_s    vfs_dir_t;


typedef struct {
    /* nodes */
    vfs_node_t *(*resolve)(vfs_store_t *s, vfs_node_t *dir,
                           const char *path);
    /* resolve of one name, and its stat (one round trip for libgfapi) */
    vfs_node_t *(*lookup)(vfs_store_t *s, vfs_node_t *dir,
                          const char *name, struct stat *st);
    vfs_node_t *(*ref)(vfs_node_t *n);
    void        (*put)(vfs_store_t *s, vfs_node_t *n);
    /* n refers to fresh's file from now on, also for its other holders */
    void        (*renew)(vfs_store_t *s, vfs_node_t *n, vfs_node_t *fresh);
    int         (*stat)(vfs_store_t *s, vfs_node_t *n, struct stat *st);
    int         (*statat)(vfs_store_t *s, vfs_node_t *dir, const char *path,
                          struct stat *st);
    ssize_t     (*getxattr)(vfs_store_t *s, vfs_node_t *n, const char *attr,
                            void *buf, size_t len);
    int         (*setxattr)(vfs_store_t *s, vfs_node_t *n, const char *attr,
                            const void *val, size_t len);
    int         (*removexattr)(vfs_store_t *s, vfs_node_t *n,
                               const char *attr);
    int         (*truncate)(vfs_store_t *s, vfs_node_t *n, off_t len);
    /* times[i].tv_nsec UTIME_OMIT leaves that time */
    int         (*utimens)(vfs_store_t *s, vfs_node_t *n,
                           const struct timespec times[2]);
    /* the path from the root the store knows for n now (local; gluster:
       directories alone) */
    int         (*path)(vfs_store_t *s, vfs_node_t *n, char *buf,
                        size_t len, const char **rel);

    /* names in a directory; mkdir and create make what was not there */
    vfs_node_t *(*mkdir)(vfs_store_t *s, vfs_node_t *dir, const char *name);
    vfs_node_t *(*create)(vfs_store_t *s, vfs_node_t *dir, const char *name);
    int         (*unlink)(vfs_store_t *s, vfs_node_t *dir, const char *name,
                          int isdir);
    /* noreplace: EINVAL where the store cannot promise it */
    int         (*rename)(vfs_store_t *s, vfs_node_t *dir, const char *from,
                          const char *to, int noreplace);
    int         (*link)(vfs_store_t *s, vfs_node_t *dir, const char *from,
                        const char *to);

    /* open files: flags as open(2)'s */
    vfs_file_t *(*open)(vfs_store_t *s, vfs_node_t *n, int flags);
    ssize_t     (*pread)(vfs_file_t *f, void *buf, size_t len, off_t off);
    ssize_t     (*pwrite)(vfs_file_t *f, const void *buf, size_t len,
                          off_t off);
    int         (*fstat)(vfs_file_t *f, struct stat *st);
    int         (*fsync)(vfs_file_t *f);
    /* a descriptor to poll when pread says EAGAIN (FIFOs), or -1 */
    int         (*pollfd)(vfs_file_t *f);
    void        (*close)(vfs_file_t *f);
    /*
     * An exclusive lock on the whole file that every server of the tree
     * sees, held until the returned file is closed (or the process
     * ends); EAGAIN when another holds it, EACCES, EPERM or EROFS when
     * the store may not write the file.
     */
    vfs_file_t *(*lock)(vfs_store_t *s, vfs_node_t *n);

    /* directories: entries without "." and "..", from the start again
       after rewind */
    vfs_dir_t  *(*opendir)(vfs_store_t *s, vfs_node_t *n);
    /* 1 and the entry, 0 at the end, -1 on error; name NAME_MAX + 1 */
    int         (*readdir)(vfs_dir_t *d, char *name, ino_t *ino);
    void        (*rewind)(vfs_dir_t *d);
    void        (*closedir)(vfs_dir_t *d);

    void        (*free)(vfs_store_t *s);
} vfs_store_ops_t;


struct vfs_store_s {
    const vfs_store_ops_t  *ops;
    vfs_node_t             *root;
    /* other servers may change the tree at the same time */
    unsigned                shared:1;
};


/* The store of a directory or a gluster:// URL; NULL and a message. */
vfs_store_t *vfs_store_local(const char *dir, char *err, size_t len);
vfs_store_t *vfs_store_gluster(const char *url, char *err, size_t len);
/* Whether a gluster:// URL is well made (at start: a usage error). */
int vfs_store_gluster_check(const char *url, char *err, size_t len);


#endif /* _VFS_STORE_H_INCLUDED_ */
