/*
 * Ten: ten-load, a 9P2000 load generator.
 *
 * It opens CONNS connections to a 9P2000 server, over raw TCP or over a
 * WebSocket (one binary message per 9P message, as the kernel speaks it;
 * with -W the binary payloads are one byte stream instead, as a blind
 * TCP-to-WebSocket bridge such as websockify sends them),
 * does Tversion and Tattach on each, then keeps DEPTH operations in flight
 * per connection for SECONDS, and prints one line of throughput and
 * latency.  One thread multiplexes every socket with epoll.
 *
 * Each of a connection's DEPTH slots owns one tag (its index) and one fid
 * (its index + 1) and runs one operation at a time, each a chain of
 * dependent requests.  Latencies go into a log-linear histogram (128
 * sub-buckets per power of two: under 1% error) so memory stays bounded
 * however long the run.
 *
 * The WebSocket handshake uses the small SHA-1 and base64 written below,
 * not libcrypto: they only check Sec-WebSocket-Accept, which protects
 * against confused proxies, not attackers.
 */


#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ninep.h"
#include "hostport.h"


#define TL_SEC              1000000000ULL
#define TL_SETUP_NS         (10 * TL_SEC)   /* connect .. walk, all conns */
#define TL_SETUP_IDLE_NS    1000000ULL      /* idle: 1 ms more a conn */
#define TL_GRACE_NS         (5 * TL_SEC)    /* answers after the deadline */
#define TL_CLOSE_NS         (2 * TL_SEC)    /* the WebSocket closing */

#define TL_MAX_CONNS        100000
#define TL_MAX_DEPTH        4096
#define TL_MIN_MSIZE        256
#define TL_MAX_MSIZE        (16 * 1024 * 1024)
#define TL_HS_MAX           4096            /* handshake response header */
#define TL_WS_HDR_MAX       14              /* a masked frame's header */
#define TL_ERRMSG_MAX       5               /* Rerror strings printed */
#define TL_EVENTS           256
#define TL_STREAM_FRAME     65536           /* -W: frames may be this big */

#define TL_WS_GUID          "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define TL_WS_CONT          0x0
#define TL_WS_TEXT          0x1
#define TL_WS_BINARY        0x2
#define TL_WS_CLOSE         0x8
#define TL_WS_PING          0x9
#define TL_WS_PONG          0xa

#define TL_HIST_BITS        7
#define TL_HIST_SUB         (1U << TL_HIST_BITS)
#define TL_HIST_BUCKETS     ((64 - TL_HIST_BITS + 1) * TL_HIST_SUB)


typedef enum {
    TL_OP_STAT = 0,
    TL_OP_WOCR,
    TL_OP_READ,
    TL_OP_VERSION,
    TL_OP_IDLE
} tl_op_e;


/* what a slot waits for */
typedef enum {
    SL_IDLE = 0,
    SL_SETUP_WALK,
    SL_SETUP_OPEN,
    SL_STAT,
    SL_WOCR_WALK,
    SL_WOCR_OPEN,
    SL_WOCR_READ,
    SL_WOCR_CLUNK,
    SL_READ,
    SL_VERSION
} tl_step_e;


typedef enum {
    CS_CONNECT = 0,
    CS_HANDSHAKE,
    CS_VERSION,
    CS_ATTACH,
    CS_SLOTS,
    CS_READY,
    CS_CLOSING,         /* our close frame is out; waiting for the echo */
    CS_CLOSED,
    CS_DEAD
} tl_cstate_e;


typedef enum {
    PH_SETUP = 0,
    PH_RUN,
    PH_DRAIN,
    PH_CLOSE
} tl_phase_e;


typedef struct tl_conn_s  tl_conn_t;

typedef struct {
    tl_conn_t      *conn;
    uint16_t        tag;
    uint32_t        fid;
    tl_step_e       step;
    int             failed;     /* wocr: an error after the walk */
    uint64_t        start;      /* ns, when the operation began */
    uint64_t        offset;     /* read: the next offset */
    uint64_t        bytes;      /* data read by this operation */
} tl_slot_t;

struct tl_conn_s {
    unsigned        id;
    int             fd;
    tl_cstate_e     state;
    uint32_t        msize;      /* requested, then negotiated */
    unsigned        nready;     /* slots done with their setup */
    uint64_t        inflight;   /* requests not yet answered */
    int             want_out;   /* EPOLLOUT is on */
    int             dirty;      /* on the flush list */
    tl_conn_t      *next_dirty;

    uint8_t        *in;
    size_t          in_len;
    size_t          in_cap;

    uint8_t        *out;
    size_t          out_pos;
    size_t          out_len;
    size_t          out_cap;

    uint8_t        *frag;       /* a fragmented WebSocket message, or */
    size_t          frag_len;   /* with -W the stream's unparsed bytes */
    int             frag_on;

    char            ws_key[32];
    tl_slot_t      *slots;
};


typedef struct {
    uint64_t        count;
    uint64_t        sum;
    uint64_t        max;
    uint64_t        b[TL_HIST_BUCKETS];
} tl_hist_t;


typedef struct {
    /* options */
    const char     *addr;
    const char     *url;
    unsigned        nconns;
    unsigned        depth;
    double          secs;
    tl_op_e         op;
    const char     *opname;
    const char     *path;
    const char     *user;
    const char     *aname;
    uint32_t        msize;
    uint32_t        size;

    int             stream;     /* -W: WebSocket payloads are a stream */
    uint32_t        frame_max;  /* the largest frame accepted */

    /* derived from them */
    int             ws;
    const char     *target;     /* -a or -w, for messages */
    char            host[300];  /* the Host header */
    const char     *ws_path;
    struct sockaddr_storage  sa;
    socklen_t       salen;
    char           *pathbuf;
    uint16_t        nwname;
    char           *wname[NINEP_MAXWELEM];

    /* run state */
    int             ep;
    tl_phase_e      phase;
    tl_conn_t      *conns;
    tl_conn_t      *dirty;
    uint8_t        *scratch;
    uint64_t        rng;
    unsigned        nready;     /* connections ready to run */
    unsigned        nlive;      /* connections not lost */
    unsigned        nopen;      /* sockets open */
    uint64_t        inflight;
    uint64_t        t_begin;
    uint64_t        setup_end;
    uint64_t        t0;
    uint64_t        deadline;
    uint64_t        grace_end;
    uint64_t        close_end;

    /* results */
    uint64_t        ops;
    uint64_t        errors;
    uint64_t        bytes;
    uint64_t        unanswered;
    unsigned        lost;
    unsigned        nerrmsg;
    tl_hist_t       hist;
} tl_t;


static void tl_usage(FILE *fp);
static void tl_die(const char *fmt, ...);
static unsigned long long tl_number(const char *s, int opt,
    unsigned long long min, unsigned long long max);
static void tl_options(int argc, char **argv);
static void tl_parse_url(const char *url);
static void tl_resolve(const char *hostport, const char *dflt_port);
static void tl_split_path(void);
static void tl_init(void);
static void tl_on_signal(int signo);
static uint64_t tl_now(void);
static uint32_t tl_rand32(void);
static void tl_loop(void);
static int tl_tick(uint64_t now);
static int tl_timeout(uint64_t now);
static void tl_start_run(uint64_t now);
static void tl_drain(uint64_t now);
static void tl_start_close(uint64_t now);
static void tl_flush(void);
static int tl_report(void);
static void tl_estr(ninep_str_t s, char *buf, size_t size);

static void conn_open(tl_conn_t *c);
static void conn_connected(tl_conn_t *c);
static void conn_event(tl_conn_t *c, uint32_t events);
static void conn_read(tl_conn_t *c);
static void conn_write(tl_conn_t *c);
static void conn_want_out(tl_conn_t *c, int on);
static void conn_reserve(tl_conn_t *c, size_t n);
static void conn_send(tl_conn_t *c, const ninep_fcall_t *f);
static void conn_send_version(tl_conn_t *c);
static void conn_fail(tl_conn_t *c, const char *step, const char *fmt, ...);
static void conn_close(tl_conn_t *c);
static int conn_alive(tl_conn_t *c);
static const char *conn_step(tl_conn_t *c);
static void conn_tcp_parse(tl_conn_t *c, const uint8_t *buf, size_t len,
    size_t *pos);
static void conn_message(tl_conn_t *c, const uint8_t *p, size_t len);
static void conn_reply(tl_conn_t *c, const ninep_fcall_t *f);
static int conn_check_type(tl_conn_t *c, const ninep_fcall_t *f, int want);
static void conn_version_reply(tl_conn_t *c, const ninep_fcall_t *f);
static void conn_attach_reply(tl_conn_t *c, const ninep_fcall_t *f);
static void conn_slot_ready(tl_conn_t *c);

static void slot_walk(tl_slot_t *s, tl_step_e step);
static void slot_simple(tl_slot_t *s, int type, tl_step_e step);
static void slot_read(tl_slot_t *s, uint64_t offset, uint32_t count,
    tl_step_e step);
static void slot_start(tl_slot_t *s, uint64_t now);
static void slot_reply(tl_slot_t *s, const ninep_fcall_t *f);
static void slot_setup_reply(tl_slot_t *s, const ninep_fcall_t *f);
static void slot_wocr_reply(tl_slot_t *s, const ninep_fcall_t *f);
static void slot_done(tl_slot_t *s, int ok);
static void slot_rerror(tl_slot_t *s, const char *what,
    const ninep_fcall_t *f);
static int walk_ok(const ninep_fcall_t *f);
static void walk_error(const ninep_fcall_t *f, char *buf, size_t size);

static void ws_send_handshake(tl_conn_t *c);
static size_t ws_handshake_reply(tl_conn_t *c);
static int ws_header_has_token(const char *value, const char *token);
static void ws_frame_out(tl_conn_t *c, int opcode, const uint8_t *p,
    size_t len);
static void ws_parse(tl_conn_t *c, size_t *pos);
static void ws_frame(tl_conn_t *c, int fin, int opcode, const uint8_t *p,
    uint64_t len);
static void ws_close_frame(tl_conn_t *c, const uint8_t *p, uint64_t len);
static void ws_stream(tl_conn_t *c, const uint8_t *p, uint64_t len);
static void ws_accept(const char *key, char *out);

static void sha1(const uint8_t *data, size_t len, uint8_t out[20]);
static void sha1_block(uint32_t h[5], const uint8_t *p);
static void base64(const uint8_t *in, size_t len, char *out);

static void hist_add(uint64_t v);
static uint64_t hist_value(unsigned i);
static uint64_t hist_percentile(double p);


static const char  *tl_op_names[] = { "stat", "wocr", "read", "version",
                                      "idle" };

/* the R-message each step waits for */
static const int  tl_step_rtype[] = {
    [SL_IDLE] = 0,
    [SL_SETUP_WALK] = NINEP_RWALK,
    [SL_SETUP_OPEN] = NINEP_ROPEN,
    [SL_STAT] = NINEP_RSTAT,
    [SL_WOCR_WALK] = NINEP_RWALK,
    [SL_WOCR_OPEN] = NINEP_ROPEN,
    [SL_WOCR_READ] = NINEP_RREAD,
    [SL_WOCR_CLUNK] = NINEP_RCLUNK,
    [SL_READ] = NINEP_RREAD,
    [SL_VERSION] = NINEP_RVERSION
};

static tl_t                   tl;
static volatile sig_atomic_t  tl_stop;


int
main(int argc, char **argv)
{
    unsigned  i;

    tl_options(argc, argv);
    tl_init();

    for (i = 0; i < tl.nconns; i++) {
        conn_open(&tl.conns[i]);
    }

    tl_flush();
    tl_loop();

    return tl_report();
}


/* options */

static void
tl_usage(FILE *fp)
{
    fprintf(fp,
"usage: ten-load (-a host:port | -w ws://host:port/path [-W]) -o op\n"
"                [-c conns] [-d depth] [-t seconds] [-p path] [-u user]\n"
"                [-A aname] [-m msize] [-s size]\n"
"  -a host:port   raw 9P2000 over TCP (port 564 if omitted)\n"
"  -w url         9P2000 over a WebSocket, e.g. ws://127.0.0.1:8090/9p\n"
"  -W             -w: the server's binary payloads are a byte stream\n"
"                 (websockify), not one 9P message each\n"
"  -o op          stat | wocr | read | version | idle\n"
"  -c conns       connections (1)\n"
"  -d depth       operations in flight per connection (1)\n"
"  -t seconds     measuring time (5)\n"
"  -p path        the file for stat, wocr and read (/)\n"
"  -u user        Tattach uname (none)\n"
"  -A aname       Tattach aname (empty)\n"
"  -m msize       Tversion msize (65536; k and m suffixes work)\n"
"  -s size        read: Tread count (msize - 24, at most that)\n");
}


static void
tl_die(const char *fmt, ...)
{
    va_list  ap;

    fputs("ten-load: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);

    exit(1);
}


static unsigned long long
tl_number(const char *s, int opt, unsigned long long min,
    unsigned long long max)
{
    char                *end;
    unsigned long long   n;

    errno = 0;
    n = strtoull(s, &end, 10);

    if (end != s && (*end == 'k' || *end == 'K') && end[1] == '\0') {
        n *= 1024;
        end++;

    } else if (end != s && (*end == 'm' || *end == 'M') && end[1] == '\0') {
        n *= 1024 * 1024;
        end++;
    }

    if (errno != 0 || end == s || *end != '\0' || *s == '-'
        || n < min || n > max)
    {
        fprintf(stderr, "ten-load: -%c: want a number from %llu to %llu, "
                "not \"%s\"\n", opt, min, max, s);
        exit(2);
    }

    return n;
}


static void
tl_options(int argc, char **argv)
{
    int          ch;
    char        *end;
    unsigned     i;
    const char  *op;

    op = NULL;
    tl.nconns = 1;
    tl.depth = 1;
    tl.secs = 5;
    tl.path = "/";
    tl.user = "none";
    tl.aname = "";
    tl.msize = 65536;
    tl.size = 65536 - NINEP_IOHDRSZ;

    while ((ch = getopt(argc, argv, "a:w:Wc:d:t:o:p:u:A:m:s:h")) != -1) {
        switch (ch) {

        case 'a':
            tl.addr = optarg;
            break;

        case 'w':
            tl.url = optarg;
            break;

        case 'W':
            tl.stream = 1;
            break;

        case 'c':
            tl.nconns = tl_number(optarg, ch, 1, TL_MAX_CONNS);
            break;

        case 'd':
            tl.depth = tl_number(optarg, ch, 1, TL_MAX_DEPTH);
            break;

        case 't':
            tl.secs = strtod(optarg, &end);
            if (end == optarg || *end != '\0' || !(tl.secs > 0)
                || tl.secs > 1e6)
            {
                fprintf(stderr, "ten-load: -t: want seconds > 0, "
                        "not \"%s\"\n", optarg);
                exit(2);
            }
            break;

        case 'o':
            op = optarg;
            break;

        case 'p':
            tl.path = optarg;
            break;

        case 'u':
            tl.user = optarg;
            break;

        case 'A':
            tl.aname = optarg;
            break;

        case 'm':
            tl.msize = tl_number(optarg, ch, TL_MIN_MSIZE, TL_MAX_MSIZE);
            break;

        case 's':
            tl.size = tl_number(optarg, ch, 1, UINT32_MAX);
            break;

        case 'h':
            tl_usage(stdout);
            exit(0);

        default:
            tl_usage(stderr);
            exit(2);
        }
    }

    if (optind != argc || (tl.addr == NULL) == (tl.url == NULL)
        || op == NULL)
    {
        fprintf(stderr, "ten-load: give -o and exactly one of -a and -w\n");
        tl_usage(stderr);
        exit(2);
    }

    for (i = 0; i < sizeof(tl_op_names) / sizeof(tl_op_names[0]); i++) {
        if (strcmp(op, tl_op_names[i]) == 0) {
            break;
        }
    }

    if (i == sizeof(tl_op_names) / sizeof(tl_op_names[0])) {
        fprintf(stderr, "ten-load: -o: unknown op \"%s\" "
                "(stat, wocr, read, version or idle)\n", op);
        exit(2);
    }

    tl.op = (tl_op_e) i;
    tl.opname = tl_op_names[i];

    if (tl.stream && tl.url == NULL) {
        fprintf(stderr, "ten-load: -W needs -w\n");
        exit(2);
    }

    /* Tversion has no tag of its own (NOTAG): one in flight at a time */
    if (tl.op == TL_OP_VERSION && tl.depth != 1) {
        fprintf(stderr, "ten-load: -o version needs -d 1\n");
        exit(2);
    }

    if (tl.url != NULL) {
        tl.ws = 1;
        tl.target = tl.url;
        tl_parse_url(tl.url);

    } else {
        tl.target = tl.addr;
        tl_resolve(tl.addr, "564");
    }

    tl_split_path();
}


/* ws://host[:port][/path]; the authority becomes the Host header */

static void
tl_parse_url(const char *url)
{
    size_t       n;
    const char  *p, *slash;

    if (strncasecmp(url, "wss://", 6) == 0) {
        tl_die("-w %s: wss is not supported (use ws://)", url);
    }

    if (strncasecmp(url, "ws://", 5) != 0) {
        tl_die("-w %s: want ws://host:port/path", url);
    }

    p = url + 5;
    slash = strchr(p, '/');
    n = slash ? (size_t) (slash - p) : strlen(p);

    if (n == 0 || n >= sizeof(tl.host)) {
        tl_die("-w %s: bad host", url);
    }

    memcpy(tl.host, p, n);
    tl.host[n] = '\0';
    tl.ws_path = slash ? slash : "/";

    tl_resolve(tl.host, "80");
}


static void
tl_resolve(const char *hostport, const char *dflt_port)
{
    struct addrinfo  *ai;

    ai = hostport_resolve("ten-load", hostport, dflt_port, 0);
    memcpy(&tl.sa, ai->ai_addr, ai->ai_addrlen);
    tl.salen = ai->ai_addrlen;
    freeaddrinfo(ai);
}


/* PATH's elements for Twalk; empty ones and "." are dropped */

static void
tl_split_path(void)
{
    char  *p, *elem, *save;

    tl.pathbuf = strdup(tl.path);
    if (tl.pathbuf == NULL) {
        tl_die("out of memory");
    }

    for (p = tl.pathbuf; (elem = strtok_r(p, "/", &save)) != NULL;
         p = NULL)
    {
        if (strcmp(elem, ".") == 0) {
            continue;
        }

        if (tl.nwname == NINEP_MAXWELEM) {
            tl_die("-p %s: more than %d elements", tl.path,
                   NINEP_MAXWELEM);
        }

        tl.wname[tl.nwname++] = elem;
    }
}


static void
tl_init(void)
{
    unsigned          i, j;
    tl_conn_t        *c;
    struct sigaction  sa;

    if (getrandom(&tl.rng, sizeof(tl.rng), 0) != sizeof(tl.rng)) {
        tl_die("getrandom: %s", strerror(errno));
    }

    tl.rng |= 1;

    /*
     * A frame is one 9P message, at most msize; a bridge's frame is one
     * read from its TCP side (websockify reads up to 64 KiB), whatever
     * the msize.
     */
    tl.frame_max = tl.msize;
    if (tl.stream && tl.frame_max < TL_STREAM_FRAME) {
        tl.frame_max = TL_STREAM_FRAME;
    }

    tl.ep = epoll_create1(EPOLL_CLOEXEC);
    if (tl.ep == -1) {
        tl_die("epoll_create1: %s", strerror(errno));
    }

    tl.scratch = malloc(tl.msize);
    tl.conns = calloc(tl.nconns, sizeof(tl_conn_t));
    if (tl.scratch == NULL || tl.conns == NULL) {
        tl_die("out of memory");
    }

    for (i = 0; i < tl.nconns; i++) {
        c = &tl.conns[i];
        c->id = i;
        c->fd = -1;
        c->msize = tl.msize;
        /* room for one maximal frame and its header, or the handshake */
        c->in_cap = (size_t) tl.frame_max + TL_HS_MAX + TL_WS_HDR_MAX;
        c->in = malloc(c->in_cap);
        c->slots = calloc(tl.depth, sizeof(tl_slot_t));

        if (c->in == NULL || c->slots == NULL) {
            tl_die("out of memory");
        }

        for (j = 0; j < tl.depth; j++) {
            c->slots[j].conn = c;
            c->slots[j].tag = (uint16_t) j;
            c->slots[j].fid = j + 1;
        }
    }

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);

    /* the first ^C ends the run early; a second one kills */
    sa.sa_handler = tl_on_signal;
    sa.sa_flags = SA_RESETHAND;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    tl.nlive = tl.nconns;
    tl.t_begin = tl_now();
    tl.setup_end = tl.t_begin + TL_SETUP_NS;

    /* idle sessions are for memory: many of them, and attach is slow */
    if (tl.op == TL_OP_IDLE) {
        tl.setup_end += TL_SETUP_IDLE_NS * tl.nconns;
    }
}


static void
tl_on_signal(int signo)
{
    (void) signo;
    tl_stop = 1;
}


static uint64_t
tl_now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return (uint64_t) ts.tv_sec * TL_SEC + (uint64_t) ts.tv_nsec;
}


/* xorshift64*: WebSocket masking keys need not be secret here */

static uint32_t
tl_rand32(void)
{
    tl.rng ^= tl.rng >> 12;
    tl.rng ^= tl.rng << 25;
    tl.rng ^= tl.rng >> 27;

    return (uint32_t) ((tl.rng * 0x2545f4914f6cdd1dULL) >> 32);
}


/* the event loop and its phases */

static void
tl_loop(void)
{
    int                 i, n;
    struct epoll_event  ev[TL_EVENTS];

    while (tl_tick(tl_now())) {
        /* tl_tick() may have queued requests (the run's first ones) */
        tl_flush();

        n = epoll_wait(tl.ep, ev, TL_EVENTS, tl_timeout(tl_now()));

        if (n == -1) {
            if (errno == EINTR) {
                continue;
            }

            tl_die("epoll_wait: %s", strerror(errno));
        }

        for (i = 0; i < n; i++) {
            conn_event(ev[i].data.ptr, ev[i].events);
        }
    }
}


/* moves between phases, as far as it can; returns 0 when it is over */

static int
tl_tick(uint64_t now)
{
    unsigned    i;
    tl_phase_e  phase;

again:

    phase = tl.phase;

    if (tl_stop && tl.phase == PH_SETUP) {
        tl_die("interrupted during setup");
    }

    if (tl_stop && tl.phase == PH_RUN && now < tl.deadline) {
        tl.deadline = now;
    }

    switch (tl.phase) {

    case PH_SETUP:
        if (tl.nready == tl.nconns) {
            tl_start_run(now);
            break;
        }

        if (now >= tl.setup_end) {
            for (i = 0; i < tl.nconns; i++) {
                if (tl.conns[i].state != CS_READY) {
                    break;
                }
            }

            tl_die("%s: conn %u: %s: timed out after %llu s", tl.target,
                   i, conn_step(&tl.conns[i]),
                   (unsigned long long) ((tl.setup_end - tl.t_begin
                                          + TL_SEC / 2) / TL_SEC));
        }

        break;

    case PH_RUN:
        if (now >= tl.deadline || tl.nlive == 0) {
            tl_drain(now);
        }

        break;

    case PH_DRAIN:
        if (tl.inflight == 0 || tl.nlive == 0) {
            tl_start_close(now);

        } else if (now >= tl.grace_end) {
            tl.unanswered = tl.inflight;
            tl_start_close(now);
        }

        break;

    case PH_CLOSE:
        if (tl.nopen == 0 || now >= tl.close_end) {
            for (i = 0; i < tl.nconns; i++) {
                if (tl.conns[i].fd != -1) {
                    conn_close(&tl.conns[i]);
                }
            }

            return 0;
        }

        break;
    }

    if (tl.phase != phase) {
        goto again;
    }

    return 1;
}


static int
tl_timeout(uint64_t now)
{
    uint64_t  end;

    switch (tl.phase) {
    case PH_SETUP:
        end = tl.setup_end;
        break;
    case PH_RUN:
        end = tl.deadline;
        break;
    case PH_DRAIN:
        end = tl.grace_end;
        break;
    default:
        end = tl.close_end;
        break;
    }

    if (end <= now) {
        return 0;
    }

    /* round up, or the loop spins for the last partial millisecond */
    end = (end - now + 999999) / 1000000;

    return end > 1000 ? 1000 : (int) end;
}


/* every connection is ready: start the clock and every slot at once */

static void
tl_start_run(uint64_t now)
{
    unsigned    i, j;
    tl_conn_t  *c;

    tl.phase = PH_RUN;
    tl.t0 = now;
    tl.deadline = now + (uint64_t) (tl.secs * TL_SEC);

    if (tl.op == TL_OP_IDLE) {
        /* a script waits for this line before it measures */
        fprintf(stderr, "ten-load: %u sessions ready after %.2f s; idle "
                "for %.2f s\n", tl.nconns, (double) (now - tl.t_begin)
                / TL_SEC, tl.secs);
        return;
    }

    for (i = 0; i < tl.nconns; i++) {
        c = &tl.conns[i];

        for (j = 0; j < tl.depth; j++) {
            slot_start(&c->slots[j], now);
        }
    }
}


static void
tl_drain(uint64_t now)
{
    tl.phase = PH_DRAIN;
    tl.grace_end = now + TL_GRACE_NS;
}


/* WebSocket connections get a close frame and wait for its echo */

static void
tl_start_close(uint64_t now)
{
    unsigned        i;
    tl_conn_t      *c;
    static uint8_t  normal[2] = { 1000 >> 8, 1000 & 0xff };

    tl.phase = PH_CLOSE;
    tl.close_end = now + TL_CLOSE_NS;

    for (i = 0; i < tl.nconns; i++) {
        c = &tl.conns[i];

        if (c->fd == -1) {
            continue;
        }

        if (tl.ws) {
            ws_frame_out(c, TL_WS_CLOSE, normal, sizeof(normal));
            c->state = CS_CLOSING;

        } else {
            conn_close(c);
        }
    }

    tl_flush();
}


static void
tl_flush(void)
{
    tl_conn_t  *c;

    while (tl.dirty != NULL) {
        c = tl.dirty;
        tl.dirty = c->next_dirty;
        c->dirty = 0;

        if (c->fd != -1) {
            conn_write(c);
        }
    }
}


static int
tl_report(void)
{
    double  secs;

    secs = (double) (tl.deadline - tl.t0) / TL_SEC;
    if (secs <= 0) {
        secs = 1e-9;
    }

    printf("op=%s conns=%u depth=%u secs=%.2f ops=%llu ops_per_s=%.0f "
           "p50_us=%llu p99_us=%llu errors=%llu p999_us=%llu max_us=%llu "
           "mean_us=%llu read_mib_per_s=%.1f transport=%s\n",
           tl.opname, tl.nconns, tl.depth, secs,
           (unsigned long long) tl.ops, (double) tl.ops / secs,
           (unsigned long long) (hist_percentile(0.50) + 500) / 1000,
           (unsigned long long) (hist_percentile(0.99) + 500) / 1000,
           (unsigned long long) tl.errors,
           (unsigned long long) (hist_percentile(0.999) + 500) / 1000,
           (unsigned long long) (tl.hist.max + 500) / 1000,
           (unsigned long long) (tl.hist.count
                                 ? (tl.hist.sum / tl.hist.count + 500) / 1000
                                 : 0),
           (double) tl.bytes / secs / (1024 * 1024),
           tl.ws ? "ws" : "tcp");

    if (tl.nerrmsg < tl.errors) {
        fprintf(stderr, "ten-load: %llu errors in all\n",
                (unsigned long long) tl.errors);
    }

    if (tl.unanswered) {
        fprintf(stderr, "ten-load: %llu requests unanswered %llu s after "
                "the end\n", (unsigned long long) tl.unanswered,
                (unsigned long long) (TL_GRACE_NS / TL_SEC));
    }

    if (tl.lost) {
        fprintf(stderr, "ten-load: %u connections lost\n", tl.lost);
    }

    if (tl.op == TL_OP_IDLE) {
        return tl.lost ? 1 : 0;
    }

    if (tl.ops == 0) {
        fprintf(stderr, "ten-load: no operation succeeded\n");
    }

    return tl.unanswered || tl.lost || tl.ops == 0 ? 1 : 0;
}


/* a server's string, printable and NUL-terminated */

static void
tl_estr(ninep_str_t s, char *buf, size_t size)
{
    size_t  i, n;

    n = s.len < size - 1 ? s.len : size - 1;

    for (i = 0; i < n; i++) {
        buf[i] = (s.data[i] >= 0x20 && s.data[i] < 0x7f) ? s.data[i] : '?';
    }

    buf[n] = '\0';
}


/* connections */

static void
conn_open(tl_conn_t *c)
{
    struct epoll_event  ev;

    c->fd = socket(tl.sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK
                   | SOCK_CLOEXEC, 0);
    if (c->fd == -1) {
        conn_fail(c, "connect", "socket: %s", strerror(errno));
    }

    tl.nopen++;

    if (connect(c->fd, (struct sockaddr *) &tl.sa, tl.salen) == -1
        && errno != EINPROGRESS)
    {
        conn_fail(c, "connect", "%s", strerror(errno));
    }

    /* the first event, either way, ends the connect */
    ev.events = EPOLLIN | EPOLLOUT;
    ev.data.ptr = c;

    if (epoll_ctl(tl.ep, EPOLL_CTL_ADD, c->fd, &ev) == -1) {
        tl_die("epoll_ctl: %s", strerror(errno));
    }

    c->want_out = 1;
    c->state = CS_CONNECT;
}


static void
conn_connected(tl_conn_t *c)
{
    int        err, one;
    socklen_t  len;

    err = 0;
    len = sizeof(err);

    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1) {
        err = errno;
    }

    if (err != 0) {
        conn_fail(c, "connect", "%s", strerror(err));
        return;
    }

    /* requests are small and pipelined: never wait to coalesce them */
    one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

    conn_want_out(c, 0);

    if (tl.ws) {
        ws_send_handshake(c);
        c->state = CS_HANDSHAKE;

    } else {
        conn_send_version(c);
    }
}


static void
conn_event(tl_conn_t *c, uint32_t events)
{
    if (c->fd == -1) {
        return;
    }

    if (c->state == CS_CONNECT) {
        conn_connected(c);
        return;
    }

    if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
        conn_read(c);
    }

    if (c->fd != -1 && (events & EPOLLOUT)) {
        conn_write(c);
    }
}


static void
conn_read(tl_conn_t *c)
{
    size_t   pos;
    ssize_t  n;

    if (c->in_len == c->in_cap) {
        /* cannot happen: every unit is bounded below in_cap */
        conn_fail(c, NULL, "input buffer full");
        return;
    }

    n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);

    if (n == 0) {
        conn_fail(c, NULL, "connection closed by the server");
        return;
    }

    if (n == -1) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            conn_fail(c, NULL, "recv: %s", strerror(errno));
        }

        return;
    }

    c->in_len += (size_t) n;
    pos = 0;

    if (c->state == CS_HANDSHAKE) {
        pos = ws_handshake_reply(c);
        if (pos == 0 || c->fd == -1) {
            return;
        }
    }

    if (tl.ws) {
        ws_parse(c, &pos);

    } else {
        conn_tcp_parse(c, c->in, c->in_len, &pos);
    }

    if (c->fd == -1) {
        return;
    }

    if (pos > 0) {
        memmove(c->in, c->in + pos, c->in_len - pos);
        c->in_len -= pos;
    }
}


static void
conn_write(tl_conn_t *c)
{
    ssize_t  n;

    while (c->out_pos < c->out_len) {
        n = send(c->fd, c->out + c->out_pos, c->out_len - c->out_pos,
                 MSG_NOSIGNAL);

        if (n == -1) {
            if (errno == EINTR) {
                continue;
            }

            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                conn_want_out(c, 1);
                return;
            }

            conn_fail(c, NULL, "send: %s", strerror(errno));
            return;
        }

        c->out_pos += (size_t) n;
    }

    c->out_pos = 0;
    c->out_len = 0;
    conn_want_out(c, 0);
}


static void
conn_want_out(tl_conn_t *c, int on)
{
    struct epoll_event  ev;

    if (c->want_out == on) {
        return;
    }

    ev.events = EPOLLIN | (on ? EPOLLOUT : 0);
    ev.data.ptr = c;

    if (epoll_ctl(tl.ep, EPOLL_CTL_MOD, c->fd, &ev) == -1) {
        tl_die("epoll_ctl: %s", strerror(errno));
    }

    c->want_out = on;
}


/* room for n more output bytes; queues the connection for writing */

static void
conn_reserve(tl_conn_t *c, size_t n)
{
    size_t    cap;
    uint8_t  *p;

    if (c->out_pos > 0 && c->out_len + n > c->out_cap) {
        memmove(c->out, c->out + c->out_pos, c->out_len - c->out_pos);
        c->out_len -= c->out_pos;
        c->out_pos = 0;
    }

    if (c->out_len + n > c->out_cap) {
        cap = c->out_cap ? c->out_cap : 4096;

        while (cap < c->out_len + n) {
            cap *= 2;
        }

        p = realloc(c->out, cap);
        if (p == NULL) {
            tl_die("out of memory");
        }

        c->out = p;
        c->out_cap = cap;
    }

    if (!c->dirty) {
        c->dirty = 1;
        c->next_dirty = tl.dirty;
        tl.dirty = c;
    }
}


static void
conn_send(tl_conn_t *c, const ninep_fcall_t *f)
{
    ssize_t  n;

    if (tl.ws) {
        n = ninep_pack(f, tl.scratch, c->msize);
        if (n > 0) {
            ws_frame_out(c, TL_WS_BINARY, tl.scratch, (size_t) n);
        }

    } else {
        conn_reserve(c, c->msize);
        n = ninep_pack(f, c->out + c->out_len, c->msize);
        if (n > 0) {
            c->out_len += (size_t) n;
        }
    }

    if (n < 0) {
        tl_die("cannot encode %s (msize %u): %s", ninep_type_name(f->type),
               c->msize, ninep_strerror((int) n));
    }

    c->inflight++;
    tl.inflight++;
}


static void
conn_send_version(tl_conn_t *c)
{
    ninep_fcall_t  f;

    memset(&f, 0, sizeof(f));
    f.type = NINEP_TVERSION;
    f.tag = NINEP_NOTAG;
    f.msize = tl.msize;
    f.version = ninep_str(NINEP_VERSION);

    conn_send(c, &f);
    c->state = CS_VERSION;
}


/*
 * During setup every failure ends the program, naming the step.  Later
 * a failed connection is closed and counted, and the others go on.
 */

static void
conn_fail(tl_conn_t *c, const char *step, const char *fmt, ...)
{
    char     msg[512];
    va_list  ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);

    if (step == NULL) {
        step = conn_step(c);
    }

    if (tl.phase == PH_SETUP) {
        tl_die("%s: conn %u: %s: %s", tl.target, c->id, step, msg);
    }

    if (tl.phase != PH_CLOSE && c->state != CS_CLOSING) {
        fprintf(stderr, "ten-load: %s: conn %u: %s: %s\n", tl.target,
                c->id, step, msg);
        tl.lost++;
    }

    tl.inflight -= c->inflight;
    c->inflight = 0;
    tl.nlive--;

    conn_close(c);
    c->state = CS_DEAD;
}


static void
conn_close(tl_conn_t *c)
{
    if (c->fd == -1) {
        return;
    }

    close(c->fd);
    c->fd = -1;
    c->state = CS_CLOSED;
    tl.nopen--;
}


static int
conn_alive(tl_conn_t *c)
{
    return c->fd != -1 && c->state != CS_CLOSING;
}


static const char *
conn_step(tl_conn_t *c)
{
    switch (c->state) {
    case CS_CONNECT:
        return "connect";
    case CS_HANDSHAKE:
        return "websocket handshake";
    case CS_VERSION:
        return "version";
    case CS_ATTACH:
        return "attach";
    case CS_SLOTS:
        return tl.op == TL_OP_READ ? "walk/open" : "walk";
    default:
        return tl.opname;
    }
}


/* raw TCP (or a -W stream): size[4]-delimited messages in buf[*pos..len) */

static void
conn_tcp_parse(tl_conn_t *c, const uint8_t *buf, size_t len, size_t *pos)
{
    size_t    avail;
    int64_t   size;

    while (c->fd != -1) {
        avail = len - *pos;

        size = ninep_peek_size(buf + *pos, avail);
        if (size < 0) {
            return;
        }

        if (size < NINEP_HDRSZ || size > c->msize) {
            conn_fail(c, NULL, "reply of %lld bytes (msize %u)",
                      (long long) size, c->msize);
            return;
        }

        if ((size_t) size > avail) {
            return;
        }

        conn_message(c, buf + *pos, (size_t) size);
        *pos += (size_t) size;
    }
}


static void
conn_message(tl_conn_t *c, const uint8_t *p, size_t len)
{
    int            rc;
    ninep_fcall_t  f;

    if (c->state == CS_CLOSING) {
        return;
    }

    rc = ninep_unpack(p, len, c->msize, NINEP_R, &f);
    if (rc != NINEP_OK) {
        conn_fail(c, NULL, "malformed reply: %s", ninep_strerror(rc));
        return;
    }

    conn_reply(c, &f);
}


static void
conn_reply(tl_conn_t *c, const ninep_fcall_t *f)
{
    tl_slot_t  *s;

    if (c->state == CS_VERSION) {
        conn_version_reply(c, f);
        return;
    }

    if (c->state == CS_ATTACH) {
        conn_attach_reply(c, f);
        return;
    }

    s = NULL;

    if (f->tag == NINEP_NOTAG) {
        if (tl.op == TL_OP_VERSION) {
            s = &c->slots[0];
        }

    } else if (f->tag < tl.depth) {
        s = &c->slots[f->tag];
    }

    if (s == NULL || s->step == SL_IDLE) {
        conn_fail(c, NULL, "%s with unexpected tag %u",
                  ninep_type_name(f->type), f->tag);
        return;
    }

    if (!conn_check_type(c, f, tl_step_rtype[s->step])) {
        return;
    }

    slot_reply(s, f);
}


/* counts the answer in; a reply that answers something else is fatal */

static int
conn_check_type(tl_conn_t *c, const ninep_fcall_t *f, int want)
{
    if (f->type != want && f->type != NINEP_RERROR) {
        conn_fail(c, NULL, "%s where %s belongs",
                  ninep_type_name(f->type), ninep_type_name(want));
        return 0;
    }

    c->inflight--;
    tl.inflight--;

    return 1;
}


static void
conn_version_reply(tl_conn_t *c, const ninep_fcall_t *f)
{
    char           buf[256];
    ninep_fcall_t  t;

    if (f->tag != NINEP_NOTAG) {
        conn_fail(c, NULL, "%s with tag %u, not NOTAG",
                  ninep_type_name(f->type), f->tag);
        return;
    }

    if (!conn_check_type(c, f, NINEP_RVERSION)) {
        return;
    }

    if (f->type == NINEP_RERROR) {
        tl_estr(f->ename, buf, sizeof(buf));
        conn_fail(c, NULL, "%s", buf);
        return;
    }

    if (!ninep_str_eq(f->version, NINEP_VERSION)) {
        tl_estr(f->version, buf, sizeof(buf));
        conn_fail(c, NULL, "the server speaks \"%s\", not 9P2000", buf);
        return;
    }

    if (f->msize > tl.msize || f->msize <= NINEP_IOHDRSZ) {
        conn_fail(c, NULL, "unusable msize %u (asked for %u)", f->msize,
                  tl.msize);
        return;
    }

    c->msize = f->msize;

    if (tl.op == TL_OP_VERSION) {
        /* the kernel answers nothing else yet: no attach */
        c->state = CS_READY;
        tl.nready++;
        return;
    }

    memset(&t, 0, sizeof(t));
    t.type = NINEP_TATTACH;
    t.tag = 0;
    t.fid = 0;
    t.afid = NINEP_NOFID;
    t.uname = ninep_str(tl.user);
    t.aname = ninep_str(tl.aname);

    conn_send(c, &t);
    c->state = CS_ATTACH;
}


static void
conn_attach_reply(tl_conn_t *c, const ninep_fcall_t *f)
{
    char      buf[256];
    unsigned  i;

    if (f->tag != 0) {
        conn_fail(c, NULL, "%s with unexpected tag %u",
                  ninep_type_name(f->type), f->tag);
        return;
    }

    if (!conn_check_type(c, f, NINEP_RATTACH)) {
        return;
    }

    if (f->type == NINEP_RERROR) {
        tl_estr(f->ename, buf, sizeof(buf));
        conn_fail(c, NULL, "%s", buf);
        return;
    }

    c->state = CS_SLOTS;

    for (i = 0; i < tl.depth; i++) {
        if (tl.op == TL_OP_STAT || tl.op == TL_OP_READ) {
            slot_walk(&c->slots[i], SL_SETUP_WALK);

        } else {
            conn_slot_ready(c);
        }
    }
}


static void
conn_slot_ready(tl_conn_t *c)
{
    if (++c->nready == tl.depth) {
        c->state = CS_READY;
        tl.nready++;
    }
}


/* slots: one operation at a time, each a chain of requests */

static void
slot_walk(tl_slot_t *s, tl_step_e step)
{
    uint16_t       i;
    ninep_fcall_t  f;

    memset(&f, 0, sizeof(f));
    f.type = NINEP_TWALK;
    f.tag = s->tag;
    f.fid = 0;
    f.newfid = s->fid;
    f.nwname = tl.nwname;

    for (i = 0; i < tl.nwname; i++) {
        f.wname[i] = ninep_str(tl.wname[i]);
    }

    conn_send(s->conn, &f);
    s->step = step;
}


/* Topen (OREAD), Tclunk or Tstat of the slot's fid */

static void
slot_simple(tl_slot_t *s, int type, tl_step_e step)
{
    ninep_fcall_t  f;

    memset(&f, 0, sizeof(f));
    f.type = (uint8_t) type;
    f.tag = s->tag;
    f.fid = s->fid;
    f.mode = NINEP_OREAD;

    conn_send(s->conn, &f);
    s->step = step;
}


static void
slot_read(tl_slot_t *s, uint64_t offset, uint32_t count, tl_step_e step)
{
    ninep_fcall_t  f;

    memset(&f, 0, sizeof(f));
    f.type = NINEP_TREAD;
    f.tag = s->tag;
    f.fid = s->fid;
    f.offset = offset;
    f.count = count;

    conn_send(s->conn, &f);
    s->step = step;
}


static void
slot_start(tl_slot_t *s, uint64_t now)
{
    uint32_t       max;
    ninep_fcall_t  f;

    if (!conn_alive(s->conn)) {
        return;
    }

    s->start = now;
    s->failed = 0;
    s->bytes = 0;

    switch (tl.op) {

    case TL_OP_STAT:
        slot_simple(s, NINEP_TSTAT, SL_STAT);
        break;

    case TL_OP_WOCR:
        slot_walk(s, SL_WOCR_WALK);
        break;

    case TL_OP_READ:
        max = s->conn->msize - NINEP_IOHDRSZ;
        slot_read(s, s->offset, tl.size < max ? tl.size : max, SL_READ);
        break;

    case TL_OP_VERSION:
        memset(&f, 0, sizeof(f));
        f.type = NINEP_TVERSION;
        f.tag = NINEP_NOTAG;
        f.msize = tl.msize;
        f.version = ninep_str(NINEP_VERSION);

        conn_send(s->conn, &f);
        s->step = SL_VERSION;
        break;

    case TL_OP_IDLE:
        /* tl_start_run() starts no slot: the session stays quiet */
        break;
    }
}


static void
slot_reply(tl_slot_t *s, const ninep_fcall_t *f)
{
    switch (s->step) {

    case SL_SETUP_WALK:
    case SL_SETUP_OPEN:
        slot_setup_reply(s, f);
        return;

    case SL_WOCR_WALK:
    case SL_WOCR_OPEN:
    case SL_WOCR_READ:
    case SL_WOCR_CLUNK:
        slot_wocr_reply(s, f);
        return;

    case SL_STAT:
        if (f->type == NINEP_RERROR) {
            slot_rerror(s, "stat", f);
        }

        slot_done(s, f->type == NINEP_RSTAT);
        return;

    case SL_READ:
        if (f->type == NINEP_RERROR) {
            slot_rerror(s, "read", f);
            slot_done(s, 0);
            return;
        }

        /* at EOF start over */
        s->offset = f->count ? s->offset + f->count : 0;
        s->bytes = f->count;
        slot_done(s, 1);
        return;

    case SL_VERSION:
        if (f->type == NINEP_RERROR) {
            slot_rerror(s, "version", f);
            slot_done(s, 0);
            return;
        }

        if (!ninep_str_eq(f->version, NINEP_VERSION)
            || f->msize > tl.msize || f->msize <= NINEP_IOHDRSZ)
        {
            conn_fail(s->conn, NULL, "bad Rversion (msize %u)", f->msize);
            return;
        }

        s->conn->msize = f->msize;
        slot_done(s, 1);
        return;

    default:
        return;
    }
}


static void
slot_setup_reply(tl_slot_t *s, const ninep_fcall_t *f)
{
    char  buf[256];

    if (f->type == NINEP_RERROR) {
        tl_estr(f->ename, buf, sizeof(buf));
        conn_fail(s->conn, s->step == SL_SETUP_WALK ? "walk" : "open",
                  "%s: %s", tl.path, buf);
        return;
    }

    if (s->step == SL_SETUP_WALK && !walk_ok(f)) {
        walk_error(f, buf, sizeof(buf));
        conn_fail(s->conn, "walk", "%s: %s", tl.path, buf);
        return;
    }

    if (s->step == SL_SETUP_WALK && tl.op == TL_OP_READ) {
        slot_simple(s, NINEP_TOPEN, SL_SETUP_OPEN);
        return;
    }

    s->step = SL_IDLE;
    conn_slot_ready(s->conn);
}


/* walk, open, read, clunk: after a walk, always clunk */

static void
slot_wocr_reply(tl_slot_t *s, const ninep_fcall_t *f)
{
    switch (s->step) {

    case SL_WOCR_WALK:
        if (f->type == NINEP_RERROR || !walk_ok(f)) {
            /* no fid was made */
            slot_rerror(s, "walk", f);
            slot_done(s, 0);
            return;
        }

        slot_simple(s, NINEP_TOPEN, SL_WOCR_OPEN);
        return;

    case SL_WOCR_OPEN:
        if (f->type == NINEP_RERROR) {
            slot_rerror(s, "open", f);
            s->failed = 1;
            slot_simple(s, NINEP_TCLUNK, SL_WOCR_CLUNK);
            return;
        }

        slot_read(s, 0, s->conn->msize - NINEP_IOHDRSZ, SL_WOCR_READ);
        return;

    case SL_WOCR_READ:
        if (f->type == NINEP_RERROR) {
            slot_rerror(s, "read", f);
            s->failed = 1;

        } else {
            s->bytes = f->count;
        }

        slot_simple(s, NINEP_TCLUNK, SL_WOCR_CLUNK);
        return;

    default:
        if (f->type == NINEP_RERROR) {
            slot_rerror(s, "clunk", f);
            s->failed = 1;
        }

        slot_done(s, !s->failed);
        return;
    }
}


/* counts an operation that ends inside the window, and starts the next */

static void
slot_done(tl_slot_t *s, int ok)
{
    uint64_t  now;

    now = tl_now();
    s->step = SL_IDLE;

    if (tl.phase == PH_RUN && now >= tl.deadline) {
        tl_drain(now);
    }

    if (tl.phase != PH_RUN) {
        return;
    }

    if (ok) {
        tl.ops++;
        tl.bytes += s->bytes;
        hist_add(now - s->start);

    } else {
        tl.errors++;
    }

    slot_start(s, now);
}


static void
slot_rerror(tl_slot_t *s, const char *what, const ninep_fcall_t *f)
{
    char  buf[256];

    if (tl.nerrmsg == TL_ERRMSG_MAX) {
        return;
    }

    tl.nerrmsg++;

    if (f->type == NINEP_RERROR) {
        tl_estr(f->ename, buf, sizeof(buf));

    } else {
        walk_error(f, buf, sizeof(buf));
    }

    fprintf(stderr, "ten-load: conn %u tag %u: %s %s: %s\n", s->conn->id,
            s->tag, what, tl.path, buf);
}


/* a walk made the fid only if every element was walked */

static int
walk_ok(const ninep_fcall_t *f)
{
    return f->nwqid == tl.nwname;
}


/* why an Rwalk did not make the fid */

static void
walk_error(const ninep_fcall_t *f, char *buf, size_t size)
{
    if (f->nwqid < tl.nwname) {
        snprintf(buf, size, "\"%s\" not found", tl.wname[f->nwqid]);

    } else {
        snprintf(buf, size, "Rwalk with %u qids for %u names", f->nwqid,
                 tl.nwname);
    }
}


/* WebSocket (RFC 6455), client side */

static void
ws_send_handshake(tl_conn_t *c)
{
    int      n;
    uint8_t  key[16];

    if (getrandom(key, sizeof(key), 0) != sizeof(key)) {
        tl_die("getrandom: %s", strerror(errno));
    }

    base64(key, sizeof(key), c->ws_key);

    conn_reserve(c, TL_HS_MAX);

    n = snprintf((char *) c->out + c->out_len, TL_HS_MAX,
                 "GET %s HTTP/1.1\r\n"
                 "Host: %s\r\n"
                 "Upgrade: websocket\r\n"
                 "Connection: Upgrade\r\n"
                 "Sec-WebSocket-Key: %s\r\n"
                 "Sec-WebSocket-Version: 13\r\n"
                 "%s"
                 "\r\n",
                 tl.ws_path, tl.host, c->ws_key,
                 /* a bridge does not speak 9p (websockify refuses it) */
                 tl.stream ? "" : "Sec-WebSocket-Protocol: 9p\r\n");

    if (n < 0 || n >= TL_HS_MAX) {
        tl_die("-w %s: request too long", tl.url);
    }

    c->out_len += (size_t) n;
}


/*
 * Checks the 101 response once its header is complete; returns its
 * length, or 0 while it is incomplete or after a failure.
 */

static size_t
ws_handshake_reply(tl_conn_t *c)
{
    char      hdr[TL_HS_MAX + 1], accept[32], *line, *next, *colon, *v;
    size_t    len;
    uint8_t  *end;
    int       upgrade, connection, accepted;

    end = memmem(c->in, c->in_len, "\r\n\r\n", 4);

    if (end == NULL) {
        if (c->in_len >= TL_HS_MAX) {
            conn_fail(c, NULL, "response header over %d bytes", TL_HS_MAX);
        }

        return 0;
    }

    len = (size_t) (end - c->in) + 4;
    if (len > TL_HS_MAX) {
        conn_fail(c, NULL, "response header over %d bytes", TL_HS_MAX);
        return 0;
    }

    memcpy(hdr, c->in, len - 2);
    hdr[len - 2] = '\0';

    next = strstr(hdr, "\r\n");
    *next = '\0';
    next += 2;

    if (strncmp(hdr, "HTTP/1.1 101", 12) != 0
        || (hdr[12] != ' ' && hdr[12] != '\0'))
    {
        for (v = hdr; *v; v++) {
            if (*v < 0x20 || *v >= 0x7f) {
                *v = '?';
            }
        }

        conn_fail(c, NULL, "the server answered \"%s\"", hdr);
        return 0;
    }

    ws_accept(c->ws_key, accept);
    upgrade = 0;
    connection = 0;
    accepted = 0;

    for (line = next; *line != '\0'; line = next) {
        next = strstr(line, "\r\n");
        *next = '\0';
        next += 2;

        colon = strchr(line, ':');
        if (colon == NULL) {
            continue;
        }

        *colon = '\0';

        for (v = colon + 1; *v == ' ' || *v == '\t'; v++) { /* void */ }

        len = strlen(v);
        while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t')) {
            v[--len] = '\0';
        }

        if (strcasecmp(line, "Upgrade") == 0) {
            upgrade = strcasecmp(v, "websocket") == 0;

        } else if (strcasecmp(line, "Connection") == 0) {
            connection = ws_header_has_token(v, "upgrade");

        } else if (strcasecmp(line, "Sec-WebSocket-Accept") == 0) {
            accepted = strcmp(v, accept) == 0;

            if (!accepted) {
                conn_fail(c, NULL, "wrong Sec-WebSocket-Accept");
                return 0;
            }

        } else if (strcasecmp(line, "Sec-WebSocket-Protocol") == 0
                   && (tl.stream || strcmp(v, "9p") != 0))
        {
            conn_fail(c, NULL, "unasked-for subprotocol");
            return 0;
        }
    }

    if (!upgrade || !connection || !accepted) {
        conn_fail(c, NULL, "101 without %s",
                  !upgrade ? "Upgrade: websocket"
                  : !connection ? "Connection: upgrade"
                  : "Sec-WebSocket-Accept");
        return 0;
    }

    conn_send_version(c);

    return (size_t) (end - c->in) + 4;
}


static int
ws_header_has_token(const char *value, const char *token)
{
    size_t       n, len;
    const char  *p;

    len = strlen(token);

    for (p = value; *p != '\0'; p += n) {
        p += strspn(p, " \t,");
        n = strcspn(p, ",");

        if (n >= len && strncasecmp(p, token, len) == 0
            && strspn(p + len, " \t") == n - len)
        {
            return 1;
        }
    }

    return 0;
}


/* one unfragmented client frame, masked as RFC 6455 5.3 requires */

static void
ws_frame_out(tl_conn_t *c, int opcode, const uint8_t *p, size_t len)
{
    size_t    i;
    uint8_t  *o, mask[4];
    uint32_t  r;

    conn_reserve(c, len + TL_WS_HDR_MAX);
    o = c->out + c->out_len;

    *o++ = (uint8_t) (0x80 | opcode);

    if (len < 126) {
        *o++ = (uint8_t) (0x80 | len);

    } else if (len <= 0xffff) {
        *o++ = 0x80 | 126;
        *o++ = (uint8_t) (len >> 8);
        *o++ = (uint8_t) len;

    } else {
        *o++ = 0x80 | 127;
        for (i = 0; i < 8; i++) {
            *o++ = (uint8_t) ((uint64_t) len >> (56 - 8 * i));
        }
    }

    r = tl_rand32();
    memcpy(mask, &r, 4);
    memcpy(o, mask, 4);
    o += 4;

    for (i = 0; i < len; i++) {
        o[i] = p[i] ^ mask[i & 3];
    }

    c->out_len = (size_t) (o + len - c->out);
}


/* every complete frame from *pos on */

static void
ws_parse(tl_conn_t *c, size_t *pos)
{
    int             i;
    size_t          avail, hlen;
    uint64_t        len;
    const uint8_t  *p;

    while (c->fd != -1) {
        p = c->in + *pos;
        avail = c->in_len - *pos;

        if (avail < 2) {
            return;
        }

        if (p[0] & 0x70) {
            conn_fail(c, NULL, "websocket frame with reserved bits set");
            return;
        }

        if (p[1] & 0x80) {
            conn_fail(c, NULL, "masked websocket frame from the server");
            return;
        }

        len = p[1] & 0x7f;
        hlen = 2;

        if (len == 126) {
            hlen = 4;
        } else if (len == 127) {
            hlen = 10;
        }

        if (avail < hlen) {
            return;
        }

        if (hlen > 2) {
            len = 0;
            for (i = 2; i < (int) hlen; i++) {
                len = len << 8 | p[i];
            }
        }

        /* a 9P message never exceeds msize; the buffer holds one */
        if (len > (tl.stream ? tl.frame_max : c->msize)) {
            conn_fail(c, NULL, "websocket frame of %llu bytes (msize %u)",
                      (unsigned long long) len, c->msize);
            return;
        }

        if (avail - hlen < len) {
            return;
        }

        ws_frame(c, p[0] & 0x80, p[0] & 0x0f, p + hlen, len);
        *pos += hlen + (size_t) len;
    }
}


static void
ws_frame(tl_conn_t *c, int fin, int opcode, const uint8_t *p, uint64_t len)
{
    if (opcode & 0x8) {
        if (!fin || len > 125) {
            conn_fail(c, NULL, "bad websocket control frame");
            return;
        }

        switch (opcode) {
        case TL_WS_CLOSE:
            ws_close_frame(c, p, len);
            return;
        case TL_WS_PING:
            ws_frame_out(c, TL_WS_PONG, p, (size_t) len);
            return;
        case TL_WS_PONG:
            return;
        default:
            conn_fail(c, NULL, "websocket opcode %d", opcode);
            return;
        }
    }

    if (tl.stream && (opcode == TL_WS_BINARY || opcode == TL_WS_CONT)) {
        ws_stream(c, p, len);
        return;
    }

    switch (opcode) {

    case TL_WS_BINARY:
        if (c->frag_on) {
            conn_fail(c, NULL, "websocket message inside a fragmented one");
            return;
        }

        if (fin) {
            conn_message(c, p, (size_t) len);
            return;
        }

        if (c->frag == NULL) {
            c->frag = malloc(tl.msize);
            if (c->frag == NULL) {
                tl_die("out of memory");
            }
        }

        c->frag_on = 1;
        c->frag_len = 0;

        /* fall through */

    case TL_WS_CONT:
        if (!c->frag_on) {
            conn_fail(c, NULL, "stray websocket continuation frame");
            return;
        }

        if (c->frag_len + len > c->msize) {
            conn_fail(c, NULL, "fragmented websocket message over msize");
            return;
        }

        memcpy(c->frag + c->frag_len, p, (size_t) len);
        c->frag_len += (size_t) len;

        if (fin) {
            c->frag_on = 0;
            conn_message(c, c->frag, c->frag_len);
        }

        return;

    case TL_WS_TEXT:
        conn_fail(c, NULL, "websocket text frame");
        return;

    default:
        conn_fail(c, NULL, "websocket opcode %d", opcode);
        return;
    }
}


/*
 * -W: a bridge such as websockify sends whatever one read from its TCP
 * side returned as one frame, so a 9P message may span frames and a frame
 * may hold several.  The payloads are appended to one buffer (at most an
 * incomplete message, under msize, plus one frame, at most frame_max) and
 * cut at the 9P size fields as on raw TCP.
 */

static void
ws_stream(tl_conn_t *c, const uint8_t *p, uint64_t len)
{
    size_t  pos;

    if (c->frag == NULL) {
        c->frag = malloc((size_t) tl.msize + tl.frame_max);
        if (c->frag == NULL) {
            tl_die("out of memory");
        }
    }

    memcpy(c->frag + c->frag_len, p, (size_t) len);
    c->frag_len += (size_t) len;

    pos = 0;
    conn_tcp_parse(c, c->frag, c->frag_len, &pos);

    if (c->fd == -1 || c->frag == NULL) {
        return;
    }

    if (pos > 0) {
        memmove(c->frag, c->frag + pos, c->frag_len - pos);
        c->frag_len -= pos;
    }
}


/* the echo of our close ends a clean close; any other close is a loss */

static void
ws_close_frame(tl_conn_t *c, const uint8_t *p, uint64_t len)
{
    int   code;
    char  reason[128];

    if (c->state == CS_CLOSING) {
        conn_close(c);
        return;
    }

    code = len >= 2 ? p[0] << 8 | p[1] : 1005;
    reason[0] = '\0';

    if (len > 2) {
        tl_estr((ninep_str_t) { p + 2, (uint16_t) (len - 2) }, reason,
                sizeof(reason));
    }

    /* echo it, best effort, before the socket goes */
    ws_frame_out(c, TL_WS_CLOSE, p, len >= 2 ? 2 : 0);
    conn_write(c);

    if (c->fd != -1) {
        conn_fail(c, NULL, "the server closed the websocket: %d %s", code,
                  reason);
    }
}


/* Sec-WebSocket-Accept: base64(SHA-1(key GUID)) */

static void
ws_accept(const char *key, char *out)
{
    char     buf[128];
    uint8_t  digest[20];

    snprintf(buf, sizeof(buf), "%s%s", key, TL_WS_GUID);
    sha1((const uint8_t *) buf, strlen(buf), digest);
    base64(digest, sizeof(digest), out);
}


/* SHA-1 (FIPS 180-4), one shot */

#define TL_ROL(x, n)  ((x) << (n) | (x) >> (32 - (n)))

static void
sha1(const uint8_t *data, size_t len, uint8_t out[20])
{
    int       i;
    size_t    done, rest;
    uint8_t   block[64];
    uint32_t  h[5] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476,
                       0xc3d2e1f0 };
    uint64_t  bits;

    for (done = 0; len - done >= 64; done += 64) {
        sha1_block(h, data + done);
    }

    rest = len - done;
    memset(block, 0, sizeof(block));
    memcpy(block, data + done, rest);
    block[rest] = 0x80;

    if (rest >= 56) {
        sha1_block(h, block);
        memset(block, 0, sizeof(block));
    }

    bits = (uint64_t) len * 8;

    for (i = 0; i < 8; i++) {
        block[63 - i] = (uint8_t) (bits >> (8 * i));
    }

    sha1_block(h, block);

    for (i = 0; i < 20; i++) {
        out[i] = (uint8_t) (h[i / 4] >> (24 - 8 * (i % 4)));
    }
}


static void
sha1_block(uint32_t h[5], const uint8_t *p)
{
    int       i;
    uint32_t  w[80], a, b, c, d, e, f, k, t;

    for (i = 0; i < 16; i++) {
        w[i] = (uint32_t) p[4 * i] << 24 | (uint32_t) p[4 * i + 1] << 16
               | (uint32_t) p[4 * i + 2] << 8 | p[4 * i + 3];
    }

    for (i = 16; i < 80; i++) {
        t = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16];
        w[i] = TL_ROL(t, 1);
    }

    a = h[0];
    b = h[1];
    c = h[2];
    d = h[3];
    e = h[4];

    for (i = 0; i < 80; i++) {
        if (i < 20) {
            f = (b & c) | (~b & d);
            k = 0x5a827999;

        } else if (i < 40) {
            f = b ^ c ^ d;
            k = 0x6ed9eba1;

        } else if (i < 60) {
            f = (b & c) | (b & d) | (c & d);
            k = 0x8f1bbcdc;

        } else {
            f = b ^ c ^ d;
            k = 0xca62c1d6;
        }

        t = TL_ROL(a, 5) + f + e + k + w[i];
        e = d;
        d = c;
        c = TL_ROL(b, 30);
        b = a;
        a = t;
    }

    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
}


/* standard alphabet, padded; out needs 4 * ((len + 2) / 3) + 1 bytes */

static void
base64(const uint8_t *in, size_t len, char *out)
{
    size_t       i;
    uint32_t     v;
    static const char  abc[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    for (i = 0; i + 2 < len; i += 3) {
        v = (uint32_t) in[i] << 16 | (uint32_t) in[i + 1] << 8 | in[i + 2];
        *out++ = abc[v >> 18];
        *out++ = abc[(v >> 12) & 63];
        *out++ = abc[(v >> 6) & 63];
        *out++ = abc[v & 63];
    }

    if (i < len) {
        v = (uint32_t) in[i] << 16;
        if (i + 1 < len) {
            v |= (uint32_t) in[i + 1] << 8;
        }

        *out++ = abc[v >> 18];
        *out++ = abc[(v >> 12) & 63];
        *out++ = i + 1 < len ? abc[(v >> 6) & 63] : '=';
        *out++ = '=';
    }

    *out = '\0';
}


/*
 * The latency histogram, in nanoseconds: values below 128 have a bucket
 * each; above, each power of two has 128 buckets, so a bucket's midpoint
 * is within 0.4% of any value in it.
 */

static void
hist_add(uint64_t v)
{
    unsigned  e, i;

    if (v < TL_HIST_SUB) {
        i = (unsigned) v;

    } else {
        e = 63 - (unsigned) __builtin_clzll(v);
        i = (e - TL_HIST_BITS + 1) * TL_HIST_SUB
            + (unsigned) ((v >> (e - TL_HIST_BITS)) - TL_HIST_SUB);
    }

    tl.hist.b[i]++;
    tl.hist.count++;
    tl.hist.sum += v;

    if (v > tl.hist.max) {
        tl.hist.max = v;
    }
}


static uint64_t
hist_value(unsigned i)
{
    unsigned  shift;

    if (i < TL_HIST_SUB) {
        return i;
    }

    shift = i / TL_HIST_SUB - 1;

    return ((uint64_t) (TL_HIST_SUB + i % TL_HIST_SUB) << shift)
           + ((1ULL << shift) >> 1);
}


static uint64_t
hist_percentile(double p)
{
    unsigned  i;
    uint64_t  rank, seen, v;

    if (tl.hist.count == 0) {
        return 0;
    }

    rank = (uint64_t) (p * (double) tl.hist.count);
    if ((double) rank < p * (double) tl.hist.count || rank == 0) {
        rank++;
    }

    seen = 0;

    for (i = 0; i < TL_HIST_BUCKETS; i++) {
        seen += tl.hist.b[i];

        if (seen >= rank) {
            v = hist_value(i);
            return v > tl.hist.max ? tl.hist.max : v;
        }
    }

    return tl.hist.max;
}
