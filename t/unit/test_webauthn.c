/*
 * ten-factotum's WebAuthn checks (services/factotum/fact_webauthn.c)
 * against a registration and an assertion recorded from Chromium's
 * virtual authenticator, ES256 and EdDSA (es256.txt and ed25519.txt in
 * t/unit/webauthn, made by record.mjs), and every tampered or malformed
 * case: another origin, rp id or challenge, a ceremony of the other
 * type, the flags, a counter that does not go up, another algorithm,
 * truncated CBOR, a signature over other data, client data that is not
 * strict JSON.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <sodium.h>
#include <sys/resource.h>

#include "fact_webauthn.h"


#define MAXV  4096


typedef struct {
    char        origin[128];
    char        reg_challenge[64];
    char        get_challenge[64];
    uint8_t     credential[WA_CRED_ID_MAX];
    size_t      credential_len;
    uint8_t     att[MAXV], client_create[MAXV], authdata[MAXV];
    uint8_t     client_get[MAXV], sig[MAXV];
    size_t      att_len, client_create_len, authdata_len;
    size_t      client_get_len, sig_len;
} vec_t;


static vec_t  es256, ed25519;


static void
b64(const char *text, uint8_t *out, size_t *len)
{
    assert_int_equal(sodium_base642bin(out, MAXV, text, strlen(text), NULL,
                                       len, NULL,
                                       sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                     0);
}


static void
load(const char *file, vec_t *v)
{
    FILE  *f;
    char   line[8192], *val;

    f = fopen(file, "r");
    assert_non_null(f);

    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        val = strchr(line, ' ');
        if (line[0] == '#' || val == NULL) {
            continue;
        }
        *val++ = '\0';

        if (strcmp(line, "origin") == 0) {
            snprintf(v->origin, sizeof(v->origin), "%s", val);
        } else if (strcmp(line, "reg_challenge") == 0) {
            snprintf(v->reg_challenge, sizeof(v->reg_challenge), "%s", val);
        } else if (strcmp(line, "get_challenge") == 0) {
            snprintf(v->get_challenge, sizeof(v->get_challenge), "%s", val);
        } else if (strcmp(line, "credential") == 0) {
            b64(val, v->credential, &v->credential_len);
        } else if (strcmp(line, "attestation") == 0) {
            b64(val, v->att, &v->att_len);
        } else if (strcmp(line, "client_create") == 0) {
            b64(val, v->client_create, &v->client_create_len);
        } else if (strcmp(line, "authdata") == 0) {
            b64(val, v->authdata, &v->authdata_len);
        } else if (strcmp(line, "client_get") == 0) {
            b64(val, v->client_get, &v->client_get_len);
        } else if (strcmp(line, "signature") == 0) {
            b64(val, v->sig, &v->sig_len);
        }
    }

    fclose(f);
}


static int
setup(void **state)
{
    (void) state;
    assert_true(sodium_init() >= 0);
    load("t/unit/webauthn/es256.txt", &es256);
    load("t/unit/webauthn/ed25519.txt", &ed25519);
    return 0;
}


static const char  *origins[2];
static char         why[256];


static wa_policy_t
policy(const vec_t *v)
{
    wa_policy_t  p;

    origins[0] = "https://ten.example.org";
    origins[1] = v->origin;
    p.rp_id = "localhost";
    p.origins = origins;
    p.norigins = 2;
    p.require_uv = 1;

    return p;
}


static int
reg(const wa_policy_t *p, const vec_t *v, wa_credential_t *cred)
{
    return wa_register(p, v->reg_challenge, v->att, v->att_len,
                       v->client_create, v->client_create_len, cred, why,
                       sizeof(why));
}


static int
assertion(const wa_policy_t *p, const vec_t *v, const wa_credential_t *cred,
    const uint8_t *ad, size_t ad_len, uint32_t *counter)
{
    return wa_assert(p, v->get_challenge, cred, ad, ad_len, v->client_get,
                     v->client_get_len, v->sig, v->sig_len, counter, why,
                     sizeof(why));
}


static void
both_ceremonies(const vec_t *v, int alg, size_t keylen)
{
    uint32_t         counter;
    wa_policy_t      p;
    wa_credential_t  cred;

    p = policy(v);
    assert_int_equal(reg(&p, v, &cred), 0);
    assert_int_equal(cred.alg, alg);
    assert_int_equal(cred.pubkey_len, keylen);
    assert_int_equal(cred.id_len, v->credential_len);
    assert_memory_equal(cred.id, v->credential, cred.id_len);
    assert_int_equal(cred.counter, 1);

    assert_int_equal(assertion(&p, v, &cred, v->authdata, v->authdata_len,
                               &counter), 0);
    assert_int_equal(counter, 2);
}


static void
test_es256(void **state)
{
    (void) state;
    both_ceremonies(&es256, WA_ES256, 65);
}


static void
test_eddsa(void **state)
{
    (void) state;
    both_ceremonies(&ed25519, WA_EDDSA, 32);
}


static void
test_origin_rp_challenge_type(void **state)
{
    const vec_t      *v = &es256;
    uint32_t          counter;
    wa_policy_t       p;
    wa_credential_t   cred;

    (void) state;

    p = policy(v);
    p.norigins = 1;
    assert_int_equal(reg(&p, v, &cred), -1);
    assert_non_null(strstr(why, "is not allowed"));

    p = policy(v);
    p.rp_id = "ten.example.org";
    assert_int_equal(reg(&p, v, &cred), -1);
    assert_string_equal(why, "the authenticator data is for another rp id");

    p = policy(v);
    assert_int_equal(wa_register(&p, v->get_challenge, v->att, v->att_len,
                                 v->client_create, v->client_create_len,
                                 &cred, why, sizeof(why)), -1);
    assert_string_equal(why, "the client data answers another challenge");

    /* the creation's client data offered to an assertion */
    assert_int_equal(reg(&p, v, &cred), 0);
    assert_int_equal(wa_assert(&p, v->reg_challenge, &cred, v->authdata,
                               v->authdata_len, v->client_create,
                               v->client_create_len, v->sig, v->sig_len,
                               &counter, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "of type webauthn.create, not webauthn.get"));
}


static void
test_flags_and_counter(void **state)
{
    const vec_t      *v = &es256;
    uint8_t           ad[MAXV];
    uint32_t          counter;
    wa_policy_t       p;
    wa_credential_t   cred;

    (void) state;

    p = policy(v);
    assert_int_equal(reg(&p, v, &cred), 0);

    memcpy(ad, v->authdata, v->authdata_len);
    ad[32] &= ~0x04;
    assert_int_equal(assertion(&p, v, &cred, ad, v->authdata_len, &counter),
                     -1);
    assert_string_equal(why, "the user was not verified");

    /* presence suffices by policy: the flags are signed, so no */
    p.require_uv = 0;
    assert_int_equal(assertion(&p, v, &cred, ad, v->authdata_len, &counter),
                     -1);
    assert_string_equal(why, "the signature does not verify");

    ad[32] &= ~0x01;
    assert_int_equal(assertion(&p, v, &cred, ad, v->authdata_len, &counter),
                     -1);
    assert_string_equal(why, "the user was not present");

    /* a counter that does not go up: a clone */
    p = policy(v);
    cred.counter = 2;
    assert_int_equal(assertion(&p, v, &cred, v->authdata, v->authdata_len,
                               &counter), WA_CLONED);
    assert_non_null(strstr(why, "from 2 to 2"));
    cred.counter = 7;
    assert_int_equal(assertion(&p, v, &cred, v->authdata, v->authdata_len,
                               &counter), WA_CLONED);
}


static void
test_signature(void **state)
{
    uint8_t           ad[MAXV];
    uint32_t          counter;
    wa_policy_t       p;
    wa_credential_t   cred, ed;

    (void) state;

    p = policy(&es256);
    assert_int_equal(reg(&p, &es256, &cred), 0);

    /* over other data: the counter changed */
    memcpy(ad, es256.authdata, es256.authdata_len);
    ad[36] ^= 0x10;
    assert_int_equal(assertion(&p, &es256, &cred, ad, es256.authdata_len,
                               &counter), -1);
    assert_string_equal(why, "the signature does not verify");

    /* a truncated signature */
    es256.sig_len -= 1;
    assert_int_equal(assertion(&p, &es256, &cred, es256.authdata,
                               es256.authdata_len, &counter), -1);
    es256.sig_len += 1;

    /* another algorithm: the EdDSA credential for the ES256 assertion */
    p = policy(&ed25519);
    assert_int_equal(reg(&p, &ed25519, &ed), 0);
    p = policy(&es256);
    assert_int_equal(assertion(&p, &es256, &ed, es256.authdata,
                               es256.authdata_len, &counter), -1);
    ed.alg = WA_ES256;
    assert_int_equal(assertion(&p, &es256, &ed, es256.authdata,
                               es256.authdata_len, &counter), -1);
}


/* The COSE key's alg (3: -7, 0x03 0x26) made EdDSA: a key of no kind. */

static void
test_wrong_algorithm(void **state)
{
    size_t            i;
    uint8_t           att[MAXV];
    vec_t            *v = &es256;
    wa_policy_t       p;
    wa_credential_t   cred;

    (void) state;

    memcpy(att, v->att, v->att_len);

    for (i = 0; i + 1 < v->att_len; i++) {
        if (att[i] == 0xa5 && att[i + 1] == 0x01 && att[i + 3] == 0x03
            && att[i + 4] == 0x26)
        {
            att[i + 4] = 0x27;
            break;
        }
    }

    assert_true(i + 1 < v->att_len);
    p = policy(v);
    assert_int_equal(wa_register(&p, v->reg_challenge, att, v->att_len,
                                 v->client_create, v->client_create_len,
                                 &cred, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "neither ES256"));
}


static void
test_truncated(void **state)
{
    size_t            n;
    vec_t            *v;
    uint32_t          counter;
    wa_policy_t       p;
    wa_credential_t   cred;

    (void) state;

    for (v = &es256; v; v = (v == &es256) ? &ed25519 : NULL) {
        p = policy(v);
        for (n = 0; n < v->att_len; n++) {
            assert_int_equal(wa_register(&p, v->reg_challenge, v->att, n,
                                         v->client_create,
                                         v->client_create_len, &cred, why,
                                         sizeof(why)), -1);
        }
        for (n = 0; n < v->client_create_len; n++) {
            assert_int_equal(wa_register(&p, v->reg_challenge, v->att,
                                         v->att_len, v->client_create, n,
                                         &cred, why, sizeof(why)), -1);
        }
        assert_int_equal(reg(&p, v, &cred), 0);
        for (n = 0; n < v->authdata_len; n++) {
            assert_int_equal(assertion(&p, v, &cred, v->authdata, n,
                                       &counter), -1);
        }
    }
}


/* Five bytes that declare a container of 2^27 elements cost nothing. */

static void
test_cbor_declared_sizes(void **state)
{
    size_t            i;
    wa_policy_t       p;
    struct rusage     before, after;
    wa_credential_t   cred;
    static const uint8_t  bombs[][8] = {
        { 0x9a, 0x08, 0x00, 0x00, 0x00, 0x01 },         /* array */
        { 0xba, 0x08, 0x00, 0x00, 0x00, 0x01, 0x01 },   /* map */
        { 0xa1, 0x9a, 0x08, 0x00, 0x00, 0x00, 0x01 },   /* nested */
        { 0x9f, 0x01, 0xff },                           /* indefinite */
        { 0x5f, 0x41, 0x00, 0xff },                     /* chunked bytes */
    };

    (void) state;

    p = policy(&es256);
    getrusage(RUSAGE_SELF, &before);

    for (i = 0; i < sizeof(bombs) / sizeof(bombs[0]); i++) {
        assert_int_equal(wa_register(&p, es256.reg_challenge, bombs[i],
                                     sizeof(bombs[i]), es256.client_create,
                                     es256.client_create_len, &cred, why,
                                     sizeof(why)), -1);
        assert_string_equal(why, "the attestation object is not CBOR");
    }

    getrusage(RUSAGE_SELF, &after);
    assert_true(after.ru_maxrss - before.ru_maxrss < 64 * 1024);
}


static int
client(const char *json)
{
    wa_policy_t      p;
    wa_credential_t  cred;

    p = policy(&es256);

    return wa_register(&p, es256.reg_challenge, es256.att, es256.att_len,
                       (const uint8_t *) json, strlen(json), &cred, why,
                       sizeof(why));
}


static void
test_client_json(void **state)
{
    char        json[2048], good[1024];
    const char *o = es256.origin, *c = es256.reg_challenge;

    (void) state;

    snprintf(good, sizeof(good), "{\"type\":\"webauthn.create\","
             "\"challenge\":\"%s\",\"origin\":\"%s\",\"crossOrigin\":false,"
             "\"extra\":[1,{\"a\":null},\"x\\\"y\"],\"n\":-1.5e3}", c, o);
    assert_int_equal(client(good), 0);

    snprintf(json, sizeof(json), " %s \n", good);
    assert_int_equal(client(json), 0);

    snprintf(json, sizeof(json), "{\"type\":\"webauthn.create\","
             "\"challenge\":\"%s\",\"origin\":\"%s\",\"crossOrigin\":true}",
             c, o);
    assert_int_equal(client(json), -1);
    assert_string_equal(why, "the ceremony was cross-origin");

    snprintf(json, sizeof(json), "{\"type\":\"webauthn.create\","
             "\"challenge\":\"%s\",\"origin\":\"%s\",\"origin\":\"%s\"}",
             c, o, o);
    assert_int_equal(client(json), -1);

    snprintf(json, sizeof(json), "%sx", good);
    assert_int_equal(client(json), -1);

    snprintf(json, sizeof(json), "{\"type\":\"webauthn.create\","
             "\"challenge\":\"%s\"}", c);
    assert_int_equal(client(json), -1);
    assert_string_equal(why,
                        "the client data lacks its type, challenge or origin");

    /* an escaped origin is the same text; a non-ASCII escape never is */
    snprintf(json, sizeof(json), "{\"type\":\"webauthn.create\","
             "\"challenge\":\"%s\",\"origin\":\"http:\\/\\/localhost:%s\"}",
             c, strrchr(o, ':') + 1);
    assert_int_equal(client(json), 0);
    snprintf(json, sizeof(json), "{\"type\":\"webauthn.create\","
             "\"challenge\":\"%s\",\"origin\":\"%s\\u00e9\"}", c, o);
    assert_int_equal(client(json), -1);

    assert_int_equal(client("{\"a\":[[[[[[[[[[1]]]]]]]]]]}"), -1);
    assert_int_equal(client("{\"type\":\"webauthn.create"), -1);
    assert_int_equal(client("{\"type\":\"a\nb\"}"), -1);
    assert_int_equal(client("[]"), -1);
    assert_int_equal(client(""), -1);
    assert_int_equal(client("{}"), -1);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_es256),
        cmocka_unit_test(test_eddsa),
        cmocka_unit_test(test_origin_rp_challenge_type),
        cmocka_unit_test(test_flags_and_counter),
        cmocka_unit_test(test_signature),
        cmocka_unit_test(test_wrong_algorithm),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_cbor_declared_sizes),
        cmocka_unit_test(test_client_json),
    };

    return cmocka_run_group_tests(tests, setup, NULL);
}
