
/*
 * Ten: the mount table as plain data, after 9front's Pgrp and Mhead: a
 * namespace is an ordered table of entries, each a mount of a service, a
 * bind of a directory already in the namespace, or a kernel directory.
 * Entries at one path are a union, in table order.  Placing an entry
 * (-b before the union, -a after it, neither: in its place), unmounting,
 * looking up the mount of a path and writing the table as /dev/ns text
 * are synchronous and do no I/O: an entry that leaves the table is handed
 * to the namespace's drop function, which lets go of what it holds.
 */

#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_http_9p_mnt.h"


static ngx_uint_t ngx_http_9p_member_is(ngx_http_9p_mount_t *m,
    ngx_str_t *src);
static u_char *ngx_http_9p_ns_line(ngx_http_9p_mount_t *m, u_char flag,
    u_char *p, u_char *end);


ngx_http_9p_ns_t *
ngx_http_9p_ns_create(ngx_log_t *log, ngx_http_9p_drop_pt drop)
{
    ngx_pool_t        *pool;
    ngx_http_9p_ns_t  *ns;

    pool = ngx_create_pool(1024, log);
    if (pool == NULL) {
        return NULL;
    }

    ns = ngx_pcalloc(pool, sizeof(ngx_http_9p_ns_t));

    if (ns == NULL
        || ngx_array_init(&ns->mounts, pool, 8,
                          sizeof(ngx_http_9p_mount_t *))
           != NGX_OK)
    {
        ngx_destroy_pool(pool);
        return NULL;
    }

    ns->refs = 1;
    ns->pool = pool;
    ns->drop = drop;

    return ns;
}


void
ngx_http_9p_ns_unref(ngx_http_9p_ns_t *ns)
{
    ngx_uint_t             i;
    ngx_http_9p_mount_t  **m;

    if (--ns->refs > 0) {
        return;
    }

    m = ns->mounts.elts;

    for (i = 0; i < ns->mounts.nelts; i++) {
        ns->drop(m[i]);
    }

    ngx_destroy_pool(ns->pool);
}


ngx_http_9p_mount_t *
ngx_http_9p_mount_new(ngx_http_9p_ns_t *ns, u_char *path, size_t len,
    ngx_uint_t dev, ngx_http_9p_service_t *svc)
{
    ngx_http_9p_mount_t  *m;

    m = ngx_pcalloc(ns->pool, sizeof(ngx_http_9p_mount_t));
    if (m == NULL) {
        return NULL;
    }

    m->path.data = ngx_pnalloc(ns->pool, len + 1);
    if (m->path.data == NULL) {
        return NULL;
    }

    m->path.len = ngx_http_9p_path_clean(m->path.data, path, len);
    m->dev = dev;
    m->service = svc;
    m->bfid = NINEP_NOFID;

    if (dev) {
        ngx_http_9p_dev_qid(dev, &m->qid);
    }

    return m;
}


/*
 * A path as the walks see it: rooted, no "//", ".", ".." or trailing "/".
 * dst may be src: the words move only to the left.
 */

size_t
ngx_http_9p_path_clean(u_char *dst, u_char *src, size_t len)
{
    u_char  *p, *end, *name;
    size_t   n;

    n = 0;
    end = src + len;

    for (p = src; p < end; /* void */) {
        while (p < end && *p == '/') {
            p++;
        }

        name = p;

        while (p < end && *p != '/') {
            p++;
        }

        if (p == name || (p - name == 1 && name[0] == '.')) {
            continue;
        }

        if (p - name == 2 && name[0] == '.' && name[1] == '.') {
            while (n > 0 && dst[n - 1] != '/') {
                n--;
            }

            n -= (n > 0);
            continue;
        }

        dst[n++] = '/';
        ngx_memmove(dst + n, name, p - name);
        n += p - name;
    }

    if (n == 0) {
        dst[n++] = '/';
    }

    return n;
}


ngx_uint_t
ngx_http_9p_same_point(ngx_http_9p_mount_t *a, ngx_http_9p_mount_t *b)
{
    return a == b
           || (a->path.len == b->path.len
               && ngx_strncmp(a->path.data, b->path.data, a->path.len) == 0);
}


ngx_http_9p_mount_t *
ngx_http_9p_union_next(ngx_http_9p_ns_t *ns, ngx_http_9p_mount_t *m)
{
    ngx_uint_t             i;
    ngx_http_9p_mount_t  **mp;

    mp = ns->mounts.elts;

    for (i = 0; i < ns->mounts.nelts && mp[i] != m; i++) {
        /* void */
    }

    for (i++; i < ns->mounts.nelts; i++) {
        if (ngx_http_9p_same_point(mp[i], m)) {
            return mp[i];
        }
    }

    return NULL;
}


/*
 * A made entry joins the table: with -b before the union at its point,
 * with -a after it, with neither in its place.
 */

ngx_int_t
ngx_http_9p_ns_place(ngx_http_9p_ns_t *ns, ngx_http_9p_mount_t *m)
{
    ngx_uint_t             i, at, first, found;
    ngx_http_9p_mount_t  **mp;

    mp = ns->mounts.elts;
    found = 0;
    first = 0;
    at = 0;

    for (i = ns->mounts.nelts; i > 0; i--) {
        if (!ngx_http_9p_same_point(mp[i - 1], m)) {
            continue;
        }

        if (m->before || m->after) {
            at = found ? at : i;
            first = i - 1;
            found = 1;
            continue;
        }

        ns->drop(mp[i - 1]);
        ngx_memmove(&mp[i - 1], &mp[i],
                    (ns->mounts.nelts - i) * sizeof(*mp));
        ns->mounts.nelts--;
    }

    if (ns->mounts.nelts == NGX_HTTP_9P_MOUNTS_MAX
        || ngx_array_push(&ns->mounts) == NULL)
    {
        return NGX_ERROR;
    }

    mp = ns->mounts.elts;

    if (!found) {
        at = ns->mounts.nelts - 1;

    } else if (m->before) {
        at = first;
    }

    ngx_memmove(&mp[at + 1], &mp[at],
                (ns->mounts.nelts - 1 - at) * sizeof(*mp));
    mp[at] = m;

    return NGX_OK;
}


/* Whether member m is what an unmount's source names. */

static ngx_uint_t
ngx_http_9p_member_is(ngx_http_9p_mount_t *m, ngx_str_t *src)
{
    ngx_str_t  *name;

    name = m->source.len ? &m->source
           : m->service ? &m->service->name : NULL;

    if (name == NULL) {
        /* a kernel directory */
        return (src->len == 2 && ngx_strncmp(src->data, "#c", 2) == 0)
               || (src->len == 4 && ngx_strncmp(src->data, "'#c'", 4) == 0);
    }

    return name->len == src->len
           && ngx_strncmp(name->data, src->data, src->len) == 0;
}


/*
 * "unmount [source] point": the member from source, or the whole union.
 * The root keeps its last member.  How many went.
 */

ngx_uint_t
ngx_http_9p_ns_unmount(ngx_http_9p_ns_t *ns, ngx_http_9p_mount_t *u)
{
    ngx_uint_t             i, n, left;
    ngx_http_9p_mount_t  **mp;

    mp = ns->mounts.elts;
    left = 0;

    for (i = 0; i < ns->mounts.nelts; i++) {
        left += ngx_http_9p_same_point(mp[i], u);
    }

    for (i = 0, n = 0; i < ns->mounts.nelts; /* void */) {
        if (!ngx_http_9p_same_point(mp[i], u)
            || (u->source.len && !ngx_http_9p_member_is(mp[i], &u->source))
            || (u->path.len == 1 && left == 1))
        {
            i++;
            continue;
        }

        ns->drop(mp[i]);
        ngx_memmove(&mp[i], &mp[i + 1],
                    (ns->mounts.nelts - i - 1) * sizeof(*mp));
        ns->mounts.nelts--;
        left--;
        n++;
    }

    return n;
}


ngx_http_9p_mount_t *
ngx_http_9p_mount_beside(ngx_http_9p_ns_t *ns, u_char *path, size_t len,
    ngx_http_9p_mount_t *except)
{
    ngx_uint_t             i;
    ngx_http_9p_mount_t  **m, *best;

    m = ns->mounts.elts;
    best = NULL;

    for (i = 0; i < ns->mounts.nelts; i++) {
        if (except && ngx_http_9p_same_point(m[i], except)) {
            continue;
        }

        if (m[i]->path.len == 1
            || (len >= m[i]->path.len
                && ngx_strncmp(path, m[i]->path.data, m[i]->path.len) == 0
                && (len == m[i]->path.len || path[m[i]->path.len] == '/')))
        {
            /* the longest; of a union, its first member */
            if (best == NULL || m[i]->path.len > best->path.len) {
                best = m[i];
            }
        }
    }

    return best;
}


ngx_uint_t
ngx_http_9p_child_point(ngx_http_9p_mount_t *m, u_char *path, size_t len,
    ngx_str_t *name)
{
    u_char  *p, *end;

    if (m->path.len <= len
        || ngx_strncmp(m->path.data, path, len) != 0
        || (len > 1 && m->path.data[len] != '/'))
    {
        return 0;
    }

    p = m->path.data + len + (len > 1);
    end = m->path.data + m->path.len;

    if (p == end || ngx_strlchr(p, end, '/')) {
        return 0;
    }

    if (name) {
        name->data = p;
        name->len = end - p;
    }

    return 1;
}


/*
 * The namespace as lines that make it again: each union where its first
 * member was placed, members before what -a or -b joined in reverse with
 * -b, the others with -a.
 */

u_char *
ngx_http_9p_ns_text(ngx_http_9p_ns_t *ns, u_char *p, u_char *end)
{
    ngx_uint_t             i, j, k, under;
    ngx_http_9p_mount_t  **m;

    m = ns->mounts.elts;

    for (i = 0; i < ns->mounts.nelts; i++) {
        for (j = 0; j < i && !ngx_http_9p_same_point(m[j], m[i]); j++) {
            /* void */
        }

        if (j < i) {
            continue;   /* its union is written */
        }

        under = i;      /* what -a or -b joined; with none, the first */

        for (j = i; j < ns->mounts.nelts; j++) {
            if (m[j]->implicit && ngx_http_9p_same_point(m[j], m[i])) {
                under = j;
            }
        }

        for (k = under; k > i; k--) {
            if (ngx_http_9p_same_point(m[k - 1], m[i])) {
                p = ngx_http_9p_ns_line(m[k - 1], 'b', p, end);
            }
        }

        for (j = under; j < ns->mounts.nelts; j++) {
            if (ngx_http_9p_same_point(m[j], m[i])) {
                p = ngx_http_9p_ns_line(m[j], (j == i) ? 0 : 'a', p, end);
            }
        }
    }

    return p;
}


/* One entry as a line of /lib/namespace; flag is 'a', 'b' or 0. */

static u_char *
ngx_http_9p_ns_line(ngx_http_9p_mount_t *m, u_char flag, u_char *p,
    u_char *end)
{
    u_char  flags[4], *f;

    static ngx_str_t  kernel = ngx_string("'#c'");

    if (m->dev == NGX_HTTP_9P_DEV_ROOT || m->ram || m->implicit) {
        return p;
    }

    f = flags;

    if (flag || m->create) {
        *f++ = '-';
        f = flag ? ngx_cpymem(f, &flag, 1) : f;
        f = m->create ? ngx_cpymem(f, "c", 1) : f;
        *f++ = ' ';
    }

    if (m->source.len || m->dev) {
        return ngx_slprintf(p, end, "bind %*s%V %V\n", f - flags, flags,
                            m->source.len ? &m->source : &kernel, &m->path);
    }

    return ngx_slprintf(p, end, "mount %*s%V %V%s%V\n", f - flags, flags,
                        &m->service->name, &m->path,
                        m->spec.len ? " " : "", &m->spec);
}


/* path + "/" + name, or the lexical parent for ".." ("/" stays "/"). */

size_t
ngx_http_9p_path_join(u_char *buf, u_char *path, size_t len, ngx_str_t *name)
{
    if (name->len == 2 && name->data[0] == '.' && name->data[1] == '.') {
        while (len > 1 && path[len - 1] != '/') {
            len--;
        }

        len -= (len > 1);
        ngx_memmove(buf, path, len);
        return len;
    }

    ngx_memmove(buf, path, len);

    if (name->len == 1 && name->data[0] == '.') {
        return len;
    }

    if (len > 1) {
        buf[len++] = '/';
    }

    ngx_memcpy(buf + len, name->data, name->len);

    return len + name->len;
}


ngx_int_t
ngx_http_9p_path_wnames(ninep_fcall_t *t, ngx_http_9p_mount_t *m,
    u_char *path, size_t len)
{
    size_t  skip;

    skip = (m->path.len == 1) ? 0 : m->path.len;

    return ngx_http_9p_path_split(t, path + skip, len - skip);
}


ngx_int_t
ngx_http_9p_path_split(ninep_fcall_t *t, u_char *path, size_t len)
{
    u_char  *p, *end, *name;

    end = path + len;

    for (p = path; p < end; p++) {
        if (*p == '/') {
            continue;
        }

        name = p;

        while (p < end && *p != '/') {
            p++;
        }

        if (t->nwname == NINEP_MAXWELEM) {
            return NGX_ERROR;
        }

        t->wname[t->nwname].data = name;
        t->wname[t->nwname].len = (uint16_t) (p - name);
        t->nwname++;
    }

    return NGX_OK;
}
