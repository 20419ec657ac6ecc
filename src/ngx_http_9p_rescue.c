
/*
 * Ten: the rescue tree (the nodes of ngx_http_9p_ramfs.c) as a kind of
 * file.  It is in the worker's memory: every request is answered at once.
 * A fid holds a reference on its node, so a removed file stays readable
 * by the fids that have it, as on a disk.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_9p_rescue.h"


static ngx_int_t ngx_http_9p_rescue_open(ngx_http_9p_session_t *s,
    ngx_http_9p_fid_t *f, ninep_fcall_t *t);
static ngx_int_t ngx_http_9p_rescue_create(ngx_http_9p_session_t *s,
    ngx_http_9p_fid_t *f, ninep_fcall_t *t);
static ngx_int_t ngx_http_9p_rescue_opened(ngx_http_9p_session_t *s,
    ngx_http_9p_fid_t *f, ninep_fcall_t *t);
static ngx_int_t ngx_http_9p_rescue_read(ngx_http_9p_session_t *s,
    ngx_http_9p_fid_t *f, ninep_fcall_t *t);
static ngx_int_t ngx_http_9p_rescue_write(ngx_http_9p_session_t *s,
    ngx_http_9p_fid_t *f, ninep_fcall_t *t);
static ngx_int_t ngx_http_9p_rescue_clunk(ngx_http_9p_session_t *s,
    ngx_http_9p_fid_t *f, ninep_fcall_t *t);
static ngx_int_t ngx_http_9p_rescue_stat(ngx_http_9p_session_t *s,
    ngx_http_9p_fid_t *f, ninep_fcall_t *t);
static ngx_int_t ngx_http_9p_rescue_wstat(ngx_http_9p_session_t *s,
    ngx_http_9p_fid_t *f, ninep_fcall_t *t);


const ngx_http_9p_ops_t  ngx_http_9p_rescue_ops = {
    ngx_http_9p_rescue_open,
    ngx_http_9p_rescue_create,
    ngx_http_9p_rescue_read,
    ngx_http_9p_rescue_write,
    ngx_http_9p_rescue_clunk,
    ngx_http_9p_rescue_clunk,           /* remove: a clunk that removes */
    ngx_http_9p_rescue_stat,
    ngx_http_9p_rescue_wstat
};


static ngx_str_t  ngx_http_9p_dotdot = ngx_string("..");


static ngx_int_t
ngx_http_9p_rescue_open(ngx_http_9p_session_t *s, ngx_http_9p_fid_t *f,
    ninep_fcall_t *t)
{
    const char  *e;

    if (f->open) {
        return ngx_http_9p_reply_error(s, t->tag, "fid already open");
    }

    e = ngx_http_9p_rnode_open(f->ram, t->mode);

    if (e) {
        return ngx_http_9p_reply_error(s, t->tag, e);
    }

    return ngx_http_9p_rescue_opened(s, f, t);
}


/* The fid moves to the new file, open: its node and its path. */

static ngx_int_t
ngx_http_9p_rescue_create(ngx_http_9p_session_t *s, ngx_http_9p_fid_t *f,
    ninep_fcall_t *t)
{
    u_char                path[NGX_HTTP_9P_PATH_MAX];
    size_t                len;
    ngx_str_t             name;
    const char           *e;
    ngx_http_9p_rnode_t  *c;

    if (f->open) {
        return ngx_http_9p_reply_error(s, t->tag, "fid already open");
    }

    if ((t->perm & NINEP_DMDIR) && (t->mode & 3) != NINEP_OREAD) {
        return ngx_http_9p_reply_error(s, t->tag, "permission denied");
    }

    if (f->path_len + 1 + t->name.len > NGX_HTTP_9P_PATH_MAX) {
        return ngx_http_9p_reply_error(s, t->tag, "File name too long");
    }

    e = ngx_http_9p_rnode_create(f->ram, (u_char *) t->name.data,
                                 t->name.len, t->perm, f->ns->user, &c);
    if (e) {
        return ngx_http_9p_reply_error(s, t->tag, e);
    }

    ngx_http_9p_rnode_unref(f->ram);
    f->ram = c;
    name.data = (u_char *) t->name.data;
    name.len = t->name.len;
    len = ngx_http_9p_path_join(path, f->path, f->path_len, &name);
    (void) ngx_http_9p_fid_set_path(f, path, len);

    return ngx_http_9p_rescue_opened(s, f, t);
}


static ngx_int_t
ngx_http_9p_rescue_opened(ngx_http_9p_session_t *s, ngx_http_9p_fid_t *f,
    ninep_fcall_t *t)
{
    ninep_fcall_t  r;

    f->open = 1;
    f->mode = t->mode;
    f->dir_next = 0;
    f->dir_at = 0;
    f->merge = ngx_http_9p_rnode_isdir(f->ram) && ngx_http_9p_dir_merges(f);
    ngx_http_9p_rnode_qid(f->ram, &f->qid);

    ngx_memzero(&r, sizeof(r));
    r.type = (t->type == NINEP_TOPEN) ? NINEP_ROPEN : NINEP_RCREATE;
    r.tag = t->tag;
    r.qid = f->qid;
    r.iounit = s->msize - NINEP_IOHDRSZ;

    return s->transport->send(s, &r);
}


/* A directory is read on from where the last read ended, or from 0. */

static ngx_int_t
ngx_http_9p_rescue_read(ngx_http_9p_session_t *s, ngx_http_9p_fid_t *f,
    ninep_fcall_t *t)
{
    u_char         *buf;
    size_t          used;
    uint32_t        count;
    ngx_int_t       rc;
    ninep_fcall_t   r;

    if (!f->open || (f->mode & 3) == NINEP_OWRITE) {
        return ngx_http_9p_reply_error(s, t->tag,
                                       "fid not open for reading");
    }

    if (ngx_http_9p_rnode_isdir(f->ram) && t->offset != 0
        && t->offset != f->dir_next)
    {
        return ngx_http_9p_reply_error(s, t->tag,
                                       "bad offset in directory read");
    }

    count = ngx_min(t->count, s->msize - NINEP_IOHDRSZ);

    buf = ngx_alloc(ngx_max(count, 1), s->connection->log);
    if (buf == NULL) {
        return ngx_http_9p_reply_error(s, t->tag, "out of memory");
    }

    if (ngx_http_9p_rnode_isdir(f->ram)) {
        if (t->offset == 0) {
            f->dir_at = 0;
            f->dir_next = 0;
        }

        used = ngx_http_9p_rnode_readdir(f->ram, &f->dir_at, buf, count);
        f->dir_next += used;

    } else {
        used = ngx_http_9p_rnode_read(f->ram, t->offset, buf, count);
    }

    ngx_memzero(&r, sizeof(r));
    r.type = NINEP_RREAD;
    r.tag = t->tag;
    r.data = buf;
    r.count = (uint32_t) used;
    rc = s->transport->send(s, &r);

    ngx_free(buf);

    return rc;
}


static ngx_int_t
ngx_http_9p_rescue_write(ngx_http_9p_session_t *s, ngx_http_9p_fid_t *f,
    ninep_fcall_t *t)
{
    const char  *e;

    if (!f->open || (f->mode & 3) == NINEP_OREAD) {
        return ngx_http_9p_reply_error(s, t->tag,
                                       "fid not open for writing");
    }

    e = ngx_http_9p_rnode_write(f->ram, t->offset, t->data, t->count,
                                f->ns->user);

    return ngx_http_9p_reply_to(s, t, e);
}


/* A clunk, or a remove: the fid goes whatever the answer. */

static ngx_int_t
ngx_http_9p_rescue_clunk(ngx_http_9p_session_t *s, ngx_http_9p_fid_t *f,
    ninep_fcall_t *t)
{
    const char  *e;

    e = (t->type == NINEP_TREMOVE) ? ngx_http_9p_rnode_remove(f->ram) : NULL;

    ngx_http_9p_fid_free(s, f, 0);

    return ngx_http_9p_reply_to(s, t, e);
}


static ngx_int_t
ngx_http_9p_rescue_stat(ngx_http_9p_session_t *s, ngx_http_9p_fid_t *f,
    ninep_fcall_t *t)
{
    ninep_fcall_t  r;

    ngx_memzero(&r, sizeof(r));
    r.type = NINEP_RSTAT;
    r.tag = t->tag;
    ngx_http_9p_rnode_stat(f->ram, &r.st);

    return s->transport->send(s, &r);
}


/* A rename moves the end of the fid's path with the file. */

static ngx_int_t
ngx_http_9p_rescue_wstat(ngx_http_9p_session_t *s, ngx_http_9p_fid_t *f,
    ninep_fcall_t *t)
{
    u_char       path[NGX_HTTP_9P_PATH_MAX];
    size_t       len;
    ngx_str_t    name;
    const char  *e;

    e = ngx_http_9p_rnode_wstat(f->ram, &t->st);

    if (e == NULL && t->st.name.len) {
        name.data = (u_char *) t->st.name.data;
        name.len = t->st.name.len;
        len = ngx_http_9p_path_join(path, f->path, f->path_len,
                                    &ngx_http_9p_dotdot);

        if (len + 1 + name.len <= NGX_HTTP_9P_PATH_MAX) {
            len = ngx_http_9p_path_join(path, path, len, &name);
            (void) ngx_http_9p_fid_set_path(f, path, len);
        }
    }

    return ngx_http_9p_reply_to(s, t, e);
}
