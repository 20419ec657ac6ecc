
/*
 * Ten: TLS on the kernel's connections to the 9P services.
 *
 * "ninep_ssl on" in an upstream{} block makes every connection to its
 * servers TLS 1.3: the balancer's connections (ngx_http_9p_backend.c,
 * also those of the stream module) and the health checks' probes.  The
 * servers' certificates are verified against ninep_ssl_trusted_certificate
 * and ninep_ssl_name (by default the upstream's name), which is also the
 * SNI.  A connection's session is kept per server by the balancer
 * (peer.save_session, as proxy_ssl_session_reuse does), so the next
 * connection to it resumes.  ten-auth-1 runs inside unchanged.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_9p_tls.h"


/* the servers' chains: their certificate, an intermediate, the CA */
#define NGX_HTTP_9P_TLS_VERIFY_DEPTH  2


static char *ngx_http_9p_tls_refuse(ngx_conf_t *cf,
    ngx_http_upstream_srv_conf_t *us, const char *fmt);


char *
ngx_http_9p_tls_init(ngx_conf_t *cf, ngx_http_upstream_srv_conf_t *us)
{
    u_char                  *name;
    const char              *stray;
    ngx_pool_cleanup_t      *cln;
    ngx_http_9p_srv_conf_t  *scf;

    scf = ngx_http_conf_upstream_srv_conf(us, ngx_http_9p_module);

    if (scf->ssl != 1) {
        stray = (scf->ssl_verify != NGX_CONF_UNSET) ? "ninep_ssl_verify"
                : (scf->ssl_session_reuse != NGX_CONF_UNSET)
                  ? "ninep_ssl_session_reuse"
                : scf->ssl_trusted_certificate.data
                  ? "ninep_ssl_trusted_certificate"
                : scf->ssl_name.data ? "ninep_ssl_name" : NULL;

        if (stray) {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "\"%s\" in upstream \"%V\" without \"ninep_ssl "
                          "on\" does nothing, in %s:%ui", stray, &us->host,
                          us->file_name, us->line);
            return NGX_CONF_ERROR;
        }

        return NGX_CONF_OK;
    }

    ngx_conf_init_value(scf->ssl_verify, 1);
    ngx_conf_init_value(scf->ssl_session_reuse, 1);

    if (scf->ssl_verify && scf->ssl_trusted_certificate.len == 0) {
        return ngx_http_9p_tls_refuse(cf, us, "\"ninep_ssl_verify\" is on "
                                      "(the default) in upstream \"%V\", "
                                      "but it has no "
                                      "\"ninep_ssl_trusted_certificate\" to "
                                      "verify its servers with, in %s:%ui");
    }

    if (!scf->ssl_verify && scf->ssl_trusted_certificate.len) {
        return ngx_http_9p_tls_refuse(cf, us, "\"ninep_ssl_trusted_"
                                      "certificate\" in upstream \"%V\" "
                                      "does nothing with \"ninep_ssl_verify "
                                      "off\", in %s:%ui");
    }

    if (scf->ssl_name.len == 0) {
        scf->ssl_name = us->host;
    }

    /* SNI wants it NUL-terminated */
    name = ngx_pnalloc(cf->pool, scf->ssl_name.len + 1);
    if (name == NULL) {
        return NGX_CONF_ERROR;
    }

    *ngx_cpymem(name, scf->ssl_name.data, scf->ssl_name.len) = '\0';
    scf->ssl_name.data = name;

    scf->ssl_ctx = ngx_pcalloc(cf->pool, sizeof(ngx_ssl_t));
    if (scf->ssl_ctx == NULL) {
        return NGX_CONF_ERROR;
    }

    scf->ssl_ctx->log = cf->log;

    if (ngx_ssl_create(scf->ssl_ctx, NGX_SSL_TLSv1_3, NULL) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        ngx_ssl_cleanup_ctx(scf->ssl_ctx);
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_ssl_cleanup_ctx;
    cln->data = scf->ssl_ctx;

    if (scf->ssl_verify
        && ngx_ssl_trusted_certificate(cf, scf->ssl_ctx,
                                       &scf->ssl_trusted_certificate,
                                       NGX_HTTP_9P_TLS_VERIFY_DEPTH)
           != NGX_OK)
    {
        return ngx_http_9p_tls_refuse(cf, us, "cannot load the "
                                      "\"ninep_ssl_trusted_certificate\" "
                                      "of upstream \"%V\", in %s:%ui");
    }

    if (ngx_ssl_client_session_cache(cf, scf->ssl_ctx, scf->ssl_session_reuse)
        != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_9p_tls_refuse(ngx_conf_t *cf, ngx_http_upstream_srv_conf_t *us,
    const char *fmt)
{
    ngx_log_error(NGX_LOG_EMERG, cf->log, 0, fmt, &us->host, us->file_name,
                  us->line);

    return NGX_CONF_ERROR;
}


ngx_int_t
ngx_http_9p_tls_start(ngx_http_9p_srv_conf_t *scf, ngx_peer_connection_t *pc,
    ngx_connection_handler_pt done, ngx_connection_handler_pt save)
{
    int                err;
    socklen_t          len;
    ngx_int_t          rc;
    ngx_connection_t  *c;

    c = pc->connection;

    /* a refused connect is no failed handshake */
    err = 0;
    len = sizeof(int);

    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, (void *) &err, &len) == -1) {
        err = ngx_socket_errno;
    }

    if (err) {
        (void) ngx_connection_error(c, err, "connect() failed");
        return NGX_ERROR;
    }

    /* a peer connection has no pool; the SSL connection wants one */
    if (c->pool == NULL) {
        c->pool = ngx_create_pool(128, c->log);
        if (c->pool == NULL) {
            return NGX_ERROR;
        }
    }

    if (ngx_ssl_create_connection(scf->ssl_ctx, c, NGX_SSL_CLIENT)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (SSL_set_tlsext_host_name(c->ssl->connection,
                                 (char *) scf->ssl_name.data)
        == 0)
    {
        ngx_ssl_error(NGX_LOG_ERR, c->log, 0,
                      "SSL_set_tlsext_host_name(\"%V\") failed",
                      &scf->ssl_name);
        return NGX_ERROR;
    }

    if (scf->ssl_session_reuse && pc->set_session) {
        if (pc->set_session(pc, pc->data) != NGX_OK) {
            return NGX_ERROR;
        }

        c->ssl->save_session = save;
    }

    rc = ngx_ssl_handshake(c);

    if (rc == NGX_AGAIN) {
        c->ssl->handler = done;
    }

    return rc;
}


const char *
ngx_http_9p_tls_verified(ngx_http_9p_srv_conf_t *scf, ngx_connection_t *c)
{
    long           rc;
    u_char        *p;
    static u_char  why[NGX_MAX_ERROR_STR];

    if (c->ssl == NULL) {
        return "cannot connect";
    }

    if (!c->ssl->handshaked) {
        return (c->read->timedout || c->write->timedout)
               ? "TLS handshake timed out" : "TLS handshake failed";
    }

    ngx_log_debug1(NGX_LOG_DEBUG_EVENT, c->log, 0,
                   "9p: TLS session %s",
                   SSL_session_reused(c->ssl->connection) ? "reused" : "new");

    if (!scf->ssl_verify) {
        return NULL;
    }

    rc = SSL_get_verify_result(c->ssl->connection);

    if (rc != X509_V_OK) {
        p = ngx_snprintf(why, sizeof(why) - 1,
                         "TLS certificate not trusted (%l: %s)", rc,
                         X509_verify_cert_error_string(rc));
        *p = '\0';
        return (const char *) why;
    }

    if (ngx_ssl_check_host(c, &scf->ssl_name) != NGX_OK) {
        p = ngx_snprintf(why, sizeof(why) - 1,
                         "TLS certificate does not match \"%V\"",
                         &scf->ssl_name);
        *p = '\0';
        return (const char *) why;
    }

    return NULL;
}


void
ngx_http_9p_tls_close(ngx_peer_connection_t *pc)
{
    ngx_pool_t        *pool;
    ngx_connection_t  *c;

    c = pc->connection;

    if (c == NULL) {
        return;
    }

    pc->connection = NULL;

    if (c->ssl) {
        /* no close_notify exchange: the connection goes now */
        c->ssl->no_wait_shutdown = 1;
        c->ssl->no_send_shutdown = 1;
        (void) ngx_ssl_shutdown(c);
    }

    pool = c->pool;
    ngx_close_connection(c);

    if (pool) {
        ngx_destroy_pool(pool);
    }
}
