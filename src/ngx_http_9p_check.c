
/*
 * Ten: active health checks (DESIGN.md §3).  "ninep_check" in an
 * upstream{} block probes each of its servers with Tversion every
 * interval; a server that fails "fails" probes in a row is down until it
 * passes "passes" in a row.  The state lives in a shared memory zone, so
 * every worker sees it, and each round of probes is made by one worker:
 * the first whose timer claims it.  A server found down is marked down
 * for the balancer; passive accounting (max_fails, fail_timeout) goes on
 * beside it.  A zone that survives a reload keeps its state; otherwise
 * every server starts up.  With "ninep_ssl on" the probe's Tversion goes
 * inside TLS, after the same verification as the sessions' connections.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_9p_check.h"
#include "ngx_http_9p_tls.h"


#define NGX_HTTP_9P_CHECK_ZONE_SIZE  (128 * 1024)
#define NGX_HTTP_9P_CHECK_NAME_MAX   160


typedef struct {
    ngx_uint_t                  down;
    ngx_uint_t                  fails;      /* in a row */
    ngx_uint_t                  passes;     /* in a row */
    ngx_msec_t                  claimed;    /* the last round's start */
    time_t                      changed;    /* down or up, last */
    u_char                      name[NGX_HTTP_9P_CHECK_NAME_MAX];
    size_t                      name_len;
} ngx_http_9p_check_peer_t;


typedef struct {
    ngx_uint_t                  npeers;
    ngx_http_9p_check_peer_t    peer[1];
} ngx_http_9p_check_sh_t;


typedef struct ngx_http_9p_check_up_s  ngx_http_9p_check_up_t;

/* One server's probe, in a worker. */
typedef struct {
    ngx_http_9p_check_up_t     *up;
    ngx_http_upstream_rr_peer_t *peer;
    ngx_uint_t                  index;      /* in the zone */
    ngx_uint_t                  config_down;
    ngx_peer_connection_t       pc;
    u_char                      out[64];
    size_t                      out_len;
    size_t                      sent;
    u_char                      in[256];
    size_t                      in_len;
    unsigned                    busy:1;
} ngx_http_9p_probe_t;


/* One checked upstream, in a worker. */
struct ngx_http_9p_check_up_s {
    ngx_http_9p_srv_conf_t     *conf;
    ngx_http_upstream_srv_conf_t *us;
    ngx_event_t                 timer;
    ngx_http_9p_probe_t        *probes;
    ngx_uint_t                  nprobes;
};


static ngx_int_t ngx_http_9p_check_init_zone(ngx_shm_zone_t *zone,
    void *data);
static void ngx_http_9p_check_tick(ngx_event_t *ev);
static void ngx_http_9p_probe_start(ngx_http_9p_probe_t *pr);
static void ngx_http_9p_probe_write(ngx_event_t *wev);
static void ngx_http_9p_probe_tls_done(ngx_connection_t *c);
static void ngx_http_9p_probe_read(ngx_event_t *rev);
static void ngx_http_9p_probe_done(ngx_http_9p_probe_t *pr, ngx_uint_t ok,
    const char *why);


static ngx_shm_zone_t          *ngx_http_9p_check_zone;
static ngx_http_9p_check_up_t  *ngx_http_9p_check_ups;
static ngx_uint_t               ngx_http_9p_check_nups;


char *
ngx_http_9p_check_conf(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_9p_srv_conf_t *scf = conf;

    ngx_int_t                       n;
    ngx_str_t                      *value, s, name;
    ngx_msec_t                      ms;
    ngx_uint_t                      i;
    ngx_http_9p_main_conf_t        *mcf;
    ngx_http_9p_srv_conf_t        **checked;

    if (scf->check_interval) {
        return "is duplicate";
    }

    scf->check_interval = 5000;
    scf->check_timeout = 1000;
    scf->check_file = cf->conf_file->file.name.data;
    scf->check_line = cf->conf_file->line;
    scf->check_fails = 2;
    scf->check_passes = 1;

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {
        s = value[i];

        if (s.len > 9 && ngx_strncmp(s.data, "interval=", 9) == 0) {
            s.data += 9;
            s.len -= 9;
            ms = ngx_parse_time(&s, 0);
            if (ms == (ngx_msec_t) NGX_ERROR || ms == 0) {
                goto invalid;
            }
            scf->check_interval = ms;

        } else if (s.len > 8 && ngx_strncmp(s.data, "timeout=", 8) == 0) {
            s.data += 8;
            s.len -= 8;
            ms = ngx_parse_time(&s, 0);
            if (ms == (ngx_msec_t) NGX_ERROR || ms == 0) {
                goto invalid;
            }
            scf->check_timeout = ms;

        } else if (s.len > 6 && ngx_strncmp(s.data, "fails=", 6) == 0) {
            n = ngx_atoi(s.data + 6, s.len - 6);
            if (n == NGX_ERROR || n < 1 || n > 1000) {
                goto invalid;
            }
            scf->check_fails = n;

        } else if (s.len > 7 && ngx_strncmp(s.data, "passes=", 7) == 0) {
            n = ngx_atoi(s.data + 7, s.len - 7);
            if (n == NGX_ERROR || n < 1 || n > 1000) {
                goto invalid;
            }
            scf->check_passes = n;

        } else {
            goto invalid;
        }
    }

    if (scf->check_timeout >= scf->check_interval) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"ninep_check\": the timeout must be shorter "
                           "than the interval");
        return NGX_CONF_ERROR;
    }

    scf->upstream = ngx_http_conf_get_module_srv_conf(cf,
                                                     ngx_http_upstream_module);

    mcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_9p_module);

    checked = ngx_array_push(&mcf->checked);
    if (checked == NULL) {
        return NGX_CONF_ERROR;
    }

    *checked = scf;

    ngx_str_set(&name, "ninep_check");

    mcf->check_zone = ngx_shared_memory_add(cf, &name,
                                            NGX_HTTP_9P_CHECK_ZONE_SIZE,
                                            &ngx_http_9p_module);
    if (mcf->check_zone == NULL) {
        return NGX_CONF_ERROR;
    }

    mcf->check_zone->init = ngx_http_9p_check_init_zone;
    mcf->check_zone->data = mcf;

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "\"ninep_check\": invalid parameter \"%V\" (want "
                       "interval=time timeout=time fails=n passes=n)",
                       &value[i]);
    return NGX_CONF_ERROR;
}


/*
 * After the configuration: one slot per checked server, named so that a
 * zone that survives a reload gives each server its old state.
 */

static ngx_int_t
ngx_http_9p_check_init_zone(ngx_shm_zone_t *zone, void *data)
{
    u_char                    *e;
    size_t                     size;
    ngx_uint_t                 i, j, k, n, total;
    ngx_slab_pool_t           *shpool;
    ngx_http_9p_check_sh_t    *sh, *old;
    ngx_http_9p_srv_conf_t   **checked;
    ngx_http_9p_main_conf_t   *mcf;
    ngx_http_upstream_rr_peer_t *peer;

    mcf = zone->data;
    shpool = (ngx_slab_pool_t *) zone->shm.addr;
    checked = mcf->checked.elts;

    for (i = 0, total = 0; i < mcf->checked.nelts; i++) {
        checked[i]->check_base = total;
        total += ngx_http_9p_upstream_npeers(checked[i]->upstream);
    }

    old = data ? shpool->data : NULL;
    size = sizeof(ngx_http_9p_check_sh_t)
           + total * sizeof(ngx_http_9p_check_peer_t);

    ngx_shmtx_lock(&shpool->mutex);

    sh = ngx_slab_alloc_locked(shpool, size);
    if (sh == NULL) {
        ngx_shmtx_unlock(&shpool->mutex);
        return NGX_ERROR;
    }

    ngx_memzero(sh, size);
    sh->npeers = total;

    for (i = 0, k = 0; i < mcf->checked.nelts; i++) {
        n = ngx_http_9p_upstream_npeers(checked[i]->upstream);

        for (j = 0; j < n; j++, k++) {
            (void) ngx_http_9p_upstream_peer(checked[i]->upstream, j, &peer);
            e = ngx_snprintf(sh->peer[k].name, NGX_HTTP_9P_CHECK_NAME_MAX,
                             "%V %V", &checked[i]->upstream->host,
                             &peer->name);
            sh->peer[k].name_len = e - sh->peer[k].name;
        }
    }

    /* a server the old zone knew keeps its state */
    for (k = 0; old && k < total; k++) {
        for (j = 0; j < old->npeers; j++) {
            if (old->peer[j].name_len == sh->peer[k].name_len
                && ngx_memcmp(old->peer[j].name, sh->peer[k].name,
                              old->peer[j].name_len) == 0)
            {
                sh->peer[k] = old->peer[j];
                break;
            }
        }
    }

    if (old) {
        ngx_slab_free_locked(shpool, old);
    }

    shpool->data = sh;
    ngx_shmtx_unlock(&shpool->mutex);

    ngx_http_9p_check_zone = zone;

    return NGX_OK;
}


ngx_uint_t
ngx_http_9p_upstream_npeers(ngx_http_upstream_srv_conf_t *us)
{
    ngx_uint_t                     n;
    ngx_http_upstream_rr_peer_t   *peer;

    for (n = 0; ngx_http_9p_upstream_peer(us, n, &peer); n++) {
        /* void */
    }

    return n;
}


ngx_uint_t
ngx_http_9p_upstream_peer(ngx_http_upstream_srv_conf_t *us, ngx_uint_t n,
    ngx_http_upstream_rr_peer_t **peer)
{
    ngx_http_upstream_rr_peers_t  *peers;
    ngx_http_upstream_rr_peer_t   *p;

    for (peers = us->peer.data; peers; peers = peers->next) {
        for (p = peers->peer; p; p = p->next) {
            if (n-- == 0) {
                *peer = p;
                return 1;
            }
        }
    }

    return 0;
}


ngx_int_t
ngx_http_9p_check_init_process(ngx_cycle_t *cycle)
{
    ngx_uint_t                 i, j;
    ngx_http_9p_probe_t       *pr;
    ngx_http_9p_check_up_t    *up;
    ngx_http_9p_srv_conf_t   **checked;
    ngx_http_9p_main_conf_t   *mcf;

    /* NULL without an http{} block */
    mcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_9p_module);

    if (mcf == NULL || mcf->checked.nelts == 0) {
        return NGX_OK;
    }

    checked = mcf->checked.elts;
    ngx_http_9p_check_nups = mcf->checked.nelts;
    ngx_http_9p_check_ups = ngx_pcalloc(cycle->pool,
                                        mcf->checked.nelts
                                        * sizeof(ngx_http_9p_check_up_t));
    if (ngx_http_9p_check_ups == NULL) {
        return NGX_ERROR;
    }

    for (i = 0; i < mcf->checked.nelts; i++) {
        up = &ngx_http_9p_check_ups[i];
        up->conf = checked[i];
        up->us = checked[i]->upstream;
        up->nprobes = ngx_http_9p_upstream_npeers(up->us);
        up->probes = ngx_pcalloc(cycle->pool,
                                 up->nprobes * sizeof(ngx_http_9p_probe_t));
        if (up->probes == NULL) {
            return NGX_ERROR;
        }

        for (j = 0; j < up->nprobes; j++) {
            pr = &up->probes[j];
            pr->up = up;
            pr->index = checked[i]->check_base + j;
            (void) ngx_http_9p_upstream_peer(up->us, j, &pr->peer);
            pr->config_down = pr->peer->down;
        }

        up->timer.handler = ngx_http_9p_check_tick;
        up->timer.data = up;
        up->timer.log = cycle->log;
        up->timer.cancelable = 1;

        /* the workers' timers spread over the first interval */
        ngx_add_timer(&up->timer,
                      ngx_random() % checked[i]->check_interval + 1);
    }

    return NGX_OK;
}


void
ngx_http_9p_check_exit_process(void)
{
    ngx_uint_t  i, j;

    for (i = 0; i < ngx_http_9p_check_nups; i++) {
        for (j = 0; j < ngx_http_9p_check_ups[i].nprobes; j++) {
            ngx_http_9p_tls_close(&ngx_http_9p_check_ups[i].probes[j].pc);
        }
    }

    ngx_http_9p_check_nups = 0;
}


/* Each interval: the servers whose round no other worker has claimed. */

static void
ngx_http_9p_check_tick(ngx_event_t *ev)
{
    ngx_uint_t                 i, mine;
    ngx_slab_pool_t           *shpool;
    ngx_http_9p_probe_t       *pr;
    ngx_http_9p_check_sh_t    *sh;
    ngx_http_9p_check_up_t    *up;
    ngx_http_9p_check_peer_t  *p;

    up = ev->data;

    if (ngx_exiting || ngx_terminate) {
        return;
    }

    shpool = (ngx_slab_pool_t *) ngx_http_9p_check_zone->shm.addr;
    sh = shpool->data;

    for (i = 0; i < up->nprobes; i++) {
        pr = &up->probes[i];

        if (pr->busy || pr->index >= sh->npeers) {
            continue;
        }

        p = &sh->peer[pr->index];

        ngx_shmtx_lock(&shpool->mutex);

        /* a little early is still this round: timers are not exact */
        mine = (ngx_current_msec - p->claimed
                >= up->conf->check_interval - up->conf->check_interval / 8);

        if (mine) {
            p->claimed = ngx_current_msec;
        }

        ngx_shmtx_unlock(&shpool->mutex);

        if (mine) {
            ngx_http_9p_probe_start(pr);
        }
    }

    ngx_add_timer(ev, up->conf->check_interval);
}


static void
ngx_http_9p_probe_start(ngx_http_9p_probe_t *pr)
{
    ngx_int_t       rc;
    ninep_fcall_t   t;

    ngx_memzero(&t, sizeof(t));
    t.type = NINEP_TVERSION;
    t.tag = NINEP_NOTAG;
    t.msize = 8192;
    t.version = ninep_str("9P2000");

    /* 19 bytes, always within pr->out */
    pr->out_len = ninep_pack(&t, pr->out, sizeof(pr->out));

    ngx_memzero(&pr->pc, sizeof(ngx_peer_connection_t));
    pr->sent = 0;
    pr->in_len = 0;
    pr->busy = 1;

    pr->pc.sockaddr = pr->peer->sockaddr;
    pr->pc.socklen = pr->peer->socklen;
    pr->pc.name = &pr->peer->name;
    pr->pc.get = ngx_event_get_peer;
    pr->pc.log = ngx_cycle->log;
    pr->pc.log_error = NGX_ERROR_INFO;

    rc = ngx_event_connect_peer(&pr->pc);

    if (rc == NGX_ERROR || rc == NGX_DECLINED || rc == NGX_BUSY) {
        ngx_http_9p_probe_done(pr, 0, "cannot connect");
        return;
    }

    pr->pc.connection->data = pr;
    pr->pc.connection->read->handler = ngx_http_9p_probe_read;
    pr->pc.connection->write->handler = ngx_http_9p_probe_write;
    pr->pc.connection->read->cancelable = 1;
    pr->pc.connection->write->cancelable = 1;

    ngx_add_timer(pr->pc.connection->write, pr->up->conf->check_timeout);

    if (rc == NGX_OK) {
        ngx_http_9p_probe_write(pr->pc.connection->write);
    }
}


static void
ngx_http_9p_probe_write(ngx_event_t *wev)
{
    ssize_t               n;
    ngx_connection_t     *c;
    ngx_http_9p_probe_t  *pr;

    c = wev->data;
    pr = c->data;

    if (wev->timedout) {
        ngx_http_9p_probe_done(pr, 0, "timed out");
        return;
    }

    if (pr->up->conf->ssl_ctx && c->ssl == NULL) {
        if (ngx_http_9p_tls_start(pr->up->conf, &pr->pc,
                                  ngx_http_9p_probe_tls_done, NULL)
            != NGX_AGAIN)
        {
            ngx_http_9p_probe_tls_done(c);
        }

        return;
    }

    while (pr->sent < pr->out_len) {
        n = c->send(c, pr->out + pr->sent, pr->out_len - pr->sent);

        if (n == NGX_AGAIN) {
            if (ngx_handle_write_event(wev, 0) != NGX_OK) {
                ngx_http_9p_probe_done(pr, 0, "cannot write");
            }
            return;
        }

        if (n <= 0) {
            ngx_http_9p_probe_done(pr, 0, "connection refused or reset");
            return;
        }

        pr->sent += n;
    }

    /* the Rversion, within what is left of the timeout */
    if (ngx_handle_read_event(c->read, 0) != NGX_OK) {
        ngx_http_9p_probe_done(pr, 0, "cannot read");
    }
}


/* TLS is up (or not): the Tversion inside it, within the same timeout. */

static void
ngx_http_9p_probe_tls_done(ngx_connection_t *c)
{
    const char           *why;
    ngx_http_9p_probe_t  *pr;

    pr = c->data;
    why = ngx_http_9p_tls_verified(pr->up->conf, c);

    if (why) {
        ngx_http_9p_probe_done(pr, 0, why);
        return;
    }

    c->read->handler = ngx_http_9p_probe_read;
    c->write->handler = ngx_http_9p_probe_write;

    ngx_http_9p_probe_write(c->write);
}


static void
ngx_http_9p_probe_read(ngx_event_t *rev)
{
    ssize_t               n;
    int64_t               size;
    ninep_fcall_t         r;
    ngx_connection_t     *c;
    ngx_http_9p_probe_t  *pr;

    c = rev->data;
    pr = c->data;

    if (pr->sent < pr->out_len) {
        ngx_http_9p_probe_write(c->write);
        return;
    }

    for ( ;; ) {
        n = ngx_http_9p_recv(c, pr->in + pr->in_len,
                             sizeof(pr->in) - pr->in_len);

        if (n == NGX_AGAIN) {
            if (ngx_handle_read_event(rev, 0) != NGX_OK) {
                ngx_http_9p_probe_done(pr, 0, "cannot read");
            }
            return;
        }

        if (n <= 0) {
            ngx_http_9p_probe_done(pr, 0, "closed without an Rversion");
            return;
        }

        pr->in_len += n;
        size = ninep_peek_size(pr->in, pr->in_len);

        if (size >= 0 && (size < 7 || size > (int64_t) sizeof(pr->in))) {
            ngx_http_9p_probe_done(pr, 0, "not 9P");
            return;
        }

        /* a full buffer has its size, and so is caught above or ends */
        if (size >= 0 && pr->in_len >= (size_t) size) {
            break;
        }
    }

    if (ninep_unpack(pr->in, (size_t) size, 0, NINEP_R, &r) != NINEP_OK
        || r.type != NINEP_RVERSION || !ninep_str_eq(r.version, "9P2000"))
    {
        ngx_http_9p_probe_done(pr, 0, "no Rversion 9P2000");
        return;
    }

    ngx_http_9p_probe_done(pr, 1, NULL);
}


/* A probe's result moves its server's counts, and perhaps its state. */

static void
ngx_http_9p_probe_done(ngx_http_9p_probe_t *pr, ngx_uint_t ok,
    const char *why)
{
    ngx_uint_t                 changed;
    ngx_slab_pool_t           *shpool;
    ngx_http_9p_check_sh_t    *sh;
    ngx_http_9p_check_peer_t  *p;

    ngx_http_9p_tls_close(&pr->pc);

    pr->busy = 0;

    shpool = (ngx_slab_pool_t *) ngx_http_9p_check_zone->shm.addr;
    sh = shpool->data;

    /* a reload may have laid the zone out anew for fewer servers */
    if (pr->index >= sh->npeers) {
        return;
    }

    p = &sh->peer[pr->index];

    ngx_shmtx_lock(&shpool->mutex);

    if (ok) {
        p->fails = 0;
        p->passes++;
        changed = p->down && p->passes >= pr->up->conf->check_passes;

    } else {
        p->passes = 0;
        p->fails++;
        changed = !p->down && p->fails >= pr->up->conf->check_fails;
    }

    if (changed) {
        p->down = !ok;
        p->changed = ngx_time();
    }

    ngx_shmtx_unlock(&shpool->mutex);

    if (changed && ok) {
        ngx_log_error(NGX_LOG_NOTICE, ngx_cycle->log, 0,
                      "9p: upstream \"%V\" server %V is up again: %ui "
                      "checks passed", &pr->up->us->host, &pr->peer->name,
                      pr->up->conf->check_passes);

    } else if (changed) {
        ngx_log_error(NGX_LOG_WARN, ngx_cycle->log, 0,
                      "9p: upstream \"%V\" server %V is down: %ui checks "
                      "failed, the last: %s", &pr->up->us->host,
                      &pr->peer->name, pr->up->conf->check_fails, why);
    }
}


void
ngx_http_9p_check_sync(ngx_http_upstream_srv_conf_t *us)
{
    ngx_uint_t                 i, j;
    ngx_slab_pool_t           *shpool;
    ngx_http_9p_probe_t       *pr;
    ngx_http_9p_check_sh_t    *sh;

    if (ngx_http_9p_check_zone == NULL) {
        return;
    }

    shpool = (ngx_slab_pool_t *) ngx_http_9p_check_zone->shm.addr;
    sh = shpool->data;

    for (i = 0; i < ngx_http_9p_check_nups; i++) {
        if (ngx_http_9p_check_ups[i].us != us) {
            continue;
        }

        for (j = 0; j < ngx_http_9p_check_ups[i].nprobes; j++) {
            pr = &ngx_http_9p_check_ups[i].probes[j];

            if (pr->index < sh->npeers) {
                pr->peer->down = pr->config_down
                                 || sh->peer[pr->index].down;
            }
        }
    }
}


ngx_int_t
ngx_http_9p_check_state(ngx_http_upstream_srv_conf_t *us, ngx_uint_t n,
    ngx_uint_t *down, time_t *changed)
{
    ngx_slab_pool_t           *shpool;
    ngx_http_9p_check_sh_t    *sh;
    ngx_http_9p_srv_conf_t    *scf;

    scf = ngx_http_conf_upstream_srv_conf(us, ngx_http_9p_module);

    if (ngx_http_9p_check_zone == NULL || scf->check_interval == 0) {
        return NGX_DECLINED;
    }

    shpool = (ngx_slab_pool_t *) ngx_http_9p_check_zone->shm.addr;
    sh = shpool->data;

    if (scf->check_base + n >= sh->npeers) {
        return NGX_DECLINED;
    }

    *down = sh->peer[scf->check_base + n].down;
    *changed = sh->peer[scf->check_base + n].changed;

    return NGX_OK;
}
