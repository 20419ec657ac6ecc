
/*
 * Ten: the checks of a ticket (see ngx_http_9p_ticket.h), the worker's
 * cache of tickets verified moments ago and of factotum's /keys.
 */

#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_http_9p_ticket.h"


/* validated tickets this worker remembers (ninep_ticket_cache) */
#define NGX_HTTP_9P_TCACHE       256

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
static ngx_msec_t   ngx_http_9p_fkeys_installed;
static ngx_uint_t   ngx_http_9p_fkeys_ever;
static char         ngx_http_9p_fkeys_for[TEN_KEYID_LEN + 1];

const char  ngx_http_9p_unknown_key[] = "ticket signed by an unknown key";


static ten_cert_t *ngx_http_9p_ticket_cert(ngx_http_9p_loc_conf_t *conf,
    const char *keyid);
static const char *ngx_http_9p_ticket_path(u_char *path, size_t plen,
    ten_ticket_t *t);
static ngx_http_9p_tcache_t *ngx_http_9p_tcache_slot(u_char *path,
    size_t len);


/*
 * DESIGN.md §2: a certified, unexpired key signed it, it has not
 * expired, and the path names its user and nonce.  A valid one is
 * remembered for ninep_ticket_cache.
 */

const char *
ngx_http_9p_ticket_check(ngx_http_9p_loc_conf_t *conf, u_char *text,
    size_t len, u_char *path, size_t plen, ten_ticket_t *t)
{
    time_t                 now;
    const char            *e;
    ten_cert_t            *cert;
    ngx_http_9p_tcache_t  *tc;

    if (ten_ticket_parse((char *) text, len, t) != 0) {
        return "not a ticket";
    }

    cert = ngx_http_9p_ticket_cert(conf, t->keyid);

    if (cert == NULL) {
        return ngx_http_9p_unknown_key;
    }

    if (ten_ticket_verify((char *) text, len, cert) != 0) {
        return "bad ticket signature";
    }

    now = ngx_time();

    if (now < cert->not_before || now > cert->not_after) {
        return "ticket signing key expired";
    }

    if (t->expires <= now) {
        return "ticket expired";
    }

    e = ngx_http_9p_ticket_path(path, plen, t);
    if (e) {
        return e;
    }

    tc = ngx_http_9p_tcache_slot(path, plen);

    if (tc && conf->ticket_cache) {
        ngx_memcpy(tc->path, path, plen);
        tc->len = plen;
        ngx_cpystrn((u_char *) tc->user, (u_char *) t->user,
                    sizeof(tc->user));
        tc->expires = (time_t) t->expires;
        tc->checked = ngx_current_msec;
    }

    return NULL;
}


/*
 * The certificate of keyid: configured (ninep_ticket_keys), or read from
 * factotum's /keys for conf's issuer.
 */

static ten_cert_t *
ngx_http_9p_ticket_cert(ngx_http_9p_loc_conf_t *conf, const char *keyid)
{
    ngx_uint_t              i;
    ten_cert_t             *cert;
    const ten_principal_t  *issuer;

    if (conf->certs) {
        cert = conf->certs->elts;

        for (i = 0; i < conf->certs->nelts; i++) {
            if (ngx_strcmp(cert[i].keyid, keyid) == 0) {
                return &cert[i];
            }
        }
    }

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


/* "/priv/sessions/<user>/<nonce>", of the ticket's user and nonce. */

static const char *
ngx_http_9p_ticket_path(u_char *path, size_t plen, ten_ticket_t *t)
{
    u_char  *user, *nonce, *end;

    static const char  dir[] = "/priv/sessions/";

    end = path + plen;

    if (plen <= sizeof(dir) - 1
        || ngx_strncmp(path, dir, sizeof(dir) - 1) != 0)
    {
        return "ticket path mismatch";
    }

    user = path + sizeof(dir) - 1;
    nonce = ngx_strlchr(user, end, '/');

    if (nonce == NULL
        || (size_t) (nonce - user) != ngx_strlen(t->user)
        || ngx_strncmp(user, t->user, nonce - user) != 0
        || (size_t) (end - nonce - 1) != TEN_TNONCE_LEN
        || ngx_strncmp(nonce + 1, t->nonce, TEN_TNONCE_LEN) != 0)
    {
        return "ticket path mismatch";
    }

    return NULL;
}


const char *
ngx_http_9p_ticket_cached(ngx_http_9p_loc_conf_t *conf, u_char *path,
    size_t len)
{
    ngx_http_9p_tcache_t  *tc;

    tc = ngx_http_9p_tcache_slot(path, len);

    if (tc && tc->len == len && ngx_memcmp(tc->path, path, len) == 0
        && ngx_current_msec - tc->checked < conf->ticket_cache
        && tc->expires > ngx_time())
    {
        return tc->user;
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


ngx_uint_t
ngx_http_9p_keys_ask(ngx_http_9p_loc_conf_t *conf, const char *keyid)
{
    /*
     * Asked for this key id less than a second ago, and /keys was read
     * since: the key is not there.  While that read is still on its way,
     * the attaches that come meanwhile read it too rather than fail.
     */
    if (conf->trust == NULL || ten_trust_find(conf->trust, "factotum") == NULL
        || (ngx_http_9p_fkeys_ever
            && ngx_strcmp(ngx_http_9p_fkeys_for, keyid) == 0
            && ngx_current_msec - ngx_http_9p_fkeys_asked
               < NGX_HTTP_9P_FKEYS_EVERY
            && (ngx_msec_int_t) (ngx_http_9p_fkeys_installed
                                 - ngx_http_9p_fkeys_asked) >= 0))
    {
        return 0;
    }

    ngx_http_9p_fkeys_ever = 1;
    ngx_http_9p_fkeys_asked = ngx_current_msec;
    ngx_cpystrn((u_char *) ngx_http_9p_fkeys_for, (u_char *) keyid,
                sizeof(ngx_http_9p_fkeys_for));

    return 1;
}


/* A line of /keys that factotum's pinned key did not sign is left out. */

void
ngx_http_9p_keys_install(ngx_http_9p_loc_conf_t *conf, u_char *text,
    size_t len, ngx_log_t *log)
{
    u_char                 *p, *end, *nl;
    ngx_uint_t              n;
    const char             *e;
    ten_cert_t              cert;
    const ten_principal_t  *issuer;

    issuer = ten_trust_find(conf->trust, "factotum");
    end = text + len;
    n = 0;

    for (p = text; p < end && n < NGX_HTTP_9P_FKEYS; p = nl + 1) {
        nl = ngx_strlchr(p, end, '\n');
        if (nl == NULL) {
            nl = end;
        }

        if (nl == p) {
            continue;
        }

        if (ten_cert_parse((char *) p, nl - p, issuer->pk, &cert, &e) != 0) {
            ngx_log_error(NGX_LOG_WARN, log, 0,
                          "9p: factotum's /keys: a line left out: %s", e);
            continue;
        }

        ngx_http_9p_fkeys[n++] = cert;
    }

    ngx_http_9p_nfkeys = n;
    ngx_http_9p_fkeys_installed = ngx_current_msec;
    ngx_memcpy(ngx_http_9p_fkeys_issuer, issuer->pk, TEN_PK_LEN);

    ngx_log_error(NGX_LOG_INFO, log, 0,
                  "9p: %ui ticket signing keys from factotum's /keys", n);
}
