
/*
 * Ten: TLS 1.3 on the services' TCP connections (tls.h says how).
 *
 * The relay: one thread per TLS connection moves bytes both ways between
 * the SSL object, on the non-blocking network socket, and its end of a
 * socket pair, also non-blocking, sleeping in poll() when neither way can
 * move.  Only that thread touches the SSL object after the handshake, so
 * OpenSSL is never used from two threads at once.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "tenkey.h"
#include "tls.h"


#define TLS_RELAY_BUF  65536

/* at exit, relays still ending are waited for this long */
#define TLS_EXIT_WAIT  2


struct tls_ctx_s {
    SSL_CTX            *ctx;
    int                 client;
    const char         *name;       /* a client's expected server name */
    unsigned long       done;       /* atomic */
    unsigned long       resumed;    /* atomic */
    /* a client's newest session, offered on its next dial */
    pthread_mutex_t     session_lock;
    SSL_SESSION        *session;
};


typedef struct {
    SSL                *ssl;
    int                 net;
    int                 app;
    size_t              in_pos;     /* from the network, for the app */
    size_t              in_len;
    size_t              out_len;    /* from the app, for the network */
    uint8_t             in[TLS_RELAY_BUF];
    uint8_t             out[TLS_RELAY_BUF];
} tls_relay_t;


/* the relays running, for tls_free() */
static pthread_mutex_t  tls_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t   tls_gone = PTHREAD_COND_INITIALIZER;
static unsigned         tls_relays;


static tls_ctx_t *tls_ctx_new(int client, char *err, size_t errlen);
static const char *tls_error(void);
static int tls_new_session(SSL *ssl, SSL_SESSION *session);
static void tls_why(SSL *ssl, int rc, int e, char *err, size_t errlen);
static int tls_relay_start(SSL *ssl, int fd, char *err, size_t errlen);
static void *tls_relay(void *arg);
static void tls_relay_done(void);
static int tls_want(SSL *ssl, int rc, short *events);


int
tls_option(tls_args_t *a, int opt, const char *arg)
{
    switch (opt) {
    case 'x': a->cert = arg; return 1;
    case 'y': a->key = arg; return 1;
    case 'a': a->ca = arg; return 1;
    case 'N': a->name = arg; return 1;
    default: return 0;
    }
}


int
tls_setup(const tls_args_t *a, tls_ctx_t **server, tls_ctx_t **client,
    char *err, size_t errlen)
{
    tls_ctx_t  *t;

    if ((a->cert == NULL) != (a->key == NULL)) {
        snprintf(err, errlen, "TLS: -x CERT and -y KEY go together");
        return -1;
    }

    if ((a->ca == NULL) != (a->name == NULL)) {
        snprintf(err, errlen, "TLS: -a CA and -N NAME go together");
        return -1;
    }

    if (server && a->cert) {
        t = tls_ctx_new(0, err, errlen);
        if (t == NULL) {
            return -1;
        }

        if (SSL_CTX_use_certificate_chain_file(t->ctx, a->cert) != 1) {
            snprintf(err, errlen, "TLS: cannot use certificate \"%s\": %s",
                     a->cert, tls_error());
            return -1;
        }

        if (ten_key_private(a->key, err, errlen) < 0) {
            return -1;
        }

        if (SSL_CTX_use_PrivateKey_file(t->ctx, a->key, SSL_FILETYPE_PEM)
            != 1
            || SSL_CTX_check_private_key(t->ctx) != 1)
        {
            snprintf(err, errlen, "TLS: cannot use key \"%s\": %s",
                     a->key, tls_error());
            return -1;
        }

        *server = t;
    }

    if (client && a->ca) {
        t = tls_ctx_new(1, err, errlen);
        if (t == NULL) {
            return -1;
        }

        if (SSL_CTX_load_verify_locations(t->ctx, a->ca, NULL) != 1) {
            snprintf(err, errlen, "TLS: cannot load CA file \"%s\": %s",
                     a->ca, tls_error());
            return -1;
        }

        SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, NULL);
        t->name = a->name;
        *client = t;
    }

    return 0;
}


static tls_ctx_t *
tls_ctx_new(int client, char *err, size_t errlen)
{
    tls_ctx_t  *t;

    t = calloc(1, sizeof(tls_ctx_t));
    if (t == NULL) {
        snprintf(err, errlen, "TLS: out of memory");
        return NULL;
    }

    t->client = client;
    pthread_mutex_init(&t->session_lock, NULL);
    t->ctx = SSL_CTX_new(client ? TLS_client_method() : TLS_server_method());

    if (t->ctx == NULL
        || SSL_CTX_set_min_proto_version(t->ctx, TLS1_3_VERSION) != 1
        || SSL_CTX_set_max_proto_version(t->ctx, TLS1_3_VERSION) != 1)
    {
        snprintf(err, errlen, "TLS: cannot make a TLS 1.3 context: %s",
                 tls_error());
        SSL_CTX_free(t->ctx);
        pthread_mutex_destroy(&t->session_lock);
        free(t);
        return NULL;
    }

    if (client) {
        SSL_CTX_set_app_data(t->ctx, t);
        SSL_CTX_set_session_cache_mode(t->ctx, SSL_SESS_CACHE_CLIENT
                                       | SSL_SESS_CACHE_NO_INTERNAL_STORE);
        SSL_CTX_sess_set_new_cb(t->ctx, tls_new_session);
    }

    return t;
}


/*
 * A session ticket from the server (TLS 1.3 sends them after the
 * handshake, so on the relay's thread): kept, the one before dropped.
 * A redial offers it, so a client that reconnects -- factotum or ten-ssr
 * to a ten-vfs that stayed up -- resumes instead of a full handshake.
 */

static int
tls_new_session(SSL *ssl, SSL_SESSION *session)
{
    tls_ctx_t    *t;
    SSL_SESSION  *old;

    t = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));

    if (t == NULL) {
        return 0;       /* tls_free() has been: OpenSSL frees it */
    }

    pthread_mutex_lock(&t->session_lock);
    old = t->session;
    t->session = session;
    pthread_mutex_unlock(&t->session_lock);

    SSL_SESSION_free(old);

    return 1;
}


/*
 * The connections were shut down before: their relays end soon.  They
 * are waited for (a little), so that OpenSSL's memory goes with them.
 */

void
tls_free(tls_ctx_t *ctx)
{
    struct timespec  deadline;

    if (ctx == NULL) {
        return;
    }

    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += TLS_EXIT_WAIT;

    pthread_mutex_lock(&tls_lock);

    while (tls_relays > 0) {
        if (pthread_cond_timedwait(&tls_gone, &tls_lock, &deadline) != 0) {
            break;
        }
    }

    pthread_mutex_unlock(&tls_lock);

    /* a relay still running holds its own reference to the context */
    SSL_CTX_set_app_data(ctx->ctx, NULL);
    SSL_CTX_free(ctx->ctx);
    SSL_SESSION_free(ctx->session);
    pthread_mutex_destroy(&ctx->session_lock);
    free(ctx);
}


void
tls_counts(tls_ctx_t *ctx, unsigned long *done, unsigned long *resumed)
{
    *done = __atomic_load_n(&ctx->done, __ATOMIC_RELAXED);
    *resumed = __atomic_load_n(&ctx->resumed, __ATOMIC_RELAXED);
}


/* OpenSSL's reason for a failure: its first error, the cause. */

static const char *
tls_error(void)
{
    const char  *why;

    why = ERR_reason_error_string(ERR_peek_error());

    return why ? why : "unknown error";
}


int
tls_start(tls_ctx_t *ctx, int fd, int timeout_ms, char *err, size_t errlen)
{
    int              rc, left;
    SSL             *ssl;
    struct pollfd    p;
    struct timespec  now, end;

    ssl = SSL_new(ctx->ctx);

    if (ssl == NULL
        || fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0
        || SSL_set_fd(ssl, fd) != 1
        || (ctx->client
            && (SSL_set_tlsext_host_name(ssl, ctx->name) != 1
                || SSL_set1_host(ssl, ctx->name) != 1)))
    {
        snprintf(err, errlen, "TLS: cannot start a connection");
        goto failed;
    }

    if (ctx->client) {
        SSL_set_connect_state(ssl);

        pthread_mutex_lock(&ctx->session_lock);
        if (ctx->session) {
            (void) SSL_set_session(ssl, ctx->session);
        }
        pthread_mutex_unlock(&ctx->session_lock);

    } else {
        SSL_set_accept_state(ssl);
    }

    clock_gettime(CLOCK_MONOTONIC, &end);
    end.tv_sec += timeout_ms / 1000;
    end.tv_nsec += (long) (timeout_ms % 1000) * 1000000;

    for ( ;; ) {
        ERR_clear_error();
        rc = SSL_do_handshake(ssl);

        if (rc == 1) {
            break;
        }

        p.fd = fd;
        p.revents = 0;

        if (tls_want(ssl, rc, &p.events) != 0) {
            tls_why(ssl, rc, SSL_get_error(ssl, rc), err, errlen);
            goto failed;
        }

        clock_gettime(CLOCK_MONOTONIC, &now);
        left = (int) ((end.tv_sec - now.tv_sec) * 1000
                      + (end.tv_nsec - now.tv_nsec) / 1000000);

        if (left <= 0 || poll(&p, 1, left) == 0) {
            snprintf(err, errlen, "TLS handshake timed out after %d ms",
                     timeout_ms);
            goto failed;
        }
    }

    __atomic_add_fetch(&ctx->done, 1, __ATOMIC_RELAXED);

    if (SSL_session_reused(ssl)) {
        __atomic_add_fetch(&ctx->resumed, 1, __ATOMIC_RELAXED);
    }

    rc = tls_relay_start(ssl, fd, err, errlen);

    /* this thread is done with OpenSSL (for now): its state goes */
    OPENSSL_thread_stop();

    return rc;

failed:

    SSL_free(ssl);
    close(fd);
    OPENSSL_thread_stop();

    return -1;
}


/* What a failed TLS call says, the certificate's fault first. */

static void
tls_why(SSL *ssl, int rc, int e, char *err, size_t errlen)
{
    long  v;

    v = SSL_get_verify_result(ssl);

    if (v != X509_V_OK) {
        snprintf(err, errlen, "TLS certificate verify failed: %s",
                 X509_verify_cert_error_string(v));
        return;
    }

    if (ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING
        || (e == SSL_ERROR_SYSCALL && rc == 0 && ERR_peek_error() == 0))
    {
        /* a TCP check, or a client that gave up */
        snprintf(err, errlen, "TLS handshake failed: peer closed the "
                 "connection");

    } else if (ERR_peek_error()) {
        snprintf(err, errlen, "TLS handshake failed: %s", tls_error());

    } else if (e == SSL_ERROR_SYSCALL) {
        snprintf(err, errlen, "TLS handshake failed: %s", strerror(errno));

    } else {
        snprintf(err, errlen, "TLS handshake failed (error %d)", e);
    }
}


/* 0 with the events that let the call go on, or -1: it cannot. */

static int
tls_want(SSL *ssl, int rc, short *events)
{
    switch (SSL_get_error(ssl, rc)) {

    case SSL_ERROR_WANT_READ:
        *events = POLLIN;
        return 0;

    case SSL_ERROR_WANT_WRITE:
        *events = POLLOUT;
        return 0;

    default:
        return -1;
    }
}


static int
tls_relay_start(SSL *ssl, int fd, char *err, size_t errlen)
{
    int             sv[2];
    pthread_t       tid;
    tls_relay_t    *t;
    pthread_attr_t  attr;

    t = malloc(sizeof(tls_relay_t));

    if (t == NULL) {
        snprintf(err, errlen, "TLS: out of memory");
        goto failed;
    }

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        snprintf(err, errlen, "TLS: socketpair: %s", strerror(errno));
        free(t);
        goto failed;
    }

    t->ssl = ssl;
    t->net = fd;
    t->app = sv[0];
    t->in_pos = 0;
    t->in_len = 0;
    t->out_len = 0;
    (void) fcntl(sv[0], F_SETFL, O_NONBLOCK);

    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 256 * 1024);

    pthread_mutex_lock(&tls_lock);
    tls_relays++;
    pthread_mutex_unlock(&tls_lock);

    if (pthread_create(&tid, &attr, tls_relay, t) != 0) {
        tls_relay_done();
        pthread_attr_destroy(&attr);
        snprintf(err, errlen, "TLS: cannot start a relay thread");
        close(sv[0]);
        close(sv[1]);
        free(t);
        goto failed;
    }

    pthread_attr_destroy(&attr);

    return sv[1];

failed:

    SSL_free(ssl);
    close(fd);

    return -1;
}


/*
 * Moves what it can each way; when nothing moved, sleeps until one of
 * the calls that could not go on can.  Either side's end or error ends
 * the connection: the other side then sees end of file.
 */

static void *
tls_relay(void *arg)
{
    int            rc, moved;
    short          ev;
    ssize_t        n;
    tls_relay_t   *t;
    struct pollfd  p[2];

    t = arg;

    for ( ;; ) {
        moved = 0;
        p[0].events = 0;
        p[1].events = 0;

        if (t->in_len == 0) {
            ERR_clear_error();
            rc = SSL_read(t->ssl, t->in, sizeof(t->in));

            if (rc > 0) {
                t->in_pos = 0;
                t->in_len = (size_t) rc;
                moved = 1;

            } else if (tls_want(t->ssl, rc, &p[0].events) != 0) {
                break;
            }
        }

        if (t->in_len > 0) {
            n = write(t->app, t->in + t->in_pos, t->in_len);

            if (n > 0) {
                t->in_pos += (size_t) n;
                t->in_len -= (size_t) n;
                moved = 1;

            } else if (errno == EAGAIN) {
                p[1].events |= POLLOUT;

            } else if (errno != EINTR) {
                break;
            }
        }

        if (t->out_len == 0) {
            n = read(t->app, t->out, sizeof(t->out));

            if (n > 0) {
                t->out_len = (size_t) n;
                moved = 1;

            } else if (n == 0) {
                break;

            } else if (errno == EAGAIN) {
                p[1].events |= POLLIN;

            } else if (errno != EINTR) {
                break;
            }
        }

        if (t->out_len > 0) {
            ERR_clear_error();
            rc = SSL_write(t->ssl, t->out, (int) t->out_len);

            if (rc > 0) {
                t->out_len = 0;
                moved = 1;

            } else if (tls_want(t->ssl, rc, &ev) == 0) {
                p[0].events |= ev;

            } else {
                break;
            }
        }

        if (moved) {
            continue;
        }

        /* a side with nothing to wait for is left out: no busy loop */
        p[0].fd = p[0].events ? t->net : -1;
        p[1].fd = p[1].events ? t->app : -1;

        if (poll(p, 2, -1) < 0 && errno != EINTR) {
            break;
        }
    }

    (void) SSL_shutdown(t->ssl);
    SSL_free(t->ssl);
    close(t->net);
    close(t->app);
    free(t);

    OPENSSL_thread_stop();
    tls_relay_done();

    return NULL;
}


static void
tls_relay_done(void)
{
    pthread_mutex_lock(&tls_lock);
    tls_relays--;
    pthread_cond_broadcast(&tls_gone);
    pthread_mutex_unlock(&tls_lock);
}
