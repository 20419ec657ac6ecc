
/*
 * Ten: 9p's file system client -- one 9P2000 session on a connection,
 * one request at a time.  Paths are absolute in the session's namespace
 * and walked from the attach's root, sixteen names per Twalk.
 *
 * Each call that can fail returns -1 (or a negative count) with the
 * reason in fs->err: the server's Rerror text as it is ("file does not
 * exist"), or what became of the connection.
 */

#ifndef _FSYS_H_INCLUDED_
#define _FSYS_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "conn.h"
#include "ninep.h"


typedef struct {
    conn_t         *conn;
    uint32_t        msize;
    uint32_t        root;
    uint32_t        nextfid;
    uint16_t        tag;
    uint8_t        *out;
    uint8_t        *in;
    char            err[512];
} fsys_t;


/* A directory's entry or a file's stat, its strings copied. */
typedef struct {
    ninep_stat_t    st;
    char            name[256];
    char            uid[64];
    char            gid[64];
    char            muid[64];
} fsys_dir_t;


/* Negotiates the version (msize at most) on conn; fs owns conn after. */
int fsys_init(fsys_t *fs, conn_t *conn, uint32_t msize);

/* Adopts conn on which a version was agreed and fid root attached. */
int fsys_adopt(fsys_t *fs, conn_t *conn, uint32_t msize, uint32_t root);

void fsys_free(fsys_t *fs);

/* Attaches uname with aname (a ticket path, or "") as the root. */
int fsys_attach(fsys_t *fs, const char *uname, const char *aname);

/* A new fid for path. */
int fsys_walk(fsys_t *fs, const char *path, uint32_t *fid);

/* path walked and opened with mode; *iounit may be NULL. */
int fsys_open(fsys_t *fs, const char *path, uint8_t mode, uint32_t *fid);

/* path created with perm (walked to its parent) and opened with mode. */
int fsys_create(fsys_t *fs, const char *path, uint32_t perm, uint8_t mode,
    uint32_t *fid);

/* At most count bytes at offset: the count read (0 at the end) or -1. */
ssize_t fsys_read(fsys_t *fs, uint32_t fid, uint64_t offset, uint8_t *buf,
    size_t count);

/* All of buf at offset, in as many Twrites as msize asks; 0 or -1. */
int fsys_write(fsys_t *fs, uint32_t fid, uint64_t offset,
    const uint8_t *buf, size_t len);

void fsys_clunk(fsys_t *fs, uint32_t fid);

int fsys_remove(fsys_t *fs, const char *path);

int fsys_stat(fsys_t *fs, const char *path, fsys_dir_t *d);

/* Changes what st says of path; everything else "don't touch". */
int fsys_wstat(fsys_t *fs, const char *path, const ninep_stat_t *st);

/* A stat whose every field is "don't touch". */
void fsys_nulldir(ninep_stat_t *st);

/* Calls each(d, arg) for every entry of the open directory fid. */
int fsys_dirread(fsys_t *fs, uint32_t fid,
    int (*each)(const fsys_dir_t *d, void *arg), void *arg);

/* The whole file as a NUL-terminated malloc'd string, up to max bytes. */
char *fsys_slurp(fsys_t *fs, const char *path, size_t max, size_t *len);

/* Writes text to path in one Twrite (a ctl file's line). */
int fsys_ctl(fsys_t *fs, const char *path, const char *text);


#endif /* _FSYS_H_INCLUDED_ */
