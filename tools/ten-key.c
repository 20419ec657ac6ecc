
/*
 * Ten: ten-key -- make and inspect Ed25519 identities (DESIGN.md §2).
 *
 *   ten-key gen NAME [FILE]   new secret key in FILE (default NAME.key),
 *                             mode 0600; prints "NAME PUBLIC-KEY"
 *   ten-key pub FILE          prints the public key of a secret key file
 *   ten-key cert ISSUER.key SIGNING.key [SECONDS]
 *                             a certificate of SIGNING's public key, signed
 *                             by ISSUER (factotum's identity), valid from
 *                             now for SECONDS (default 7 days)
 *   ten-key ticket SIGNING.key USER [SECONDS]
 *                             a ticket for USER signed by SIGNING, valid
 *                             for SECONDS (default 12 hours); its path is
 *                             /priv/sessions/USER/<nonce>
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tenkey.h"


static int
usage(void)
{
    fprintf(stderr, "usage: ten-key gen NAME [FILE]\n"
                    "       ten-key pub FILE\n"
                    "       ten-key cert ISSUER.key SIGNING.key [SECONDS]\n"
                    "       ten-key ticket SIGNING.key USER [SECONDS]\n");
    return 2;
}


static long
seconds(const char *arg, long dflt)
{
    char  *end;
    long   n;

    if (arg == NULL) {
        return dflt;
    }

    n = strtol(arg, &end, 10);

    return (*end || n <= 0) ? -1 : n;
}


/* Prints text followed by a space and its signature. */

static int
print_signed(const uint8_t sk[TEN_SK_LEN], const char *text)
{
    char     sig64[TEN_B64_64_LEN + 1];
    uint8_t  sig[TEN_SIG_LEN];

    if (ten_sign(sk, text, strlen(text), sig) != 0) {
        fprintf(stderr, "ten-key: cannot sign\n");
        return 1;
    }

    ten_b64_encode(sig, TEN_SIG_LEN, sig64, sizeof(sig64));
    printf("%s %s\n", text, sig64);

    return 0;
}


static int
cert(const char *issuer, const char *signing, const char *secs)
{
    char     err[512], text[256], pub[TEN_B64_32_LEN + 1];
    char     keyid[TEN_KEYID_LEN + 1];
    long     valid;
    time_t   now;
    uint8_t  isk[TEN_SK_LEN], ssk[TEN_SK_LEN], pk[TEN_PK_LEN];

    valid = seconds(secs, 7 * 86400);

    if (valid < 0) {
        fprintf(stderr, "ten-key: SECONDS must be a positive number\n");
        return 2;
    }

    if (ten_key_load(issuer, isk, err, sizeof(err)) < 0
        || ten_key_load(signing, ssk, err, sizeof(err)) < 0)
    {
        fprintf(stderr, "ten-key: %s\n", err);
        return 1;
    }

    ten_key_public(ssk, pk);
    ten_keyid(pk, keyid);
    ten_b64_encode(pk, TEN_PK_LEN, pub, sizeof(pub));
    now = time(NULL);

    snprintf(text, sizeof(text), "ten-key-1 %s %s %lld %lld", keyid, pub,
             (long long) now, (long long) now + valid);

    return print_signed(isk, text);
}


static int
ticket(const char *signing, const char *user, const char *secs)
{
    char     err[512], text[256], keyid[TEN_KEYID_LEN + 1];
    char     nonce[TEN_TNONCE_LEN + 1];
    long     valid;
    time_t   now;
    uint8_t  sk[TEN_SK_LEN], pk[TEN_PK_LEN], raw[TEN_TNONCE_LEN / 2];
    size_t   i;

    valid = seconds(secs, 12 * 3600);

    if (valid < 0 || !ten_valid_name(user, strlen(user))) {
        fprintf(stderr, "ten-key: a user name and positive SECONDS\n");
        return 2;
    }

    if (ten_key_load(signing, sk, err, sizeof(err)) < 0) {
        fprintf(stderr, "ten-key: %s\n", err);
        return 1;
    }

    ten_key_public(sk, pk);
    ten_keyid(pk, keyid);
    ten_random(raw, sizeof(raw));

    for (i = 0; i < sizeof(raw); i++) {
        snprintf(nonce + 2 * i, 3, "%02x", raw[i]);
    }

    now = time(NULL);
    snprintf(text, sizeof(text), "ten-ticket-1 %s %s %lld %lld %s", keyid,
             user, (long long) now, (long long) now + valid, nonce);

    return print_signed(sk, text);
}


static int
gen(const char *name, const char *file)
{
    char     path[4096], err[512], pub[TEN_B64_32_LEN + 1];
    uint8_t  pk[TEN_PK_LEN];

    if (!ten_valid_name(name, strlen(name))) {
        fprintf(stderr, "ten-key: \"%s\" is not a name "
                "([a-z_][a-z0-9_-]{0,31})\n", name);
        return 1;
    }

    if (file == NULL) {
        snprintf(path, sizeof(path), "%s.key", name);
        file = path;
    }

    if (ten_key_generate(file, pk, err, sizeof(err)) < 0) {
        fprintf(stderr, "ten-key: %s\n", err);
        return 1;
    }

    ten_b64_encode(pk, TEN_PK_LEN, pub, sizeof(pub));
    printf("%s %s\n", name, pub);

    return 0;
}


static int
pub(const char *file)
{
    char     err[512], out[TEN_B64_32_LEN + 1];
    uint8_t  sk[TEN_SK_LEN], pk[TEN_PK_LEN];

    if (ten_key_load(file, sk, err, sizeof(err)) < 0) {
        fprintf(stderr, "ten-key: %s\n", err);
        return 1;
    }

    ten_key_public(sk, pk);
    ten_b64_encode(pk, TEN_PK_LEN, out, sizeof(out));
    printf("%s\n", out);

    return 0;
}


int
main(int argc, char **argv)
{
    if (ten_crypto_init() < 0) {
        fprintf(stderr, "ten-key: cannot initialize libsodium\n");
        return 1;
    }

    if (argc >= 3 && argc <= 4 && strcmp(argv[1], "gen") == 0) {
        return gen(argv[2], argc == 4 ? argv[3] : NULL);
    }

    if (argc == 3 && strcmp(argv[1], "pub") == 0) {
        return pub(argv[2]);
    }

    if ((argc == 4 || argc == 5) && strcmp(argv[1], "cert") == 0) {
        return cert(argv[2], argv[3], argc == 5 ? argv[4] : NULL);
    }

    if ((argc == 4 || argc == 5) && strcmp(argv[1], "ticket") == 0) {
        return ticket(argv[2], argv[3], argc == 5 ? argv[4] : NULL);
    }

    return usage();
}
