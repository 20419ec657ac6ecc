
/*
 * Ten: a small blocking 9P2000 client (see client.h).
 */

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client.h"
#include "io.h"


#define CLI_ROOT    0
#define CLI_AFID    1
#define CLI_FID     2       /* one operation at a time: one working fid */
#define CLI_TAG     1


struct cli_s {
    cli_conf_t          conf;
    pthread_mutex_t     lock;
    int                 fd;         /* -1: dial on the next request */
    uint32_t            msize;
    uint8_t            *out;
    uint8_t            *in;
};


static int cli_dial(cli_t *c, char *err, size_t errlen);
static int cli_dial_addr(const cli_conf_t *conf, const char *addr,
    uint32_t afid, uint32_t root, uint32_t *msize, char *err, size_t errlen);
static int cli_stale(int fd);
static void cli_timeouts(int fd, int timeout_ms);
static int cli_auth(const cli_conf_t *conf, int fd, uint32_t msize,
    uint32_t afid, uint32_t root, char *err, size_t errlen);
static int cli_fd_rpc(int fd, uint8_t *out, uint8_t *in, uint32_t msize,
    ninep_fcall_t *t, ninep_fcall_t *r, char *err, size_t errlen);
static int cli_rpc(cli_t *c, ninep_fcall_t *t, ninep_fcall_t *r, char *err,
    size_t errlen);
static void cli_hangup(cli_t *c);
static int cli_walk(cli_t *c, const char *path, char *err, size_t errlen);
static void cli_clunk(cli_t *c, uint32_t fid);
static int cli_begin(cli_t *c, char *err, size_t errlen);


cli_t *
cli_new(const cli_conf_t *conf)
{
    cli_t  *c;

    c = calloc(1, sizeof(cli_t));
    if (c == NULL) {
        return NULL;
    }

    c->conf = *conf;
    c->fd = -1;
    c->out = malloc(conf->msize);
    c->in = malloc(conf->msize);

    if (c->out == NULL || c->in == NULL) {
        cli_free(c);
        return NULL;
    }

    pthread_mutex_init(&c->lock, NULL);

    return c;
}


void
cli_free(cli_t *c)
{
    if (c == NULL) {
        return;
    }

    cli_hangup(c);
    free(c->out);
    free(c->in);
    free(c);
}


/* Locked, and connected: every operation starts here. */

static int
cli_begin(cli_t *c, char *err, size_t errlen)
{
    pthread_mutex_lock(&c->lock);

    if (c->fd >= 0 && cli_stale(c->fd)) {
        cli_hangup(c);      /* the server went away since: dial again */
    }

    if (c->fd < 0 && cli_dial(c, err, errlen) < 0) {
        pthread_mutex_unlock(&c->lock);
        return -1;
    }

    return 0;
}


/*
 * Whether the idle connection was closed by the other side (a restarted
 * server): between requests nothing may come from it but that.
 */

static int
cli_stale(int fd)
{
    struct pollfd  p;

    p.fd = fd;
    p.events = POLLIN | POLLRDHUP;
    p.revents = 0;

    return poll(&p, 1, 0) > 0;
}


static int
cli_dial(cli_t *c, char *err, size_t errlen)
{
    c->fd = cli_dial_fd(&c->conf, CLI_AFID, CLI_ROOT, &c->msize, err,
                        errlen);

    return c->fd < 0 ? -1 : 0;
}


/*
 * conf->addr may name several servers, "host:port,host:port": each dial
 * tries them in order and keeps the first whose handshake completes (a
 * primary and its backups); the error is the last one's.
 */

int
cli_dial_fd(const cli_conf_t *conf, uint32_t afid, uint32_t root,
    uint32_t *msize, char *err, size_t errlen)
{
    int          fd;
    size_t       n;
    char         addr[256];
    const char  *p, *end;

    fd = -1;
    snprintf(err, errlen, "unavailable: no address in \"%s\"", conf->addr);

    for (p = conf->addr; fd < 0 && *p != '\0'; p = end + (*end == ',')) {
        end = strchr(p, ',');

        if (end == NULL) {
            end = p + strlen(p);
        }

        n = (size_t) (end - p);

        if (n == 0 || n >= sizeof(addr)) {
            snprintf(err, errlen, "unavailable: bad address in \"%s\"",
                     conf->addr);
            continue;
        }

        memcpy(addr, p, n);
        addr[n] = '\0';

        fd = cli_dial_addr(conf, addr, afid, root, msize, err, errlen);
    }

    return fd;
}


unsigned
cli_port(const char *s, size_t len)
{
    size_t    i;
    unsigned  port;

    port = 0;

    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9' || port > 6553) {
            return 0;
        }

        port = port * 10 + (unsigned) (s[i] - '0');
    }

    return port <= 65535 ? port : 0;
}


int
cli_addrs_check(const char *list, char *err, size_t errlen)
{
    int          n;
    size_t       len;
    unsigned     port;
    const char  *p, *next, *colon;

    for (p = list; ; p = next + 1) {
        next = strchr(p, ',');
        len = next ? (size_t) (next - p) : strlen(p);
        colon = memrchr(p, ':', len);
        n = (int) (len < 200 ? len : 200);

        port = (colon && colon > p)
               ? cli_port(colon + 1, len - (size_t) (colon + 1 - p)) : 0;

        if (port == 0) {
            snprintf(err, errlen, "bad address \"%.*s\" (expected "
                     "HOST:PORT, several separated by commas)", n, p);
            return -1;
        }

        if (next == NULL) {
            return 0;
        }
    }
}


static int
cli_dial_addr(const cli_conf_t *conf, const char *addr, uint32_t afid,
    uint32_t root, uint32_t *msize, char *err, size_t errlen)
{
    int            fd, rc;
    char           e[256];
    uint8_t        buf[256];
    ninep_fcall_t  t, r;

    fd = cli_tcp_connect(addr, conf->timeout_ms, e, sizeof(e));

    /* TLS first: its relay's plain end is the connection from here on */
    if (fd >= 0 && conf->tls) {
        fd = tls_start(conf->tls, fd, conf->timeout_ms, e, sizeof(e));

        if (fd >= 0) {
            cli_timeouts(fd, conf->timeout_ms);
        }
    }

    if (fd < 0) {
        snprintf(err, errlen, "unavailable: %s", e);
        return -1;
    }

    memset(&t, 0, sizeof(t));
    t.type = NINEP_TVERSION;
    t.tag = NINEP_NOTAG;
    t.msize = conf->msize;
    t.version = ninep_str("9P2000");

    rc = cli_fd_rpc(fd, buf, buf, sizeof(buf), &t, &r, e, sizeof(e));

    if (rc != 0 || !ninep_str_eq(r.version, "9P2000") || r.msize < 256
        || r.msize > conf->msize)
    {
        snprintf(err, errlen, "unavailable: Tversion: %s",
                 rc != 0 ? e : "refused");
        close(fd);
        return -1;
    }

    *msize = r.msize;

    if (cli_auth(conf, fd, r.msize, afid, root, e, sizeof(e)) < 0) {
        snprintf(err, errlen, "unavailable: %s", e);
        close(fd);
        return -1;
    }

    return fd;
}


int
cli_tcp_connect(const char *addr, int timeout_ms, char *err, size_t errlen)
{
    int               fd, rc, one;
    char              host[256], *port;
    struct addrinfo   hints, *ai, *a;

    snprintf(host, sizeof(host), "%s", addr);
    port = strrchr(host, ':');

    if (port == NULL) {
        snprintf(err, errlen, "bad address \"%s\"", addr);
        return -1;
    }

    *port++ = '\0';

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;

    rc = getaddrinfo(host, port, &hints, &ai);
    if (rc != 0) {
        snprintf(err, errlen, "%s: %s", addr, gai_strerror(rc));
        return -1;
    }

    fd = -1;

    for (a = ai; a; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC,
                    a->ai_protocol);
        if (fd < 0) {
            continue;
        }

        cli_timeouts(fd, timeout_ms);

        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
            break;
        }

        snprintf(err, errlen, "%s: %s", addr, strerror(errno));
        close(fd);
        fd = -1;
    }

    freeaddrinfo(ai);

    if (fd < 0) {
        return -1;
    }

    one = 1;
    (void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

    return fd;
}


/* Every wait on fd is bounded: a hung server fails the request. */

static void
cli_timeouts(int fd, int timeout_ms)
{
    struct timeval  tv;

    tv.tv_sec = timeout_ms / 1000;
    tv.tv_usec = (timeout_ms % 1000) * 1000;
    (void) setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    (void) setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}


/* ten-auth-1 as the client (DESIGN.md §2), then the attach. */

static int
cli_auth(const cli_conf_t *conf, int fd, uint32_t msize, uint32_t afid,
    uint32_t root, char *err, size_t errlen)
{
    int            n, rc;
    char           msg[TEN_AUTH_MSG_MAX];
    uint8_t       *buf;
    ten_auth_t     a;
    ninep_fcall_t  t, r;

    buf = malloc(msize);
    if (buf == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }

    rc = -1;

    memset(&a, 0, sizeof(a));
    snprintf(a.principal, sizeof(a.principal), "%s", conf->principal);
    snprintf(a.server, sizeof(a.server), "%s", conf->server);
    ten_random(a.cnonce, sizeof(a.cnonce));

    memset(&t, 0, sizeof(t));
    t.type = NINEP_TAUTH;
    t.afid = afid;
    t.uname = ninep_str(conf->principal);

    if (cli_fd_rpc(fd, buf, buf, msize, &t, &r, err, errlen) != 0) {
        goto done;
    }

    n = ten_auth_hello(&a, msg, sizeof(msg));

    memset(&t, 0, sizeof(t));
    t.type = NINEP_TWRITE;
    t.fid = afid;
    t.data = (uint8_t *) msg;
    t.count = (uint32_t) n;

    if (n < 0 || cli_fd_rpc(fd, buf, buf, msize, &t, &r, err, errlen) != 0) {
        goto done;
    }

    memset(&t, 0, sizeof(t));
    t.type = NINEP_TREAD;
    t.fid = afid;
    t.count = TEN_AUTH_MSG_MAX;

    if (cli_fd_rpc(fd, buf, buf, msize, &t, &r, err, errlen) != 0) {
        goto done;
    }

    if (ten_auth_check_server((const char *) r.data, r.count, &a,
                              conf->server_pk) < 0)
    {
        snprintf(err, errlen, "the server is not %s (its key or name "
                 "differs from the pinned one)", conf->server);
        goto done;
    }

    n = ten_auth_proof(&a, conf->identity, msg, sizeof(msg));

    memset(&t, 0, sizeof(t));
    t.type = NINEP_TWRITE;
    t.fid = afid;
    t.data = (uint8_t *) msg;
    t.count = (uint32_t) n;

    if (n < 0 || cli_fd_rpc(fd, buf, buf, msize, &t, &r, err, errlen) != 0) {
        goto done;
    }

    memset(&t, 0, sizeof(t));
    t.type = NINEP_TATTACH;
    t.fid = root;
    t.afid = afid;
    t.uname = ninep_str(conf->principal);

    if (cli_fd_rpc(fd, buf, buf, msize, &t, &r, err, errlen) != 0) {
        goto done;
    }

    memset(&t, 0, sizeof(t));
    t.type = NINEP_TCLUNK;
    t.fid = afid;

    rc = cli_fd_rpc(fd, buf, buf, msize, &t, &r, err, errlen) != 0 ? -1 : 0;

done:

    free(buf);

    return rc;
}


/*
 * One request and its reply on fd, out packing it and in receiving (they
 * may be one buffer).  0; 1 for an Rerror (its text in err); -1 when there
 * is no good reply (why in err: the connection is not to be used again).
 */

static int
cli_fd_rpc(int fd, uint8_t *out, uint8_t *in, uint32_t msize,
    ninep_fcall_t *t, ninep_fcall_t *r, char *err, size_t errlen)
{
    ssize_t   n;
    int64_t   size;

    if (t->type != NINEP_TVERSION) {
        t->tag = CLI_TAG;
    }

    n = ninep_pack(t, out, msize);

    if (n < 0) {
        snprintf(err, errlen, "request too large");
        return -1;
    }

    errno = 0;

    if (io_write_full(fd, out, (size_t) n) < 0
        || io_read_full(fd, in, 4) < 0)
    {
        snprintf(err, errlen, "%s",
                 errno ? strerror(errno) : "connection closed");
        return -1;
    }

    size = ninep_peek_size(in, 4);

    if (size < 7 || size > msize
        || io_read_full(fd, in + 4, (size_t) size - 4) < 0
        || ninep_unpack(in, (size_t) size, msize, NINEP_R, r) != NINEP_OK
        || r->tag != t->tag)
    {
        snprintf(err, errlen, "bad reply");
        return -1;
    }

    if (r->type == NINEP_RERROR) {
        snprintf(err, errlen, "%.*s", (int) r->ename.len, r->ename.data);
        return 1;
    }

    if (r->type != t->type + 1) {
        snprintf(err, errlen, "unexpected reply");
        return -1;
    }

    return 0;
}


/*
 * One request of c's and its reply.  -1 with err: the Rerror's text, or
 * why there is no reply (the connection is then closed).
 */

static int
cli_rpc(cli_t *c, ninep_fcall_t *t, ninep_fcall_t *r, char *err,
    size_t errlen)
{
    int   rc;
    char  why[200];

    if (c->fd < 0) {
        snprintf(err, errlen, "unavailable: connection lost");
        return -1;
    }

    rc = cli_fd_rpc(c->fd, c->out, c->in, c->msize ? c->msize : c->conf.msize,
                    t, r, why, sizeof(why));

    if (rc < 0) {
        snprintf(err, errlen, "unavailable: %s", why);
        cli_hangup(c);
        return -1;
    }

    if (rc > 0) {
        snprintf(err, errlen, "%s", why);
        return -1;
    }

    return 0;
}


static void
cli_hangup(cli_t *c)
{
    if (c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
    }

    c->msize = 0;
}


/* CLI_FID at path, walked from the root. */

static int
cli_walk(cli_t *c, const char *path, char *err, size_t errlen)
{
    const char     *p, *name;
    ninep_fcall_t   t, r;

    memset(&t, 0, sizeof(t));
    t.type = NINEP_TWALK;
    t.fid = CLI_ROOT;
    t.newfid = CLI_FID;

    for (p = path; *p; /* void */) {
        if (*p == '/') {
            p++;
            continue;
        }

        name = p;

        while (*p && *p != '/') {
            p++;
        }

        if (t.nwname == NINEP_MAXWELEM) {
            snprintf(err, errlen, "path too deep");
            return -1;
        }

        t.wname[t.nwname].data = (const uint8_t *) name;
        t.wname[t.nwname].len = (uint16_t) (p - name);
        t.nwname++;
    }

    if (cli_rpc(c, &t, &r, err, errlen) < 0) {
        return -1;
    }

    if (r.nwqid != t.nwname) {
        /* walk(5): a short walk made no fid */
        snprintf(err, errlen, "file does not exist");
        return -1;
    }

    return 0;
}


static void
cli_clunk(cli_t *c, uint32_t fid)
{
    char           err[64];
    ninep_fcall_t  t, r;

    memset(&t, 0, sizeof(t));
    t.type = NINEP_TCLUNK;
    t.fid = fid;

    (void) cli_rpc(c, &t, &r, err, sizeof(err));
}


/* Opens CLI_FID at path with mode. */

static int
cli_open(cli_t *c, const char *path, uint8_t mode, char *err, size_t errlen)
{
    ninep_fcall_t  t, r;

    if (cli_walk(c, path, err, errlen) < 0) {
        return -1;
    }

    memset(&t, 0, sizeof(t));
    t.type = NINEP_TOPEN;
    t.fid = CLI_FID;
    t.mode = mode;

    if (cli_rpc(c, &t, &r, err, errlen) < 0) {
        cli_clunk(c, CLI_FID);
        return -1;
    }

    return 0;
}


/* Reads open CLI_FID from offset 0 to its end, up to max bytes. */

static int
cli_read_all(cli_t *c, size_t max, char **data, size_t *len, char *err,
    size_t errlen)
{
    char           *buf, *nbuf;
    size_t          n, cap;
    ninep_fcall_t   t, r;

    buf = NULL;
    n = 0;
    cap = 0;

    for ( ;; ) {
        memset(&t, 0, sizeof(t));
        t.type = NINEP_TREAD;
        t.fid = CLI_FID;
        t.offset = n;
        t.count = c->msize - NINEP_IOHDRSZ;

        if (cli_rpc(c, &t, &r, err, errlen) < 0) {
            free(buf);
            return -1;
        }

        if (r.count == 0) {
            break;
        }

        if (n + r.count > max) {
            snprintf(err, errlen, "file too large");
            free(buf);
            return -1;
        }

        if (n + r.count + 1 > cap) {
            cap = n + r.count + 1 + cap;
            nbuf = realloc(buf, cap);
            if (nbuf == NULL) {
                snprintf(err, errlen, "out of memory");
                free(buf);
                return -1;
            }
            buf = nbuf;
        }

        memcpy(buf + n, r.data, r.count);
        n += r.count;
    }

    if (buf == NULL) {
        buf = malloc(1);
        if (buf == NULL) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    }

    buf[n] = '\0';
    *data = buf;
    *len = n;

    return 0;
}


int
cli_read_file(cli_t *c, const char *path, size_t max, char **data,
    size_t *len, char *err, size_t errlen)
{
    int  rc;

    if (cli_begin(c, err, errlen) < 0) {
        return -1;
    }

    rc = cli_open(c, path, NINEP_OREAD, err, errlen);

    if (rc == 0) {
        rc = cli_read_all(c, max, data, len, err, errlen);
        cli_clunk(c, CLI_FID);
    }

    pthread_mutex_unlock(&c->lock);

    return rc;
}


int
cli_list(cli_t *c, const char *path,
    void (*each)(const char *name, size_t len, void *arg), void *arg,
    char *err, size_t errlen)
{
    int            rc;
    char          *data;
    size_t         len, off, used;
    ninep_stat_t   st;

    if (cli_begin(c, err, errlen) < 0) {
        return -1;
    }

    rc = cli_open(c, path, NINEP_OREAD, err, errlen);

    if (rc == 0) {
        rc = cli_read_all(c, 16 << 20, &data, &len, err, errlen);
        cli_clunk(c, CLI_FID);
    }

    pthread_mutex_unlock(&c->lock);

    if (rc < 0) {
        return -1;
    }

    for (off = 0; off < len; off += used) {
        if (ninep_stat_unpack((uint8_t *) data + off, len - off, &st, &used)
            != 0)
        {
            break;
        }

        each((const char *) st.name.data, st.name.len, arg);
    }

    free(data);

    return 0;
}


int
cli_create_file(cli_t *c, const char *dir, const char *name, uint32_t perm,
    const char *data, size_t len, char *err, size_t errlen)
{
    int            rc;
    char           why[64];
    size_t         off, n;
    ninep_fcall_t  t, r;

    if (cli_begin(c, err, errlen) < 0) {
        return -1;
    }

    rc = cli_walk(c, dir, err, errlen);

    if (rc == 0) {
        memset(&t, 0, sizeof(t));
        t.type = NINEP_TCREATE;
        t.fid = CLI_FID;
        t.name = ninep_str(name);
        t.perm = perm;
        t.mode = NINEP_OWRITE;

        rc = cli_rpc(c, &t, &r, err, errlen);

        for (off = 0; rc == 0 && off < len; off += n) {
            n = len - off;
            if (n > c->msize - NINEP_IOHDRSZ) {
                n = c->msize - NINEP_IOHDRSZ;
            }

            memset(&t, 0, sizeof(t));
            t.type = NINEP_TWRITE;
            t.fid = CLI_FID;
            t.offset = off;
            t.count = (uint32_t) n;
            t.data = (const uint8_t *) data + off;

            rc = cli_rpc(c, &t, &r, err, errlen);

            if (rc == 0 && r.count != n) {
                snprintf(err, errlen, "short write");
                rc = -1;
            }

            if (rc < 0) {
                /* never leave it half written */
                memset(&t, 0, sizeof(t));
                t.type = NINEP_TREMOVE;
                t.fid = CLI_FID;
                (void) cli_rpc(c, &t, &r, why, sizeof(why));
                pthread_mutex_unlock(&c->lock);
                return -1;
            }
        }

        cli_clunk(c, CLI_FID);
    }

    pthread_mutex_unlock(&c->lock);

    return rc;
}


int
cli_mkdir(cli_t *c, const char *dir, const char *name, uint32_t perm,
    char *err, size_t errlen)
{
    int            rc;
    char           path[1024];
    ninep_fcall_t  t, r;

    if (cli_begin(c, err, errlen) < 0) {
        return -1;
    }

    snprintf(path, sizeof(path), "%s/%s", dir, name);

    if (cli_walk(c, path, err, errlen) == 0) {
        cli_clunk(c, CLI_FID);
        pthread_mutex_unlock(&c->lock);
        return 0;
    }

    rc = cli_walk(c, dir, err, errlen);

    if (rc == 0) {
        memset(&t, 0, sizeof(t));
        t.type = NINEP_TCREATE;
        t.fid = CLI_FID;
        t.name = ninep_str(name);
        t.perm = perm | NINEP_DMDIR;
        t.mode = NINEP_OREAD;

        rc = cli_rpc(c, &t, &r, err, errlen);
        cli_clunk(c, CLI_FID);
    }

    pthread_mutex_unlock(&c->lock);

    return rc;
}


int
cli_remove(cli_t *c, const char *path, char *err, size_t errlen)
{
    int            rc;
    ninep_fcall_t  t, r;

    if (cli_begin(c, err, errlen) < 0) {
        return -1;
    }

    rc = cli_walk(c, path, err, errlen);

    if (rc == 0) {
        memset(&t, 0, sizeof(t));
        t.type = NINEP_TREMOVE;
        t.fid = CLI_FID;
        rc = cli_rpc(c, &t, &r, err, errlen);
    }

    pthread_mutex_unlock(&c->lock);

    return rc;
}
