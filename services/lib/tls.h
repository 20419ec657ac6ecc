
/*
 * Ten: TLS 1.3 on the services' TCP connections (OpenSSL).  A connection
 * shakes hands within a deadline on its own thread, then a relay thread
 * carries its bytes between TLS and a plain socket pair, whose other end
 * is the descriptor the caller goes on using as before: the server loop
 * and the clients stay on plain blocking descriptors.  Identity stays
 * with ten-auth-1 inside; TLS adds confidentiality and, for a client
 * given a CA, the server's certificate and name.
 */

#ifndef _TLS_H_INCLUDED_
#define _TLS_H_INCLUDED_


#include <stddef.h>


typedef struct tls_ctx_s  tls_ctx_t;


/* The command-line flags common to the services: -x -y -a -N. */
typedef struct {
    const char         *cert;       /* -x: serve TLS with this chain */
    const char         *key;        /* -y: and this key */
    const char         *ca;         /* -a: dial with TLS, trusting these */
    const char         *name;       /* -N: the name the server must have */
} tls_args_t;

#define TLS_SERVER_FLAGS  "x:y:"
#define TLS_CLIENT_FLAGS  "a:N:"

/* the flags' lines in a service's usage */
#define TLS_SERVER_USAGE                                                     \
    "  -x CERT      serve TLS 1.3 on -l with this certificate chain (PEM);\n" \
    "               then only TLS there\n"                                   \
    "  -y KEY       the certificate's private key (PEM, mode 0600)\n"
#define TLS_CLIENT_USAGE                                                     \
    "  -a CA        dial the VFS with TLS 1.3, trusting these CAs (PEM)\n"   \
    "  -N NAME      the name the VFS's certificate must have (with -a)\n"

/* Takes a TLS flag into a: 1, or 0 if opt is not one. */
int tls_option(tls_args_t *a, int opt, const char *arg);

/*
 * The contexts the flags ask for (NULL: plain TCP), either pointer may be
 * NULL for a service with no such side; 0, or -1 with err saying why.
 */
int tls_setup(const tls_args_t *a, tls_ctx_t **server, tls_ctx_t **client,
    char *err, size_t errlen);

/*
 * A TLS handshake on the connected socket fd within timeout_ms, as the
 * server or the client that ctx is; then fd belongs to a relay thread,
 * and the plain descriptor returned stands for the connection (blocking,
 * close-on-exec).  -1 with err saying why; fd is then closed.
 */
int tls_start(tls_ctx_t *ctx, int fd, int timeout_ms, char *err,
    size_t errlen);

/* At exit, once nothing starts a connection with it; NULL is fine. */
void tls_free(tls_ctx_t *ctx);

/* Handshakes completed and how many of them resumed a session. */
void tls_counts(tls_ctx_t *ctx, unsigned long *done, unsigned long *resumed);


#endif /* _TLS_H_INCLUDED_ */
