
/*
 * Ten: the session's private parts, shared by ngx_http_9p_session.c (the
 * session, its requests, fids, walks and forwarding), _namespace.c
 * (attach, namespace files, tickets, nsctl, rescue), _union.c (union
 * directories) and _recover.c (stale fids, requests sent again).
 */

#ifndef _NGX_HTTP_9P_SESSION_H_INCLUDED_
#define _NGX_HTTP_9P_SESSION_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

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


typedef enum {
    NGX_HTTP_9P_A_TICKET = 0,
    NGX_HTTP_9P_A_NAMESPACE,
    NGX_HTTP_9P_A_INCLUDE,
    NGX_HTTP_9P_A_MOUNT,
    NGX_HTTP_9P_A_ROOT,
    NGX_HTTP_9P_A_KEYS,         /* factotum's /keys, for a ticket's key */
    NGX_HTTP_9P_A_BOOT          /* bootstrap: is the boot service there? */
} ngx_http_9p_astep_e;


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
    unsigned                    flushed:1;
    unsigned                    retried:1;  /* sent again once already */

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
    uint32_t                    perm;       /* of a Tcreate in a union */
    uint8_t                     mode;
    uint32_t                    obfid;      /* its backend fid at the start, */
    ngx_http_9p_backend_t      *obackend;   /* on this connection */
    uint32_t                    newfid;
    ngx_http_9p_backend_t      *backend;   /* holds a reference */
    uint32_t                    nbfid;      /* being made by the request */
    uint32_t                    owned;      /* on backend; clunk if let go */

    /* walk: names copied, the position reached */
    u_char                     *names;
    ngx_str_t                   wname[NINEP_MAXWELEM];
    uint16_t                    nwname;
    uint16_t                    done;
    uint16_t                    seg;        /* names in the segment sent */
    ngx_uint_t                  dev;        /* at a kernel file */
    ngx_http_9p_rnode_t        *ram;        /* at a rescue file, held */
    unsigned                    cross:1;    /* the segment left the mount */
    ninep_qid_t                 wqid[NINEP_MAXWELEM];
    ngx_http_9p_mount_t        *mount;
    ngx_http_9p_mount_t        *member;     /* of a union, to try next */
    uint32_t                    bfid;
    u_char                     *path;
    size_t                      path_len;
    ninep_qid_t                 qid;

    /* attach, nsctl: the entries to make, in order, into ns */
    ngx_http_9p_ns_t           *ns;
    ngx_array_t                 pending;    /* ngx_http_9p_mount_t * */
    unsigned                    nsctl:1;
    /* nsctl's reset rebuilds reset's namespace */
    ngx_http_9p_ns_t           *reset;
    uint32_t                    count;      /* of the Twrite to answer */
    ngx_str_t                   include[NGX_HTTP_9P_INCLUDES];
    ngx_uint_t                  include_at[NGX_HTTP_9P_INCLUDES];
    ngx_uint_t                  ninclude;
    ngx_uint_t                  include_i;
    ngx_uint_t                  step;
    ngx_uint_t                  mount_i;
    u_char                     *buf;
    size_t                      len;
    size_t                      cap;
    size_t                      held;       /* of buf, charged */
    uint64_t                    offset;

    /* a merged directory: the names it has, by offset into buf */
    uint32_t                   *seen;
    ngx_uint_t                  seen_cap;
    ngx_uint_t                  nseen;
    ten_ticket_t                ticket;
    u_char                     *tline;      /* kept while /keys is read */
    size_t                      tline_len;
    u_char                     *tpath;      /* the ticket's, in cr->path */
    size_t                      tpath_len;
};




/* the message being dispatched, and whether it is sent again */
extern u_char      *ngx_http_9p_msg;
extern size_t       ngx_http_9p_msg_len;
extern ngx_uint_t   ngx_http_9p_again;


ngx_int_t ngx_http_9p_reply_error(ngx_http_9p_session_t *s, uint16_t tag,
    const char *ename);
ngx_http_9p_creq_t *ngx_http_9p_creq_new(ngx_http_9p_session_t *s,
    ninep_fcall_t *t);
void ngx_http_9p_creq_done(ngx_http_9p_creq_t *cr);
u_char *ngx_http_9p_creq_space(ngx_http_9p_creq_t *cr, size_t size);
void ngx_http_9p_creq_reply(ngx_http_9p_creq_t *cr, ninep_fcall_t *r);
void ngx_http_9p_creq_error(ngx_http_9p_creq_t *cr, const char *svc,
    const char *ename);
void ngx_http_9p_creq_abort(ngx_http_9p_creq_t *cr);
/* the rescue node a request holds, or NULL (a reference each) */
void ngx_http_9p_creq_ram(ngx_http_9p_creq_t *cr, ngx_http_9p_rnode_t *n);
ngx_http_9p_fid_t *ngx_http_9p_fid_find(ngx_http_9p_session_t *s,
    uint32_t fid);
void ngx_http_9p_creq_hold(ngx_http_9p_creq_t *cr, ngx_http_9p_fid_t *f);
ngx_http_9p_fid_t *ngx_http_9p_creq_fid(ngx_http_9p_creq_t *cr);
ngx_http_9p_fid_t *ngx_http_9p_fid_new(ngx_http_9p_session_t *s, uint32_t fid);
void ngx_http_9p_fid_unlink(ngx_http_9p_session_t *s, ngx_http_9p_fid_t *f);
void ngx_http_9p_fid_free(ngx_http_9p_session_t *s, ngx_http_9p_fid_t *f,
    ngx_uint_t clunk);
ngx_int_t ngx_http_9p_fid_set_path(ngx_http_9p_fid_t *f, u_char *p,
    size_t len);
ngx_int_t ngx_http_9p_attach(ngx_http_9p_session_t *s, ninep_fcall_t *t);
void ngx_http_9p_entry_drop(ngx_http_9p_mount_t *m);
void ngx_http_9p_open_walked(ngx_http_9p_creq_t *cr,
    ngx_http_9p_reply_pt handler);
ngx_uint_t ngx_http_9p_dir_merges(ngx_http_9p_fid_t *f);
void ngx_http_9p_union_release(ngx_http_9p_session_t *s, size_t *held);
ngx_int_t ngx_http_9p_union_read(ngx_http_9p_session_t *s,
    ngx_http_9p_fid_t *f, ninep_fcall_t *t);
void ngx_http_9p_creq_use(ngx_http_9p_creq_t *cr, ngx_http_9p_backend_t *b);
ngx_http_9p_mount_t *ngx_http_9p_union_creator(ngx_http_9p_fid_t *f);
ngx_int_t ngx_http_9p_union_create(ngx_http_9p_session_t *s,
    ngx_http_9p_fid_t *f, ninep_fcall_t *t, ngx_http_9p_mount_t *m);
ngx_int_t ngx_http_9p_lost(ngx_http_9p_creq_t *cr, const char *err);
ngx_int_t ngx_http_9p_reply_rclunk(ngx_http_9p_session_t *s, uint16_t tag);
ngx_int_t ngx_http_9p_recover(ngx_http_9p_session_t *s, ngx_http_9p_fid_t *f,
    ninep_fcall_t *t);
void ngx_http_9p_remount(ngx_http_9p_creq_t *cr, ngx_http_9p_mount_t *target,
    void (*resume)(ngx_http_9p_creq_t *cr),
    void (*unmade)(ngx_http_9p_creq_t *cr, const char *ename));
ngx_int_t ngx_http_9p_mount_root(ngx_http_9p_creq_t *cr,
    ngx_http_9p_mount_t *m, ngx_http_9p_reply_pt handler);
ngx_int_t ngx_http_9p_bind_source(ngx_http_9p_creq_t *cr,
    ngx_http_9p_mount_t *src, ngx_http_9p_mount_t *m,
    ngx_http_9p_reply_pt handler);
ngx_int_t ngx_http_9p_nsctl(ngx_http_9p_session_t *s, ngx_http_9p_fid_t *f,
    ninep_fcall_t *t);
ngx_int_t ngx_http_9p_send(ngx_http_9p_creq_t *cr, ngx_http_9p_backend_t *b,
    ninep_fcall_t *t, ngx_http_9p_reply_pt handler);
ngx_uint_t ngx_http_9p_mount_dead(ngx_http_9p_mount_t *m);
void ngx_http_9p_fid_opened(ngx_http_9p_creq_t *cr, ngx_http_9p_fid_t *f,
    ninep_fcall_t *r);


#endif /* _NGX_HTTP_9P_SESSION_H_INCLUDED_ */
