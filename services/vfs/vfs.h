
/*
 * Ten: ten-vfs, a directory exported over 9P2000 with Plan 9 metadata.
 */

#ifndef _VFS_H_INCLUDED_
#define _VFS_H_INCLUDED_


#include <pthread.h>
#include <sys/stat.h>

#include "ninep.h"
#include "srv.h"
#include "users.h"
#include "vfs_store.h"


typedef struct {
    vfs_store_t        *store;          /* the exported tree */
    char                default_owner[TEN_NAME_MAX + 1];

    pthread_rwlock_t    users_lock;
    users_t            *users;
    struct stat         users_st;       /* of the version loaded */

    pthread_mutex_t     excl_lock;      /* DMEXCL files open now */
    struct vfs_excl_s  *excl;

    struct vfs_slot_s  *meta_cache;     /* user.ten.* of recent inodes */
} vfs_t;


/* Plan 9 metadata of one file: xattrs user.ten.* over the inode. */
typedef struct {
    struct stat         st;
    char                uid[TEN_NAME_MAX + 1];
    char                gid[TEN_NAME_MAX + 1];
    char                muid[TEN_NAME_MAX + 1];
    uint32_t            mode;
    uint32_t            version;
} vfs_meta_t;


typedef struct {
    char               *path;       /* from the root, "" for the root */
    size_t              top;        /* length of the attach point */
    vfs_node_t         *node;       /* its file */
    vfs_file_t         *file;       /* when open, else NULL */
    vfs_file_t         *lock;       /* DMEXCL: holds the lock, or NULL */
    vfs_node_t         *dirnode;    /* shared trees: the directory the fid
                                       was walked into from, or NULL */
    dev_t               dev;        /* the file's identity */
    ino_t               ino;
    uint8_t             omode;
    unsigned            rclose:1;
    unsigned            excl:1;
    unsigned            isdir:1;
    unsigned            isreg:1;    /* a regular file: I/O cannot block */
    /* directory reads */
    vfs_dir_t          *dir;
    uint64_t            dir_offset;
    uint8_t            *pending;    /* an entry that did not fit */
    size_t              npending;
} vfs_fid_t;


#define VFS_READ    NINEP_DMREAD
#define VFS_WRITE   NINEP_DMWRITE
#define VFS_EXEC    NINEP_DMEXEC


/* vfs_meta.c */
int vfs_meta_cache_init(vfs_t *v);
void vfs_meta_cache_free(vfs_t *v);
int vfs_meta_get(vfs_t *v, vfs_node_t *n, vfs_meta_t *m);
/* the same where m->st is n's stat already */
int vfs_meta_of(vfs_t *v, vfs_node_t *n, vfs_meta_t *m);
int vfs_meta_getat(vfs_t *v, vfs_node_t *dir, const char *name,
    vfs_meta_t *m);
int vfs_meta_set(vfs_t *v, vfs_node_t *n, const char *uid, const char *gid,
    const char *muid, const uint32_t *mode);
int vfs_meta_touch(vfs_t *v, vfs_node_t *n, const char *muid);
void vfs_meta_qid(const vfs_meta_t *m, ninep_qid_t *q);
void vfs_meta_stat(const vfs_meta_t *m, const char *name, ninep_stat_t *st);
int vfs_xattr_probe(vfs_t *v);

/* the users file, re-read when it changes */
void vfs_users_refresh(vfs_t *v);
int vfs_user_exists(vfs_t *v, const char *user);
int vfs_member(vfs_t *v, const char *group, const char *user);
int vfs_leader(vfs_t *v, const char *group, const char *user);

/* Plan 9 permission: whether user may do perm (VFS_*) to m. */
int vfs_allowed(vfs_t *v, const vfs_meta_t *m, const char *user,
    unsigned perm);

/* vfs_ops.c */
extern const srv_ops_t  vfs_ops;
int vfs_quick(srv_req_t *r);

/* vfs_seed.c */
int vfs_seed(vfs_t *v, const char *skel);


#endif /* _VFS_H_INCLUDED_ */
