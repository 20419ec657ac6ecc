/*
 * Ten: gfapi-probe -- ten-vfs's file system operations on a GlusterFS
 * volume, through its FUSE mount and through Gluster's own client library
 * (libgfapi) against the same volume, each in a loop for a few seconds;
 * one line per operation with both rates and their ratio.  It answers
 * whether a gfapi storage back end would make ten-vfs faster
 * (bench/gluster.sh runs it; make bench-gluster).
 *
 *   gfapi-probe HOST VOLUME MOUNTPOINT FILE4K FILE64K [SECONDS]
 *
 * FILE4K and FILE64K are paths inside the volume ("/ten/tmp/small"),
 * found under MOUNTPOINT too.  The operations, as ten-vfs does them:
 *   stat      a fid's stat: fstat of an O_PATH descriptor / glfs_h_stat
 *   xattr     one of its user.ten.* xattrs / glfs_h_getxattrs
 *   walk      one walk step: openat(O_PATH) + fstat + close /
 *             glfs_h_lookupat + glfs_h_close
 *   orc       open, read 4 KiB, close / glfs_h_open, glfs_pread, glfs_close
 *   read64k   a 64 KiB read of an open file / glfs_pread
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include <glusterfs/api/glfs.h>
#include <glusterfs/api/glfs-handles.h>


#define PROBE_XATTR     "user.ten.mode"
#define PROBE_BUF       65536


typedef struct {
    glfs_t         *fs;
    glfs_object_t  *dir;        /* FILE4K's directory */
    glfs_object_t  *small;
    glfs_object_t  *big;
    glfs_fd_t      *bigfd;
    const char     *name;       /* FILE4K's last element */
    /* the same through FUSE */
    int             fdir;
    int             fsmall;     /* O_PATH */
    int             fbig;       /* O_RDONLY */
    char            small_proc[64];
} probe_t;


typedef int (*probe_op_t)(probe_t *p);

static char  buf[PROBE_BUF];


static void
die(const char *what)
{
    fprintf(stderr, "gfapi-probe: %s: %s\n", what, strerror(errno));
    exit(1);
}


static double
now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return ts.tv_sec + ts.tv_nsec / 1e9;
}


/* Operations a second: op in a loop for secs seconds. */

static double
rate(probe_t *p, probe_op_t op, double secs)
{
    long    n;
    double  start, end;

    start = now();
    end = start + secs;

    for (n = 0; ; n++) {
        if ((n & 15) == 0 && now() >= end) {
            break;
        }

        if (op(p) < 0) {
            die("operation failed");
        }
    }

    return n / (now() - start);
}


static int
fuse_stat(probe_t *p)
{
    struct stat  st;

    return fstat(p->fsmall, &st);
}


static int
gfapi_stat(probe_t *p)
{
    struct stat  st;

    return glfs_h_stat(p->fs, p->small, &st);
}


static int
fuse_xattr(probe_t *p)
{
    return getxattr(p->small_proc, PROBE_XATTR, buf, 64) < 0 ? -1 : 0;
}


static int
gfapi_xattr(probe_t *p)
{
    return glfs_h_getxattrs(p->fs, p->small, PROBE_XATTR, buf, 64) < 0
           ? -1 : 0;
}


static int
fuse_walk(probe_t *p)
{
    int          fd, rc;
    struct stat  st;

    fd = openat(p->fdir, p->name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }

    rc = fstat(fd, &st);
    close(fd);

    return rc;
}


static int
gfapi_walk(probe_t *p)
{
    struct stat     st;
    glfs_object_t  *o;

    o = glfs_h_lookupat(p->fs, p->dir, p->name, &st, 0);
    if (o == NULL) {
        return -1;
    }

    return glfs_h_close(o);
}


static int
fuse_orc(probe_t *p)
{
    int      fd;
    ssize_t  n;

    fd = open(p->small_proc, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }

    n = pread(fd, buf, 4096, 0);
    close(fd);

    return n < 0 ? -1 : 0;
}


static int
gfapi_orc(probe_t *p)
{
    ssize_t     n;
    glfs_fd_t  *fd;

    fd = glfs_h_open(p->fs, p->small, O_RDONLY);
    if (fd == NULL) {
        return -1;
    }

    n = glfs_pread(fd, buf, 4096, 0, 0, NULL);
    glfs_close(fd);

    return n < 0 ? -1 : 0;
}


static int
fuse_read64k(probe_t *p)
{
    return pread(p->fbig, buf, PROBE_BUF, 0) < 0 ? -1 : 0;
}


static int
gfapi_read64k(probe_t *p)
{
    return glfs_pread(p->bigfd, buf, PROBE_BUF, 0, 0, NULL) < 0 ? -1 : 0;
}


static void
setup(probe_t *p, char **argv)
{
    char         path[4096], *slash, *dir;
    struct stat  st;

    p->fs = glfs_new(argv[2]);
    if (p->fs == NULL
        || glfs_set_volfile_server(p->fs, "tcp", argv[1], 24007) < 0
        || glfs_set_logging(p->fs, "/dev/null", 0) < 0
        || glfs_init(p->fs) < 0)
    {
        die("gfapi: the volume");
    }

    dir = strdup(argv[4]);
    slash = dir ? strrchr(dir, '/') : NULL;
    if (slash == NULL || slash == dir) {
        errno = EINVAL;
        die("FILE4K must be /dir/name");
    }
    *slash = '\0';
    p->name = slash + 1;

    p->dir = glfs_h_lookupat(p->fs, NULL, dir, &st, 0);
    p->small = glfs_h_lookupat(p->fs, NULL, argv[4], &st, 0);
    p->big = glfs_h_lookupat(p->fs, NULL, argv[5], &st, 0);
    p->bigfd = p->big ? glfs_h_open(p->fs, p->big, O_RDONLY) : NULL;

    if (p->dir == NULL || p->small == NULL || p->bigfd == NULL) {
        die("gfapi: the files");
    }

    snprintf(path, sizeof(path), "%s%s", argv[3], dir);
    p->fdir = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    snprintf(path, sizeof(path), "%s%s", argv[3], argv[4]);
    p->fsmall = open(path, O_PATH | O_CLOEXEC);
    snprintf(path, sizeof(path), "%s%s", argv[3], argv[5]);
    p->fbig = open(path, O_RDONLY | O_CLOEXEC);

    if (p->fdir < 0 || p->fsmall < 0 || p->fbig < 0) {
        die("FUSE: the files");
    }

    snprintf(p->small_proc, sizeof(p->small_proc), "/proc/self/fd/%d",
             p->fsmall);
}


int
main(int argc, char **argv)
{
    double    secs, f, g;
    unsigned  i;
    probe_t   p;

    static const struct {
        const char  *name;
        probe_op_t   fuse;
        probe_op_t   gfapi;
    } ops[] = {
        { "stat", fuse_stat, gfapi_stat },
        { "xattr", fuse_xattr, gfapi_xattr },
        { "walk", fuse_walk, gfapi_walk },
        { "orc", fuse_orc, gfapi_orc },
        { "read64k", fuse_read64k, gfapi_read64k },
    };

    if (argc < 6 || argc > 7) {
        fprintf(stderr, "usage: gfapi-probe HOST VOLUME MOUNTPOINT FILE4K "
                "FILE64K [SECONDS]\n");
        return 2;
    }

    secs = argc == 7 ? atof(argv[6]) : 2;
    memset(&p, 0, sizeof(p));
    setup(&p, argv);

    printf("%-8s %10s %10s %12s\n", "op", "fuse_op/s", "gfapi_op/s",
           "gfapi/fuse");

    for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        f = rate(&p, ops[i].fuse, secs);
        g = rate(&p, ops[i].gfapi, secs);
        printf("%-8s %10.0f %10.0f %12.2f\n", ops[i].name, f, g,
               f > 0 ? g / f : 0);
    }

    glfs_close(p.bigfd);
    glfs_h_close(p.small);
    glfs_h_close(p.big);
    glfs_h_close(p.dir);
    glfs_fini(p.fs);

    return 0;
}
