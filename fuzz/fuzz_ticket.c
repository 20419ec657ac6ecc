
/*
 * Ten: libFuzzer target for what the kernel parses of factotum's making:
 * tickets (ten-ticket-1) and signing-key certificates (ten-key-1, as
 * /keys and ninep_ticket_keys list them).  A ticket that parses has
 * fields of their grammar; only the ticket and the certificate made here
 * with this target's own keys verify, so a mutation never passes.
 */

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "tenkey.h"


static uint8_t     issuer_pk[TEN_PK_LEN], issuer_sk[TEN_SK_LEN];
static uint8_t     key_pk[TEN_PK_LEN], key_sk[TEN_SK_LEN];
static char        cert_line[512], ticket_line[512];
static ten_cert_t  cert;


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char  *err;
    char         nonce[TEN_TNONCE_LEN + 1];

    static const uint8_t  seed1[32] = { 0x11 }, seed2[32] = { 0x22 };

    (void) argc;
    (void) argv;

    if (ten_crypto_init() < 0
        || crypto_sign_seed_keypair(issuer_pk, issuer_sk, seed1) != 0
        || crypto_sign_seed_keypair(key_pk, key_sk, seed2) != 0
        || ten_cert_make(issuer_sk, key_pk, 1, 4102444800, cert_line,
                         sizeof(cert_line)) < 0
        || ten_cert_parse(cert_line, strlen(cert_line), issuer_pk, &cert,
                          &err) != 0
        || ten_ticket_make(key_sk, "glenda", 1, 4102444800, nonce,
                           ticket_line, sizeof(ticket_line)) < 0)
    {
        abort();
    }

    return 0;
}


static int
is_hex(const char *s, size_t n)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        if (!isxdigit((unsigned char) s[i]) || isupper((unsigned char) s[i]))
        {
            return 0;
        }
    }

    return s[n] == '\0';
}


/* the line itself, less one trailing newline */
static int
same_line(const char *msg, size_t len, const char *line)
{
    if (len && msg[len - 1] == '\n') {
        len--;
    }

    return len == strlen(line) && memcmp(msg, line, len) == 0;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char    *msg, *err;
    ten_cert_t     c;
    ten_ticket_t   t;

    msg = (const char *) data;

    if (ten_ticket_parse(msg, size, &t) == 0) {
        if (!ten_valid_name(t.user, strlen(t.user))
            || !is_hex(t.keyid, TEN_KEYID_LEN)
            || !is_hex(t.nonce, TEN_TNONCE_LEN))
        {
            __builtin_trap();
        }

        if (ten_ticket_verify(msg, size, &cert) == 0
            && !same_line(msg, size, ticket_line))
        {
            __builtin_trap();
        }
    }

    err = NULL;

    if (ten_cert_parse(msg, size, issuer_pk, &c, &err) == 0) {
        if (!same_line(msg, size, cert_line)
            || memcmp(c.pk, key_pk, TEN_PK_LEN) != 0)
        {
            __builtin_trap();
        }

    } else if (err == NULL) {
        __builtin_trap();
    }

    return 0;
}
