
/*
 * Ten: identities, trust files and the ten-auth-1 texts.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE             /* memrchr */
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "tenkey.h"


#define TEN_AUTH_PREFIX     "ten-auth-1 "


static void seterr(char *err, size_t errlen, const char *fmt, ...);
static int read_small_file(const char *path, char *buf, size_t len,
    char *err, size_t errlen);
static size_t strip_newline(const char *msg, size_t len);
static int split_words(char *line, char **words, int max);
static int parse_roles(char **words, int n, unsigned *roles);
static int auth_text(char *buf, size_t len, const char *kind,
    const uint8_t first[TEN_NONCE_LEN], const uint8_t second[TEN_NONCE_LEN],
    const ten_auth_t *a);
static int parse_words(const char *msg, size_t len, char *copy,
    size_t copylen, char **words, int want);
static int split_exact(const char *line, size_t len, char *copy,
    size_t copylen, char **w, int n);


int
ten_crypto_init(void)
{
    return sodium_init() < 0 ? -1 : 0;
}


static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
    va_list  ap;

    if (err == NULL || errlen == 0) {
        return;
    }

    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}


/* Reads a whole small text file; NUL-terminated. */

static int
read_small_file(const char *path, char *buf, size_t len, char *err,
    size_t errlen)
{
    int      fd;
    ssize_t  n;
    size_t   got;

    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        seterr(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }

    got = 0;

    while (got < len - 1) {
        n = read(fd, buf + got, len - 1 - got);

        if (n < 0 && errno == EINTR) {
            continue;
        }

        if (n < 0) {
            seterr(err, errlen, "%s: %s", path, strerror(errno));
            close(fd);
            return -1;
        }

        if (n == 0) {
            break;
        }

        got += n;
    }

    close(fd);

    if (got == len - 1) {
        seterr(err, errlen, "%s: file too large", path);
        return -1;
    }

    buf[got] = '\0';

    return 0;
}


int
ten_key_private(const char *path, char *err, size_t errlen)
{
    struct stat  st;

    if (stat(path, &st) < 0) {
        seterr(err, errlen, "key file %s: %s", path, strerror(errno));
        return -1;
    }

    if (!S_ISREG(st.st_mode)) {
        seterr(err, errlen, "key file %s: not a regular file", path);
        return -1;
    }

    if (st.st_mode & 077) {
        seterr(err, errlen, "key file %s is accessible by group or others "
               "(mode %04o); chmod 600 it", path,
               (unsigned) (st.st_mode & 07777));
        return -1;
    }

    return 0;
}


int
ten_key_load(const char *path, uint8_t sk[TEN_SK_LEN], char *err,
    size_t errlen)
{
    char    buf[256];
    size_t  len;

    if (ten_key_private(path, err, errlen) < 0) {
        return -1;
    }

    if (read_small_file(path, buf, sizeof(buf), err, errlen) < 0) {
        return -1;
    }

    len = strip_newline(buf, strlen(buf));

    if (ten_b64_decode(buf, len, sk, TEN_SK_LEN) < 0) {
        sodium_memzero(buf, sizeof(buf));
        seterr(err, errlen, "key file %s: not one line of base64 of a "
               "64-byte Ed25519 secret key", path);
        return -1;
    }

    sodium_memzero(buf, sizeof(buf));

    return 0;
}


int
ten_key_generate(const char *path, uint8_t pk[TEN_PK_LEN], char *err,
    size_t errlen)
{
    int      fd;
    char     line[TEN_B64_64_LEN + 2];
    size_t   n;
    uint8_t  sk[TEN_SK_LEN];

    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        seterr(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }

    crypto_sign_keypair(pk, sk);

    n = ten_b64_encode(sk, TEN_SK_LEN, line, sizeof(line) - 1);
    line[n++] = '\n';
    sodium_memzero(sk, sizeof(sk));

    if (write(fd, line, n) != (ssize_t) n || fsync(fd) < 0) {
        seterr(err, errlen, "%s: %s", path, strerror(errno));
        sodium_memzero(line, sizeof(line));
        close(fd);
        unlink(path);
        return -1;
    }

    sodium_memzero(line, sizeof(line));

    return close(fd);
}


void
ten_key_public(const uint8_t sk[TEN_SK_LEN], uint8_t pk[TEN_PK_LEN])
{
    crypto_sign_ed25519_sk_to_pk(pk, sk);
}


int
ten_trust_load(const char *path, ten_trust_t *trust, char *err,
    size_t errlen)
{
    int               n, lineno;
    char             *buf, *line, *next, *words[8];
    size_t            cap;
    ten_principal_t  *p;

    trust->entries = NULL;
    trust->n = 0;
    cap = 0;

    buf = malloc(65536);
    if (buf == NULL) {
        seterr(err, errlen, "%s: out of memory", path);
        return -1;
    }

    if (read_small_file(path, buf, 65536, err, errlen) < 0) {
        free(buf);
        return -1;
    }

    lineno = 0;

    for (line = buf; line; line = next) {
        lineno++;
        next = strchr(line, '\n');

        if (next) {
            *next++ = '\0';
        }

        line[strcspn(line, "#")] = '\0';

        n = split_words(line, words, 8);

        if (n == 0) {
            continue;
        }

        if (n < 2 || n == 8) {
            seterr(err, errlen, "%s:%d: expected \"name public-key "
                   "[roles]\"", path, lineno);
            goto failed;
        }

        if (!ten_valid_name(words[0], strlen(words[0]))) {
            seterr(err, errlen, "%s:%d: invalid principal name \"%s\"",
                   path, lineno, words[0]);
            goto failed;
        }

        if (ten_trust_find(trust, words[0])) {
            seterr(err, errlen, "%s:%d: \"%s\" is listed twice", path,
                   lineno, words[0]);
            goto failed;
        }

        if (trust->n == cap) {
            cap = cap ? 2 * cap : 8;
            p = realloc(trust->entries, cap * sizeof(ten_principal_t));
            if (p == NULL) {
                seterr(err, errlen, "%s: out of memory", path);
                goto failed;
            }

            trust->entries = p;
        }

        p = &trust->entries[trust->n];
        snprintf(p->name, sizeof(p->name), "%s", words[0]);

        if (ten_b64_decode(words[1], strlen(words[1]), p->pk, TEN_PK_LEN)
            < 0)
        {
            seterr(err, errlen, "%s:%d: public key of \"%s\" is not base64 "
                   "of 32 bytes", path, lineno, words[0]);
            goto failed;
        }

        if (parse_roles(words + 2, n - 2, &p->roles) < 0) {
            seterr(err, errlen, "%s:%d: unknown role (known: speaks-for, "
                   "tickets)", path, lineno);
            goto failed;
        }

        trust->n++;
    }

    free(buf);

    return 0;

failed:

    free(buf);
    ten_trust_free(trust);

    return -1;
}


void
ten_trust_free(ten_trust_t *trust)
{
    free(trust->entries);
    trust->entries = NULL;
    trust->n = 0;
}


const ten_principal_t *
ten_trust_find(const ten_trust_t *trust, const char *name)
{
    size_t  i;

    for (i = 0; i < trust->n; i++) {
        if (strcmp(trust->entries[i].name, name) == 0) {
            return &trust->entries[i];
        }
    }

    return NULL;
}


/* Roles are words or comma-separated lists of words. */

static int
parse_roles(char **words, int n, unsigned *roles)
{
    int    i;
    char  *role, *save;

    *roles = 0;

    for (i = 0; i < n; i++) {
        for (role = strtok_r(words[i], ",", &save); role;
             role = strtok_r(NULL, ",", &save))
        {
            if (strcmp(role, "speaks-for") == 0) {
                *roles |= TEN_ROLE_SPEAKS_FOR;

            } else if (strcmp(role, "tickets") == 0) {
                *roles |= TEN_ROLE_TICKETS;

            } else {
                return -1;
            }
        }
    }

    return 0;
}


static int
split_words(char *line, char **words, int max)
{
    int  n;

    n = 0;

    for ( ;; ) {
        while (*line == ' ' || *line == '\t' || *line == '\r') {
            *line++ = '\0';
        }

        if (*line == '\0' || n == max) {
            return n;
        }

        words[n++] = line;

        while (*line && *line != ' ' && *line != '\t' && *line != '\r') {
            line++;
        }
    }
}


int
ten_valid_name(const char *s, size_t len)
{
    size_t  i;

    if (len == 0 || len > 32) {
        return 0;
    }

    if (!((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_')) {
        return 0;
    }

    for (i = 1; i < len; i++) {
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')
              || s[i] == '_' || s[i] == '-'))
        {
            return 0;
        }
    }

    return 1;
}


size_t
ten_b64_encode(const uint8_t *in, size_t len, char *out, size_t outlen)
{
    sodium_bin2base64(out, outlen, in, len, sodium_base64_VARIANT_ORIGINAL);

    return strlen(out);
}


/*
 * Strict: only the canonical encoding of exactly want bytes is accepted
 * (libsodium 1.0.18 lets some bytes outside the alphabet through, and
 * would accept non-zero padding bits).
 */

int
ten_b64_decode(const char *in, size_t inlen, uint8_t *out, size_t want)
{
    char         check[TEN_B64_64_LEN + 1];
    size_t       got;
    const char  *end;

    if (want > TEN_SK_LEN
        || inlen != sodium_base64_encoded_len(want,
                                   sodium_base64_VARIANT_ORIGINAL) - 1)
    {
        return -1;
    }

    if (sodium_base642bin(out, want, in, inlen, NULL, &got, &end,
                          sodium_base64_VARIANT_ORIGINAL)
        != 0
        || got != want || end != in + inlen)
    {
        return -1;
    }

    ten_b64_encode(out, want, check, sizeof(check));

    return memcmp(check, in, inlen) == 0 ? 0 : -1;
}


void
ten_random(uint8_t *buf, size_t len)
{
    randombytes_buf(buf, len);
}


int
ten_sign(const uint8_t sk[TEN_SK_LEN], const char *text, size_t len,
    uint8_t sig[TEN_SIG_LEN])
{
    return crypto_sign_detached(sig, NULL, (const uint8_t *) text, len, sk);
}


int
ten_verify(const uint8_t pk[TEN_PK_LEN], const char *text, size_t len,
    const uint8_t sig[TEN_SIG_LEN])
{
    return crypto_sign_verify_detached(sig, (const uint8_t *) text, len, pk);
}


/* A reader accepts one trailing newline. */

static size_t
strip_newline(const char *msg, size_t len)
{
    return (len > 0 && msg[len - 1] == '\n') ? len - 1 : len;
}


/* The words of a ten-auth-1 message after its prefix: exactly want. */

static int
parse_words(const char *msg, size_t len, char *copy, size_t copylen,
    char **words, int want)
{
    size_t  plen;

    plen = sizeof(TEN_AUTH_PREFIX) - 1;

    if (len < plen || memcmp(msg, TEN_AUTH_PREFIX, plen) != 0) {
        return -1;
    }

    return split_exact(msg + plen, len - plen, copy, copylen - plen, words,
                       want);
}


int
ten_auth_hello(const ten_auth_t *a, char *buf, size_t len)
{
    char  nonce[TEN_B64_32_LEN + 1];
    int   n;

    ten_b64_encode(a->cnonce, TEN_NONCE_LEN, nonce, sizeof(nonce));
    n = snprintf(buf, len, TEN_AUTH_PREFIX "hello %s %s", a->principal,
                 nonce);

    return (n < 0 || (size_t) n >= len) ? -1 : n;
}


int
ten_auth_parse_hello(const char *msg, size_t len, ten_auth_t *a)
{
    char  copy[TEN_AUTH_MSG_MAX], *w[3];

    if (parse_words(msg, len, copy, sizeof(copy), w, 3) < 0
        || strcmp(w[0], "hello") != 0
        || !ten_valid_name(w[1], strlen(w[1]))
        || ten_b64_decode(w[2], strlen(w[2]), a->cnonce, TEN_NONCE_LEN) < 0)
    {
        return -1;
    }

    snprintf(a->principal, sizeof(a->principal), "%s", w[1]);

    return 0;
}


/*
 * The signed texts: "ten-auth-1 <kind> <first> <second> <principal>
 * <server>", kind server-proof (snonce second) or client-proof (first).
 */

static int
auth_text(char *buf, size_t len, const char *kind,
    const uint8_t first[TEN_NONCE_LEN], const uint8_t second[TEN_NONCE_LEN],
    const ten_auth_t *a)
{
    int   n;
    char  n1[TEN_B64_32_LEN + 1], n2[TEN_B64_32_LEN + 1];

    ten_b64_encode(first, TEN_NONCE_LEN, n1, sizeof(n1));
    ten_b64_encode(second, TEN_NONCE_LEN, n2, sizeof(n2));

    n = snprintf(buf, len, TEN_AUTH_PREFIX "%s %s %s %s %s", kind, n1, n2,
                 a->principal, a->server);

    return (n < 0 || (size_t) n >= len) ? -1 : n;
}


int
ten_auth_server(const ten_auth_t *a, const uint8_t sk[TEN_SK_LEN],
    char *buf, size_t len)
{
    int      n;
    char     text[TEN_AUTH_MSG_MAX];
    char     nonce[TEN_B64_32_LEN + 1], sig64[TEN_B64_64_LEN + 1];
    uint8_t  sig[TEN_SIG_LEN];

    n = auth_text(text, sizeof(text), "server-proof", a->cnonce, a->snonce,
                  a);
    if (n < 0 || ten_sign(sk, text, n, sig) != 0) {
        return -1;
    }

    ten_b64_encode(a->snonce, TEN_NONCE_LEN, nonce, sizeof(nonce));
    ten_b64_encode(sig, TEN_SIG_LEN, sig64, sizeof(sig64));

    n = snprintf(buf, len, TEN_AUTH_PREFIX "server %s %s %s", a->server,
                 nonce, sig64);

    return (n < 0 || (size_t) n >= len) ? -1 : n;
}


int
ten_auth_check_server(const char *msg, size_t len, ten_auth_t *a,
    const uint8_t server_pk[TEN_PK_LEN])
{
    int      n;
    char     copy[TEN_AUTH_MSG_MAX], *w[4], text[TEN_AUTH_MSG_MAX];
    uint8_t  sig[TEN_SIG_LEN];

    if (parse_words(msg, len, copy, sizeof(copy), w, 4) < 0
        || strcmp(w[0], "server") != 0
        || strcmp(w[1], a->server) != 0
        || ten_b64_decode(w[2], strlen(w[2]), a->snonce, TEN_NONCE_LEN) < 0
        || ten_b64_decode(w[3], strlen(w[3]), sig, TEN_SIG_LEN) < 0)
    {
        return -1;
    }

    n = auth_text(text, sizeof(text), "server-proof", a->cnonce, a->snonce,
                  a);

    return (n < 0 || ten_verify(server_pk, text, n, sig) != 0) ? -1 : 0;
}


int
ten_auth_proof(const ten_auth_t *a, const uint8_t sk[TEN_SK_LEN],
    char *buf, size_t len)
{
    int      n;
    char     text[TEN_AUTH_MSG_MAX], sig64[TEN_B64_64_LEN + 1];
    uint8_t  sig[TEN_SIG_LEN];

    n = auth_text(text, sizeof(text), "client-proof", a->snonce, a->cnonce,
                  a);
    if (n < 0 || ten_sign(sk, text, n, sig) != 0) {
        return -1;
    }

    ten_b64_encode(sig, TEN_SIG_LEN, sig64, sizeof(sig64));
    n = snprintf(buf, len, TEN_AUTH_PREFIX "proof %s", sig64);

    return (n < 0 || (size_t) n >= len) ? -1 : n;
}


int
ten_auth_check_proof(const char *msg, size_t len, const ten_auth_t *a,
    const uint8_t client_pk[TEN_PK_LEN])
{
    int      n;
    char     copy[TEN_AUTH_MSG_MAX], *w[2], text[TEN_AUTH_MSG_MAX];
    uint8_t  sig[TEN_SIG_LEN];

    if (parse_words(msg, len, copy, sizeof(copy), w, 2) < 0
        || strcmp(w[0], "proof") != 0
        || ten_b64_decode(w[1], strlen(w[1]), sig, TEN_SIG_LEN) < 0)
    {
        return -1;
    }

    n = auth_text(text, sizeof(text), "client-proof", a->snonce, a->cnonce,
                  a);

    return (n < 0 || ten_verify(client_pk, text, n, sig) != 0) ? -1 : 0;
}


void
ten_keyid(const uint8_t pk[TEN_PK_LEN], char keyid[TEN_KEYID_LEN + 1])
{
    uint8_t  hash[crypto_hash_sha256_BYTES];

    crypto_hash_sha256(hash, pk, TEN_PK_LEN);
    sodium_bin2hex(keyid, TEN_KEYID_LEN + 1, hash, TEN_KEYID_LEN / 2);
}


/* Splits a line into exactly n single-space separated words. */

static int
split_exact(const char *line, size_t len, char *copy, size_t copylen,
    char **w, int n)
{
    int    i;
    char  *p;

    len = strip_newline(line, len);

    if (len == 0 || len >= copylen || memchr(line, '\0', len)) {
        return -1;
    }

    memcpy(copy, line, len);
    copy[len] = '\0';

    for (i = 0, p = copy; i < n; i++) {
        w[i] = p;
        p = strchr(p, ' ');

        if ((p == NULL) != (i == n - 1)) {
            return -1;
        }

        if (p) {
            *p++ = '\0';
        }

        if (w[i][0] == '\0' || strpbrk(w[i], "\t\r\n")) {
            return -1;
        }
    }

    return 0;
}


/* A decimal Unix time: digits only, no sign, no leading zeros. */

static int
parse_time(const char *s, int64_t *t)
{
    size_t  i, len;

    len = strlen(s);

    if (len == 0 || len > 12 || (s[0] == '0' && len > 1)) {
        return -1;
    }

    *t = 0;

    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        *t = *t * 10 + (s[i] - '0');
    }

    return 0;
}


static int
is_lower_hex(const char *s, size_t want)
{
    size_t  i;

    if (strlen(s) != want) {
        return 0;
    }

    for (i = 0; i < want; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
            return 0;
        }
    }

    return 1;
}


/* The signature is over everything before the last space. */

static int
verify_line(const char *line, size_t len, const char *sig64,
    const uint8_t pk[TEN_PK_LEN])
{
    uint8_t  sig[TEN_SIG_LEN];
    size_t   signed_len;

    len = strip_newline(line, len);
    signed_len = len - strlen(sig64) - 1;

    if (ten_b64_decode(sig64, strlen(sig64), sig, TEN_SIG_LEN) < 0) {
        return -1;
    }

    return ten_verify(pk, line, signed_len, sig) == 0 ? 0 : -1;
}


int
ten_cert_parse(const char *line, size_t len, const uint8_t issuer[TEN_PK_LEN],
    ten_cert_t *cert, const char **err)
{
    char  copy[512], *w[6], keyid[TEN_KEYID_LEN + 1];

    *err = "not a certificate line";

    if (split_exact(line, len, copy, sizeof(copy), w, 6) < 0
        || strcmp(w[0], "ten-key-1") != 0
        || !is_lower_hex(w[1], TEN_KEYID_LEN)
        || ten_b64_decode(w[2], strlen(w[2]), cert->pk, TEN_PK_LEN) < 0
        || parse_time(w[3], &cert->not_before) < 0
        || parse_time(w[4], &cert->not_after) < 0
        || cert->not_after < cert->not_before)
    {
        return -1;
    }

    ten_keyid(cert->pk, keyid);

    if (strcmp(keyid, w[1]) != 0) {
        *err = "the key id is not its key's";
        return -1;
    }

    memcpy(cert->keyid, keyid, sizeof(keyid));
    *err = "not a certificate signed by the issuer's key";

    return verify_line(line, len, w[5], issuer);
}


int
ten_ticket_parse(const char *line, size_t len, ten_ticket_t *t)
{
    char  copy[512], *w[7];

    if (split_exact(line, len, copy, sizeof(copy), w, 7) < 0
        || strcmp(w[0], "ten-ticket-1") != 0
        || !is_lower_hex(w[1], TEN_KEYID_LEN)
        || !ten_valid_name(w[2], strlen(w[2]))
        || parse_time(w[3], &t->issued) < 0
        || parse_time(w[4], &t->expires) < 0
        || !is_lower_hex(w[5], TEN_TNONCE_LEN))
    {
        return -1;
    }

    memcpy(t->keyid, w[1], TEN_KEYID_LEN + 1);
    snprintf(t->user, sizeof(t->user), "%s", w[2]);
    memcpy(t->nonce, w[5], TEN_TNONCE_LEN + 1);

    return 0;
}


int
ten_ticket_verify(const char *line, size_t len, const ten_cert_t *cert)
{
    char         sig64[TEN_B64_64_LEN + 1];
    const char  *sig;

    len = strip_newline(line, len);
    sig = memrchr(line, ' ', len);

    if (sig == NULL || (size_t) (line + len - sig - 1) != TEN_B64_64_LEN) {
        return -1;
    }

    memcpy(sig64, sig + 1, TEN_B64_64_LEN);
    sig64[TEN_B64_64_LEN] = '\0';

    return verify_line(line, len, sig64, cert->pk);
}


/* text, a space and its signature by sk, into buf: the length, or -1. */

static int
sign_line(const uint8_t sk[TEN_SK_LEN], const char *text, char *buf,
    size_t len)
{
    int      n;
    char     sig64[TEN_B64_64_LEN + 1];
    uint8_t  sig[TEN_SIG_LEN];

    if (ten_sign(sk, text, strlen(text), sig) != 0) {
        return -1;
    }

    ten_b64_encode(sig, TEN_SIG_LEN, sig64, sizeof(sig64));
    n = snprintf(buf, len, "%s %s", text, sig64);

    return (n < 0 || (size_t) n >= len) ? -1 : n;
}


int
ten_cert_make(const uint8_t issuer_sk[TEN_SK_LEN],
    const uint8_t pk[TEN_PK_LEN], int64_t not_before, int64_t not_after,
    char *buf, size_t len)
{
    char  text[256], pub[TEN_B64_32_LEN + 1], keyid[TEN_KEYID_LEN + 1];

    ten_keyid(pk, keyid);
    ten_b64_encode(pk, TEN_PK_LEN, pub, sizeof(pub));
    snprintf(text, sizeof(text), "ten-key-1 %s %s %lld %lld", keyid, pub,
             (long long) not_before, (long long) not_after);

    return sign_line(issuer_sk, text, buf, len);
}


int
ten_ticket_make(const uint8_t sk[TEN_SK_LEN], const char *user,
    int64_t issued, int64_t expires, char nonce[TEN_TNONCE_LEN + 1],
    char *buf, size_t len)
{
    char     text[256], keyid[TEN_KEYID_LEN + 1];
    uint8_t  pk[TEN_PK_LEN], raw[TEN_TNONCE_LEN / 2];

    if (!ten_valid_name(user, strlen(user))) {
        return -1;
    }

    ten_key_public(sk, pk);
    ten_keyid(pk, keyid);
    ten_random(raw, sizeof(raw));
    sodium_bin2hex(nonce, TEN_TNONCE_LEN + 1, raw, sizeof(raw));

    snprintf(text, sizeof(text), "ten-ticket-1 %s %s %lld %lld %s", keyid,
             user, (long long) issued, (long long) expires, nonce);

    return sign_line(sk, text, buf, len);
}
