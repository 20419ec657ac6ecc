
/*
 * Ten: ten-factotum's WebAuthn checks.  A registration (§7.1): the client
 * data's type, challenge and origin; the attestation object's CBOR map
 * (fmt, attStmt, authData); in the authenticator data the rp id's hash,
 * the user-present (and, by policy, user-verified) flags and the attested
 * credential: its id and its COSE public key, ES256 on P-256 or EdDSA on
 * Ed25519.  An assertion (§7.2): the same client data and authenticator
 * data checks, the signature over authData || SHA-256(clientDataJSON)
 * with the stored key, and a signature counter that must go up (unless
 * the authenticator keeps none: both zero).
 *
 * The client data is JSON, read by the small strict parser below only as
 * far as the checks need: an object whose members are read or skipped,
 * nesting at most 8 deep, no duplicate member that is checked, nothing
 * after it.  Every length is checked before it is read.
 */

#include <stdio.h>
#include <string.h>

#include <cbor.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <sodium.h>

#include "fact_webauthn.h"


#define WA_UP       0x01        /* user present */
#define WA_UV       0x04        /* user verified */
#define WA_AT       0x40        /* attested credential data follows */
#define WA_ED       0x80        /* extensions follow */

#define AD_HEAD     37          /* rpIdHash, flags, signCount */
#define JS_DEPTH    8
#define JS_TEXT     256


#define fail(...)   (snprintf(why, whylen, __VA_ARGS__), -1)


/* ------------------------------------------------------- client data */


typedef struct {
    const uint8_t  *p;
    const uint8_t  *end;
} js_t;


typedef struct {
    char            type[JS_TEXT];
    char            challenge[JS_TEXT];
    char            origin[JS_TEXT];
    int             cross_origin;
    unsigned        seen;
} js_client_t;


static int js_value(js_t *j, int depth);


static void
js_space(js_t *j)
{
    while (j->p < j->end
           && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n'
               || *j->p == '\r'))
    {
        j->p++;
    }
}


static int
js_hex(int c)
{
    return (c >= '0' && c <= '9') ? c - '0'
           : (c >= 'a' && c <= 'f') ? c - 'a' + 10
           : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
}


/*
 * A string, its text into out (when out is not NULL); an escape of
 * anything but ASCII becomes \x01, which matches nothing the checks
 * compare with.  0, 1 if it did not fit in out (then out is ""), or -1:
 * not a string.
 */

static int
js_string(js_t *j, char *out, size_t size)
{
    int     c, i, h, long_;
    size_t  n;

    if (j->p >= j->end || *j->p != '"') {
        return -1;
    }

    j->p++;
    n = 0;
    long_ = 0;

    for ( ;; ) {
        if (j->p >= j->end || *j->p < 0x20) {
            return -1;
        }

        c = *j->p++;

        if (c == '"') {
            break;
        }

        if (c == '\\') {
            if (j->p >= j->end) {
                return -1;
            }

            c = *j->p++;

            switch (c) {
            case '"': case '\\': case '/': break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 't': c = '\t'; break;
            case 'u':
                if (j->end - j->p < 4) {
                    return -1;
                }
                for (c = 0, i = 0; i < 4; i++) {
                    h = js_hex(*j->p++);
                    if (h < 0) {
                        return -1;
                    }
                    c = c * 16 + h;
                }
                if (c >= 0x80 || c == 0) {
                    c = 1;
                }
                break;
            default:
                return -1;
            }
        }

        if (out != NULL && !long_) {
            if (n + 1 >= size) {
                long_ = 1;
                n = 0;
            } else {
                out[n++] = (char) c;
            }
        }
    }

    if (out != NULL) {
        out[n] = '\0';
    }

    return long_;
}


static int
js_word(js_t *j, const char *w)
{
    size_t  n;

    n = strlen(w);

    if ((size_t) (j->end - j->p) < n || memcmp(j->p, w, n) != 0) {
        return -1;
    }

    j->p += n;

    return 0;
}


static int
js_number(js_t *j)
{
    const uint8_t  *start;

    start = j->p;

    while (j->p < j->end
           && (strchr("+-.eE", *j->p) != NULL
               || (*j->p >= '0' && *j->p <= '9')))
    {
        j->p++;
    }

    return j->p > start ? 0 : -1;
}


/* [ value, ... ] or { "name": value, ... }, each element skipped. */

static int
js_list(js_t *j, int depth, int object)
{
    char  close;

    close = object ? '}' : ']';
    j->p++;
    js_space(j);

    if (j->p < j->end && *j->p == close) {
        j->p++;
        return 0;
    }

    for ( ;; ) {
        if (object) {
            if (js_string(j, NULL, 0) < 0) {
                return -1;
            }
            js_space(j);
            if (j->p >= j->end || *j->p++ != ':') {
                return -1;
            }
            js_space(j);
        }

        if (js_value(j, depth + 1) < 0) {
            return -1;
        }

        js_space(j);

        if (j->p >= j->end) {
            return -1;
        }

        if (*j->p == close) {
            j->p++;
            return 0;
        }

        if (*j->p++ != ',') {
            return -1;
        }

        js_space(j);
    }
}


static int
js_value(js_t *j, int depth)
{
    if (j->p >= j->end || depth > JS_DEPTH) {
        return -1;
    }

    switch (*j->p) {
    case '"': return js_string(j, NULL, 0);
    case '{': return js_list(j, depth, 1);
    case '[': return js_list(j, depth, 0);
    case 't': return js_word(j, "true");
    case 'f': return js_word(j, "false");
    case 'n': return js_word(j, "null");
    default:  return js_number(j);
    }
}


/* One member of the client data's object: read if checked, else skipped. */

static int
js_member(js_t *j, js_client_t *cd)
{
    int       bit;
    char      name[32], *text;

    /* a longer name is none of ours: then name is "" */
    if (js_string(j, name, sizeof(name)) < 0) {
        return -1;
    }

    js_space(j);

    if (j->p >= j->end || *j->p++ != ':') {
        return -1;
    }

    js_space(j);

    text = strcmp(name, "type") == 0 ? cd->type
           : strcmp(name, "challenge") == 0 ? cd->challenge
           : strcmp(name, "origin") == 0 ? cd->origin : NULL;
    bit = text == cd->type ? 1 : text == cd->challenge ? 2
          : text == cd->origin ? 4 : strcmp(name, "crossOrigin") == 0 ? 8
          : 0;

    if (bit & cd->seen) {
        return -1;
    }

    cd->seen |= bit;

    if (text != NULL) {
        return js_string(j, text, JS_TEXT) == 0 ? 0 : -1;
    }

    if (bit == 8) {
        if (js_word(j, "true") == 0) {
            cd->cross_origin = 1;
            return 0;
        }
        return js_word(j, "false");
    }

    return js_value(j, 1);
}


static int
js_client(const uint8_t *buf, size_t len, js_client_t *cd)
{
    js_t  j;

    memset(cd, 0, sizeof(*cd));
    j.p = buf;
    j.end = buf + len;
    js_space(&j);

    if (j.p >= j.end || *j.p++ != '{') {
        return -1;
    }

    js_space(&j);

    if (j.p < j.end && *j.p == '}') {
        j.p++;

    } else {
        for ( ;; ) {
            if (js_member(&j, cd) < 0) {
                return -1;
            }
            js_space(&j);
            if (j.p >= j.end) {
                return -1;
            }
            if (*j.p == '}') {
                j.p++;
                break;
            }
            if (*j.p++ != ',') {
                return -1;
            }
            js_space(&j);
        }
    }

    js_space(&j);

    return j.p == j.end ? 0 : -1;
}


/* The client data of a ceremony of type for challenge, from an origin. */

static int
client_check(const wa_policy_t *p, const uint8_t *client, size_t len,
    const char *type, const char *challenge, char *why, size_t whylen)
{
    size_t       i;
    js_client_t  cd;

    if (len > WA_CLIENT_MAX || js_client(client, len, &cd) < 0) {
        return fail("the client data is not a JSON object");
    }

    if ((cd.seen & 7) != 7) {
        return fail("the client data lacks its type, challenge or origin");
    }

    if (strcmp(cd.type, type) != 0) {
        return fail("the client data is of type %s, not %s", cd.type, type);
    }

    if (strcmp(cd.challenge, challenge) != 0) {
        return fail("the client data answers another challenge");
    }

    if (cd.cross_origin) {
        return fail("the ceremony was cross-origin");
    }

    for (i = 0; i < p->norigins; i++) {
        if (strcmp(cd.origin, p->origins[i]) == 0) {
            return 0;
        }
    }

    return fail("origin %s is not allowed", cd.origin);
}


/* ---------------------------------------------------- authenticator data */


/* The head every authenticator data has: 0, flags and counter, or -1. */

static int
auth_head(const wa_policy_t *p, const uint8_t *ad, size_t len,
    unsigned *flags, uint32_t *counter, char *why, size_t whylen)
{
    uint8_t  rp_hash[crypto_hash_sha256_BYTES];

    if (len < AD_HEAD) {
        return fail("the authenticator data is %zu bytes, less than %d",
                    len, AD_HEAD);
    }

    crypto_hash_sha256(rp_hash, (const uint8_t *) p->rp_id,
                       strlen(p->rp_id));

    if (sodium_memcmp(ad, rp_hash, sizeof(rp_hash)) != 0) {
        return fail("the authenticator data is for another rp id");
    }

    *flags = ad[32];
    *counter = (uint32_t) ad[33] << 24 | (uint32_t) ad[34] << 16
               | (uint32_t) ad[35] << 8 | ad[36];

    if (!(*flags & WA_UP)) {
        return fail("the user was not present");
    }

    if (p->require_uv && !(*flags & WA_UV)) {
        return fail("the user was not verified");
    }

    return 0;
}


/*
 * libcbor allocates what a container's header declares, before it reads
 * a single element: five bytes could ask for a gigabyte.  So the headers
 * are walked first with its streaming decoder, which allocates nothing,
 * and an item is loaded only if no container declares more elements than
 * bytes are left and nothing is of indefinite length (which CTAP2's
 * canonical CBOR never uses).
 */

typedef struct {
    size_t   left;
    int      bad;
} cbor_scan_t;


static void
scan_array(void *ctx, size_t n)
{
    cbor_scan_t  *s = ctx;

    s->bad |= n > s->left;
}


static void
scan_map(void *ctx, size_t n)
{
    cbor_scan_t  *s = ctx;

    s->bad |= n > s->left / 2;
}


static void
scan_indefinite(void *ctx)
{
    cbor_scan_t  *s = ctx;

    s->bad = 1;
}


static cbor_item_t *
cbor_load_bounded(const uint8_t *buf, size_t len,
    struct cbor_load_result *res)
{
    size_t                       off;
    cbor_scan_t                  s;
    struct cbor_callbacks        cb;
    struct cbor_decoder_result   r;

    cb = cbor_empty_callbacks;
    cb.array_start = scan_array;
    cb.map_start = scan_map;
    cb.indef_array_start = scan_indefinite;
    cb.indef_map_start = scan_indefinite;
    cb.byte_string_start = scan_indefinite;
    cb.string_start = scan_indefinite;
    s.bad = 0;

    for (off = 0; off < len && !s.bad; off += r.read) {
        s.left = len - off;
        r = cbor_stream_decode(buf + off, len - off, &cb, &s);

        if (r.status != CBOR_DECODER_FINISHED || r.read == 0) {
            break;
        }
    }

    if (s.bad) {
        return NULL;
    }

    /* a walk cut short by a truncated item: cbor_load says so itself */
    return cbor_load(buf, len, res);
}


static int
cbor_key_is(cbor_item_t *k, const char *name)
{
    size_t  n;

    n = strlen(name);

    return cbor_isa_string(k) && cbor_string_is_definite(k)
           && cbor_string_length(k) == n
           && memcmp(cbor_string_handle(k), name, n) == 0;
}


/* A COSE map key or an integer value, or -1000 (no COSE label is). */

static int64_t
cbor_small_int(cbor_item_t *i)
{
    uint64_t  v;

    if (!cbor_isa_uint(i) && !cbor_isa_negint(i)) {
        return -1000;
    }

    v = cbor_get_int(i);

    if (v > 255) {
        return -1000;
    }

    return cbor_isa_uint(i) ? (int64_t) v : -1 - (int64_t) v;
}


static int
cbor_bytes(cbor_item_t *i, const uint8_t **b, size_t *len)
{
    if (!cbor_isa_bytestring(i) || !cbor_bytestring_is_definite(i)) {
        return -1;
    }

    *b = cbor_bytestring_handle(i);
    *len = cbor_bytestring_length(i);

    return 0;
}


/* An uncompressed P-256 point as an OpenSSL key, or NULL. */

static EVP_PKEY *
es256_key(const uint8_t *point, size_t len)
{
    EVP_PKEY      *key;
    OSSL_PARAM     params[3];
    EVP_PKEY_CTX  *ctx, *check;

    key = NULL;
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
                                                 (char *) "prime256v1", 0);
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
                                                  (void *) point, len);
    params[2] = OSSL_PARAM_construct_end();

    ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);

    if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) <= 0
        || EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) <= 0)
    {
        EVP_PKEY_CTX_free(ctx);
        return NULL;
    }

    EVP_PKEY_CTX_free(ctx);

    /* a point on the curve, not at infinity */
    check = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);

    if (check == NULL || EVP_PKEY_public_check(check) != 1) {
        EVP_PKEY_CTX_free(check);
        EVP_PKEY_free(key);
        return NULL;
    }

    EVP_PKEY_CTX_free(check);

    return key;
}


/*
 * The COSE key of a new credential (RFC 9053): EC2 P-256 for ES256, OKP
 * Ed25519 for EdDSA; the public key as the store keeps it.
 */

static int
cose_key(cbor_item_t *map, wa_credential_t *cred, char *why, size_t whylen)
{
    size_t             i, n, xlen, ylen;
    int64_t            label, kty, alg, crv;
    EVP_PKEY          *key;
    const uint8_t     *x, *y;
    struct cbor_pair  *pairs;

    if (!cbor_isa_map(map) || !cbor_map_is_definite(map)) {
        return fail("the credential's public key is not a COSE map");
    }

    kty = alg = crv = -1000;
    x = y = NULL;
    xlen = ylen = 0;
    n = cbor_map_size(map);
    pairs = cbor_map_handle(map);

    for (i = 0; i < n; i++) {
        label = cbor_small_int(pairs[i].key);

        switch (label) {
        case 1: kty = cbor_small_int(pairs[i].value); break;
        case 3: alg = cbor_small_int(pairs[i].value); break;
        case -1: crv = cbor_small_int(pairs[i].value); break;
        case -2:
            if (cbor_bytes(pairs[i].value, &x, &xlen) < 0) {
                return fail("the public key's x is not bytes");
            }
            break;
        case -3:
            if (cbor_bytes(pairs[i].value, &y, &ylen) < 0) {
                return fail("the public key's y is not bytes");
            }
            break;
        default:
            break;
        }
    }

    if (alg == WA_ES256 && kty == 2 && crv == 1 && xlen == 32
        && ylen == 32)
    {
        cred->pubkey[0] = 0x04;
        memcpy(cred->pubkey + 1, x, 32);
        memcpy(cred->pubkey + 33, y, 32);
        cred->pubkey_len = 65;

        key = es256_key(cred->pubkey, cred->pubkey_len);
        if (key == NULL) {
            return fail("the public key is not a point of P-256");
        }
        EVP_PKEY_free(key);

    } else if (alg == WA_EDDSA && kty == 1 && crv == 6 && xlen == 32) {
        if (!crypto_core_ed25519_is_valid_point(x)) {
            return fail("the public key is not a point of Ed25519");
        }
        memcpy(cred->pubkey, x, 32);
        cred->pubkey_len = 32;

    } else {
        return fail("the public key is neither ES256 on P-256 nor EdDSA "
                    "on Ed25519 (alg %lld)", (long long) alg);
    }

    cred->alg = (int) alg;

    return 0;
}


/* The attested credential data after the head: id and public key. */

static int
attested(const uint8_t *ad, size_t len, unsigned flags,
    wa_credential_t *cred, char *why, size_t whylen)
{
    int                       rc;
    size_t                    off, id_len;
    cbor_item_t              *key, *ext;
    struct cbor_load_result   res;

    if (!(flags & WA_AT)) {
        return fail("the authenticator data has no credential");
    }

    off = AD_HEAD + 16;                         /* the AAGUID */

    if (len < off + 2) {
        return fail("the authenticator data ends in its credential");
    }

    id_len = (size_t) ad[off] << 8 | ad[off + 1];
    off += 2;

    if (id_len == 0 || id_len > WA_CRED_ID_MAX || len - off < id_len) {
        return fail("the credential id is %zu bytes, of %zu left", id_len,
                    len - off);
    }

    memcpy(cred->id, ad + off, id_len);
    cred->id_len = id_len;
    off += id_len;

    key = cbor_load_bounded(ad + off, len - off, &res);

    if (key == NULL) {
        return fail("the credential's public key is not CBOR");
    }

    rc = cose_key(key, cred, why, whylen);
    cbor_decref(&key);

    if (rc < 0) {
        return -1;
    }

    off += res.read;

    if (off == len) {
        return (flags & WA_ED) ? fail("the extensions are missing") : 0;
    }

    /* only the extensions' map may follow */
    if (!(flags & WA_ED)) {
        return fail("%zu bytes follow the public key", len - off);
    }

    ext = cbor_load_bounded(ad + off, len - off, &res);

    if (ext == NULL || !cbor_isa_map(ext) || off + res.read != len) {
        if (ext != NULL) {
            cbor_decref(&ext);
        }
        return fail("the extensions are not one CBOR map");
    }

    cbor_decref(&ext);

    return 0;
}


/* ---------------------------------------------------------- ceremonies */


/* The attestation object's map: fmt, attStmt and authData. */

static int
attestation(const wa_policy_t *p, cbor_item_t *obj, wa_credential_t *cred,
    char *why, size_t whylen)
{
    size_t             i, n, ad_len;
    unsigned           flags;
    cbor_item_t       *fmt, *stmt;
    const uint8_t     *ad;
    struct cbor_pair  *pairs;

    if (!cbor_isa_map(obj) || !cbor_map_is_definite(obj)) {
        return fail("the attestation object is not a CBOR map");
    }

    fmt = stmt = NULL;
    ad = NULL;
    ad_len = 0;
    n = cbor_map_size(obj);
    pairs = cbor_map_handle(obj);

    for (i = 0; i < n; i++) {
        if (cbor_key_is(pairs[i].key, "fmt")) {
            fmt = pairs[i].value;
        } else if (cbor_key_is(pairs[i].key, "attStmt")) {
            stmt = pairs[i].value;
        } else if (cbor_key_is(pairs[i].key, "authData")
                   && cbor_bytes(pairs[i].value, &ad, &ad_len) < 0)
        {
            return fail("the attestation's authData is not bytes");
        }
    }

    if (fmt == NULL || !cbor_isa_string(fmt) || stmt == NULL
        || !cbor_isa_map(stmt) || ad == NULL)
    {
        return fail("the attestation object lacks fmt, attStmt or "
                    "authData");
    }

    /* "none" has an empty statement; others are not verified (README) */
    if (cbor_key_is(fmt, "none") && cbor_map_size(stmt) != 0) {
        return fail("an attestation of format none has a statement");
    }

    if (auth_head(p, ad, ad_len, &flags, &cred->counter, why, whylen) < 0) {
        return -1;
    }

    return attested(ad, ad_len, flags, cred, why, whylen);
}


int
wa_register(const wa_policy_t *p, const char *challenge, const uint8_t *att,
    size_t att_len, const uint8_t *client, size_t client_len,
    wa_credential_t *cred, char *why, size_t whylen)
{
    int                       rc;
    cbor_item_t              *obj;
    struct cbor_load_result   res;

    memset(cred, 0, sizeof(*cred));

    if (client_check(p, client, client_len, "webauthn.create", challenge,
                     why, whylen)
        < 0)
    {
        return -1;
    }

    obj = cbor_load_bounded(att, att_len, &res);

    if (obj == NULL) {
        return fail("the attestation object is not CBOR");
    }

    rc = res.read != att_len
         ? fail("%zu bytes follow the attestation object",
                att_len - res.read)
         : attestation(p, obj, cred, why, whylen);

    cbor_decref(&obj);

    return rc;
}


static int
es256_verify(const wa_credential_t *cred, const uint8_t *msg, size_t len,
    const uint8_t *sig, size_t sig_len)
{
    int          ok;
    EVP_PKEY    *key;
    EVP_MD_CTX  *md;

    key = es256_key(cred->pubkey, cred->pubkey_len);
    md = EVP_MD_CTX_new();

    ok = key != NULL && md != NULL
         && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) == 1
         && EVP_DigestVerify(md, sig, sig_len, msg, len) == 1;

    EVP_MD_CTX_free(md);
    EVP_PKEY_free(key);

    return ok ? 0 : -1;
}


int
wa_assert(const wa_policy_t *p, const char *challenge,
    const wa_credential_t *cred, const uint8_t *auth_data, size_t ad_len,
    const uint8_t *client, size_t client_len, const uint8_t *sig,
    size_t sig_len, uint32_t *counter, char *why, size_t whylen)
{
    int       rc;
    uint8_t   msg[1024 + crypto_hash_sha256_BYTES];
    unsigned  flags;

    if (client_check(p, client, client_len, "webauthn.get", challenge,
                     why, whylen)
        < 0
        || auth_head(p, auth_data, ad_len, &flags, counter, why, whylen)
           < 0)
    {
        return -1;
    }

    if (flags & WA_AT) {
        return fail("an assertion's authenticator data has a credential");
    }

    if (ad_len > sizeof(msg) - crypto_hash_sha256_BYTES) {
        return fail("the authenticator data is %zu bytes, more than %zu",
                    ad_len, sizeof(msg) - crypto_hash_sha256_BYTES);
    }

    memcpy(msg, auth_data, ad_len);
    crypto_hash_sha256(msg + ad_len, client, client_len);

    if (cred->alg == WA_EDDSA) {
        rc = (sig_len == crypto_sign_BYTES && cred->pubkey_len == 32
              && crypto_sign_verify_detached(sig, msg,
                                             ad_len + crypto_hash_sha256_BYTES,
                                             cred->pubkey) == 0)
             ? 0 : -1;
    } else {
        rc = es256_verify(cred, msg, ad_len + crypto_hash_sha256_BYTES, sig,
                          sig_len);
    }

    if (rc < 0) {
        return fail("the signature does not verify");
    }

    if ((*counter != 0 || cred->counter != 0) && *counter <= cred->counter) {
        snprintf(why, whylen, "the signature counter went from %u to %u: "
                 "the authenticator may have been cloned", cred->counter,
                 *counter);
        return WA_CLONED;
    }

    return 0;
}
