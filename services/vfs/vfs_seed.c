
/*
 * Ten: ten-vfs seeds an empty root from conf/skel/ and conf/skel.perms.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vfs.h"


static int root_is_empty(int rootfd);
static int seed_entry(int rootfd, const char *skel, char *path,
    const char *owner, const char *group, uint32_t mode);
static int copy_file(const char *from, int rootfd, const char *to);


int
vfs_seed(vfs_t *v, const char *skel)
{
    int       lineno, n;
    char      manifest[4096], line[512], path[256], owner[64], group[64];
    FILE     *fp;
    unsigned  mode;

    if (!root_is_empty(v->rootfd)) {
        return 0;
    }

    snprintf(manifest, sizeof(manifest), "%s.perms", skel);

    fp = fopen(manifest, "re");
    if (fp == NULL) {
        srv_log("cannot seed an empty root: %s: %s", manifest,
                strerror(errno));
        return -1;
    }

    lineno = 0;

    while (fgets(line, sizeof(line), fp)) {
        lineno++;

        if (line[0] == '#' || line[strspn(line, " \t\n")] == '\0') {
            continue;
        }

        n = sscanf(line, "%255s %63s %63s %o", path, owner, group, &mode);

        if (n != 4 || path[0] != '/'
            || !ten_valid_name(owner, strlen(owner))
            || !ten_valid_name(group, strlen(group)) || mode > 0777)
        {
            srv_log("%s:%d: expected \"path owner group mode\"", manifest,
                    lineno);
            fclose(fp);
            return -1;
        }

        if (seed_entry(v->rootfd, skel, path, owner, group, mode) < 0) {
            srv_log("%s:%d: seeding %s: %s", manifest, lineno, path,
                    strerror(errno));
            fclose(fp);
            return -1;
        }
    }

    fclose(fp);
    srv_log("seeded the empty root from %s", skel);

    return 0;
}


static int
root_is_empty(int rootfd)
{
    int             fd, empty;
    DIR            *d;
    struct dirent  *de;

    fd = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    d = fd >= 0 ? fdopendir(fd) : NULL;

    if (d == NULL) {
        if (fd >= 0) {
            close(fd);
        }
        return 0;
    }

    empty = 1;

    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
            empty = 0;
            break;
        }
    }

    closedir(d);

    return empty;
}


static int
seed_entry(int rootfd, const char *skel, char *path, const char *owner,
    const char *group, uint32_t mode)
{
    int     fd, rc;
    char    from[4096], *rel;
    size_t  len;

    len = strlen(path);
    rel = path + 1;

    if (path[len - 1] == '/') {
        path[len - 1] = '\0';
        mode |= NINEP_DMDIR;

        if (rel[0] && mkdirat(rootfd, rel, 0700) < 0 && errno != EEXIST) {
            return -1;
        }

    } else {
        snprintf(from, sizeof(from), "%s%s", skel, path);
        if (copy_file(from, rootfd, rel) < 0) {
            return -1;
        }
    }

    fd = openat(rootfd, rel[0] ? rel : ".",
                O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }

    rc = vfs_meta_set(fd, owner, group, owner, &mode);
    close(fd);

    return rc;
}


static int
copy_file(const char *from, int rootfd, const char *to)
{
    int      in, out;
    char     buf[8192];
    ssize_t  n;

    in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        return -1;
    }

    out = openat(rootfd, to, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW
                             | O_CLOEXEC, 0600);
    if (out < 0) {
        close(in);
        return -1;
    }

    while ((n = read(in, buf, sizeof(buf))) > 0) {
        if (write(out, buf, n) != n) {
            n = -1;
            break;
        }
    }

    if (n < 0 || fsync(out) < 0) {
        close(in);
        close(out);
        return -1;
    }

    close(in);

    return close(out);
}
