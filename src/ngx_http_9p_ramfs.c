
/*
 * Ten: the rescue file system (see ngx_http_9p_ramfs.h).  One tree per
 * worker, shared by its rescue sessions; a node lives while it is in the
 * tree or a fid holds it.  Every byte it keeps counts against the bound.
 */

#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_http_9p_ramfs.h"


#define NGX_HTTP_9P_RNODE_COST   256     /* what a node costs, roughly */
#define NGX_HTTP_9P_RNAME_MAX    255


struct ngx_http_9p_rnode_s {
    ngx_http_9p_rnode_t        *parent;
    ngx_http_9p_rnode_t        *child;      /* the first */
    ngx_http_9p_rnode_t        *next;       /* the next sibling */
    ngx_uint_t                  refs;       /* fids, and 1 while linked */
    uint64_t                    path;
    uint32_t                    version;
    uint32_t                    mode;
    uint32_t                    mtime;
    u_char                     *data;
    size_t                      len;
    char                        uid[TEN_NAME_MAX + 1];
    char                        muid[TEN_NAME_MAX + 1];
    u_char                      name[NGX_HTTP_9P_RNAME_MAX + 1];
    size_t                      name_len;
};


typedef struct {
    ngx_http_9p_rnode_t        *root;
    ngx_http_9p_rnode_t        *readme;
    size_t                      used;
    size_t                      max;
    uint64_t                    next_path;
} ngx_http_9p_ramfs_t;


static ngx_http_9p_ramfs_t  ngx_http_9p_ramfs;

static const char  ngx_http_9p_readme[] =
    "This system is in rescue mode.\n"
    "\n"
    "The kernel cannot reach its boot service, which holds the files,\n"
    "/lib/namespace and the tickets, so this session's root is a small\n"
    "file system in the memory of one nginx worker: anything written here\n"
    "is lost when the worker exits and is not seen by other workers.\n"
    "/dev is the kernel's; /dev/factotum is there if factotum answers.\n"
    "New sessions get the usual namespace as soon as the boot service is\n"
    "back.\n"
    "\n"
    "Why: ";


static ngx_http_9p_rnode_t *
ngx_http_9p_rnode_new(ngx_http_9p_rnode_t *dir, u_char *name, size_t len,
    uint32_t mode, const char *user)
{
    ngx_http_9p_rnode_t  *n, **pp;

    if (ngx_http_9p_ramfs.used + NGX_HTTP_9P_RNODE_COST
        > ngx_http_9p_ramfs.max)
    {
        return NULL;
    }

    n = ngx_calloc(sizeof(ngx_http_9p_rnode_t), ngx_cycle->log);
    if (n == NULL) {
        return NULL;
    }

    ngx_http_9p_ramfs.used += NGX_HTTP_9P_RNODE_COST;

    ngx_memcpy(n->name, name, len);
    n->name_len = len;
    n->mode = mode;
    n->mtime = (uint32_t) ngx_time();
    n->path = ++ngx_http_9p_ramfs.next_path;
    n->refs = 1;
    ngx_cpystrn((u_char *) n->uid, (u_char *) user, sizeof(n->uid));
    ngx_cpystrn((u_char *) n->muid, (u_char *) user, sizeof(n->muid));

    if (dir) {
        /* at the end: the positions of directory reads stay put */
        for (pp = &dir->child; *pp; pp = &(*pp)->next) {
            /* void */
        }

        *pp = n;
        n->parent = dir;
        dir->version++;
        dir->mtime = n->mtime;
    }

    return n;
}


ngx_http_9p_rnode_t *
ngx_http_9p_ramfs_root(size_t max, ngx_str_t *reason)
{
    u_char               text[sizeof(ngx_http_9p_readme) + 512], *p;
    ngx_http_9p_ramfs_t  *fs;

    fs = &ngx_http_9p_ramfs;
    fs->max = max;

    if (fs->root == NULL) {
        fs->root = ngx_http_9p_rnode_new(NULL, (u_char *) "/", 1,
                                         NINEP_DMDIR | 0777, "none");
        if (fs->root == NULL) {
            return NULL;
        }

        fs->readme = ngx_http_9p_rnode_new(fs->root, (u_char *) "README", 6,
                                           0444, "none");
        if (fs->readme == NULL) {
            /* no tree without its README: the next attach tries afresh */
            ngx_http_9p_rnode_unref(fs->root);
            fs->root = NULL;
            return NULL;
        }
    }

    /* the README says why, as of the latest rescue attach */
    p = ngx_snprintf(text, sizeof(text) - 1, "%s%V\n", ngx_http_9p_readme,
                     reason);

    if ((size_t) (p - text) != fs->readme->len
        || ngx_memcmp(text, fs->readme->data, p - text) != 0)
    {
        fs->used -= fs->readme->len;
        fs->readme->len = 0;
        (void) ngx_http_9p_rnode_write(fs->readme, 0, text, p - text,
                                       "none");
    }

    return fs->root;
}


void
ngx_http_9p_rnode_ref(ngx_http_9p_rnode_t *n)
{
    n->refs++;
}


void
ngx_http_9p_rnode_unref(ngx_http_9p_rnode_t *n)
{
    if (--n->refs > 0) {
        return;
    }

    /* unlinked and unused: its children went before it */
    ngx_http_9p_ramfs.used -= NGX_HTTP_9P_RNODE_COST + n->len;

    ngx_free(n->data);
    ngx_free(n);
}


ngx_http_9p_rnode_t *
ngx_http_9p_rnode_walk(ngx_http_9p_rnode_t *n, u_char *name, size_t len)
{
    ngx_http_9p_rnode_t  *c;

    if (len == 2 && name[0] == '.' && name[1] == '.') {
        return n->parent ? n->parent : n;
    }

    for (c = n->child; c; c = c->next) {
        if (c->name_len == len && ngx_memcmp(c->name, name, len) == 0) {
            return c;
        }
    }

    return NULL;
}


ngx_uint_t
ngx_http_9p_rnode_isdir(ngx_http_9p_rnode_t *n)
{
    return (n->mode & NINEP_DMDIR) != 0;
}


void
ngx_http_9p_rnode_qid(ngx_http_9p_rnode_t *n, ninep_qid_t *qid)
{
    qid->type = ngx_http_9p_rnode_isdir(n) ? NINEP_QTDIR : NINEP_QTFILE;
    qid->version = n->version;
    /* apart from the kernel's own files' paths */
    qid->path = 0x52000000000000ULL | n->path;
}


void
ngx_http_9p_rnode_stat(ngx_http_9p_rnode_t *n, ninep_stat_t *st)
{
    ngx_memzero(st, sizeof(ninep_stat_t));
    ngx_http_9p_rnode_qid(n, &st->qid);
    st->mode = n->mode;
    st->atime = n->mtime;
    st->mtime = n->mtime;
    st->length = ngx_http_9p_rnode_isdir(n) ? 0 : n->len;
    st->name.data = n->name;
    st->name.len = (uint16_t) n->name_len;
    st->uid = ninep_str(n->uid);
    st->gid = ninep_str(n->uid);
    st->muid = ninep_str(n->muid);
}


const char *
ngx_http_9p_rnode_open(ngx_http_9p_rnode_t *n, uint8_t mode)
{
    ngx_uint_t  writes;

    writes = (mode & 3) != NINEP_OREAD || (mode & NINEP_OTRUNC);

    if ((mode & 3) == NINEP_OEXEC
        || (writes && (ngx_http_9p_rnode_isdir(n) || !(n->mode & 0222))))
    {
        return "permission denied";
    }

    if (mode & NINEP_OTRUNC) {
        ngx_http_9p_ramfs.used -= n->len;
        n->len = 0;
        n->version++;
        n->mtime = (uint32_t) ngx_time();
    }

    return NULL;
}


const char *
ngx_http_9p_rnode_create(ngx_http_9p_rnode_t *dir, u_char *name,
    size_t len, uint32_t perm, const char *user, ngx_http_9p_rnode_t **out)
{
    ngx_http_9p_rnode_t  *n;

    if (!ngx_http_9p_rnode_isdir(dir)) {
        return "not a directory";
    }

    if (len == 0 || len > NGX_HTTP_9P_RNAME_MAX
        || (len == 1 && name[0] == '.')
        || (len == 2 && name[0] == '.' && name[1] == '.')
        || ngx_strlchr(name, name + len, '/'))
    {
        return "invalid file name";
    }

    if (ngx_http_9p_rnode_walk(dir, name, len)) {
        return "file already exists";
    }

    n = ngx_http_9p_rnode_new(dir, name, len,
                              (perm & NINEP_DMDIR) | (perm & 0777), user);
    if (n == NULL) {
        return "file system is full";
    }

    n->refs++;
    *out = n;

    return NULL;
}


const char *
ngx_http_9p_rnode_write(ngx_http_9p_rnode_t *n, uint64_t offset,
    const u_char *data, size_t len, const char *user)
{
    u_char  *p;
    size_t   end, grow;

    if (offset > ngx_http_9p_ramfs.max) {
        return "file system is full";
    }

    end = (size_t) offset + len;
    grow = end > n->len ? end - n->len : 0;

    if (ngx_http_9p_ramfs.used + grow > ngx_http_9p_ramfs.max) {
        return "file system is full";
    }

    if (grow) {
        p = ngx_alloc(end, ngx_cycle->log);
        if (p == NULL) {
            return "out of memory";
        }

        if (n->data) {
            ngx_memcpy(p, n->data, n->len);
            ngx_free(n->data);
        }

        /* a hole reads as zeros */
        ngx_memzero(p + n->len, end - n->len);
        n->data = p;
        n->len = end;
        ngx_http_9p_ramfs.used += grow;
    }

    ngx_memcpy(n->data + offset, data, len);
    n->version++;
    n->mtime = (uint32_t) ngx_time();
    ngx_cpystrn((u_char *) n->muid, (u_char *) user, sizeof(n->muid));

    return NULL;
}


const char *
ngx_http_9p_rnode_remove(ngx_http_9p_rnode_t *n)
{
    ngx_http_9p_rnode_t  **pp;

    if (n->parent == NULL || n == ngx_http_9p_ramfs.readme) {
        return "permission denied";
    }

    if (n->child) {
        return "directory is not empty";
    }

    for (pp = &n->parent->child; *pp; pp = &(*pp)->next) {
        if (*pp == n) {
            *pp = n->next;
            break;
        }
    }

    n->parent->version++;
    n->parent->mtime = (uint32_t) ngx_time();
    n->parent = NULL;
    n->next = NULL;

    /* the tree's own reference */
    ngx_http_9p_rnode_unref(n);

    return NULL;
}


/* Name, mode bits, length and mtime; the rest must be "don't touch". */

const char *
ngx_http_9p_rnode_wstat(ngx_http_9p_rnode_t *n, ninep_stat_t *st)
{
    const char  *e;

    if (n == ngx_http_9p_ramfs.root || n == ngx_http_9p_ramfs.readme) {
        return "permission denied";
    }

    if (st->name.len
        && (st->name.len != n->name_len
            || ngx_memcmp(st->name.data, n->name, n->name_len) != 0))
    {
        if (st->name.len > NGX_HTTP_9P_RNAME_MAX
            || ngx_strlchr((u_char *) st->name.data,
                           (u_char *) st->name.data + st->name.len, '/'))
        {
            return "invalid file name";
        }

        if (ngx_http_9p_rnode_walk(n->parent, (u_char *) st->name.data,
                                   st->name.len))
        {
            return "file already exists";
        }
    }

    if (st->length != (uint64_t) -1 && ngx_http_9p_rnode_isdir(n)
        && st->length != 0)
    {
        return "cannot change the length of a directory";
    }

    if (st->length != (uint64_t) -1 && st->length > n->len) {
        e = ngx_http_9p_rnode_write(n, st->length - 1, (u_char *) "", 1,
                                    n->muid);
        if (e) {
            return e;
        }
    }

    /* every check passed: apply */
    if (st->name.len) {
        ngx_memcpy(n->name, st->name.data, st->name.len);
        n->name_len = st->name.len;
    }

    if (st->mode != (uint32_t) -1) {
        n->mode = (n->mode & NINEP_DMDIR) | (st->mode & 0777);
    }

    if (st->length != (uint64_t) -1 && st->length < n->len) {
        ngx_http_9p_ramfs.used -= n->len - st->length;
        n->len = (size_t) st->length;
    }

    if (st->mtime != (uint32_t) -1) {
        n->mtime = st->mtime;
    }

    n->version++;

    return NULL;
}


size_t
ngx_http_9p_rnode_read(ngx_http_9p_rnode_t *n, uint64_t offset, u_char *buf,
    size_t len)
{
    if (offset >= n->len) {
        return 0;
    }

    len = ngx_min(len, n->len - (size_t) offset);
    ngx_memcpy(buf, n->data + offset, len);

    return len;
}


size_t
ngx_http_9p_rnode_readdir(ngx_http_9p_rnode_t *n, ngx_uint_t *at, u_char *buf,
    size_t len)
{
    size_t                k, used;
    ngx_uint_t            i;
    ninep_stat_t          st;
    ngx_http_9p_rnode_t  *c;

    for (c = n->child, i = 0; c && i < *at; c = c->next, i++) {
        /* void */
    }

    for (used = 0; c; c = c->next, (*at)++) {
        ngx_http_9p_rnode_stat(c, &st);
        k = ninep_stat_size(&st);

        if (used + k > len) {
            break;
        }

        used += ninep_stat_pack(&st, buf + used, len - used);
    }

    return used;
}
