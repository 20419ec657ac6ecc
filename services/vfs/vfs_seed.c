
/*
 * Ten: ten-vfs seeds an empty root from conf/skel/ and conf/skel.perms.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vfs.h"


static int root_is_empty(vfs_t *v);
static int seed_entry(vfs_t *v, const char *skel, char *path,
    const char *owner, const char *group, uint32_t mode);
static int copy_file(vfs_t *v, const char *from, const char *to);
static vfs_node_t *make_at(vfs_t *v, const char *rel, int dir);
static int make_dir(vfs_t *v, const char *rel);


int
vfs_seed(vfs_t *v, const char *skel)
{
    int       lineno, n;
    char      manifest[4096], line[512], path[256], owner[64], group[64];
    FILE     *fp;
    unsigned  mode;

    if (!root_is_empty(v)) {
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

        if (seed_entry(v, skel, path, owner, group, mode) < 0) {
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
root_is_empty(vfs_t *v)
{
    int           rc;
    char          name[NAME_MAX + 1];
    ino_t         ino;
    vfs_dir_t    *d;
    vfs_store_t  *s;

    s = v->store;

    d = s->ops->opendir(s, s->root);
    if (d == NULL) {
        return 0;
    }

    rc = s->ops->readdir(d, name, &ino);
    s->ops->closedir(d);

    return rc == 0;
}


/* The directory or file path names (from the root) made, with metadata. */

static int
seed_entry(vfs_t *v, const char *skel, char *path, const char *owner,
    const char *group, uint32_t mode)
{
    int           rc;
    char          from[4096], *rel;
    size_t        len;
    vfs_node_t   *n;
    vfs_store_t  *s;

    s = v->store;
    len = strlen(path);
    rel = path + 1;

    if (path[len - 1] == '/') {
        path[len - 1] = '\0';
        mode |= NINEP_DMDIR;

        if (rel[0] && make_dir(v, rel) < 0) {
            return -1;
        }

    } else {
        snprintf(from, sizeof(from), "%s%s", skel, path);
        if (copy_file(v, from, rel) < 0) {
            return -1;
        }
    }

    n = s->ops->resolve(s, s->root, rel);
    if (n == NULL) {
        return -1;
    }

    rc = vfs_meta_set(v, n, owner, group, owner, &mode);
    s->ops->put(s, n);

    return rc;
}


/* A new directory (dir) or empty file rel, in a directory that exists. */

static vfs_node_t *
make_at(vfs_t *v, const char *rel, int dir)
{
    char         *parent, *slash;
    vfs_node_t   *d, *n;
    vfs_store_t  *s;

    s = v->store;

    parent = strdup(rel);
    if (parent == NULL) {
        return NULL;
    }

    slash = strrchr(parent, '/');
    if (slash) {
        *slash = '\0';
    }

    d = s->ops->resolve(s, s->root, slash ? parent : "");
    n = NULL;

    if (d) {
        rel = slash ? rel + (slash - parent) + 1 : rel;
        n = dir ? s->ops->mkdir(s, d, rel) : s->ops->create(s, d, rel);
        s->ops->put(s, d);
    }

    free(parent);

    return n;
}


static int
make_dir(vfs_t *v, const char *rel)
{
    vfs_node_t  *n;

    n = make_at(v, rel, 1);

    if (n == NULL) {
        return errno == EEXIST ? 0 : -1;
    }

    v->store->ops->put(v->store, n);

    return 0;
}


static int
copy_file(vfs_t *v, const char *from, const char *to)
{
    int           in, rc;
    char          buf[8192];
    off_t         off;
    ssize_t       n;
    vfs_node_t   *node;
    vfs_file_t   *out;
    vfs_store_t  *s;

    s = v->store;

    in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        return -1;
    }

    node = make_at(v, to, 0);
    out = node ? s->ops->open(s, node, O_WRONLY) : NULL;
    s->ops->put(s, node);

    if (out == NULL) {
        close(in);
        return -1;
    }

    off = 0;

    while ((n = read(in, buf, sizeof(buf))) > 0) {
        if (s->ops->pwrite(out, buf, n, off) != n) {
            n = -1;
            break;
        }
        off += n;
    }

    rc = (n < 0 || s->ops->fsync(out) < 0) ? -1 : 0;

    close(in);
    s->ops->close(out);

    return rc;
}
