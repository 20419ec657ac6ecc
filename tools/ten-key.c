
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
 *   ten-key verify FILE ISSUER-PUB [KEYS]
 *                             checks the certificate or ticket in FILE:
 *                             a certificate against ISSUER-PUB (factotum's
 *                             public key), a ticket against the
 *                             certificates in KEYS (a copy of /keys)
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
                    "       ten-key ticket SIGNING.key USER [SECONDS]\n"
                    "       ten-key verify FILE ISSUER-PUB [KEYS]\n");
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


static int
cert(const char *issuer, const char *signing, const char *secs)
{
    char     err[512], line[512];
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
    now = time(NULL);

    if (ten_cert_make(isk, pk, now, now + valid, line, sizeof(line)) < 0) {
        fprintf(stderr, "ten-key: cannot sign\n");
        return 1;
    }

    printf("%s\n", line);

    return 0;
}


static int
ticket(const char *signing, const char *user, const char *secs)
{
    char     err[512], line[512], nonce[TEN_TNONCE_LEN + 1];
    long     valid;
    time_t   now;
    uint8_t  sk[TEN_SK_LEN];

    valid = seconds(secs, 12 * 3600);

    if (valid < 0 || !ten_valid_name(user, strlen(user))) {
        fprintf(stderr, "ten-key: a user name and positive SECONDS\n");
        return 2;
    }

    if (ten_key_load(signing, sk, err, sizeof(err)) < 0) {
        fprintf(stderr, "ten-key: %s\n", err);
        return 1;
    }

    now = time(NULL);

    if (ten_ticket_make(sk, user, now, now + valid, nonce, line,
                        sizeof(line))
        < 0)
    {
        fprintf(stderr, "ten-key: cannot sign\n");
        return 1;
    }

    printf("%s\n", line);

    return 0;
}


/* The first line of a small file, without its newline. */

static int
first_line(const char *path, char *buf, size_t len)
{
    FILE  *fp;

    fp = fopen(path, "r");

    if (fp == NULL || fgets(buf, (int) len, fp) == NULL) {
        fprintf(stderr, "ten-key: %s: cannot read a line\n", path);
        if (fp) {
            fclose(fp);
        }
        return -1;
    }

    fclose(fp);
    buf[strcspn(buf, "\n")] = '\0';

    return 0;
}


static const char *
validity(int64_t from, int64_t to)
{
    time_t  now;

    now = time(NULL);

    return now < from ? "not yet valid" : now >= to ? "expired" : "valid";
}


/*
 * For operators: is this certificate factotum's (ISSUER is factotum's
 * public key), and is this ticket signed by a key certified in KEYS (a
 * copy of factotum's /keys)?
 */

static int
verify(const char *file, const char *issuer64, const char *keys)
{
    int            rc;
    char           line[1024], kline[1024];
    FILE          *fp;
    uint8_t        issuer[TEN_PK_LEN];
    ten_cert_t     c;
    const char    *err;
    ten_ticket_t   t;

    if (ten_b64_decode(issuer64, strlen(issuer64), issuer, TEN_PK_LEN) < 0)
    {
        fprintf(stderr, "ten-key: ISSUER must be a public key (base64), "
                "as `ten-key pub factotum.key` prints it\n");
        return 2;
    }

    if (first_line(file, line, sizeof(line)) < 0) {
        return 1;
    }

    if (strncmp(line, "ten-key-1 ", 10) == 0) {
        if (ten_cert_parse(line, strlen(line), issuer, &c, &err) < 0) {
            printf("bad certificate: %s\n", err);
            return 1;
        }

        printf("certificate of key %s, %s (%lld to %lld)\n", c.keyid,
               validity(c.not_before, c.not_after),
               (long long) c.not_before, (long long) c.not_after);
        return 0;
    }

    if (ten_ticket_parse(line, strlen(line), &t) < 0) {
        printf("neither a certificate nor a ticket\n");
        return 1;
    }

    if (keys == NULL) {
        fprintf(stderr, "ten-key: a ticket needs KEYS, the certificates "
                "of factotum's /keys\n");
        return 2;
    }

    fp = fopen(keys, "r");
    if (fp == NULL) {
        fprintf(stderr, "ten-key: %s: cannot open\n", keys);
        return 1;
    }

    rc = 1;

    while (fgets(kline, sizeof(kline), fp)) {
        if (ten_cert_parse(kline, strlen(kline), issuer, &c, &err) < 0
            || strcmp(c.keyid, t.keyid) != 0)
        {
            continue;
        }

        if (ten_ticket_verify(line, strlen(line), &c) < 0) {
            printf("bad ticket: not signed by key %s\n", c.keyid);
            break;
        }

        printf("ticket of %s signed by key %s (key %s), ticket %s "
               "(%lld to %lld), path /priv/sessions/%s/%s\n", t.user,
               c.keyid, validity(c.not_before, c.not_after),
               validity(t.issued, t.expires), (long long) t.issued,
               (long long) t.expires, t.user, t.nonce);
        rc = 0;
        break;
    }

    if (rc && feof(fp)) {
        printf("bad ticket: key %s is not certified in %s\n", t.keyid, keys);
    }

    fclose(fp);

    return rc;
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

    if ((argc == 4 || argc == 5) && strcmp(argv[1], "verify") == 0) {
        return verify(argv[2], argv[3], argc == 5 ? argv[4] : NULL);
    }

    return usage();
}
