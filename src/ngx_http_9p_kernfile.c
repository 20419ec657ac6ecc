
/*
 * Ten: the kernel's own files (the data of ngx_http_9p_dev.c) as a kind
 * of file.  Nothing of theirs is remote: every request is answered at
 * once.  They are read-only but for /dev/nsctl, whose writes change the
 * namespace (ngx_http_9p_nsctl), and a wstat that changes nothing.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_9p_kernfile.h"
#include "ngx_http_9p_attach.h"


static ngx_int_t ngx_http_9p_kern_open(ngx_http_9p_session_t *s,
    ngx_http_9p_fid_t *f, ninep_fcall_t *t);
static ngx_int_t ngx_http_9p_kern_read(ngx_http_9p_session_t *s,
    ngx_http_9p_fid_t *f, ninep_fcall_t *t);
static ngx_int_t ngx_http_9p_kern_write(ngx_http_9p_session_t *s,
    ngx_http_9p_fid_t *f, ninep_fcall_t *t);
static ngx_int_t ngx_http_9p_kern_stat(ngx_http_9p_session_t *s,
    ngx_http_9p_fid_t *f, ninep_fcall_t *t);
static ngx_int_t ngx_http_9p_kern_wstat(ngx_http_9p_session_t *s,
    ngx_http_9p_fid_t *f, ninep_fcall_t *t);
static ngx_int_t ngx_http_9p_kern_clunk(ngx_http_9p_session_t *s,
    ngx_http_9p_fid_t *f, ninep_fcall_t *t);
static ngx_int_t ngx_http_9p_kern_denied(ngx_http_9p_session_t *s,
    ngx_http_9p_fid_t *f, ninep_fcall_t *t);


const ngx_http_9p_ops_t  ngx_http_9p_kernel_ops = {
    ngx_http_9p_kern_open,
    ngx_http_9p_kern_denied,            /* create */
    ngx_http_9p_kern_read,
    ngx_http_9p_kern_write,
    ngx_http_9p_kern_clunk,
    ngx_http_9p_kern_clunk,             /* remove: a clunk that fails */
    ngx_http_9p_kern_stat,
    ngx_http_9p_kern_wstat
};


static ngx_int_t
ngx_http_9p_kern_open(ngx_http_9p_session_t *s, ngx_http_9p_fid_t *f,
    ninep_fcall_t *t)
{
    ninep_fcall_t  r;

    if (f->open) {
        return ngx_http_9p_reply_error(s, t->tag, "fid already open");
    }

    if ((t->mode & 3) != NINEP_OREAD
        && (f->dev != NGX_HTTP_9P_DEV_NSCTL || (t->mode & 3) == NINEP_OEXEC))
    {
        return ngx_http_9p_reply_error(s, t->tag, "permission denied");
    }

    f->open = 1;
    f->mode = t->mode;
    f->merge = ngx_http_9p_dev_isdir(f->dev) && ngx_http_9p_dir_merges(f);

    ngx_memzero(&r, sizeof(r));
    r.type = NINEP_ROPEN;
    r.tag = t->tag;
    r.qid = f->qid;
    r.iounit = s->msize - NINEP_IOHDRSZ;

    return s->transport->send(s, &r);
}


/* A file's text, or a directory's entries, made anew for every read. */

static ngx_int_t
ngx_http_9p_kern_read(ngx_http_9p_session_t *s, ngx_http_9p_fid_t *f,
    ninep_fcall_t *t)
{
    u_char         buf[NGX_HTTP_9P_DEV_MAX], *p, *end;
    size_t         len;
    ssize_t        n;
    ngx_str_t      path;
    ninep_fcall_t  r;

    if (!f->open) {
        return ngx_http_9p_reply_error(s, t->tag, "fid not open");
    }

    p = buf;
    end = buf + sizeof(buf);

    if (ngx_http_9p_dev_isdir(f->dev)) {
        path.data = f->path;
        path.len = f->path_len;
        n = ngx_http_9p_dev_dir(f->dev, &path, &f->ns->mounts, f->ns->user,
                                buf, sizeof(buf));
        p = (n < 0) ? buf : buf + n;

    } else if (f->dev == NGX_HTTP_9P_DEV_USER) {
        p = ngx_slprintf(buf, end, "%s", f->ns->user);

    } else if (f->dev == NGX_HTTP_9P_DEV_SYSNAME) {
        p = ngx_slprintf(buf, end, "%V", &ngx_cycle->hostname);

    } else if (f->dev == NGX_HTTP_9P_DEV_NS) {
        p = ngx_http_9p_ns_text(f->ns, buf, end);
    }

    len = p - buf;

    ngx_memzero(&r, sizeof(r));
    r.type = NINEP_RREAD;
    r.tag = t->tag;

    if (t->offset < len) {
        r.data = buf + t->offset;
        r.count = (uint32_t) ngx_min(len - t->offset,
                                     ngx_min(t->count,
                                             s->msize - NINEP_IOHDRSZ));

        /* a directory is read in whole entries */
        if (ngx_http_9p_dev_isdir(f->dev)) {
            r.count = (uint32_t) ninep_dir_fit(r.data, len - t->offset,
                                               r.count);
        }
    }

    return s->transport->send(s, &r);
}


static ngx_int_t
ngx_http_9p_kern_write(ngx_http_9p_session_t *s, ngx_http_9p_fid_t *f,
    ninep_fcall_t *t)
{
    if (f->dev != NGX_HTTP_9P_DEV_NSCTL || !f->open
        || (f->mode & 3) == NINEP_OREAD)
    {
        return ngx_http_9p_reply_error(s, t->tag, "permission denied");
    }

    return ngx_http_9p_nsctl(s, f, t);
}


static ngx_int_t
ngx_http_9p_kern_stat(ngx_http_9p_session_t *s, ngx_http_9p_fid_t *f,
    ninep_fcall_t *t)
{
    ngx_str_t      name, *np;
    ninep_fcall_t  r;

    /* a kernel directory at a mount point is named after it */
    np = NULL;

    if (f->path_len > 1) {
        name.data = f->path + f->path_len;

        while (name.data > f->path && name.data[-1] != '/') {
            name.data--;
        }

        name.len = f->path + f->path_len - name.data;
        np = &name;
    }

    ngx_memzero(&r, sizeof(r));
    r.type = NINEP_RSTAT;
    r.tag = t->tag;
    ngx_http_9p_dev_stat(f->dev, np, f->ns->user, &r.st);

    return s->transport->send(s, &r);
}


/*
 * A wstat of a kernel file may only change nothing: every field "don't
 * touch", except that /dev/nsctl takes a length of 0 and any times, which
 * Linux and FUSE send after opening it with OTRUNC (a control file keeps
 * neither).
 */

static ngx_int_t
ngx_http_9p_kern_wstat(ngx_http_9p_session_t *s, ngx_http_9p_fid_t *f,
    ninep_fcall_t *t)
{
    ngx_uint_t     ctl;
    ninep_stat_t  *st;

    ctl = (f->dev == NGX_HTTP_9P_DEV_NSCTL);
    st = &t->st;

    if (st->type != NINEP_DONTTOUCH16
        || st->dev != NINEP_DONTTOUCH32
        || st->qid.type != 0xff
        || st->qid.version != NINEP_DONTTOUCH32
        || st->qid.path != NINEP_DONTTOUCH64
        || st->mode != NINEP_DONTTOUCH32
        || (st->atime != NINEP_DONTTOUCH32 && !ctl)
        || (st->mtime != NINEP_DONTTOUCH32 && !ctl)
        || (st->length != NINEP_DONTTOUCH64 && !(ctl && st->length == 0))
        || st->name.len || st->uid.len || st->gid.len || st->muid.len)
    {
        return ngx_http_9p_reply_error(s, t->tag, "permission denied");
    }

    return ngx_http_9p_reply_to(s, t, NULL);
}


/* A clunk, or a remove: remove(5) clunks the fid even when it fails. */

static ngx_int_t
ngx_http_9p_kern_clunk(ngx_http_9p_session_t *s, ngx_http_9p_fid_t *f,
    ninep_fcall_t *t)
{
    ngx_http_9p_fid_free(s, f, 0);

    return ngx_http_9p_reply_to(s, t, (t->type == NINEP_TREMOVE)
                                      ? "permission denied" : NULL);
}


static ngx_int_t
ngx_http_9p_kern_denied(ngx_http_9p_session_t *s, ngx_http_9p_fid_t *f,
    ninep_fcall_t *t)
{
    return ngx_http_9p_reply_error(s, t->tag, "permission denied");
}
