
/*
 * Ten: the 9P session on one WebSocket -- attach, the client's fids and
 * tags, and forwarding to the services through the namespace.
 *
 * A ticket attach reads the ticket and /lib/namespace from the boot
 * service as the kernel, verifies the ticket, then attaches every mount
 * as the ticket's user.  A client fid maps to one backend fid on one
 * pooled connection; tags are the backend connection's own.  A walk that
 * stays inside one mount is one backend Twalk; crossing a mount point or
 * leaving one with ".." continues from that mount's root.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_9p.h"
#include "ngx_http_9p_backend.h"
#include "ngx_http_9p_dev.h"
#include "ngx_http_9p_ramfs.h"


#define NGX_HTTP_9P_PATH_MAX     4096
#define NGX_HTTP_9P_TICKET_MAX   1024
#define NGX_HTTP_9P_NS_MAX       65536
#define NGX_HTTP_9P_MOUNTS_MAX   64
#define NGX_HTTP_9P_INCLUDES     8
#define NGX_HTTP_9P_ENAME_MAX    256
/* validated tickets this worker remembers (ninep_ticket_cache) */
#define NGX_HTTP_9P_TCACHE       256

/* requests this small keep their bytes, to be sent again (see retry) */
#define NGX_HTTP_9P_RAW_MAX      256

/* the largest text or directory of the kernel's own files */
#define NGX_HTTP_9P_DEV_MAX      32768


/*
 * A namespace entry: a mount, a bind, or (while it waits its turn) an
 * unmount.  Entries at the same path are a union, in table order.  The
 * path must stay first: ngx_http_9p_dev_dir() reads it.
 */
typedef struct {
    ngx_str_t                   path;       /* "/" or "/a/b" */
    ngx_str_t                   spec;
    ngx_str_t                   source;     /* of a bind; an unmount's match */
    ngx_uint_t                  line;       /* where it was made, */
    ngx_str_t                  *file;       /* while the attach lasts */
    ngx_uint_t                  dev;        /* a kernel directory, or 0 */
    ngx_http_9p_service_t      *service;
    ngx_http_9p_backend_t      *backend;
    uint32_t                    bfid;       /* its root, as the user */
    ninep_qid_t                 qid;
    char                       *down;       /* an optional mount that
                                               failed: why, for walks */
    ngx_http_9p_rnode_t        *ram;        /* the rescue tree's root */
    unsigned                    before:1;   /* -b */
    unsigned                    after:1;    /* -a */
    unsigned                    create:1;   /* -c */
    unsigned                    unmount:1;
    unsigned                    optional:1; /* skipped if it fails */
    unsigned                    implicit:1; /* what -a or -b joined */
    unsigned                    joined:1;   /* that was looked for */
} ngx_http_9p_mount_t;


/* One attach: its user and namespace, shared by the fids made from it. */
typedef struct {
    ngx_uint_t                  refs;
    ngx_pool_t                 *pool;
    char                        user[TEN_NAME_MAX + 1];
    ngx_array_t                 mounts;     /* ngx_http_9p_mount_t * */
} ngx_http_9p_ns_t;


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


typedef struct {
    u_char                      path[128];  /* longer ones are not kept */
    size_t                      len;
    char                        user[TEN_NAME_MAX + 1];
    time_t                      expires;    /* the ticket's */
    ngx_msec_t                  checked;
} ngx_http_9p_tcache_t;


/*
 * A ticket verified moments ago need not be read again: a few seconds'
 * memory keeps a logout quick to take effect.  Collisions just overwrite.
 */
static ngx_http_9p_tcache_t  *ngx_http_9p_tcache;


/*
 * The certificates of ticket-signing keys this worker read from
 * factotum's /keys, verified with the key of their issuer; read again
 * for a key not among them: at once for a key id not asked about last
 * time (a rotation), else at most once a second (only factotum writes
 * tickets, so unknown ids are few).
 */
#define NGX_HTTP_9P_FKEYS        64
#define NGX_HTTP_9P_FKEYS_EVERY  1000

static ten_cert_t   ngx_http_9p_fkeys[NGX_HTTP_9P_FKEYS];
static ngx_uint_t   ngx_http_9p_nfkeys;
static uint8_t      ngx_http_9p_fkeys_issuer[TEN_PK_LEN];
static ngx_msec_t   ngx_http_9p_fkeys_asked;
static ngx_uint_t   ngx_http_9p_fkeys_ever;
static char         ngx_http_9p_fkeys_for[TEN_KEYID_LEN + 1];

static ngx_str_t    ngx_http_9p_dotdot = ngx_string("..");

/* the message being dispatched, and whether it is sent again */
static u_char      *ngx_http_9p_msg;
static size_t       ngx_http_9p_msg_len;
static ngx_uint_t   ngx_http_9p_again;

static const char   ngx_http_9p_unknown_key[] =
    "ticket signed by an unknown key";


static ngx_int_t ngx_http_9p_session_version(ngx_http_9p_session_t *s,
    ninep_fcall_t *t);
static ngx_http_9p_tcache_t *ngx_http_9p_tcache_slot(u_char *path,
    size_t len);
static ngx_int_t ngx_http_9p_reply_error(ngx_http_9p_session_t *s,
    uint16_t tag, const char *ename);
static ngx_http_9p_creq_t *ngx_http_9p_creq_new(ngx_http_9p_session_t *s,
    ninep_fcall_t *t);
static void ngx_http_9p_creq_done(ngx_http_9p_creq_t *cr);
static u_char *ngx_http_9p_creq_space(ngx_http_9p_creq_t *cr, size_t size);
static void ngx_http_9p_creq_reply(ngx_http_9p_creq_t *cr, ninep_fcall_t *r);
static void ngx_http_9p_creq_error(ngx_http_9p_creq_t *cr, const char *svc,
    const char *ename);
static void ngx_http_9p_creq_abort(ngx_http_9p_creq_t *cr);
static ngx_int_t ngx_http_9p_flush(ngx_http_9p_session_t *s,
    ninep_fcall_t *t);

static ngx_http_9p_fid_t *ngx_http_9p_fid_find(ngx_http_9p_session_t *s,
    uint32_t fid);
static void ngx_http_9p_creq_hold(ngx_http_9p_creq_t *cr,
    ngx_http_9p_fid_t *f);
static ngx_http_9p_fid_t *ngx_http_9p_creq_fid(ngx_http_9p_creq_t *cr);
static ngx_http_9p_fid_t *ngx_http_9p_fid_new(ngx_http_9p_session_t *s,
    uint32_t fid);
static void ngx_http_9p_fid_unlink(ngx_http_9p_session_t *s,
    ngx_http_9p_fid_t *f);
static void ngx_http_9p_fid_free(ngx_http_9p_session_t *s,
    ngx_http_9p_fid_t *f, ngx_uint_t clunk);
static ngx_int_t ngx_http_9p_fid_set_path(ngx_http_9p_fid_t *f, u_char *p,
    size_t len);
static ngx_http_9p_ns_t *ngx_http_9p_ns_create(ngx_http_9p_session_t *s);
static void ngx_http_9p_ns_unref(ngx_http_9p_ns_t *ns);

static ngx_int_t ngx_http_9p_attach(ngx_http_9p_session_t *s,
    ninep_fcall_t *t);
static ngx_http_9p_mount_t *ngx_http_9p_entry_new(ngx_http_9p_ns_t *ns,
    u_char *path, size_t len, ngx_uint_t dev, ngx_http_9p_service_t *svc);
static ngx_http_9p_mount_t *ngx_http_9p_pending_add(ngx_http_9p_creq_t *cr,
    u_char *path, size_t len, ngx_uint_t dev, ngx_http_9p_service_t *svc);
static ngx_int_t ngx_http_9p_add_factotum(ngx_http_9p_creq_t *cr);
static u_char *ngx_http_9p_ns_text(ngx_http_9p_ns_t *ns, u_char *p,
    u_char *end);
static u_char *ngx_http_9p_ns_line(ngx_http_9p_mount_t *m, u_char flag,
    u_char *p, u_char *end);
static ngx_int_t ngx_http_9p_ns_entry(ngx_http_9p_creq_t *cr, u_char **w,
    u_char **we, ngx_uint_t nw, u_char *err, size_t size);
static ngx_uint_t ngx_http_9p_same_point(ngx_http_9p_mount_t *a,
    ngx_http_9p_mount_t *b);
static ngx_http_9p_mount_t *ngx_http_9p_union_next(ngx_http_9p_ns_t *ns,
    ngx_http_9p_mount_t *m);
static void ngx_http_9p_entry_drop(ngx_http_9p_mount_t *m);
static ngx_int_t ngx_http_9p_ns_place(ngx_http_9p_ns_t *ns,
    ngx_http_9p_mount_t *m);
static ngx_uint_t ngx_http_9p_member_is(ngx_http_9p_mount_t *m,
    ngx_str_t *src);
static ngx_uint_t ngx_http_9p_ns_unmount(ngx_http_9p_ns_t *ns,
    ngx_http_9p_mount_t *u);
static void ngx_http_9p_attach_made(ngx_http_9p_creq_t *cr,
    ngx_http_9p_mount_t *m);
static void ngx_http_9p_bootstrap(ngx_http_9p_creq_t *cr, const char *why);
static ngx_int_t ngx_http_9p_rescue_root(ngx_http_9p_creq_t *cr,
    ngx_http_9p_mount_t *m, const char *why);
static void ngx_http_9p_rescue_over(ngx_http_9p_creq_t *cr);
static void ngx_http_9p_creq_ram(ngx_http_9p_creq_t *cr,
    ngx_http_9p_rnode_t *n);
static ngx_int_t ngx_http_9p_ram_request(ngx_http_9p_session_t *s,
    ngx_http_9p_fid_t *f, ninep_fcall_t *t);
static void ngx_http_9p_attach_down(ngx_http_9p_creq_t *cr,
    ngx_http_9p_mount_t *m, const char *why);
static ngx_http_9p_service_t *ngx_http_9p_service_find(
    ngx_http_9p_session_t *s, u_char *name, size_t len, ngx_uint_t boot);
static void ngx_http_9p_attach_done(ngx_http_9p_creq_t *cr);
static ngx_int_t ngx_http_9p_nsctl_reset(ngx_http_9p_session_t *s,
    ngx_http_9p_fid_t *f, ninep_fcall_t *t);
static void ngx_http_9p_ns_swap(ngx_http_9p_creq_t *cr);
static void ngx_http_9p_pool_destroy(void *data);
static void ngx_http_9p_attach_next(ngx_http_9p_creq_t *cr);
static void ngx_http_9p_attach_fail(ngx_http_9p_creq_t *cr,
    const char *ename);
static void ngx_http_9p_attach_failed(ngx_http_9p_creq_t *cr,
    ninep_fcall_t *r, const char *err, const char *what);
static void ngx_http_9p_attach_ready(ngx_http_9p_wait_t *w,
    ngx_http_9p_backend_t *b, const char *err);
static void ngx_http_9p_slurp(ngx_http_9p_creq_t *cr, u_char *path,
    size_t len);
static void ngx_http_9p_slurp_walked(ngx_http_9p_breq_t *br,
    ninep_fcall_t *r, const char *err);
static void ngx_http_9p_slurp_opened(ngx_http_9p_breq_t *br,
    ninep_fcall_t *r, const char *err);
static void ngx_http_9p_open_walked(ngx_http_9p_creq_t *cr,
    ngx_http_9p_reply_pt handler);
static void ngx_http_9p_slurp_read(ngx_http_9p_breq_t *br,
    ninep_fcall_t *r, const char *err);
static const char *ngx_http_9p_check_ticket(ngx_http_9p_creq_t *cr);
static const char *ngx_http_9p_slurp_what(ngx_http_9p_creq_t *cr,
    ninep_fcall_t *r);
static ten_cert_t *ngx_http_9p_fkey(ngx_http_9p_loc_conf_t *conf,
    const char *keyid);
static ngx_uint_t ngx_http_9p_fkeys_due(ngx_http_9p_creq_t *cr);
static void ngx_http_9p_fkeys_fetch(ngx_http_9p_creq_t *cr);
static void ngx_http_9p_fkeys_got(ngx_http_9p_creq_t *cr);
static void ngx_http_9p_parse_namespace(ngx_http_9p_creq_t *cr);
static ngx_str_t *ngx_http_9p_ns_file(ngx_http_9p_creq_t *cr);
static void ngx_http_9p_ns_include(ngx_http_9p_creq_t *cr, u_char *path,
    size_t len, ngx_uint_t line);
static const char *ngx_http_9p_ns_done(ngx_http_9p_creq_t *cr);
static void ngx_http_9p_ns_next(ngx_http_9p_creq_t *cr);
static void ngx_http_9p_ns_included(ngx_http_9p_creq_t *cr);
static void ngx_http_9p_attach_bind(ngx_http_9p_creq_t *cr,
    ngx_http_9p_mount_t *m);
static ngx_int_t ngx_http_9p_expand_user(ngx_http_9p_ns_t *ns, u_char *p,
    size_t len, ngx_str_t *out);
static void ngx_http_9p_bind_walked(ngx_http_9p_breq_t *br,
    ninep_fcall_t *r, const char *err);
static void ngx_http_9p_attach_skip(ngx_http_9p_creq_t *cr,
    const char *why, ngx_str_t *detail);
static void ngx_http_9p_mount_attached(ngx_http_9p_breq_t *br,
    ninep_fcall_t *r, const char *err);
static void ngx_http_9p_root_cloned(ngx_http_9p_breq_t *br,
    ninep_fcall_t *r, const char *err);

static ngx_int_t ngx_http_9p_walk(ngx_http_9p_session_t *s,
    ninep_fcall_t *t);
static void ngx_http_9p_walk_next(ngx_http_9p_creq_t *cr);
static ngx_uint_t ngx_http_9p_dir_merges(ngx_http_9p_fid_t *f);
static ngx_uint_t ngx_http_9p_child_point(ngx_http_9p_mount_t *m, u_char *path,
    size_t len, ngx_str_t *name);
static ngx_int_t ngx_http_9p_union_read(ngx_http_9p_session_t *s,
    ngx_http_9p_fid_t *f, ninep_fcall_t *t);
static ngx_int_t ngx_http_9p_union_serve(ngx_http_9p_session_t *s,
    ngx_http_9p_fid_t *f, uint16_t tag, uint32_t count);
static void ngx_http_9p_union_next_source(ngx_http_9p_creq_t *cr);
static ngx_int_t ngx_http_9p_union_ram(ngx_http_9p_creq_t *cr,
    ngx_http_9p_rnode_t *dir);
static void ngx_http_9p_union_use(ngx_http_9p_creq_t *cr,
    ngx_http_9p_backend_t *b);
static void ngx_http_9p_union_walked(ngx_http_9p_breq_t *br, ninep_fcall_t *r,
    const char *err);
static void ngx_http_9p_union_opened(ngx_http_9p_breq_t *br, ninep_fcall_t *r,
    const char *err);
static void ngx_http_9p_union_read_more(ngx_http_9p_creq_t *cr);
static void ngx_http_9p_union_got(ngx_http_9p_breq_t *br, ninep_fcall_t *r,
    const char *err);
static void ngx_http_9p_union_member_done(ngx_http_9p_creq_t *cr);
static void ngx_http_9p_union_statted(ngx_http_9p_breq_t *br, ninep_fcall_t *r,
    const char *err);
static ngx_int_t ngx_http_9p_union_add(ngx_http_9p_creq_t *cr, u_char *data,
    size_t len);
static void ngx_http_9p_union_name(ngx_http_9p_creq_t *cr, uint32_t off,
    ngx_str_t *name);
static ngx_uint_t ngx_http_9p_union_seen(ngx_http_9p_creq_t *cr, u_char *data,
    size_t len);
static ngx_int_t ngx_http_9p_union_remember(ngx_http_9p_creq_t *cr,
    uint32_t off);
static void ngx_http_9p_union_done(ngx_http_9p_creq_t *cr);
static ngx_http_9p_mount_t *ngx_http_9p_union_creator(ngx_http_9p_fid_t *f);
static ngx_int_t ngx_http_9p_union_create(ngx_http_9p_session_t *s,
    ngx_http_9p_fid_t *f, ninep_fcall_t *t, ngx_http_9p_mount_t *m);
static void ngx_http_9p_union_create_walked(ngx_http_9p_breq_t *br,
    ninep_fcall_t *r, const char *err);
static void ngx_http_9p_union_created(ngx_http_9p_breq_t *br, ninep_fcall_t *r,
    const char *err);
static ngx_int_t ngx_http_9p_lost(ngx_http_9p_creq_t *cr, const char *err);
static void ngx_http_9p_redispatch(ngx_http_9p_session_t *s, u_char *msg,
    size_t len);
static ngx_int_t ngx_http_9p_reply_rclunk(ngx_http_9p_session_t *s,
    uint16_t tag);
static ngx_uint_t ngx_http_9p_mount_dead(ngx_http_9p_mount_t *m);
static ngx_int_t ngx_http_9p_recover(ngx_http_9p_session_t *s,
    ngx_http_9p_fid_t *f, ninep_fcall_t *t);
static void ngx_http_9p_remount(ngx_http_9p_creq_t *cr,
    ngx_http_9p_mount_t *target);
static void ngx_http_9p_remount_ready(ngx_http_9p_wait_t *w,
    ngx_http_9p_backend_t *b, const char *err);
static void ngx_http_9p_remount_done(ngx_http_9p_breq_t *br,
    ninep_fcall_t *r, const char *err);
static void ngx_http_9p_remount_fail(ngx_http_9p_creq_t *cr,
    const char *ename);
static ngx_int_t ngx_http_9p_mount_root(ngx_http_9p_creq_t *cr,
    ngx_http_9p_mount_t *m, ngx_http_9p_reply_pt handler);
static ngx_int_t ngx_http_9p_bind_source(ngx_http_9p_creq_t *cr,
    ngx_http_9p_mount_t *src, ngx_http_9p_mount_t *m,
    ngx_http_9p_reply_pt handler);
static void ngx_http_9p_recover_walk(ngx_http_9p_creq_t *cr);
static void ngx_http_9p_recover_walked(ngx_http_9p_breq_t *br,
    ninep_fcall_t *r, const char *err);
static void ngx_http_9p_recover_opened(ngx_http_9p_breq_t *br,
    ninep_fcall_t *r, const char *err);
static void ngx_http_9p_recover_skip(ngx_http_9p_creq_t *cr);
static void ngx_http_9p_recover_skipped(ngx_http_9p_breq_t *br,
    ninep_fcall_t *r, const char *err);
static void ngx_http_9p_recover_failed(ngx_http_9p_creq_t *cr,
    ninep_fcall_t *r, const char *err);
static void ngx_http_9p_recover_done(ngx_http_9p_creq_t *cr);
static ngx_int_t ngx_http_9p_walk_local(ngx_http_9p_creq_t *cr);
static ngx_int_t ngx_http_9p_walk_missing(ngx_http_9p_creq_t *cr,
    const char *ename);
static void ngx_http_9p_walk_leave(ngx_http_9p_creq_t *cr);
static ngx_uint_t ngx_http_9p_walk_stays(ngx_http_9p_ns_t *ns,
    ngx_http_9p_mount_t *cur, ngx_http_9p_mount_t *target, size_t len);
static void ngx_http_9p_walk_fail(ngx_http_9p_creq_t *cr, const char *svc,
    const char *ename);
static void ngx_http_9p_walk_rel(ninep_fcall_t *t, ngx_http_9p_mount_t *m,
    u_char *path, size_t len);
static void ngx_http_9p_walk_done(ngx_http_9p_breq_t *br, ninep_fcall_t *r,
    const char *err);
static void ngx_http_9p_walk_finish(ngx_http_9p_creq_t *cr);
static ngx_http_9p_mount_t *ngx_http_9p_mount_of(ngx_http_9p_ns_t *ns,
    u_char *path, size_t len);
static size_t ngx_http_9p_path_join(u_char *buf, u_char *path, size_t len,
    ngx_str_t *name);

static ngx_int_t ngx_http_9p_forward(ngx_http_9p_session_t *s,
    ninep_fcall_t *t);
static ngx_int_t ngx_http_9p_dev_request(ngx_http_9p_session_t *s,
    ngx_http_9p_fid_t *f, ninep_fcall_t *t);
static size_t ngx_http_9p_dev_text(ngx_http_9p_session_t *s,
    ngx_http_9p_fid_t *f, u_char *buf, size_t len);
static ngx_int_t ngx_http_9p_nsctl(ngx_http_9p_session_t *s,
    ngx_http_9p_fid_t *f, ninep_fcall_t *t);
static size_t ngx_http_9p_clean(u_char *dst, u_char *src, size_t len);
static void ngx_http_9p_forwarded(ngx_http_9p_breq_t *br, ninep_fcall_t *r,
    const char *err);
static ngx_int_t ngx_http_9p_send(ngx_http_9p_creq_t *cr,
    ngx_http_9p_backend_t *b, ninep_fcall_t *t, ngx_http_9p_reply_pt handler);


void
ngx_http_9p_session_init(ngx_http_9p_session_t *s)
{
    ngx_queue_init(&s->creqs);
}


ngx_int_t
ngx_http_9p_session_message(ngx_http_9p_session_t *s, u_char *msg,
    size_t len)
{
    int                  rc;
    u_char               reason[123], *p;
    ninep_fcall_t        t;
    ngx_queue_t         *q;
    ngx_http_9p_creq_t  *cr;

    rc = ninep_unpack(msg, len, s->msize, NINEP_T, &t);

    if (rc != NINEP_OK) {
        ngx_log_error(NGX_LOG_INFO, s->connection->log, 0,
                      "9p: client sent malformed 9P: %s",
                      ninep_strerror(rc));

        p = ngx_snprintf(reason, sizeof(reason) - 1, "malformed 9P: %s",
                         ninep_strerror(rc));
        *p = '\0';

        ngx_http_9p_ws_close(s, NGX_HTTP_9P_WS_BAD_DATA, (char *) reason);
        return NGX_ERROR;
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, s->connection->log, 0,
                   "9p: %s tag %uD", ninep_type_name(t.type), t.tag);

    ngx_http_9p_msg = msg;
    ngx_http_9p_msg_len = len;

    if (t.type == NINEP_TVERSION) {
        return ngx_http_9p_session_version(s, &t);
    }

    for (q = ngx_queue_head(&s->creqs);
         q != ngx_queue_sentinel(&s->creqs);
         q = ngx_queue_next(q))
    {
        cr = ngx_queue_data(q, ngx_http_9p_creq_t, queue);

        if (cr->tag == t.tag) {
            return ngx_http_9p_reply_error(s, t.tag, "tag in use");
        }
    }

    /*
     * flush(5) expects a Tflush to be answered: Tflushes have as many
     * slots again, which bounds repeated flushes of one request
     */
    if (s->ncreqs >= s->conf->max_requests
        && (t.type != NINEP_TFLUSH || s->ncreqs >= 2 * s->conf->max_requests))
    {
        return ngx_http_9p_reply_error(s, t.tag,
                                       "too many outstanding requests");
    }

    switch (t.type) {

    case NINEP_TFLUSH:
        return ngx_http_9p_flush(s, &t);

    case NINEP_TAUTH:
        return ngx_http_9p_reply_error(s, t.tag,
                                       "authentication not required");

    case NINEP_TATTACH:
        return ngx_http_9p_attach(s, &t);

    case NINEP_TWALK:
        return ngx_http_9p_walk(s, &t);

    default:
        return ngx_http_9p_forward(s, &t);
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

    if (t->version.len >= vlen
        && ngx_strncmp(t->version.data, NINEP_VERSION, vlen) == 0
        && (t->version.len == vlen || t->version.data[vlen] == '.'))
    {
        r.version = ninep_str(NINEP_VERSION);
        s->msize = r.msize;

    } else {
        r.version = ninep_str("unknown");
        s->msize = s->conf->msize;
    }

    return ngx_http_9p_ws_send_fcall(s, &r);
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

    for (i = 0; i < NGX_HTTP_9P_FID_BUCKETS; i++) {
        while ((f = s->fids[i]) != NULL) {
            ngx_http_9p_fid_unlink(s, f);
            ngx_http_9p_fid_free(s, f, 1);
        }
    }

    ngx_http_9p_session_idle(s);
}


/* A quiet session keeps no spare request or fid structures. */

void
ngx_http_9p_session_idle(ngx_http_9p_session_t *s)
{
    ngx_http_9p_fid_t   *f;
    ngx_http_9p_creq_t  *cr;

    while (s->free_fids) {
        f = s->free_fids;
        s->free_fids = f->next;
        ngx_free(f->path);
        ngx_free(f);
    }

    while (s->free_creqs) {
        cr = s->free_creqs;
        s->free_creqs = cr->next;

        if (cr->space) {
            ngx_free(cr->space);
        }

        ngx_free(cr);
    }
}


static ngx_int_t
ngx_http_9p_reply_error(ngx_http_9p_session_t *s, uint16_t tag,
    const char *ename)
{
    ninep_fcall_t  r;

    ngx_memzero(&r, sizeof(r));
    r.type = NINEP_RERROR;
    r.tag = tag;
    r.ename = ninep_str(ename);

    return ngx_http_9p_ws_send_fcall(s, &r);
}


/* ------------------------------------------------------------ requests */


static ngx_http_9p_creq_t *
ngx_http_9p_creq_new(ngx_http_9p_session_t *s, ninep_fcall_t *t)
{
    u_char              *space;
    size_t               space_cap;
    ngx_http_9p_creq_t  *cr;

    cr = s->free_creqs;

    if (cr) {
        s->free_creqs = cr->next;
        space = cr->space;
        space_cap = cr->space_cap;

    } else {
        cr = ngx_alloc(sizeof(ngx_http_9p_creq_t), s->connection->log);
        if (cr == NULL) {
            return NULL;
        }

        space = NULL;
        space_cap = 0;
    }

    ngx_memzero(cr, sizeof(ngx_http_9p_creq_t));

    cr->s = s;
    cr->space = space;
    cr->space_cap = space_cap;
    cr->tag = t->tag;
    cr->type = t->type;
    cr->nbfid = NINEP_NOFID;
    cr->bfid = NINEP_NOFID;
    cr->owned = NINEP_NOFID;
    cr->retried = ngx_http_9p_again;

    /* walk, stat, read and an open that does not truncate may go again */
    if ((t->type == NINEP_TWALK || t->type == NINEP_TSTAT
         || t->type == NINEP_TREAD
         || (t->type == NINEP_TOPEN && !(t->mode & NINEP_OTRUNC)))
        && ngx_http_9p_msg_len <= NGX_HTTP_9P_RAW_MAX)
    {
        ngx_memcpy(cr->raw, ngx_http_9p_msg, ngx_http_9p_msg_len);
        cr->raw_len = ngx_http_9p_msg_len;
    }

    ngx_queue_insert_tail(&s->creqs, &cr->queue);
    s->ncreqs++;

    return cr;
}


/* A request is over: its Tflushes are answered after it, then it goes. */

static void
ngx_http_9p_creq_done(ngx_http_9p_creq_t *cr)
{
    ngx_http_9p_creq_t     *fl;
    ngx_http_9p_session_t  *s;
    ninep_fcall_t           r;

    s = cr->s;

    while (cr->flushes) {
        fl = cr->flushes;
        cr->flushes = fl->flush_next;

        ngx_memzero(&r, sizeof(r));
        r.type = NINEP_RFLUSH;
        r.tag = fl->tag;
        (void) ngx_http_9p_ws_send_fcall(s, &r);

        ngx_queue_remove(&fl->queue);
        s->ncreqs--;
        fl->next = s->free_creqs;
        s->free_creqs = fl;
    }

    ngx_queue_remove(&cr->queue);
    s->ncreqs--;

    if (cr->backend) {
        ngx_http_9p_backend_unref(cr->backend);
        cr->backend = NULL;
    }

    if (cr->ns) {
        ngx_http_9p_ns_unref(cr->ns);
        cr->ns = NULL;
    }

    if (cr->reset) {
        ngx_http_9p_ns_unref(cr->reset);
        cr->reset = NULL;
    }

    if (cr->buf) {
        ngx_free(cr->buf);
    }

    if (cr->seen) {
        ngx_free(cr->seen);
    }

    if (cr->tline) {
        ngx_free(cr->tline);
    }

    ngx_http_9p_creq_ram(cr, NULL);

    cr->next = s->free_creqs;
    s->free_creqs = cr;

    ngx_http_9p_ws_post(s);
}


/* At least size bytes of the request's space, its contents not kept. */

static u_char *
ngx_http_9p_creq_space(ngx_http_9p_creq_t *cr, size_t size)
{
    if (size > cr->space_cap) {
        if (cr->space) {
            ngx_free(cr->space);
        }

        cr->space_cap = 0;
        cr->space = ngx_alloc(ngx_max(size, 256), cr->s->connection->log);

        if (cr->space == NULL) {
            return NULL;
        }

        cr->space_cap = ngx_max(size, 256);
    }

    return cr->space;
}


static void
ngx_http_9p_creq_reply(ngx_http_9p_creq_t *cr, ninep_fcall_t *r)
{
    r->tag = cr->tag;

    if (!cr->flushed) {
        (void) ngx_http_9p_ws_send_fcall(cr->s, r);
    }

    ngx_http_9p_creq_done(cr);
}


/* Errors from a service pass through unchanged; the kernel's own name
 * the service they are about. */

static void
ngx_http_9p_creq_error(ngx_http_9p_creq_t *cr, const char *svc,
    const char *ename)
{
    u_char         buf[NGX_HTTP_9P_ENAME_MAX], *p;
    ninep_fcall_t  r;

    ngx_memzero(&r, sizeof(r));
    r.type = NINEP_RERROR;

    if (svc) {
        p = ngx_snprintf(buf, sizeof(buf), "%s: %s", svc, ename);
        r.ename.data = buf;
        r.ename.len = (uint16_t) (p - buf);

    } else {
        r.ename = ninep_str(ename);
    }

    ngx_http_9p_creq_reply(cr, &r);
}


/* Stops a request without a reply; what it made is released. */

static void
ngx_http_9p_creq_abort(ngx_http_9p_creq_t *cr)
{
    ngx_http_9p_pool_cancel(&cr->wait);

    if (cr->breq) {
        /* the backend clunks whatever the abandoned reply creates */
        ngx_http_9p_backend_abandon(cr->breq);
        cr->breq = NULL;
    }

    if (cr->backend && cr->owned != NINEP_NOFID) {
        ngx_http_9p_backend_clunk(cr->backend, cr->owned);
        cr->owned = NINEP_NOFID;
    }

    if (cr->ns) {
        ngx_http_9p_ns_unref(cr->ns);
        cr->ns = NULL;
    }

    cr->flushed = 1;

    ngx_http_9p_creq_done(cr);
}


/*
 * flush(5): a request still with a service is flushed there and answered
 * as the service decides; Rflush follows.  One that waits for a
 * connection is dropped at once.
 */

static ngx_int_t
ngx_http_9p_flush(ngx_http_9p_session_t *s, ninep_fcall_t *t)
{
    ngx_queue_t          *q;
    ngx_http_9p_creq_t   *old, *fl, **last;
    ninep_fcall_t         r;

    old = NULL;

    for (q = ngx_queue_head(&s->creqs);
         q != ngx_queue_sentinel(&s->creqs);
         q = ngx_queue_next(q))
    {
        old = ngx_queue_data(q, ngx_http_9p_creq_t, queue);

        if (old->tag == t->oldtag && old->type != NINEP_TFLUSH) {
            break;
        }

        old = NULL;
    }

    if (old && old->breq) {
        fl = ngx_http_9p_creq_new(s, t);
        if (fl == NULL) {
            return NGX_ERROR;
        }

        /* flush(5): Rflushes in the order of their Tflushes */
        for (last = &old->flushes; *last; last = &(*last)->flush_next) {
            /* void */
        }

        fl->flush_next = NULL;
        *last = fl;
        ngx_http_9p_backend_flush(old->breq);

        return NGX_OK;
    }

    if (old) {
        ngx_http_9p_creq_abort(old);
    }

    ngx_memzero(&r, sizeof(r));
    r.type = NINEP_RFLUSH;
    r.tag = t->tag;

    return ngx_http_9p_ws_send_fcall(s, &r);
}


static ngx_int_t
ngx_http_9p_send(ngx_http_9p_creq_t *cr, ngx_http_9p_backend_t *b,
    ninep_fcall_t *t, ngx_http_9p_reply_pt handler)
{
    const char  *err;

    cr->breq = ngx_http_9p_backend_send(b, t, handler, cr, &err);

    if (cr->breq == NULL) {
        ngx_http_9p_creq_error(cr, ngx_http_9p_backend_name(b), err);
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* ---------------------------------------------------------------- fids */


/*
 * A request that outlives a round trip remembers its fid by number and
 * generation: the client may clunk it meanwhile, and reuse the number.
 */

static void
ngx_http_9p_creq_hold(ngx_http_9p_creq_t *cr, ngx_http_9p_fid_t *f)
{
    cr->fid = f;
    cr->fidno = f->fid;
    cr->fidgen = f->gen;
    cr->obfid = f->bfid;
    cr->obackend = f->backend;
}


static ngx_http_9p_fid_t *
ngx_http_9p_creq_fid(ngx_http_9p_creq_t *cr)
{
    ngx_http_9p_fid_t  *f;

    if (cr->fid == NULL) {
        return NULL;
    }

    f = ngx_http_9p_fid_find(cr->s, cr->fidno);

    return (f && f->gen == cr->fidgen) ? f : NULL;
}


static ngx_http_9p_fid_t *
ngx_http_9p_fid_find(ngx_http_9p_session_t *s, uint32_t fid)
{
    ngx_http_9p_fid_t  *f;

    for (f = s->fids[fid % NGX_HTTP_9P_FID_BUCKETS]; f; f = f->next) {
        if (f->fid == fid) {
            return f;
        }
    }

    return NULL;
}


static ngx_http_9p_fid_t *
ngx_http_9p_fid_new(ngx_http_9p_session_t *s, uint32_t fid)
{
    ngx_http_9p_fid_t  *f, **bucket;

    if (s->nfids >= s->conf->max_fids) {
        return NULL;
    }

    f = s->free_fids;

    if (f) {
        s->free_fids = f->next;

    } else {
        f = ngx_calloc(sizeof(ngx_http_9p_fid_t), s->connection->log);
        if (f == NULL) {
            return NULL;
        }
    }

    f->fid = fid;
    f->gen = ++s->fid_gen;
    f->ns = NULL;
    f->mount = NULL;
    f->backend = NULL;
    f->bfid = NINEP_NOFID;
    f->path_len = 0;
    f->dev = NGX_HTTP_9P_DEV_NONE;
    f->ram = NULL;
    f->dir = NULL;
    f->open = 0;
    f->merge = 0;

    bucket = &s->fids[fid % NGX_HTTP_9P_FID_BUCKETS];
    f->next = *bucket;
    *bucket = f;
    s->nfids++;

    return f;
}


static void
ngx_http_9p_fid_unlink(ngx_http_9p_session_t *s, ngx_http_9p_fid_t *f)
{
    ngx_http_9p_fid_t  **pp;

    for (pp = &s->fids[f->fid % NGX_HTTP_9P_FID_BUCKETS]; *pp;
         pp = &(*pp)->next)
    {
        if (*pp == f) {
            *pp = f->next;
            s->nfids--;
            return;
        }
    }
}


/* Lets go of an unlinked fid, clunking its backend fid if asked. */

static void
ngx_http_9p_fid_free(ngx_http_9p_session_t *s, ngx_http_9p_fid_t *f,
    ngx_uint_t clunk)
{
    if (f->backend) {
        if (clunk) {
            ngx_http_9p_backend_clunk(f->backend, f->bfid);
        }

        ngx_http_9p_backend_unref(f->backend);
        f->backend = NULL;
    }

    if (f->ns) {
        ngx_http_9p_ns_unref(f->ns);
        f->ns = NULL;
    }

    if (f->dir) {
        ngx_free(f->dir);
        f->dir = NULL;
    }

    if (f->ram) {
        ngx_http_9p_rnode_unref(f->ram);
        f->ram = NULL;
    }

    f->next = s->free_fids;
    s->free_fids = f;
}


static ngx_int_t
ngx_http_9p_fid_set_path(ngx_http_9p_fid_t *f, u_char *p, size_t len)
{
    if (len > f->path_cap) {
        if (f->path) {
            ngx_free(f->path);
        }

        f->path_cap = ngx_max(len, 64);
        f->path = ngx_alloc(f->path_cap, ngx_cycle->log);

        if (f->path == NULL) {
            f->path_cap = 0;
            f->path_len = 0;
            return NGX_ERROR;
        }
    }

    ngx_memcpy(f->path, p, len);
    f->path_len = len;

    return NGX_OK;
}


/* A namespace of its own pool, empty, with one reference. */

static ngx_http_9p_ns_t *
ngx_http_9p_ns_create(ngx_http_9p_session_t *s)
{
    ngx_pool_t        *pool;
    ngx_http_9p_ns_t  *ns;

    pool = ngx_create_pool(1024, s->connection->log);
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

    return ns;
}


static void
ngx_http_9p_ns_unref(ngx_http_9p_ns_t *ns)
{
    ngx_uint_t             i;
    ngx_http_9p_mount_t  **m;

    if (--ns->refs > 0) {
        return;
    }

    m = ns->mounts.elts;

    for (i = 0; i < ns->mounts.nelts; i++) {
        ngx_http_9p_entry_drop(m[i]);
    }

    ngx_destroy_pool(ns->pool);
}


/* -------------------------------------------------------------- attach */


static ngx_int_t
ngx_http_9p_attach(ngx_http_9p_session_t *s, ninep_fcall_t *t)
{
    ngx_http_9p_ns_t      *ns;
    ngx_http_9p_creq_t    *cr;
    ngx_http_9p_tcache_t  *tc;

    if (ngx_http_9p_fid_find(s, t->fid)) {
        return ngx_http_9p_reply_error(s, t->tag, "fid in use");
    }

    if (t->afid != NINEP_NOFID) {
        return ngx_http_9p_reply_error(s, t->tag,
                                       "authentication not required");
    }

    if (t->aname.len && s->conf->services == NULL) {
        return ngx_http_9p_reply_error(s, t->tag, "no services configured");
    }

    if (t->aname.len >= NGX_HTTP_9P_PATH_MAX) {
        return ngx_http_9p_reply_error(s, t->tag, "ticket path too long");
    }

    ns = ngx_http_9p_ns_create(s);
    if (ns == NULL) {
        return NGX_ERROR;
    }

    cr = ngx_http_9p_creq_new(s, t);
    if (cr == NULL) {
        ngx_http_9p_ns_unref(ns);
        return NGX_ERROR;
    }

    cr->ns = ns;
    cr->newfid = t->fid;
    cr->step = NGX_HTTP_9P_A_TICKET;

    if (ngx_array_init(&cr->pending, ns->pool, 8,
                       sizeof(ngx_http_9p_mount_t *))
        != NGX_OK)
    {
        ngx_http_9p_attach_fail(cr, "out of memory");
        return NGX_OK;
    }

    cr->wait.handler = ngx_http_9p_attach_ready;
    cr->wait.data = cr;
    /* the ticket path, kept only while the attach lasts */
    if (t->aname.len) {
        cr->path = ngx_http_9p_creq_space(cr, t->aname.len);
        if (cr->path == NULL) {
            ngx_http_9p_attach_fail(cr, "out of memory");
            return NGX_OK;
        }

        ngx_memcpy(cr->path, t->aname.data, t->aname.len);
    }

    cr->tpath = cr->path;
    cr->tpath_len = t->aname.len;

    tc = t->aname.len ? ngx_http_9p_tcache_slot(cr->tpath, cr->tpath_len)
                      : NULL;

    if (tc && tc->len == cr->tpath_len
        && ngx_memcmp(tc->path, cr->tpath, tc->len) == 0
        && ngx_current_msec - tc->checked < s->conf->ticket_cache
        && tc->expires > ngx_time())
    {
        /* verified moments ago: straight to the namespace */
        ngx_cpystrn((u_char *) ns->user, (u_char *) tc->user,
                    sizeof(ns->user));
        cr->step = NGX_HTTP_9P_A_NAMESPACE;
    }

    if (t->aname.len == 0) {
        /* bootstrap: none; rescue mode if the boot service is away */
        ngx_cpystrn((u_char *) ns->user, (u_char *) "none",
                    sizeof(ns->user));

        if (s->conf->services && ngx_http_9p_service_find(s, NULL, 0, 1)) {
            cr->step = NGX_HTTP_9P_A_BOOT;
            ngx_http_9p_attach_next(cr);
            return NGX_OK;
        }

        ngx_http_9p_bootstrap(cr, NULL);
        return NGX_OK;
    }

    ngx_http_9p_attach_next(cr);

    return NGX_OK;
}


/*
 * The bootstrap namespace: the kernel's files at / and /dev, factotum at
 * /dev/factotum.  With why (the boot service cannot be reached), the
 * rescue tree is / instead.
 */

static void
ngx_http_9p_bootstrap(ngx_http_9p_creq_t *cr, const char *why)
{
    ngx_http_9p_mount_t  *m;

    m = ngx_http_9p_pending_add(cr, (u_char *) "/", 1,
                                why ? NGX_HTTP_9P_DEV_NONE
                                    : NGX_HTTP_9P_DEV_ROOT, NULL);

    if (m && why && ngx_http_9p_rescue_root(cr, m, why) != NGX_OK) {
        m = NULL;
    }

    if (m == NULL
        || ngx_http_9p_pending_add(cr, (u_char *) "/dev", 4,
                                   NGX_HTTP_9P_DEV_DIR, NULL) == NULL
        || ngx_http_9p_add_factotum(cr) != NGX_OK)
    {
        ngx_http_9p_attach_fail(cr, "out of memory");
        return;
    }

    cr->step = NGX_HTTP_9P_A_MOUNT;
    cr->mount_i = 0;
    ngx_http_9p_attach_next(cr);
}


/*
 * Rescue mode (DESIGN.md §3): the worker's RAM tree is "/".  The error
 * log says so when the worker enters it and when it leaves.
 */

static ngx_uint_t  ngx_http_9p_rescuing;

static ngx_int_t
ngx_http_9p_rescue_root(ngx_http_9p_creq_t *cr, ngx_http_9p_mount_t *m,
    const char *why)
{
    u_char                 text[NGX_HTTP_9P_ENAME_MAX], *p;
    ngx_str_t              reason;
    ngx_http_9p_service_t  *boot;

    boot = ngx_http_9p_service_find(cr->s, NULL, 0, 1);
    p = ngx_snprintf(text, sizeof(text), "%V unavailable: %s", &boot->name,
                     why);
    reason.data = text;
    reason.len = p - text;

    if (!ngx_http_9p_rescuing) {
        ngx_log_error(NGX_LOG_WARN, cr->s->connection->log, 0,
                      "9p: rescue mode: %V; sessions get the worker's "
                      "RAM tree as /", &reason);
        ngx_http_9p_rescuing = 1;
    }

    m->ram = ngx_http_9p_ramfs_root(cr->s->conf->rescue_size, &reason);
    if (m->ram == NULL) {
        return NGX_ERROR;
    }

    ngx_http_9p_rnode_ref(m->ram);
    ngx_http_9p_rnode_qid(m->ram, &m->qid);

    return NGX_OK;
}


/* The boot service answered: rescue mode, if it was on, is over. */

static void
ngx_http_9p_rescue_over(ngx_http_9p_creq_t *cr)
{
    if (ngx_http_9p_rescuing) {
        ngx_log_error(NGX_LOG_NOTICE, cr->s->connection->log, 0,
                      "9p: rescue mode over: the boot service is back");
        ngx_http_9p_rescuing = 0;
    }
}


/* A new entry in the namespace's pool, not yet in its table. */

static ngx_http_9p_mount_t *
ngx_http_9p_entry_new(ngx_http_9p_ns_t *ns, u_char *path, size_t len,
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

    m->path.len = ngx_http_9p_clean(m->path.data, path, len);
    m->dev = dev;
    m->service = svc;
    m->bfid = NINEP_NOFID;

    if (dev) {
        ngx_http_9p_dev_qid(dev, &m->qid);
    }

    return m;
}


/* An entry for the attach or nsctl to make after the ones before it. */

static ngx_http_9p_mount_t *
ngx_http_9p_pending_add(ngx_http_9p_creq_t *cr, u_char *path, size_t len,
    ngx_uint_t dev, ngx_http_9p_service_t *svc)
{
    ngx_http_9p_mount_t  *m, **mp;

    if (cr->pending.nelts == NGX_HTTP_9P_MOUNTS_MAX) {
        return NULL;
    }

    m = ngx_http_9p_entry_new(cr->ns, path, len, dev, svc);
    if (m == NULL) {
        return NULL;
    }

    mp = ngx_array_push(&cr->pending);
    if (mp == NULL) {
        return NULL;
    }

    *mp = m;

    return m;
}


/* /dev/factotum, when a service is called factotum and answers. */

static ngx_int_t
ngx_http_9p_add_factotum(ngx_http_9p_creq_t *cr)
{
    ngx_http_9p_mount_t    *m;
    ngx_http_9p_service_t  *svc;

    if (cr->s->conf->services == NULL) {
        return NGX_OK;
    }

    svc = ngx_http_9p_service_find(cr->s, (u_char *) "factotum", 8, 0);

    if (svc == NULL) {
        return NGX_OK;
    }

    m = ngx_http_9p_pending_add(cr, (u_char *) "/dev/factotum", 13, 0, svc);
    if (m == NULL) {
        return NGX_ERROR;
    }

    m->optional = 1;

    return NGX_OK;
}


static ngx_http_9p_service_t *
ngx_http_9p_service_find(ngx_http_9p_session_t *s, u_char *name, size_t len,
    ngx_uint_t boot)
{
    ngx_uint_t              i;
    ngx_http_9p_service_t  *svc;

    svc = s->conf->services->elts;

    for (i = 0; i < s->conf->services->nelts; i++) {
        if (boot ? svc[i].boot
                 : (svc[i].name.len == len
                    && ngx_strncmp(svc[i].name.data, name, len) == 0))
        {
            return &svc[i];
        }
    }

    return NULL;
}


/*
 * One entry of DESIGN.md §3 from the words of a line of a namespace file
 * or of an nsctl write: "mount [-abc] service mountpoint [spec]", "bind
 * [-abc] source mountpoint" or "unmount [source] mountpoint", $user
 * expanded.  NGX_OK: it waits in cr->pending; NGX_DECLINED: a service
 * this kernel does not have; NGX_ERROR: why is in err.
 */

static ngx_int_t
ngx_http_9p_ns_entry(ngx_http_9p_creq_t *cr, u_char **w, u_char **we,
    ngx_uint_t nw, u_char *err, size_t size)
{
    u_char                 *f;
    size_t                  len;
    ngx_str_t               point;
    ngx_uint_t              i, verb, src, at, spec;
    ngx_http_9p_mount_t    *m;
    ngx_http_9p_service_t  *svc;

    static const char  *usage[] = {
        "expected \"mount [-abc] service mountpoint [spec]\"",
        "expected \"bind [-abc] /source /mountpoint\"",
        "expected \"unmount [source] /mountpoint\"",
        "expected mount, bind or unmount"
    };

    len = we[0] - w[0];
    verb = (len == 5 && ngx_strncmp(w[0], "mount", 5) == 0) ? 0
           : (len == 4 && ngx_strncmp(w[0], "bind", 4) == 0) ? 1
           : (len == 7 && ngx_strncmp(w[0], "unmount", 7) == 0) ? 2 : 3;

    /* the words: flags at 1, then source (or service), point, spec */
    i = (verb < 2 && nw > 1 && *w[1] == '-') ? 2 : 1;
    src = (verb == 2 && nw == 2) ? 0 : i;
    at = src ? src + 1 : 1;
    spec = (verb == 0 && nw == at + 2) ? at + 1 : 0;

    if (verb == 3 || nw != at + 1 + (spec != 0) || *w[at] != '/'
        || (verb == 1 && *w[src] != '/'))
    {
        ngx_cpystrn(err, (u_char *) usage[verb], size);
        return NGX_ERROR;
    }

    svc = NULL;

    if (verb == 0) {
        svc = cr->s->conf->services
              ? ngx_http_9p_service_find(cr->s, w[src], we[src] - w[src], 0)
              : NULL;

        if (svc == NULL) {
            ngx_snprintf(err, size, "mount: unknown service \"%*s\"%Z",
                         ngx_min((size_t) (we[src] - w[src]), size / 2),
                         w[src]);
            return NGX_DECLINED;
        }
    }

    if (ngx_http_9p_expand_user(cr->ns, w[at], we[at] - w[at], &point)
        != NGX_OK
        || (m = ngx_http_9p_pending_add(cr, point.data, point.len, 0, svc))
           == NULL)
    {
        ngx_cpystrn(err, (u_char *) "too many entries", size);
        return NGX_ERROR;
    }

    m->unmount = (verb == 2);

    for (f = (i == 2) ? w[1] + 1 : we[1]; f < we[1]; f++) {
        m->after |= (*f == 'a');
        m->before |= (*f == 'b');
        m->create |= (*f == 'c');

        if ((*f != 'a' && *f != 'b' && *f != 'c')
            || (m->after && m->before))
        {
            cr->pending.nelts--;
            ngx_cpystrn(err, (u_char *) "flags: -a or -b, and -c", size);
            return NGX_ERROR;
        }
    }

    if ((verb != 0 && src
         && ngx_http_9p_expand_user(cr->ns, w[src], we[src] - w[src],
                                    &m->source)
            != NGX_OK)
        || (spec
            && ngx_http_9p_expand_user(cr->ns, w[spec], we[spec] - w[spec],
                                       &m->spec)
               != NGX_OK))
    {
        cr->pending.nelts--;
        ngx_cpystrn(err, (u_char *) "out of memory", size);
        return NGX_ERROR;
    }

    if (m->source.len && m->source.data[0] == '/') {
        m->source.len = ngx_http_9p_clean(m->source.data, m->source.data,
                                          m->source.len);
    }

    return NGX_OK;
}


/* Whether a and b are members of one union: the same mount point. */

static ngx_uint_t
ngx_http_9p_same_point(ngx_http_9p_mount_t *a, ngx_http_9p_mount_t *b)
{
    return a == b
           || (a->path.len == b->path.len
               && ngx_strncmp(a->path.data, b->path.data, a->path.len) == 0);
}


/* The member after m in its union, or NULL. */

static ngx_http_9p_mount_t *
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


/* A mount no longer in the table lets go of its root. */

static void
ngx_http_9p_entry_drop(ngx_http_9p_mount_t *m)
{
    if (m->ram) {
        ngx_http_9p_rnode_unref(m->ram);
        m->ram = NULL;
    }

    if (m->backend) {
        ngx_http_9p_backend_clunk(m->backend, m->bfid);
        ngx_http_9p_backend_unref(m->backend);
        m->backend = NULL;
        m->bfid = NINEP_NOFID;
    }
}


/*
 * A made entry joins the table: with -b before the union at its point,
 * with -a after it, with neither in its place.
 */

static ngx_int_t
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

        ngx_http_9p_entry_drop(mp[i - 1]);
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

static ngx_uint_t
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

        ngx_http_9p_entry_drop(mp[i]);
        ngx_memmove(&mp[i], &mp[i + 1],
                    (ns->mounts.nelts - i - 1) * sizeof(*mp));
        ns->mounts.nelts--;
        left--;
        n++;
    }

    return n;
}


/* A copy of p in the namespace's pool, with $user replaced. */

static ngx_int_t
ngx_http_9p_expand_user(ngx_http_9p_ns_t *ns, u_char *p, size_t len,
    ngx_str_t *out)
{
    size_t  j, n, ulen;

    ulen = ngx_strlen(ns->user);

    out->data = ngx_pnalloc(ns->pool, len * (ulen + 1) + 1);
    if (out->data == NULL) {
        return NGX_ERROR;
    }

    for (j = 0, n = 0; j < len; j++) {
        if (len - j >= 5 && ngx_strncmp(p + j, "$user", 5) == 0) {
            n = ngx_cpymem(out->data + n, ns->user, ulen) - out->data;
            j += 4;
            continue;
        }

        out->data[n++] = p[j];
    }

    out->len = n;

    return NGX_OK;
}


/*
 * A bind: the source as the namespace has it now, walked from its
 * mount's root on that mount's connection.
 */

static void
ngx_http_9p_attach_bind(ngx_http_9p_creq_t *cr, ngx_http_9p_mount_t *m)
{
    ngx_http_9p_mount_t   *src;

    src = ngx_http_9p_mount_of(cr->ns, m->source.data, m->source.len);

    if (src == NULL || (src->dev && src->path.len != m->source.len)) {
        ngx_http_9p_attach_skip(cr, "bind: no such source", &m->source);
        return;
    }

    if (src->dev) {
        m->dev = src->dev;
        m->qid = src->qid;
        ngx_http_9p_attach_made(cr, m);
        return;
    }

    m->service = src->service;
    cr->qid = src->qid;

    if (!ngx_http_9p_backend_alive(src->backend)) {
        ngx_http_9p_attach_skip(cr, "bind: connection lost for",
                                &m->source);
        return;
    }

    if (ngx_http_9p_bind_source(cr, src, m, ngx_http_9p_bind_walked)
        != NGX_OK)
    {
        ngx_http_9p_attach_fail(cr, "out of backend fids");
    }
}


/*
 * A mount's root on cr->backend: an attach as the namespace's user (the
 * kernel speaks for it on its authenticated connection).
 */

static ngx_int_t
ngx_http_9p_mount_root(ngx_http_9p_creq_t *cr, ngx_http_9p_mount_t *m,
    ngx_http_9p_reply_pt handler)
{
    ninep_fcall_t  t;

    if (ngx_http_9p_backend_fid(cr->backend, &cr->nbfid) != NGX_OK) {
        return NGX_ERROR;
    }

    ngx_memzero(&t, sizeof(t));
    t.type = NINEP_TATTACH;
    t.fid = cr->nbfid;
    t.afid = NINEP_NOFID;
    t.uname = ninep_str(cr->ns->user);
    t.aname.data = m->spec.data;
    t.aname.len = (uint16_t) m->spec.len;

    (void) ngx_http_9p_send(cr, cr->backend, &t, handler);

    return NGX_OK;
}


/* A bind's root: a walk to its source from the root of src. */

static ngx_int_t
ngx_http_9p_bind_source(ngx_http_9p_creq_t *cr, ngx_http_9p_mount_t *src,
    ngx_http_9p_mount_t *m, ngx_http_9p_reply_pt handler)
{
    ninep_fcall_t  t;

    ngx_http_9p_union_use(cr, src->backend);

    if (ngx_http_9p_backend_fid(cr->backend, &cr->nbfid) != NGX_OK) {
        return NGX_ERROR;
    }

    ngx_memzero(&t, sizeof(t));
    t.type = NINEP_TWALK;
    t.fid = src->bfid;
    t.newfid = cr->nbfid;
    ngx_http_9p_walk_rel(&t, src, m->source.data, m->source.len);

    (void) ngx_http_9p_send(cr, cr->backend, &t, handler);

    return NGX_OK;
}


static void
ngx_http_9p_bind_walked(ngx_http_9p_breq_t *br, ninep_fcall_t *r,
    const char *err)
{
    ngx_http_9p_mount_t   *m, **mp;
    ngx_http_9p_creq_t    *cr;

    cr = br->data;
    cr->breq = NULL;
    mp = cr->pending.elts;
    m = mp[cr->mount_i];

    if (r == NULL || r->type != NINEP_RWALK || r->nwqid != br->nwname) {
        ngx_http_9p_backend_fid_free(cr->backend, cr->nbfid);
        ngx_http_9p_attach_skip(cr, "bind: cannot walk to the source",
                                &m->source);
        return;
    }

    m->backend = cr->backend;
    ngx_http_9p_backend_ref(m->backend);
    m->bfid = cr->nbfid;
    m->qid = r->nwqid ? r->wqid[r->nwqid - 1] : cr->qid;
    cr->nbfid = NINEP_NOFID;

    ngx_http_9p_attach_made(cr, m);
}


/* The entry is made: into the table with it, and on to the next. */

static void
ngx_http_9p_attach_made(ngx_http_9p_creq_t *cr, ngx_http_9p_mount_t *m)
{
    if (ngx_http_9p_ns_place(cr->ns, m) != NGX_OK) {
        ngx_http_9p_entry_drop(m);
        ngx_http_9p_attach_skip(cr, "too many mounts at", &m->path);
        return;
    }

    cr->mount_i++;
    ngx_http_9p_attach_next(cr);
}


/*
 * An optional mount whose service does not answer stays in the table, so
 * that a walk onto it says why ("factotum unavailable: ...").
 */

static void
ngx_http_9p_attach_down(ngx_http_9p_creq_t *cr, ngx_http_9p_mount_t *m,
    const char *why)
{
    u_char  *p;
    size_t   len;

    ngx_log_error(NGX_LOG_WARN, cr->s->connection->log, 0,
                  "9p: %V: %V unavailable: %s", &m->path, &m->service->name,
                  why);

    len = m->service->name.len + sizeof(" unavailable: ") + ngx_strlen(why);
    m->down = ngx_pnalloc(cr->ns->pool, len);

    if (m->down == NULL) {
        ngx_http_9p_attach_fail(cr, "out of memory");
        return;
    }

    p = ngx_sprintf((u_char *) m->down, "%V unavailable: %s%Z",
                    &m->service->name, why);
    (void) p;

    ngx_http_9p_attach_made(cr, m);
}


/*
 * An entry that cannot be made is left out with a log line; an nsctl
 * write says why instead.  What -a or -b would have joined may just not
 * be there.
 */

static void
ngx_http_9p_attach_skip(ngx_http_9p_creq_t *cr, const char *why,
    ngx_str_t *detail)
{
    u_char                 ename[NGX_HTTP_9P_ENAME_MAX], *p;
    ngx_uint_t             level;
    ngx_http_9p_mount_t  **mp, *m;

    mp = cr->pending.elts;
    m = mp[cr->mount_i];

    if (cr->nsctl && !m->implicit) {
        p = ngx_snprintf(ename, sizeof(ename) - 1, "%s %V", why, detail);
        *p = '\0';
        ngx_http_9p_creq_error(cr, NULL, (char *) ename);
        return;
    }

    level = m->implicit ? NGX_LOG_INFO : NGX_LOG_WARN;

    ngx_log_error(level, cr->s->connection->log, 0,
                  "9p: %V left out of the namespace: %s %V",
                  &m->path, why, detail);

    cr->mount_i++;
    ngx_http_9p_attach_next(cr);
}


/*
 * The pending entries in order, then the client's root.  Each mount needs
 * a connection: first to the boot service for the namespace file, then
 * each mount's own.
 */

static void
ngx_http_9p_attach_next(ngx_http_9p_creq_t *cr)
{
    ninep_fcall_t           rf;
    ngx_http_9p_mount_t    *m, *u, **mp;
    ngx_http_9p_service_t  *svc;

    while (cr->step == NGX_HTTP_9P_A_MOUNT
           && cr->mount_i < cr->pending.nelts)
    {
        mp = cr->pending.elts;
        m = mp[cr->mount_i];

        if (m->unmount) {
            if (ngx_http_9p_ns_unmount(cr->ns, m) == 0) {
                if (cr->nsctl) {
                    ngx_http_9p_creq_error(cr, NULL, m->path.len == 1
                                   ? "unmount: not mounted (the root stays)"
                                   : "unmount: not mounted");
                    return;
                }

                ngx_log_error(NGX_LOG_WARN, cr->s->connection->log, 0,
                              "9p: %V:%ui: unmount: not mounted", m->file,
                              m->line);
            }

            cr->mount_i++;
            continue;
        }

        /* -a or -b at a new point: the directory there is the union's */
        if ((m->before || m->after) && !m->joined) {
            m->joined = 1;
            u = ngx_http_9p_mount_of(cr->ns, m->path.data, m->path.len);

            if (u && u->path.len != m->path.len) {
                u = ngx_http_9p_entry_new(cr->ns, m->path.data, m->path.len,
                                          0, NULL);

                if (u == NULL || ngx_array_push(&cr->pending) == NULL) {
                    ngx_http_9p_attach_fail(cr, "out of memory");
                    return;
                }

                u->source = u->path;
                u->implicit = 1;
                mp = cr->pending.elts;
                ngx_memmove(&mp[cr->mount_i + 1], &mp[cr->mount_i],
                            (cr->pending.nelts - 1 - cr->mount_i)
                            * sizeof(*mp));
                mp[cr->mount_i] = u;
                continue;
            }
        }

        if (m->dev || m->ram) {
            ngx_http_9p_attach_made(cr, m);
            return;
        }

        if (m->source.len) {
            ngx_http_9p_attach_bind(cr, m);
            return;
        }

        break;
    }

    if (cr->step == NGX_HTTP_9P_A_MOUNT) {
        if (cr->mount_i < cr->pending.nelts) {
            mp = cr->pending.elts;
            ngx_http_9p_pool_get(mp[cr->mount_i]->service, cr->s->conf,
                                 cr->s->request, &cr->wait);
            return;
        }

        if (cr->reset) {
            ngx_http_9p_ns_swap(cr);
            return;
        }

        if (cr->nsctl) {
            ngx_memzero(&rf, sizeof(rf));
            rf.type = NINEP_RWRITE;
            rf.count = cr->count;
            ngx_http_9p_creq_reply(cr, &rf);
            return;
        }

        /* the client's fid: a clone of the root's */
        cr->step = NGX_HTTP_9P_A_ROOT;
        cr->mount = ngx_http_9p_mount_of(cr->ns, (u_char *) "/", 1);

        if (cr->mount == NULL) {
            ngx_http_9p_attach_fail(cr, "namespace has no root");
            return;
        }

        if (cr->mount->dev || cr->mount->ram) {
            ngx_http_9p_attach_done(cr);
            return;
        }

        ngx_http_9p_attach_ready(&cr->wait, cr->mount->backend, NULL);
        return;
    }

    /* the ticket, then the namespace file: the boot service's */
    svc = ngx_http_9p_service_find(cr->s, NULL, 0, 1);

    if (svc == NULL) {
        ngx_http_9p_attach_fail(cr, "no boot service configured");
        return;
    }

    ngx_http_9p_pool_get(svc, cr->s->conf, cr->s->request, &cr->wait);
}


static void
ngx_http_9p_attach_fail(ngx_http_9p_creq_t *cr, const char *ename)
{
    ngx_http_9p_ns_unref(cr->ns);
    cr->ns = NULL;

    if (cr->backend && cr->owned != NINEP_NOFID) {
        ngx_http_9p_backend_clunk(cr->backend, cr->owned);
        cr->owned = NINEP_NOFID;
    }

    ngx_http_9p_creq_error(cr, NULL, ename);
}


/* A step failed: the service's own words, or why there are none. */

static void
ngx_http_9p_attach_failed(ngx_http_9p_creq_t *cr, ninep_fcall_t *r,
    const char *err, const char *what)
{
    u_char  ename[NGX_HTTP_9P_ENAME_MAX], *p;

    if (r && r->type == NINEP_RERROR) {
        p = ngx_snprintf(ename, sizeof(ename) - 1, "%s: %*s", what,
                         (size_t) r->ename.len, r->ename.data);

    } else {
        p = ngx_snprintf(ename, sizeof(ename) - 1, "%s: %s", what,
                         r ? "unexpected reply" : err);
    }

    *p = '\0';
    ngx_http_9p_attach_fail(cr, (char *) ename);
}


static void
ngx_http_9p_attach_ready(ngx_http_9p_wait_t *w, ngx_http_9p_backend_t *b,
    const char *err)
{
    u_char                 ename[NGX_HTTP_9P_ENAME_MAX], *p;
    ngx_str_t              detail;
    ninep_fcall_t          t;
    ngx_http_9p_mount_t   *m, **mp;
    ngx_http_9p_creq_t    *cr;
    ngx_http_9p_service_t  *svc;

    cr = w->data;

    mp = cr->pending.elts;

    if (b == NULL && cr->step == NGX_HTTP_9P_A_MOUNT
        && mp[cr->mount_i]->optional)
    {
        ngx_http_9p_attach_down(cr, mp[cr->mount_i], err);
        return;
    }

    if (b == NULL && cr->step == NGX_HTTP_9P_A_MOUNT && cr->nsctl) {
        detail.data = (u_char *) err;
        detail.len = ngx_strlen(err);
        ngx_http_9p_attach_skip(cr, "mount:", &detail);
        return;
    }

    if (cr->step == NGX_HTTP_9P_A_BOOT
        || (cr->step == NGX_HTTP_9P_A_NAMESPACE && cr->reset == NULL))
    {
        if (b == NULL) {
            /* a verified ticket, or none: rescue mode */
            ngx_http_9p_bootstrap(cr, err);
            return;
        }

        ngx_http_9p_rescue_over(cr);

        if (cr->step == NGX_HTTP_9P_A_BOOT) {
            ngx_http_9p_bootstrap(cr, NULL);
            return;
        }
    }

    if (b == NULL) {
        svc = (cr->step == NGX_HTTP_9P_A_KEYS)
              ? ngx_http_9p_service_find(cr->s, (u_char *) "factotum", 8, 0)
              : (cr->step == NGX_HTTP_9P_A_MOUNT)
              ? mp[cr->mount_i]->service
              : ngx_http_9p_service_find(cr->s, NULL, 0, 1);
        p = ngx_snprintf(ename, sizeof(ename) - 1, "%s%V unavailable: %s",
                         cr->step == NGX_HTTP_9P_A_KEYS
                         ? "ticket signed by an unknown key; " : "",
                         &svc->name, err);
        *p = '\0';
        ngx_http_9p_attach_fail(cr, (char *) ename);
        return;
    }

    if (cr->backend) {
        ngx_http_9p_backend_unref(cr->backend);
    }

    cr->backend = b;
    ngx_http_9p_backend_ref(b);

    switch (cr->step) {

    case NGX_HTTP_9P_A_TICKET:
        ngx_http_9p_slurp(cr, cr->tpath, cr->tpath_len);
        return;

    case NGX_HTTP_9P_A_NAMESPACE:
        ngx_http_9p_slurp(cr, (u_char *) "/lib/namespace",
                          sizeof("/lib/namespace") - 1);
        return;

    case NGX_HTTP_9P_A_KEYS:
        ngx_http_9p_slurp(cr, (u_char *) "/keys", sizeof("/keys") - 1);
        return;

    case NGX_HTTP_9P_A_MOUNT:
        if (ngx_http_9p_mount_root(cr, mp[cr->mount_i],
                                   ngx_http_9p_mount_attached)
            != NGX_OK)
        {
            ngx_http_9p_attach_fail(cr, "out of backend fids");
        }

        return;

    default: /* NGX_HTTP_9P_A_ROOT */
        m = cr->mount;

        if (ngx_http_9p_backend_fid(b, &cr->nbfid) != NGX_OK) {
            ngx_http_9p_attach_fail(cr, "out of backend fids");
            return;
        }

        ngx_memzero(&t, sizeof(t));
        t.type = NINEP_TWALK;
        t.fid = m->bfid;
        t.newfid = cr->nbfid;

        (void) ngx_http_9p_send(cr, b, &t, ngx_http_9p_root_cloned);
        return;
    }
}


/*
 * Reads a whole small file of the boot service as the kernel: walk from
 * the kernel's fid, open, read to the end, clunk.
 */

static void
ngx_http_9p_slurp(ngx_http_9p_creq_t *cr, u_char *path, size_t len)
{
    u_char         *p, *end, *name;
    ninep_fcall_t   t;

    if (ngx_http_9p_backend_fid(cr->backend, &cr->nbfid) != NGX_OK) {
        ngx_http_9p_attach_fail(cr, "out of backend fids");
        return;
    }

    ngx_memzero(&t, sizeof(t));
    t.type = NINEP_TWALK;
    t.fid = ngx_http_9p_backend_kernel_fid(cr->backend);
    t.newfid = cr->nbfid;

    end = path + len;

    for (p = path; p < end; p++) {
        if (*p == '/') {
            continue;
        }

        name = p;

        while (p < end && *p != '/') {
            p++;
        }

        if (t.nwname == NINEP_MAXWELEM) {
            ngx_http_9p_backend_fid_free(cr->backend, cr->nbfid);
            ngx_http_9p_attach_fail(cr, "path too deep");
            return;
        }

        t.wname[t.nwname].data = name;
        t.wname[t.nwname].len = (uint16_t) (p - name);
        t.nwname++;
    }

    cr->len = 0;
    cr->offset = 0;

    (void) ngx_http_9p_send(cr, cr->backend, &t, ngx_http_9p_slurp_walked);
}


static void
ngx_http_9p_slurp_walked(ngx_http_9p_breq_t *br, ninep_fcall_t *r,
    const char *err)
{
    ngx_http_9p_creq_t  *cr;

    cr = br->data;
    cr->breq = NULL;

    if (r == NULL || r->type != NINEP_RWALK || r->nwqid != br->nwname) {
        /* walk(5): a failed or short walk makes no fid */
        ngx_http_9p_backend_fid_free(cr->backend, cr->nbfid);

        /* missing: an Rerror for the first name, a short walk after */
        if (r && cr->step == NGX_HTTP_9P_A_INCLUDE
            && (r->type == NINEP_RWALK
                || ninep_str_eq(r->ename, "file does not exist")))
        {
            ngx_log_error(NGX_LOG_INFO, cr->s->connection->log, 0,
                          "9p: no %V to include", &cr->include[cr->include_i]);
            cr->include_i++;
            ngx_http_9p_ns_next(cr);
            return;
        }

        if (r && cr->step != NGX_HTTP_9P_A_KEYS
            && (r->type == NINEP_RWALK
                || ninep_str_eq(r->ename, "file does not exist")))
        {
            ngx_http_9p_attach_fail(cr, cr->step == NGX_HTTP_9P_A_TICKET
                                        ? "no such ticket"
                                        : "no /lib/namespace");
            return;
        }

        ngx_http_9p_attach_failed(cr, r, err, ngx_http_9p_slurp_what(cr, r));
        return;
    }

    ngx_http_9p_open_walked(cr, ngx_http_9p_slurp_opened);
}


/* The fid a walk just made is the request's: open it for reading. */

static void
ngx_http_9p_open_walked(ngx_http_9p_creq_t *cr, ngx_http_9p_reply_pt handler)
{
    ninep_fcall_t  t;

    cr->owned = cr->nbfid;

    ngx_memzero(&t, sizeof(t));
    t.type = NINEP_TOPEN;
    t.fid = cr->nbfid;
    t.mode = NINEP_OREAD;

    (void) ngx_http_9p_send(cr, cr->backend, &t, handler);
}


static void
ngx_http_9p_slurp_opened(ngx_http_9p_breq_t *br, ninep_fcall_t *r,
    const char *err)
{
    size_t               max;
    ninep_fcall_t        t;
    ngx_http_9p_creq_t  *cr;

    cr = br->data;
    cr->breq = NULL;

    if (r == NULL || r->type != NINEP_ROPEN) {
        ngx_http_9p_attach_failed(cr, r, err, ngx_http_9p_slurp_what(cr, r));
        return;
    }

    max = (cr->step == NGX_HTTP_9P_A_TICKET) ? NGX_HTTP_9P_TICKET_MAX
                                              : NGX_HTTP_9P_NS_MAX;

    if (cr->buf == NULL) {
        cr->buf = ngx_alloc(NGX_HTTP_9P_NS_MAX, ngx_cycle->log);
        if (cr->buf == NULL) {
            ngx_http_9p_attach_fail(cr, "out of memory");
            return;
        }
    }

    ngx_memzero(&t, sizeof(t));
    t.type = NINEP_TREAD;
    t.fid = cr->nbfid;
    t.offset = cr->offset;
    t.count = (uint32_t) ngx_min(max + 1 - cr->len,
                     ngx_http_9p_backend_msize(cr->backend) - NINEP_IOHDRSZ);

    (void) ngx_http_9p_send(cr, cr->backend, &t, ngx_http_9p_slurp_read);
}


static void
ngx_http_9p_slurp_read(ngx_http_9p_breq_t *br, ninep_fcall_t *r,
    const char *err)
{
    size_t               max;
    const char          *e;
    ngx_http_9p_creq_t  *cr;
    ninep_fcall_t        opened;

    cr = br->data;
    cr->breq = NULL;

    max = (cr->step == NGX_HTTP_9P_A_TICKET) ? NGX_HTTP_9P_TICKET_MAX
                                              : NGX_HTTP_9P_NS_MAX;

    if (r == NULL || r->type != NINEP_RREAD) {
        ngx_http_9p_attach_failed(cr, r, err, ngx_http_9p_slurp_what(cr, r));
        return;
    }

    if (r->count > 0) {
        if (cr->len + r->count > max) {
            ngx_http_9p_attach_fail(cr, cr->step == NGX_HTTP_9P_A_TICKET
                                        ? "ticket too long"
                                        : cr->step == NGX_HTTP_9P_A_KEYS
                                        ? "factotum's /keys too long"
                                        : "/lib/namespace too long");
            return;
        }

        ngx_memcpy(cr->buf + cr->len, r->data, r->count);
        cr->len += r->count;
        cr->offset += r->count;

        /* read on: Rread is short at the end, empty after it */
        ngx_memzero(&opened, sizeof(opened));
        opened.type = NINEP_ROPEN;
        ngx_http_9p_slurp_opened(br, &opened, NULL);
        return;
    }

    ngx_http_9p_backend_clunk(cr->backend, cr->owned);
    cr->owned = NINEP_NOFID;
    cr->nbfid = NINEP_NOFID;

    if (cr->step == NGX_HTTP_9P_A_TICKET) {
        e = ngx_http_9p_check_ticket(cr);

        if (e == ngx_http_9p_unknown_key && ngx_http_9p_fkeys_due(cr)) {
            ngx_http_9p_fkeys_fetch(cr);
            return;
        }

        if (e) {
            ngx_http_9p_attach_fail(cr, e);
            return;
        }

        cr->step = NGX_HTTP_9P_A_NAMESPACE;
        ngx_http_9p_attach_ready(&cr->wait, cr->backend, NULL);
        return;
    }

    if (cr->step == NGX_HTTP_9P_A_KEYS) {
        ngx_http_9p_fkeys_got(cr);
        return;
    }

    ngx_http_9p_parse_namespace(cr);

    if (cr->step == NGX_HTTP_9P_A_INCLUDE) {
        ngx_http_9p_ns_included(cr);
    }

    ngx_http_9p_ns_next(cr);
}


/* Whose file a failed read was: the boot service's, or factotum's. */

static const char *
ngx_http_9p_slurp_what(ngx_http_9p_creq_t *cr, ninep_fcall_t *r)
{
    if (cr->step == NGX_HTTP_9P_A_KEYS) {
        return r ? "ticket signed by an unknown key; factotum"
                 : "ticket signed by an unknown key; factotum unavailable";
    }

    return r ? "boot service" : "boot service unavailable";
}


/* A certificate from factotum's /keys with keyid, for conf's issuer. */

static ten_cert_t *
ngx_http_9p_fkey(ngx_http_9p_loc_conf_t *conf, const char *keyid)
{
    ngx_uint_t              i;
    const ten_principal_t  *issuer;

    issuer = conf->trust ? ten_trust_find(conf->trust, "factotum") : NULL;

    if (issuer == NULL
        || ngx_memcmp(issuer->pk, ngx_http_9p_fkeys_issuer, TEN_PK_LEN) != 0)
    {
        return NULL;
    }

    for (i = 0; i < ngx_http_9p_nfkeys; i++) {
        if (ngx_strcmp(ngx_http_9p_fkeys[i].keyid, keyid) == 0) {
            return &ngx_http_9p_fkeys[i];
        }
    }

    return NULL;
}


/* Whether /keys may be read now: there is a factotum, and not too often. */

static ngx_uint_t
ngx_http_9p_fkeys_due(ngx_http_9p_creq_t *cr)
{
    ngx_http_9p_loc_conf_t  *conf;

    conf = cr->s->conf;

    return conf->trust && ten_trust_find(conf->trust, "factotum")
           && ngx_http_9p_service_find(cr->s, (u_char *) "factotum", 8, 0)
           && (!ngx_http_9p_fkeys_ever
               || ngx_strcmp(ngx_http_9p_fkeys_for, cr->ticket.keyid) != 0
               || ngx_current_msec - ngx_http_9p_fkeys_asked
                  >= NGX_HTTP_9P_FKEYS_EVERY);
}


/* The ticket waits aside while factotum's /keys is read. */

static void
ngx_http_9p_fkeys_fetch(ngx_http_9p_creq_t *cr)
{
    ngx_http_9p_fkeys_ever = 1;
    ngx_http_9p_fkeys_asked = ngx_current_msec;
    ngx_memcpy(ngx_http_9p_fkeys_for, cr->ticket.keyid, TEN_KEYID_LEN + 1);

    cr->tline = ngx_alloc(cr->len, cr->s->connection->log);
    if (cr->tline == NULL) {
        ngx_http_9p_attach_fail(cr, "out of memory");
        return;
    }

    ngx_memcpy(cr->tline, cr->buf, cr->len);
    cr->tline_len = cr->len;
    cr->step = NGX_HTTP_9P_A_KEYS;

    ngx_http_9p_pool_get(ngx_http_9p_service_find(cr->s,
                                                  (u_char *) "factotum", 8,
                                                  0),
                         cr->s->conf, cr->s->request, &cr->wait);
}


/*
 * /keys is read: its certificates replace the worker's, those that
 * factotum's pinned key signed; then the ticket is checked again.
 */

static void
ngx_http_9p_fkeys_got(ngx_http_9p_creq_t *cr)
{
    u_char                 *p, *end, *nl;
    ngx_uint_t              n;
    const char             *e;
    ten_cert_t              cert;
    const ten_principal_t  *issuer;

    issuer = ten_trust_find(cr->s->conf->trust, "factotum");
    end = cr->buf + cr->len;
    n = 0;

    for (p = cr->buf; p < end && n < NGX_HTTP_9P_FKEYS; p = nl + 1) {
        nl = ngx_strlchr(p, end, '\n');
        if (nl == NULL) {
            nl = end;
        }

        if (nl == p) {
            continue;
        }

        if (ten_cert_parse((char *) p, nl - p, issuer->pk, &cert, &e) != 0) {
            ngx_log_error(NGX_LOG_WARN, cr->s->connection->log, 0,
                          "9p: factotum's /keys: a line left out: %s", e);
            continue;
        }

        ngx_http_9p_fkeys[n++] = cert;
    }

    ngx_http_9p_nfkeys = n;
    ngx_memcpy(ngx_http_9p_fkeys_issuer, issuer->pk, TEN_PK_LEN);

    ngx_log_error(NGX_LOG_INFO, cr->s->connection->log, 0,
                  "9p: %ui ticket signing keys from factotum's /keys", n);

    ngx_memcpy(cr->buf, cr->tline, cr->tline_len);
    cr->len = cr->tline_len;
    cr->step = NGX_HTTP_9P_A_TICKET;

    e = ngx_http_9p_check_ticket(cr);

    if (e) {
        ngx_http_9p_attach_fail(cr, e);
        return;
    }

    /* on to the namespace, on a connection to the boot service */
    cr->step = NGX_HTTP_9P_A_NAMESPACE;
    ngx_http_9p_attach_next(cr);
}


/*
 * DESIGN.md §2: a certified, unexpired key signed it, it has not
 * expired, and the path names its user and nonce.
 */

static const char *
ngx_http_9p_check_ticket(ngx_http_9p_creq_t *cr)
{
    u_char                *p, *user, *nonce, *end;
    time_t                 now;
    ngx_uint_t             i;
    ten_cert_t            *cert;
    ten_ticket_t          *t;
    ngx_http_9p_tcache_t  *tc;

    t = &cr->ticket;

    if (ten_ticket_parse((char *) cr->buf, cr->len, t) != 0) {
        return "not a ticket";
    }

    cert = NULL;

    if (cr->s->conf->certs) {
        cert = cr->s->conf->certs->elts;

        for (i = 0; i < cr->s->conf->certs->nelts; i++) {
            if (ngx_strcmp(cert[i].keyid, t->keyid) == 0) {
                break;
            }
        }

        if (i == cr->s->conf->certs->nelts) {
            cert = NULL;

        } else {
            cert = &cert[i];
        }
    }

    if (cert == NULL) {
        cert = ngx_http_9p_fkey(cr->s->conf, t->keyid);
    }

    if (cert == NULL) {
        return ngx_http_9p_unknown_key;
    }

    if (ten_ticket_verify((char *) cr->buf, cr->len, cert) != 0) {
        return "bad ticket signature";
    }

    now = ngx_time();

    if (now < cert->not_before || now > cert->not_after) {
        return "ticket signing key expired";
    }

    if (t->expires <= now) {
        return "ticket expired";
    }

    /* "/priv/sessions/<user>/<nonce>" */
    p = cr->tpath;
    end = p + cr->tpath_len;

    if (cr->tpath_len <= sizeof("/priv/sessions/") - 1
        || ngx_strncmp(p, "/priv/sessions/", sizeof("/priv/sessions/") - 1)
           != 0)
    {
        return "ticket path mismatch";
    }

    user = p + sizeof("/priv/sessions/") - 1;
    nonce = ngx_strlchr(user, end, '/');

    if (nonce == NULL
        || (size_t) (nonce - user) != ngx_strlen(t->user)
        || ngx_strncmp(user, t->user, nonce - user) != 0
        || (size_t) (end - nonce - 1) != TEN_TNONCE_LEN
        || ngx_strncmp(nonce + 1, t->nonce, TEN_TNONCE_LEN) != 0)
    {
        return "ticket path mismatch";
    }

    ngx_cpystrn((u_char *) cr->ns->user, (u_char *) t->user,
                sizeof(cr->ns->user));

    tc = ngx_http_9p_tcache_slot(cr->tpath, cr->tpath_len);

    if (tc && cr->s->conf->ticket_cache) {
        ngx_memcpy(tc->path, cr->tpath, cr->tpath_len);
        tc->len = cr->tpath_len;
        ngx_cpystrn((u_char *) tc->user, (u_char *) t->user,
                    sizeof(tc->user));
        tc->expires = (time_t) t->expires;
        tc->checked = ngx_current_msec;
    }

    return NULL;
}


static ngx_http_9p_tcache_t *
ngx_http_9p_tcache_slot(u_char *path, size_t len)
{
    if (ngx_http_9p_tcache == NULL) {
        ngx_http_9p_tcache = ngx_pcalloc(ngx_cycle->pool,
                                 NGX_HTTP_9P_TCACHE
                                 * sizeof(ngx_http_9p_tcache_t));
        if (ngx_http_9p_tcache == NULL) {
            return NULL;
        }
    }

    if (len > sizeof(ngx_http_9p_tcache[0].path)) {
        return NULL;
    }

    return &ngx_http_9p_tcache[ngx_hash_key(path, len) % NGX_HTTP_9P_TCACHE];
}


/*
 * /lib/namespace or an include: its entries wait in cr->pending, in the
 * order of the lines; a line that is wrong is logged and skipped.
 */

static void
ngx_http_9p_parse_namespace(ngx_http_9p_creq_t *cr)
{
    u_char                *p, *end, *nl, *q, *w[6], *we[6];
    u_char                 err[NGX_HTTP_9P_ENAME_MAX];
    ngx_int_t              rc;
    ngx_uint_t             line, nw, level;
    ngx_http_9p_mount_t  **mp;

    p = cr->buf;
    end = cr->buf + cr->len;
    line = 0;

    for ( /* void */ ; p < end; p = nl + 1) {
        line++;
        nl = ngx_strlchr(p, end, '\n');
        if (nl == NULL) {
            nl = end;
        }

        /* words, up to a comment */
        nw = 0;

        for (q = p; q < nl && *q != '#'; /* void */) {
            if (*q == ' ' || *q == '\t' || *q == '\r') {
                q++;
                continue;
            }

            if (nw == 6) {
                nw++;
                break;
            }

            w[nw] = q;

            while (q < nl && *q != ' ' && *q != '\t' && *q != '\r'
                   && *q != '#')
            {
                q++;
            }

            we[nw++] = q;
        }

        if (nw == 0) {
            continue;
        }

        if (nw == 2 && we[0] - w[0] == 1 && *w[0] == '.') {
            ngx_http_9p_ns_include(cr, w[1], we[1] - w[1], line);
            continue;
        }

        rc = (nw > 6) ? NGX_ERROR
             : ngx_http_9p_ns_entry(cr, w, we, nw, err, sizeof(err));

        if (rc == NGX_OK) {
            mp = cr->pending.elts;
            mp[cr->pending.nelts - 1]->file = ngx_http_9p_ns_file(cr);
            mp[cr->pending.nelts - 1]->line = line;
            continue;
        }

        level = (rc == NGX_DECLINED) ? NGX_LOG_INFO : NGX_LOG_WARN;

        ngx_log_error(level, cr->s->connection->log, 0,
                      "9p: %V:%ui: %s; line skipped",
                      ngx_http_9p_ns_file(cr), line,
                      nw > 6 ? "too many words" : (char *) err);
    }
}


/* The namespace file being read, for log lines. */

static ngx_str_t *
ngx_http_9p_ns_file(ngx_http_9p_creq_t *cr)
{
    static ngx_str_t  ns = ngx_string("/lib/namespace");

    return cr->step == NGX_HTTP_9P_A_INCLUDE ? &cr->include[cr->include_i]
                                             : &ns;
}


/* ". file": read after this file, its entries where the line was. */

static void
ngx_http_9p_ns_include(ngx_http_9p_creq_t *cr, u_char *path, size_t len,
    ngx_uint_t line)
{
    if (cr->step == NGX_HTTP_9P_A_INCLUDE
        || cr->ninclude == NGX_HTTP_9P_INCLUDES || *path != '/')
    {
        ngx_log_error(NGX_LOG_WARN, cr->s->connection->log, 0,
                      "9p: %V:%ui: includes are one level deep, "
                      "at most %d, of absolute paths; line skipped",
                      ngx_http_9p_ns_file(cr), line,
                      NGX_HTTP_9P_INCLUDES);
        return;
    }

    if (ngx_http_9p_expand_user(cr->ns, path, len,
                                &cr->include[cr->ninclude])
        != NGX_OK)
    {
        return;
    }

    cr->include_at[cr->ninclude++] = cr->pending.nelts;
}


/* After the namespace file and its includes: a root, and /dev. */

static const char *
ngx_http_9p_ns_done(ngx_http_9p_creq_t *cr)
{
    ngx_http_9p_mount_t   *m, **mp;

    mp = cr->pending.elts;

    /* binds before / is mounted have nothing to bind from */
    while (cr->pending.nelts && mp[0]->source.len && !mp[0]->unmount) {
        ngx_log_error(NGX_LOG_WARN, cr->s->connection->log, 0,
                      "9p: %V:%ui: bind before / is mounted; line skipped",
                      mp[0]->file, mp[0]->line);
        ngx_memmove(&mp[0], &mp[1],
                    (cr->pending.nelts - 1) * sizeof(*mp));
        cr->pending.nelts--;
    }

    if (cr->pending.nelts == 0 || mp[0]->path.len != 1 || mp[0]->unmount) {
        return "namespace has no root: /lib/namespace must mount \"/\" first";
    }

    /* the kernel's device is bound before /dev: bind -b '#c' /dev */
    m = ngx_http_9p_pending_add(cr, (u_char *) "/dev", 4,
                                NGX_HTTP_9P_DEV_DIR, NULL);
    if (m == NULL) {
        return "too many entries";
    }

    m->before = 1;

    return NULL;
}


/* The next include, or on to the mounts. */

static void
ngx_http_9p_ns_next(ngx_http_9p_creq_t *cr)
{
    const char  *e;

    if (cr->include_i < cr->ninclude) {
        cr->step = NGX_HTTP_9P_A_INCLUDE;
        cr->mount_i = cr->pending.nelts;    /* where its entries start */
        ngx_http_9p_slurp(cr, cr->include[cr->include_i].data,
                          cr->include[cr->include_i].len);
        return;
    }

    e = ngx_http_9p_ns_done(cr);

    if (e) {
        ngx_http_9p_attach_fail(cr, e);
        return;
    }

    cr->step = NGX_HTTP_9P_A_MOUNT;
    cr->mount_i = 0;
    ngx_http_9p_attach_next(cr);
}


/* The entries an include made move to where its line was. */

static void
ngx_http_9p_ns_included(ngx_http_9p_creq_t *cr)
{
    size_t                 n, k, i, at;
    ngx_http_9p_mount_t  **mp, *m;

    mp = cr->pending.elts;
    at = cr->include_at[cr->include_i];
    n = cr->pending.nelts - cr->mount_i;

    /* rotate [at, nelts) right by n, one entry at a time: they are few */
    for (k = 0; k < n; k++) {
        m = mp[cr->mount_i + k];

        for (i = cr->mount_i + k; i > at + k; i--) {
            mp[i] = mp[i - 1];
        }

        mp[at + k] = m;
    }

    for (i = cr->include_i + 1; i < cr->ninclude; i++) {
        cr->include_at[i] += n;
    }

    cr->include_i++;
}


static void
ngx_http_9p_mount_attached(ngx_http_9p_breq_t *br, ninep_fcall_t *r,
    const char *err)
{
    u_char                ename[NGX_HTTP_9P_ENAME_MAX], *p;
    ngx_str_t             why;
    ninep_fcall_t         rf;
    ngx_http_9p_mount_t  *m, **mp;
    ngx_http_9p_creq_t   *cr;

    cr = br->data;
    cr->breq = NULL;
    mp = cr->pending.elts;
    m = mp[cr->mount_i];

    if (r == NULL || r->type != NINEP_RATTACH) {
        if (r == NULL || r->type == NINEP_RERROR) {
            ngx_http_9p_backend_fid_free(cr->backend, cr->nbfid);
        }

        if (cr->nsctl && r && r->type == NINEP_RERROR) {
            /* the service's own words */
            ngx_memzero(&rf, sizeof(rf));
            rf.type = NINEP_RERROR;
            rf.ename = r->ename;
            ngx_http_9p_creq_reply(cr, &rf);
            return;
        }

        why.data = r ? (u_char *) r->ename.data : (u_char *) err;
        why.len = r ? r->ename.len : ngx_strlen(err);

        if (m->optional) {
            p = ngx_snprintf(ename, sizeof(ename) - 1, "%V", &why);
            *p = '\0';
            ngx_http_9p_attach_down(cr, m, (char *) ename);
            return;
        }

        if (cr->nsctl) {
            ngx_http_9p_attach_skip(cr, "mount:", &why);
            return;
        }

        p = ngx_snprintf(ename, sizeof(ename) - 1, "mount %V: %*s",
                         &m->path,
                         r ? (size_t) r->ename.len : ngx_strlen(err),
                         r ? (u_char *) r->ename.data : (u_char *) err);
        *p = '\0';
        ngx_http_9p_attach_fail(cr, (char *) ename);
        return;
    }

    m->backend = cr->backend;
    ngx_http_9p_backend_ref(m->backend);
    m->bfid = cr->nbfid;
    m->qid = r->qid;
    cr->nbfid = NINEP_NOFID;

    ngx_http_9p_attach_made(cr, m);
}


static void
ngx_http_9p_root_cloned(ngx_http_9p_breq_t *br, ninep_fcall_t *r,
    const char *err)
{
    ngx_http_9p_creq_t  *cr;

    cr = br->data;
    cr->breq = NULL;

    if (r == NULL || r->type != NINEP_RWALK) {
        ngx_http_9p_backend_fid_free(cr->backend, cr->nbfid);
        ngx_http_9p_attach_failed(cr, r, err,
                                  ngx_http_9p_backend_name(cr->backend));
        return;
    }

    ngx_http_9p_attach_done(cr);
}


/* The client's fid at the root: cr->nbfid, or a kernel directory. */

static void
ngx_http_9p_attach_done(ngx_http_9p_creq_t *cr)
{
    ninep_fcall_t          rf;
    ngx_http_9p_fid_t     *f;
    ngx_http_9p_mount_t   *m;

    m = cr->mount;

    if (cr->flushed || ngx_http_9p_fid_find(cr->s, cr->newfid)) {
        cr->owned = cr->nbfid;
        ngx_http_9p_attach_fail(cr, "fid in use");
        return;
    }

    f = ngx_http_9p_fid_new(cr->s, cr->newfid);

    if (f == NULL || ngx_http_9p_fid_set_path(f, (u_char *) "/", 1)
                     != NGX_OK)
    {
        if (f) {
            ngx_http_9p_fid_unlink(cr->s, f);
            ngx_http_9p_fid_free(cr->s, f, 0);
        }
        cr->owned = cr->nbfid;
        ngx_http_9p_attach_fail(cr, "too many fids");
        return;
    }

    f->ns = cr->ns;
    cr->ns = NULL;
    f->mount = m;
    f->dev = m->dev;
    f->qid = m->qid;

    if (m->ram) {
        f->ram = m->ram;
        ngx_http_9p_rnode_ref(f->ram);

    } else if (!m->dev) {
        f->backend = cr->backend;
        cr->backend = NULL;
        f->bfid = cr->nbfid;
    }

    ngx_log_error(NGX_LOG_INFO, cr->s->connection->log, 0,
                  "9p: attached as \"%s\" with %ui mounts", f->ns->user,
                  f->ns->mounts.nelts);

    ngx_memzero(&rf, sizeof(rf));
    rf.type = NINEP_RATTACH;
    rf.qid = f->qid;
    ngx_http_9p_creq_reply(cr, &rf);
}


/* ---------------------------------------------------------------- walk */


/* The mount whose point is the longest prefix of path. */

static ngx_http_9p_mount_t *
ngx_http_9p_mount_of(ngx_http_9p_ns_t *ns, u_char *path, size_t len)
{
    ngx_uint_t             i;
    ngx_http_9p_mount_t  **m, *best;

    m = ns->mounts.elts;
    best = NULL;

    for (i = 0; i < ns->mounts.nelts; i++) {
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


/* path + "/" + name, or the lexical parent for ".." ("/" stays "/"). */

static size_t
ngx_http_9p_path_join(u_char *buf, u_char *path, size_t len, ngx_str_t *name)
{
    if (name->len == 2 && name->data[0] == '.' && name->data[1] == '.') {
        while (len > 1 && path[len - 1] != '/') {
            len--;
        }

        if (len > 1) {
            len--;
        }

        ngx_memmove(buf, path, len);
        return len;
    }

    if (name->len == 1 && name->data[0] == '.') {
        ngx_memmove(buf, path, len);
        return len;
    }

    ngx_memmove(buf, path, len);

    if (len > 1) {
        buf[len++] = '/';
    }

    ngx_memcpy(buf + len, name->data, name->len);

    return len + name->len;
}


static ngx_int_t
ngx_http_9p_walk(ngx_http_9p_session_t *s, ninep_fcall_t *t)
{
    u_char              *p;
    size_t               total;
    ngx_uint_t           i;
    ngx_http_9p_fid_t   *f;
    ngx_http_9p_creq_t  *cr;

    f = ngx_http_9p_fid_find(s, t->fid);

    if (f == NULL) {
        return ngx_http_9p_reply_error(s, t->tag, "unknown fid");
    }

    if (f->open) {
        return ngx_http_9p_reply_error(s, t->tag, "cannot walk an open fid");
    }

    if (t->newfid != t->fid && ngx_http_9p_fid_find(s, t->newfid)) {
        return ngx_http_9p_reply_error(s, t->tag, "newfid in use");
    }

    if (f->backend && !ngx_http_9p_backend_alive(f->backend)) {
        return ngx_http_9p_recover(s, f, t);
    }

    total = f->path_len + t->nwname + 1;

    for (i = 0; i < t->nwname; i++) {
        if (t->wname[i].len == 0
            || ngx_strlchr((u_char *) t->wname[i].data,
                           (u_char *) t->wname[i].data + t->wname[i].len,
                           '/'))
        {
            return ngx_http_9p_reply_error(s, t->tag, "invalid file name");
        }

        total += t->wname[i].len;
    }

    if (total > NGX_HTTP_9P_PATH_MAX) {
        return ngx_http_9p_reply_error(s, t->tag, "path too long");
    }

    cr = ngx_http_9p_creq_new(s, t);
    if (cr == NULL) {
        return NGX_ERROR;
    }

    /* the names, and room for the longest path this walk can reach */
    cr->names = ngx_http_9p_creq_space(cr, 2 * total);
    if (cr->names == NULL) {
        ngx_http_9p_creq_error(cr, NULL, "out of memory");
        return NGX_OK;
    }

    cr->path = cr->names + total;

    for (i = 0, p = cr->names; i < t->nwname; i++) {
        cr->wname[i].data = p;
        cr->wname[i].len = t->wname[i].len;
        p = ngx_cpymem(p, t->wname[i].data, t->wname[i].len);
    }

    cr->nwname = t->nwname;
    ngx_http_9p_creq_hold(cr, f);
    cr->ns = f->ns;
    cr->ns->refs++;
    cr->newfid = t->newfid;
    cr->mount = f->mount;
    cr->backend = f->backend;

    if (cr->backend) {
        ngx_http_9p_backend_ref(cr->backend);
    }

    cr->bfid = f->bfid;
    cr->qid = f->qid;
    cr->dev = f->dev;
    ngx_http_9p_creq_ram(cr, f->ram);
    ngx_memcpy(cr->path, f->path, f->path_len);
    cr->path_len = f->path_len;

    ngx_http_9p_walk_next(cr);

    return NGX_OK;
}


/* Appends the names of path below mount m to t's wnames. */

static void
ngx_http_9p_walk_rel(ninep_fcall_t *t, ngx_http_9p_mount_t *m, u_char *path,
    size_t len)
{
    u_char  *p, *end, *name;

    end = path + len;

    for (p = path + (m->path.len == 1 ? 0 : m->path.len); p < end; p++) {
        if (*p == '/') {
            continue;
        }

        name = p;

        while (p < end && *p != '/') {
            p++;
        }

        if (t->nwname < NINEP_MAXWELEM) {
            t->wname[t->nwname].data = name;
            t->wname[t->nwname].len = (uint16_t) (p - name);
            t->nwname++;
        }
    }
}


/* Leaving a service for the kernel: its fid is not needed. */

static void
ngx_http_9p_walk_leave(ngx_http_9p_creq_t *cr)
{
    if (cr->owned != NINEP_NOFID) {
        ngx_http_9p_backend_clunk(cr->backend, cr->owned);
        cr->owned = NINEP_NOFID;
    }

    if (cr->backend) {
        ngx_http_9p_backend_unref(cr->backend);
        cr->backend = NULL;
    }

    cr->bfid = NINEP_NOFID;
}


/*
 * Whether a walk from mount cur to a path of len bytes in target stays in
 * cur's tree: below the point of cur's union, or at the point of a mount
 * that is no union.  A union's point is its first member's root.
 */

static ngx_uint_t
ngx_http_9p_walk_stays(ngx_http_9p_ns_t *ns, ngx_http_9p_mount_t *cur,
    ngx_http_9p_mount_t *target, size_t len)
{
    if (len > cur->path.len) {
        return ngx_http_9p_same_point(target, cur);
    }

    return target == cur && ngx_http_9p_union_next(ns, cur) == NULL;
}


/*
 * One step of a walk that the kernel answers itself: inside one of its
 * own directories, or onto one (a mount point, or ".." out of a mount).
 * NGX_OK: a step taken; NGX_DECLINED: the next step is a service's;
 * NGX_DONE: the walk failed and is answered (cr is gone).
 */

static ngx_int_t
ngx_http_9p_walk_local(ngx_http_9p_creq_t *cr)
{
    size_t                len;
    u_char                buf[NGX_HTTP_9P_PATH_MAX];
    ngx_str_t            *name;
    ngx_uint_t            file;
    ngx_http_9p_rnode_t  *node;
    ngx_http_9p_mount_t  *target, *next;

    if (cr->done == cr->nwname) {
        /* a clone of a kernel or rescue fid */
        return (cr->nwname == 0 && (cr->dev || cr->ram)) ? NGX_OK
                                                         : NGX_DECLINED;
    }

    if (cr->member) {
        if (!cr->member->dev) {
            return NGX_DECLINED;
        }

        /* the next member of the union is a kernel directory */
        ngx_http_9p_walk_leave(cr);
        cr->mount = cr->member;
        cr->dev = cr->member->dev;
        cr->member = NULL;
    }

    name = &cr->wname[cr->done];
    len = ngx_http_9p_path_join(buf, cr->path, cr->path_len, name);
    target = ngx_http_9p_mount_of(cr->ns, buf, len);
    file = NGX_HTTP_9P_DEV_NONE;
    node = NULL;

    if (!ngx_http_9p_walk_stays(cr->ns, cr->mount, target, len)) {
        if (!target->dev && !target->ram) {
            return NGX_DECLINED;    /* onto a service's mount: its root */
        }

        file = target->dev;
        node = target->ram;

    } else if (len == target->path.len && (target->dev || target->ram)) {
        /* "..", "." back at the mount's root */
        file = target->dev;
        node = target->ram;

    } else if (cr->mount->ram) {
        node = ngx_http_9p_rnode_walk(cr->ram, name->data, name->len);

        if (node == NULL) {
            return ngx_http_9p_walk_missing(cr,
                           ngx_http_9p_rnode_isdir(cr->ram)
                           ? "file does not exist" : "not a directory");
        }

    } else if (!cr->mount->dev) {
        return NGX_DECLINED;

    } else {
        file = ngx_http_9p_dev_isdir(cr->dev)
               ? ngx_http_9p_dev_lookup(cr->dev, name->data, name->len)
               : NGX_HTTP_9P_DEV_NONE;

        next = (cr->path_len == cr->mount->path.len)
               ? ngx_http_9p_union_next(cr->ns, cr->mount) : NULL;

        if (file == NGX_HTTP_9P_DEV_NONE && next) {
            /* not here: perhaps in the union's next member */
            cr->member = next;
            return ngx_http_9p_walk_local(cr);
        }

        if (file == NGX_HTTP_9P_DEV_NONE) {
            return ngx_http_9p_walk_missing(cr,
                           ngx_http_9p_dev_isdir(cr->dev)
                           ? "file does not exist" : "not a directory");
        }
    }

    ngx_http_9p_walk_leave(cr);
    cr->mount = target;
    cr->dev = file;
    ngx_http_9p_creq_ram(cr, node);

    if (node) {
        ngx_http_9p_rnode_qid(node, &cr->wqid[cr->done]);

    } else {
        ngx_http_9p_dev_qid(file, &cr->wqid[cr->done]);
    }

    cr->qid = cr->wqid[cr->done];
    ngx_memcpy(cr->path, buf, len);
    cr->path_len = len;
    cr->done++;

    return NGX_OK;
}


/* A name not found by the kernel: Rerror first, a short walk after. */

static ngx_int_t
ngx_http_9p_walk_missing(ngx_http_9p_creq_t *cr, const char *ename)
{
    ninep_fcall_t  rf;

    ngx_memzero(&rf, sizeof(rf));

    if (cr->done == 0) {
        rf.type = NINEP_RERROR;
        rf.ename = ninep_str(ename);

    } else {
        rf.type = NINEP_RWALK;
        rf.nwqid = cr->done;
        ngx_memcpy(rf.wqid, cr->wqid, cr->done * sizeof(ninep_qid_t));
    }

    ngx_http_9p_creq_reply(cr, &rf);

    return NGX_DONE;
}


/* The rescue node the request is at (held), or none. */

static void
ngx_http_9p_creq_ram(ngx_http_9p_creq_t *cr, ngx_http_9p_rnode_t *n)
{
    if (n) {
        ngx_http_9p_rnode_ref(n);
    }

    if (cr->ram) {
        ngx_http_9p_rnode_unref(cr->ram);
    }

    cr->ram = n;
}


/*
 * One backend Twalk for the longest run of names that stays inside the
 * current mount; a name onto a mount point, or ".." out of a mount, is a
 * step of its own from the root of the mount it reaches.
 */

static void
ngx_http_9p_walk_next(ngx_http_9p_creq_t *cr)
{
    size_t                  len;
    u_char                  buf[NGX_HTTP_9P_PATH_MAX];
    uint16_t                i;
    ninep_fcall_t           t;
    ngx_http_9p_mount_t    *m;
    ngx_http_9p_backend_t  *b;

    /* kernel files are walked here, with no backend */
    for ( ;; ) {
        switch (ngx_http_9p_walk_local(cr)) {

        case NGX_DONE:
            return;

        case NGX_OK:
            if (cr->done == cr->nwname) {
                ngx_http_9p_walk_finish(cr);
                return;
            }
            continue;

        default:
            break;
        }

        break;
    }

    ngx_memzero(&t, sizeof(t));
    t.type = NINEP_TWALK;

    len = cr->path_len;
    ngx_memcpy(buf, cr->path, len);
    m = cr->mount;

    for (i = cr->done; i < cr->nwname; i++) {
        len = ngx_http_9p_path_join(buf, buf, len, &cr->wname[i]);

        if (!ngx_http_9p_walk_stays(cr->ns, cr->mount,
                                    ngx_http_9p_mount_of(cr->ns, buf, len),
                                    len))
        {
            break;
        }

        t.wname[t.nwname].data = cr->wname[i].data;
        t.wname[t.nwname].len = (uint16_t) cr->wname[i].len;
        t.nwname++;
    }

    cr->cross = (i == cr->done && cr->nwname > 0);

    if (cr->cross) {
        len = ngx_http_9p_path_join(buf, cr->path, cr->path_len,
                                    &cr->wname[cr->done]);
        m = cr->member ? cr->member : ngx_http_9p_mount_of(cr->ns, buf, len);
        t.fid = m->bfid;
        ngx_http_9p_walk_rel(&t, m, buf, len);
        cr->seg = 1;

    } else {
        /* from the fid, or from the root of the union's next member */
        m = cr->member ? cr->member : cr->mount;
        t.fid = cr->member ? m->bfid : cr->bfid;
        cr->seg = t.nwname;
    }

    /* the fid's own connection; a mount's for a step onto it */
    b = (cr->cross || cr->member) ? m->backend : cr->backend;

    if (m->down) {
        ngx_http_9p_walk_fail(cr, NULL, m->down);
        return;
    }

    if (!ngx_http_9p_backend_alive(b) && (cr->cross || cr->member)) {
        /* onto a mount whose connection died: it is made again first */
        if (cr->owned != NINEP_NOFID) {
            ngx_http_9p_backend_clunk(cr->backend, cr->owned);
            cr->owned = NINEP_NOFID;
        }

        cr->resume = ngx_http_9p_walk_next;
        ngx_http_9p_remount(cr, m);
        return;
    }

    if (!ngx_http_9p_backend_alive(b)) {
        if (ngx_http_9p_lost(cr, "connection lost") == NGX_OK) {
            return;
        }

        ngx_http_9p_walk_fail(cr, b ? ngx_http_9p_backend_name(b) : NULL,
                              "connection lost");
        return;
    }

    if (cr->cross && cr->owned != NINEP_NOFID) {
        /* the stepping stone is not needed past a mount */
        ngx_http_9p_backend_clunk(cr->backend, cr->owned);
        cr->owned = NINEP_NOFID;
    }

    if (b != cr->backend) {
        ngx_http_9p_backend_ref(b);

        if (cr->backend) {
            ngx_http_9p_backend_unref(cr->backend);
        }

        cr->backend = b;
    }

    cr->dev = NGX_HTTP_9P_DEV_NONE;
    ngx_http_9p_creq_ram(cr, NULL);

    /* in place only when the whole walk moves the fid itself */
    if (cr->newfid == cr->fidno && cr->done == 0 && !cr->cross
        && cr->seg == cr->nwname && cr->nwname > 0 && cr->member == NULL)
    {
        t.newfid = t.fid;

    } else if (ngx_http_9p_backend_fid(b, &t.newfid) != NGX_OK) {
        ngx_http_9p_creq_error(cr, NULL, "out of backend fids");
        return;
    }

    cr->nbfid = t.newfid;
    cr->mount = m;
    cr->member = NULL;

    (void) ngx_http_9p_send(cr, b, &t, ngx_http_9p_walk_done);
}


static void
ngx_http_9p_walk_done(ngx_http_9p_breq_t *br, ninep_fcall_t *r,
    const char *err)
{
    u_char              *buf;
    size_t               len;
    uint16_t             i, n;
    ninep_fcall_t        rf;
    ngx_http_9p_creq_t  *cr;

    cr = br->data;
    cr->breq = NULL;

    if (r == NULL) {
        if (cr->nbfid != cr->bfid) {
            ngx_http_9p_backend_fid_free(cr->backend, cr->nbfid);
        }

        if (err == ngx_http_9p_flushed) {
            ngx_http_9p_creq_abort(cr);
            return;
        }

        if (ngx_http_9p_lost(cr, err) == NGX_OK) {
            return;
        }

        ngx_http_9p_walk_fail(cr, ngx_http_9p_backend_name(cr->backend),
                              err);
        return;
    }

    n = (r->type == NINEP_RWALK) ? r->nwqid : 0;

    if (r->type == NINEP_RERROR || n < br->nwname) {
        if (cr->nbfid != cr->bfid) {
            ngx_http_9p_backend_fid_free(cr->backend, cr->nbfid);
        }

        /* and the stepping stone the failed step started from */
        if (cr->owned != NINEP_NOFID) {
            ngx_http_9p_backend_clunk(cr->backend, cr->owned);
            cr->owned = NINEP_NOFID;
        }

        /* a name not in this member of a union: perhaps in the next */
        if (n == 0 && (cr->cross || cr->path_len == cr->mount->path.len)) {
            cr->member = ngx_http_9p_union_next(cr->ns, cr->mount);

            if (cr->member) {
                ngx_http_9p_walk_next(cr);
                return;
            }
        }

        if (cr->done == 0 && n == 0) {
            /* the first name failed: the service's error, unchanged */
            if (r->type == NINEP_RERROR) {
                ngx_memzero(&rf, sizeof(rf));
                rf.type = NINEP_RERROR;
                rf.ename = r->ename;
                ngx_http_9p_creq_reply(cr, &rf);
                return;
            }

            ngx_http_9p_creq_error(cr, NULL, "file does not exist");
            return;
        }

        /* a short walk: what succeeded, in order */
        for (i = 0; i < n && !cr->cross; i++) {
            cr->wqid[cr->done++] = r->wqid[i];
        }

        ngx_memzero(&rf, sizeof(rf));
        rf.type = NINEP_RWALK;
        rf.nwqid = cr->done;
        ngx_memcpy(rf.wqid, cr->wqid, cr->done * sizeof(ninep_qid_t));
        ngx_http_9p_creq_reply(cr, &rf);
        return;
    }

    /* success: step past the segment */
    buf = cr->path;

    if (cr->cross) {
        /* one name onto another mount: the last qid, or its root's */
        cr->wqid[cr->done] = n ? r->wqid[n - 1] : cr->mount->qid;
        len = ngx_http_9p_path_join(buf, cr->path, cr->path_len,
                                    &cr->wname[cr->done]);
        cr->done++;

    } else {
        len = cr->path_len;

        for (i = 0; i < n; i++) {
            cr->wqid[cr->done] = r->wqid[i];
            len = ngx_http_9p_path_join(buf, buf, len, &cr->wname[cr->done]);
            cr->done++;
        }
    }

    cr->path_len = len;

    if (cr->done > 0) {
        cr->qid = cr->wqid[cr->done - 1];
    }

    /* the previous step's backend fid was only a stepping stone */
    if (cr->owned != NINEP_NOFID && cr->owned != cr->nbfid) {
        ngx_http_9p_backend_clunk(cr->backend, cr->owned);
    }

    cr->bfid = cr->nbfid;
    /* the same number on another connection is another fid */
    cr->owned = (cr->bfid != cr->obfid || cr->backend != cr->obackend)
                ? cr->bfid : NINEP_NOFID;

    if (cr->done == cr->nwname) {
        ngx_http_9p_walk_finish(cr);
        return;
    }

    ngx_http_9p_walk_next(cr);
}


/* walk(5): only a failure of the first name is an Rerror. */

static void
ngx_http_9p_walk_fail(ngx_http_9p_creq_t *cr, const char *svc,
    const char *ename)
{
    ninep_fcall_t  rf;

    if (cr->owned != NINEP_NOFID) {
        ngx_http_9p_backend_clunk(cr->backend, cr->owned);
        cr->owned = NINEP_NOFID;
    }

    if (cr->done == 0) {
        ngx_http_9p_creq_error(cr, svc, ename);
        return;
    }

    ngx_memzero(&rf, sizeof(rf));
    rf.type = NINEP_RWALK;
    rf.nwqid = cr->done;
    ngx_memcpy(rf.wqid, cr->wqid, cr->done * sizeof(ninep_qid_t));
    ngx_http_9p_creq_reply(cr, &rf);
}


static void
ngx_http_9p_walk_finish(ngx_http_9p_creq_t *cr)
{
    ninep_fcall_t           rf;
    ngx_http_9p_fid_t      *f, *nf;
    ngx_http_9p_session_t  *s;

    s = cr->s;
    f = ngx_http_9p_creq_fid(cr);

    if (cr->newfid == cr->fidno && f == NULL) {
        /* the client clunked the fid while it was being walked */
        if (cr->owned != NINEP_NOFID) {
            ngx_http_9p_backend_clunk(cr->backend, cr->owned);
            cr->owned = NINEP_NOFID;
        }

        ngx_http_9p_creq_error(cr, NULL, "fid clunked during the walk");
        return;
    }

    if (cr->newfid == cr->fidno) {
        nf = f;

        if (f->backend) {
            /* the old backend fid, unless the walk moved it in place */
            if (f->bfid != cr->bfid || f->backend != cr->backend) {
                ngx_http_9p_backend_clunk(f->backend, f->bfid);
            }

            ngx_http_9p_backend_unref(f->backend);
        }

    } else {
        nf = ngx_http_9p_fid_find(s, cr->newfid) ? NULL
                 : ngx_http_9p_fid_new(s, cr->newfid);

        if (nf == NULL) {
            if (cr->owned != NINEP_NOFID) {
                ngx_http_9p_backend_clunk(cr->backend, cr->owned);
                cr->owned = NINEP_NOFID;
            }

            ngx_http_9p_creq_error(cr, NULL,
                                   ngx_http_9p_fid_find(s, cr->newfid)
                                   ? "newfid in use" : "too many fids");
            return;
        }

        nf->ns = cr->ns;
        nf->ns->refs++;
    }

    if (ngx_http_9p_fid_set_path(nf, cr->path, cr->path_len) != NGX_OK) {
        /* keeps the fid consistent: at its mount's root */
        (void) ngx_http_9p_fid_set_path(nf, (u_char *) "/", 1);
    }

    nf->mount = cr->mount;
    nf->backend = cr->backend;
    cr->backend = NULL;
    nf->bfid = cr->bfid;
    cr->bfid = NINEP_NOFID;
    cr->owned = NINEP_NOFID;
    nf->qid = cr->qid;
    nf->dev = cr->dev;

    if (nf->ram) {
        ngx_http_9p_rnode_unref(nf->ram);
    }

    nf->ram = cr->ram;      /* the request's reference goes with it */
    cr->ram = NULL;

    ngx_memzero(&rf, sizeof(rf));
    rf.type = NINEP_RWALK;
    rf.nwqid = cr->nwname;
    ngx_memcpy(rf.wqid, cr->wqid, cr->nwname * sizeof(ninep_qid_t));
    ngx_http_9p_creq_reply(cr, &rf);
}


/* ------------------------------------------------------------ forward */


/*
 * Everything else goes to the fid's service as it is, with its fid and tag
 * in the connection's spaces; replies come back as they are.
 */

static ngx_int_t
ngx_http_9p_forward(ngx_http_9p_session_t *s, ninep_fcall_t *t)
{
    uint32_t              iomax;
    ngx_http_9p_fid_t    *f;
    ngx_http_9p_creq_t   *cr;
    ngx_http_9p_mount_t  *m;

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

    if (f->dev) {
        return ngx_http_9p_dev_request(s, f, t);
    }

    if (f->ram) {
        return ngx_http_9p_ram_request(s, f, t);
    }

    if (f->backend && !ngx_http_9p_backend_alive(f->backend)) {
        if (t->type == NINEP_TCLUNK) {
            /* its backend fid went with the connection */
            ngx_http_9p_fid_unlink(s, f);
            ngx_http_9p_fid_free(s, f, 0);
            return ngx_http_9p_reply_rclunk(s, t->tag);
        }

        return ngx_http_9p_recover(s, f, t);
    }

    cr = ngx_http_9p_creq_new(s, t);
    if (cr == NULL) {
        return NGX_ERROR;
    }

    ngx_http_9p_creq_hold(cr, f);
    cr->backend = f->backend;
    ngx_http_9p_backend_ref(cr->backend);

    if (t->type == NINEP_TCLUNK || t->type == NINEP_TREMOVE) {
        /* the client's fid is gone whatever the service answers */
        ngx_http_9p_fid_unlink(s, f);
        cr->bfid = f->bfid;
        f->bfid = NINEP_NOFID;
        ngx_http_9p_fid_free(s, f, 0);
        cr->fid = NULL;
    }

    if (!ngx_http_9p_backend_alive(cr->backend)) {
        ngx_http_9p_creq_error(cr, ngx_http_9p_backend_name(cr->backend),
                               "connection lost");
        return NGX_OK;
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
        cr->names = ngx_http_9p_creq_space(cr, t->name.len);
        if (cr->names == NULL) {
            ngx_http_9p_creq_error(cr, NULL, "out of memory");
            return NGX_OK;
        }

        ngx_memcpy(cr->names, t->name.data, t->name.len);
        cr->wname[0].data = cr->names;
        cr->wname[0].len = t->name.len;
    }

    t->fid = cr->fid ? f->bfid : cr->bfid;

    (void) ngx_http_9p_send(cr, cr->backend, t, ngx_http_9p_forwarded);

    return NGX_OK;
}


static void
ngx_http_9p_forwarded(ngx_http_9p_breq_t *br, ninep_fcall_t *r,
    const char *err)
{
    u_char                buf[NGX_HTTP_9P_PATH_MAX];
    size_t                len;
    uint32_t              iomax;
    ngx_http_9p_fid_t    *f;
    ngx_http_9p_creq_t   *cr;

    cr = br->data;
    cr->breq = NULL;
    f = ngx_http_9p_creq_fid(cr);

    if (cr->type == NINEP_TCLUNK || cr->type == NINEP_TREMOVE) {
        /* the backend's fid is gone, whatever it answered */
        ngx_http_9p_backend_fid_free(cr->backend, cr->bfid);
        cr->bfid = NINEP_NOFID;
    }

    if (r == NULL) {
        if (err == ngx_http_9p_flushed) {
            cr->flushed = 1;
            ngx_http_9p_creq_done(cr);
            return;
        }

        if (ngx_http_9p_lost(cr, err) == NGX_OK) {
            return;
        }

        ngx_http_9p_creq_error(cr, ngx_http_9p_backend_name(cr->backend),
                               err);
        return;
    }

    if (f && r->type == NINEP_RREAD && (f->qid.type & NINEP_QTDIR)) {
        /* where a recovery must take a directory read back to */
        f->dir_next = cr->offset + r->count;
    }

    if (f && (r->type == NINEP_ROPEN || r->type == NINEP_RCREATE)) {
        f->open = 1;
        f->mode = cr->mode;
        f->qid = r->qid;
        f->merge = (r->type == NINEP_ROPEN && (r->qid.type & NINEP_QTDIR)
                    && ngx_http_9p_dir_merges(f));

        iomax = ngx_min(cr->s->msize,
                        ngx_http_9p_backend_msize(cr->backend))
                - NINEP_IOHDRSZ;

        if (r->iounit == 0 || r->iounit > iomax) {
            r->iounit = iomax;
        }
    }

    if (f && r->type == NINEP_RCREATE
        && f->path_len + 1 + cr->wname[0].len <= NGX_HTTP_9P_PATH_MAX)
    {
        len = ngx_http_9p_path_join(buf, f->path, f->path_len,
                                    &cr->wname[0]);
        (void) ngx_http_9p_fid_set_path(f, buf, len);
    }

    ngx_http_9p_creq_reply(cr, r);
}


/* ---------------------------------------------------------------- unions */


/*
 * Whether reading directory fid f is the kernel's to compose: it is a
 * union's point, or mount points lie right below it.
 */

static ngx_uint_t
ngx_http_9p_dir_merges(ngx_http_9p_fid_t *f)
{
    ngx_uint_t             i;
    ngx_http_9p_mount_t  **mp;

    if (f->mount == NULL) {
        return 0;
    }

    if (f->path_len == f->mount->path.len
        && ngx_http_9p_union_next(f->ns, f->mount))
    {
        return 1;
    }

    if (f->dev) {
        return 0;       /* the kernel's directories list their points */
    }

    mp = f->ns->mounts.elts;

    for (i = 0; i < f->ns->mounts.nelts; i++) {
        if (ngx_http_9p_child_point(mp[i], f->path, f->path_len, NULL)) {
            return 1;
        }
    }

    return 0;
}


/* Whether m's point is a name right below path; name gets it. */

static ngx_uint_t
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
 * Tread of a merged directory: offset 0 reads every member afresh, in
 * order, then the mount points the members lack; later reads go on from
 * where the last one ended, in whole entries.
 */

static ngx_int_t
ngx_http_9p_union_read(ngx_http_9p_session_t *s, ngx_http_9p_fid_t *f,
    ninep_fcall_t *t)
{
    ngx_http_9p_creq_t  *cr;

    if (t->offset != 0) {
        if (f->dir == NULL || t->offset != f->dir_next) {
            return ngx_http_9p_reply_error(s, t->tag,
                                           "bad offset in directory read");
        }

        return ngx_http_9p_union_serve(s, f, t->tag, t->count);
    }

    cr = ngx_http_9p_creq_new(s, t);
    if (cr == NULL) {
        return NGX_ERROR;
    }

    ngx_http_9p_creq_hold(cr, f);
    cr->count = t->count;
    cr->mount = f->mount;
    cr->mount_i = 0;

    ngx_http_9p_union_next_source(cr);

    return NGX_OK;
}


/* Whole entries of the listing from where the last read ended. */

static ngx_int_t
ngx_http_9p_union_serve(ngx_http_9p_session_t *s, ngx_http_9p_fid_t *f,
    uint16_t tag, uint32_t count)
{
    size_t         n, size;
    ninep_fcall_t  r;

    count = ngx_min(count, s->msize - NINEP_IOHDRSZ);

    for (n = 0; f->dir_next + n + 2 <= f->dir_len; n += size) {
        size = 2 + (f->dir[f->dir_next + n]
                    | (f->dir[f->dir_next + n + 1] << 8));

        if (n + size > count) {
            break;
        }
    }

    if (n == 0 && f->dir_next < f->dir_len) {
        return ngx_http_9p_reply_error(s, tag,
                                       "directory read count too small");
    }

    ngx_memzero(&r, sizeof(r));
    r.type = NINEP_RREAD;
    r.tag = tag;
    r.data = f->dir + f->dir_next;
    r.count = (uint32_t) n;
    f->dir_next += n;

    return ngx_http_9p_ws_send_fcall(s, &r);
}


/*
 * The next thing to list: the member cr->mount, then the mount points
 * below, from the table's entry cr->mount_i on.
 */

static void
ngx_http_9p_union_next_source(ngx_http_9p_creq_t *cr)
{
    u_char                 buf[NGX_HTTP_9P_DEV_MAX];
    ssize_t                n;
    ngx_str_t              path, name;
    ninep_stat_t           st;
    ninep_fcall_t          t;
    ngx_http_9p_fid_t     *f;
    ngx_http_9p_mount_t   *m, **mp;

    f = ngx_http_9p_creq_fid(cr);

    if (f == NULL) {
        ngx_http_9p_creq_error(cr, NULL, "fid clunked during the read");
        return;
    }

    path.data = f->path;
    path.len = f->path_len;

    /* the members of the union at f, or f's own directory */
    while (cr->mount) {
        m = cr->mount;
        cr->mount = (f->path_len == m->path.len)
                    ? ngx_http_9p_union_next(f->ns, m) : NULL;

        if (m->ram) {
            if (ngx_http_9p_union_ram(cr, (m == f->mount && f->ram) ? f->ram
                                                                   : m->ram)
                != NGX_OK)
            {
                return;
            }

            continue;
        }

        if (m->dev) {
            n = ngx_http_9p_dev_dir(m->dev, &path, &f->ns->mounts,
                                    f->ns->user, buf, sizeof(buf));

            if (n < 0) {
                ngx_http_9p_creq_error(cr, NULL, "directory too large");
                return;
            }

            if (ngx_http_9p_union_add(cr, buf, n) != NGX_OK) {
                return;
            }

            continue;
        }

        if (m == f->mount && f->backend) {
            /* the fid itself is open on the first member: read it over */
            cr->backend = f->backend;
            ngx_http_9p_backend_ref(cr->backend);
            cr->nbfid = f->bfid;
            cr->offset = 0;
            ngx_http_9p_union_read_more(cr);
            return;
        }

        if (!ngx_http_9p_backend_alive(m->backend)
            || ngx_http_9p_backend_fid(m->backend, &cr->nbfid) != NGX_OK)
        {
            continue;   /* a member that cannot be read is left out */
        }

        ngx_http_9p_union_use(cr, m->backend);

        ngx_memzero(&t, sizeof(t));
        t.type = NINEP_TWALK;
        t.fid = m->bfid;
        t.newfid = cr->nbfid;

        (void) ngx_http_9p_send(cr, cr->backend, &t,
                                ngx_http_9p_union_walked);
        return;
    }

    /* the mount points right below that no member has */
    mp = f->ns->mounts.elts;

    for ( /* void */ ; cr->mount_i < f->ns->mounts.nelts; cr->mount_i++) {
        m = mp[cr->mount_i];

        if (f->dev
            || !ngx_http_9p_child_point(m, f->path, f->path_len, &name)
            || ngx_http_9p_mount_of(f->ns, m->path.data, m->path.len) != m
            || ngx_http_9p_union_seen(cr, name.data, name.len))
        {
            continue;
        }

        if (m->dev) {
            ngx_http_9p_dev_stat(m->dev, &name, f->ns->user, &st);
            n = ninep_stat_pack(&st, buf, sizeof(buf));

            if (n > 0 && ngx_http_9p_union_add(cr, buf, n) != NGX_OK) {
                return;
            }

            continue;
        }

        if (!ngx_http_9p_backend_alive(m->backend)) {
            continue;
        }

        ngx_http_9p_union_use(cr, m->backend);

        ngx_memzero(&t, sizeof(t));
        t.type = NINEP_TSTAT;
        t.fid = m->bfid;

        (void) ngx_http_9p_send(cr, cr->backend, &t,
                                ngx_http_9p_union_statted);
        return;
    }

    ngx_http_9p_union_done(cr);
}


/* A directory of the rescue tree joins the listing. */

static ngx_int_t
ngx_http_9p_union_ram(ngx_http_9p_creq_t *cr, ngx_http_9p_rnode_t *dir)
{
    u_char      buf[NGX_HTTP_9P_DEV_MAX];
    ssize_t     n;
    ngx_uint_t  at;

    for (at = 0; /* void */; /* void */) {
        n = ngx_http_9p_rnode_readdir(dir, &at, buf, sizeof(buf));

        if (n <= 0) {
            return NGX_OK;
        }

        if (ngx_http_9p_union_add(cr, buf, n) != NGX_OK) {
            return NGX_ERROR;
        }
    }
}


/* The request's connection is now b. */

static void
ngx_http_9p_union_use(ngx_http_9p_creq_t *cr, ngx_http_9p_backend_t *b)
{
    ngx_http_9p_backend_ref(b);

    if (cr->backend) {
        ngx_http_9p_backend_unref(cr->backend);
    }

    cr->backend = b;
}


static void
ngx_http_9p_union_walked(ngx_http_9p_breq_t *br, ninep_fcall_t *r,
    const char *err)
{
    ngx_http_9p_creq_t  *cr;

    cr = br->data;
    cr->breq = NULL;

    if (r == NULL && err == ngx_http_9p_flushed) {
        ngx_http_9p_backend_fid_free(cr->backend, cr->nbfid);
        ngx_http_9p_creq_abort(cr);
        return;
    }

    if (r == NULL || r->type != NINEP_RWALK) {
        ngx_http_9p_backend_fid_free(cr->backend, cr->nbfid);
        ngx_http_9p_union_next_source(cr);
        return;
    }

    ngx_http_9p_open_walked(cr, ngx_http_9p_union_opened);
}


static void
ngx_http_9p_union_opened(ngx_http_9p_breq_t *br, ninep_fcall_t *r,
    const char *err)
{
    ngx_http_9p_creq_t  *cr;

    cr = br->data;
    cr->breq = NULL;

    if (r == NULL && err == ngx_http_9p_flushed) {
        ngx_http_9p_creq_abort(cr);
        return;
    }

    if (r == NULL || r->type != NINEP_ROPEN) {
        /* not readable by this user: left out, as Plan 9 does */
        ngx_http_9p_union_member_done(cr);
        return;
    }

    cr->offset = 0;
    ngx_http_9p_union_read_more(cr);
}


static void
ngx_http_9p_union_read_more(ngx_http_9p_creq_t *cr)
{
    ninep_fcall_t  t;

    ngx_memzero(&t, sizeof(t));
    t.type = NINEP_TREAD;
    t.fid = cr->nbfid;
    t.offset = cr->offset;
    t.count = ngx_http_9p_backend_msize(cr->backend) - NINEP_IOHDRSZ;

    (void) ngx_http_9p_send(cr, cr->backend, &t, ngx_http_9p_union_got);
}


static void
ngx_http_9p_union_got(ngx_http_9p_breq_t *br, ninep_fcall_t *r,
    const char *err)
{
    ninep_fcall_t        rf;
    ngx_http_9p_creq_t  *cr;

    cr = br->data;
    cr->breq = NULL;

    if (r == NULL && err == ngx_http_9p_flushed) {
        ngx_http_9p_creq_abort(cr);
        return;
    }

    if (r && r->type == NINEP_RREAD && r->count > 0) {
        if (ngx_http_9p_union_add(cr, (u_char *) r->data, r->count)
            != NGX_OK)
        {
            return;
        }

        cr->offset += r->count;
        ngx_http_9p_union_read_more(cr);
        return;
    }

    if (r && r->type == NINEP_RREAD) {
        ngx_http_9p_union_member_done(cr);
        return;
    }

    if (cr->owned == NINEP_NOFID) {
        /* the fid's own directory: its errors are the client's */
        if (r && r->type == NINEP_RERROR) {
            ngx_memzero(&rf, sizeof(rf));
            rf.type = NINEP_RERROR;
            rf.ename = r->ename;
            ngx_http_9p_creq_reply(cr, &rf);
            return;
        }

        ngx_http_9p_creq_error(cr, ngx_http_9p_backend_name(cr->backend),
                               r ? "unexpected reply" : err);
        return;
    }

    ngx_http_9p_union_member_done(cr);
}


/* A member is read: its fid goes, on to the next. */

static void
ngx_http_9p_union_member_done(ngx_http_9p_creq_t *cr)
{
    if (cr->owned != NINEP_NOFID) {
        ngx_http_9p_backend_clunk(cr->backend, cr->owned);
        cr->owned = NINEP_NOFID;
    }

    cr->nbfid = NINEP_NOFID;
    ngx_http_9p_union_next_source(cr);
}


static void
ngx_http_9p_union_statted(ngx_http_9p_breq_t *br, ninep_fcall_t *r,
    const char *err)
{
    u_char                buf[NGX_HTTP_9P_DEV_MAX];
    ssize_t               n;
    ngx_str_t             name;
    ngx_http_9p_fid_t    *f;
    ngx_http_9p_mount_t  *m, **mp;
    ngx_http_9p_creq_t   *cr;

    cr = br->data;
    cr->breq = NULL;

    if (r == NULL && err == ngx_http_9p_flushed) {
        ngx_http_9p_creq_abort(cr);
        return;
    }

    f = ngx_http_9p_creq_fid(cr);

    if (f && r && r->type == NINEP_RSTAT
        && cr->mount_i < f->ns->mounts.nelts)
    {
        /* the mounted root, under the name of its point */
        mp = f->ns->mounts.elts;
        m = mp[cr->mount_i];

        if (ngx_http_9p_child_point(m, f->path, f->path_len, &name)) {
            r->st.name.data = (const uint8_t *) name.data;
            r->st.name.len = (uint16_t) name.len;
            n = ninep_stat_pack(&r->st, buf, sizeof(buf));

            if (n > 0 && ngx_http_9p_union_add(cr, buf, n) != NGX_OK) {
                return;
            }
        }
    }

    cr->mount_i++;
    ngx_http_9p_union_next_source(cr);
}


/*
 * Entries of a member join the listing unless an earlier member had the
 * name.  NGX_ERROR when the request is answered (bad data, too large).
 */

static ngx_int_t
ngx_http_9p_union_add(ngx_http_9p_creq_t *cr, u_char *data, size_t len)
{
    u_char        *p;
    size_t         used, cap, max;
    ninep_stat_t   st;

    max = cr->s->conf->union_dir_max;

    while (len > 0) {
        if (ninep_stat_unpack(data, len, &st, &used) != 0) {
            ngx_http_9p_creq_error(cr, NULL, "bad directory entry");
            return NGX_ERROR;
        }

        if (!ngx_http_9p_union_seen(cr, (u_char *) st.name.data,
                                    st.name.len))
        {
            if (cr->len + used > max) {
                ngx_http_9p_creq_error(cr, NULL,
                                       "union directory too large");
                return NGX_ERROR;
            }

            if (cr->len + used > cr->cap) {
                cap = ngx_min(ngx_max(2 * cr->cap, cr->len + used + 4096),
                              max);
                p = ngx_alloc(cap, cr->s->connection->log);
                if (p == NULL) {
                    ngx_http_9p_creq_error(cr, NULL, "out of memory");
                    return NGX_ERROR;
                }

                if (cr->buf) {
                    ngx_memcpy(p, cr->buf, cr->len);
                    ngx_free(cr->buf);
                }

                cr->buf = p;
                cr->cap = cap;
            }

            /* the table holds the entry's offset, so it must be there */
            ngx_memcpy(cr->buf + cr->len, data, used);

            if (ngx_http_9p_union_remember(cr, cr->len) != NGX_OK) {
                ngx_http_9p_creq_error(cr, NULL, "out of memory");
                return NGX_ERROR;
            }

            cr->len += used;
        }

        data += used;
        len -= used;
    }

    return NGX_OK;
}


/* An entry's name in the listing: stat(5) puts it 41 bytes in. */

static void
ngx_http_9p_union_name(ngx_http_9p_creq_t *cr, uint32_t off, ngx_str_t *name)
{
    name->len = cr->buf[off + 41] | (cr->buf[off + 42] << 8);
    name->data = cr->buf + off + 43;
}


/*
 * The names listed so far: an open-addressed table of offsets into the
 * listing, plus one (zero is an empty slot).
 */

static ngx_uint_t
ngx_http_9p_union_seen(ngx_http_9p_creq_t *cr, u_char *data, size_t len)
{
    ngx_str_t   name;
    ngx_uint_t  i, mask;

    mask = cr->seen_cap - 1;

    for (i = ngx_hash_key(data, len) & mask;
         cr->seen_cap && cr->seen[i];
         i = (i + 1) & mask)
    {
        ngx_http_9p_union_name(cr, cr->seen[i] - 1, &name);

        if (name.len == len && ngx_memcmp(name.data, data, len) == 0) {
            return 1;
        }
    }

    return 0;
}


/* The entry at off joins the table, which stays at most half full. */

static ngx_int_t
ngx_http_9p_union_remember(ngx_http_9p_creq_t *cr, uint32_t off)
{
    uint32_t   *old;
    ngx_str_t   name;
    ngx_uint_t  i, j, n;

    if (2 * (cr->nseen + 1) > cr->seen_cap) {
        old = cr->seen;
        n = cr->seen_cap;

        cr->seen_cap = n ? 2 * n : 64;
        cr->seen = ngx_calloc(cr->seen_cap * sizeof(uint32_t),
                              cr->s->connection->log);
        if (cr->seen == NULL) {
            cr->seen = old;
            cr->seen_cap = n;
            return NGX_ERROR;
        }

        cr->nseen = 0;

        for (j = 0; j < n; j++) {
            if (old[j]) {
                (void) ngx_http_9p_union_remember(cr, old[j] - 1);
            }
        }

        ngx_free(old);
    }

    ngx_http_9p_union_name(cr, off, &name);

    for (i = ngx_hash_key(name.data, name.len) & (cr->seen_cap - 1);
         cr->seen[i];
         i = (i + 1) & (cr->seen_cap - 1))
    {
        /* void */
    }

    cr->seen[i] = off + 1;
    cr->nseen++;

    return NGX_OK;
}


/* A listing is made: the fid keeps it, and the read is answered. */

static void
ngx_http_9p_union_done(ngx_http_9p_creq_t *cr)
{
    ngx_http_9p_fid_t  *f;

    f = ngx_http_9p_creq_fid(cr);

    if (f == NULL) {
        ngx_http_9p_creq_error(cr, NULL, "fid clunked during the read");
        return;
    }

    if (f->dir) {
        ngx_free(f->dir);
    }

    f->dir = cr->buf;
    f->dir_len = cr->len;
    f->dir_next = 0;
    cr->buf = NULL;

    if (!cr->flushed) {
        (void) ngx_http_9p_union_serve(cr->s, f, cr->tag, cr->count);
    }

    ngx_http_9p_creq_done(cr);
}


/*
 * Where a Tcreate at fid f goes: f's own mount, unless f is the point of
 * a union; then its first -c member, or NULL when it has none.
 */

static ngx_http_9p_mount_t *
ngx_http_9p_union_creator(ngx_http_9p_fid_t *f)
{
    ngx_http_9p_mount_t  *m;

    if (f->mount == NULL || f->path_len != f->mount->path.len
        || ngx_http_9p_union_next(f->ns, f->mount) == NULL)
    {
        return f->mount;
    }

    for (m = f->mount; m; m = ngx_http_9p_union_next(f->ns, m)) {
        if (m->create) {
            return m;
        }
    }

    return NULL;
}


/*
 * Tcreate in a union whose -c member is not the fid's: a fid at that
 * member's root makes the file, and the client's fid moves to it.
 */

static ngx_int_t
ngx_http_9p_union_create(ngx_http_9p_session_t *s, ngx_http_9p_fid_t *f,
    ninep_fcall_t *t, ngx_http_9p_mount_t *m)
{
    ninep_fcall_t        w;
    ngx_http_9p_creq_t  *cr;

    if (m == NULL) {
        return ngx_http_9p_reply_error(s, t->tag,
                                       "mounted directory forbids creation");
    }

    if (m->dev) {
        return ngx_http_9p_reply_error(s, t->tag, "permission denied");
    }

    if (f->open) {
        return ngx_http_9p_reply_error(s, t->tag, "fid already open");
    }

    cr = ngx_http_9p_creq_new(s, t);
    if (cr == NULL) {
        return NGX_ERROR;
    }

    ngx_http_9p_creq_hold(cr, f);
    cr->mount = m;
    cr->perm = t->perm;
    cr->mode = t->mode;
    cr->names = ngx_http_9p_creq_space(cr, t->name.len);

    if (cr->names == NULL) {
        ngx_http_9p_creq_error(cr, NULL, "out of memory");
        return NGX_OK;
    }

    ngx_memcpy(cr->names, t->name.data, t->name.len);
    cr->wname[0].data = cr->names;
    cr->wname[0].len = t->name.len;

    if (!ngx_http_9p_backend_alive(m->backend)) {
        ngx_http_9p_creq_error(cr, NULL, m->down ? m->down
                                                 : "connection lost");
        return NGX_OK;
    }

    ngx_http_9p_union_use(cr, m->backend);

    if (ngx_http_9p_backend_fid(cr->backend, &cr->nbfid) != NGX_OK) {
        ngx_http_9p_creq_error(cr, NULL, "out of backend fids");
        return NGX_OK;
    }

    ngx_memzero(&w, sizeof(w));
    w.type = NINEP_TWALK;
    w.fid = m->bfid;
    w.newfid = cr->nbfid;

    (void) ngx_http_9p_send(cr, cr->backend, &w,
                            ngx_http_9p_union_create_walked);

    return NGX_OK;
}


static void
ngx_http_9p_union_create_walked(ngx_http_9p_breq_t *br, ninep_fcall_t *r,
    const char *err)
{
    ninep_fcall_t        t;
    ngx_http_9p_creq_t  *cr;

    cr = br->data;
    cr->breq = NULL;

    if (r == NULL || r->type != NINEP_RWALK) {
        ngx_http_9p_backend_fid_free(cr->backend, cr->nbfid);

        if (err == ngx_http_9p_flushed) {
            ngx_http_9p_creq_abort(cr);
            return;
        }

        ngx_http_9p_creq_error(cr, ngx_http_9p_backend_name(cr->backend),
                               r ? "cannot reach the -c member" : err);
        return;
    }

    cr->owned = cr->nbfid;

    ngx_memzero(&t, sizeof(t));
    t.type = NINEP_TCREATE;
    t.fid = cr->nbfid;
    t.name.data = cr->wname[0].data;
    t.name.len = (uint16_t) cr->wname[0].len;
    t.perm = cr->perm;
    t.mode = cr->mode;

    (void) ngx_http_9p_send(cr, cr->backend, &t,
                            ngx_http_9p_union_created);
}


static void
ngx_http_9p_union_created(ngx_http_9p_breq_t *br, ninep_fcall_t *r,
    const char *err)
{
    u_char               buf[NGX_HTTP_9P_PATH_MAX];
    size_t               len;
    uint32_t             iomax;
    ngx_http_9p_fid_t   *f;
    ngx_http_9p_creq_t  *cr;

    cr = br->data;
    cr->breq = NULL;
    f = ngx_http_9p_creq_fid(cr);

    if (r == NULL) {
        if (err == ngx_http_9p_flushed) {
            ngx_http_9p_creq_abort(cr);
            return;
        }

        ngx_http_9p_backend_clunk(cr->backend, cr->owned);
        cr->owned = NINEP_NOFID;
        ngx_http_9p_creq_error(cr, ngx_http_9p_backend_name(cr->backend),
                               err);
        return;
    }

    if (r->type != NINEP_RCREATE || f == NULL || f->open) {
        /* the member's error as it is; or nobody to give the file to */
        ngx_http_9p_backend_clunk(cr->backend, cr->owned);
        cr->owned = NINEP_NOFID;

        if (r->type == NINEP_RCREATE) {
            ngx_http_9p_creq_error(cr, NULL, "fid clunked during the create");
            return;
        }

        ngx_http_9p_creq_reply(cr, r);
        return;
    }

    /* the client's fid moves to the new file, in the -c member */
    if (f->backend) {
        ngx_http_9p_backend_clunk(f->backend, f->bfid);
        ngx_http_9p_backend_unref(f->backend);
    }

    f->backend = cr->backend;
    ngx_http_9p_backend_ref(f->backend);
    f->bfid = cr->owned;
    cr->owned = NINEP_NOFID;
    f->mount = cr->mount;
    f->dev = NGX_HTTP_9P_DEV_NONE;
    f->open = 1;
    f->qid = r->qid;

    if (f->path_len + 1 + cr->wname[0].len <= NGX_HTTP_9P_PATH_MAX) {
        len = ngx_http_9p_path_join(buf, f->path, f->path_len,
                                    &cr->wname[0]);
        (void) ngx_http_9p_fid_set_path(f, buf, len);
    }

    iomax = ngx_min(cr->s->msize, ngx_http_9p_backend_msize(cr->backend))
            - NINEP_IOHDRSZ;

    if (r->iounit == 0 || r->iounit > iomax) {
        r->iounit = iomax;
    }

    ngx_http_9p_creq_reply(cr, r);
}


/* ------------------------------------------------------------ recovery */


/*
 * The connection under a request died.  A walk, stat, read or open that
 * does not truncate is sent again, once: its fid is recovered on the way
 * (see ngx_http_9p_recover).  A clunk is done all the same; a write,
 * create, remove or wstat whose outcome is unknown says so.  NGX_OK when
 * cr is taken care of.
 */

static ngx_int_t
ngx_http_9p_lost(ngx_http_9p_creq_t *cr, const char *err)
{
    u_char                  raw[NGX_HTTP_9P_RAW_MAX];
    size_t                  len;
    ninep_fcall_t           r;
    ngx_http_9p_session_t  *s;

    if (err == NULL || ngx_strcmp(err, "connection lost") != 0) {
        return NGX_DECLINED;
    }

    s = cr->s;

    switch (cr->type) {

    case NINEP_TCLUNK:
        ngx_memzero(&r, sizeof(r));
        r.type = NINEP_RCLUNK;
        ngx_http_9p_creq_reply(cr, &r);
        return NGX_OK;

    case NINEP_TWRITE:
    case NINEP_TCREATE:
    case NINEP_TREMOVE:
    case NINEP_TWSTAT:
        ngx_http_9p_creq_error(cr, ngx_http_9p_backend_name(cr->backend),
                               "connection lost; outcome unknown");
        return NGX_OK;

    default:
        break;
    }

    if (cr->raw_len == 0 || cr->retried || cr->flushes) {
        /* once only; and a request being flushed is given up */
        return NGX_DECLINED;
    }

    if (cr->owned != NINEP_NOFID) {
        ngx_http_9p_backend_clunk(cr->backend, cr->owned);
        cr->owned = NINEP_NOFID;
    }

    len = cr->raw_len;
    ngx_memcpy(raw, cr->raw, len);

    /* its tag is free again for the same request */
    ngx_http_9p_creq_done(cr);
    ngx_http_9p_redispatch(s, raw, len);

    return NGX_OK;
}


static void
ngx_http_9p_redispatch(ngx_http_9p_session_t *s, u_char *msg, size_t len)
{
    ngx_http_9p_again = 1;
    (void) ngx_http_9p_session_message(s, msg, len);
    ngx_http_9p_again = 0;
}


static ngx_int_t
ngx_http_9p_reply_rclunk(ngx_http_9p_session_t *s, uint16_t tag)
{
    ninep_fcall_t  r;

    ngx_memzero(&r, sizeof(r));
    r.type = NINEP_RCLUNK;
    r.tag = tag;

    return ngx_http_9p_ws_send_fcall(s, &r);
}


/* A service's mount whose connection died (and that may be made again). */

static ngx_uint_t
ngx_http_9p_mount_dead(ngx_http_9p_mount_t *m)
{
    return !m->dev && !m->ram && m->down == NULL && m->service != NULL
           && !ngx_http_9p_backend_alive(m->backend);
}


/*
 * Stale fids (seed roadmap 4): a fid whose connection died is made again
 * before its next request -- its mount's root first (attached again as
 * the fid's user, or the walk of a bind), a walk to its path, an open
 * with its mode less OTRUNC, for a directory a read up to where the
 * client was -- and the request, kept aside meanwhile, then runs as if
 * nothing had happened.  A file gone or a permission lost is that
 * request's Rerror; the fid stays stale for the next one to try.
 */

static ngx_int_t
ngx_http_9p_recover(ngx_http_9p_session_t *s, ngx_http_9p_fid_t *f,
    ninep_fcall_t *t)
{
    ngx_http_9p_creq_t  *cr;

    cr = ngx_http_9p_creq_new(s, t);
    if (cr == NULL) {
        return NGX_ERROR;
    }

    cr->raw_len = 0;
    cr->buf = ngx_alloc(ngx_http_9p_msg_len, s->connection->log);
    if (cr->buf == NULL) {
        ngx_http_9p_creq_error(cr, NULL, "out of memory");
        return NGX_OK;
    }

    ngx_memcpy(cr->buf, ngx_http_9p_msg, ngx_http_9p_msg_len);
    cr->len = ngx_http_9p_msg_len;

    ngx_http_9p_creq_hold(cr, f);
    cr->ns = f->ns;
    cr->ns->refs++;
    cr->resume = ngx_http_9p_recover_walk;

    ngx_http_9p_remount(cr, f->mount);

    return NGX_OK;
}


/*
 * Mount target lives again, then cr->resume(cr).  A bind is walked again
 * from its source's mount, which may need making first.
 */

static void
ngx_http_9p_remount(ngx_http_9p_creq_t *cr, ngx_http_9p_mount_t *target)
{
    ngx_uint_t              depth;
    ngx_http_9p_mount_t    *m, *src;

    cr->remount = target;

    if (!ngx_http_9p_mount_dead(target)) {
        cr->resume(cr);
        return;
    }

    m = target;
    src = NULL;

    for (depth = 0; m->source.len; depth++) {
        src = ngx_http_9p_mount_of(cr->ns, m->source.data, m->source.len);

        if (src == NULL || src == m || src->dev || src->ram || src->down
            || depth == NGX_HTTP_9P_MOUNTS_MAX)
        {
            ngx_http_9p_remount_fail(cr, "connection lost; the bind "
                                     "cannot be made again");
            return;
        }

        if (!ngx_http_9p_mount_dead(src)) {
            break;
        }

        m = src;
    }

    cr->making = m;

    if (m->source.len == 0) {
        cr->wait.handler = ngx_http_9p_remount_ready;
        cr->wait.data = cr;
        ngx_http_9p_pool_get(m->service, cr->s->conf, cr->s->request,
                             &cr->wait);
        return;
    }

    /* a bind whose source lives: walked again from there */
    if (ngx_http_9p_bind_source(cr, src, m, ngx_http_9p_remount_done)
        != NGX_OK)
    {
        ngx_http_9p_remount_fail(cr, "out of backend fids");
    }
}


static void
ngx_http_9p_remount_ready(ngx_http_9p_wait_t *w, ngx_http_9p_backend_t *b,
    const char *err)
{
    u_char               ename[NGX_HTTP_9P_ENAME_MAX], *p;
    ngx_http_9p_creq_t  *cr;

    cr = w->data;

    if (b == NULL) {
        p = ngx_snprintf(ename, sizeof(ename) - 1, "%V unavailable: %s",
                         &cr->making->service->name, err);
        *p = '\0';
        ngx_http_9p_remount_fail(cr, (char *) ename);
        return;
    }

    ngx_http_9p_union_use(cr, b);

    if (ngx_http_9p_mount_root(cr, cr->making, ngx_http_9p_remount_done)
        != NGX_OK)
    {
        ngx_http_9p_remount_fail(cr, "out of backend fids");
    }
}


static void
ngx_http_9p_remount_done(ngx_http_9p_breq_t *br, ninep_fcall_t *r,
    const char *err)
{
    u_char                ename[NGX_HTTP_9P_ENAME_MAX], *p;
    ngx_http_9p_mount_t  *m;
    ngx_http_9p_creq_t   *cr;

    cr = br->data;
    cr->breq = NULL;
    m = cr->making;

    if (r == NULL || r->type == NINEP_RERROR
        || (r->type == NINEP_RWALK && r->nwqid != br->nwname))
    {
        ngx_http_9p_backend_fid_free(cr->backend, cr->nbfid);
        cr->nbfid = NINEP_NOFID;

        if (err == ngx_http_9p_flushed) {
            ngx_http_9p_creq_abort(cr);
            return;
        }

        p = ngx_snprintf(ename, sizeof(ename) - 1, "%s: %*s",
                         ngx_http_9p_backend_name(cr->backend),
                         r && r->type == NINEP_RERROR
                         ? (size_t) r->ename.len
                         : ngx_strlen(r ? "file does not exist" : err),
                         r && r->type == NINEP_RERROR
                         ? (u_char *) r->ename.data
                         : (u_char *) (r ? "file does not exist" : err));
        *p = '\0';
        ngx_http_9p_remount_fail(cr, (char *) ename);
        return;
    }

    if (ngx_http_9p_mount_dead(m)) {
        if (m->backend) {
            ngx_http_9p_backend_unref(m->backend);
        }

        m->backend = cr->backend;
        ngx_http_9p_backend_ref(m->backend);
        m->bfid = cr->nbfid;

        ngx_log_error(NGX_LOG_INFO, cr->s->connection->log, 0,
                      "9p: %V made again on a new connection to \"%V\"",
                      &m->path, &m->service->name);

    } else {
        /* another request made it meanwhile */
        ngx_http_9p_backend_clunk(cr->backend, cr->nbfid);
    }

    cr->nbfid = NINEP_NOFID;
    ngx_http_9p_remount(cr, cr->remount);
}


/* A mount cannot be made again: a walk onto it is short, else an Rerror. */

static void
ngx_http_9p_remount_fail(ngx_http_9p_creq_t *cr, const char *ename)
{
    if (cr->resume == ngx_http_9p_walk_next) {
        ngx_http_9p_walk_fail(cr, NULL, ename);
        return;
    }

    ngx_http_9p_creq_error(cr, NULL, ename);
}


/* The fid's mount lives: the walk to its path. */

static void
ngx_http_9p_recover_walk(ngx_http_9p_creq_t *cr)
{
    ninep_fcall_t         t;
    ngx_http_9p_fid_t    *f;
    ngx_http_9p_mount_t  *m;

    f = ngx_http_9p_creq_fid(cr);

    if (f == NULL) {
        ngx_http_9p_creq_error(cr, NULL, "fid clunked during its recovery");
        return;
    }

    m = f->mount;

    ngx_memzero(&t, sizeof(t));
    t.type = NINEP_TWALK;
    t.fid = m->bfid;
    ngx_http_9p_walk_rel(&t, m, f->path, f->path_len);

    if (t.nwname == NINEP_MAXWELEM) {
        ngx_http_9p_creq_error(cr, NULL, "connection lost; the path is too "
                               "deep to recover");
        return;
    }

    ngx_http_9p_union_use(cr, m->backend);

    if (ngx_http_9p_backend_fid(cr->backend, &cr->nbfid) != NGX_OK) {
        ngx_http_9p_creq_error(cr, NULL, "out of backend fids");
        return;
    }

    t.newfid = cr->nbfid;

    (void) ngx_http_9p_send(cr, cr->backend, &t,
                            ngx_http_9p_recover_walked);
}


static void
ngx_http_9p_recover_walked(ngx_http_9p_breq_t *br, ninep_fcall_t *r,
    const char *err)
{
    ninep_fcall_t         t;
    ngx_http_9p_fid_t    *f;
    ngx_http_9p_creq_t   *cr;

    cr = br->data;
    cr->breq = NULL;

    if (r == NULL || r->type != NINEP_RWALK || r->nwqid != br->nwname) {
        ngx_http_9p_backend_fid_free(cr->backend, cr->nbfid);
        ngx_http_9p_recover_failed(cr, r, err);
        return;
    }

    cr->owned = cr->nbfid;
    f = ngx_http_9p_creq_fid(cr);

    if (f == NULL || !f->open) {
        ngx_http_9p_recover_done(cr);
        return;
    }

    /* open as before, without truncating what may be written since */
    ngx_memzero(&t, sizeof(t));
    t.type = NINEP_TOPEN;
    t.fid = cr->owned;
    t.mode = f->mode & ~NINEP_OTRUNC;

    (void) ngx_http_9p_send(cr, cr->backend, &t,
                            ngx_http_9p_recover_opened);
}


static void
ngx_http_9p_recover_opened(ngx_http_9p_breq_t *br, ninep_fcall_t *r,
    const char *err)
{
    ngx_http_9p_fid_t   *f;
    ngx_http_9p_creq_t  *cr;

    cr = br->data;
    cr->breq = NULL;

    if (r == NULL || r->type != NINEP_ROPEN) {
        ngx_http_9p_recover_failed(cr, r, err);
        return;
    }

    f = ngx_http_9p_creq_fid(cr);
    cr->offset = 0;

    if (f && (f->qid.type & NINEP_QTDIR) && f->dir_next > 0) {
        ngx_http_9p_recover_skip(cr);
        return;
    }

    ngx_http_9p_recover_done(cr);
}


/* A directory is read again up to where the client was. */

static void
ngx_http_9p_recover_skip(ngx_http_9p_creq_t *cr)
{
    ninep_fcall_t       t;
    ngx_http_9p_fid_t  *f;

    f = ngx_http_9p_creq_fid(cr);

    if (f == NULL || cr->offset >= f->dir_next) {
        ngx_http_9p_recover_done(cr);
        return;
    }

    ngx_memzero(&t, sizeof(t));
    t.type = NINEP_TREAD;
    t.fid = cr->owned;
    t.offset = cr->offset;
    t.count = (uint32_t) ngx_min(f->dir_next - cr->offset,
                     ngx_http_9p_backend_msize(cr->backend) - NINEP_IOHDRSZ);

    (void) ngx_http_9p_send(cr, cr->backend, &t, ngx_http_9p_recover_skipped);
}


static void
ngx_http_9p_recover_skipped(ngx_http_9p_breq_t *br, ninep_fcall_t *r,
    const char *err)
{
    ngx_http_9p_creq_t  *cr;

    cr = br->data;
    cr->breq = NULL;

    if (r == NULL || r->type != NINEP_RREAD) {
        ngx_http_9p_recover_failed(cr, r, err);
        return;
    }

    if (r->count == 0) {
        /* the directory shrank: its end is where the client was */
        ngx_http_9p_recover_done(cr);
        return;
    }

    cr->offset += r->count;
    ngx_http_9p_recover_skip(cr);
}


/* The file is gone, or may no longer be opened: this request says so. */

static void
ngx_http_9p_recover_failed(ngx_http_9p_creq_t *cr, ninep_fcall_t *r,
    const char *err)
{
    ninep_fcall_t  rf;

    if (cr->owned != NINEP_NOFID) {
        ngx_http_9p_backend_clunk(cr->backend, cr->owned);
        cr->owned = NINEP_NOFID;
    }

    if (err == ngx_http_9p_flushed) {
        ngx_http_9p_creq_abort(cr);
        return;
    }

    if (r && r->type == NINEP_RERROR) {
        ngx_memzero(&rf, sizeof(rf));
        rf.type = NINEP_RERROR;
        rf.ename = r->ename;
        ngx_http_9p_creq_reply(cr, &rf);
        return;
    }

    if (r) {
        /* a short walk: the service's "file does not exist", as it were */
        ngx_http_9p_creq_error(cr, NULL, "file does not exist");
        return;
    }

    ngx_http_9p_creq_error(cr, ngx_http_9p_backend_name(cr->backend), err);
}


/* The fid lives on its new connection; its request goes on. */

static void
ngx_http_9p_recover_done(ngx_http_9p_creq_t *cr)
{
    u_char                 *msg;
    size_t                  len;
    ngx_http_9p_fid_t      *f;
    ngx_http_9p_session_t  *s;

    s = cr->s;
    f = ngx_http_9p_creq_fid(cr);

    if (f == NULL) {
        ngx_http_9p_recover_failed(cr, NULL, "fid clunked during its "
                                   "recovery");
        return;
    }

    if (f->backend) {
        ngx_http_9p_backend_unref(f->backend);
    }

    f->backend = cr->backend;
    ngx_http_9p_backend_ref(f->backend);
    f->bfid = cr->owned;
    cr->owned = NINEP_NOFID;

    ngx_log_error(NGX_LOG_INFO, s->connection->log, 0,
                  "9p: fid %uD (%*s) recovered on a new connection to "
                  "\"%s\"", f->fid, f->path_len, f->path,
                  ngx_http_9p_backend_name(f->backend));

    msg = cr->buf;
    len = cr->len;
    cr->buf = NULL;

    if (cr->flushes || cr->flushed) {
        /* the client gave it up meanwhile */
        ngx_http_9p_creq_done(cr);
        ngx_free(msg);
        return;
    }

    ngx_http_9p_creq_done(cr);
    ngx_http_9p_redispatch(s, msg, len);
    ngx_free(msg);
}


/* ---------------------------------------------------------- /dev et al */


/* The kernel's files answer at once: nothing of theirs is remote. */

static ngx_int_t
ngx_http_9p_dev_request(ngx_http_9p_session_t *s, ngx_http_9p_fid_t *f,
    ninep_fcall_t *t)
{
    u_char         buf[NGX_HTTP_9P_DEV_MAX];
    size_t         len;
    ssize_t        n;
    ngx_str_t      path, *name;
    ninep_fcall_t  r;

    ngx_memzero(&r, sizeof(r));
    r.tag = t->tag;

    switch (t->type) {

    case NINEP_TOPEN:
        if (f->open) {
            return ngx_http_9p_reply_error(s, t->tag, "fid already open");
        }

        if ((t->mode & 3) != NINEP_OREAD
            && (f->dev != NGX_HTTP_9P_DEV_NSCTL
                || (t->mode & 3) == NINEP_OEXEC))
        {
            return ngx_http_9p_reply_error(s, t->tag, "permission denied");
        }

        f->open = 1;
        f->merge = ngx_http_9p_dev_isdir(f->dev) && ngx_http_9p_dir_merges(f);
        r.type = NINEP_ROPEN;
        r.qid = f->qid;
        r.iounit = s->msize - NINEP_IOHDRSZ;
        break;

    case NINEP_TREAD:
        if (!f->open) {
            return ngx_http_9p_reply_error(s, t->tag, "fid not open");
        }

        if (ngx_http_9p_dev_isdir(f->dev)) {
            path.data = f->path;
            path.len = f->path_len;
            n = ngx_http_9p_dev_dir(f->dev, &path, &f->ns->mounts,
                                    f->ns->user, buf, sizeof(buf));
            len = n < 0 ? 0 : (size_t) n;

        } else {
            len = ngx_http_9p_dev_text(s, f, buf, sizeof(buf));
        }

        r.type = NINEP_RREAD;

        if (t->offset < len) {
            r.data = buf + t->offset;
            r.count = (uint32_t) ngx_min(len - t->offset,
                                         ngx_min(t->count,
                                                 s->msize - NINEP_IOHDRSZ));

            /* a directory is read in whole entries: all of them fit */
            if (ngx_http_9p_dev_isdir(f->dev) && t->offset + r.count < len) {
                return ngx_http_9p_reply_error(s, t->tag,
                                       "directory read count too small");
            }
        }

        break;

    case NINEP_TWRITE:
        if (f->dev != NGX_HTTP_9P_DEV_NSCTL || !f->open) {
            return ngx_http_9p_reply_error(s, t->tag, "permission denied");
        }

        return ngx_http_9p_nsctl(s, f, t);

    case NINEP_TSTAT:
        /* a kernel directory at a mount point is named after it */
        name = NULL;

        if (f->path_len > 1) {
            path.data = f->path + f->path_len;
            while (path.data > f->path && path.data[-1] != '/') {
                path.data--;
            }
            path.len = f->path + f->path_len - path.data;
            name = &path;
        }

        r.type = NINEP_RSTAT;
        ngx_http_9p_dev_stat(f->dev, name, f->ns->user, &r.st);
        break;

    case NINEP_TCLUNK:
        ngx_http_9p_fid_unlink(s, f);
        ngx_http_9p_fid_free(s, f, 0);
        r.type = NINEP_RCLUNK;
        break;

    case NINEP_TREMOVE:
        ngx_http_9p_fid_unlink(s, f);
        ngx_http_9p_fid_free(s, f, 0);
        return ngx_http_9p_reply_error(s, t->tag, "permission denied");

    default:    /* Tcreate, Twstat */
        return ngx_http_9p_reply_error(s, t->tag, "permission denied");
    }

    return ngx_http_9p_ws_send_fcall(s, &r);
}


/*
 * The namespace as lines that make it again: each union where its first
 * member was placed, members before what -a or -b joined in reverse with
 * -b, the others with -a.
 */

static u_char *
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

        under = ns->mounts.nelts;

        for (j = i; j < ns->mounts.nelts; j++) {
            if (m[j]->implicit && ngx_http_9p_same_point(m[j], m[i])) {
                under = j;
            }
        }

        if (under < ns->mounts.nelts) {
            for (k = under; k > i; k--) {
                if (ngx_http_9p_same_point(m[k - 1], m[i])) {
                    p = ngx_http_9p_ns_line(m[k - 1], 'b', p, end);
                }
            }
        }

        for (j = (under < ns->mounts.nelts) ? under : i;
             j < ns->mounts.nelts;
             j++)
        {
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


/*
 * A file of the rescue tree: everything is answered at once.  Anyone may
 * write what its mode lets anyone write.
 */

static ngx_int_t
ngx_http_9p_ram_request(ngx_http_9p_session_t *s, ngx_http_9p_fid_t *f,
    ninep_fcall_t *t)
{
    u_char               *buf, path[NGX_HTTP_9P_PATH_MAX];
    size_t                used, len;
    ssize_t               n;
    uint32_t              count;
    ngx_int_t             rc;
    ngx_str_t             name;
    const char           *e;
    ninep_stat_t          st;
    ninep_fcall_t         r;
    ngx_http_9p_rnode_t  *c;

    ngx_memzero(&r, sizeof(r));
    r.tag = t->tag;
    count = ngx_min(t->count, s->msize - NINEP_IOHDRSZ);
    e = NULL;

    switch (t->type) {

    case NINEP_TOPEN:
    case NINEP_TCREATE:
        if (f->open) {
            return ngx_http_9p_reply_error(s, t->tag, "fid already open");
        }

        if (t->type == NINEP_TOPEN) {
            e = ngx_http_9p_rnode_open(f->ram, t->mode);

        } else if ((t->perm & NINEP_DMDIR) && (t->mode & 3) != NINEP_OREAD) {
            e = "permission denied";

        } else if (f->path_len + 1 + t->name.len > NGX_HTTP_9P_PATH_MAX) {
            e = "path too long";

        } else {
            e = ngx_http_9p_rnode_create(f->ram, (u_char *) t->name.data,
                                         t->name.len, t->perm, f->ns->user,
                                         &c);
            if (e == NULL) {
                ngx_http_9p_rnode_unref(f->ram);
                f->ram = c;
                name.data = (u_char *) t->name.data;
                name.len = t->name.len;
                len = ngx_http_9p_path_join(path, f->path, f->path_len,
                                            &name);
                (void) ngx_http_9p_fid_set_path(f, path, len);
            }
        }

        if (e) {
            return ngx_http_9p_reply_error(s, t->tag, e);
        }

        f->open = 1;
        f->mode = t->mode;
        f->dir_next = 0;
        f->dir_at = 0;
        f->merge = ngx_http_9p_rnode_isdir(f->ram)
                   && ngx_http_9p_dir_merges(f);
        ngx_http_9p_rnode_qid(f->ram, &f->qid);
        r.type = (t->type == NINEP_TOPEN) ? NINEP_ROPEN : NINEP_RCREATE;
        r.qid = f->qid;
        r.iounit = s->msize - NINEP_IOHDRSZ;
        break;

    case NINEP_TREAD:
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

        buf = ngx_alloc(ngx_max(count, 1), s->connection->log);
        if (buf == NULL) {
            return ngx_http_9p_reply_error(s, t->tag, "out of memory");
        }

        if (ngx_http_9p_rnode_isdir(f->ram)) {
            if (t->offset == 0) {
                f->dir_at = 0;
                f->dir_next = 0;
            }

            n = ngx_http_9p_rnode_readdir(f->ram, &f->dir_at, buf, count);
            used = n < 0 ? 0 : (size_t) n;
            f->dir_next += used;

        } else {
            n = 0;
            used = ngx_http_9p_rnode_read(f->ram, t->offset, buf, count);
        }

        if (n < 0) {
            rc = ngx_http_9p_reply_error(s, t->tag,
                                         "directory read count too small");
        } else {
            r.type = NINEP_RREAD;
            r.data = buf;
            r.count = (uint32_t) used;
            rc = ngx_http_9p_ws_send_fcall(s, &r);
        }

        ngx_free(buf);
        return rc;

    case NINEP_TWRITE:
        if (!f->open || (f->mode & 3) == NINEP_OREAD) {
            return ngx_http_9p_reply_error(s, t->tag,
                                           "fid not open for writing");
        }

        e = ngx_http_9p_rnode_write(f->ram, t->offset, t->data, t->count,
                                    f->ns->user);
        r.type = NINEP_RWRITE;
        r.count = t->count;
        break;

    case NINEP_TCLUNK:
    case NINEP_TREMOVE:
        /* the fid goes whatever the answer */
        if (t->type == NINEP_TREMOVE) {
            e = ngx_http_9p_rnode_remove(f->ram);
        }

        ngx_http_9p_fid_unlink(s, f);
        ngx_http_9p_fid_free(s, f, 0);
        r.type = (t->type == NINEP_TCLUNK) ? NINEP_RCLUNK : NINEP_RREMOVE;
        break;

    case NINEP_TSTAT:
        r.type = NINEP_RSTAT;
        ngx_http_9p_rnode_stat(f->ram, &r.st);
        break;

    default:    /* Twstat */
        if (ninep_stat_unpack(t->stat, t->nstat, &st, &used) != 0) {
            return ngx_http_9p_reply_error(s, t->tag, "bad stat");
        }

        e = ngx_http_9p_rnode_wstat(f->ram, &st);

        if (e == NULL && st.name.len) {
            /* the fid's path ends in the new name */
            name.data = (u_char *) st.name.data;
            name.len = st.name.len;
            len = ngx_http_9p_path_join(path, f->path, f->path_len,
                                        &ngx_http_9p_dotdot);
            if (len + 1 + name.len <= NGX_HTTP_9P_PATH_MAX) {
                len = ngx_http_9p_path_join(path, path, len, &name);
                (void) ngx_http_9p_fid_set_path(f, path, len);
            }
        }

        r.type = NINEP_RWSTAT;
        break;
    }

    if (e) {
        return ngx_http_9p_reply_error(s, t->tag, e);
    }

    return ngx_http_9p_ws_send_fcall(s, &r);
}


/* user, sysname, ns: what they say now. */

static size_t
ngx_http_9p_dev_text(ngx_http_9p_session_t *s, ngx_http_9p_fid_t *f,
    u_char *buf, size_t len)
{
    u_char  *p, *end;

    p = buf;
    end = buf + len;

    switch (f->dev) {

    case NGX_HTTP_9P_DEV_USER:
        p = ngx_slprintf(p, end, "%s", f->ns->user);
        break;

    case NGX_HTTP_9P_DEV_SYSNAME:
        p = ngx_slprintf(p, end, "%V", &ngx_cycle->hostname);
        break;

    case NGX_HTTP_9P_DEV_NS:
        p = ngx_http_9p_ns_text(f->ns, p, end);
        break;

    default:
        break;
    }

    return p - buf;
}


/* ---------------------------------------------------------------- nsctl */


/*
 * A path as the walks see it: rooted, no "//", ".", ".." or trailing "/".
 * dst may be src: the words move only to the left.
 */

static size_t
ngx_http_9p_clean(u_char *dst, u_char *src, size_t len)
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


/*
 * Writes to /dev/nsctl change the namespace of this attach, one command
 * a write: "mount [-abc] service mountpoint [spec]", "bind [-abc] source
 * mountpoint", "unmount [source] mountpoint".  The services still decide
 * what the user may do with what is mounted.
 */

static ngx_int_t
ngx_http_9p_nsctl(ngx_http_9p_session_t *s, ngx_http_9p_fid_t *f,
    ninep_fcall_t *t)
{
    u_char              *p, *end, *w[5], *we[5];
    u_char               err[NGX_HTTP_9P_ENAME_MAX];
    size_t               len;
    ngx_uint_t           nw;
    ngx_http_9p_creq_t  *cr;

    p = (u_char *) t->data;
    end = p + t->count;

    if (end > p && end[-1] == '\n') {
        end--;
    }

    for (nw = 0; p < end; ) {
        if (*p == ' ' || *p == '\t') {
            p++;
            continue;
        }

        if (nw == 5 || *p == '\n') {
            return ngx_http_9p_reply_error(s, t->tag,
                                           "nsctl: one command per write");
        }

        w[nw] = p;

        while (p < end && *p != ' ' && *p != '\t' && *p != '\n') {
            p++;
        }

        we[nw++] = p;
    }

    if (nw == 0) {
        return ngx_http_9p_reply_error(s, t->tag, "nsctl: empty command");
    }

    len = we[0] - w[0];

    if (len == 5 && ngx_strncmp(w[0], "reset", 5) == 0 && nw == 1) {
        return ngx_http_9p_nsctl_reset(s, f, t);
    }

    if (!(len == 5 && ngx_strncmp(w[0], "mount", 5) == 0)
        && !(len == 4 && ngx_strncmp(w[0], "bind", 4) == 0)
        && !(len == 7 && ngx_strncmp(w[0], "unmount", 7) == 0))
    {
        return ngx_http_9p_reply_error(s, t->tag,
                                       "nsctl: expected mount, bind, "
                                       "unmount or reset");
    }

    /* the entry is made as an attach makes its entries, then placed */
    cr = ngx_http_9p_creq_new(s, t);
    if (cr == NULL) {
        return NGX_ERROR;
    }

    ngx_http_9p_creq_hold(cr, f);
    cr->ns = f->ns;
    cr->ns->refs++;
    cr->nsctl = 1;
    cr->count = t->count;
    cr->step = NGX_HTTP_9P_A_MOUNT;
    cr->wait.handler = ngx_http_9p_attach_ready;
    cr->wait.data = cr;

    if (ngx_array_init(&cr->pending, cr->ns->pool, 2,
                       sizeof(ngx_http_9p_mount_t *))
        != NGX_OK)
    {
        ngx_http_9p_creq_error(cr, NULL, "out of memory");
        return NGX_OK;
    }

    if (ngx_http_9p_ns_entry(cr, w, we, nw, err, sizeof(err)) != NGX_OK) {
        ngx_http_9p_creq_error(cr, NULL, (char *) err);
        return NGX_OK;
    }

    ngx_http_9p_attach_next(cr);

    return NGX_OK;
}


/*
 * "reset": the namespace of this attach as /lib/namespace makes it now.
 * The attach's steps build a new one; its entries then replace the old
 * ones in place, so fids made before keep working where they are.
 */

static ngx_int_t
ngx_http_9p_nsctl_reset(ngx_http_9p_session_t *s, ngx_http_9p_fid_t *f,
    ninep_fcall_t *t)
{
    ngx_http_9p_ns_t    *ns;
    ngx_http_9p_creq_t  *cr;

    if (s->conf->services == NULL || f->ns->user[0] == '\0'
        || ngx_strcmp(f->ns->user, "none") == 0)
    {
        return ngx_http_9p_reply_error(s, t->tag,
                                       "reset: only a ticket's namespace");
    }

    ns = ngx_http_9p_ns_create(s);
    if (ns == NULL) {
        return NGX_ERROR;
    }

    cr = ngx_http_9p_creq_new(s, t);
    if (cr == NULL) {
        ngx_http_9p_ns_unref(ns);
        return NGX_ERROR;
    }
    ngx_memcpy(ns->user, f->ns->user, sizeof(ns->user));

    ngx_http_9p_creq_hold(cr, f);
    cr->ns = ns;
    cr->reset = f->ns;
    cr->reset->refs++;
    cr->count = t->count;
    cr->step = NGX_HTTP_9P_A_NAMESPACE;
    cr->wait.handler = ngx_http_9p_attach_ready;
    cr->wait.data = cr;

    if (ngx_array_init(&cr->pending, ns->pool, 8,
                       sizeof(ngx_http_9p_mount_t *))
        != NGX_OK)
    {
        ngx_http_9p_attach_fail(cr, "out of memory");
        return NGX_OK;
    }

    ngx_http_9p_attach_next(cr);

    return NGX_OK;
}


static void
ngx_http_9p_ns_swap(ngx_http_9p_creq_t *cr)
{
    ngx_uint_t             i;
    ninep_fcall_t          rf;
    ngx_http_9p_ns_t      *old, *new;
    ngx_pool_cleanup_t    *cln;
    ngx_http_9p_mount_t  **om, **nm, **p;

    old = cr->reset;
    new = cr->ns;

    /* the new entries live in the new pool: it goes with the old one */
    cln = ngx_pool_cleanup_add(old->pool, 0);
    if (cln == NULL) {
        ngx_http_9p_attach_fail(cr, "out of memory");
        return;
    }

    cln->handler = ngx_http_9p_pool_destroy;
    cln->data = new->pool;

    om = old->mounts.elts;

    for (i = 0; i < old->mounts.nelts; i++) {
        if (om[i]->backend) {
            ngx_http_9p_backend_clunk(om[i]->backend, om[i]->bfid);
            ngx_http_9p_backend_unref(om[i]->backend);
            om[i]->backend = NULL;
        }
    }

    old->mounts.nelts = 0;
    nm = new->mounts.elts;

    for (i = 0; i < new->mounts.nelts; i++) {
        p = ngx_array_push(&old->mounts);
        if (p == NULL) {
            break;
        }
        *p = nm[i];
    }

    /* the new namespace object itself is done with */
    new->mounts.nelts = 0;
    cr->ns = NULL;

    ngx_memzero(&rf, sizeof(rf));
    rf.type = NINEP_RWRITE;
    rf.count = cr->count;
    ngx_http_9p_creq_reply(cr, &rf);
}


static void
ngx_http_9p_pool_destroy(void *data)
{
    ngx_destroy_pool(data);
}
