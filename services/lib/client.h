
/*
 * Ten: a small blocking 9P2000 client for services that use another
 * service (ten-factotum writes tickets on ten-vfs).  One connection,
 * authenticated with ten-auth-1 as the service's own principal and
 * attached as it; one request at a time (a mutex), redialled when the
 * connection is lost.  Paths are absolute and walked from the root.
 */

#ifndef _CLIENT_H_INCLUDED_
#define _CLIENT_H_INCLUDED_


#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "ninep.h"
#include "tenkey.h"
#include "tls.h"


typedef struct cli_s  cli_t;


typedef struct {
    const char         *addr;       /* "host:port", or several with
                                       commas: tried in order */
    const char         *principal;  /* who we are */
    const uint8_t      *identity;   /* our secret key */
    const char         *server;     /* its name in ten-auth-1 */
    const uint8_t      *server_pk;  /* pinned */
    uint32_t            msize;
    int                 timeout_ms; /* per request, and the TLS
                                       handshake */
    tls_ctx_t          *tls;        /* NULL: plain TCP */
} cli_conf_t;


cli_t *cli_new(const cli_conf_t *conf);
void cli_free(cli_t *c);

/*
 * A connection to the service of conf, for a client that sends its own
 * way afterwards (ten-ssr keeps many requests in flight): dialled with
 * bounded waits, TLS if conf->tls, Tversion (*msize gets the size
 * agreed), ten-auth-1 as conf->principal on afid, an attach as it on fid
 * root, afid clunked.
 * The descriptor, or -1 with err ("unavailable: why").
 */
int cli_dial_fd(const cli_conf_t *conf, uint32_t afid, uint32_t root,
    uint32_t *msize, char *err, size_t errlen);

/* The port len bytes at s spell (digits only, 1-65535), else 0. */
unsigned cli_port(const char *s, size_t len);

/*
 * Whether list is "host:port[,host:port...]" with ports 1-65535: 0, or
 * -1 with the first bad address named in err.  For a -v at start.
 */
int cli_addrs_check(const char *list, char *err, size_t errlen);

/*
 * A TCP connection to "host:port" with TCP_NODELAY, every wait on it
 * bounded by timeout_ms (SO_RCVTIMEO/SO_SNDTIMEO); -1 with err.
 */
int cli_tcp_connect(const char *addr, int timeout_ms, char *err,
    size_t errlen);

/*
 * Each returns 0, or -1 with the reason in err: the server's Rerror text
 * as it is ("file does not exist"), or "unavailable: why".
 */

/* A whole file, up to max bytes; *data is malloc'd and NUL-terminated. */
int cli_read_file(cli_t *c, const char *path, size_t max, char **data,
    size_t *len, char *err, size_t errlen);

/* Creates dir/name with perm and writes data into it; removed again if
 * the write fails, so it is never there half written. */
int cli_create_file(cli_t *c, const char *dir, const char *name,
    uint32_t perm, const char *data, size_t len, char *err, size_t errlen);

/* Creates directory dir/name; an existing one is fine. */
int cli_mkdir(cli_t *c, const char *dir, const char *name, uint32_t perm,
    char *err, size_t errlen);

int cli_remove(cli_t *c, const char *path, char *err, size_t errlen);

/* Calls each(name, len, arg) for every entry of directory path. */
int cli_list(cli_t *c, const char *path,
    void (*each)(const char *name, size_t len, void *arg), void *arg,
    char *err, size_t errlen);


#endif /* _CLIENT_H_INCLUDED_ */
