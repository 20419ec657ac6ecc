
/*
 * Ten: identities, trust files and the ten-auth-1 texts (DESIGN.md §2).
 *
 * Plain C on libsodium, no nginx types: shared by the kernel module, the
 * services and tools/ten-key.  Nothing here reads the environment.
 */

#ifndef _TENKEY_H_INCLUDED_
#define _TENKEY_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>


#define TEN_NAME_MAX        64
#define TEN_NONCE_LEN       32
#define TEN_PK_LEN          32
#define TEN_SK_LEN          64
#define TEN_SIG_LEN         64
/* standard padded base64 of 32 and 64 bytes */
#define TEN_B64_32_LEN      44
#define TEN_B64_64_LEN      88

/* the longest ten-auth-1 message or signed text */
#define TEN_AUTH_MSG_MAX    512

#define TEN_ROLE_SPEAKS_FOR 0x1
#define TEN_ROLE_TICKETS    0x2


typedef struct {
    char            name[TEN_NAME_MAX + 1];
    uint8_t         pk[TEN_PK_LEN];
    unsigned        roles;
} ten_principal_t;


typedef struct {
    ten_principal_t *entries;
    size_t           n;
} ten_trust_t;


/* Initializes libsodium; 0 or -1.  Safe to call more than once. */
int ten_crypto_init(void);

/*
 * Functions that can fail return 0 or -1 and write a one-line reason
 * (naming the file and line where there is one) into err.
 */

/* A secret key file's place: a regular file group and others cannot read. */
int ten_key_private(const char *path, char *err, size_t errlen);

/* A secret key file: one line of base64; refused if group/other can read. */
int ten_key_load(const char *path, uint8_t sk[TEN_SK_LEN], char *err,
    size_t errlen);

/* Writes a new secret key file (mode 0600, must not exist). */
int ten_key_generate(const char *path, uint8_t pk[TEN_PK_LEN], char *err,
    size_t errlen);

void ten_key_public(const uint8_t sk[TEN_SK_LEN], uint8_t pk[TEN_PK_LEN]);

/* Loads a trust file: `name public-key-base64 [roles]`, # comments. */
int ten_trust_load(const char *path, ten_trust_t *trust, char *err,
    size_t errlen);
void ten_trust_free(ten_trust_t *trust);
const ten_principal_t *ten_trust_find(const ten_trust_t *trust,
    const char *name);

/* A name may be a principal or user: [a-z_][a-z0-9_-]{0,31}. */
int ten_valid_name(const char *s, size_t len);

/* Standard padded base64; out needs TEN_B64_*_LEN + 1.  Returns length. */
size_t ten_b64_encode(const uint8_t *in, size_t len, char *out,
    size_t outlen);
/* Decodes exactly want bytes; -1 for anything else. */
int ten_b64_decode(const char *in, size_t inlen, uint8_t *out, size_t want);

void ten_random(uint8_t *buf, size_t len);

int ten_sign(const uint8_t sk[TEN_SK_LEN], const char *text, size_t len,
    uint8_t sig[TEN_SIG_LEN]);
int ten_verify(const uint8_t pk[TEN_PK_LEN], const char *text, size_t len,
    const uint8_t sig[TEN_SIG_LEN]);


/*
 * ten-auth-1.  The builders return the text length or -1 when it does not
 * fit; the parsers accept one trailing newline and return 0 or -1.
 */

typedef struct {
    char            principal[TEN_NAME_MAX + 1];
    char            server[TEN_NAME_MAX + 1];
    uint8_t         cnonce[TEN_NONCE_LEN];
    uint8_t         snonce[TEN_NONCE_LEN];
} ten_auth_t;

/* "ten-auth-1 hello <principal> <cnonce>" */
int ten_auth_hello(const ten_auth_t *a, char *buf, size_t len);
int ten_auth_parse_hello(const char *msg, size_t len, ten_auth_t *a);

/* "ten-auth-1 server <server> <snonce> <sig>", signed by the server */
int ten_auth_server(const ten_auth_t *a, const uint8_t sk[TEN_SK_LEN],
    char *buf, size_t len);
int ten_auth_check_server(const char *msg, size_t len, ten_auth_t *a,
    const uint8_t server_pk[TEN_PK_LEN]);

/* "ten-auth-1 proof <sig>", signed by the client */
int ten_auth_proof(const ten_auth_t *a, const uint8_t sk[TEN_SK_LEN],
    char *buf, size_t len);
int ten_auth_check_proof(const char *msg, size_t len, const ten_auth_t *a,
    const uint8_t client_pk[TEN_PK_LEN]);


/*
 * Signing-key certificates and tickets (DESIGN.md §2), one line each:
 *   ten-key-1 <keyid> <pub> <not-before> <not-after> <sig>
 *   ten-ticket-1 <keyid> <user> <issued> <expires> <nonce> <sig>
 * each signed over everything before its last space.  keyid is the first
 * 16 hex digits of SHA-256 of the public key.
 */

#define TEN_KEYID_LEN       16
#define TEN_TNONCE_LEN      32

typedef struct {
    char            keyid[TEN_KEYID_LEN + 1];
    uint8_t         pk[TEN_PK_LEN];
    int64_t         not_before;
    int64_t         not_after;
} ten_cert_t;

typedef struct {
    char            keyid[TEN_KEYID_LEN + 1];
    char            user[TEN_NAME_MAX + 1];
    int64_t         issued;
    int64_t         expires;
    char            nonce[TEN_TNONCE_LEN + 1];
} ten_ticket_t;

/*
 * Parses a certificate and checks its signature by the identity key;
 * on failure *err says which part is wrong.
 */
int ten_cert_parse(const char *line, size_t len,
    const uint8_t issuer[TEN_PK_LEN], ten_cert_t *cert, const char **err);

/*
 * Parses a ticket; -1 for bad syntax.  ten_ticket_verify checks its
 * signature under the certified key: 0, or -1.
 */
int ten_ticket_parse(const char *line, size_t len, ten_ticket_t *t);
int ten_ticket_verify(const char *line, size_t len, const ten_cert_t *cert);

void ten_keyid(const uint8_t pk[TEN_PK_LEN], char keyid[TEN_KEYID_LEN + 1]);

/*
 * The lines themselves, signed, into buf (no newline): the length, or -1.
 * A ticket's nonce is made here and returned in nonce.
 */
int ten_cert_make(const uint8_t issuer_sk[TEN_SK_LEN],
    const uint8_t pk[TEN_PK_LEN], int64_t not_before, int64_t not_after,
    char *buf, size_t len);
int ten_ticket_make(const uint8_t sk[TEN_SK_LEN], const char *user,
    int64_t issued, int64_t expires, char nonce[TEN_TNONCE_LEN + 1],
    char *buf, size_t len);


#endif /* _TENKEY_H_INCLUDED_ */
