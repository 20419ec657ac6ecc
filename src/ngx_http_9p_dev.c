
/*
 * Ten: the kernel's own files.
 *
 * The root of the bootstrap namespace (a directory holding "dev") and the
 * kernel device bound at /dev: user, sysname, ns, nsctl.  Directory reads
 * also list the mount points below a kernel directory.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_9p.h"
#include "ngx_http_9p_dev.h"


/* kernel qids: paths of their own, the type in the top byte */
#define NGX_HTTP_9P_DEV_QPATH(f)   (0x7e9c000000000000ULL | (f))


typedef struct {
    ngx_str_t       name;
    ngx_uint_t      parent;
    uint32_t        mode;
} ngx_http_9p_devinfo_t;


static ngx_http_9p_devinfo_t  ngx_http_9p_devs[] = {
    { ngx_null_string, 0, 0 },
    { ngx_string("/"), 0, NINEP_DMDIR | 0555 },
    { ngx_string("dev"), 0, NINEP_DMDIR | 0555 },
    { ngx_string("user"), NGX_HTTP_9P_DEV_DIR, 0444 },
    { ngx_string("sysname"), NGX_HTTP_9P_DEV_DIR, 0444 },
    { ngx_string("ns"), NGX_HTTP_9P_DEV_DIR, 0444 },
    { ngx_string("nsctl"), NGX_HTTP_9P_DEV_DIR, 0666 },
};


ngx_uint_t
ngx_http_9p_dev_lookup(ngx_uint_t dir, u_char *name, size_t len)
{
    ngx_uint_t  i;

    for (i = NGX_HTTP_9P_DEV_USER; i <= NGX_HTTP_9P_DEV_NSCTL; i++) {
        if (ngx_http_9p_devs[i].parent == dir
            && ngx_http_9p_devs[i].name.len == len
            && ngx_strncmp(ngx_http_9p_devs[i].name.data, name, len) == 0)
        {
            return i;
        }
    }

    return NGX_HTTP_9P_DEV_NONE;
}


ngx_uint_t
ngx_http_9p_dev_isdir(ngx_uint_t file)
{
    return (ngx_http_9p_devs[file].mode & NINEP_DMDIR) != 0;
}


void
ngx_http_9p_dev_qid(ngx_uint_t file, ninep_qid_t *qid)
{
    qid->type = ngx_http_9p_dev_isdir(file) ? NINEP_QTDIR : NINEP_QTFILE;
    qid->version = 0;
    qid->path = NGX_HTTP_9P_DEV_QPATH(file);
}


/* name: the file's name, or a mount point's; owned by the user. */

void
ngx_http_9p_dev_stat(ngx_uint_t file, ngx_str_t *name, const char *user,
    ninep_stat_t *st)
{
    ngx_memzero(st, sizeof(ninep_stat_t));

    ngx_http_9p_dev_qid(file, &st->qid);
    st->mode = ngx_http_9p_devs[file].mode;
    st->atime = (uint32_t) ngx_time();
    st->mtime = st->atime;
    st->name.data = name ? name->data : ngx_http_9p_devs[file].name.data;
    st->name.len = (uint16_t) (name ? name->len
                                    : ngx_http_9p_devs[file].name.len);
    st->uid = ninep_str(user);
    st->gid = ninep_str(user);
    st->muid = ninep_str(user);
}


/*
 * A directory's entries as stat(5) records: its files, then the mount
 * points one level below it (path) that are not among them.
 */

ssize_t
ngx_http_9p_dev_dir(ngx_uint_t dir, ngx_str_t *path, ngx_array_t *mounts,
    const char *user, u_char *buf, size_t len)
{
    u_char        *p, *end;
    size_t         n;
    ngx_str_t      nm, *mp, *prev;
    ngx_uint_t     i, j, seen;
    ninep_stat_t   st;

    p = buf;
    end = buf + len;

    for (i = NGX_HTTP_9P_DEV_USER; i <= NGX_HTTP_9P_DEV_NSCTL; i++) {
        if (ngx_http_9p_devs[i].parent != dir) {
            continue;
        }

        ngx_http_9p_dev_stat(i, NULL, user, &st);
        n = ninep_stat_size(&st);

        if ((size_t) (end - p) < n) {
            return -1;
        }

        p += ninep_stat_pack(&st, p, n);
    }

    for (i = 0; i < mounts->nelts; i++) {
        /* each mount entry starts with its path */
        mp = ((ngx_str_t **) mounts->elts)[i];

        if (mp->len <= path->len
            || ngx_strncmp(mp->data, path->data, path->len) != 0
            || (path->len > 1 && mp->data[path->len] != '/'))
        {
            continue;
        }

        nm.data = mp->data + path->len + (path->len > 1);
        nm.len = mp->len - (nm.data - mp->data);

        if (nm.len == 0 || ngx_strlchr(nm.data, nm.data + nm.len, '/')) {
            continue;
        }

        seen = ngx_http_9p_dev_lookup(dir, nm.data, nm.len);

        for (j = 0; j < i && !seen; j++) {
            prev = ((ngx_str_t **) mounts->elts)[j];
            seen = (prev->len == mp->len
                    && ngx_strncmp(prev->data, mp->data, mp->len) == 0);
        }

        if (seen) {
            continue;
        }

        ngx_http_9p_dev_stat(NGX_HTTP_9P_DEV_DIR, &nm, user, &st);
        n = ninep_stat_size(&st);

        if ((size_t) (end - p) < n) {
            return -1;
        }

        p += ninep_stat_pack(&st, p, n);
    }

    return p - buf;
}
