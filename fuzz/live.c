
/*
 * Ten: ten-livefuzz, a network fuzzer for the running services and the
 * running kernel (issue 16's "keeping it found").
 *
 * Each batch opens a connection (raw 9P over TCP to a service, or one
 * binary WebSocket message per 9P message to the kernel), negotiates a
 * version, attaches as none, and sends one pipelined write of generated
 * requests: walks, clunks, removes, opens, reads, writes, stats, wstats,
 * creates, attaches and flushes on a small pool of fids, so that requests
 * race with the walks, attaches, clunks and removes that make or end
 * their fids; now and then a Tversion in the middle, and at most one
 * message mutated at the byte level, last (it may close the connection).
 * It drains the replies, then checks that every process given with -p is
 * alive and that a new connection gets an Rversion.  On a failure it
 * prints the seed, the batch and the batch's messages, and exits 1: run
 * it again with -s SEED to replay the same batches.
 *
 *   ten-livefuzz (-a HOST:PORT | -w ws://HOST:PORT/PATH) [-s SEED]
 *                [-t SECONDS] [-n REQUESTS] [-p PID]...
 */

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "ninep.h"


#define LF_MSIZE      8192
#define LF_FIDS       8
#define LF_MAX_REQS   128
#define LF_MAX_PIDS   8
#define LF_WAIT_MS    2000


typedef struct {
    uint8_t        bytes[LF_MSIZE];
    size_t         len;
    char           text[300];
} lf_msg_t;


static const char  *lf_names[] = {
    "tmp", "adm", "dev", "lib", "usr", "users", "namespace", "nope", "..",
    ".", "", "factotum", "rpc", "ctl", "keys", "priv", "sessions", "f",
    "a/b", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
};

static const char  *lf_anames[] = { "", "../..", "tmp", "adm", "/", "nope" };

static char        *lf_host, *lf_port, *lf_path;
static int          lf_ws;
static uint64_t     lf_seed, lf_state;
static unsigned     lf_reqs = 32;
static pid_t        lf_pids[LF_MAX_PIDS];
static unsigned     lf_npids;
static lf_msg_t     lf_batch[LF_MAX_REQS + 4];
static unsigned     lf_nbatch;


static void lf_usage(void);
static void lf_target(const char *arg);
static uint32_t lf_rand(void);
static int lf_connect(void);
static int lf_ws_handshake(int fd);
static int lf_send(int fd, const uint8_t *p, size_t len);
static int lf_recv(int fd, uint8_t *buf, size_t size, int ms);
static int lf_rpc_version(int fd);
static void lf_add(ninep_fcall_t *f);
static void lf_generate(void);
static void lf_mutate(void);
static int lf_run_batch(void);
static int lf_alive(char *why, size_t size);
static int lf_running(pid_t pid);


int
main(int argc, char **argv)
{
    int        c;
    char       why[200];
    double     secs;
    time_t     end;
    unsigned   n, i;

    secs = 10;
    lf_seed = (uint64_t) time(NULL) ^ ((uint64_t) getpid() << 32);

    while ((c = getopt(argc, argv, "a:w:s:t:n:p:h")) != -1) {
        switch (c) {
        case 'a':
        case 'w':
            lf_ws = (c == 'w');
            lf_target(optarg);
            break;
        case 's':
            lf_seed = strtoull(optarg, NULL, 0);
            break;
        case 't':
            secs = atof(optarg);
            break;
        case 'n':
            lf_reqs = (unsigned) atoi(optarg);
            if (lf_reqs < 1 || lf_reqs > LF_MAX_REQS) {
                fprintf(stderr, "ten-livefuzz: -n is 1 to %d\n", LF_MAX_REQS);
                return 2;
            }
            break;
        case 'p':
            if (lf_npids == LF_MAX_PIDS) {
                fprintf(stderr, "ten-livefuzz: at most %d -p\n", LF_MAX_PIDS);
                return 2;
            }
            lf_pids[lf_npids++] = (pid_t) atoi(optarg);
            break;
        default:
            lf_usage();
            return c == 'h' ? 0 : 2;
        }
    }

    if (lf_host == NULL) {
        lf_usage();
        return 2;
    }

    signal(SIGPIPE, SIG_IGN);
    lf_state = lf_seed ? lf_seed : 1;
    end = time(NULL) + (time_t) (secs + 0.999);

    printf("ten-livefuzz: %s %s:%s%s, seed %llu, %.0f s, %u requests a batch\n",
           lf_ws ? "kernel" : "service", lf_host, lf_port,
           lf_ws ? lf_path : "", (unsigned long long) lf_seed, secs, lf_reqs);

    for (n = 0; time(NULL) < end; n++) {
        lf_generate();

        why[0] = '\0';

        if (lf_run_batch() < 0) {
            snprintf(why, sizeof(why), "cannot connect for the batch");
        }

        if (why[0] || lf_alive(why, sizeof(why)) < 0) {

            printf("ten-livefuzz: FAILED after batch %u (seed %llu): %s\n"
                   "the batch:\n", n, (unsigned long long) lf_seed, why);

            for (i = 0; i < lf_nbatch; i++) {
                printf("    %s\n", lf_batch[i].text);
            }

            return 1;
        }
    }

    printf("ten-livefuzz: %u batches, every process alive and answering\n",
           n);

    return 0;
}


static void
lf_usage(void)
{
    fprintf(stderr, "usage: ten-livefuzz (-a HOST:PORT | "
            "-w ws://HOST:PORT/PATH) [-s SEED] [-t SECONDS] [-n REQUESTS] "
            "[-p PID]...\n");
}


static void
lf_target(const char *arg)
{
    char  *s, *colon, *slash;

    s = strdup(arg);
    if (s == NULL) {
        exit(2);
    }

    if (lf_ws) {
        if (strncmp(s, "ws://", 5) != 0) {
            fprintf(stderr, "ten-livefuzz: -w takes ws://HOST:PORT/PATH\n");
            exit(2);
        }

        s += 5;
        slash = strchr(s, '/');
        lf_path = strdup(slash ? slash : "/");
        if (slash) {
            *slash = '\0';
        }
    }

    colon = strrchr(s, ':');
    if (colon == NULL) {
        fprintf(stderr, "ten-livefuzz: %s: expected HOST:PORT\n", arg);
        exit(2);
    }

    *colon = '\0';
    lf_host = s;
    lf_port = colon + 1;
}


/* xorshift64*: the same seed gives the same batches */

static uint32_t
lf_rand(void)
{
    lf_state ^= lf_state >> 12;
    lf_state ^= lf_state << 25;
    lf_state ^= lf_state >> 27;

    return (uint32_t) ((lf_state * 2685821657736338717ULL) >> 32);
}


#define LF_PICK(a)  ((a)[lf_rand() % (sizeof(a) / sizeof((a)[0]))])


static int
lf_connect(void)
{
    int               fd;
    struct addrinfo   hints, *ai;

    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;

    if (getaddrinfo(lf_host, lf_port, &hints, &ai) != 0) {
        return -1;
    }

    fd = socket(ai->ai_family, SOCK_STREAM, 0);

    if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
        close(fd);
        fd = -1;
    }

    freeaddrinfo(ai);

    if (fd >= 0 && lf_ws && lf_ws_handshake(fd) < 0) {
        close(fd);
        fd = -1;
    }

    return fd;
}


/* The opening handshake; the reply must be a 101. */

static int
lf_ws_handshake(int fd)
{
    char     req[512], rsp[2048];
    size_t   n;
    ssize_t  k;

    n = (size_t) snprintf(req, sizeof(req),
                          "GET %s HTTP/1.1\r\nHost: %s:%s\r\n"
                          "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                          "Sec-WebSocket-Key: dGVuLWxpdmVmdXp6LWtleQ==\r\n"
                          "Sec-WebSocket-Version: 13\r\n"
                          "Sec-WebSocket-Protocol: 9p\r\n\r\n",
                          lf_path, lf_host, lf_port);

    if (write(fd, req, n) != (ssize_t) n) {
        return -1;
    }

    /* byte by byte: the frames that follow stay in the socket */
    for (n = 0; n < sizeof(rsp) - 1; n++) {
        k = read(fd, rsp + n, 1);
        if (k != 1) {
            return -1;
        }

        if (n >= 3 && memcmp(rsp + n - 3, "\r\n\r\n", 4) == 0) {
            rsp[n + 1] = '\0';
            return strncmp(rsp, "HTTP/1.1 101", 12) == 0 ? 0 : -1;
        }
    }

    return -1;
}


/* One 9P message: as it is over TCP, a masked binary frame over WS. */

static int
lf_send(int fd, const uint8_t *p, size_t len)
{
    size_t    h, i;
    uint8_t   frame[LF_MSIZE + 16];
    uint32_t  mask;

    if (!lf_ws) {
        return write(fd, p, len) == (ssize_t) len ? 0 : -1;
    }

    mask = lf_rand();
    frame[0] = 0x82;
    h = 2;

    if (len < 126) {
        frame[1] = 0x80 | (uint8_t) len;

    } else {
        frame[1] = 0x80 | 126;
        frame[2] = (uint8_t) (len >> 8);
        frame[3] = (uint8_t) len;
        h = 4;
    }

    memcpy(frame + h, &mask, 4);

    for (i = 0; i < len; i++) {
        frame[h + 4 + i] = p[i] ^ ((uint8_t *) &mask)[i % 4];
    }

    len += h + 4;

    return write(fd, frame, len) == (ssize_t) len ? 0 : -1;
}


/* Some bytes within ms: their count, 0 at the end, -1 on a time-out. */

static int
lf_recv(int fd, uint8_t *buf, size_t size, int ms)
{
    ssize_t        n;
    struct pollfd  pfd;

    pfd.fd = fd;
    pfd.events = POLLIN;

    if (poll(&pfd, 1, ms) <= 0) {
        return -1;
    }

    n = read(fd, buf, size);

    return n < 0 ? 0 : (int) n;
}


/* A fresh Tversion: 0 when the reply holds an Rversion. */

static int
lf_rpc_version(int fd)
{
    int            n, got;
    uint8_t        buf[LF_MSIZE], in[4096];
    ssize_t        len;
    ninep_fcall_t  t;

    memset(&t, 0, sizeof(t));
    t.type = NINEP_TVERSION;
    t.tag = NINEP_NOTAG;
    t.msize = LF_MSIZE;
    t.version = ninep_str(NINEP_VERSION);

    len = ninep_pack(&t, buf, sizeof(buf));

    if (len < 0 || lf_send(fd, buf, (size_t) len) < 0) {
        return -1;
    }

    /* Rversion is 19 bytes and more; a frame header may come first */
    for (got = 0; got < (int) sizeof(in); got += n) {
        n = lf_recv(fd, in + got, sizeof(in) - got, LF_WAIT_MS);
        if (n <= 0) {
            return -1;
        }

        if (memmem(in, (size_t) (got + n), "9P2000", 6)) {
            return 0;
        }
    }

    return -1;
}


/* Packs f into the batch, with a line that names it for the report. */

static void
lf_add(ninep_fcall_t *f)
{
    size_t     k;
    ssize_t    n;
    unsigned   i;
    lf_msg_t  *m;

    if (lf_nbatch == sizeof(lf_batch) / sizeof(lf_batch[0])) {
        return;
    }

    m = &lf_batch[lf_nbatch];
    n = ninep_pack(f, m->bytes, sizeof(m->bytes));

    if (n < 0) {
        return;
    }

    m->len = (size_t) n;
    k = (size_t) snprintf(m->text, sizeof(m->text),
                          "%s tag=%u fid=%u newfid=%u oldtag=%u name=%.*s "
                          "aname=%.*s offset=%llu count=%u mode=%u wname=",
                          ninep_type_name(f->type), f->tag, f->fid, f->newfid,
                          f->oldtag, (int) f->name.len,
                          (const char *) f->name.data, (int) f->aname.len,
                          (const char *) f->aname.data,
                          (unsigned long long) f->offset, f->count, f->mode);

    for (i = 0; i < f->nwname && k < sizeof(m->text); i++) {
        k += (size_t) snprintf(m->text + k, sizeof(m->text) - k, "%s%.*s",
                               i ? "," : "", (int) f->wname[i].len,
                               (const char *) f->wname[i].data);
    }

    lf_nbatch++;
}


/*
 * A batch: version and attach first, then requests on fids 0..7 with
 * names from a small dictionary, so they meet often.
 */

static void
lf_generate(void)
{
    uint8_t        data[64];
    unsigned       i, k, r;
    ninep_fcall_t  f;

    lf_nbatch = 0;

    memset(&f, 0, sizeof(f));
    f.type = NINEP_TVERSION;
    f.tag = NINEP_NOTAG;
    f.msize = LF_MSIZE;
    f.version = ninep_str(NINEP_VERSION);
    lf_add(&f);

    memset(&f, 0, sizeof(f));
    f.type = NINEP_TATTACH;
    f.tag = 1;
    f.afid = NINEP_NOFID;
    f.uname = ninep_str("none");
    f.aname = ninep_str("");
    lf_add(&f);

    for (i = 0; i < lf_reqs; i++) {
        memset(&f, 0, sizeof(f));
        f.tag = (uint16_t) (2 + i);
        f.fid = lf_rand() % LF_FIDS;
        r = lf_rand() % 100;

        if (r < 25) {
            f.type = NINEP_TWALK;
            f.newfid = lf_rand() % LF_FIDS;
            f.nwname = (uint16_t) (lf_rand() % 4);
            for (k = 0; k < f.nwname; k++) {
                f.wname[k] = ninep_str(LF_PICK(lf_names));
            }

        } else if (r < 35) {
            f.type = NINEP_TCLUNK;

        } else if (r < 40) {
            f.type = NINEP_TREMOVE;

        } else if (r < 50) {
            f.type = NINEP_TOPEN;
            f.mode = (uint8_t) (lf_rand() % 4 | (lf_rand() % 3 ? 0 : 0x10));

        } else if (r < 60) {
            f.type = NINEP_TREAD;
            f.offset = lf_rand() % 3 ? 0 : lf_rand() % 4096;
            f.count = lf_rand() % 3 ? 8000 : lf_rand() % 200;

        } else if (r < 65) {
            f.type = NINEP_TWRITE;
            memset(data, 'a' + lf_rand() % 26, sizeof(data));
            f.offset = lf_rand() % 100;
            f.count = lf_rand() % sizeof(data);
            f.data = data;

        } else if (r < 73) {
            f.type = NINEP_TSTAT;

        } else if (r < 78) {
            f.type = NINEP_TWSTAT;
            memset(&f.st, 0xff, sizeof(f.st));
            f.st.name = ninep_str(lf_rand() % 2 ? "" : LF_PICK(lf_names));
            f.st.uid = ninep_str("");
            f.st.gid = ninep_str("");
            f.st.muid = ninep_str("");
            if (lf_rand() % 2) {
                f.st.length = lf_rand() % 100;
            }
            if (lf_rand() % 2) {
                f.st.mode = lf_rand() % 0777;
            }

        } else if (r < 84) {
            f.type = NINEP_TCREATE;
            f.name = ninep_str(LF_PICK(lf_names));
            f.perm = (lf_rand() % 4 ? 0 : 0x80000000U) | 0777;
            f.mode = (uint8_t) (lf_rand() % 3);

        } else if (r < 91) {
            f.type = NINEP_TATTACH;
            f.afid = NINEP_NOFID;
            f.uname = ninep_str("none");
            f.aname = ninep_str(LF_PICK(lf_anames));

        } else if (r < 97) {
            f.type = NINEP_TFLUSH;
            f.oldtag = (uint16_t) (1 + lf_rand() % (i + 1));

        } else if (r < 98) {
            f.type = NINEP_TVERSION;
            f.tag = NINEP_NOTAG;
            f.msize = LF_MSIZE;
            f.version = ninep_str(NINEP_VERSION);

        } else {
            f.type = NINEP_TAUTH;
            f.afid = f.fid;
            f.uname = ninep_str("none");
            f.aname = ninep_str("");
        }

        lf_add(&f);
    }

    if (lf_rand() % 8 == 0) {
        lf_mutate();
    }
}


/* The last message again, a few of its bytes changed (or cut short). */

static void
lf_mutate(void)
{
    unsigned   k, n;
    lf_msg_t  *m;

    if (lf_nbatch < 3 || lf_nbatch == sizeof(lf_batch) / sizeof(lf_batch[0]))
    {
        return;
    }

    m = &lf_batch[lf_nbatch];
    *m = lf_batch[lf_nbatch - 1];

    for (n = 1 + lf_rand() % 4, k = 0; k < n; k++) {
        m->bytes[lf_rand() % m->len] = (uint8_t) lf_rand();
    }

    if (lf_rand() % 4 == 0 && m->len > 7) {
        m->len = 7 + lf_rand() % (m->len - 7);
    }

    snprintf(m->text, sizeof(m->text), "(mutated copy of the message above, "
             "%zu bytes)", m->len);
    lf_nbatch++;
}


/* One write of the whole batch, then whatever comes back until quiet. */

static int
lf_run_batch(void)
{
    int       fd;
    uint8_t   in[65536];
    unsigned  i;

    fd = lf_connect();
    if (fd < 0) {
        return -1;
    }

    for (i = 0; i < lf_nbatch; i++) {
        if (lf_send(fd, lf_batch[i].bytes, lf_batch[i].len) < 0) {
            break;      /* closed on a malformed message: fine */
        }
    }

    while (lf_recv(fd, in, sizeof(in), 60) > 0) {
        /* drain */
    }

    close(fd);

    return 0;
}


/* Every process still there, and a new connection gets a version. */

static int
lf_alive(char *why, size_t size)
{
    int       fd, rc;
    unsigned  i;

    why[0] = '\0';

    for (i = 0; i < lf_npids; i++) {
        if (!lf_running(lf_pids[i])) {
            snprintf(why, size, "process %d is gone", (int) lf_pids[i]);
            return -1;
        }
    }

    fd = lf_connect();
    if (fd < 0) {
        snprintf(why, size, "cannot connect any more");
        return -1;
    }

    rc = lf_rpc_version(fd);
    close(fd);

    if (rc < 0) {
        snprintf(why, size, "a fresh Tversion got no Rversion");
    }

    return rc;
}


/* Alive: there, and not a zombie that nobody has waited for yet. */

static int
lf_running(pid_t pid)
{
    int    ok;
    char   path[64], buf[256], *p;
    FILE  *fp;

    snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);

    fp = fopen(path, "r");
    if (fp == NULL) {
        return 0;
    }

    ok = fgets(buf, sizeof(buf), fp) != NULL
         && (p = strrchr(buf, ')')) != NULL && p[1] == ' '
         && p[2] != 'Z' && p[2] != 'X';
    fclose(fp);

    return ok;
}
