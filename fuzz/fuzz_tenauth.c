
/*
 * Ten: libFuzzer target for the ten-auth-1 parsers that read what a peer
 * sends (hello, server proof, client proof) and for the trust file parser.
 * A parse that succeeds must round-trip: rebuilding the message from what
 * was parsed gives the input back (less one trailing newline).
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "tenkey.h"


static uint8_t  sk[TEN_SK_LEN], pk[TEN_PK_LEN];


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void) argc;
    (void) argv;

    if (ten_crypto_init() < 0) {
        abort();
    }

    static const uint8_t  seed[32] = { 0x5a };

    /* a fixed key: the fuzzer must not depend on randomness */
    if (crypto_sign_seed_keypair(pk, sk, seed) != 0) {
        abort();
    }

    return 0;
}


static void
check_hello(const char *msg, size_t len)
{
    int         n;
    char        out[TEN_AUTH_MSG_MAX];
    ten_auth_t  a;

    memset(&a, 0, sizeof(a));

    if (ten_auth_parse_hello(msg, len, &a) < 0) {
        return;
    }

    n = ten_auth_hello(&a, out, sizeof(out));

    if (len && msg[len - 1] == '\n') {
        len--;
    }

    if (n < 0 || (size_t) n != len || memcmp(out, msg, len) != 0) {
        __builtin_trap();
    }
}


static void
check_trust(const uint8_t *data, size_t size)
{
    int          fd;
    char         path[] = "/tmp/fuzz-trust-XXXXXX", err[256];
    ten_trust_t  t;

    fd = mkstemp(path);
    if (fd < 0) {
        return;
    }

    if (write(fd, data, size) == (ssize_t) size
        && ten_trust_load(path, &t, err, sizeof(err)) == 0)
    {
        for (size_t i = 0; i < t.n; i++) {
            if (!ten_valid_name(t.entries[i].name,
                                strlen(t.entries[i].name)))
            {
                __builtin_trap();
            }
        }

        ten_trust_free(&t);
    }

    close(fd);
    unlink(path);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ten_auth_t   a;
    const char  *msg;

    msg = (const char *) data;

    check_hello(msg, size);

    /* these must fail cleanly on anything not signed by our key */
    memset(&a, 0, sizeof(a));
    snprintf(a.principal, sizeof(a.principal), "kernel");
    snprintf(a.server, sizeof(a.server), "vfs");

    if (ten_auth_check_server(msg, size, &a, pk) == 0
        || ten_auth_check_proof(msg, size, &a, pk) == 0)
    {
        __builtin_trap();
    }

    if (size < 4096) {
        check_trust(data, size);
    }

    return 0;
}
