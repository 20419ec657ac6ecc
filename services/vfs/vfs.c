
/*
 * Ten: ten-vfs -- exports a directory over 9P2000.
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <sodium.h>

#include "vfs.h"


#ifndef TEN_SKEL_DIR
#define TEN_SKEL_DIR  "conf/skel"
#endif


static void
usage(void)
{
    fprintf(stderr,
        "usage: ten-vfs -r ROOT -l ADDR:PORT -k KEY -t TRUST [-u SOCKET]\n"
        "               [-n NAME] [-s SKEL] [-o OWNER] [-m MSIZE]\n"
        "               [-F MAXFIDS] [-R MAXREQS] [-j THREADS]"
        " [-C MAXCONNS]\n"
        "               [-W SECONDS] [-x CERT -y KEY]\n"
        "  -r ROOT      the directory to export (seeded when empty), or\n"
        "               gluster://HOST[:PORT][,HOST[:PORT]...]/VOLUME/PATH\n"
        "               for directory PATH of a GlusterFS volume (libgfapi)\n"
        "  -l ADDR:PORT TCP address to listen on\n"
        "  -k KEY       this service's Ed25519 identity (mode 0600)\n"
        "  -t TRUST     trust file: principals allowed to authenticate\n"
        "  -u SOCKET    also listen on this Unix socket\n"
        "  -n NAME      name announced in ten-auth-1 (default vfs)\n"
        "  -s SKEL      skeleton tree (default " TEN_SKEL_DIR ")\n"
        "  -o OWNER     owner of files without Plan 9 metadata (adm)\n"
        "  -m MSIZE     largest message (default 65536)\n"
        "  -F MAXFIDS   fids per connection (default 16384)\n"
        "  -R MAXREQS   outstanding requests per connection (16384)\n"
        "  -j THREADS   worker threads (default 64)\n"
        "  -C MAXCONNS  connections (default 1024)\n"
        SRV_SEND_USAGE
        TLS_SERVER_USAGE);
    exit(2);
}


/* The number of the option being parsed. */

static unsigned
num(const char *flag, unsigned min, unsigned max)
{
    return srv_arg_number("ten-vfs", flag, optarg, min, max);
}


int
main(int argc, char **argv)
{
    int               c, rc;
    char              err[512];
    srv_t            *srv;
    vfs_t             vfs;
    uint8_t           sk[TEN_SK_LEN];
    srv_conf_t        conf;
    tls_args_t        tls;
    ten_trust_t       trust;
    struct rlimit     rl;
    const char       *root, *key, *trustfile, *skel, *owner;

    memset(&conf, 0, sizeof(conf));
    memset(&tls, 0, sizeof(tls));
    conf.name = "vfs";
    conf.msize = 65536;
    conf.max_fids = 16384;
    conf.max_requests = 16384;
    conf.max_threads = 64;
    conf.max_conns = 1024;
    conf.send_timeout = SRV_SEND_TIMEOUT;

    root = key = trustfile = NULL;
    skel = TEN_SKEL_DIR;
    owner = "adm";

    while ((c = getopt(argc, argv, "r:l:u:k:t:n:s:o:m:F:R:j:C:h"
                       SRV_SEND_FLAG TLS_SERVER_FLAGS)) != -1)
    {
        switch (c) {
        case 'r': root = optarg; break;
        case 'l': conf.tcp = optarg; break;
        case 'u': conf.unix_path = optarg; break;
        case 'k': key = optarg; break;
        case 't': trustfile = optarg; break;
        case 'n': conf.name = optarg; break;
        case 's': skel = optarg; break;
        case 'o': owner = optarg; break;
        case 'm': conf.msize = num("-m", 256, 16 << 20); break;
        case 'F': conf.max_fids = num("-F", 1, 1 << 24); break;
        case 'R': conf.max_requests = num("-R", 1, 65535); break;
        case 'j': conf.max_threads = num("-j", 1, 4096); break;
        case 'C': conf.max_conns = num("-C", 1, 1 << 20); break;
        case 'W': conf.send_timeout = num("-W", 1, 86400); break;
        default:
            if (!tls_option(&tls, c, optarg)) {
                usage();
            }
        }
    }

    if (optind != argc || root == NULL || conf.tcp == NULL || key == NULL
        || trustfile == NULL)
    {
        usage();
    }

    if (!ten_valid_name(conf.name, strlen(conf.name))
        || !ten_valid_name(owner, strlen(owner)))
    {
        fprintf(stderr, "ten-vfs: -n and -o take names like "
                "[a-z_][a-z0-9_-]*\n");
        return 2;
    }

    if (strncmp(root, "gluster://", 10) == 0
        && vfs_store_gluster_check(root, err, sizeof(err)) < 0)
    {
        fprintf(stderr, "ten-vfs: -r: %s\n", err);
        return 2;
    }

    if (ten_crypto_init() < 0) {
        fprintf(stderr, "ten-vfs: cannot initialize libsodium\n");
        return 1;
    }

    if (ten_key_load(key, sk, err, sizeof(err)) < 0
        || ten_trust_load(trustfile, &trust, err, sizeof(err)) < 0)
    {
        fprintf(stderr, "ten-vfs: %s\n", err);
        return 1;
    }

    if (tls_setup(&tls, &conf.tls, NULL, err, sizeof(err)) < 0) {
        fprintf(stderr, "ten-vfs: %s\n", err);
        return 1;
    }

    memset(&vfs, 0, sizeof(vfs));
    snprintf(vfs.default_owner, sizeof(vfs.default_owner), "%s", owner);
    pthread_rwlock_init(&vfs.users_lock, NULL);
    pthread_mutex_init(&vfs.excl_lock, NULL);

    rc = 1;

    if (vfs_meta_cache_init(&vfs) < 0) {
        fprintf(stderr, "ten-vfs: out of memory\n");
        return 1;
    }

    vfs.store = strncmp(root, "gluster://", 10) == 0
                ? vfs_store_gluster(root, err, sizeof(err))
                : vfs_store_local(root, err, sizeof(err));

    if (vfs.store == NULL) {
        fprintf(stderr, "ten-vfs: %s\n", err);
        goto done;
    }

    if (vfs_xattr_probe(&vfs) < 0) {
        fprintf(stderr, "ten-vfs: root %s: the file system does not support "
                "user extended attributes (%s)\n", root, strerror(errno));
        goto done;
    }

    if (vfs.store->shared) {
        srv_log("%s is on a network file system: other servers may share "
                "it (fid paths checked against inodes)", root);
    }

    if (vfs_seed(&vfs, skel) < 0) {
        goto done;
    }

    vfs_users_refresh(&vfs);

    /* every fid holds a descriptor */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        (void) setrlimit(RLIMIT_NOFILE, &rl);
    }

    conf.identity = sk;
    conf.trust = &trust;
    conf.ops = &vfs_ops;
    conf.quick = vfs_quick;
    conf.data = &vfs;

    if (srv_listen(&srv, &conf) < 0) {
        goto done;
    }


    srv_log("serving %s on %s as %s", root, conf.tcp, conf.name);

    if (srv_run(srv) < 0) {
        goto done;
    }

    srv_log("stopped");
    rc = 0;

done:

    /* every connection has ended: nothing uses these any more */
    sodium_memzero(sk, sizeof(sk));

    users_free(vfs.users);
    vfs_meta_cache_free(&vfs);

    ten_trust_free(&trust);
    tls_free(conf.tls);
    if (vfs.store) {
        vfs.store->ops->free(vfs.store);
    }

    return rc;
}
