
/*
 * Ten: attach and namespaces.  A ticket attach reads the ticket and
 * /lib/namespace from the boot service as the kernel, verifies the
 * ticket (reading factotum's /keys for a key it does not know), then
 * makes every entry of the file in order, as the ticket's user; nsctl
 * writes make entries the same way.  A bootstrap attach gets the kernel's
 * files, or the rescue tree while the boot service is away.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_9p_attach.h"
#include "ngx_http_9p_rpc.h"
#include "ngx_http_9p_nsfile.h"
#include "ngx_http_9p_kernfile.h"
#include "ngx_http_9p_rescue.h"
#include "ngx_http_9p_forward.h"
#include "ngx_http_9p_stats.h"


/*
 * A small file an attach reads whole (ngx_http_9p_slurp): how long it may
 * be, what its absence means, whose it is in errors, and the step that
 * takes it from there.
 */
struct ngx_http_9p_slurp_s {
    size_t                      max;
    ngx_uint_t                  optional;   /* absent: left out */
    const char                 *missing;    /* absent: this Rerror */
    const char                 *too_long;
    const char                 *whose;      /* a read that failed */
    const char                 *gone;       /* no reply at all */
    void                      (*read)(ngx_http_9p_creq_t *cr);
};


static ngx_int_t ngx_http_9p_ns_request(ngx_http_9p_session_t *s,
    ninep_fcall_t *t, ngx_http_9p_ns_t *ns, ngx_http_9p_creq_t **crp);
static ngx_http_9p_mount_t *ngx_http_9p_pending_add(ngx_http_9p_creq_t *cr,
    u_char *path, size_t len, ngx_uint_t dev, ngx_http_9p_service_t *svc);
static ngx_int_t ngx_http_9p_add_factotum(ngx_http_9p_creq_t *cr);
static ngx_int_t ngx_http_9p_ns_entry(ngx_http_9p_creq_t *cr,
    ngx_http_9p_nscmd_t *cmd, u_char *err, size_t size);
static void ngx_http_9p_attach_made(ngx_http_9p_creq_t *cr,
    ngx_http_9p_mount_t *m);
static void ngx_http_9p_bootstrap(ngx_http_9p_creq_t *cr, const char *why);
static ngx_int_t ngx_http_9p_rescue_root(ngx_http_9p_creq_t *cr,
    ngx_http_9p_mount_t *m, const char *why);
static void ngx_http_9p_rescue_over(ngx_http_9p_creq_t *cr);
static void ngx_http_9p_attach_down(ngx_http_9p_creq_t *cr,
    ngx_http_9p_mount_t *m, ngx_str_t *why);
static ngx_http_9p_service_t *ngx_http_9p_service_find(
    ngx_http_9p_session_t *s, u_char *name, size_t len, ngx_uint_t boot);
static void ngx_http_9p_attach_done(ngx_http_9p_creq_t *cr);
static ngx_uint_t ngx_http_9p_nsctl_is_reset(const char *p, size_t len);
static ngx_int_t ngx_http_9p_nsctl_reset(ngx_http_9p_session_t *s,
    ngx_http_9p_fid_t *f, ninep_fcall_t *t);
static ngx_int_t ngx_http_9p_ns_swap(ngx_http_9p_creq_t *cr);
static void ngx_http_9p_pool_destroy(void *data);
static void ngx_http_9p_boot_wait(ngx_http_9p_creq_t *cr,
    ngx_http_9p_ready_pt ready);
static void ngx_http_9p_boot_ready(ngx_http_9p_wait_t *w,
    ngx_http_9p_backend_t *b, const char *err);
static void ngx_http_9p_ticket_ready(ngx_http_9p_wait_t *w,
    ngx_http_9p_backend_t *b, const char *err);
static void ngx_http_9p_ticket_read(ngx_http_9p_creq_t *cr);
static void ngx_http_9p_keys_ready(ngx_http_9p_wait_t *w,
    ngx_http_9p_backend_t *b, const char *err);
static void ngx_http_9p_keys_read(ngx_http_9p_creq_t *cr);
static void ngx_http_9p_namespace_ready(ngx_http_9p_wait_t *w,
    ngx_http_9p_backend_t *b, const char *err);
static void ngx_http_9p_namespace_read(ngx_http_9p_creq_t *cr);
static void ngx_http_9p_attach_entries(ngx_http_9p_creq_t *cr);
static void ngx_http_9p_mount_ready(ngx_http_9p_wait_t *w,
    ngx_http_9p_backend_t *b, const char *err);
static void ngx_http_9p_attach_root(ngx_http_9p_creq_t *cr);
static void ngx_http_9p_attach_fail(ngx_http_9p_creq_t *cr,
    const char *fmt, ...);
static void ngx_http_9p_slurp(ngx_http_9p_creq_t *cr,
    const ngx_http_9p_slurp_t *what, u_char *path, size_t len);
static void ngx_http_9p_slurped(ngx_http_9p_creq_t *cr, ninep_fcall_t *r,
    const char *err);
static const char *ngx_http_9p_check_ticket(ngx_http_9p_creq_t *cr);
static void ngx_http_9p_keys_fetch(ngx_http_9p_creq_t *cr);
static ngx_str_t *ngx_http_9p_ns_file(ngx_http_9p_creq_t *cr);
static void ngx_http_9p_ns_include(ngx_http_9p_creq_t *cr,
    ngx_http_9p_nsword_t *file, ngx_uint_t line);
static const char *ngx_http_9p_ns_done(ngx_http_9p_creq_t *cr);
static void ngx_http_9p_ns_next(ngx_http_9p_creq_t *cr);
static void ngx_http_9p_ns_included(ngx_http_9p_creq_t *cr);
static void ngx_http_9p_attach_bind(ngx_http_9p_creq_t *cr,
    ngx_http_9p_mount_t *m);
static ngx_int_t ngx_http_9p_expand_user(ngx_http_9p_ns_t *ns,
    ngx_http_9p_nsword_t *w, ngx_str_t *out);
static void ngx_http_9p_bind_walked(ngx_http_9p_creq_t *cr,
    ninep_fcall_t *r, const char *err);
static void ngx_http_9p_attach_skip(ngx_http_9p_creq_t *cr,
    const char *why, ngx_str_t *detail);
static void ngx_http_9p_mount_attached(ngx_http_9p_creq_t *cr,
    ninep_fcall_t *r, const char *err);
static void ngx_http_9p_root_cloned(ngx_http_9p_creq_t *cr,
    ninep_fcall_t *r, const char *err);


#define ngx_http_9p_boot_service(s)  ngx_http_9p_service_find(s, NULL, 0, 1)
#define ngx_http_9p_factotum(s)                                             \
    ngx_http_9p_service_find(s, (u_char *) "factotum", 8, 0)


static const ngx_http_9p_slurp_t  ngx_http_9p_read_ticket = {
    NGX_HTTP_9P_TICKET_MAX, 0, "no such ticket", "ticket too long",
    "boot service", "boot service unavailable", ngx_http_9p_ticket_read
};

static const ngx_http_9p_slurp_t  ngx_http_9p_read_keys = {
    NGX_HTTP_9P_NS_MAX, 0, NULL, "factotum's /keys too long",
    "ticket signed by an unknown key; factotum",
    "ticket signed by an unknown key; factotum unavailable",
    ngx_http_9p_keys_read
};

static const ngx_http_9p_slurp_t  ngx_http_9p_read_namespace = {
    NGX_HTTP_9P_NS_MAX, 0, "no /lib/namespace", "/lib/namespace too long",
    "boot service", "boot service unavailable", ngx_http_9p_namespace_read
};

static const ngx_http_9p_slurp_t  ngx_http_9p_read_include = {
    NGX_HTTP_9P_NS_MAX, 1, NULL, "/lib/namespace too long",
    "boot service", "boot service unavailable", ngx_http_9p_namespace_read
};


/* -------------------------------------------------------------- attach */


ngx_int_t
ngx_http_9p_attach(ngx_http_9p_session_t *s, ninep_fcall_t *t)
{
    ngx_int_t              rc;
    const char            *user;
    ngx_http_9p_ns_t      *ns;
    ngx_http_9p_creq_t    *cr;

    if (ngx_http_9p_fid_find(s, t->fid)) {
        return ngx_http_9p_reply_error(s, t->tag, "fid in use");
    }

    if (t->afid != NINEP_NOFID) {
        return ngx_http_9p_reply_error(s, t->tag,
                                       "authentication not required");
    }

    if (t->aname.len >= NGX_HTTP_9P_PATH_MAX) {
        return ngx_http_9p_reply_error(s, t->tag, "ticket path too long");
    }

    rc = ngx_http_9p_ns_request(s, t, NULL, &cr);
    if (rc != NGX_OK) {
        return rc == NGX_ERROR ? NGX_ERROR : NGX_OK;
    }

    ns = cr->ns;
    cr->newfid = t->fid;

    if (t->aname.len == 0) {
        /* bootstrap: none; rescue mode if the boot service is away */
        ngx_cpystrn((u_char *) ns->user, (u_char *) "none",
                    sizeof(ns->user));

        ngx_http_9p_boot_wait(cr, ngx_http_9p_boot_ready);
        return NGX_OK;
    }

    /* the ticket path, kept only while the attach lasts */
    cr->tpath = ngx_http_9p_creq_space(cr, t->aname.len);
    if (cr->tpath == NULL) {
        ngx_http_9p_attach_fail(cr, "out of memory");
        return NGX_OK;
    }

    ngx_memcpy(cr->tpath, t->aname.data, t->aname.len);
    cr->tpath_len = t->aname.len;

    user = ngx_http_9p_ticket_cached(s->conf, cr->tpath, cr->tpath_len);
    ngx_http_9p_stats_cache(NGX_HTTP_9P_CACHE_TICKETS, user != NULL);

    if (user) {
        /* verified moments ago: straight to the namespace */
        ngx_cpystrn((u_char *) ns->user, (u_char *) user, sizeof(ns->user));
        ngx_http_9p_boot_wait(cr, ngx_http_9p_namespace_ready);
        return NGX_OK;
    }

    ngx_http_9p_boot_wait(cr, ngx_http_9p_ticket_ready);

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

    cr->mount_i = 0;
    ngx_http_9p_attach_entries(cr);
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
    u_char     text[NGX_HTTP_9P_ENAME_MAX], *p;
    ngx_str_t  reason;

    p = ngx_snprintf(text, sizeof(text), "%V unavailable: %s",
                     &ngx_http_9p_boot_service(cr->s)->name, why);
    reason.data = text;
    reason.len = p - text;

    if (!ngx_http_9p_rescuing) {
        ngx_log_error(NGX_LOG_WARN, cr->s->connection->log, 0,
                      "9p: rescue mode: %V; sessions get the worker's "
                      "RAM tree as /", &reason);
        ngx_http_9p_rescuing = 1;
        ngx_http_9p_stats_rescue(1);
    }

    m->ram = ngx_http_9p_ramfs_root(cr->s->conf->rescue_size, &reason);
    if (m->ram == NULL) {
        return NGX_ERROR;
    }

    ngx_http_9p_rnode_ref(m->ram);
    ngx_http_9p_rnode_qid(m->ram, &m->qid);
    m->ops = &ngx_http_9p_rescue_ops;

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
        ngx_http_9p_stats_rescue(0);
    }
}


/*
 * A request that makes namespace entries: into ns (referenced), or into a
 * new namespace when ns is NULL.  NGX_OK with *crp; NGX_DECLINED when it
 * is answered already; NGX_ERROR when nothing could be made.
 */

static ngx_int_t
ngx_http_9p_ns_request(ngx_http_9p_session_t *s, ninep_fcall_t *t,
    ngx_http_9p_ns_t *ns, ngx_http_9p_creq_t **crp)
{
    ngx_http_9p_creq_t  *cr;

    if (ns) {
        ns->refs++;

    } else {
        ns = ngx_http_9p_ns_create(s->connection->log,
                                   ngx_http_9p_entry_drop);
        if (ns == NULL) {
            return NGX_ERROR;
        }
    }

    cr = ngx_http_9p_creq_new(s, t);
    if (cr == NULL) {
        ngx_http_9p_ns_unref(ns);
        return NGX_ERROR;
    }

    cr->kind = NGX_HTTP_9P_CR_ATTACH;

    cr->ns = ns;
    cr->wait.data = cr;

    if (ngx_array_init(&cr->pending, ns->pool, 4,
                       sizeof(ngx_http_9p_mount_t *))
        != NGX_OK)
    {
        ngx_http_9p_creq_error(cr, NULL, "out of memory");
        return NGX_DECLINED;
    }

    *crp = cr;

    return NGX_OK;
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

    m = ngx_http_9p_mount_new(cr->ns, path, len, dev, svc);
    if (m == NULL) {
        return NULL;
    }

    /* a bind's is its source's, the rescue root's the rescue tree's */
    m->ops = dev ? &ngx_http_9p_kernel_ops : &ngx_http_9p_service_ops;

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

    svc = ngx_http_9p_factotum(cr->s);

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


/* A service by name, or the boot service. */

static ngx_http_9p_service_t *
ngx_http_9p_service_find(ngx_http_9p_session_t *s, u_char *name, size_t len,
    ngx_uint_t boot)
{
    ngx_uint_t               i;
    ngx_http_9p_service_t  **svc;

    svc = s->conf->services->elts;

    for (i = 0; i < s->conf->services->nelts; i++) {
        if (boot ? svc[i]->boot
                 : (svc[i]->name.len == len
                    && ngx_strncmp(svc[i]->name.data, name, len) == 0))
        {
            return svc[i];
        }
    }

    return NULL;
}


/*
 * The entry of a parsed command (ngx_http_9p_nsfile.h), $user expanded.
 * NGX_OK: it waits in cr->pending; NGX_DECLINED: a service this kernel
 * does not have; NGX_ERROR: why is in err.
 */

static ngx_int_t
ngx_http_9p_ns_entry(ngx_http_9p_creq_t *cr, ngx_http_9p_nscmd_t *cmd,
    u_char *err, size_t size)
{
    ngx_str_t               point;
    ngx_http_9p_mount_t    *m;
    ngx_http_9p_service_t  *svc;

    svc = NULL;

    if (cmd->verb == NGX_HTTP_9P_NS_MOUNT) {
        svc = ngx_http_9p_service_find(cr->s, (u_char *) cmd->name.data,
                                       cmd->name.len, 0);

        if (svc == NULL) {
            ngx_snprintf(err, size, "mount: unknown service \"%*s\"%Z",
                         ngx_min(cmd->name.len, size / 2), cmd->name.data);
            return NGX_DECLINED;
        }
    }

    if (ngx_http_9p_expand_user(cr->ns, &cmd->point, &point) != NGX_OK
        || (m = ngx_http_9p_pending_add(cr, point.data, point.len, 0, svc))
           == NULL)
    {
        ngx_cpystrn(err, (u_char *) "too many entries", size);
        return NGX_ERROR;
    }

    m->unmount = (cmd->verb == NGX_HTTP_9P_NS_UNMOUNT);
    m->after = cmd->after;
    m->before = cmd->before;
    m->create = cmd->create;

    if ((cmd->verb != NGX_HTTP_9P_NS_MOUNT && cmd->name.len
         && ngx_http_9p_expand_user(cr->ns, &cmd->name, &m->source)
            != NGX_OK)
        || (cmd->spec.len
            && ngx_http_9p_expand_user(cr->ns, &cmd->spec, &m->spec)
               != NGX_OK))
    {
        cr->pending.nelts--;
        ngx_cpystrn(err, (u_char *) "out of memory", size);
        return NGX_ERROR;
    }

    if (m->source.len && m->source.data[0] == '/') {
        m->source.len = ngx_http_9p_path_clean(m->source.data, m->source.data,
                                               m->source.len);
    }

    return NGX_OK;
}


/* A copy of word w in the namespace's pool, with $user replaced. */

static ngx_int_t
ngx_http_9p_expand_user(ngx_http_9p_ns_t *ns, ngx_http_9p_nsword_t *w,
    ngx_str_t *out)
{
    size_t  cap;

    cap = w->len * (ngx_strlen(ns->user) + 1);

    out->data = ngx_pnalloc(ns->pool, cap + 1);
    if (out->data == NULL) {
        return NGX_ERROR;
    }

    out->len = ngx_http_9p_nsfile_expand(w, ns->user, (char *) out->data,
                                         cap);

    return NGX_OK;
}


/*
 * A bind: the source as the namespace has it now, walked from its
 * mount's root on that mount's connection.
 */

static void
ngx_http_9p_attach_bind(ngx_http_9p_creq_t *cr, ngx_http_9p_mount_t *m)
{
    ngx_int_t              rc;
    ngx_http_9p_mount_t   *src;

    src = ngx_http_9p_mount_of(cr->ns, m->source.data, m->source.len);

    if (src == NULL || (src->dev && src->path.len != m->source.len)) {
        ngx_http_9p_attach_skip(cr, "bind: no such source", &m->source);
        return;
    }

    m->ops = src->ops;

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

    rc = ngx_http_9p_walk_root(cr, src, m->source.data, m->source.len,
                               ngx_http_9p_bind_walked);

    if (rc == NGX_DECLINED) {
        ngx_http_9p_attach_skip(cr, "bind: more than 16 names to walk to "
                                "the source", &m->source);

    } else if (rc != NGX_OK) {
        ngx_http_9p_attach_fail(cr, "out of backend fids");
    }
}


static void
ngx_http_9p_bind_walked(ngx_http_9p_creq_t *cr, ninep_fcall_t *r,
    const char *err)
{
    ngx_http_9p_mount_t   *m, **mp;

    mp = cr->pending.elts;
    m = mp[cr->mount_i];

    if (err) {
        ngx_http_9p_attach_skip(cr, "bind: cannot walk to the source",
                                &m->source);
        return;
    }

    ngx_http_9p_creq_give(cr, &m->backend, &m->bfid, &cr->nbfid);
    m->qid = r->nwqid ? r->wqid[r->nwqid - 1] : cr->qid;

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
    ngx_http_9p_attach_entries(cr);
}


/*
 * An optional mount whose service does not answer stays in the table, so
 * that a walk onto it says why ("factotum unavailable: ...").
 */

static void
ngx_http_9p_attach_down(ngx_http_9p_creq_t *cr, ngx_http_9p_mount_t *m,
    ngx_str_t *why)
{
    size_t  len;

    ngx_log_error(NGX_LOG_WARN, cr->s->connection->log, 0,
                  "9p: %V: %V unavailable: %V", &m->path, &m->service->name,
                  why);

    len = m->service->name.len + sizeof(" unavailable: ") + why->len;
    m->down = ngx_pnalloc(cr->ns->pool, len);

    if (m->down == NULL) {
        ngx_http_9p_attach_fail(cr, "out of memory");
        return;
    }

    (void) ngx_sprintf((u_char *) m->down, "%V unavailable: %V%Z",
                       &m->service->name, why);

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

    /* a point joined with -a/-b over nothing (the VFS has no /dev) is
       normal, not news for the operator */
    level = m->implicit ? NGX_LOG_DEBUG : NGX_LOG_WARN;

    ngx_log_error(level, cr->s->connection->log, 0,
                  "9p: %V left out of the namespace: %s %V",
                  &m->path, why, detail);

    cr->mount_i++;
    ngx_http_9p_attach_entries(cr);
}


/*
 * The pending entries in order, then the client's root.  Each mount needs
 * a connection: first to the boot service for the namespace file, then
 * each mount's own.
 */

static void
ngx_http_9p_attach_entries(ngx_http_9p_creq_t *cr)
{
    ninep_fcall_t          rf;
    ngx_http_9p_mount_t   *m, *u, **mp;

    while (cr->mount_i < cr->pending.nelts) {
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
                u = ngx_http_9p_mount_new(cr->ns, m->path.data, m->path.len,
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

    if (cr->mount_i < cr->pending.nelts) {
        mp = cr->pending.elts;
        cr->wait.handler = ngx_http_9p_mount_ready;
        ngx_http_9p_pool_get(mp[cr->mount_i]->service, cr->s->conf,
                             cr->s->request, &cr->wait);
        return;
    }

    if (cr->reset && ngx_http_9p_ns_swap(cr) != NGX_OK) {
        return;
    }

    if (cr->type == NINEP_TATTACH) {
        ngx_http_9p_attach_root(cr);
        return;
    }

    /* an nsctl write, or a reset: all of it is done */
    ngx_http_9p_stats_namespace(cr->s, cr->ns);

    ngx_memzero(&rf, sizeof(rf));
    rf.type = NINEP_RWRITE;
    rf.count = cr->count;
    ngx_http_9p_creq_reply(cr, &rf);
}


/* A service's connection for the entry: its root, attached as the user. */

static void
ngx_http_9p_mount_ready(ngx_http_9p_wait_t *w, ngx_http_9p_backend_t *b,
    const char *err)
{
    ngx_str_t              detail;
    ngx_http_9p_mount_t   *m, **mp;
    ngx_http_9p_creq_t    *cr;

    cr = w->data;
    mp = cr->pending.elts;
    m = mp[cr->mount_i];

    if (b == NULL) {
        detail.data = (u_char *) err;
        detail.len = ngx_strlen(err);

        if (m->optional) {
            ngx_http_9p_attach_down(cr, m, &detail);

        } else if (cr->nsctl) {
            ngx_http_9p_attach_skip(cr, "mount:", &detail);

        } else {
            ngx_http_9p_attach_fail(cr, "%V unavailable: %s",
                                    &m->service->name, err);
        }

        return;
    }

    ngx_http_9p_creq_use(cr, b);

    if (ngx_http_9p_mount_root(cr, m, ngx_http_9p_mount_attached) != NGX_OK) {
        ngx_http_9p_attach_fail(cr, "out of backend fids");
    }
}


/* The client's fid: a clone of the root's, or the kernel's root itself. */

static void
ngx_http_9p_attach_root(ngx_http_9p_creq_t *cr)
{
    cr->mount = ngx_http_9p_mount_of(cr->ns, (u_char *) "/", 1);

    if (cr->mount == NULL) {
        ngx_http_9p_attach_fail(cr, "namespace has no root");
        return;
    }

    if (cr->mount->dev || cr->mount->ram) {
        ngx_http_9p_attach_done(cr);
        return;
    }

    if (ngx_http_9p_walk_root(cr, cr->mount, cr->mount->path.data,
                              cr->mount->path.len, ngx_http_9p_root_cloned)
        != NGX_OK)
    {
        ngx_http_9p_attach_fail(cr, "out of backend fids");
    }
}


/* The attach or nsctl fails: its Rerror says why, as fmt makes it. */

static void
ngx_http_9p_attach_fail(ngx_http_9p_creq_t *cr, const char *fmt, ...)
{
    u_char   ename[NGX_HTTP_9P_ENAME_MAX], *p;
    va_list  args;

    va_start(args, fmt);
    p = ngx_vslprintf(ename, ename + sizeof(ename) - 1, fmt, args);
    va_end(args);
    *p = '\0';

    if (cr->type == NINEP_TATTACH) {
        ngx_http_9p_stats_attach(cr->s, cr->tpath_len
                                        ? NGX_HTTP_9P_ATTACH_TICKET
                                        : NGX_HTTP_9P_ATTACH_BOOTSTRAP,
                                 NULL, (char *) ename);
    }

    ngx_http_9p_ns_unref(cr->ns);
    cr->ns = NULL;

    ngx_http_9p_creq_clunk(cr);

    ngx_http_9p_creq_error(cr, NULL, (char *) ename);
}


/*
 * The ticket, the namespace and bootstrap's check are the boot service's
 * (every "ninep" location has one: ngx_http_9p_need_boot()).
 */

static void
ngx_http_9p_boot_wait(ngx_http_9p_creq_t *cr, ngx_http_9p_ready_pt ready)
{
    cr->wait.handler = ready;
    ngx_http_9p_pool_get(ngx_http_9p_boot_service(cr->s), cr->s->conf,
                         cr->s->request, &cr->wait);
}


/* A bootstrap attach: rescue mode if the boot service cannot be reached. */

static void
ngx_http_9p_boot_ready(ngx_http_9p_wait_t *w, ngx_http_9p_backend_t *b,
    const char *err)
{
    ngx_http_9p_creq_t  *cr;

    cr = w->data;

    if (b) {
        ngx_http_9p_rescue_over(cr);
    }

    ngx_http_9p_bootstrap(cr, b ? NULL : err);
}


static void
ngx_http_9p_ticket_ready(ngx_http_9p_wait_t *w, ngx_http_9p_backend_t *b,
    const char *err)
{
    ngx_http_9p_creq_t  *cr;

    cr = w->data;

    if (b == NULL) {
        ngx_http_9p_attach_fail(cr, "%V unavailable: %s",
                                &ngx_http_9p_boot_service(cr->s)->name, err);
        return;
    }

    ngx_http_9p_creq_use(cr, b);
    ngx_http_9p_slurp(cr, &ngx_http_9p_read_ticket, cr->tpath,
                      cr->tpath_len);
}


/*
 * The ticket read is checked; a key this worker does not know yet is
 * looked for in factotum's /keys first.
 */

static void
ngx_http_9p_ticket_read(ngx_http_9p_creq_t *cr)
{
    const char  *e;

    e = ngx_http_9p_check_ticket(cr);

    ngx_http_9p_stats_cache(NGX_HTTP_9P_CACHE_KEYS,
                            e != ngx_http_9p_unknown_key);

    if (e == ngx_http_9p_unknown_key
        && ngx_http_9p_factotum(cr->s)
        && ngx_http_9p_keys_ask(cr->s->conf, cr->ticket.keyid))
    {
        ngx_http_9p_keys_fetch(cr);
        return;
    }

    if (e) {
        ngx_http_9p_attach_fail(cr, "%s", e);
        return;
    }

    /* the namespace, on the same connection */
    ngx_http_9p_namespace_ready(&cr->wait, cr->backend, NULL);
}


static void
ngx_http_9p_keys_ready(ngx_http_9p_wait_t *w, ngx_http_9p_backend_t *b,
    const char *err)
{
    ngx_http_9p_creq_t  *cr;

    cr = w->data;

    if (b == NULL) {
        ngx_http_9p_attach_fail(cr, "ticket signed by an unknown key; "
                                "%V unavailable: %s",
                                &ngx_http_9p_factotum(cr->s)->name, err);
        return;
    }

    ngx_http_9p_creq_use(cr, b);
    ngx_http_9p_slurp(cr, &ngx_http_9p_read_keys, (u_char *) "/keys",
                      sizeof("/keys") - 1);
}


/*
 * The namespace file of a verified ticket's user; without the boot
 * service, rescue mode (but a reset keeps what it has).
 */

static void
ngx_http_9p_namespace_ready(ngx_http_9p_wait_t *w, ngx_http_9p_backend_t *b,
    const char *err)
{
    ngx_http_9p_creq_t  *cr;

    cr = w->data;

    if (b == NULL && cr->reset == NULL) {
        ngx_http_9p_bootstrap(cr, err);
        return;
    }

    if (b == NULL) {
        ngx_http_9p_attach_fail(cr, "%V unavailable: %s",
                                &ngx_http_9p_boot_service(cr->s)->name, err);
        return;
    }

    if (cr->reset == NULL) {
        ngx_http_9p_rescue_over(cr);
    }

    ngx_http_9p_creq_use(cr, b);
    ngx_http_9p_slurp(cr, &ngx_http_9p_read_namespace,
                      (u_char *) "/lib/namespace",
                      sizeof("/lib/namespace") - 1);
}


/* A file of the boot service's (or factotum's), read whole as the kernel. */

static void
ngx_http_9p_slurp(ngx_http_9p_creq_t *cr, const ngx_http_9p_slurp_t *what,
    u_char *path, size_t len)
{
    cr->reading = what;
    ngx_http_9p_read_whole(cr, path, len, what->max, ngx_http_9p_slurped);
}


/* The file is read, or why not: missing, too long, or the service's no. */

static void
ngx_http_9p_slurped(ngx_http_9p_creq_t *cr, ninep_fcall_t *r,
    const char *err)
{
    ngx_str_t   why;
    ngx_uint_t  missing;

    if (err == NULL) {
        cr->reading->read(cr);
        return;
    }

    if (err == ngx_http_9p_too_long) {
        ngx_http_9p_attach_fail(cr, "%s", cr->reading->too_long);
        return;
    }

    /* missing: an Rerror for the first name, a short walk after */
    missing = r && (r->type == NINEP_RWALK
                    || ninep_str_eq(r->ename, "file does not exist"));

    if (missing && cr->reading->optional) {
        ngx_log_error(NGX_LOG_INFO, cr->s->connection->log, 0,
                      "9p: no %V to include", &cr->include[cr->include_i]);
        cr->include_i++;
        ngx_http_9p_ns_next(cr);
        return;
    }

    if (missing && cr->reading->missing) {
        ngx_http_9p_attach_fail(cr, "%s", cr->reading->missing);
        return;
    }

    /* the service's own words, or why there are none */
    ngx_http_9p_why(r, err, &why);
    ngx_http_9p_attach_fail(cr, "%s: %V", r ? cr->reading->whose
                                            : cr->reading->gone, &why);
}


/* The ticket waits aside while factotum's /keys is read. */

static void
ngx_http_9p_keys_fetch(ngx_http_9p_creq_t *cr)
{
    cr->tline = ngx_alloc(cr->len, cr->s->connection->log);
    if (cr->tline == NULL) {
        ngx_http_9p_attach_fail(cr, "out of memory");
        return;
    }

    ngx_memcpy(cr->tline, cr->buf, cr->len);
    cr->tline_len = cr->len;
    cr->wait.handler = ngx_http_9p_keys_ready;

    ngx_http_9p_pool_get(ngx_http_9p_factotum(cr->s), cr->s->conf,
                         cr->s->request, &cr->wait);
}


/*
 * /keys is read: its certificates replace the worker's, those that
 * factotum's pinned key signed; then the ticket is checked again.
 */

static void
ngx_http_9p_keys_read(ngx_http_9p_creq_t *cr)
{
    const char  *e;

    ngx_http_9p_keys_install(cr->s->conf, cr->buf, cr->len,
                             cr->s->connection->log);

    ngx_memcpy(cr->buf, cr->tline, cr->tline_len);
    cr->len = cr->tline_len;

    e = ngx_http_9p_check_ticket(cr);

    if (e) {
        ngx_http_9p_attach_fail(cr, "%s", e);
        return;
    }

    /* on to the namespace, on a connection to the boot service */
    ngx_http_9p_boot_wait(cr, ngx_http_9p_namespace_ready);
}


/* The ticket read is checked; the namespace becomes its user's. */

static const char *
ngx_http_9p_check_ticket(ngx_http_9p_creq_t *cr)
{
    const char  *e;

    e = ngx_http_9p_ticket_check(cr->s->conf, cr->buf, cr->len, cr->tpath,
                                 cr->tpath_len, &cr->ticket);

    if (e == NULL) {
        ngx_cpystrn((u_char *) cr->ns->user, (u_char *) cr->ticket.user,
                    sizeof(cr->ns->user));
    }

    return e;
}


/*
 * /lib/namespace or an include is read: its entries wait in cr->pending,
 * in the order of the lines (an include's where its line was), a line
 * that is wrong logged and skipped; then the next include, or the mounts.
 */

static void
ngx_http_9p_namespace_read(ngx_http_9p_creq_t *cr)
{
    u_char                *p, *end, *nl;
    u_char                 err[NGX_HTTP_9P_ENAME_MAX];
    ngx_int_t              rc;
    ngx_uint_t             line, level;
    const char            *bad;
    ngx_http_9p_nscmd_t    cmd;
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

        switch (ngx_http_9p_nsfile_parse((char *) p, nl - p, &cmd, &bad)) {

        case 0:
            continue;

        case -1:
            ngx_log_error(NGX_LOG_WARN, cr->s->connection->log, 0,
                          "9p: %V:%ui: %s; line skipped",
                          ngx_http_9p_ns_file(cr), line, bad);
            continue;
        }

        if (cmd.verb == NGX_HTTP_9P_NS_INCLUDE) {
            ngx_http_9p_ns_include(cr, &cmd.name, line);
            continue;
        }

        rc = ngx_http_9p_ns_entry(cr, &cmd, err, sizeof(err));

        if (rc == NGX_OK) {
            mp = cr->pending.elts;
            mp[cr->pending.nelts - 1]->file = ngx_http_9p_ns_file(cr);
            mp[cr->pending.nelts - 1]->line = line;
            continue;
        }

        level = (rc == NGX_DECLINED) ? NGX_LOG_INFO : NGX_LOG_WARN;

        ngx_log_error(level, cr->s->connection->log, 0,
                      "9p: %V:%ui: %s; line skipped",
                      ngx_http_9p_ns_file(cr), line, err);
    }

    if (cr->reading == &ngx_http_9p_read_include) {
        ngx_http_9p_ns_included(cr);
    }

    ngx_http_9p_ns_next(cr);
}


/* The namespace file being read, for log lines. */

static ngx_str_t *
ngx_http_9p_ns_file(ngx_http_9p_creq_t *cr)
{
    static ngx_str_t  ns = ngx_string("/lib/namespace");

    return cr->reading == &ngx_http_9p_read_include
           ? &cr->include[cr->include_i] : &ns;
}


/* ". file": read after this file, its entries where the line was. */

static void
ngx_http_9p_ns_include(ngx_http_9p_creq_t *cr, ngx_http_9p_nsword_t *file,
    ngx_uint_t line)
{
    if (cr->reading == &ngx_http_9p_read_include
        || cr->ninclude == NGX_HTTP_9P_INCLUDES || file->data[0] != '/')
    {
        ngx_log_error(NGX_LOG_WARN, cr->s->connection->log, 0,
                      "9p: %V:%ui: includes are one level deep, "
                      "at most %d, of absolute paths; line skipped",
                      ngx_http_9p_ns_file(cr), line,
                      NGX_HTTP_9P_INCLUDES);
        return;
    }

    if (ngx_http_9p_expand_user(cr->ns, file, &cr->include[cr->ninclude])
        == NGX_OK)
    {
        cr->include_at[cr->ninclude++] = cr->pending.nelts;
    }
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
        cr->mount_i = cr->pending.nelts;    /* where its entries start */
        ngx_http_9p_slurp(cr, &ngx_http_9p_read_include,
                          cr->include[cr->include_i].data,
                          cr->include[cr->include_i].len);
        return;
    }

    e = ngx_http_9p_ns_done(cr);

    if (e) {
        ngx_http_9p_attach_fail(cr, "%s", e);
        return;
    }

    cr->mount_i = 0;
    ngx_http_9p_attach_entries(cr);
}


/* The entries an include made move to where its line was. */

static void
ngx_http_9p_ns_included(ngx_http_9p_creq_t *cr)
{
    size_t                 n, i, at;
    ngx_http_9p_mount_t  **mp, *made[NGX_HTTP_9P_MOUNTS_MAX];

    mp = cr->pending.elts;
    at = cr->include_at[cr->include_i];
    n = cr->pending.nelts - cr->mount_i;

    /* the n at the end go to at, what was from at on after them */
    ngx_memcpy(made, &mp[cr->mount_i], n * sizeof(*mp));
    ngx_memmove(&mp[at + n], &mp[at], (cr->mount_i - at) * sizeof(*mp));
    ngx_memcpy(&mp[at], made, n * sizeof(*mp));

    for (i = cr->include_i + 1; i < cr->ninclude; i++) {
        cr->include_at[i] += n;
    }

    cr->include_i++;
}


static void
ngx_http_9p_mount_attached(ngx_http_9p_creq_t *cr, ninep_fcall_t *r,
    const char *err)
{
    ngx_str_t             why;
    ngx_http_9p_mount_t  *m, **mp;

    mp = cr->pending.elts;
    m = mp[cr->mount_i];

    if (err) {
        if (cr->nsctl && err == ngx_http_9p_rerror) {
            /* the service's own words */
            ngx_http_9p_creq_reply(cr, r);
            return;
        }

        /* no longer than an Rerror of the kernel's own */
        ngx_http_9p_why(r, err, &why);
        why.len = ngx_min(why.len, NGX_HTTP_9P_ENAME_MAX - 1);

        if (m->optional) {
            ngx_http_9p_attach_down(cr, m, &why);

        } else if (cr->nsctl) {
            ngx_http_9p_attach_skip(cr, "mount:", &why);

        } else {
            ngx_http_9p_attach_fail(cr, "mount %V: %V", &m->path, &why);
        }

        return;
    }

    ngx_http_9p_creq_give(cr, &m->backend, &m->bfid, &cr->nbfid);
    m->qid = r->qid;

    ngx_http_9p_attach_made(cr, m);
}


static void
ngx_http_9p_root_cloned(ngx_http_9p_creq_t *cr, ninep_fcall_t *r,
    const char *err)
{
    ngx_str_t  why;

    if (err) {
        ngx_http_9p_why(r, err, &why);
        ngx_http_9p_attach_fail(cr, "%s: %V",
                                ngx_http_9p_backend_name(cr->backend), &why);
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

    ngx_http_9p_stats_attach(cr->s, m->ram ? NGX_HTTP_9P_ATTACH_RESCUE
                                    : cr->tpath_len ? NGX_HTTP_9P_ATTACH_TICKET
                                    : NGX_HTTP_9P_ATTACH_BOOTSTRAP,
                             f->ns->user, NULL);
    ngx_http_9p_stats_namespace(cr->s, f->ns);

    ngx_memzero(&rf, sizeof(rf));
    rf.type = NINEP_RATTACH;
    rf.qid = f->qid;
    ngx_http_9p_creq_reply(cr, &rf);
}


/* ---------------------------------------------------------------- nsctl */


/*
 * Writes to /dev/nsctl change the namespace of this attach, one command
 * a write: "mount [-abc] service mountpoint [spec]", "bind [-abc] source
 * mountpoint", "unmount [source] mountpoint".  The services still decide
 * what the user may do with what is mounted.
 */

ngx_int_t
ngx_http_9p_nsctl(ngx_http_9p_session_t *s, ngx_http_9p_fid_t *f,
    ninep_fcall_t *t)
{
    u_char               err[NGX_HTTP_9P_ENAME_MAX];
    size_t               len;
    ngx_int_t            rc;
    const char          *line, *bad;
    ngx_http_9p_nscmd_t  cmd;
    ngx_http_9p_creq_t  *cr;

    line = (const char *) t->data;
    len = t->count;

    if (len && line[len - 1] == '\n') {
        len--;
    }

    if (memchr(line, '\n', len)) {
        return ngx_http_9p_reply_error(s, t->tag,
                                       "nsctl: one command per write");
    }

    if (ngx_http_9p_nsctl_is_reset(line, len)) {
        return ngx_http_9p_nsctl_reset(s, f, t);
    }

    rc = ngx_http_9p_nsfile_parse(line, len, &cmd, &bad);

    if (rc == 0) {
        return ngx_http_9p_reply_error(s, t->tag, "nsctl: empty command");
    }

    if (rc == -1 && ngx_strncmp(bad, "expected mount", 14) != 0) {
        return ngx_http_9p_reply_error(s, t->tag, bad);
    }

    if (rc == -1 || cmd.verb == NGX_HTTP_9P_NS_INCLUDE) {
        return ngx_http_9p_reply_error(s, t->tag,
                                       "nsctl: expected mount, bind, "
                                       "unmount or reset");
    }

    /* none, the bootstrap user, reaches no service but factotum */
    if (cmd.verb == NGX_HTTP_9P_NS_MOUNT
        && (f->ns->user[0] == '\0' || ngx_strcmp(f->ns->user, "none") == 0))
    {
        return ngx_http_9p_reply_error(s, t->tag,
                                       "mount: permission denied: none may "
                                       "not mount services; log in first");
    }

    /* the entry is made as an attach makes its entries, then placed */
    rc = ngx_http_9p_ns_request(s, t, f->ns, &cr);
    if (rc != NGX_OK) {
        return rc == NGX_ERROR ? NGX_ERROR : NGX_OK;
    }

    ngx_http_9p_creq_hold(cr, f);
    cr->nsctl = 1;
    cr->count = t->count;

    if (ngx_http_9p_ns_entry(cr, &cmd, err, sizeof(err)) != NGX_OK) {
        ngx_http_9p_creq_error(cr, NULL, (char *) err);
        return NGX_OK;
    }

    ngx_http_9p_attach_entries(cr);

    return NGX_OK;
}


/* Whether an nsctl write is "reset", blanks around it allowed. */

static ngx_uint_t
ngx_http_9p_nsctl_is_reset(const char *p, size_t len)
{
    while (len && (*p == ' ' || *p == '\t')) {
        p++;
        len--;
    }

    while (len && (p[len - 1] == ' ' || p[len - 1] == '\t')) {
        len--;
    }

    return len == 5 && ngx_strncmp(p, "reset", 5) == 0;
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
    ngx_int_t            rc;
    ngx_http_9p_creq_t  *cr;

    if (f->ns->user[0] == '\0' || ngx_strcmp(f->ns->user, "none") == 0) {
        return ngx_http_9p_reply_error(s, t->tag,
                                       "reset: only a ticket's namespace");
    }

    rc = ngx_http_9p_ns_request(s, t, NULL, &cr);
    if (rc != NGX_OK) {
        return rc == NGX_ERROR ? NGX_ERROR : NGX_OK;
    }

    ngx_memcpy(cr->ns->user, f->ns->user, sizeof(cr->ns->user));
    ngx_http_9p_creq_hold(cr, f);
    cr->reset = f->ns;
    cr->reset->refs++;
    cr->count = t->count;

    ngx_http_9p_boot_wait(cr, ngx_http_9p_namespace_ready);

    return NGX_OK;
}


static ngx_int_t
ngx_http_9p_ns_swap(ngx_http_9p_creq_t *cr)
{
    ngx_uint_t             i;
    ngx_http_9p_ns_t      *old, *new;
    ngx_pool_cleanup_t    *cln;
    ngx_http_9p_mount_t  **om, **nm, **p;

    old = cr->reset;
    new = cr->ns;

    /* the new entries live in the new pool: it goes with the old one */
    cln = ngx_pool_cleanup_add(old->pool, 0);
    if (cln == NULL) {
        ngx_http_9p_attach_fail(cr, "out of memory");
        return NGX_ERROR;
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

    /* the new namespace object itself is done with; the old one, with the
       reset's reference, is the request's for the Rwrite */
    new->mounts.nelts = 0;
    cr->ns = old;
    cr->reset = NULL;

    return NGX_OK;
}


static void
ngx_http_9p_pool_destroy(void *data)
{
    ngx_destroy_pool(data);
}
