
/*
 * Ten: ten-ssr -- HTML views of the VFS's files (DESIGN.md §4).
 */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "srv.h"
#include "ssr.h"


extern const srv_ops_t  ssr_ops;


static void
usage(void)
{
    fprintf(stderr,
        "usage: ten-ssr -l ADDR:PORT -k KEY -t TRUST -v VFS-ADDR:PORT\n"
        "               [-V VFS-NAME] [-n NAME] [-L BYTES] [-I BYTES]"
        " [-c BYTES]\n"
        "               [-p ROUTE] [-T MS] [-m MSIZE] [-j THREADS]"
        " [-C MAXCONNS]\n"
        "               [-W SECONDS] [-x CERT -y KEY] [-a CA -N NAME]\n"
        "  -l ADDR:PORT TCP address to listen on\n"
        "  -k KEY       ssr's Ed25519 identity (mode 0600)\n"
        "  -t TRUST     trust file: who may authenticate (the kernel, "
        "speaks-for),\n"
        "               and the VFS's pinned key\n"
        "  -v ADDR:PORT[,ADDR:PORT...]\n"
        "               the VFS whose files are viewed (ssr needs "
        "speaks-for there;\n"
        "               its servers, tried in order)\n"
        "  -V NAME      the VFS's name in TRUST and ten-auth-1 (vfs)\n"
        "  -n NAME      name announced in ten-auth-1 (ssr)\n"
        "  -L BYTES     larger files are not rendered (4194304)\n"
        "  -I BYTES     larger images are not shown inline (1048576)\n"
        "  -c BYTES     rendered pages kept, at most (67108864; 0: none)\n"
        "  -p ROUTE     links point at ROUTE/<path> (\"/#/view\", the web "
        "UI's)\n"
        "  -T MS        a VFS request unanswered this long fails (10000)\n"
        "  -m MSIZE     largest message (default 65536)\n"
        "  -j THREADS   worker threads (default 16)\n"
        "  -C MAXCONNS  connections (default 256)\n"
        SRV_SEND_USAGE
        TLS_SERVER_USAGE
        TLS_CLIENT_USAGE);
    exit(2);
}


/* The number of the option being parsed. */

static unsigned
num(const char *flag, unsigned min, unsigned max)
{
    return srv_arg_number("ten-ssr", flag, optarg, min, max);
}


/* A route: printable ASCII without quotes, spaces or angle brackets. */

static int
valid_route(const char *s)
{
    size_t  n;

    n = strlen(s);

    if (n == 0 || n > 256) {
        return 0;
    }

    for ( /* void */ ; *s; s++) {
        if (*s <= ' ' || *s >= 0x7f || strchr("\"'<>\\`", *s)) {
            return 0;
        }
    }

    return 1;
}


int
main(int argc, char **argv)
{
    int                     c, rc, trusted;
    char                    err[512];
    srv_t                  *srv;
    ssr_t                   ssr;
    uint8_t                 sk[TEN_SK_LEN];
    srv_conf_t              conf;
    tls_args_t              tls;
    ten_trust_t             trust;
    ssr_vfs_conf_t          vconf;
    const char             *key, *trustfile, *vfs_name;
    const ten_principal_t  *vfs;
    size_t                  cache_max;

    memset(&conf, 0, sizeof(conf));
    conf.name = "ssr";
    conf.msize = 65536;
    conf.max_fids = 16384;
    conf.max_requests = 4096;
    conf.max_threads = 16;
    conf.max_conns = 256;
    conf.send_timeout = SRV_SEND_TIMEOUT;

    memset(&ssr, 0, sizeof(ssr));
    ssr.limits.max_size = 4 << 20;
    ssr.limits.max_image = 1 << 20;
    ssr.limits.route = "/#/view";
    cache_max = 64 << 20;

    memset(&vconf, 0, sizeof(vconf));
    memset(&tls, 0, sizeof(tls));
    vconf.msize = 65536;
    vconf.timeout_ms = 10000;

    rc = 1;
    trusted = 0;
    key = trustfile = NULL;
    vfs_name = "vfs";

    while ((c = getopt(argc, argv, "l:k:t:v:V:n:L:I:c:p:T:m:j:C:h"
                       SRV_SEND_FLAG TLS_SERVER_FLAGS TLS_CLIENT_FLAGS))
           != -1)
    {
        switch (c) {
        case 'l': conf.tcp = optarg; break;
        case 'k': key = optarg; break;
        case 't': trustfile = optarg; break;
        case 'v': vconf.addr = optarg; break;
        case 'V': vfs_name = optarg; break;
        case 'n': conf.name = optarg; break;
        case 'L': ssr.limits.max_size = num("-L", 0, 1U << 30); break;
        case 'I': ssr.limits.max_image = num("-I", 0, 1U << 30); break;
        case 'c': cache_max = num("-c", 0, 1U << 31); break;
        case 'p': ssr.limits.route = optarg; break;
        case 'T': vconf.timeout_ms = (int) num("-T", 10, 600000); break;
        case 'm': conf.msize = num("-m", 256, 16 << 20); break;
        case 'j': conf.max_threads = num("-j", 1, 4096); break;
        case 'C': conf.max_conns = num("-C", 1, 1 << 20); break;
        case 'W': conf.send_timeout = num("-W", 1, 86400); break;
        default:
            if (!tls_option(&tls, c, optarg)) {
                usage();
            }
        }
    }

    if (optind != argc || conf.tcp == NULL || key == NULL
        || trustfile == NULL || vconf.addr == NULL)
    {
        usage();
    }

    if (!ten_valid_name(conf.name, strlen(conf.name))
        || !ten_valid_name(vfs_name, strlen(vfs_name)))
    {
        fprintf(stderr, "ten-ssr: -n and -V take names like "
                "[a-z_][a-z0-9_-]*\n");
        return 2;
    }

    if (cli_addrs_check(vconf.addr, err, sizeof(err)) < 0) {
        fprintf(stderr, "ten-ssr: -v: %s\n", err);
        return 2;
    }

    if (!valid_route(ssr.limits.route)) {
        fprintf(stderr, "ten-ssr: -p takes a URL prefix of at most 256 "
                "printable characters without spaces, quotes or <>\n");
        return 2;
    }

    if (ten_crypto_init() < 0) {
        fprintf(stderr, "ten-ssr: cannot initialize libsodium\n");
        return 1;
    }

    if (ten_key_load(key, sk, err, sizeof(err)) < 0
        || ten_trust_load(trustfile, &trust, err, sizeof(err)) < 0
        || tls_setup(&tls, &conf.tls, &vconf.tls, err, sizeof(err)) < 0)
    {
        fprintf(stderr, "ten-ssr: %s\n", err);
        goto done;
    }

    trusted = 1;
    vfs = ten_trust_find(&trust, vfs_name);

    if (vfs == NULL) {
        fprintf(stderr, "ten-ssr: %s: no key for \"%s\", the VFS to "
                "pin\n", trustfile, vfs_name);
        goto done;
    }

    /* ssr reads the VFS as each user, speaking for them as itself */
    vconf.principal = conf.name;
    vconf.identity = sk;
    vconf.server = vfs_name;
    vconf.server_pk = vfs->pk;

    ssr.vfs = ssr_vfs_new(&vconf);
    ssr.cache = ssr_cache_new(cache_max);

    if (ssr.vfs == NULL || ssr.cache == NULL) {
        fprintf(stderr, "ten-ssr: out of memory\n");
        goto done;
    }

    conf.identity = sk;
    conf.trust = &trust;
    conf.ops = &ssr_ops;
    conf.data = &ssr;

    if (srv_listen(&srv, &conf) < 0) {
        goto done;
    }

    srv_log("serving on %s as %s; views of %s at %s", conf.tcp, conf.name,
            vfs_name, vconf.addr);

    if (srv_run(srv) < 0) {
        goto done;
    }

    srv_log("stopped");
    rc = 0;

done:

    /* every connection has ended: nothing uses these any more */
    ssr_vfs_free(ssr.vfs);
    ssr_cache_free(ssr.cache);
    tls_free(vconf.tls);
    tls_free(conf.tls);
    sodium_memzero(sk, sizeof(sk));

    if (trusted) {
        ten_trust_free(&trust);
    }

    return rc;
}
