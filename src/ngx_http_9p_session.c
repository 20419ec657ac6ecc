
/*
 * Ten: the 9P session on one transport, its dispatcher.  A message comes
 * in (ngx_http_9p_session_message), is decoded and checked -- Tversion
 * first, tags not in use, ninep_max_requests -- and goes to the layer that
 * answers it: version and flush here, attach to attach.c, walk to
 * walk.c, a union directory's read or create to union.c, and the rest to
 * the fid's kind of file (kernfile.c, rescue.c, forward.c) through its
 * ops.  Recovery sends a lost request through here again (resend).
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_9p_req.h"
#include "ngx_http_9p_attach.h"
#include "ngx_http_9p_walk.h"
#include "ngx_http_9p_union.h"
#include "ngx_http_9p_stats.h"


static ngx_int_t ngx_http_9p_session_resend(ngx_http_9p_session_t *s,
    u_char *msg, size_t len);
static ngx_int_t ngx_http_9p_session_version(ngx_http_9p_session_t *s,
    ninep_fcall_t *t);
static ngx_int_t ngx_http_9p_flush(ngx_http_9p_session_t *s,
    ninep_fcall_t *t);
static ngx_int_t ngx_http_9p_fid_request(ngx_http_9p_session_t *s,
    ninep_fcall_t *t);
static ngx_int_t ngx_http_9p_session_dispatch(ngx_http_9p_session_t *s,
    ninep_fcall_t *t);


void
ngx_http_9p_session_init(ngx_http_9p_session_t *s)
{
    ngx_queue_init(&s->creqs);
    s->fids = s->fids0;
    s->nbuckets = NGX_HTTP_9P_FID_BUCKETS;
    s->resend = ngx_http_9p_session_resend;
    ngx_http_9p_stats_session(s, 1);
}


/* Recovery sends a request again, or one it kept aside, through here. */

static ngx_int_t
ngx_http_9p_session_resend(ngx_http_9p_session_t *s, u_char *msg, size_t len)
{
    ngx_int_t  rc;

    s->resending = 1;
    rc = ngx_http_9p_session_message(s, msg, len);
    s->resending = 0;

    return rc;
}


ngx_int_t
ngx_http_9p_session_message(ngx_http_9p_session_t *s, u_char *msg,
    size_t len)
{
    int             rc;
    u_char          reason[123], *p;
    ngx_int_t       done;
    ninep_fcall_t   t;

    rc = ninep_unpack(msg, len, s->msize, NINEP_T, &t);

    if (rc != NINEP_OK) {
        p = ngx_snprintf(reason, sizeof(reason) - 1, "malformed 9P: %s",
                         ninep_strerror(rc));
        *p = '\0';

        ngx_log_error(NGX_LOG_INFO, s->connection->log, 0,
                      "9p: client sent %s", reason);

        s->transport->malformed(s, (char *) reason);
        return NGX_ERROR;
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, s->connection->log, 0,
                   "9p: %s tag %uD", ninep_type_name(t.type), t.tag);

    if (!s->resending) {
        ngx_http_9p_stats_in(s, t.type, len);
    }

    /* a reply sent before this returns answers this message */
    s->current = &t;
    done = ngx_http_9p_session_dispatch(s, &t);
    s->current = NULL;

    return done;
}


static ngx_int_t
ngx_http_9p_session_dispatch(ngx_http_9p_session_t *s, ninep_fcall_t *t)
{
    if (t->type == NINEP_TVERSION) {
        return ngx_http_9p_session_version(s, t);
    }

    /* version(5): a Tversion must be the first message of a session */
    if (!s->versioned) {
        return ngx_http_9p_reply_error(s, t->tag,
                                       "version not negotiated: "
                                       "send Tversion first");
    }

    if (ngx_http_9p_creq_find(s, t->tag)) {
        return ngx_http_9p_reply_error(s, t->tag, "tag in use");
    }

    /*
     * flush(5) expects a Tflush to be answered: Tflushes have as many
     * slots again, which bounds repeated flushes of one request
     */
    if (s->ncreqs >= s->conf->max_requests
        && (t->type != NINEP_TFLUSH || s->ncreqs >= 2 * s->conf->max_requests))
    {
        return ngx_http_9p_reply_error(s, t->tag,
                                       "too many outstanding requests");
    }

    switch (t->type) {

    case NINEP_TFLUSH:
        return ngx_http_9p_flush(s, t);

    case NINEP_TAUTH:
        return ngx_http_9p_reply_error(s, t->tag,
                                       "authentication not required");

    case NINEP_TATTACH:
        return ngx_http_9p_attach(s, t);

    case NINEP_TWALK:
        return ngx_http_9p_walk(s, t);

    default:
        return ngx_http_9p_fid_request(s, t);
    }
}


/*
 * version(5): msize is the smaller of the two; "9P2000" and its dotted
 * variants get plain "9P2000", anything else "unknown".  Everything in
 * progress is abandoned and every fid clunked.
 */

static ngx_int_t
ngx_http_9p_session_version(ngx_http_9p_session_t *s, ninep_fcall_t *t)
{
    size_t         vlen;
    ninep_fcall_t  r;

    if (t->msize < NGX_HTTP_9P_MIN_MSIZE) {
        return ngx_http_9p_reply_error(s, t->tag, "msize too small");
    }

    ngx_http_9p_session_end(s);

    vlen = sizeof(NINEP_VERSION) - 1;

    ngx_memzero(&r, sizeof(r));
    r.type = NINEP_RVERSION;
    r.tag = t->tag;
    r.msize = ngx_min(t->msize, (uint32_t) s->conf->msize);

    s->versioned = t->version.len >= vlen
                   && ngx_strncmp(t->version.data, NINEP_VERSION, vlen) == 0
                   && (t->version.len == vlen || t->version.data[vlen] == '.');

    r.version = ninep_str(s->versioned ? NINEP_VERSION : "unknown");
    s->msize = s->versioned ? r.msize : s->conf->msize;

    return s->transport->send(s, &r);
}


/* Abandons every request and fid: a new Tversion, or the end. */

void
ngx_http_9p_session_end(ngx_http_9p_session_t *s)
{
    ngx_uint_t           i;
    ngx_queue_t         *q;
    ngx_http_9p_fid_t   *f;
    ngx_http_9p_creq_t  *cr, *fl;

    while (!ngx_queue_empty(&s->creqs)) {
        q = ngx_queue_head(&s->creqs);
        cr = ngx_queue_data(q, ngx_http_9p_creq_t, queue);

        /* Tflushes waiting on it go with it, unanswered */
        while (cr->flushes) {
            fl = cr->flushes;
            cr->flushes = fl->flush_next;
            ngx_http_9p_creq_abort(fl);
        }

        ngx_http_9p_creq_abort(cr);
    }

    for (i = 0; i < s->nbuckets; i++) {
        while ((f = s->fids[i]) != NULL) {
            ngx_http_9p_fid_free(s, f, 1);
        }
    }

    /* a grown table goes: a session starts over small */
    if (s->fids != s->fids0) {
        ngx_free(s->fids);
        s->fids = s->fids0;
        s->nbuckets = NGX_HTTP_9P_FID_BUCKETS;
    }
}


/*
 * flush(5): a request still with a service is flushed there and answered
 * as the service decides; Rflush follows.  One that waits for a
 * connection is dropped at once.
 */

static ngx_int_t
ngx_http_9p_flush(ngx_http_9p_session_t *s, ninep_fcall_t *t)
{
    ngx_http_9p_creq_t   *old, *fl, **last;

    old = ngx_http_9p_creq_find(s, t->oldtag);

    if (old && old->breq) {
        fl = ngx_http_9p_creq_new(s, t);
        if (fl == NULL) {
            return NGX_ERROR;
        }

        /* flush(5): Rflushes in the order of their Tflushes */
        for (last = &old->flushes; *last; last = &(*last)->flush_next) {
            /* void */
        }

        *last = fl;
        ngx_http_9p_backend_flush(old->breq);

        return NGX_OK;
    }

    /* a Tflush is not flushed: it is answered after what it flushes */
    if (old && old->type != NINEP_TFLUSH) {
        ngx_http_9p_creq_abort(old);
    }

    return ngx_http_9p_reply_to(s, t, NULL);
}


/*
 * The rest works on a fid: a union directory's read or create is the
 * kernel's to compose, anything else its kind of file's.
 */

static ngx_int_t
ngx_http_9p_fid_request(ngx_http_9p_session_t *s, ninep_fcall_t *t)
{
    ngx_http_9p_fid_t        *f;
    ngx_http_9p_op_pt         op;
    ngx_http_9p_mount_t      *m;
    const ngx_http_9p_ops_t  *ops;

    f = ngx_http_9p_fid_find(s, t->fid);

    if (f == NULL) {
        return ngx_http_9p_reply_error(s, t->tag, "unknown fid");
    }

    if (t->type == NINEP_TREAD && f->merge) {
        return ngx_http_9p_union_read(s, f, t);
    }

    if (t->type == NINEP_TCREATE) {
        m = ngx_http_9p_union_creator(f);

        if (m != f->mount) {
            return ngx_http_9p_union_create(s, f, t, m);
        }
    }

    ops = f->mount->ops;

    switch (t->type) {
    case NINEP_TOPEN:   op = ops->open;    break;
    case NINEP_TCREATE: op = ops->create;  break;
    case NINEP_TREAD:   op = ops->read;    break;
    case NINEP_TWRITE:  op = ops->write;   break;
    case NINEP_TCLUNK:  op = ops->clunk;   break;
    case NINEP_TREMOVE: op = ops->remove;  break;
    case NINEP_TSTAT:   op = ops->stat;    break;
    default:            op = ops->wstat;   break;      /* Twstat */
    }

    return op(s, f, t);
}


size_t
ngx_http_9p_reply_size(ngx_http_9p_session_t *s, ninep_fcall_t *f)
{
    size_t  n;

    n = ninep_packed_size(f);

    if (n == 0 || n > s->msize) {
        ngx_log_error(NGX_LOG_ALERT, s->connection->log, 0,
                      "9p: cannot encode %s of %uz bytes",
                      ninep_type_name(f->type), n);
        return 0;
    }

    return n;
}
