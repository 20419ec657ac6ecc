
/*
 * Ten: 9p's file system client (see fsys.h).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsys.h"


#define FSYS_TAG        1
#define FSYS_NAMES      64      /* the deepest path walked */


static int fsys_rpc(fsys_t *fs, ninep_fcall_t *t, ninep_fcall_t *r);
static int fsys_split(fsys_t *fs, const char *path, char *copy,
    size_t copylen, char **names);
static void fsys_copy_dir(const ninep_stat_t *st, fsys_dir_t *d);


int
fsys_init(fsys_t *fs, conn_t *conn, uint32_t msize)
{
    ninep_fcall_t  t, r;

    if (fsys_adopt(fs, conn, msize, NINEP_NOFID) < 0) {
        return -1;
    }

    memset(&t, 0, sizeof(t));
    t.type = NINEP_TVERSION;
    t.tag = NINEP_NOTAG;
    t.msize = msize;
    t.version = ninep_str(NINEP_VERSION);

    if (fsys_rpc(fs, &t, &r) < 0) {
        return -1;
    }

    if (!ninep_str_eq(r.version, NINEP_VERSION) || r.msize < 256
        || r.msize > msize)
    {
        snprintf(fs->err, sizeof(fs->err), "the server does not speak "
                 "9P2000 (it answered %.*s, msize %u)",
                 (int) r.version.len, r.version.data, r.msize);
        return -1;
    }

    fs->msize = r.msize;

    return 0;
}


int
fsys_adopt(fsys_t *fs, conn_t *conn, uint32_t msize, uint32_t root)
{
    memset(fs, 0, sizeof(fsys_t));

    fs->conn = conn;
    fs->msize = msize;
    fs->root = root;
    fs->nextfid = 100;
    fs->out = malloc(msize);
    fs->in = malloc(msize);

    if (fs->out == NULL || fs->in == NULL) {
        snprintf(fs->err, sizeof(fs->err), "out of memory");
        return -1;
    }

    return 0;
}


void
fsys_free(fsys_t *fs)
{
    conn_close(fs->conn);
    free(fs->out);
    free(fs->in);
    fs->conn = NULL;
    fs->out = fs->in = NULL;
}


/* One request and its reply: 0, or -1 for an Rerror or a lost session. */

static int
fsys_rpc(fsys_t *fs, ninep_fcall_t *t, ninep_fcall_t *r)
{
    int      rc;
    ssize_t  n;

    if (fs->conn == NULL) {
        return -1;      /* fs->err says what ended it */
    }

    if (t->type != NINEP_TVERSION) {
        t->tag = FSYS_TAG;
    }

    n = ninep_pack(t, fs->out, fs->msize);

    if (n < 0) {
        snprintf(fs->err, sizeof(fs->err), "%s does not fit in a message "
                 "of %u bytes", ninep_type_name(t->type), fs->msize);
        return -1;
    }

    if (conn_send(fs->conn, fs->out, (size_t) n, fs->err,
                  sizeof(fs->err)) < 0)
    {
        goto lost;
    }

    n = conn_recv(fs->conn, fs->in, fs->msize, fs->err, sizeof(fs->err));
    if (n < 0) {
        goto lost;
    }

    rc = ninep_unpack(fs->in, (size_t) n, fs->msize, NINEP_R, r);

    if (rc != NINEP_OK || r->tag != t->tag
        || (r->type != NINEP_RERROR && r->type != t->type + 1))
    {
        snprintf(fs->err, sizeof(fs->err), "the server answered %s with "
                 "%s", ninep_type_name(t->type),
                 rc != NINEP_OK ? ninep_strerror(rc)
                                : ninep_type_name(r->type));
        goto lost;
    }

    if (r->type == NINEP_RERROR) {
        snprintf(fs->err, sizeof(fs->err), "%.*s", (int) r->ename.len,
                 r->ename.data);
        return -1;
    }

    return 0;

lost:

    conn_close(fs->conn);
    fs->conn = NULL;

    return -1;
}


int
fsys_attach(fsys_t *fs, const char *uname, const char *aname)
{
    ninep_fcall_t  t, r;

    memset(&t, 0, sizeof(t));
    t.type = NINEP_TATTACH;
    t.fid = fs->nextfid++;
    t.afid = NINEP_NOFID;
    t.uname = ninep_str(uname);
    t.aname = ninep_str(aname);

    if (fsys_rpc(fs, &t, &r) < 0) {
        return -1;
    }

    fs->root = t.fid;

    return 0;
}


/* path's names in names[] (pointing into copy), "." and empty ones left
   out; their count, or -1. */

static int
fsys_split(fsys_t *fs, const char *path, char *copy, size_t copylen,
    char **names)
{
    int    n;
    char  *p, *save;

    if (strlen(path) >= copylen) {
        snprintf(fs->err, sizeof(fs->err), "path too long");
        return -1;
    }

    strcpy(copy, path);
    n = 0;

    for (p = strtok_r(copy, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
        if (strcmp(p, ".") == 0) {
            continue;
        }

        if (n == FSYS_NAMES) {
            snprintf(fs->err, sizeof(fs->err), "path too deep");
            return -1;
        }

        names[n++] = p;
    }

    return n;
}


int
fsys_walk(fsys_t *fs, const char *path, uint32_t *fid)
{
    int            n, i, k;
    char           copy[4096], *names[FSYS_NAMES];
    uint32_t       from;
    ninep_fcall_t  t, r;

    n = fsys_split(fs, path, copy, sizeof(copy), names);
    if (n < 0) {
        return -1;
    }

    *fid = fs->nextfid++;
    from = fs->root;
    i = 0;

    do {
        memset(&t, 0, sizeof(t));
        t.type = NINEP_TWALK;
        t.fid = from;
        t.newfid = *fid;

        for (k = 0; k < NINEP_MAXWELEM && i + k < n; k++) {
            t.wname[k] = ninep_str(names[i + k]);
        }

        t.nwname = (uint16_t) k;

        if (fsys_rpc(fs, &t, &r) < 0) {
            goto failed;
        }

        if (r.nwqid < t.nwname) {
            snprintf(fs->err, sizeof(fs->err), "file does not exist");
            goto failed;
        }

        from = *fid;
        i += k;

    } while (i < n);

    return 0;

failed:

    if (from == *fid) {
        fsys_clunk(fs, *fid);
    }

    return -1;
}


int
fsys_open(fsys_t *fs, const char *path, uint8_t mode, uint32_t *fid)
{
    ninep_fcall_t  t, r;

    if (fsys_walk(fs, path, fid) < 0) {
        return -1;
    }

    memset(&t, 0, sizeof(t));
    t.type = NINEP_TOPEN;
    t.fid = *fid;
    t.mode = mode;

    if (fsys_rpc(fs, &t, &r) < 0) {
        fsys_clunk(fs, *fid);
        return -1;
    }

    return 0;
}


int
fsys_create(fsys_t *fs, const char *path, uint32_t perm, uint8_t mode,
    uint32_t *fid)
{
    char           dir[4096];
    const char    *name;
    ninep_fcall_t  t, r;

    name = strrchr(path, '/');
    name = name ? name + 1 : path;

    if (*name == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0
        || strlen(path) >= sizeof(dir))
    {
        snprintf(fs->err, sizeof(fs->err), "bad file name");
        return -1;
    }

    snprintf(dir, sizeof(dir), "%.*s", (int) (name - path), path);

    if (fsys_walk(fs, dir, fid) < 0) {
        return -1;
    }

    memset(&t, 0, sizeof(t));
    t.type = NINEP_TCREATE;
    t.fid = *fid;
    t.name = ninep_str(name);
    t.perm = perm;
    t.mode = mode;

    if (fsys_rpc(fs, &t, &r) < 0) {
        fsys_clunk(fs, *fid);
        return -1;
    }

    return 0;
}


ssize_t
fsys_read(fsys_t *fs, uint32_t fid, uint64_t offset, uint8_t *buf,
    size_t count)
{
    ninep_fcall_t  t, r;

    memset(&t, 0, sizeof(t));
    t.type = NINEP_TREAD;
    t.fid = fid;
    t.offset = offset;
    t.count = (uint32_t) (count < fs->msize - NINEP_IOHDRSZ
                          ? count : fs->msize - NINEP_IOHDRSZ);

    if (fsys_rpc(fs, &t, &r) < 0) {
        return -1;
    }

    if (r.count > t.count) {
        snprintf(fs->err, sizeof(fs->err), "the server read more than "
                 "was asked");
        return -1;
    }

    memcpy(buf, r.data, r.count);

    return r.count;
}


int
fsys_write(fsys_t *fs, uint32_t fid, uint64_t offset, const uint8_t *buf,
    size_t len)
{
    size_t         n;
    ninep_fcall_t  t, r;

    do {
        n = len < fs->msize - NINEP_IOHDRSZ ? len
                                            : fs->msize - NINEP_IOHDRSZ;

        memset(&t, 0, sizeof(t));
        t.type = NINEP_TWRITE;
        t.fid = fid;
        t.offset = offset;
        t.count = (uint32_t) n;
        t.data = buf;

        if (fsys_rpc(fs, &t, &r) < 0) {
            return -1;
        }

        if (r.count == 0 || r.count > n) {
            snprintf(fs->err, sizeof(fs->err), "short write");
            return -1;
        }

        buf += r.count;
        offset += r.count;
        len -= r.count;

    } while (len > 0);

    return 0;
}


void
fsys_clunk(fsys_t *fs, uint32_t fid)
{
    char           keep[sizeof(fs->err)];
    ninep_fcall_t  t, r;

    memcpy(keep, fs->err, sizeof(keep));     /* the error that led here */

    memset(&t, 0, sizeof(t));
    t.type = NINEP_TCLUNK;
    t.fid = fid;
    (void) fsys_rpc(fs, &t, &r);

    memcpy(fs->err, keep, sizeof(keep));
}


int
fsys_remove(fsys_t *fs, const char *path)
{
    uint32_t       fid;
    ninep_fcall_t  t, r;

    if (fsys_walk(fs, path, &fid) < 0) {
        return -1;
    }

    memset(&t, 0, sizeof(t));
    t.type = NINEP_TREMOVE;
    t.fid = fid;

    return fsys_rpc(fs, &t, &r);        /* the fid is gone either way */
}


static void
fsys_copy_dir(const ninep_stat_t *st, fsys_dir_t *d)
{
    d->st = *st;
    snprintf(d->name, sizeof(d->name), "%.*s", (int) st->name.len,
             st->name.data);
    snprintf(d->uid, sizeof(d->uid), "%.*s", (int) st->uid.len,
             st->uid.data);
    snprintf(d->gid, sizeof(d->gid), "%.*s", (int) st->gid.len,
             st->gid.data);
    snprintf(d->muid, sizeof(d->muid), "%.*s", (int) st->muid.len,
             st->muid.data);
    d->st.name = ninep_str(d->name);
    d->st.uid = ninep_str(d->uid);
    d->st.gid = ninep_str(d->gid);
    d->st.muid = ninep_str(d->muid);
}


int
fsys_stat(fsys_t *fs, const char *path, fsys_dir_t *d)
{
    int            rc;
    size_t         used;
    uint32_t       fid;
    ninep_stat_t   st;
    ninep_fcall_t  t, r;

    if (fsys_walk(fs, path, &fid) < 0) {
        return -1;
    }

    memset(&t, 0, sizeof(t));
    t.type = NINEP_TSTAT;
    t.fid = fid;

    rc = fsys_rpc(fs, &t, &r);

    if (rc == 0 && ninep_stat_unpack(r.stat, r.nstat, &st, &used) != 0) {
        snprintf(fs->err, sizeof(fs->err), "the server sent a bad stat");
        rc = -1;
    }

    if (rc == 0) {
        fsys_copy_dir(&st, d);
    }

    fsys_clunk(fs, fid);

    return rc;
}


void
fsys_nulldir(ninep_stat_t *st)
{
    memset(st, 0, sizeof(ninep_stat_t));

    st->type = NINEP_DONTTOUCH16;
    st->dev = NINEP_DONTTOUCH32;
    st->qid.type = 0xff;
    st->qid.version = NINEP_DONTTOUCH32;
    st->qid.path = NINEP_DONTTOUCH64;
    st->mode = NINEP_DONTTOUCH32;
    st->atime = NINEP_DONTTOUCH32;
    st->mtime = NINEP_DONTTOUCH32;
    st->length = NINEP_DONTTOUCH64;
}


int
fsys_wstat(fsys_t *fs, const char *path, const ninep_stat_t *st)
{
    int            rc;
    uint32_t       fid;
    ninep_fcall_t  t, r;

    if (fsys_walk(fs, path, &fid) < 0) {
        return -1;
    }

    memset(&t, 0, sizeof(t));
    t.type = NINEP_TWSTAT;
    t.fid = fid;
    t.st = *st;

    rc = fsys_rpc(fs, &t, &r);
    fsys_clunk(fs, fid);

    return rc;
}


int
fsys_dirread(fsys_t *fs, uint32_t fid,
    int (*each)(const fsys_dir_t *d, void *arg), void *arg)
{
    size_t        used, at;
    ssize_t       n;
    uint8_t      *buf;
    uint64_t      offset;
    fsys_dir_t    d;
    ninep_stat_t  st;

    buf = malloc(fs->msize);
    if (buf == NULL) {
        snprintf(fs->err, sizeof(fs->err), "out of memory");
        return -1;
    }

    offset = 0;

    while ((n = fsys_read(fs, fid, offset, buf, fs->msize)) > 0) {
        for (at = 0; at < (size_t) n; at += used) {
            if (ninep_stat_unpack(buf + at, (size_t) n - at, &st, &used)
                != 0)
            {
                snprintf(fs->err, sizeof(fs->err), "the server sent a "
                         "bad directory entry");
                free(buf);
                return -1;
            }

            fsys_copy_dir(&st, &d);

            if (each(&d, arg) < 0) {
                free(buf);
                return -1;
            }
        }

        offset += (uint64_t) n;
    }

    free(buf);

    return n < 0 ? -1 : 0;
}


char *
fsys_slurp(fsys_t *fs, const char *path, size_t max, size_t *len)
{
    char      *buf;
    size_t     have;
    ssize_t    n;
    uint32_t   fid;

    if (fsys_open(fs, path, NINEP_OREAD, &fid) < 0) {
        return NULL;
    }

    buf = malloc(max + 1);
    if (buf == NULL) {
        snprintf(fs->err, sizeof(fs->err), "out of memory");
        fsys_clunk(fs, fid);
        return NULL;
    }

    have = 0;
    n = 0;

    while (have < max
           && (n = fsys_read(fs, fid, have, (uint8_t *) buf + have,
                             max - have)) > 0)
    {
        have += (size_t) n;
    }

    fsys_clunk(fs, fid);

    if (n < 0) {
        free(buf);
        return NULL;
    }

    buf[have] = '\0';

    if (len != NULL) {
        *len = have;
    }

    return buf;
}


int
fsys_ctl(fsys_t *fs, const char *path, const char *text)
{
    int       rc;
    uint32_t  fid;

    if (fsys_open(fs, path, NINEP_OWRITE, &fid) < 0) {
        return -1;
    }

    rc = fsys_write(fs, fid, 0, (const uint8_t *) text, strlen(text));
    fsys_clunk(fs, fid);

    return rc;
}
