/*
 * Ten: ten-echo, the machine's own TCP round trip, to measure a server
 * against.
 *
 *   ten-echo -l host:port                      echoes every byte back
 *   ten-echo -a host:port [-c conns] [-t secs] [-s size]
 *
 * The server runs a thread per connection that reads and writes back
 * (what a service's reader thread does with no work in between).  The
 * client keeps one message of SIZE bytes in flight on each of CONNS
 * connections for SECS seconds from one epoll thread (as ten-load does)
 * and prints one line in ten-load's style:
 *
 *   op=echo conns=1 depth=1 secs=5.00 ops=... ops_per_s=... p50_us=...
 *   p99_us=... errors=0 ...
 */

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "hostport.h"


#define ECHO_MAX_SIZE   65536
#define ECHO_MAX_CONNS  4096


typedef struct {
    int         fd;
    size_t      got;        /* bytes of the echo back so far */
    uint64_t    sent_ns;
} echo_conn_t;


static void usage(void);
static unsigned number(const char *arg, unsigned min, unsigned max);
static void set_nodelay(int fd);
static uint64_t now_ns(void);
static void serve(const char *addr) __attribute__((noreturn));
static void *serve_conn(void *arg);
static int run(const char *addr, unsigned conns, double secs, size_t size);
static int send_one(echo_conn_t *c, const uint8_t *msg, size_t size);
static int cmp_u64(const void *a, const void *b);


int
main(int argc, char **argv)
{
    int          c;
    double       secs;
    size_t       size;
    unsigned     conns;
    const char  *listen_addr, *addr;

    listen_addr = addr = NULL;
    conns = 1;
    secs = 5;
    size = 64;

    while ((c = getopt(argc, argv, "l:a:c:t:s:")) != -1) {
        switch (c) {
        case 'l': listen_addr = optarg; break;
        case 'a': addr = optarg; break;
        case 'c': conns = number(optarg, 1, ECHO_MAX_CONNS); break;
        case 't': secs = atof(optarg); break;
        case 's': size = number(optarg, 1, ECHO_MAX_SIZE); break;
        default: usage();
        }
    }

    if (optind != argc || (listen_addr == NULL) == (addr == NULL)
        || secs <= 0)
    {
        usage();
    }

    if (listen_addr) {
        serve(listen_addr);
    }

    return run(addr, conns, secs, size);
}


static void
usage(void)
{
    fprintf(stderr, "usage: ten-echo -l host:port\n"
            "       ten-echo -a host:port [-c conns] [-t secs] [-s size]\n");
    exit(2);
}


static unsigned
number(const char *arg, unsigned min, unsigned max)
{
    char           *end;
    unsigned long   n;

    n = strtoul(arg, &end, 10);

    if (*end || arg[0] == '\0' || n < min || n > max) {
        fprintf(stderr, "ten-echo: \"%s\" is not a number from %u to %u\n",
                arg, min, max);
        exit(2);
    }

    return (unsigned) n;
}


static void
set_nodelay(int fd)
{
    int  one;

    one = 1;
    (void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}


static uint64_t
now_ns(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return (uint64_t) ts.tv_sec * 1000000000ULL + (uint64_t) ts.tv_nsec;
}


static void
serve(const char *addr)
{
    int        lfd, fd;
    pthread_t  tid;

    lfd = hostport_listen("ten-echo", addr, 0);
    fprintf(stderr, "ten-echo: serving on %s\n", addr);

    for ( ;; ) {
        fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            continue;
        }

        set_nodelay(fd);

        if (pthread_create(&tid, NULL, serve_conn, (void *) (intptr_t) fd)
            != 0)
        {
            close(fd);
            continue;
        }

        pthread_detach(tid);
    }
}


static void *
serve_conn(void *arg)
{
    int       fd;
    uint8_t   buf[ECHO_MAX_SIZE];
    ssize_t   n, w, off;

    fd = (int) (intptr_t) arg;

    while ((n = read(fd, buf, sizeof(buf))) > 0) {
        for (off = 0; off < n; off += w) {
            w = write(fd, buf + off, n - off);
            if (w <= 0) {
                goto done;
            }
        }
    }

done:

    close(fd);

    return NULL;
}


static int
send_one(echo_conn_t *c, const uint8_t *msg, size_t size)
{
    c->got = 0;
    c->sent_ns = now_ns();

    return write(c->fd, msg, size) == (ssize_t) size ? 0 : -1;
}


static int
cmp_u64(const void *a, const void *b)
{
    uint64_t  x, y;

    x = *(const uint64_t *) a;
    y = *(const uint64_t *) b;

    return (x > y) - (x < y);
}


/* Latencies are kept whole and sorted at the end: a run is seconds long. */

static int
run(const char *addr, unsigned conns, double secs, size_t size)
{
    int                  ep, i, n;
    uint8_t              msg[ECHO_MAX_SIZE], buf[ECHO_MAX_SIZE];
    ssize_t              got;
    size_t               nlat, cap;
    uint64_t            *lat, start, end, now;
    unsigned             k;
    echo_conn_t         *cs, *c;
    struct addrinfo     *ai;
    struct epoll_event   ev, evs[256];

    ai = hostport_resolve("ten-echo", addr, NULL, 0);
    ep = epoll_create1(EPOLL_CLOEXEC);
    cs = calloc(conns, sizeof(echo_conn_t));
    cap = 1 << 20;
    lat = malloc(cap * sizeof(uint64_t));
    nlat = 0;

    if (ep < 0 || cs == NULL || lat == NULL) {
        fprintf(stderr, "ten-echo: out of resources\n");
        return 1;
    }

    memset(msg, 'e', size);

    for (k = 0; k < conns; k++) {
        c = &cs[k];
        c->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

        if (c->fd < 0 || connect(c->fd, ai->ai_addr, ai->ai_addrlen) < 0) {
            fprintf(stderr, "ten-echo: connect %s: %s\n", addr,
                    strerror(errno));
            return 1;
        }

        set_nodelay(c->fd);
        ev.events = EPOLLIN;
        ev.data.ptr = c;
        (void) epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
    }

    freeaddrinfo(ai);

    start = now_ns();
    end = start + (uint64_t) (secs * 1e9);

    for (k = 0; k < conns; k++) {
        if (send_one(&cs[k], msg, size) < 0) {
            fprintf(stderr, "ten-echo: write: %s\n", strerror(errno));
            return 1;
        }
    }

    for (now = start; now < end; ) {
        n = epoll_wait(ep, evs, 256, 100);

        for (i = 0; i < n; i++) {
            c = evs[i].data.ptr;
            got = read(c->fd, buf, sizeof(buf));

            if (got <= 0) {
                fprintf(stderr, "ten-echo: the server went away\n");
                return 1;
            }

            c->got += (size_t) got;
            if (c->got < size) {
                continue;
            }

            now = now_ns();

            if (nlat == cap) {
                cap *= 2;
                lat = realloc(lat, cap * sizeof(uint64_t));
                if (lat == NULL) {
                    fprintf(stderr, "ten-echo: out of memory\n");
                    return 1;
                }
            }

            lat[nlat++] = now - c->sent_ns;

            if (now < end && send_one(c, msg, size) < 0) {
                fprintf(stderr, "ten-echo: write: %s\n", strerror(errno));
                return 1;
            }
        }

        now = now_ns();
    }

    if (nlat == 0) {
        fprintf(stderr, "ten-echo: no round trip finished\n");
        return 1;
    }

    qsort(lat, nlat, sizeof(uint64_t), cmp_u64);

    printf("op=echo conns=%u depth=1 secs=%.2f ops=%zu ops_per_s=%.0f "
           "p50_us=%llu p99_us=%llu errors=0 size=%zu transport=tcp\n",
           conns, secs, nlat, nlat / secs,
           (unsigned long long) (lat[nlat / 2] / 1000),
           (unsigned long long) (lat[nlat * 99 / 100] / 1000), size);

    return 0;
}
