
/*
 * Ten: 9p -- a command-line 9P2000 client for a Ten system and any other
 * 9P server, in the spirit of plan9port's 9p(1).  See man/9p.1.
 *
 * One invocation is one session: it dials (conn.c), agrees a version and
 * attaches (fsys.c) -- with the ticket path as the aname when there is
 * one, so the session has that user's namespace -- then runs one command,
 * or, for `9p sh`, a command per line of its input in that one session
 * (so a bind is seen by the commands after it).  Errors are printed as
 * plan9port's are ("9p: open /x: file does not exist") and make the exit
 * status 1; a usage error makes it 2.  Each command reads its options
 * with getopt from optind = 0: glibc's way to start on a new argument
 * vector afresh (under `9p sh`, optind = 1 could resume in the last
 * command's words).
 */

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "client.h"
#include "fsys.h"
#include "tenkey.h"


#define P9_MSIZE        65536
#define P9_TIMEOUT_MS   30000
#define P9_ARGS         64
#define P9_LINE         8192


typedef struct {
    const char     *addr;
    const char     *aname;
    const char     *ticket_file;
    const char     *uname;
    const char     *key;
    const char     *trust;
    const char     *server;
    uint32_t        msize;
} p9_opts_t;


typedef int (*p9_fn_t)(fsys_t *fs, int argc, char **argv);

typedef struct {
    const char     *name;
    p9_fn_t         fn;
    const char     *usage;
} p9_cmd_t;


static p9_opts_t    opts;
static const char  *verb;           /* the command running, for messages */


static int fail(const char *fmt, ...);
static int fs_fail(fsys_t *fs, const char *op, const char *path);
static int usage_of(const char *name);


/* ------------------------------------------------------------ messages */


static int
fail(const char *fmt, ...)
{
    va_list  ap;

    fflush(stdout);
    fprintf(stderr, "9p: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");

    return 1;
}


static int
fs_fail(fsys_t *fs, const char *op, const char *path)
{
    return fail("%s %s: %s", op, path, fs->err);
}


/* ---------------------------------------------------------- formatting */


/* Plan 9's mode string: d/a/A/-, l/-, rwx three times. */

static void
mode_string(uint32_t m, char s[12])
{
    int          i;
    const char  *rwx = "rwxrwxrwx";

    s[0] = (m & NINEP_DMDIR) ? 'd' : (m & NINEP_DMAPPEND) ? 'a'
           : (m & NINEP_DMAUTH) ? 'A' : '-';
    s[1] = (m & NINEP_DMEXCL) ? 'l' : '-';

    for (i = 0; i < 9; i++) {
        s[2 + i] = (m & (0400 >> i)) ? rwx[i] : '-';
    }

    s[11] = '\0';
}


static void
date_string(uint32_t t, char *buf, size_t len)
{
    time_t      when, now;
    struct tm   tm;

    when = (time_t) t;
    now = time(NULL);
    localtime_r(&when, &tm);

    /* within six months: the time of day; older or future: the year */
    strftime(buf, len, (now - when < 180 * 86400 && when <= now + 3600)
                       ? "%b %e %H:%M" : "%b %e  %Y", &tm);
}


typedef struct {
    fsys_dir_t     *d;
    size_t          n;
    size_t          cap;
} dirlist_t;


static int
dirlist_add(const fsys_dir_t *d, void *arg)
{
    dirlist_t   *l;
    fsys_dir_t  *p;

    l = arg;

    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        p = realloc(l->d, l->cap * sizeof(fsys_dir_t));
        if (p == NULL) {
            return -1;
        }
        l->d = p;
    }

    l->d[l->n++] = *d;

    return 0;
}


static int
dir_by_name(const void *a, const void *b)
{
    return strcmp(((const fsys_dir_t *) a)->name,
                  ((const fsys_dir_t *) b)->name);
}


/* Plan 9's ls -l: mode, device type, device, owner, group, length,
   time, name; the owner, group and length columns as wide as needed. */

static void
print_long(const fsys_dir_t *d, size_t n)
{
    int     wu, wg, wl, w;
    char    mode[12], date[32], len[24];
    size_t  i;

    wu = wg = wl = 0;

    for (i = 0; i < n; i++) {
        w = (int) strlen(d[i].uid);
        wu = w > wu ? w : wu;
        w = (int) strlen(d[i].gid);
        wg = w > wg ? w : wg;
        w = snprintf(len, sizeof(len), "%llu",
                     (unsigned long long) d[i].st.length);
        wl = w > wl ? w : wl;
    }

    for (i = 0; i < n; i++) {
        mode_string(d[i].st.mode, mode);
        date_string(d[i].st.mtime, date, sizeof(date));
        printf("%s %c %u %-*s %-*s %*llu %s %s\n", mode,
               isprint(d[i].st.type) ? d[i].st.type : 'M', d[i].st.dev,
               wu, d[i].uid, wg, d[i].gid, wl,
               (unsigned long long) d[i].st.length, date, d[i].name);
    }
}


/* ------------------------------------------------------------ commands */


static int
cmd_ls(fsys_t *fs, int argc, char **argv)
{
    int          c, longfmt, dironly, rc, i;
    uint32_t     fid;
    dirlist_t    l;
    fsys_dir_t   d;
    char        *root[] = { "/" };

    longfmt = dironly = 0;
    optind = 0;

    while ((c = getopt(argc, argv, "+ld")) != -1) {
        switch (c) {
        case 'l': longfmt = 1; break;
        case 'd': dironly = 1; break;
        default: return usage_of("ls");
        }
    }

    argc -= optind;
    argv += optind;

    if (argc == 0) {
        argc = 1;
        argv = root;
    }

    rc = 0;

    for (i = 0; i < argc; i++) {
        if (fsys_stat(fs, argv[i], &d) < 0) {
            rc = fs_fail(fs, "stat", argv[i]);
            continue;
        }

        if (dironly || !(d.st.mode & NINEP_DMDIR)) {
            snprintf(d.name, sizeof(d.name), "%s", argv[i]);
            if (longfmt) {
                print_long(&d, 1);
            } else {
                printf("%s\n", argv[i]);
            }
            continue;
        }

        if (fsys_open(fs, argv[i], NINEP_OREAD, &fid) < 0) {
            rc = fs_fail(fs, "open", argv[i]);
            continue;
        }

        memset(&l, 0, sizeof(l));

        if (fsys_dirread(fs, fid, dirlist_add, &l) < 0) {
            rc = fs_fail(fs, "read", argv[i]);

        } else {
            /* an empty directory has no list at all */
            if (l.n > 0) {
                qsort(l.d, l.n, sizeof(fsys_dir_t), dir_by_name);
            }

            if (longfmt) {
                print_long(l.d, l.n);

            } else {
                for (size_t k = 0; k < l.n; k++) {
                    printf("%s\n", l.d[k].name);
                }
            }
        }

        free(l.d);
        fsys_clunk(fs, fid);
    }

    return rc;
}


static int
cmd_read(fsys_t *fs, int argc, char **argv)
{
    int        rc;
    ssize_t    n;
    uint8_t   *buf;
    uint32_t   fid;
    uint64_t   off;

    if (argc != 2) {
        return usage_of("read");
    }

    if (fsys_open(fs, argv[1], NINEP_OREAD, &fid) < 0) {
        return fs_fail(fs, "open", argv[1]);
    }

    buf = malloc(fs->msize);
    if (buf == NULL) {
        return fail("out of memory");
    }

    off = 0;

    while ((n = fsys_read(fs, fid, off, buf, fs->msize)) > 0) {
        if (fwrite(buf, 1, (size_t) n, stdout) != (size_t) n) {
            break;
        }
        off += (uint64_t) n;
    }

    rc = n < 0 ? fs_fail(fs, "read", argv[1]) : 0;

    if (fflush(stdout) != 0) {
        rc = fail("write to stdout: %s", strerror(errno));
    }

    free(buf);
    fsys_clunk(fs, fid);

    return rc;
}


/*
 * A file to write: truncated when it holds something (a ctl file holds
 * nothing and is not), made with mode 0664 when it does not exist.
 */

static int
open_for_write(fsys_t *fs, const char *path, uint32_t perm, uint32_t *fid)
{
    fsys_dir_t  d;

    if (fsys_stat(fs, path, &d) == 0) {
        if (fsys_open(fs, path, NINEP_OWRITE | (d.st.length > 0
                                                ? NINEP_OTRUNC : 0),
                      fid) < 0)
        {
            return fs_fail(fs, "open", path);
        }
        return 0;
    }

    if (strcmp(fs->err, "file does not exist") != 0) {
        return fs_fail(fs, "stat", path);
    }

    if (fsys_create(fs, path, perm, NINEP_OWRITE, fid) < 0) {
        return fs_fail(fs, "create", path);
    }

    return 0;
}


static int
cmd_write(fsys_t *fs, int argc, char **argv)
{
    int        c, lines, rc;
    char      *line;
    size_t     cap, n;
    ssize_t    got;
    uint8_t   *buf;
    uint32_t   fid;
    uint64_t   off;

    lines = 0;
    optind = 0;

    while ((c = getopt(argc, argv, "+l")) != -1) {
        if (c != 'l') {
            return usage_of("write");
        }
        lines = 1;
    }

    if (argc - optind != 1) {
        return usage_of("write");
    }

    if (open_for_write(fs, argv[optind], 0664, &fid) != 0) {
        return 1;
    }

    rc = 0;
    off = 0;

    if (lines) {
        /* each line its own write, as a ctl file wants */
        line = NULL;
        cap = 0;

        while ((got = getline(&line, &cap, stdin)) > 0) {
            if (fsys_write(fs, fid, off, (uint8_t *) line, (size_t) got)
                < 0)
            {
                rc = fs_fail(fs, "write", argv[optind]);
                break;
            }
            off += (uint64_t) got;
        }

        free(line);

    } else {
        buf = malloc(fs->msize);
        if (buf == NULL) {
            return fail("out of memory");
        }

        while ((n = fread(buf, 1, fs->msize, stdin)) > 0) {
            if (fsys_write(fs, fid, off, buf, n) < 0) {
                rc = fs_fail(fs, "write", argv[optind]);
                break;
            }
            off += n;
        }

        free(buf);
    }

    if (rc == 0 && ferror(stdin)) {
        rc = fail("read from stdin: %s", strerror(errno));
    }

    fsys_clunk(fs, fid);

    return rc;
}


/* plan9port's format: 'name' 'uid' 'gid' 'muid' q (path vers type) m ... */

static int
cmd_stat(fsys_t *fs, int argc, char **argv)
{
    fsys_dir_t  d;

    if (argc != 2) {
        return usage_of("stat");
    }

    if (fsys_stat(fs, argv[1], &d) < 0) {
        return fs_fail(fs, "stat", argv[1]);
    }

    printf("'%s' '%s' '%s' '%s' q (%016llx %u %s%s%s) m %#o at %u mt %u "
           "l %llu t %d d %u\n",
           d.name, d.uid, d.gid, d.muid,
           (unsigned long long) d.st.qid.path, d.st.qid.version,
           (d.st.qid.type & NINEP_QTDIR) ? "d" : "",
           (d.st.qid.type & NINEP_QTAPPEND) ? "a" : "",
           (d.st.qid.type & NINEP_QTEXCL) ? "l" : "",
           d.st.mode, d.st.atime, d.st.mtime,
           (unsigned long long) d.st.length, d.st.type, d.st.dev);

    return 0;
}


/*
 * The file opened for reading and writing; then, until the input ends:
 * what the file says is printed, a line of input is written to it.
 */

static int
cmd_rdwr(fsys_t *fs, int argc, char **argv)
{
    char      *line;
    size_t     cap;
    ssize_t    n, got;
    uint8_t   *buf;
    uint32_t   fid;

    if (argc != 2) {
        return usage_of("rdwr");
    }

    if (fsys_open(fs, argv[1], NINEP_ORDWR, &fid) < 0) {
        return fs_fail(fs, "open", argv[1]);
    }

    buf = malloc(fs->msize);
    line = NULL;
    cap = 0;

    if (buf == NULL) {
        return fail("out of memory");
    }

    for ( ;; ) {
        n = fsys_read(fs, fid, 0, buf, fs->msize);

        if (n > 0) {
            fwrite(buf, 1, (size_t) n, stdout);
            if (buf[n - 1] != '\n') {
                putchar('\n');
            }

        } else if (n < 0) {
            fs_fail(fs, "read", argv[1]);
            if (fs->conn == NULL) {
                break;
            }
        }

        fflush(stdout);

        got = getline(&line, &cap, stdin);
        if (got <= 0) {
            break;
        }

        if (line[got - 1] == '\n') {
            line[--got] = '\0';
        }

        if (fsys_write(fs, fid, 0, (uint8_t *) line, (size_t) got) < 0) {
            fs_fail(fs, "write", argv[1]);
            if (fs->conn == NULL) {
                break;
            }
        }
    }

    free(line);
    free(buf);
    fsys_clunk(fs, fid);

    return fs->conn == NULL;
}


/* --------------------------------------------------- copying and moving */


static const char *
base_name(const char *path)
{
    const char  *p;

    p = strrchr(path, '/');

    return p && p[1] ? p + 1 : p ? p : path;
}


/* dst, or dst/basename(src) when dst is a directory. */

static void
target_path(fsys_t *fs, const char *src, const char *dst, char *out,
    size_t len)
{
    fsys_dir_t  d;

    if (fsys_stat(fs, dst, &d) == 0 && (d.st.mode & NINEP_DMDIR)) {
        snprintf(out, len, "%s%s%s", dst,
                 dst[strlen(dst) - 1] == '/' ? "" : "/", base_name(src));
    } else {
        snprintf(out, len, "%s", dst);
    }
}


static int
copy_file(fsys_t *fs, const char *src, const char *dst)
{
    int          rc;
    ssize_t      n;
    uint8_t     *buf;
    uint32_t     in, out;
    uint64_t     off;
    fsys_dir_t   d;

    if (fsys_stat(fs, src, &d) < 0) {
        return fs_fail(fs, "stat", src);
    }

    if (d.st.mode & NINEP_DMDIR) {
        return fail("%s: %s is a directory", verb, src);
    }

    if (fsys_open(fs, src, NINEP_OREAD, &in) < 0) {
        return fs_fail(fs, "open", src);
    }

    if (open_for_write(fs, dst, d.st.mode & 0777, &out) != 0) {
        fsys_clunk(fs, in);
        return 1;
    }

    buf = malloc(fs->msize);
    rc = buf == NULL ? fail("out of memory") : 0;
    off = 0;

    while (rc == 0 && (n = fsys_read(fs, in, off, buf, fs->msize)) != 0) {
        if (n < 0) {
            rc = fs_fail(fs, "read", src);

        } else if (fsys_write(fs, out, off, buf, (size_t) n) < 0) {
            rc = fs_fail(fs, "write", dst);

        } else {
            off += (uint64_t) n;
        }
    }

    free(buf);
    fsys_clunk(fs, in);
    fsys_clunk(fs, out);

    return rc;
}


static int
cmd_cp(fsys_t *fs, int argc, char **argv)
{
    int         i, rc;
    char        to[4096];
    fsys_dir_t  d;

    if (argc < 3) {
        return usage_of("cp");
    }

    if (argc > 3 && (fsys_stat(fs, argv[argc - 1], &d) < 0
                     || !(d.st.mode & NINEP_DMDIR)))
    {
        return fail("cp: %s is not a directory", argv[argc - 1]);
    }

    rc = 0;

    for (i = 1; i < argc - 1; i++) {
        target_path(fs, argv[i], argv[argc - 1], to, sizeof(to));
        rc |= copy_file(fs, argv[i], to);
    }

    return rc;
}


static int
same_dir(const char *a, const char *b)
{
    size_t  la, lb;

    la = (size_t) (base_name(a) - a);
    lb = (size_t) (base_name(b) - b);

    return la == lb && strncmp(a, b, la) == 0;
}


/*
 * mv: a rename (Twstat of the name) within a directory, an existing
 * target file removed first; across directories a copy and a remove, as
 * Plan 9's mv does; a directory moves only within its directory.
 */

static int
cmd_mv(fsys_t *fs, int argc, char **argv)
{
    char          to[4096];
    fsys_dir_t    d, t;
    ninep_stat_t  st;

    if (argc != 3) {
        return usage_of("mv");
    }

    target_path(fs, argv[1], argv[2], to, sizeof(to));

    if (fsys_stat(fs, argv[1], &d) < 0) {
        return fs_fail(fs, "stat", argv[1]);
    }

    if (same_dir(argv[1], to)) {
        if (fsys_stat(fs, to, &t) == 0
            && (fsys_remove(fs, to) < 0))
        {
            return fs_fail(fs, "remove", to);
        }

        fsys_nulldir(&st);
        st.name = ninep_str(base_name(to));

        return fsys_wstat(fs, argv[1], &st) < 0
               ? fs_fail(fs, "rename", argv[1]) : 0;
    }

    if (d.st.mode & NINEP_DMDIR) {
        return fail("mv: %s: a directory moves only within its directory "
                    "(9P renames within one)", argv[1]);
    }

    if (copy_file(fs, argv[1], to) != 0) {
        return 1;
    }

    return fsys_remove(fs, argv[1]) < 0 ? fs_fail(fs, "remove", argv[1])
                                        : 0;
}


typedef struct {
    fsys_t         *fs;
    const char     *dir;
    int             rc;
} rm_walk_t;


static int remove_tree(fsys_t *fs, const char *path);


static int
rm_entry(const fsys_dir_t *d, void *arg)
{
    char        path[4096];
    rm_walk_t  *w;

    w = arg;
    snprintf(path, sizeof(path), "%s/%s", w->dir, d->name);

    if (d->st.mode & NINEP_DMDIR) {
        w->rc |= remove_tree(w->fs, path);

    } else if (fsys_remove(w->fs, path) < 0) {
        w->rc |= fs_fail(w->fs, "remove", path);
    }

    return w->fs->conn ? 0 : -1;
}


/* A directory's entries, then itself.  The listing is read whole first:
   removing entries while reading would move the offsets. */

static int
remove_tree(fsys_t *fs, const char *path)
{
    size_t      i;
    uint32_t    fid;
    dirlist_t   l;
    rm_walk_t   w;

    if (fsys_open(fs, path, NINEP_OREAD, &fid) < 0) {
        return fs_fail(fs, "open", path);
    }

    memset(&l, 0, sizeof(l));

    if (fsys_dirread(fs, fid, dirlist_add, &l) < 0) {
        fsys_clunk(fs, fid);
        free(l.d);
        return fs_fail(fs, "read", path);
    }

    fsys_clunk(fs, fid);

    w.fs = fs;
    w.dir = path;
    w.rc = 0;

    for (i = 0; i < l.n && rm_entry(&l.d[i], &w) == 0; i++) {
        /* each entry */
    }

    free(l.d);

    if (fsys_remove(fs, path) < 0) {
        return fs_fail(fs, "remove", path);
    }

    return w.rc;
}


static int
cmd_rm(fsys_t *fs, int argc, char **argv)
{
    int         c, recursive, rc, i;
    fsys_dir_t  d;

    recursive = 0;
    optind = 0;

    while ((c = getopt(argc, argv, "+rf")) != -1) {
        if (c != 'r') {
            return usage_of("rm");
        }
        recursive = 1;
    }

    if (optind == argc) {
        return usage_of("rm");
    }

    rc = 0;

    for (i = optind; i < argc; i++) {
        if (recursive && fsys_stat(fs, argv[i], &d) == 0
            && (d.st.mode & NINEP_DMDIR))
        {
            rc |= remove_tree(fs, argv[i]);

        } else if (fsys_remove(fs, argv[i]) < 0) {
            rc |= fs_fail(fs, "remove", argv[i]);
        }
    }

    return rc;
}


/* ---------------------------------------------------- making, changing */


/* a directory made and its fid clunked; -1 with fs->err */

static int
create_dir(fsys_t *fs, const char *path, uint32_t perm)
{
    uint32_t  fid;

    if (fsys_create(fs, path, NINEP_DMDIR | perm, NINEP_OREAD, &fid) < 0) {
        return -1;
    }

    fsys_clunk(fs, fid);

    return 0;
}


static int
make_dir(fsys_t *fs, const char *path, uint32_t perm, int parents)
{
    char        part[4096], *p;
    fsys_dir_t  d;

    if (parents) {
        if (fsys_stat(fs, path, &d) == 0) {
            return (d.st.mode & NINEP_DMDIR) ? 0
                   : fail("mkdir %s: not a directory", path);
        }

        snprintf(part, sizeof(part), "%s", path);
        p = strrchr(part, '/');

        if (p != NULL && p != part) {
            *p = '\0';
            if (make_dir(fs, part, perm, 1) != 0) {
                return 1;
            }
        }
    }

    return create_dir(fs, path, perm) < 0 ? fs_fail(fs, "mkdir", path) : 0;
}


static int
cmd_mkdir(fsys_t *fs, int argc, char **argv)
{
    int  c, parents, rc, i;

    parents = 0;
    optind = 0;

    while ((c = getopt(argc, argv, "+p")) != -1) {
        if (c != 'p') {
            return usage_of("mkdir");
        }
        parents = 1;
    }

    if (optind == argc) {
        return usage_of("mkdir");
    }

    rc = 0;

    for (i = optind; i < argc; i++) {
        rc |= make_dir(fs, argv[i], 0777, parents);
    }

    return rc;
}


static int
cmd_touch(fsys_t *fs, int argc, char **argv)
{
    int           i, rc;
    uint32_t      fid;
    fsys_dir_t    d;
    ninep_stat_t  st;

    if (argc < 2) {
        return usage_of("touch");
    }

    rc = 0;

    for (i = 1; i < argc; i++) {
        if (fsys_stat(fs, argv[i], &d) < 0) {
            if (fsys_create(fs, argv[i], 0666, NINEP_OREAD, &fid) < 0) {
                rc |= fs_fail(fs, "create", argv[i]);
                continue;
            }
            fsys_clunk(fs, fid);
            continue;
        }

        fsys_nulldir(&st);
        st.mtime = (uint32_t) time(NULL);

        if (fsys_wstat(fs, argv[i], &st) < 0) {
            rc |= fs_fail(fs, "wstat", argv[i]);
        }
    }

    return rc;
}


/*
 * chmod's mode: octal (the permission bits; a leading 1-7 digit beyond
 * three is refused), or [ugoa]*[+-=][rwxal]+ as Plan 9's chmod takes it
 * (a: append only, l: exclusive use).
 */

static int
parse_mode(const char *s, uint32_t old, uint32_t *mode)
{
    char           *end, op;
    uint32_t        who, bits, m;
    unsigned long   v;

    if (isdigit((unsigned char) *s)) {
        v = strtoul(s, &end, 8);
        if (*end != '\0' || v > 0777) {
            return -1;
        }
        *mode = (old & ~0777U) | (uint32_t) v;
        return 0;
    }

    who = 0;

    for ( ; *s && strchr("ugoa", *s); s++) {
        who |= *s == 'u' ? 0700 : *s == 'g' ? 0070 : *s == 'o' ? 0007
                                                                : 0777;
    }

    who = who ? who : 0777;
    op = *s++;

    if (op != '+' && op != '-' && op != '=') {
        return -1;
    }

    bits = 0;

    for ( ; *s; s++) {
        switch (*s) {
        case 'r': bits |= 0444 & who; break;
        case 'w': bits |= 0222 & who; break;
        case 'x': bits |= 0111 & who; break;
        case 'a': bits |= NINEP_DMAPPEND; break;
        case 'l': bits |= NINEP_DMEXCL; break;
        default: return -1;
        }
    }

    m = old;

    if (op == '+') {
        m |= bits;

    } else if (op == '-') {
        m &= ~bits;

    } else {
        m = (m & ~(who | NINEP_DMAPPEND | NINEP_DMEXCL)) | bits;
    }

    *mode = m;

    return 0;
}


static int
cmd_chmod(fsys_t *fs, int argc, char **argv)
{
    int           i, rc;
    fsys_dir_t    d;
    ninep_stat_t  st;

    if (argc < 3) {
        return usage_of("chmod");
    }

    rc = 0;

    for (i = 2; i < argc; i++) {
        if (fsys_stat(fs, argv[i], &d) < 0) {
            rc |= fs_fail(fs, "stat", argv[i]);
            continue;
        }

        fsys_nulldir(&st);

        if (parse_mode(argv[1], d.st.mode, &st.mode) < 0) {
            return fail("chmod: bad mode \"%s\" (octal like 644, or "
                        "[ugoa][+-=][rwxal] like g+w)", argv[1]);
        }

        if (fsys_wstat(fs, argv[i], &st) < 0) {
            rc |= fs_fail(fs, "wstat", argv[i]);
        }
    }

    return rc;
}


/* chgrp GROUP FILE... and chown USER FILE... */

static int
cmd_chown(fsys_t *fs, int argc, char **argv)
{
    int           i, rc;
    ninep_stat_t  st;

    if (argc < 3) {
        return usage_of(argv[0]);
    }

    rc = 0;

    for (i = 2; i < argc; i++) {
        fsys_nulldir(&st);

        if (strcmp(argv[0], "chgrp") == 0) {
            st.gid = ninep_str(argv[1]);
        } else {
            st.uid = ninep_str(argv[1]);
        }

        if (fsys_wstat(fs, argv[i], &st) < 0) {
            rc |= fs_fail(fs, "wstat", argv[i]);
        }
    }

    return rc;
}


/* ------------------------------------------------------- the namespace */


static int
cmd_ns(fsys_t *fs, int argc, char **argv)
{
    char  *ns;

    (void) argv;

    if (argc != 1) {
        return usage_of("ns");
    }

    ns = fsys_slurp(fs, "/dev/ns", 1 << 20, NULL);
    if (ns == NULL) {
        return fs_fail(fs, "read", "/dev/ns");
    }

    fputs(ns, stdout);
    free(ns);

    return 0;
}


/*
 * bind, mount and unmount: their line, as /lib/namespace has it, written
 * to /dev/nsctl.  The change lasts as long as the session: the rest of a
 * `9p sh` script sees it.
 */

static int
cmd_nsctl(fsys_t *fs, int argc, char **argv)
{
    int     c, i, min, max;
    char    line[P9_LINE], flags[8];
    size_t  n;

    optind = 0;
    flags[0] = '\0';

    while (strcmp(argv[0], "unmount") != 0
           && (c = getopt(argc, argv, "+abc")) != -1)
    {
        if (c == '?') {
            return usage_of(argv[0]);
        }
        if (flags[0] == '\0') {
            strcpy(flags, "-");
        }
        n = strlen(flags);
        flags[n] = (char) c;
        flags[n + 1] = '\0';
    }

    if (strcmp(argv[0], "unmount") == 0) {
        optind = 1;     /* no options: the words start after the verb */
    }

    min = strcmp(argv[0], "unmount") == 0 ? 1 : 2;
    max = strcmp(argv[0], "bind") == 0 ? 2 : min + 1;

    if (argc - optind < min || argc - optind > max) {
        return usage_of(argv[0]);
    }

    n = (size_t) snprintf(line, sizeof(line), "%s%s%s", argv[0],
                          flags[0] ? " " : "", flags);

    for (i = optind; i < argc && n < sizeof(line); i++) {
        if (strpbrk(argv[i], " \t\n") != NULL) {
            return fail("%s: \"%s\": a namespace line cannot hold blanks",
                        argv[0], argv[i]);
        }
        n += (size_t) snprintf(line + n, sizeof(line) - n, " %s", argv[i]);
    }

    if (n >= sizeof(line)) {
        return fail("%s: too long", argv[0]);
    }

    if (fsys_ctl(fs, "/dev/nsctl", line) < 0) {
        /* the kernel's words name the command already */
        n = strlen(argv[0]);
        return strncmp(fs->err, argv[0], n) == 0 && fs->err[n] == ':'
               ? fail("%s", fs->err) : fail("%s: %s", argv[0], fs->err);
    }

    return 0;
}


/* ------------------------------------------------------------ accounts */


/* A password from the terminal without echo, or a line of stdin. */

static int
read_password(const char *prompt, char *buf, size_t len)
{
    int             tty;
    size_t          n;
    struct termios  old, quiet;

    tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;

    if (tty) {
        fprintf(stderr, "%s", prompt);
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t) ECHO;
        (void) tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }

    if (fgets(buf, (int) len, stdin) == NULL) {
        buf[0] = '\0';
    }

    if (tty) {
        (void) tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fprintf(stderr, "\n");
    }

    n = strcspn(buf, "\r\n");
    buf[n] = '\0';

    return n > 0 ? 0 : -1;
}


/* factotum's /rpc: start proto=pass, the password, done ticket=... */

static int
cmd_login(fsys_t *fs, int argc, char **argv)
{
    int        fd;
    char       pass[512], msg[600], *t, *end;
    ssize_t    n;
    uint32_t   fid;

    if (argc != 2) {
        return usage_of("login");
    }

    snprintf(msg, sizeof(msg), "password for %s: ", argv[1]);

    if (read_password(msg, pass, sizeof(pass)) < 0) {
        return fail("login: no password given");
    }

    if (fsys_open(fs, "/dev/factotum/rpc", NINEP_ORDWR, &fid) < 0) {
        sodium_memzero(pass, sizeof(pass));
        return fs_fail(fs, "open", "/dev/factotum/rpc");
    }

    snprintf(msg, sizeof(msg), "start proto=pass user=%s", argv[1]);

    if (fsys_write(fs, fid, 0, (uint8_t *) msg, strlen(msg)) == 0) {
        snprintf(msg, sizeof(msg), "pass %s", pass);
        if (fsys_write(fs, fid, 0, (uint8_t *) msg, strlen(msg)) == 0) {
            n = fsys_read(fs, fid, 0, (uint8_t *) msg, sizeof(msg) - 1);
            msg[n > 0 ? n : 0] = '\0';
        } else {
            n = -1;
        }
    } else {
        n = -1;
    }

    sodium_memzero(pass, sizeof(pass));
    fsys_clunk(fs, fid);

    if (n < 0) {
        return fail("login %s: %s", argv[1], fs->err);
    }

    t = strstr(msg, "ticket=");
    if (t == NULL) {
        return fail("login %s: factotum answered \"%s\"", argv[1], msg);
    }

    t += 7;
    end = t + strcspn(t, " \n");
    *end = '\0';

    if (opts.ticket_file != NULL) {
        fd = open(opts.ticket_file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd < 0 || dprintf(fd, "%s\n", t) < 0 || close(fd) < 0) {
            return fail("login: cannot keep the ticket in %s: %s",
                        opts.ticket_file, strerror(errno));
        }
    }

    printf("%s\n", t);

    return 0;
}


/* factotum removes the ticket; the ticket file goes too. */

static int
cmd_logout(fsys_t *fs, int argc, char **argv)
{
    char  msg[600];

    (void) argv;

    if (argc != 1) {
        return usage_of("logout");
    }

    if (opts.aname == NULL || opts.aname[0] == '\0') {
        return fail("logout: not logged in (no ticket: -A, -t or "
                    "$TEN_TICKET)");
    }

    snprintf(msg, sizeof(msg), "logout %s", opts.aname);

    if (fsys_ctl(fs, "/dev/factotum/ctl", msg) < 0) {
        return fail("logout: %s", fs->err);
    }

    if (opts.ticket_file != NULL && unlink(opts.ticket_file) < 0
        && errno != ENOENT)
    {
        return fail("logout: %s: %s", opts.ticket_file, strerror(errno));
    }

    return 0;
}


static int
own(fsys_t *fs, const char *path, const char *user)
{
    ninep_stat_t  st;

    /* only the owner: ten-vfs lets adm give a file away (wstat(5)'s
       "uid by members of adm") but not choose a group it is not in */
    fsys_nulldir(&st);
    st.uid = ninep_str(user);

    return fsys_wstat(fs, path, &st);
}


/*
 * adduser NAME: a working user in one step, each step said as it is done
 * -- factotum's adduser and setpass, a line NAME:NAME:: in /adm/users,
 * the home /usr/NAME (0755) and /usr/NAME/tmp (0700), both owned by NAME
 * (the group stays /usr's: wstat(5) gives adm the owner, not the group).
 */

static int
cmd_adduser(fsys_t *fs, int argc, char **argv)
{
    int          step;
    char         pass[512], msg[700], home[300], tmp[310], *users;
    size_t       len;
    uint32_t     fid;
    const char  *name;
    static const char *steps[] = {
        "factotum adduser", "password", "/adm/users", "home and tmp",
        "owner"
    };

    if (argc != 2) {
        return usage_of("adduser");
    }

    name = argv[1];
    snprintf(msg, sizeof(msg), "password for %s: ", name);

    if (read_password(msg, pass, sizeof(pass)) < 0) {
        return fail("adduser: no password given");
    }

    snprintf(home, sizeof(home), "/usr/%s", name);
    snprintf(tmp, sizeof(tmp), "/usr/%s/tmp", name);

    for (step = 0; step < 5; step++) {
        switch (step) {

        case 0:
            snprintf(msg, sizeof(msg), "adduser %s", name);
            if (fsys_ctl(fs, "/dev/factotum/ctl", msg) < 0) {
                goto failed;
            }
            break;

        case 1:
            snprintf(msg, sizeof(msg), "setpass %s %s", name, pass);
            sodium_memzero(pass, sizeof(pass));
            if (fsys_ctl(fs, "/dev/factotum/ctl", msg) < 0) {
                sodium_memzero(msg, sizeof(msg));
                goto failed;
            }
            sodium_memzero(msg, sizeof(msg));
            break;

        case 2:
            users = fsys_slurp(fs, "/adm/users", 1 << 20, &len);
            if (users == NULL) {
                goto failed;
            }
            snprintf(msg, sizeof(msg), "%s%s:%s::\n",
                     len > 0 && users[len - 1] != '\n' ? "\n" : "",
                     name, name);
            free(users);
            if (fsys_open(fs, "/adm/users", NINEP_OWRITE, &fid) < 0) {
                goto failed;
            }
            if (fsys_write(fs, fid, len, (uint8_t *) msg, strlen(msg)) < 0) {
                fsys_clunk(fs, fid);
                goto failed;
            }
            fsys_clunk(fs, fid);
            break;

        case 3:
            if (create_dir(fs, home, 0755) < 0 || create_dir(fs, tmp, 0700) < 0) {
                goto failed;
            }
            break;

        case 4:
            /* the inner one first: once the home is theirs, adm may not
               write in it */
            if (own(fs, tmp, name) < 0 || own(fs, home, name) < 0) {
                goto failed;
            }
            break;
        }

        fprintf(stderr, "adduser %s: %s done\n", name, steps[step]);
    }

    return 0;

failed:

    sodium_memzero(pass, sizeof(pass));

    return fail("adduser %s: %s: %s%s", name, steps[step], fs->err,
                step > 0 ? " (the steps before it are done)" : "");
}


/* ----------------------------------------------------------- the table */


static int cmd_sh(fsys_t *fs, int argc, char **argv);
static int cmd_help(fsys_t *fs, int argc, char **argv);


static const p9_cmd_t  cmds[] = {
    { "ls", cmd_ls, "ls [-ld] [path...]" },
    { "read", cmd_read, "read path" },
    { "write", cmd_write, "write [-l] path          (stdin)" },
    { "stat", cmd_stat, "stat path" },
    { "rdwr", cmd_rdwr, "rdwr path" },
    { "cp", cmd_cp, "cp src... dst" },
    { "mv", cmd_mv, "mv src dst" },
    { "rm", cmd_rm, "rm [-r] path..." },
    { "mkdir", cmd_mkdir, "mkdir [-p] path..." },
    { "touch", cmd_touch, "touch path..." },
    { "chmod", cmd_chmod, "chmod mode path..." },
    { "chgrp", cmd_chown, "chgrp group path..." },
    { "chown", cmd_chown, "chown user path..." },
    { "ns", cmd_ns, "ns" },
    { "bind", cmd_nsctl, "bind [-abc] source mountpoint" },
    { "mount", cmd_nsctl, "mount [-abc] service mountpoint [spec]" },
    { "unmount", cmd_nsctl, "unmount [source] mountpoint" },
    { "login", cmd_login, "login user               (password on stdin)" },
    { "logout", cmd_logout, "logout" },
    { "adduser", cmd_adduser, "adduser user             (password on "
                              "stdin)" },
    { "sh", cmd_sh, "sh                       (commands on stdin)" },
    { "help", cmd_help, "help" },
    { NULL, NULL, NULL }
};


static const p9_cmd_t *
find_cmd(const char *name)
{
    const p9_cmd_t  *c;

    for (c = cmds; c->name; c++) {
        if (strcmp(c->name, name) == 0) {
            return c;
        }
    }

    return NULL;
}


static int
usage_of(const char *name)
{
    const p9_cmd_t  *c;

    c = find_cmd(name);
    fprintf(stderr, "usage: 9p [options] %s\n", c ? c->usage : name);

    return 2;
}


static void
usage(FILE *f)
{
    const p9_cmd_t  *c;

    fprintf(f,
        "usage: 9p [-a address] [-A aname] [-t ticket-file] [-u user]\n"
        "          [-k key -T trust [-S server]] [-m msize] command ...\n"
        "  -a address   ws://HOST:PORT/PATH, wss://..., or tcp!HOST!PORT\n"
        "               (default $TEN_URL, else ws://127.0.0.1:$TEN_PORT/9p,"
        "\n"
        "               port 8090)\n"
        "  -A aname     the attach name: a ticket path gives that user's\n"
        "               session; empty: the bootstrap session (none)\n"
        "  -t file      where login keeps the ticket path and the other\n"
        "               commands find it (default $TEN_TICKET)\n"
        "  -u user      the user named in the attach (default none)\n"
        "  -k key       over tcp!: authenticate with ten-auth-1 with this\n"
        "               identity (principal: the file's name without .key)\n"
        "  -T trust     the trust file that pins the server's key\n"
        "  -S server    the server's name in ten-auth-1 (default vfs)\n"
        "  -m msize     the largest message (default %u)\n"
        "commands:\n", P9_MSIZE);

    for (c = cmds; c->name; c++) {
        fprintf(f, "  %s\n", c->usage);
    }
}


static int
cmd_help(fsys_t *fs, int argc, char **argv)
{
    (void) fs;
    (void) argc;
    (void) argv;

    usage(stdout);

    return 0;
}


/* rc's quoting: words split at blanks, '...' quoted, '' a quote. */

static int
split_words(char *line, char **words, int max)
{
    int    n;
    char  *r, *w;

    n = 0;
    r = line;

    for ( ;; ) {
        r += strspn(r, " \t\r\n");

        if (*r == '\0' || *r == '#') {
            return n;
        }

        if (n == max) {
            return -1;
        }

        words[n++] = w = r;

        while (*r && !strchr(" \t\r\n", *r)) {
            if (*r != '\'') {
                *w++ = *r++;
                continue;
            }

            for (r++; ; r++) {
                if (*r == '\0') {
                    return -2;
                }
                if (*r == '\'' && r[1] == '\'') {
                    *w++ = '\'';
                    r++;
                    continue;
                }
                if (*r == '\'') {
                    r++;
                    break;
                }
                *w++ = *r;
            }
        }

        if (*r) {
            r++;
        }

        *w = '\0';
    }
}


static int
run(fsys_t *fs, int argc, char **argv)
{
    const p9_cmd_t  *c;

    c = find_cmd(argv[0]);
    if (c == NULL) {
        return fail("%s: unknown command (9p help lists them)", argv[0]);
    }

    if (c->fn == cmd_login || c->fn == cmd_sh) {
        return fail("%s: not inside 9p sh", argv[0]);
    }

    verb = c->name;

    return c->fn(fs, argc, argv);
}


/* One command per line, in this one session; the last failure's status. */

static int
cmd_sh(fsys_t *fs, int argc, char **argv)
{
    int      n, rc, tty;
    char     line[P9_LINE], *words[P9_ARGS];

    (void) argv;

    if (argc != 1) {
        return usage_of("sh");
    }

    tty = isatty(STDIN_FILENO);
    rc = 0;

    for ( ;; ) {
        if (tty) {
            fprintf(stderr, "9p%% ");
        }

        if (fgets(line, sizeof(line), stdin) == NULL) {
            break;
        }

        n = split_words(line, words, P9_ARGS);

        if (n < 0) {
            rc = fail(n == -1 ? "too many words" : "unmatched quote");
            continue;
        }

        if (n > 0) {
            rc = run(fs, n, words);
            fflush(stdout);
        }

        if (fs->conn == NULL) {
            return fail("the session ended: %s", fs->err);
        }
    }

    return rc;
}


/* ------------------------------------------------------------- session */


/* The ticket path: -A, else the first line of the ticket file. */

static int
find_aname(const char *cmd, char *buf, size_t len)
{
    FILE  *f;

    if (opts.aname != NULL || strcmp(cmd, "login") == 0) {
        return 0;
    }

    /* a ticket is the kernel's; a service dialled with -k gets none */
    if (opts.ticket_file == NULL || opts.key != NULL) {
        opts.aname = "";
        return 0;
    }

    f = fopen(opts.ticket_file, "r");

    if (f == NULL) {
        if (errno == ENOENT) {
            fail("ticket file %s does not exist: log in first with "
                 "9p -t %s login USER", opts.ticket_file, opts.ticket_file);
        } else {
            fail("ticket file %s: %s", opts.ticket_file, strerror(errno));
        }
        return -1;
    }

    if (fgets(buf, (int) len, f) == NULL) {
        buf[0] = '\0';
    }

    fclose(f);
    buf[strcspn(buf, "\r\n")] = '\0';
    opts.aname = buf;

    return 0;
}


/* ten-auth-1 over raw TCP with a key: the principal attaches on fid 0,
   then -u names the user it speaks for. */

static int
dial_with_key(fsys_t *fs, const char *hostport)
{
    int           fd;
    char          principal[256], err[512], *dot;
    uint8_t       sk[TEN_SK_LEN];
    uint32_t      msize;
    ten_trust_t   trust;
    cli_conf_t    conf;
    const ten_principal_t  *srv;

    snprintf(principal, sizeof(principal), "%s", base_name(opts.key));
    dot = strstr(principal, ".key");
    if (dot != NULL) {
        *dot = '\0';
    }

    if (ten_crypto_init() < 0
        || ten_key_load(opts.key, sk, err, sizeof(err)) < 0
        || ten_trust_load(opts.trust, &trust, err, sizeof(err)) < 0)
    {
        return fail("%s", err);
    }

    srv = ten_trust_find(&trust, opts.server);
    if (srv == NULL) {
        return fail("%s does not name the server %s", opts.trust,
                    opts.server);
    }

    memset(&conf, 0, sizeof(conf));
    conf.addr = hostport;
    conf.principal = principal;
    conf.identity = sk;
    conf.server = opts.server;
    conf.server_pk = srv->pk;
    conf.msize = opts.msize;
    conf.timeout_ms = P9_TIMEOUT_MS;

    fd = cli_dial_fd(&conf, 1, 0, &msize, err, sizeof(err));
    sodium_memzero(sk, sizeof(sk));
    ten_trust_free(&trust);

    if (fd < 0) {
        return fail("%s: %s", hostport, err);
    }

    if (fsys_adopt(fs, conn_from_fd(fd), msize, 0) < 0) {
        return fail("%s", fs->err);
    }

    if (opts.uname != NULL && strcmp(opts.uname, principal) != 0
        && fsys_attach(fs, opts.uname, opts.aname) < 0)
    {
        return fail("attach %s: %s", opts.uname, fs->err);
    }

    return 0;
}


static int
dial(fsys_t *fs, const char *cmd)
{
    char     err[512], hostport[300];
    conn_t  *conn;

    if (opts.key != NULL) {
        if (!conn_is_tcp(opts.addr, hostport, sizeof(hostport))) {
            return fail("-k needs a tcp!HOST!PORT address");
        }
        return dial_with_key(fs, hostport);
    }

    conn = conn_dial(opts.addr, P9_TIMEOUT_MS, err, sizeof(err));
    if (conn == NULL) {
        return fail("dial %s: %s", opts.addr, err);
    }

    if (fsys_init(fs, conn, opts.msize) < 0) {
        return fail("version: %s", fs->err);
    }

    if (fsys_attach(fs, opts.uname ? opts.uname : "none",
                    strcmp(cmd, "login") == 0 ? "" : opts.aname) < 0)
    {
        return fail("attach: %s", fs->err);
    }

    return 0;
}


int
main(int argc, char **argv)
{
    int               c, rc;
    char              url[300], aname[1024];
    const char       *port;
    const p9_cmd_t   *cmd;
    fsys_t            fs;

    opts.addr = getenv("TEN_URL");
    opts.ticket_file = getenv("TEN_TICKET");
    opts.server = "vfs";
    opts.msize = P9_MSIZE;

    if (opts.addr == NULL || opts.addr[0] == '\0') {
        port = getenv("TEN_PORT");
        snprintf(url, sizeof(url), "ws://127.0.0.1:%s/9p",
                 port && port[0] ? port : "8090");
        opts.addr = url;
    }

    while ((c = getopt(argc, argv, "+a:A:t:u:k:T:S:m:h")) != -1) {
        switch (c) {
        case 'a': opts.addr = optarg; break;
        case 'A': opts.aname = optarg; break;
        case 't': opts.ticket_file = optarg; break;
        case 'u': opts.uname = optarg; break;
        case 'k': opts.key = optarg; break;
        case 'T': opts.trust = optarg; break;
        case 'S': opts.server = optarg; break;
        case 'm':
            opts.msize = (uint32_t) strtoul(optarg, NULL, 10);
            if (opts.msize < 256) {
                fprintf(stderr, "9p: -m: msize must be at least 256\n");
                return 2;
            }
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }

    if (opts.ticket_file != NULL && opts.ticket_file[0] == '\0') {
        opts.ticket_file = NULL;
    }

    if (opts.key != NULL && opts.trust == NULL) {
        fprintf(stderr, "9p: -k needs -T: a trust file with the server's "
                "key\n");
        return 2;
    }

    if (optind == argc) {
        usage(stderr);
        return 2;
    }

    cmd = find_cmd(argv[optind]);
    if (cmd == NULL) {
        return fail("%s: unknown command (9p -h lists them)", argv[optind]);
    }

    if (cmd->fn == cmd_help) {
        usage(stdout);
        return 0;
    }

    memset(&fs, 0, sizeof(fsys_t));

    if (find_aname(cmd->name, aname, sizeof(aname)) < 0
        || dial(&fs, cmd->name) != 0)
    {
        fsys_free(&fs);
        return 1;
    }

    verb = cmd->name;
    rc = cmd->fn(&fs, argc - optind, argv + optind);

    fsys_free(&fs);

    return rc;
}
