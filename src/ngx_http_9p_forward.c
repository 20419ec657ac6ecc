
/*
 * Ten: a service's files as a kind of file.  A request goes to the fid's
 * service as it is, with the fid and tag of the connection's own spaces;
 * the reply comes back as it is, through the rpc funnel.  A fid whose
 * connection died is made again first (ngx_http_9p_recover).
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_9p_forward.h"
#include "ngx_http_9p_rpc.h"
#include "ngx_http_9p_recover.h"


static ngx_int_t ngx_http_9p_forward(ngx_http_9p_session_t *s,
    ngx_http_9p_fid_t *f, ninep_fcall_t *t);
static void ngx_http_9p_forwarded(ngx_http_9p_creq_t *cr, ninep_fcall_t *r,
    const char *err);


const ngx_http_9p_ops_t  ngx_http_9p_service_ops = {
    ngx_http_9p_forward,
    ngx_http_9p_forward,
    ngx_http_9p_forward,
    ngx_http_9p_forward,
    ngx_http_9p_forward,
    ngx_http_9p_forward,
    ngx_http_9p_forward,
    ngx_http_9p_forward
};


static ngx_int_t
ngx_http_9p_forward(ngx_http_9p_session_t *s, ngx_http_9p_fid_t *f,
    ninep_fcall_t *t)
{
    uint32_t             iomax;
    ngx_http_9p_creq_t  *cr;

    if (f->backend && !ngx_http_9p_backend_alive(f->backend)) {
        if (t->type == NINEP_TCLUNK) {
            /* its backend fid went with the connection */
            ngx_http_9p_fid_free(s, f, 0);
            return ngx_http_9p_reply_to(s, t, NULL);
        }

        return ngx_http_9p_recover(s, f, t);
    }

    cr = ngx_http_9p_creq_new(s, t);
    if (cr == NULL) {
        return NGX_ERROR;
    }

    ngx_http_9p_creq_hold(cr, f);
    ngx_http_9p_creq_use(cr, f->backend);

    if (t->type == NINEP_TCLUNK || t->type == NINEP_TREMOVE) {
        /* the client's fid is gone whatever the service answers */
        cr->bfid = f->bfid;
        f->bfid = NINEP_NOFID;
        ngx_http_9p_fid_free(s, f, 0);
        cr->fid = NULL;
    }

    /* reads and writes within both msizes */
    iomax = ngx_min(s->msize, ngx_http_9p_backend_msize(cr->backend))
            - NINEP_IOHDRSZ;

    if ((t->type == NINEP_TREAD || t->type == NINEP_TWRITE)
        && t->count > iomax)
    {
        t->count = iomax;
    }

    cr->mode = t->mode;
    cr->offset = t->offset;

    if (t->type == NINEP_TCREATE) {
        /* the fid moves to the new file: its path grows by the name */
        cr->name.data = ngx_http_9p_creq_space(cr, t->name.len);
        if (cr->name.data == NULL) {
            ngx_http_9p_creq_error(cr, NULL, "out of memory");
            return NGX_OK;
        }

        ngx_memcpy(cr->name.data, t->name.data, t->name.len);
        cr->name.len = t->name.len;
    }

    t->fid = cr->fid ? f->bfid : cr->bfid;
    cr->resend = 1;

    (void) ngx_http_9p_send(cr, cr->backend, t, ngx_http_9p_forwarded);

    return NGX_OK;
}


static void
ngx_http_9p_forwarded(ngx_http_9p_creq_t *cr, ninep_fcall_t *r,
    const char *err)
{
    ngx_http_9p_fid_t  *f;

    if (r == NULL) {
        ngx_http_9p_creq_error(cr, ngx_http_9p_backend_name(cr->backend),
                               err);
        return;
    }

    f = ngx_http_9p_creq_fid(cr);

    if (f && r->type == NINEP_RREAD && (f->qid.type & NINEP_QTDIR)) {
        /* where a recovery must take a directory read back to */
        f->dir_next = cr->offset + r->count;
    }

    if (f && (r->type == NINEP_ROPEN || r->type == NINEP_RCREATE)) {
        ngx_http_9p_fid_opened(cr, f, r);
    }

    ngx_http_9p_creq_reply(cr, r);
}
