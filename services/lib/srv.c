
/*
 * Ten: the 9P2000 server loop every service shares.
 *
 * Threads: srv_run() accepts; one reader thread per connection decodes
 * requests in order and does everything that must happen in that order
 * (tags, fid allocation and release, flush, version, auth); a pool of
 * worker threads runs the service's operations.  A connection is freed by
 * its reader once every request it accepted has been answered.
 *
 * Fids: the table holds one reference to each fid in it, every request
 * that names a fid one more.  A Tattach, a Tauth or a Twalk's newfid puts
 * a *reserved* fid in the table; a request that names a reserved fid does
 * not bind to it (no reference, nothing run on it) but waits on it, and
 * is started again when the reserving request is answered: it then finds
 * the fid made, or gone ("unknown fid").  So no operation ever runs on a
 * fid without its service state, and only conn_settle() and a clunk or
 * remove take a fid out of the table, each dropping the table's reference
 * once.
 */

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "io.h"
#include "srv.h"
#include "srv_auth.h"


#define SRV_FID_BUCKETS  256

#define SRV_CHANGES_FID     1
#define SRV_CHANGES_NEWFID  2

/* what a connection's reader reads ahead */
#define SRV_INPUT_SIZE      4096

/* a TLS client has this long to finish its handshake */
#define SRV_TLS_TIMEOUT_MS  5000


typedef struct {
    uint8_t             buf[SRV_INPUT_SIZE];
    size_t              pos;        /* the next request starts here */
    size_t              len;        /* bytes buffered from pos */
} srv_input_t;


struct srv_conn_s {
    srv_t              *srv;
    int                 fd;
    int                 tls;        /* to shake hands first */
    char                peer[64];
    uint32_t            msize;

    pthread_mutex_t     wlock;      /* one reply at a time on the wire */

    pthread_mutex_t     lock;       /* everything below */
    pthread_cond_t      idle;       /* signalled when nreqs drops */
    srv_fid_t          *fids[SRV_FID_BUCKETS];
    unsigned            nfids;
    srv_req_t          *reqs;       /* accepted, not yet answered */
    unsigned            nreqs;
    int                 resetting;  /* Tversion: drop replies */
    int                 dead;

    /* host authentication */
    char                principal[TEN_NAME_MAX + 1];
    unsigned            roles;

    srv_conn_t         *next;       /* srv->conns */
};


struct srv_s {
    srv_conf_t          conf;
    int                 tcp_fd;
    int                 unix_fd;
    int                 stop_pipe[2];

    pthread_mutex_t     lock;
    pthread_cond_t      work;
    srv_req_t          *queue;
    srv_req_t          *queue_tail;
    unsigned            nqueued;    /* in queue, not yet taken */
    unsigned            nthreads;
    unsigned            nidle;
    unsigned            nconns;
    unsigned long       nfids;
    srv_conn_t         *conns;
    pthread_cond_t      gone;       /* signalled when nconns drops */

    /* requests waiting for a descriptor, watched by one thread */
    int                 epfd;
    srv_req_t          *sleeping;
    int                 waiter_started;
};


static int srv_control(srv_t *srv);
static void srv_shutdown(srv_t *srv);
static int listen_tcp(const char *addr);
static int listen_unix(const char *path);
static void accept_one(srv_t *srv, int lfd);
static int conn_fill(srv_conn_t *c, srv_input_t *in, size_t want);
static int conn_tls(srv_conn_t *c);
static void conn_send_timeout(srv_conn_t *c);
static void *conn_reader(void *arg);
static void conn_dispatch(srv_conn_t *c, srv_req_t *r);
static void conn_start(srv_conn_t *c, srv_req_t *r);
static void conn_settle(srv_conn_t *c, srv_fid_t *f, int made);
static srv_fid_t *conn_made_fid(srv_req_t *r);
static void conn_version(srv_conn_t *c, srv_req_t *r);
static void conn_flush(srv_conn_t *c, srv_req_t *r);
static int conn_bind_fids(srv_conn_t *c, srv_req_t *r);
static int conn_check_attach(srv_conn_t *c, srv_req_t *r);
static void conn_drain(srv_conn_t *c);
static void conn_order(srv_conn_t *c, srv_req_t *r);
static void conn_unpark(srv_conn_t *c, srv_fid_t *f);
static void conn_free_fids(srv_conn_t *c);
static void conn_free(srv_conn_t *c);
static srv_fid_t *fid_lookup(srv_conn_t *c, uint32_t fid);
static srv_fid_t *fid_new(srv_conn_t *c, uint32_t fid, const char *uname);
static void fid_unlink(srv_conn_t *c, srv_fid_t *f);
static void fid_put(srv_fid_t *f);
static srv_req_t *req_find(srv_conn_t *c, uint16_t tag);
static void req_unlink(srv_conn_t *c, srv_req_t *r);
static void req_free(srv_req_t *r);
static void send_fcall(srv_conn_t *c, ninep_fcall_t *f);
static void send_locked(srv_conn_t *c, ninep_fcall_t *f);
static void pool_submit(srv_t *srv, srv_req_t *r);
static void *pool_worker(void *arg);
static void run_request(srv_req_t *r);
static void *waiter(void *arg);
static void wake(srv_t *srv, srv_req_t *r);
static void on_signal(int sig);


/* the server srv_run() serves, for the signal handler */
static srv_t  *srv_signalled;


int
srv_listen(srv_t **srvp, const srv_conf_t *conf)
{
    srv_t             *srv;
    struct sigaction   sa;

    signal(SIGPIPE, SIG_IGN);

    srv = calloc(1, sizeof(srv_t));
    if (srv == NULL) {
        srv_log("out of memory");
        return -1;
    }

    srv->conf = *conf;
    srv->tcp_fd = -1;
    srv->unix_fd = -1;
    srv->epfd = -1;
    pthread_mutex_init(&srv->lock, NULL);
    pthread_cond_init(&srv->work, NULL);
    pthread_cond_init(&srv->gone, NULL);

    if (pipe2(srv->stop_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
        srv_log("pipe: %s", strerror(errno));
        free(srv);
        return -1;
    }

    /* answered before the port opens: nobody can ask too early */
    srv_signalled = srv;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);

    if (conf->tcp) {
        srv->tcp_fd = listen_tcp(conf->tcp);
        if (srv->tcp_fd < 0) {
            return -1;
        }
    }

    if (conf->unix_path) {
        srv->unix_fd = listen_unix(conf->unix_path);
        if (srv->unix_fd < 0) {
            return -1;
        }
    }

    *srvp = srv;

    return 0;
}


static int
listen_tcp(const char *addr)
{
    int               fd, one, rc;
    char              host[256], *port;
    struct addrinfo   hints, *ai;

    snprintf(host, sizeof(host), "%s", addr);
    port = strrchr(host, ':');

    if (port == NULL || port == host) {
        srv_log("listen address \"%s\" is not ADDR:PORT", addr);
        return -1;
    }

    *port++ = '\0';

    if (host[0] == '[' && port[-2] == ']') {
        port[-2] = '\0';
        memmove(host, host + 1, strlen(host));
    }

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;

    rc = getaddrinfo(host, port, &hints, &ai);
    if (rc != 0) {
        srv_log("listen address \"%s\": %s", addr, gai_strerror(rc));
        return -1;
    }

    fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    one = 1;

    if (fd < 0
        || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0
        || bind(fd, ai->ai_addr, ai->ai_addrlen) < 0
        || listen(fd, 512) < 0)
    {
        srv_log("listen on %s: %s", addr, strerror(errno));
        freeaddrinfo(ai);
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }

    freeaddrinfo(ai);

    return fd;
}


static int
listen_unix(const char *path)
{
    int                 fd;
    struct sockaddr_un  sun;

    if (strlen(path) >= sizeof(sun.sun_path)) {
        srv_log("unix socket path too long: %s", path);
        return -1;
    }

    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    strcpy(sun.sun_path, path);
    unlink(path);

    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd < 0
        || bind(fd, (struct sockaddr *) &sun, sizeof(sun)) < 0
        || listen(fd, 512) < 0)
    {
        srv_log("listen on %s: %s", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }

    return fd;
}


int
srv_run(srv_t *srv)
{
    int            n;
    struct pollfd  pfd[3];


    for ( ;; ) {
        pfd[0].fd = srv->stop_pipe[0];
        pfd[1].fd = srv->tcp_fd;
        pfd[2].fd = srv->unix_fd;
        pfd[0].events = pfd[1].events = pfd[2].events = POLLIN;

        n = poll(pfd, 3, -1);

        if (n < 0 && errno == EINTR) {
            continue;
        }

        if (n < 0) {
            srv_log("poll: %s", strerror(errno));
            return -1;
        }

        if (pfd[0].revents && srv_control(srv)) {
            break;
        }

        if (pfd[1].revents & POLLIN) {
            accept_one(srv, srv->tcp_fd);
        }

        if (pfd[2].revents & POLLIN) {
            accept_one(srv, srv->unix_fd);
        }
    }

    if (srv->conf.unix_path) {
        unlink(srv->conf.unix_path);
    }

    srv_shutdown(srv);

    return 0;
}


/*
 * A clean stop: no new connections; every connection is shut down, its
 * requests run out (blocked ones are woken as flushed), its fids are
 * destroyed; then srv_run() returns, with nothing of the server in use.
 */

static void
srv_shutdown(srv_t *srv)
{
    srv_conn_t       *c;
    struct timespec   deadline;

    if (srv->tcp_fd >= 0) {
        close(srv->tcp_fd);
        srv->tcp_fd = -1;
    }

    if (srv->unix_fd >= 0) {
        close(srv->unix_fd);
        srv->unix_fd = -1;
    }

    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 10;

    pthread_mutex_lock(&srv->lock);

    for (c = srv->conns; c; c = c->next) {
        shutdown(c->fd, SHUT_RDWR);
    }

    while (srv->nconns > 0) {
        if (pthread_cond_timedwait(&srv->gone, &srv->lock, &deadline) != 0) {
            srv_log("%u connections did not end in time", srv->nconns);
            break;
        }
    }

    pthread_mutex_unlock(&srv->lock);
}


/* Reads what signal handlers sent; returns 1 to stop. */

static int
srv_control(srv_t *srv)
{
    int            stop;
    char           c;
    unsigned long  done, resumed;

    stop = 0;

    while (read(srv->stop_pipe[0], &c, 1) == 1) {
        if (c == 's') {
            stop = 1;

        } else {
            pthread_mutex_lock(&srv->lock);
            srv_log("connections %u, fids %lu, threads %u", srv->nconns,
                    srv->nfids, srv->nthreads);
            pthread_mutex_unlock(&srv->lock);

            if (srv->conf.tls) {
                tls_counts(srv->conf.tls, &done, &resumed);
                srv_log("TLS handshakes %lu, resumed %lu", done, resumed);
            }
        }
    }

    return stop;
}


static void
srv_signal(srv_t *srv, char c)
{
    int  saved;

    saved = errno;
    (void) !write(srv->stop_pipe[1], &c, 1);
    errno = saved;
}


/* The signals srv_run() answers: SIGTERM and SIGINT stop, SIGUSR1 reports. */

static void
on_signal(int sig)
{
    srv_signal(srv_signalled, sig == SIGUSR1 ? 'r' : 's');
}


static void
accept_one(srv_t *srv, int lfd)
{
    int                      fd, one;
    pthread_t                tid;
    srv_conn_t              *c;
    socklen_t                len;
    pthread_attr_t           attr;
    struct sockaddr_storage  ss;

    len = sizeof(ss);
    fd = accept4(lfd, (struct sockaddr *) &ss, &len, SOCK_CLOEXEC);

    if (fd < 0) {
        if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
            srv_log("accept: %s", strerror(errno));
            /* EMFILE and friends: do not spin */
            usleep(10000);
        }
        return;
    }

    pthread_mutex_lock(&srv->lock);

    if (srv->nconns >= srv->conf.max_conns) {
        pthread_mutex_unlock(&srv->lock);
        srv_log("too many connections (%u), refusing one",
                srv->conf.max_conns);
        close(fd);
        return;
    }

    srv->nconns++;
    pthread_mutex_unlock(&srv->lock);

    one = 1;
    (void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

    c = calloc(1, sizeof(srv_conn_t));
    if (c == NULL) {
        goto failed;
    }

    c->srv = srv;
    c->fd = fd;
    c->tls = (lfd == srv->tcp_fd && srv->conf.tls != NULL);
    c->msize = srv->conf.msize;
    pthread_mutex_init(&c->wlock, NULL);
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->idle, NULL);

    if (ss.ss_family == AF_UNIX) {
        snprintf(c->peer, sizeof(c->peer), "unix:%d", fd);

    } else if (getnameinfo((struct sockaddr *) &ss, len, c->peer,
                           sizeof(c->peer) - 8, NULL, 0, NI_NUMERICHOST)
               == 0)
    {
        snprintf(c->peer + strlen(c->peer), 8, ":%u",
                 ntohs(ss.ss_family == AF_INET6
                       ? ((struct sockaddr_in6 *) &ss)->sin6_port
                       : ((struct sockaddr_in *) &ss)->sin_port));
    }

    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 256 * 1024);

    pthread_mutex_lock(&srv->lock);
    c->next = srv->conns;
    srv->conns = c;
    pthread_mutex_unlock(&srv->lock);

    if (pthread_create(&tid, &attr, conn_reader, c) != 0) {
        pthread_attr_destroy(&attr);
        pthread_mutex_lock(&srv->lock);
        srv->conns = c->next;   /* nothing else can have come since */
        pthread_mutex_unlock(&srv->lock);
        free(c);
        goto failed;
    }

    pthread_attr_destroy(&attr);

    return;

failed:

    srv_log("cannot serve a new connection: %s", strerror(errno));
    close(fd);
    pthread_mutex_lock(&srv->lock);
    srv->nconns--;
    pthread_mutex_unlock(&srv->lock);
}


/*
 * Makes at least want bytes of the input buffered in in->buf from in->pos;
 * one read takes whatever has arrived, often a whole request or several.
 */

static int
conn_fill(srv_conn_t *c, srv_input_t *in, size_t want)
{
    ssize_t  n;

    if (in->pos > 0) {
        memmove(in->buf, in->buf + in->pos, in->len);
        in->pos = 0;
    }

    while (in->len < want) {
        n = read(c->fd, in->buf + in->len, sizeof(in->buf) - in->len);

        if (n < 0 && errno == EINTR) {
            continue;
        }

        if (n <= 0) {
            return -1;
        }

        in->len += (size_t) n;
    }

    return 0;
}


/*
 * On the connection's own thread, so a slow or broken handshake holds up
 * nobody else: from then on c->fd is the plain end of the TLS relay.
 */

static int
conn_tls(srv_conn_t *c)
{
    int   fd;
    char  err[256];

    /*
     * The handshake and the relay take a copy of the socket: tls_start()
     * closes it when it fails, the relay when the peer goes, and c->fd's
     * number, which srv_shutdown() shuts down, is not reused meanwhile.
     */
    fd = fcntl(c->fd, F_DUPFD_CLOEXEC, 0);

    if (fd < 0) {
        snprintf(err, sizeof(err), "TLS: cannot copy the socket: %s",
                 strerror(errno));
    } else {
        fd = tls_start(c->srv->conf.tls, fd, SRV_TLS_TIMEOUT_MS, err,
                       sizeof(err));
    }

    /* under the server's lock: srv_shutdown() shuts c->fd down */
    pthread_mutex_lock(&c->srv->lock);
    close(c->fd);
    c->fd = fd;
    pthread_mutex_unlock(&c->srv->lock);

    if (fd < 0) {
        srv_log("%s: %s, closing", c->peer, err);
        return -1;
    }

    return 0;
}


/*
 * A reply's write waits at most -W seconds for the client to read: one
 * that stops reading cannot hold the connection's writers, and the worker
 * threads waiting for them, for ever.  On the TLS relay's plain end the
 * relay, which is slowed by the same client, is what stops reading.
 */

static void
conn_send_timeout(srv_conn_t *c)
{
    struct timeval  tv;

    tv.tv_sec = c->srv->conf.send_timeout;
    tv.tv_usec = 0;

    (void) setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}


/* Reads, checks and dispatches requests in order until the peer goes. */

static void *
conn_reader(void *arg)
{
    int           rc;
    size_t        n;
    uint8_t      *hdr;
    uint32_t      size;
    srv_req_t    *r;
    srv_conn_t   *c;
    srv_input_t   in;       /* on the stack: an idle connection holds none */

    c = arg;
    in.pos = 0;
    in.len = 0;

    if (c->tls && conn_tls(c) < 0) {
        conn_free(c);
        return NULL;
    }

    conn_send_timeout(c);

    for ( ;; ) {
        if (in.len < 4 && conn_fill(c, &in, 4) < 0) {
            break;
        }

        hdr = in.buf + in.pos;
        size = (uint32_t) hdr[0] | (uint32_t) hdr[1] << 8
               | (uint32_t) hdr[2] << 16 | (uint32_t) hdr[3] << 24;

        if (size < NINEP_HDRSZ || size > c->msize) {
            srv_log("%s: message size %u outside 7..%u, closing", c->peer,
                    size, c->msize);
            break;
        }

        r = calloc(1, sizeof(srv_req_t));
        if (r == NULL || (r->buf = malloc(size)) == NULL) {
            free(r);
            srv_log("%s: out of memory, closing", c->peer);
            break;
        }

        r->conn = c;

        /* what is buffered, then the rest straight into the request */
        n = in.len < size ? in.len : size;
        memcpy(r->buf, in.buf + in.pos, n);
        in.pos += n;
        in.len -= n;

        if (n < size && io_read_full(c->fd, r->buf + n, size - n) < 0) {
            req_free(r);
            break;
        }

        rc = ninep_unpack(r->buf, size, c->msize, NINEP_T, &r->t);

        if (rc != NINEP_OK) {
            srv_log("%s: malformed 9P: %s, closing", c->peer,
                    ninep_strerror(rc));
            req_free(r);
            break;
        }

        conn_dispatch(c, r);
    }

    conn_drain(c);
    conn_free(c);

    return NULL;
}






/*
 * In the reader thread: registers the tag, binds the fids, answers what
 * the library owns, and queues the rest for a worker.
 */

static void
conn_dispatch(srv_conn_t *c, srv_req_t *r)
{
    const char  *err;

    if (r->t.type == NINEP_TVERSION) {
        conn_version(c, r);
        return;
    }

    pthread_mutex_lock(&c->lock);

    err = NULL;

    if (r->t.tag == NINEP_NOTAG) {
        err = "NOTAG is only for Tversion";

    } else if (req_find(c, r->t.tag)) {
        err = "tag in use";

    } else if (c->nreqs >= c->srv->conf.max_requests) {
        err = "too many outstanding requests";
    }

    if (err) {
        pthread_mutex_unlock(&c->lock);
        srv_error(r, err);
        return;
    }

    r->next = c->reqs;
    c->reqs = r;
    c->nreqs++;
    r->registered = 1;

    pthread_mutex_unlock(&c->lock);

    if (r->t.type == NINEP_TFLUSH) {
        conn_flush(c, r);
        return;
    }

    conn_start(c, r);
}


/* A registered request: its fids, then auth, attach checks, its turn. */

static void
conn_start(srv_conn_t *c, srv_req_t *r)
{
    if (conn_bind_fids(c, r) != 0) {
        return;     /* answered, or waiting for its fid to be made */
    }

    if (r->t.type == NINEP_TAUTH) {
        srv_auth_start(r, c->srv->conf.identity, c->srv->conf.trust,
                       c->srv->conf.name);
        return;
    }

    if (r->fid && r->fid->auth) {
        srv_auth_io(r, c->srv->conf.identity, c->srv->conf.trust);
        return;
    }

    if (r->t.type == NINEP_TATTACH && conn_check_attach(c, r) < 0) {
        return;
    }

    conn_order(c, r);
}


/*
 * A client may send dependent requests without waiting (walk, open, read
 * one fid): each runs once the requests before it that change its fids
 * (attach, walk, open, create, clunk, remove, wstat; writes too where
 * the service orders them) are done.  Reads, writes and stats do not
 * otherwise wait for one another.
 *
 * A quick request that is the connection's only one runs here and now:
 * nothing else of the connection can wait for it.  Only the reader finds
 * nreqs at 1 (conn_settle runs while the request it answers still
 * counts), and only the reader adds requests, so none can come meanwhile.
 */

static void
conn_order(srv_conn_t *c, srv_req_t *r)
{
    int         alone;
    srv_fid_t  *blocker;

    switch (r->t.type) {
    case NINEP_TREAD:
    case NINEP_TSTAT:
        r->changes = 0;
        break;
    case NINEP_TWRITE:
        r->changes = c->srv->conf.ordered_writes ? SRV_CHANGES_FID : 0;
        break;
    case NINEP_TWALK:
        /* a walk to a new fid only reads the old one */
        r->changes = r->newfid ? SRV_CHANGES_NEWFID : SRV_CHANGES_FID;
        break;
    default:
        r->changes = SRV_CHANGES_FID;
    }

    pthread_mutex_lock(&c->lock);

    blocker = NULL;

    if (r->fid && r->fid->changing > 0) {
        blocker = r->fid;
    }

    if (r->changes & SRV_CHANGES_FID) {
        r->fid->changing++;
    }

    if (r->changes & SRV_CHANGES_NEWFID) {
        r->newfid->changing++;
    }

    if (blocker) {
        r->qnext = NULL;
        *blocker->parked_last = r;
        blocker->parked_last = &r->qnext;
        pthread_mutex_unlock(&c->lock);
        return;
    }

    alone = (c->nreqs == 1);

    pthread_mutex_unlock(&c->lock);

    if (alone && c->srv->conf.quick && c->srv->conf.quick(r)) {
        run_request(r);
        return;
    }

    pool_submit(c->srv, r);
}


/* A change to f is done: what waited for it may run, up to the next. */

static void
conn_unpark(srv_conn_t *c, srv_fid_t *f)
{
    srv_req_t  *r, *run, **last;

    run = NULL;
    last = &run;

    pthread_mutex_lock(&c->lock);

    f->changing--;

    while (f->parked) {
        r = f->parked;
        f->parked = r->qnext;
        r->qnext = NULL;
        *last = r;
        last = &r->qnext;

        /* the next change to f: what follows it waits for it in turn */
        if (r->changes & SRV_CHANGES_FID) {
            break;
        }
    }

    if (f->parked == NULL) {
        f->parked_last = &f->parked;
    }

    pthread_mutex_unlock(&c->lock);

    /* in arrival order */
    while (run) {
        r = run;
        run = r->qnext;
        pool_submit(c->srv, r);
    }
}


/*
 * version(5): aborts everything outstanding and frees every fid.  Replies
 * to aborted requests are dropped; Rversion is the next thing sent.
 */

static void
conn_version(srv_conn_t *c, srv_req_t *r)
{
    size_t         vlen;
    ninep_fcall_t  rf;

    pthread_mutex_lock(&c->lock);

    c->resetting = 1;

    for (srv_req_t *q = c->reqs; q; q = q->next) {
        __atomic_store_n(&q->flushed, 1, __ATOMIC_RELAXED);
    }

    while (c->nreqs > 0) {
        pthread_cond_wait(&c->idle, &c->lock);
    }

    conn_free_fids(c);

    c->principal[0] = '\0';
    c->roles = 0;
    c->resetting = 0;

    pthread_mutex_unlock(&c->lock);

    vlen = sizeof(NINEP_VERSION) - 1;

    rf.type = NINEP_RVERSION;
    rf.tag = r->t.tag;

    if (r->t.msize < 256) {
        srv_error(r, "msize too small");
        return;
    }

    rf.msize = r->t.msize < c->srv->conf.msize ? r->t.msize
                                               : c->srv->conf.msize;

    if (r->t.version.len >= vlen
        && memcmp(r->t.version.data, NINEP_VERSION, vlen) == 0
        && (r->t.version.len == vlen || r->t.version.data[vlen] == '.'))
    {
        rf.version = ninep_str(NINEP_VERSION);
        c->msize = rf.msize;

    } else {
        rf.version = ninep_str("unknown");
    }

    send_fcall(c, &rf);
    req_free(r);
}


/*
 * flush(5): Rflush must not overtake the flushed request's reply.  If that
 * reply has not gone out yet, the Tflush waits for it; the flushed request
 * still runs (a queued one answers "interrupted" without doing anything,
 * a running one may stop early: srv_flushed()).
 */

static void
conn_flush(srv_conn_t *c, srv_req_t *r)
{
    srv_req_t     *old;
    ninep_fcall_t  rf;

    pthread_mutex_lock(&c->lock);

    old = req_find(c, r->t.oldtag);

    if (old && old != r && old->t.type != NINEP_TFLUSH && !old->answered) {
        __atomic_store_n(&old->flushed, 1, __ATOMIC_RELAXED);
        r->flush_next = old->flushes;
        old->flushes = r;
        pthread_mutex_unlock(&c->lock);
        return;
    }

    pthread_mutex_unlock(&c->lock);

    rf.type = NINEP_RFLUSH;
    srv_respond(r, &rf);
}


/*
 * Takes references on the fids a request names and reserves the one it
 * makes (Tattach, Tauth, a Twalk's newfid), so later requests on the
 * connection see the effect in order.  0: bound; -1: answered; 1: it
 * waits for a reserved fid (conn_settle starts it again).
 */

static int
conn_bind_fids(srv_conn_t *c, srv_req_t *r)
{
    uint32_t       fid;
    srv_fid_t     *f;
    const char    *uname;
    ninep_fcall_t *t;

    t = &r->t;

    switch (t->type) {

    case NINEP_TAUTH:
        fid = t->afid;
        uname = "";
        break;

    case NINEP_TATTACH:
        fid = t->fid;
        uname = "";
        break;

    default:
        pthread_mutex_lock(&c->lock);
        f = fid_lookup(c, t->fid);

        if (f == NULL) {
            pthread_mutex_unlock(&c->lock);
            srv_error(r, "unknown fid");
            return -1;
        }

        /* a walk reserves its newfid at once, even if it must wait */
        if (t->type == NINEP_TWALK && t->newfid != t->fid
            && r->newfid == NULL)
        {
            if (fid_lookup(c, t->newfid)) {
                pthread_mutex_unlock(&c->lock);
                srv_error(r, "newfid in use");
                return -1;
            }

            r->newfid = fid_new(c, t->newfid, "");

            if (r->newfid == NULL) {
                pthread_mutex_unlock(&c->lock);
                srv_error(r, "too many fids");
                return -1;
            }

            r->newfid->reserved = 1;
        }

        if (f->reserved || (f->settling && !r->waited)) {
            /* in arrival order, behind what waits already */
            r->qnext = NULL;
            *f->waiting_last = r;
            f->waiting_last = &r->qnext;
            pthread_mutex_unlock(&c->lock);
            return 1;
        }

        r->fid = f;
        r->fid->refs++;

        if (t->type == NINEP_TCLUNK || t->type == NINEP_TREMOVE) {
            /* the number is free again once the reply is sent */
            fid_unlink(c, r->fid);
            pthread_mutex_unlock(&c->lock);
            fid_put(r->fid);
            return 0;
        }

        if (r->newfid) {
            snprintf(r->newfid->uname, sizeof(r->newfid->uname), "%s",
                     r->fid->uname);
        }

        pthread_mutex_unlock(&c->lock);
        return 0;
    }

    if (fid == NINEP_NOFID) {
        srv_error(r, "fid is NOFID");
        return -1;
    }

    pthread_mutex_lock(&c->lock);

    if (fid_lookup(c, fid)) {
        pthread_mutex_unlock(&c->lock);
        srv_error(r, "fid in use");
        return -1;
    }

    r->fid = fid_new(c, fid, uname);

    if (r->fid) {
        r->fid->reserved = 1;
    }

    pthread_mutex_unlock(&c->lock);

    if (r->fid == NULL) {
        srv_error(r, "too many fids");
        return -1;
    }

    return 0;
}


/* DESIGN.md §2: who may attach as whom on this connection. */

static int
conn_check_attach(srv_conn_t *c, srv_req_t *r)
{
    char        uname[TEN_NAME_MAX + 1], msg[160];
    srv_fid_t  *af;
    ninep_fcall_t *t;

    t = &r->t;

    if (!ten_valid_name((const char *) t->uname.data, t->uname.len)) {
        srv_error(r, "invalid user name");
        return -1;
    }

    memcpy(uname, t->uname.data, t->uname.len);
    uname[t->uname.len] = '\0';

    if (t->afid != NINEP_NOFID) {
        pthread_mutex_lock(&c->lock);
        af = fid_lookup(c, t->afid);

        if (af == NULL || af->auth == NULL
            || !srv_auth_done(af->auth, uname))
        {
            pthread_mutex_unlock(&c->lock);
            srv_error(r, af && af->auth
                         ? "afid is not authenticated as that user"
                         : "afid is not an auth fid");
            return -1;
        }

        snprintf(r->principal, sizeof(r->principal), "%s", uname);
        r->roles = srv_auth_roles(af->auth);
        pthread_mutex_unlock(&c->lock);

    } else if (strcmp(uname, "none") != 0) {
        pthread_mutex_lock(&c->lock);

        if (c->principal[0] == '\0') {
            snprintf(msg, sizeof(msg), "authentication required to attach "
                     "as %s", uname);

        } else if (strcmp(c->principal, uname) != 0
                   && !(c->roles & TEN_ROLE_SPEAKS_FOR))
        {
            snprintf(msg, sizeof(msg), "%s may not speak for %s",
                     c->principal, uname);

        } else {
            msg[0] = '\0';
        }

        pthread_mutex_unlock(&c->lock);

        if (msg[0]) {
            srv_error(r, msg);
            return -1;
        }
    }

    snprintf(r->fid->uname, sizeof(r->fid->uname), "%s", uname);

    return 0;
}


/* After the peer went: stop what runs, wait for it, free every fid. */

static void
conn_drain(srv_conn_t *c)
{
    shutdown(c->fd, SHUT_RDWR);

    pthread_mutex_lock(&c->lock);

    c->dead = 1;

    for (srv_req_t *q = c->reqs; q; q = q->next) {
        __atomic_store_n(&q->flushed, 1, __ATOMIC_RELAXED);
    }

    while (c->nreqs > 0) {
        pthread_cond_wait(&c->idle, &c->lock);
    }

    conn_free_fids(c);

    pthread_mutex_unlock(&c->lock);
}


/* Drops the table's reference to every fid; called with c->lock held. */

static void
conn_free_fids(srv_conn_t *c)
{
    unsigned    i;
    srv_fid_t  *f;

    for (i = 0; i < SRV_FID_BUCKETS; i++) {
        while ((f = c->fids[i]) != NULL) {
            fid_unlink(c, f);
            pthread_mutex_unlock(&c->lock);
            fid_put(f);
            pthread_mutex_lock(&c->lock);
        }
    }
}


static void
conn_free(srv_conn_t *c)
{
    srv_t        *srv;
    srv_conn_t  **pp;

    srv = c->srv;

    if (c->fd >= 0) {
        close(c->fd);
    }

    pthread_mutex_destroy(&c->wlock);
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->idle);

    pthread_mutex_lock(&srv->lock);

    for (pp = &srv->conns; *pp; pp = &(*pp)->next) {
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    }

    srv->nconns--;
    pthread_cond_broadcast(&srv->gone);
    pthread_mutex_unlock(&srv->lock);

    free(c);
}


/* The fid table; callers hold c->lock. */

static srv_fid_t *
fid_lookup(srv_conn_t *c, uint32_t fid)
{
    srv_fid_t  *f;

    for (f = c->fids[fid % SRV_FID_BUCKETS]; f; f = f->next) {
        if (f->fid == fid) {
            return f;
        }
    }

    return NULL;
}


static srv_fid_t *
fid_new(srv_conn_t *c, uint32_t fid, const char *uname)
{
    srv_fid_t  *f, **bucket;

    if (c->nfids >= c->srv->conf.max_fids) {
        return NULL;
    }

    f = calloc(1, sizeof(srv_fid_t));
    if (f == NULL) {
        return NULL;
    }

    f->fid = fid;
    f->conn = c;
    f->refs = 2;            /* the table's and the request's */
    f->parked_last = &f->parked;
    f->waiting_last = &f->waiting;
    snprintf(f->uname, sizeof(f->uname), "%s", uname);
    pthread_mutex_init(&f->lock, NULL);

    bucket = &c->fids[fid % SRV_FID_BUCKETS];
    f->next = *bucket;
    *bucket = f;
    c->nfids++;

    pthread_mutex_lock(&c->srv->lock);
    c->srv->nfids++;
    pthread_mutex_unlock(&c->srv->lock);

    return f;
}


/*
 * Removes f from the table (c->lock held); the caller then drops the
 * table's reference with fid_put() once the lock is released.
 */

static void
fid_unlink(srv_conn_t *c, srv_fid_t *f)
{
    srv_fid_t  **pp;

    for (pp = &c->fids[f->fid % SRV_FID_BUCKETS]; *pp; pp = &(*pp)->next) {
        if (*pp == f) {
            *pp = f->next;
            c->nfids--;
            f->next = NULL;
            return;
        }
    }
}


static void
fid_put(srv_fid_t *f)
{
    int          last;
    srv_t       *srv;
    srv_conn_t  *c;

    c = f->conn;
    srv = c->srv;

    pthread_mutex_lock(&c->lock);
    last = (--f->refs == 0);
    pthread_mutex_unlock(&c->lock);

    if (!last) {
        return;
    }

    if (f->aux && srv->conf.ops->destroy_fid) {
        srv->conf.ops->destroy_fid(f);
    }

    srv_auth_free(f->auth);
    pthread_mutex_destroy(&f->lock);
    free(f);

    pthread_mutex_lock(&srv->lock);
    srv->nfids--;
    pthread_mutex_unlock(&srv->lock);
}


static srv_req_t *
req_find(srv_conn_t *c, uint16_t tag)
{
    srv_req_t  *r;

    for (r = c->reqs; r; r = r->next) {
        if (r->t.tag == tag) {
            return r;
        }
    }

    return NULL;
}


static void
req_unlink(srv_conn_t *c, srv_req_t *r)
{
    srv_req_t  **pp;

    for (pp = &c->reqs; *pp; pp = &(*pp)->next) {
        if (*pp == r) {
            *pp = r->next;
            r->next = NULL;
            return;
        }
    }
}


static void
req_free(srv_req_t *r)
{
    free(r->buf);
    free(r);
}


void *
srv_data(srv_req_t *r)
{
    return r->conn->srv->conf.data;
}


int
srv_wait_fd(srv_req_t *r, int fd, short events, void (*resume)(srv_req_t *r))
{
    srv_t               *srv;
    pthread_t            tid;
    pthread_attr_t       attr;
    struct epoll_event   ev;

    srv = r->conn->srv;

    pthread_mutex_lock(&srv->lock);

    if (!srv->waiter_started) {
        srv->epfd = epoll_create1(EPOLL_CLOEXEC);

        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);

        if (srv->epfd < 0 || pthread_create(&tid, &attr, waiter, srv) != 0) {
            pthread_attr_destroy(&attr);
            pthread_mutex_unlock(&srv->lock);
            return -1;
        }

        pthread_attr_destroy(&attr);
        srv->waiter_started = 1;
    }

    /* a descriptor of its own: several requests may wait on one file */
    r->wait_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);

    ev.events = (events & POLLOUT ? EPOLLOUT : 0)
                | (events & POLLIN ? EPOLLIN : 0) | EPOLLONESHOT;
    ev.data.ptr = r;

    if (r->wait_fd < 0
        || epoll_ctl(srv->epfd, EPOLL_CTL_ADD, r->wait_fd, &ev) < 0)
    {
        if (r->wait_fd >= 0) {
            close(r->wait_fd);
        }
        pthread_mutex_unlock(&srv->lock);
        return -1;
    }

    r->resume = resume;
    r->qnext = srv->sleeping;
    srv->sleeping = r;

    pthread_mutex_unlock(&srv->lock);

    return 0;
}


/* Wakes requests whose descriptor is ready, or that were flushed. */

static void *
waiter(void *arg)
{
    int                  i, n;
    srv_t               *srv;
    srv_req_t          **pp, *r;
    struct epoll_event   ev[64];

    srv = arg;

    for ( ;; ) {
        n = epoll_wait(srv->epfd, ev, 64, 100);

        pthread_mutex_lock(&srv->lock);

        for (i = 0; i < n; i++) {
            wake(srv, ev[i].data.ptr);
        }

        for (pp = &srv->sleeping; *pp; ) {
            r = *pp;

            /* no c->lock here (lock order); a stale read waits 100 ms */
            if (__atomic_load_n(&r->flushed, __ATOMIC_RELAXED)
                || __atomic_load_n(&r->conn->dead, __ATOMIC_RELAXED))
            {
                wake(srv, r);
                continue;
            }

            pp = &r->qnext;
        }

        pthread_mutex_unlock(&srv->lock);
    }

    return NULL;
}


/* Called with srv->lock held: from the sleeping list to the pool. */

static void
wake(srv_t *srv, srv_req_t *r)
{
    srv_req_t  **pp;

    for (pp = &srv->sleeping; *pp; pp = &(*pp)->qnext) {
        if (*pp == r) {
            *pp = r->qnext;

            (void) epoll_ctl(srv->epfd, EPOLL_CTL_DEL, r->wait_fd, NULL);
            close(r->wait_fd);
            r->wait_fd = -1;

            pthread_mutex_unlock(&srv->lock);
            pool_submit(srv, r);
            pthread_mutex_lock(&srv->lock);
            return;
        }
    }
}


void *
srv_fid_data(srv_fid_t *f)
{
    return f->conn->srv->conf.data;
}


const char *
srv_user(srv_req_t *r)
{
    return r->fid ? r->fid->uname : "none";
}


int
srv_flushed(srv_req_t *r)
{
    int  flushed;

    pthread_mutex_lock(&r->conn->lock);
    flushed = r->flushed || r->conn->dead;
    pthread_mutex_unlock(&r->conn->lock);

    return flushed;
}


uint32_t
srv_msize(srv_req_t *r)
{
    return r->conn->msize;
}


/*
 * Sends the one reply of r.  Its fids are let go first, so what a clunk
 * or remove does is done when the client sees the reply; its tag is free
 * when the reply is on the wire, and Rflushes waiting for it follow it
 * under the same write lock, so nothing can overtake it.
 */

void
srv_respond(srv_req_t *r, ninep_fcall_t *f)
{
    int            ok, drop;
    unsigned       n;
    srv_req_t     *fl, *next;
    srv_conn_t    *c;
    ninep_fcall_t  rf;

    c = r->conn;
    f->tag = r->t.tag;
    ok = (f->type != NINEP_RERROR);

    /* the fid it reserved is made, or (a failure, a short walk) is not */
    if (conn_made_fid(r)) {
        conn_settle(c, conn_made_fid(r),
                    ok && (r->t.type != NINEP_TWALK
                           || f->nwqid == r->t.nwname));
    }

    /* DESIGN.md §2: authenticated once the attach with the afid worked */
    if (ok && r->t.type == NINEP_TATTACH && r->principal[0]) {
        pthread_mutex_lock(&c->lock);
        memcpy(c->principal, r->principal, sizeof(c->principal));
        c->roles = r->roles;
        pthread_mutex_unlock(&c->lock);
    }

    if (r->changes & SRV_CHANGES_FID) {
        conn_unpark(c, r->fid);
    }

    if (r->changes & SRV_CHANGES_NEWFID) {
        conn_unpark(c, r->newfid);
    }

    if (r->fid) {
        fid_put(r->fid);
    }

    if (r->newfid) {
        fid_put(r->newfid);
    }

    if (!r->registered) {
        /* refused before it took a tag */
        send_fcall(c, f);
        req_free(r);
        return;
    }

    pthread_mutex_lock(&c->wlock);
    pthread_mutex_lock(&c->lock);

    drop = c->resetting;
    r->answered = 1;
    fl = r->flushes;
    r->flushes = NULL;
    n = 1;
    req_unlink(c, r);

    for (next = fl; next; next = next->flush_next) {
        req_unlink(c, next);
        n++;
    }

    pthread_mutex_unlock(&c->lock);

    if (!drop) {
        send_locked(c, f);

        for (next = fl; next; next = next->flush_next) {
            rf.type = NINEP_RFLUSH;
            rf.tag = next->t.tag;
            send_locked(c, &rf);
        }
    }

    pthread_mutex_unlock(&c->wlock);

    for ( ; fl; fl = next) {
        next = fl->flush_next;
        req_free(fl);
    }

    req_free(r);

    /* last: once nreqs reaches 0 the connection may be freed */
    pthread_mutex_lock(&c->lock);
    c->nreqs -= n;
    pthread_cond_broadcast(&c->idle);
    pthread_mutex_unlock(&c->lock);
}


/* The fid that request r reserved to make, or NULL. */

static srv_fid_t *
conn_made_fid(srv_req_t *r)
{
    switch (r->t.type) {

    case NINEP_TATTACH:
    case NINEP_TAUTH:
        return r->fid;

    case NINEP_TWALK:
        return r->newfid;

    default:
        return NULL;
    }
}


/*
 * The request that reserved f is answered: f is made, or leaves the table
 * (the request still holds its own reference, so f lives through this).
 * The requests that waited for it start now, in order; new ones queue
 * behind them until none is left.
 */

static void
conn_settle(srv_conn_t *c, srv_fid_t *f, int made)
{
    srv_req_t  *r;

    pthread_mutex_lock(&c->lock);

    if (!made) {
        fid_unlink(c, f);
    }

    f->reserved = 0;
    f->settling = 1;

    pthread_mutex_unlock(&c->lock);

    if (!made) {
        fid_put(f);     /* the table's reference */
    }

    for ( ;; ) {
        pthread_mutex_lock(&c->lock);

        r = f->waiting;

        if (r == NULL) {
            f->settling = 0;
            f->waiting_last = &f->waiting;
            pthread_mutex_unlock(&c->lock);
            return;
        }

        f->waiting = r->qnext;
        r->qnext = NULL;
        r->waited = 1;

        if (f->waiting == NULL) {
            f->waiting_last = &f->waiting;
        }

        pthread_mutex_unlock(&c->lock);

        /* it looks its fid up again: made, or "unknown fid" */
        conn_start(c, r);
    }
}


void
srv_error(srv_req_t *r, const char *ename)
{
    ninep_fcall_t  f;

    memset(&f, 0, sizeof(f));
    f.type = NINEP_RERROR;
    f.ename = ninep_str(ename);

    srv_respond(r, &f);
}


void
srv_errno(srv_req_t *r, int err)
{
    srv_error(r, strerror(err));
}


static void
send_fcall(srv_conn_t *c, ninep_fcall_t *f)
{
    pthread_mutex_lock(&c->wlock);
    send_locked(c, f);
    pthread_mutex_unlock(&c->wlock);
}


/* Encodes and writes one reply; the caller holds c->wlock. */

static void
send_locked(srv_conn_t *c, ninep_fcall_t *f)
{
    uint8_t        small[512], *buf;
    ssize_t        n;
    ninep_fcall_t  e;

    /* a stat with long names, say: the client could not take it */
    if (ninep_packed_size(f) > c->msize) {
        memset(&e, 0, sizeof(e));
        e.type = NINEP_RERROR;
        e.tag = f->tag;
        e.ename = ninep_str("reply does not fit in msize");
        f = &e;
    }

    buf = small;

    if (f->type == NINEP_RREAD || f->type == NINEP_RSTAT) {
        buf = malloc(c->msize);
        if (buf == NULL) {
            srv_log("%s: out of memory for a reply", c->peer);
            shutdown(c->fd, SHUT_RDWR);
            return;
        }
    }

    n = ninep_pack(f, buf, buf == small ? sizeof(small) : c->msize);

    if (n < 0) {
        srv_log("%s: cannot encode %s: %s", c->peer,
                ninep_type_name(f->type), ninep_strerror((int) n));
        shutdown(c->fd, SHUT_RDWR);

    } else if (io_write_full(c->fd, buf, n) < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            srv_log("%s: took no reply for %u s (-W), closing", c->peer,
                    c->srv->conf.send_timeout);
        }

        shutdown(c->fd, SHUT_RDWR);
    }

    if (buf != small) {
        free(buf);
    }
}


static void
pool_submit(srv_t *srv, srv_req_t *r)
{
    pthread_t       tid;
    pthread_attr_t  attr;

    pthread_mutex_lock(&srv->lock);

    r->qnext = NULL;

    if (srv->queue_tail) {
        srv->queue_tail->qnext = r;
    } else {
        srv->queue = r;
    }

    srv->queue_tail = r;
    srv->nqueued++;

    /*
     * A worker for each request waiting: an idle worker that was signalled
     * but has not taken its request yet is not idle for this one.
     */
    if (srv->nqueued > srv->nidle && srv->nthreads < srv->conf.max_threads) {
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&attr, 512 * 1024);

        if (pthread_create(&tid, &attr, pool_worker, srv) == 0) {
            srv->nthreads++;
        }

        pthread_attr_destroy(&attr);
    }

    pthread_cond_signal(&srv->work);
    pthread_mutex_unlock(&srv->lock);
}


static void *
pool_worker(void *arg)
{
    srv_t      *srv;
    srv_req_t  *r;

    srv = arg;

    pthread_mutex_lock(&srv->lock);

    for ( ;; ) {
        while (srv->queue == NULL) {
            srv->nidle++;
            pthread_cond_wait(&srv->work, &srv->lock);
            srv->nidle--;
        }

        r = srv->queue;
        srv->queue = r->qnext;
        srv->nqueued--;

        if (srv->queue == NULL) {
            srv->queue_tail = NULL;
        }

        pthread_mutex_unlock(&srv->lock);
        run_request(r);
        pthread_mutex_lock(&srv->lock);
    }

    return NULL;
}


static void
run_request(srv_req_t *r)
{
    const srv_ops_t  *ops;
    void            (*op)(srv_req_t *r);

    ops = r->conn->srv->conf.ops;

    switch (r->t.type) {
    case NINEP_TATTACH:  op = ops->attach; break;
    case NINEP_TWALK:    op = ops->walk; break;
    case NINEP_TOPEN:    op = ops->open; break;
    case NINEP_TCREATE:  op = ops->create; break;
    case NINEP_TREAD:    op = ops->read; break;
    case NINEP_TWRITE:   op = ops->write; break;
    case NINEP_TCLUNK:   op = ops->clunk; break;
    case NINEP_TREMOVE:  op = ops->remove; break;
    case NINEP_TSTAT:    op = ops->stat; break;
    case NINEP_TWSTAT:   op = ops->wstat; break;
    default:             op = NULL; break;
    }

    if (op == NULL) {
        srv_error(r, "operation not supported");
        return;
    }

    if (r->resume) {
        op = r->resume;
        r->resume = NULL;

    } else if (srv_flushed(r)) {
        srv_error(r, "interrupted");
        return;
    }

    op(r);
}


void
srv_log(const char *fmt, ...)
{
    char        line[1024], stamp[32];
    va_list     ap;
    time_t      now;
    struct tm   tm;

    now = time(NULL);
    localtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y/%m/%d %H:%M:%S", &tm);

    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);

    fprintf(stderr, "%s %s: %s\n", stamp, program_invocation_short_name,
            line);
}


unsigned
srv_arg_number(const char *prog, const char *flag, const char *arg,
    unsigned min, unsigned max)
{
    char           *end;
    unsigned long   n;

    errno = 0;
    n = strtoul(arg, &end, 10);

    if (errno || *end || arg[0] == '\0' || n < min || n > max) {
        fprintf(stderr, "%s: %s wants a number from %u to %u, not \"%s\"\n",
                prog, flag, min, max, arg);
        exit(2);
    }

    return (unsigned) n;
}
