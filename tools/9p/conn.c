
/*
 * Ten: 9p's connection (see conn.h).
 *
 * All input goes through one buffer (ib), so the bytes that follow the
 * WebSocket handshake's answer are not lost, and a frame header costs no
 * system call of its own.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sodium.h>

#include "client.h"
#include "conn.h"
#include "ninep.h"


#define CONN_IBSIZE     16384
#define CONN_HDRMAX     8192

#define WS_CONT         0x0
#define WS_TEXT         0x1
#define WS_BINARY       0x2
#define WS_CLOSE        0x8
#define WS_PING         0x9
#define WS_PONG         0xa

#define WS_GUID         "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


struct conn_s {
    int         fd;
    int         ws;         /* WebSocket framing, or 9P's size field */
    int         closed;     /* a close frame has gone out */
    SSL_CTX    *ctx;
    SSL        *ssl;
    size_t      ipos;
    size_t      iend;
    uint8_t     ib[CONN_IBSIZE];
};


typedef struct {
    int         tls;
    char        host[256];
    char        port[16];
    char        path[1024];
} conn_url_t;


static int conn_parse_url(const char *addr, conn_url_t *u, char *err,
    size_t errlen);
static int conn_tls(conn_t *c, const char *host, char *err, size_t errlen);
static int conn_upgrade(conn_t *c, const conn_url_t *u, char *err,
    size_t errlen);
static int conn_read_full(conn_t *c, uint8_t *buf, size_t len, char *err,
    size_t errlen);
static int conn_write_full(conn_t *c, const uint8_t *buf, size_t len,
    char *err, size_t errlen);
static int conn_fill(conn_t *c, char *err, size_t errlen);
static int conn_ws_frame(conn_t *c, int opcode, const uint8_t *data,
    size_t len, char *err, size_t errlen);
static ssize_t conn_ws_recv(conn_t *c, uint8_t *buf, size_t cap, char *err,
    size_t errlen);
static void conn_io_error(conn_t *c, int rc, char *err, size_t errlen);


int
conn_is_tcp(const char *addr, char *hostport, size_t len)
{
    const char  *p, *bang;

    if (strstr(addr, "://") != NULL) {
        return 0;
    }

    p = strncmp(addr, "tcp!", 4) == 0 ? addr + 4 : addr;
    bang = strchr(p, '!');

    if (bang != NULL) {
        snprintf(hostport, len, "%.*s:%s", (int) (bang - p), p, bang + 1);

    } else {
        snprintf(hostport, len, "%s", p);
    }

    return strchr(hostport, ':') != NULL;
}


conn_t *
conn_dial(const char *addr, int timeout_ms, char *err, size_t errlen)
{
    int          fd;
    char         hostport[300];
    conn_t      *c;
    conn_url_t   u;

    if (conn_is_tcp(addr, hostport, sizeof(hostport))) {
        fd = cli_tcp_connect(hostport, timeout_ms, err, errlen);
        return fd < 0 ? NULL : conn_from_fd(fd);
    }

    if (conn_parse_url(addr, &u, err, errlen) < 0) {
        return NULL;
    }

    snprintf(hostport, sizeof(hostport), "%s:%s", u.host, u.port);

    fd = cli_tcp_connect(hostport, timeout_ms, err, errlen);
    if (fd < 0) {
        return NULL;
    }

    c = conn_from_fd(fd);
    if (c == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    c->ws = 1;

    if ((u.tls && conn_tls(c, u.host, err, errlen) < 0)
        || conn_upgrade(c, &u, err, errlen) < 0)
    {
        conn_close(c);
        return NULL;
    }

    return c;
}


conn_t *
conn_from_fd(int fd)
{
    conn_t  *c;

    c = calloc(1, sizeof(conn_t));
    if (c == NULL) {
        close(fd);
        return NULL;
    }

    c->fd = fd;

    return c;
}


void
conn_close(conn_t *c)
{
    uint8_t  code[2], scratch[1];
    char     err[256];

    if (c == NULL) {
        return;
    }

    /* RFC 6455's closing handshake: 1000, then the server's close */
    if (c->ws && !c->closed) {
        code[0] = 1000 >> 8;
        code[1] = 1000 & 0xff;
        c->closed = 1;
        if (conn_ws_frame(c, WS_CLOSE, code, 2, err, sizeof(err)) == 0) {
            while (conn_ws_recv(c, scratch, 0, err, sizeof(err)) >= 0) {
                /* a message still in flight: dropped */
            }
        }
    }

    if (c->ssl != NULL) {
        (void) SSL_shutdown(c->ssl);
        SSL_free(c->ssl);
    }

    if (c->ctx != NULL) {
        SSL_CTX_free(c->ctx);
    }

    close(c->fd);
    free(c);
}


/* ws://HOST[:PORT][/PATH] and wss://...; [v6] hosts in brackets. */

static int
conn_parse_url(const char *addr, conn_url_t *u, char *err, size_t errlen)
{
    size_t       n;
    const char  *p, *end, *colon, *slash;

    memset(u, 0, sizeof(conn_url_t));

    if (strncmp(addr, "ws://", 5) == 0) {
        p = addr + 5;

    } else if (strncmp(addr, "wss://", 6) == 0) {
        p = addr + 6;
        u->tls = 1;

    } else {
        snprintf(err, errlen, "bad address \"%s\": expected ws://HOST:PORT"
                 "/PATH, wss://..., or tcp!HOST!PORT", addr);
        return -1;
    }

    slash = strchr(p, '/');
    end = slash ? slash : p + strlen(p);

    if (*p == '[') {
        colon = memchr(p, ']', (size_t) (end - p));
        colon = colon && colon + 1 < end && colon[1] == ':' ? colon + 1
                                                             : NULL;
        n = (size_t) ((colon ? colon : end) - p);
        if (n > 2 && p[n - 1] == ']') {
            p++;
            n -= 2;
        }

    } else {
        colon = memchr(p, ':', (size_t) (end - p));
        n = (size_t) ((colon ? colon : end) - p);
    }

    if (n == 0 || n >= sizeof(u->host)
        || (colon && (size_t) (end - colon - 1) >= sizeof(u->port))
        || strlen(slash ? slash : "/") >= sizeof(u->path))
    {
        snprintf(err, errlen, "bad address \"%s\"", addr);
        return -1;
    }

    memcpy(u->host, p, n);

    if (colon) {
        memcpy(u->port, colon + 1, (size_t) (end - colon - 1));

    } else {
        strcpy(u->port, u->tls ? "443" : "80");
    }

    snprintf(u->path, sizeof(u->path), "%s", slash ? slash : "/");

    return 0;
}


static int
conn_tls(conn_t *c, const char *host, char *err, size_t errlen)
{
    long                 v;
    unsigned long        e;
    unsigned char        ip[16];
    X509_VERIFY_PARAM   *param;

    c->ctx = SSL_CTX_new(TLS_client_method());
    if (c->ctx == NULL) {
        snprintf(err, errlen, "TLS: cannot make a context");
        return -1;
    }

    SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);

    if (SSL_CTX_set_default_verify_paths(c->ctx) != 1) {
        snprintf(err, errlen, "TLS: cannot load the trusted certificates");
        return -1;
    }

    c->ssl = SSL_new(c->ctx);
    if (c->ssl == NULL || SSL_set_fd(c->ssl, c->fd) != 1) {
        snprintf(err, errlen, "TLS: out of memory");
        return -1;
    }

    param = SSL_get0_param(c->ssl);

    if (inet_pton(AF_INET, host, ip) == 1
        || inet_pton(AF_INET6, host, ip) == 1)
    {
        (void) X509_VERIFY_PARAM_set1_ip_asc(param, host);

    } else {
        (void) SSL_set_tlsext_host_name(c->ssl, host);
        (void) SSL_set1_host(c->ssl, host);
    }

    if (SSL_connect(c->ssl) != 1) {
        v = SSL_get_verify_result(c->ssl);

        if (v != X509_V_OK) {
            snprintf(err, errlen, "TLS: the server's certificate: %s",
                     X509_verify_cert_error_string(v));

        } else {
            e = ERR_get_error();
            snprintf(err, errlen, "TLS handshake failed: %s",
                     e && ERR_reason_error_string(e)
                     ? ERR_reason_error_string(e) : "connection closed");
        }

        return -1;
    }

    return 0;
}


/* The HTTP/1.1 upgrade (RFC 6455 §4.1), subprotocol "9p". */

static int
conn_upgrade(conn_t *c, const conn_url_t *u, char *err, size_t errlen)
{
    int            n;
    char           req[2048], key[32], want[32], *hdr, *line, *eol, *end;
    uint8_t        nonce[16], sha[SHA_DIGEST_LENGTH], *b;
    const char    *accept;
    unsigned char  keyguid[64];
    size_t         have;

    randombytes_buf(nonce, sizeof(nonce));
    sodium_bin2base64(key, sizeof(key), nonce, sizeof(nonce),
                      sodium_base64_VARIANT_ORIGINAL);

    n = snprintf(req, sizeof(req),
                 "GET %s HTTP/1.1\r\n"
                 "Host: %s%s%s:%s\r\n"
                 "Upgrade: websocket\r\n"
                 "Connection: Upgrade\r\n"
                 "Sec-WebSocket-Key: %s\r\n"
                 "Sec-WebSocket-Version: 13\r\n"
                 "Sec-WebSocket-Protocol: 9p\r\n"
                 "User-Agent: 9p (Ten)\r\n"
                 "\r\n",
                 u->path, strchr(u->host, ':') ? "[" : "", u->host,
                 strchr(u->host, ':') ? "]" : "", u->port, key);

    if (conn_write_full(c, (uint8_t *) req, (size_t) n, err, errlen) < 0) {
        return -1;
    }

    /* the answer's head, up to its empty line */

    for ( ;; ) {
        b = memmem(c->ib, c->iend, "\r\n\r\n", 4);
        if (b != NULL) {
            break;
        }

        if (c->iend >= CONN_HDRMAX) {
            snprintf(err, errlen, "the server's answer to the WebSocket "
                     "upgrade is too long");
            return -1;
        }

        if (conn_fill(c, err, errlen) < 0) {
            return -1;
        }
    }

    have = (size_t) (b - c->ib) + 4;
    hdr = strndup((char *) c->ib, have - 2);
    if (hdr == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }

    c->ipos = have;

    eol = strstr(hdr, "\r\n");
    *eol = '\0';

    if (strncmp(hdr, "HTTP/1.1 101", 12) != 0) {
        snprintf(err, errlen, "the server refused the WebSocket: %s", hdr);
        free(hdr);
        return -1;
    }

    memcpy(keyguid, key, strlen(key));
    memcpy(keyguid + strlen(key), WS_GUID, sizeof(WS_GUID) - 1);
    SHA1(keyguid, strlen(key) + sizeof(WS_GUID) - 1, sha);
    sodium_bin2base64(want, sizeof(want), sha, sizeof(sha),
                      sodium_base64_VARIANT_ORIGINAL);

    accept = NULL;

    for (line = eol + 2; *line; line = end + 2) {
        end = strstr(line, "\r\n");
        *end = '\0';

        if (strncasecmp(line, "Sec-WebSocket-Accept:", 21) == 0) {
            accept = line + 21 + strspn(line + 21, " \t");
        }
    }

    if (accept == NULL || strcmp(accept, want) != 0) {
        snprintf(err, errlen, "the server's WebSocket answer has a wrong "
                 "Sec-WebSocket-Accept");
        free(hdr);
        return -1;
    }

    free(hdr);

    return 0;
}


int
conn_send(conn_t *c, const uint8_t *msg, size_t len, char *err,
    size_t errlen)
{
    if (c->ws) {
        return conn_ws_frame(c, WS_BINARY, msg, len, err, errlen);
    }

    return conn_write_full(c, msg, len, err, errlen);
}


ssize_t
conn_recv(conn_t *c, uint8_t *buf, size_t cap, char *err, size_t errlen)
{
    int64_t  size;

    if (c->ws) {
        return conn_ws_recv(c, buf, cap, err, errlen);
    }

    if (conn_read_full(c, buf, 4, err, errlen) < 0) {
        return -1;
    }

    size = ninep_peek_size(buf, 4);

    if (size < NINEP_HDRSZ || (uint64_t) size > cap) {
        snprintf(err, errlen, "the server sent a message of %lld bytes "
                 "(at most %zu were agreed)", (long long) size, cap);
        return -1;
    }

    if (conn_read_full(c, buf + 4, (size_t) size - 4, err, errlen) < 0) {
        return -1;
    }

    return (ssize_t) size;
}


/* One masked frame, FIN set: a client's frames are all masked. */

static int
conn_ws_frame(conn_t *c, int opcode, const uint8_t *data, size_t len,
    char *err, size_t errlen)
{
    int       rc;
    size_t    h, i;
    uint8_t   mask[4], *f;

    f = malloc(len + 14);
    if (f == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }

    f[0] = (uint8_t) (0x80 | opcode);

    if (len < 126) {
        f[1] = (uint8_t) (0x80 | len);
        h = 2;

    } else if (len < 65536) {
        f[1] = 0x80 | 126;
        f[2] = (uint8_t) (len >> 8);
        f[3] = (uint8_t) len;
        h = 4;

    } else {
        f[1] = 0x80 | 127;
        for (i = 0; i < 8; i++) {
            f[2 + i] = (uint8_t) ((uint64_t) len >> (56 - 8 * i));
        }
        h = 10;
    }

    randombytes_buf(mask, sizeof(mask));
    memcpy(f + h, mask, 4);
    h += 4;

    for (i = 0; i < len; i++) {
        f[h + i] = data[i] ^ mask[i & 3];
    }

    rc = conn_write_full(c, f, h + len, err, errlen);
    free(f);

    return rc;
}


/*
 * One whole message: data frames (a first and its continuations) joined,
 * control frames between them answered or reported.
 */

static ssize_t
conn_ws_recv(conn_t *c, uint8_t *buf, size_t cap, char *err, size_t errlen)
{
    int        fin, opcode, started;
    size_t     have, i, k;
    uint8_t    h[8], ctl[125];
    uint64_t   len;

    have = 0;
    started = 0;

    for ( ;; ) {
        if (conn_read_full(c, h, 2, err, errlen) < 0) {
            return -1;
        }

        fin = h[0] & 0x80;
        opcode = h[0] & 0x0f;
        len = h[1] & 0x7f;

        if (h[1] & 0x80) {
            snprintf(err, errlen, "the server sent a masked frame");
            return -1;
        }

        if (len >= 126) {
            i = len == 126 ? 2 : 8;
            if (conn_read_full(c, h, i, err, errlen) < 0) {
                return -1;
            }
            len = 0;
            for (k = 0; k < i; k++) {
                len = (len << 8) | h[k];
            }
        }

        if (opcode >= WS_CLOSE) {
            if (!fin || len > sizeof(ctl)) {
                snprintf(err, errlen, "the server sent a bad control "
                         "frame");
                return -1;
            }

            if (conn_read_full(c, ctl, (size_t) len, err, errlen) < 0) {
                return -1;
            }

            if (opcode == WS_PING) {
                if (conn_ws_frame(c, WS_PONG, ctl, (size_t) len, err,
                                  errlen) < 0)
                {
                    return -1;
                }
                continue;
            }

            if (opcode == WS_CLOSE) {
                if (!c->closed) {
                    c->closed = 1;
                    (void) conn_ws_frame(c, WS_CLOSE, ctl, len >= 2 ? 2 : 0,
                                         err, errlen);
                }
                if (len >= 2) {
                    snprintf(err, errlen, "the server closed the "
                             "connection (%u%s%.*s)",
                             (ctl[0] << 8) | ctl[1], len > 2 ? " " : "",
                             (int) len - 2, (char *) ctl + 2);
                } else {
                    snprintf(err, errlen, "the server closed the "
                             "connection");
                }
                return -1;
            }

            continue;       /* a pong */
        }

        if (opcode == WS_TEXT || (opcode == WS_BINARY) == started
            || (opcode != WS_BINARY && opcode != WS_CONT))
        {
            snprintf(err, errlen, "the server sent a frame of the wrong "
                     "kind (opcode %d)", opcode);
            return -1;
        }

        started = 1;

        if (len > cap - have) {
            snprintf(err, errlen, "the server sent a message over the "
                     "agreed %zu bytes", cap);
            return -1;
        }

        if (conn_read_full(c, buf + have, (size_t) len, err, errlen) < 0) {
            return -1;
        }

        have += (size_t) len;

        if (fin) {
            return (ssize_t) have;
        }
    }
}


static int
conn_read_full(conn_t *c, uint8_t *buf, size_t len, char *err,
    size_t errlen)
{
    size_t  n;

    while (len > 0) {
        if (c->ipos == c->iend) {
            c->ipos = c->iend = 0;
            if (conn_fill(c, err, errlen) < 0) {
                return -1;
            }
        }

        n = c->iend - c->ipos;
        n = n < len ? n : len;
        memcpy(buf, c->ib + c->ipos, n);
        c->ipos += n;
        buf += n;
        len -= n;
    }

    return 0;
}


/* More bytes at ib[iend]; the buffer must have room. */

static int
conn_fill(conn_t *c, char *err, size_t errlen)
{
    int      rc;
    ssize_t  n;

    for ( ;; ) {
        if (c->ssl != NULL) {
            rc = SSL_read(c->ssl, c->ib + c->iend,
                          (int) (sizeof(c->ib) - c->iend));
            if (rc > 0) {
                c->iend += (size_t) rc;
                return 0;
            }
            conn_io_error(c, rc, err, errlen);
            return -1;
        }

        n = read(c->fd, c->ib + c->iend, sizeof(c->ib) - c->iend);

        if (n > 0) {
            c->iend += (size_t) n;
            return 0;
        }

        if (n < 0 && errno == EINTR) {
            continue;
        }

        conn_io_error(c, n < 0 ? -1 : 0, err, errlen);
        return -1;
    }
}


static int
conn_write_full(conn_t *c, const uint8_t *buf, size_t len, char *err,
    size_t errlen)
{
    int      rc;
    ssize_t  n;

    while (len > 0) {
        if (c->ssl != NULL) {
            rc = SSL_write(c->ssl, buf, (int) len);
            if (rc <= 0) {
                conn_io_error(c, rc, err, errlen);
                return -1;
            }
            n = rc;

        } else {
            n = write(c->fd, buf, len);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                conn_io_error(c, -1, err, errlen);
                return -1;
            }
        }

        buf += n;
        len -= (size_t) n;
    }

    return 0;
}


/* rc: what read or SSL_read/SSL_write returned (0: end of stream). */

static void
conn_io_error(conn_t *c, int rc, char *err, size_t errlen)
{
    int  e;

    e = errno;

    if (rc == 0 && (c->ssl == NULL
                    || SSL_get_error(c->ssl, rc) == SSL_ERROR_ZERO_RETURN))
    {
        snprintf(err, errlen, "the server closed the connection");

    } else if (e == EAGAIN || e == EWOULDBLOCK) {
        snprintf(err, errlen, "the server did not answer in time");

    } else {
        snprintf(err, errlen, "%s", e ? strerror(e) : "connection lost");
    }
}
