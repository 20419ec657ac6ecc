
/*
 * Ten: ten-factotum -- logins, tickets and ticket-signing keys
 * (DESIGN.md §2 and §4).
 */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "factotum.h"


static void
usage(void)
{
    fprintf(stderr,
        "usage: ten-factotum -s STORE -l ADDR:PORT -k KEY -t TRUST\n"
        "                    -v VFS-ADDR:PORT [-V VFS-NAME] [-n NAME]\n"
        "                    [-L LIFETIME] [-K ROTATE] [-D DELAY-MS]"
        " [-m MSIZE] [-P]\n"
        "                    [-R RP-ID -O ORIGIN [-O ORIGIN]... [-U]]\n"
        "                    [-W SECONDS] [-x CERT -y KEY] [-a CA -N NAME]\n"
        "  -s STORE     key store directory (0700; made on the first "
        "start); other\n"
        "               instances may share it (a file system with POSIX "
        "locks)\n"
        "  -l ADDR:PORT TCP address to listen on\n"
        "  -k KEY       factotum's Ed25519 identity (mode 0600); it "
        "certifies\n"
        "               the ticket-signing keys\n"
        "  -t TRUST     trust file: who may authenticate (the kernel, "
        "speaks-for),\n"
        "               and the VFS's pinned key\n"
        "  -v ADDR:PORT[,ADDR:PORT...]\n"
        "               the VFS that holds /adm/users and the tickets "
        "(its servers,\n"
        "               tried in order)\n"
        "  -V NAME      the VFS's name in TRUST and ten-auth-1 (vfs)\n"
        "  -n NAME      name announced in ten-auth-1 (factotum)\n"
        "  -L SECONDS   ticket lifetime (43200: 12 hours)\n"
        "  -K SECONDS   a signing key signs this long, then rotates "
        "(86400)\n"
        "  -D MS        a failed login's delay, doubled for each recent "
        "failure (500)\n"
        "  -m MSIZE     largest message (default 8192)\n"
        "  -P           at the first start, print adm's password on "
        "stderr\n"
        "               even when it is not a terminal (a container's "
        "log)\n"
        "  -R RP-ID     passkeys (WebAuthn) for this relying party: the "
        "site's\n"
        "               host name (ten.example.org; localhost for tests)\n"
        "  -O ORIGIN    an origin passkeys may be used from, as browsers "
        "send it\n"
        "               (https://ten.example.org); up to 8\n"
        "  -U           a passkey's user presence suffices (default: "
        "verified,\n"
        "               by PIN or biometrics)\n"
        SRV_SEND_USAGE
        TLS_SERVER_USAGE
        TLS_CLIENT_USAGE);
    exit(2);
}


/*
 * -R and -O come together; an origin is scheme://host[:port] as browsers
 * send it (no path, no default port), and the rp id is its host or a
 * parent domain of it (WebAuthn §5.1.4.1's rule, without the public
 * suffix list: the operator chose the name).
 */

static int
passkey_options(fact_t *fa)
{
    size_t       i, n, hn;
    const char  *o, *host, *end;

    if (fa->wa.rp_id == NULL && fa->wa.norigins == 0) {
        return 0;
    }

    if (fa->wa.rp_id == NULL || fa->wa.norigins == 0) {
        fprintf(stderr, "ten-factotum: passkeys need both -R RP-ID and "
                "-O ORIGIN\n");
        return -1;
    }

    n = strlen(fa->wa.rp_id);

    for (i = 0; i < fa->wa.norigins; i++) {
        o = fa->origins[i];
        host = strncmp(o, "https://", 8) == 0 ? o + 8
               : strncmp(o, "http://", 7) == 0 ? o + 7 : NULL;
        end = host ? host + strcspn(host, ":/?#") : NULL;
        hn = host ? (size_t) (end - host) : 0;

        if (host == NULL || hn == 0 || strpbrk(end, "/?#@") != NULL
            || strchr(host, '@') != NULL
            || (*end == ':' && (strspn(end + 1, "0123456789") == 0
                                || end[1 + strspn(end + 1, "0123456789")])))
        {
            fprintf(stderr, "ten-factotum: -O %s: an origin is "
                    "http[s]://host[:port], as browsers send it\n", o);
            return -1;
        }

        if (!(hn == n && strncmp(host, fa->wa.rp_id, n) == 0)
            && !(hn > n + 1 && host[hn - n - 1] == '.'
                 && strncmp(host + hn - n, fa->wa.rp_id, n) == 0))
        {
            fprintf(stderr, "ten-factotum: -O %s: its host is not %s nor "
                    "below it (-R)\n", o, fa->wa.rp_id);
            return -1;
        }
    }

    return 0;
}


/* The number of the option being parsed. */

static unsigned
num(const char *flag, unsigned min, unsigned max)
{
    return srv_arg_number("ten-factotum", flag, optarg, min, max);
}


int
main(int argc, char **argv)
{
    int                     c, rc, trusted;
    char                    err[512];
    srv_t                  *srv;
    fact_t                 *fa;
    srv_conf_t              conf;
    cli_conf_t              vconf;
    tls_args_t              tls;
    ten_trust_t             trust;
    const char             *key, *trustfile, *vfs_name;
    const ten_principal_t  *vfs;

    memset(&conf, 0, sizeof(conf));
    conf.name = "factotum";
    conf.msize = 8192;
    conf.max_fids = 4096;
    conf.max_requests = 4096;
    conf.max_threads = 16;
    conf.max_conns = 256;
    conf.send_timeout = SRV_SEND_TIMEOUT;

    fa = calloc(1, sizeof(fact_t));
    if (fa == NULL) {
        fprintf(stderr, "ten-factotum: out of memory\n");
        return 1;
    }

    fa->lockfd = -1;
    fa->lifetime = 12 * 3600;
    fa->rotate = 24 * 3600;
    fa->fail_ms = 500;
    fa->wa.origins = fa->origins;
    fa->wa.require_uv = 1;

    memset(&vconf, 0, sizeof(vconf));
    memset(&tls, 0, sizeof(tls));
    rc = 1;
    trusted = 0;
    key = trustfile = NULL;
    vfs_name = "vfs";

    while ((c = getopt(argc, argv, "s:l:k:t:v:V:n:L:K:D:m:PR:O:Uh"
                       SRV_SEND_FLAG TLS_SERVER_FLAGS TLS_CLIENT_FLAGS))
           != -1)
    {
        switch (c) {
        case 's': fa->dir = optarg; break;
        case 'l': conf.tcp = optarg; break;
        case 'k': key = optarg; break;
        case 't': trustfile = optarg; break;
        case 'v': vconf.addr = optarg; break;
        case 'V': vfs_name = optarg; break;
        case 'n': conf.name = optarg; break;
        case 'L': fa->lifetime = num("-L", 1, 1U << 30); break;
        case 'K': fa->rotate = num("-K", 1, 1U << 30); break;
        case 'D': fa->fail_ms = num("-D", 0, 30000); break;
        case 'm': conf.msize = num("-m", 256, 1 << 20); break;
        case 'W': conf.send_timeout = num("-W", 1, 86400); break;
        case 'P': fa->print_first = 1; break;
        case 'R': fa->wa.rp_id = optarg; break;
        case 'O':
            if (fa->wa.norigins == FACT_ORIGINS_MAX) {
                fprintf(stderr, "ten-factotum: -O: at most %d origins\n",
                        FACT_ORIGINS_MAX);
                return 2;
            }
            fa->origins[fa->wa.norigins++] = optarg;
            break;
        case 'U': fa->wa.require_uv = 0; break;
        default:
            if (!tls_option(&tls, c, optarg)) {
                usage();
            }
        }
    }

    if (optind != argc || fa->dir == NULL || conf.tcp == NULL || key == NULL
        || trustfile == NULL || vconf.addr == NULL)
    {
        usage();
    }

    if (!ten_valid_name(conf.name, strlen(conf.name))) {
        fprintf(stderr, "ten-factotum: -n takes a name like "
                "[a-z_][a-z0-9_-]*\n");
        rc = 2;
        goto done;
    }

    if (cli_addrs_check(vconf.addr, err, sizeof(err)) < 0) {
        fprintf(stderr, "ten-factotum: -v: %s\n", err);
        rc = 2;
        goto done;
    }

    if (passkey_options(fa) < 0) {
        rc = 2;
        goto done;
    }

    if (ten_crypto_init() < 0) {
        fprintf(stderr, "ten-factotum: cannot initialize libsodium\n");
        goto done;
    }

    if (ten_key_load(key, fa->identity, err, sizeof(err)) < 0
        || ten_trust_load(trustfile, &trust, err, sizeof(err)) < 0)
    {
        fprintf(stderr, "ten-factotum: %s\n", err);
        goto done;
    }

    trusted = 1;
    vfs = ten_trust_find(&trust, vfs_name);

    if (vfs == NULL) {
        fprintf(stderr, "ten-factotum: %s: no key for \"%s\", the VFS to "
                "pin\n", trustfile, vfs_name);
        goto done;
    }

    if (tls_setup(&tls, &conf.tls, &vconf.tls, err, sizeof(err)) < 0
        || fact_store_open(fa, err, sizeof(err)) < 0)
    {
        fprintf(stderr, "ten-factotum: %s\n", err);
        goto done;
    }

    /* factotum writes tickets on the VFS as itself */
    vconf.principal = conf.name;
    vconf.identity = fa->identity;
    vconf.server = vfs_name;
    vconf.server_pk = vfs->pk;
    vconf.msize = 8192;
    vconf.timeout_ms = 5000;

    fa->vfs = cli_new(&vconf);
    if (fa->vfs == NULL) {
        fprintf(stderr, "ten-factotum: out of memory\n");
        goto done;
    }

    conf.identity = fa->identity;
    conf.trust = &trust;
    conf.ops = &fact_ops;
    conf.ordered_writes = 1;
    conf.data = fa;

    if (srv_listen(&srv, &conf) < 0) {
        goto done;
    }


    srv_log("serving on %s as %s; tickets on %s at %s", conf.tcp, conf.name,
            vfs_name, vconf.addr);

    if (srv_run(srv) < 0) {
        goto done;
    }

    srv_log("stopped");
    rc = 0;

done:

    /* every connection has ended: nothing uses these any more */
    cli_free(fa->vfs);
    tls_free(vconf.tls);
    tls_free(conf.tls);
    sodium_memzero(fa->identity, sizeof(fa->identity));
    fact_store_close(fa);
    free(fa);

    if (trusted) {
        ten_trust_free(&trust);
    }

    return rc;
}
