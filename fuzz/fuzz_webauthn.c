/*
 * libFuzzer: ten-factotum's WebAuthn checks on any bytes.  The first
 * byte chooses what the rest is, beside fixed client data: 0, an
 * attestation object (the seeds are one of t/unit/webauthn/es256.txt's
 * ceremony); 1, the client data of a registration; 2, the authenticator
 * data of an assertion.  A
 * registration that passes gives a credential of a known algorithm whose
 * id and key fit their buffers; nothing crashes, leaks or asks libcbor
 * for more than the input could hold.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "fact_webauthn.h"


static const char  challenge_reg[] =
    "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE";
static const char  challenge_get[] =
    "AwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwM";
static const char  client_create[] =
    "{\"type\":\"webauthn.create\",\"challenge\":\"AQEBAQEBAQEBAQEBAQEBAQEBAQEB"
    "AQEBAQEBAQEBAQE\",\"origin\":\"http://localhost:40735\","
    "\"crossOrigin\":false}";
static const char  client_get[] =
    "{\"type\":\"webauthn.get\",\"challenge\":\"AwMDAwMDAwMDAwMDAwMDAwMDAwMD"
    "AwMDAwMDAwMDAwM\",\"origin\":\"http://localhost:40735\","
    "\"crossOrigin\":false}";


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char                why[256];
    uint8_t             sig[72];
    uint32_t            counter;
    wa_policy_t         p;
    wa_credential_t     cred;
    static const char  *origins[] = { "http://localhost:40735" };

    if (size < 1 || sodium_init() < 0) {
        return 0;
    }

    p.rp_id = "localhost";
    p.origins = origins;
    p.norigins = 1;
    p.require_uv = 0;

    switch (data[0] % 3) {

    case 0:
        if (wa_register(&p, challenge_reg, data + 1, size - 1,
                        (const uint8_t *) client_create,
                        strlen(client_create), &cred, why, sizeof(why))
            == 0
            && (cred.id_len == 0 || cred.id_len > WA_CRED_ID_MAX
                || !((cred.alg == WA_ES256 && cred.pubkey_len == 65)
                     || (cred.alg == WA_EDDSA && cred.pubkey_len == 32))))
        {
            abort();
        }
        break;

    case 1:
        (void) wa_register(&p, challenge_reg, NULL, 0, data + 1, size - 1,
                           &cred, why, sizeof(why));
        break;

    default:
        /* an EdDSA key of all 9s signs nothing the fuzzer can make */
        memset(&cred, 0, sizeof(cred));
        cred.alg = (data[0] & 4) ? WA_ES256 : WA_EDDSA;
        cred.pubkey_len = cred.alg == WA_ES256 ? 65 : 32;
        memset(cred.pubkey, 9, sizeof(cred.pubkey));
        cred.pubkey[0] = 4;
        memset(sig, 1, sizeof(sig));
        if (wa_assert(&p, challenge_get, &cred, data + 1, size - 1,
                      (const uint8_t *) client_get, strlen(client_get), sig,
                      sizeof(sig), &counter, why, sizeof(why))
            == 0)
        {
            abort();
        }
        break;
    }

    return 0;
}
