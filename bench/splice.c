/*
 * Ten: ten-splice, the cheapest hop Linux can make: a blind TCP relay that
 * moves bytes with splice(2) and never copies them into user space.
 *
 *   ten-splice -l host:port -b host:port
 *
 * Each accepted connection gets one to the backend; each direction has a
 * pipe of 1 MiB, and bytes go socket -> pipe -> socket by reference to the
 * socket buffers' pages.  One epoll thread serves every connection, as one
 * nginx worker does.  It parses nothing, so no proxy that reads 9P (the
 * kernel must, to route each message) can do better: bench/kernel.sh runs
 * it as the ceiling an extra hop allows on this machine.
 */

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hostport.h"


#define SPLICE_PIPE_SIZE  (1024 * 1024)
#define SPLICE_EVENTS     256


/* one direction: bytes from src wait in the pipe until dst takes them */
typedef struct {
    int            src;
    int            dst;
    int            pipe[2];
    size_t         pending;     /* bytes in the pipe */
} splice_way_t;


/* what an epoll event names: a socket and the ways it reads and writes */
typedef struct {
    int            fd;
    splice_way_t  *in;          /* fd is its src */
    splice_way_t  *out;         /* fd is its dst */
    uint32_t       events;      /* what epoll watches for now */
    void          *pair;        /* what to free when the pair closes */
} splice_end_t;


typedef struct {
    splice_way_t   up;          /* client -> backend */
    splice_way_t   down;        /* backend -> client */
    splice_end_t   client;
    splice_end_t   backend;
} splice_pair_t;


static int epfd;


static void usage(void);
static void accept_all(int lfd, struct addrinfo *backend);
static int pair_open(int cfd, struct addrinfo *backend);
static int way_init(splice_way_t *w, int src, int dst);
static void pair_close(splice_pair_t *p);
static int end_watch(splice_end_t *e, int op);
static int pump(splice_way_t *w);


int
main(int argc, char **argv)
{
    int                  c, lfd, n, i;
    const char          *listen_addr, *backend_addr;
    splice_end_t        *e;
    splice_pair_t       *p;
    struct addrinfo     *backend;
    struct epoll_event   ev, evs[SPLICE_EVENTS];

    listen_addr = backend_addr = NULL;

    while ((c = getopt(argc, argv, "l:b:")) != -1) {
        switch (c) {
        case 'l': listen_addr = optarg; break;
        case 'b': backend_addr = optarg; break;
        default: usage();
        }
    }

    if (optind != argc || listen_addr == NULL || backend_addr == NULL) {
        usage();
    }

    backend = hostport_resolve("ten-splice", backend_addr, NULL, 0);
    lfd = hostport_listen("ten-splice", listen_addr, SOCK_NONBLOCK);

    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) {
        perror("ten-splice: epoll_create1");
        return 1;
    }

    memset(&ev, 0, sizeof(ev));
    ev.events = EPOLLIN;
    ev.data.ptr = NULL;                 /* the listener */

    if (epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev) < 0) {
        perror("ten-splice: epoll_ctl");
        return 1;
    }

    fprintf(stderr, "ten-splice: relaying %s to %s\n", listen_addr,
            backend_addr);

    for ( ;; ) {
        n = epoll_wait(epfd, evs, SPLICE_EVENTS, -1);

        for (i = 0; i < n; i++) {
            e = evs[i].data.ptr;

            if (e == NULL) {
                accept_all(lfd, backend);
                continue;
            }

            p = e->pair;

            /* a closed pair's other end may have an event later in this
             * batch: it would name freed memory, so the batch ends */
            if (pump(e->in) != 0 || pump(e->out) != 0
                || end_watch(&p->client, EPOLL_CTL_MOD) != 0
                || end_watch(&p->backend, EPOLL_CTL_MOD) != 0)
            {
                pair_close(p);
                break;
            }
        }
    }
}


static void
usage(void)
{
    fprintf(stderr, "usage: ten-splice -l host:port -b host:port\n");
    exit(2);
}


static void
accept_all(int lfd, struct addrinfo *backend)
{
    int  fd;

    for ( ;; ) {
        fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            return;
        }

        if (pair_open(fd, backend) != 0) {
            close(fd);
        }
    }
}


/* The backend is on loopback: a blocking connect costs microseconds. */

static int
pair_open(int cfd, struct addrinfo *backend)
{
    int             bfd, one;
    splice_pair_t  *p;

    bfd = socket(backend->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (bfd < 0) {
        return -1;
    }

    if (connect(bfd, backend->ai_addr, backend->ai_addrlen) < 0
        || fcntl(bfd, F_SETFL, O_NONBLOCK) < 0)
    {
        fprintf(stderr, "ten-splice: connect: %s\n", strerror(errno));
        close(bfd);
        return -1;
    }

    one = 1;
    (void) setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    (void) setsockopt(bfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

    p = calloc(1, sizeof(*p));
    if (p == NULL) {
        close(bfd);
        return -1;
    }

    p->up.pipe[0] = p->up.pipe[1] = p->down.pipe[0] = p->down.pipe[1] = -1;

    p->client = (splice_end_t) { cfd, &p->up, &p->down, 0, p };
    p->backend = (splice_end_t) { bfd, &p->down, &p->up, 0, p };

    if (way_init(&p->up, cfd, bfd) != 0
        || way_init(&p->down, bfd, cfd) != 0
        || end_watch(&p->client, EPOLL_CTL_ADD) != 0
        || end_watch(&p->backend, EPOLL_CTL_ADD) != 0)
    {
        fprintf(stderr, "ten-splice: %s\n", strerror(errno));
        p->client.fd = -1;              /* the caller closes it */
        pair_close(p);
        return -1;
    }

    return 0;
}


static int
way_init(splice_way_t *w, int src, int dst)
{
    w->src = src;
    w->dst = dst;
    w->pending = 0;

    if (pipe2(w->pipe, O_NONBLOCK | O_CLOEXEC) < 0) {
        return -1;
    }

    (void) fcntl(w->pipe[1], F_SETPIPE_SZ, SPLICE_PIPE_SIZE);

    return 0;
}


static void
pair_close(splice_pair_t *p)
{
    int  i;
    int  fds[] = { p->client.fd, p->backend.fd, p->up.pipe[0],
                   p->up.pipe[1], p->down.pipe[0], p->down.pipe[1] };

    for (i = 0; i < (int) (sizeof(fds) / sizeof(fds[0])); i++) {
        if (fds[i] >= 0) {
            close(fds[i]);              /* also leaves the epoll set */
        }
    }

    free(p);
}


/*
 * An end waits to read while its way in has nothing pending, and to write
 * while its way out has: a full pipe stops reading its source, which is
 * TCP's own back-pressure carried through.
 */

static int
end_watch(splice_end_t *e, int op)
{
    uint32_t            want;
    struct epoll_event  ev;

    want = (e->in->pending ? 0 : EPOLLIN) | (e->out->pending ? EPOLLOUT : 0);

    if (op == EPOLL_CTL_MOD && want == e->events) {
        return 0;
    }

    memset(&ev, 0, sizeof(ev));
    ev.events = want;
    ev.data.ptr = e;
    e->events = want;

    return epoll_ctl(epfd, op, e->fd, &ev);
}


/* Moves what it can one way; -1 when the pair is done (EOF or error). */

static int
pump(splice_way_t *w)
{
    ssize_t  n;

    for ( ;; ) {
        if (w->pending == 0) {
            n = splice(w->src, NULL, w->pipe[1], NULL, SPLICE_PIPE_SIZE,
                       SPLICE_F_MOVE | SPLICE_F_NONBLOCK);

            if (n <= 0) {
                return (n < 0 && errno == EAGAIN) ? 0 : -1;
            }

            w->pending = (size_t) n;
        }

        n = splice(w->pipe[0], NULL, w->dst, NULL, w->pending,
                   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);

        if (n < 0) {
            return errno == EAGAIN ? 0 : -1;
        }

        w->pending -= (size_t) n;
    }
}
