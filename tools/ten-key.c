
/*
 * Ten: ten-key -- make and inspect Ed25519 identities (DESIGN.md §2).
 *
 *   ten-key gen NAME [FILE]   new secret key in FILE (default NAME.key),
 *                             mode 0600; prints "NAME PUBLIC-KEY"
 *   ten-key pub FILE          prints the public key of a secret key file
 */

#include <stdio.h>
#include <string.h>

#include "tenkey.h"


static int
usage(void)
{
    fprintf(stderr, "usage: ten-key gen NAME [FILE]\n"
                    "       ten-key pub FILE\n");
    return 2;
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

    return usage();
}
