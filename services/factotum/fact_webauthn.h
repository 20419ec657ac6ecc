
/*
 * Ten: ten-factotum's WebAuthn checks (Level 2, §7.1 and §7.2): what a
 * browser's navigator.credentials.create() and .get() give back, checked
 * against the challenge factotum sent, the relying party's id and the
 * allowed origins.  Plain functions over buffers: no store, no I/O, no
 * locks (t/unit/test_webauthn.c, fuzz/fuzz_webauthn.c).  CBOR through
 * libcbor; ES256 through OpenSSL; EdDSA through libsodium.
 */

#ifndef _FACT_WEBAUTHN_H_INCLUDED_
#define _FACT_WEBAUTHN_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>


#define WA_ES256            (-7)
#define WA_EDDSA            (-8)

#define WA_CHALLENGE_LEN    32
#define WA_B64_CHALLENGE    44      /* its base64url, with the NUL */
#define WA_CRED_ID_MAX      1023    /* §5.8.3 */
#define WA_PUBKEY_MAX       65      /* an uncompressed P-256 point */
#define WA_CLIENT_MAX       4096    /* clientDataJSON, at most */

/* wa_assert's answer when the signature counter did not go up */
#define WA_CLONED           (-2)


typedef struct {
    const char          *rp_id;
    const char *const   *origins;
    size_t               norigins;
    int                  require_uv;    /* else user presence suffices */
} wa_policy_t;


typedef struct {
    uint8_t              id[WA_CRED_ID_MAX];
    size_t               id_len;
    int                  alg;           /* WA_ES256 or WA_EDDSA */
    uint8_t              pubkey[WA_PUBKEY_MAX];
    size_t               pubkey_len;
    uint32_t             counter;
} wa_credential_t;


/*
 * A registration: the attestation object and client data the browser
 * returned for challenge (base64url).  0 and cred filled, or -1 and why.
 * Attestation statements other than "none" are not verified (the
 * credential is taken as the browser gives it).
 */
int wa_register(const wa_policy_t *p, const char *challenge,
    const uint8_t *att, size_t att_len, const uint8_t *client,
    size_t client_len, wa_credential_t *cred, char *why, size_t whylen);

/*
 * An assertion by cred for challenge: 0 and the authenticator's new
 * counter, WA_CLONED if the counter did not go up, or -1; why says why.
 */
int wa_assert(const wa_policy_t *p, const char *challenge,
    const wa_credential_t *cred, const uint8_t *auth_data, size_t ad_len,
    const uint8_t *client, size_t client_len, const uint8_t *sig,
    size_t sig_len, uint32_t *counter, char *why, size_t whylen);


#endif /* _FACT_WEBAUTHN_H_INCLUDED_ */
