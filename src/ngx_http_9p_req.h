
/*
 * Ten: a session's requests and fids (ngx_http_9p_req.c) -- the common
 * layer of the kernel files that answer 9P: session, walk, namespace,
 * union, recover and rpc.
 */

#ifndef _NGX_HTTP_9P_REQ_H_INCLUDED_
#define _NGX_HTTP_9P_REQ_H_INCLUDED_


#include "ngx_http_9p.h"
#include "ngx_http_9p_backend.h"
#include "ngx_http_9p_dev.h"
#include "ngx_http_9p_ramfs.h"
#include "ngx_http_9p_mnt.h"
#include "ngx_http_9p_ticket.h"

#define NGX_HTTP_9P_PATH_MAX     4096
#define NGX_HTTP_9P_TICKET_MAX   1024
#define NGX_HTTP_9P_NS_MAX       65536
#define NGX_HTTP_9P_INCLUDES     8
#define NGX_HTTP_9P_ENAME_MAX    256

/* requests this small keep their bytes, to be sent again (see retry) */
#define NGX_HTTP_9P_RAW_MAX      256

/* the largest text or directory of the kernel's own files */
#define NGX_HTTP_9P_DEV_MAX      32768


/*
 * A kind of file (after 9front's Dev): the kernel's own files, the rescue
 * tree, or a service's files.  A mount holds the ops of what it mounts;
 * a fid is of its mount's kind (f->mount->ops).  Each op answers one
 * kind of T-message on a fid of its kind: kernel and rescue files at
 * once, a service's when the service replies.  Walks, attaches and
 * unions are the kernel's own.
 */
typedef ngx_int_t (*ngx_http_9p_op_pt)(ngx_http_9p_session_t *s,
    ngx_http_9p_fid_t *f, ninep_fcall_t *t);

struct ngx_http_9p_ops_s {
    ngx_http_9p_op_pt           open;
    ngx_http_9p_op_pt           create;
    ngx_http_9p_op_pt           read;
    ngx_http_9p_op_pt           write;
    ngx_http_9p_op_pt           clunk;
    ngx_http_9p_op_pt           remove;
    ngx_http_9p_op_pt           stat;
    ngx_http_9p_op_pt           wstat;
};


struct ngx_http_9p_fid_s {
    uint32_t                    fid;
    ngx_http_9p_fid_t          *next;
    ngx_http_9p_ns_t           *ns;
    ngx_http_9p_mount_t        *mount;
    ngx_http_9p_backend_t      *backend;
    uint32_t                    bfid;
    u_char                     *path;
    size_t                      path_len;
    size_t                      path_cap;
    ninep_qid_t                 qid;
    ngx_uint_t                  dev;        /* a kernel file, no backend */
    ngx_http_9p_rnode_t        *ram;        /* a rescue file, held */
    ngx_uint_t                  gen;        /* tells reuses apart */
    u_char                     *dir;        /* a merged listing, */
    size_t                      dir_len;
    size_t                      dir_held;   /* charged for it */
    uint64_t                    dir_next;   /* read up to here */
    ngx_uint_t                  dir_at;     /* of a rescue directory */
    uint8_t                     mode;       /* as opened */
    unsigned                    open:1;
    unsigned                    merge:1;    /* its reads are the kernel's */
};


/*
 * What a request hears of a reply to a message it sent: err NULL when r
 * is the reply asked for (an Rwalk with every name), else why not -- the
 * service's reply r (ngx_http_9p_rerror: its words are in r->ename), or
 * no reply (r NULL).
 */
typedef void (*ngx_http_9p_rpc_pt)(ngx_http_9p_creq_t *cr, ninep_fcall_t *r,
    const char *err);


typedef struct ngx_http_9p_slurp_s  ngx_http_9p_slurp_t;


/* what a request is, for the part of it only its kind uses */
#define NGX_HTTP_9P_CR_PLAIN     0      /* forwarded, flush, recovery */
#define NGX_HTTP_9P_CR_WALK      1
#define NGX_HTTP_9P_CR_ATTACH    2      /* attach, nsctl, reset */
#define NGX_HTTP_9P_CR_DIR       3      /* a union's listing or create */


struct ngx_http_9p_creq_s {
    ngx_http_9p_session_t      *s;
    ngx_queue_t                 queue;
    uint16_t                    tag;
    uint8_t                     type;
    ngx_http_9p_breq_t         *breq;
    ngx_http_9p_wait_t          wait;
    ngx_http_9p_creq_t         *flushes;
    ngx_http_9p_creq_t         *flush_next;
    ngx_http_9p_creq_t         *next;      /* free list */
    unsigned                    kind:2;
    unsigned                    flushed:1;
    unsigned                    retried:1;  /* sent again once already */
    unsigned                    resend:1;   /* the client's own message is
                                               with a service: if its
                                               connection dies, see lost */
    unsigned                    lost:1;     /* its connection died under
                                               it: its Rerror says so */
    ngx_http_9p_rpc_pt          rpc;        /* hears the reply */

    /* an idempotent request's bytes, to send it again if its connection
       dies under it; a stale fid's request waits in buf instead */
    u_char                      raw[NGX_HTTP_9P_RAW_MAX];
    size_t                      raw_len;

    /* what a recovery does once a mount lives again */
    void                      (*resume)(ngx_http_9p_creq_t *cr);
    void                      (*unmade)(ngx_http_9p_creq_t *cr,
                                        const char *ename);
    ngx_http_9p_mount_t        *remount;
    ngx_http_9p_mount_t        *making;     /* its step in a bind chain */

    /* names and paths; kept on the free list so a walk need not malloc */
    u_char                     *space;
    size_t                      space_cap;

    /* the fid, as long as it is the same one (see creq_fid) */
    ngx_http_9p_fid_t          *fid;
    uint32_t                    fidno;
    ngx_uint_t                  fidgen;
    uint8_t                     mode;
    uint32_t                    obfid;      /* its backend fid at the start, */
    ngx_http_9p_backend_t      *obackend;   /* on this connection */
    uint32_t                    newfid;
    ngx_http_9p_backend_t      *backend;   /* holds a reference */
    uint32_t                    nbfid;      /* being made by the request */
    uint32_t                    owned;      /* on backend; clunk if let go */
    uint32_t                    bfid;
    ngx_str_t                   name;       /* a Tcreate's, in space */
    ngx_http_9p_rnode_t        *ram;        /* at a rescue file, held */
    ngx_http_9p_mount_t        *mount;
    u_char                     *path;
    ninep_qid_t                 qid;
    ngx_http_9p_ns_t           *ns;
    uint32_t                    count;      /* of the Twrite to answer */
    ngx_uint_t                  mount_i;
    u_char                     *buf;
    size_t                      len;
    size_t                      held;       /* of buf, charged */
    uint64_t                    offset;
    size_t                      max;        /* of a file read whole, */
    ngx_http_9p_rpc_pt          then;       /* and what follows it */

    /* what only one kind of request uses (kind says which) */
    union {
        struct {                            /* NGX_HTTP_9P_CR_WALK */
            u_char             *names;      /* copied, in space */
            ngx_str_t           wname[NINEP_MAXWELEM];
            ninep_qid_t         wqid[NINEP_MAXWELEM];
            uint16_t            nwname;
            uint16_t            done;       /* the position reached */
            uint16_t            seg;        /* names in the segment sent */
            unsigned            cross:1;    /* the segment left the mount */
            ngx_uint_t          dev;        /* at a kernel file */
            ngx_http_9p_mount_t
                               *member;     /* of a union, to try next */
            size_t              path_len;
        };

        struct {                            /* NGX_HTTP_9P_CR_ATTACH */
            ngx_array_t         pending;    /* ngx_http_9p_mount_t *, to
                                               make in order into ns */
            unsigned            nsctl:1;
            ngx_http_9p_ns_t   *reset;      /* whose namespace a reset
                                               rebuilds */
            const ngx_http_9p_slurp_t  *reading;    /* the file read */
            ngx_str_t           include[NGX_HTTP_9P_INCLUDES];
            ngx_uint_t          include_at[NGX_HTTP_9P_INCLUDES];
            ngx_uint_t          ninclude;
            ngx_uint_t          include_i;
            ten_ticket_t        ticket;
            u_char             *tline;      /* kept while /keys is read */
            size_t              tline_len;
            u_char             *tpath;      /* the ticket's, in path */
            size_t              tpath_len;
        };

        struct {                            /* NGX_HTTP_9P_CR_DIR */
            size_t              cap;        /* of buf */
            uint32_t           *seen;       /* the names the listing has,
                                               by offset into buf */
            ngx_uint_t          seen_cap;
            ngx_uint_t          nseen;
            uint32_t            perm;       /* of a Tcreate in a union */
        };
    };
};


/* Answers tag with ename, without a request. */
ngx_int_t ngx_http_9p_reply_error(ngx_http_9p_session_t *s, uint16_t tag,
    const char *ename);
/* Answers t with its empty reply (an Rwrite of all of it), or Rerror e. */
ngx_int_t ngx_http_9p_reply_to(ngx_http_9p_session_t *s, ninep_fcall_t *t,
    const char *e);

/* A request for T-message t (its bytes kept if it may be sent again). */
ngx_http_9p_creq_t *ngx_http_9p_creq_new(ngx_http_9p_session_t *s,
    ninep_fcall_t *t);
/* Answers the request (unless flushed), then creq_done. */
void ngx_http_9p_creq_reply(ngx_http_9p_creq_t *cr, ninep_fcall_t *r);
/* Answers Rerror "svc: ename" (or ename), then creq_done. */
void ngx_http_9p_creq_error(ngx_http_9p_creq_t *cr, const char *svc,
    const char *ename);
/* The backend fid the request made and owns, if any, is clunked. */
void ngx_http_9p_creq_clunk(ngx_http_9p_creq_t *cr);
/* Ends a request without an answer; what it made is let go. */
void ngx_http_9p_creq_abort(ngx_http_9p_creq_t *cr);
/* The request is over: its Tflushes are answered, it is freed. */
void ngx_http_9p_creq_done(ngx_http_9p_creq_t *cr);
/* At least size bytes of scratch space kept with the request. */
u_char *ngx_http_9p_creq_space(ngx_http_9p_creq_t *cr, size_t size);
/* The rescue node the request is at (a reference held), or NULL. */
void ngx_http_9p_creq_ram(ngx_http_9p_creq_t *cr, ngx_http_9p_rnode_t *n);
/* The request's connection is now b (a reference held). */
void ngx_http_9p_creq_use(ngx_http_9p_creq_t *cr, ngx_http_9p_backend_t *b);
/* The request works on fid f: creq_fid finds it again while it lives. */
void ngx_http_9p_creq_hold(ngx_http_9p_creq_t *cr, ngx_http_9p_fid_t *f);
ngx_http_9p_fid_t *ngx_http_9p_creq_fid(ngx_http_9p_creq_t *cr);

/* The session's fid number fid, or NULL. */
ngx_http_9p_fid_t *ngx_http_9p_fid_find(ngx_http_9p_session_t *s,
    uint32_t fid);
/* A new fid in the table; NULL at ninep_max_fids or out of memory. */
ngx_http_9p_fid_t *ngx_http_9p_fid_new(ngx_http_9p_session_t *s, uint32_t fid);
/* Out of the table, and let go (its backend fid clunked if clunk). */
void ngx_http_9p_fid_free(ngx_http_9p_session_t *s, ngx_http_9p_fid_t *f,
    ngx_uint_t clunk);
ngx_int_t ngx_http_9p_fid_set_path(ngx_http_9p_fid_t *f, u_char *p,
    size_t len);
/* f was opened or created by cr's reply r: mode, qid, iounit, path. */
void ngx_http_9p_fid_opened(ngx_http_9p_creq_t *cr, ngx_http_9p_fid_t *f,
    ninep_fcall_t *r);
/* Whether the kernel composes directory f's listing. */
ngx_uint_t ngx_http_9p_dir_merges(ngx_http_9p_fid_t *f);
/* n more bytes of listing for cr, within the session's and worker's
   bounds (NGX_DECLINED beyond); dir_release gives back *held. */
ngx_int_t ngx_http_9p_dir_charge(ngx_http_9p_creq_t *cr, size_t n);
void ngx_http_9p_dir_release(ngx_http_9p_session_t *s, size_t *held);


/*
 * The session's request with tag (each tag in use is one's), or NULL.
 * Inline: the status counters (stats.c, below this file) look a request
 * up too, for the type of an Rerror sent after its dispatch.
 */
static ngx_inline ngx_http_9p_creq_t *
ngx_http_9p_creq_find(ngx_http_9p_session_t *s, uint16_t tag)
{
    ngx_queue_t         *q;
    ngx_http_9p_creq_t  *cr;

    for (q = ngx_queue_head(&s->creqs);
         q != ngx_queue_sentinel(&s->creqs);
         q = ngx_queue_next(q))
    {
        cr = ngx_queue_data(q, ngx_http_9p_creq_t, queue);

        if (cr->tag == tag) {
            return cr;
        }
    }

    return NULL;
}


#endif /* _NGX_HTTP_9P_REQ_H_INCLUDED_ */
