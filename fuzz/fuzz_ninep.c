/*
 * Ten: libFuzzer target for the 9P2000 codec.
 *
 * The input is decoded as one message (with every want and several msize
 * values) and as directory data (a run of stat entries).  Whatever
 * decodes must re-encode to the very same bytes: the codec is canonical.
 * Any mismatch or inconsistency traps.
 */


#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ninep.h"


#define check(cond)                                                          \
    do {                                                                     \
        if (!(cond)) {                                                       \
            __builtin_trap();                                                \
        }                                                                    \
    } while (0)


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


/* f must encode to exactly data, and not at all into one byte less */

static void
repack(const ninep_fcall_t *f, const uint8_t *data, size_t size)
{
    uint8_t  *buf;

    buf = malloc(size);
    check(buf != NULL);

    check(ninep_pack(f, buf, size) == (ssize_t) size);
    check(memcmp(buf, data, size) == 0);
    check(ninep_pack(f, buf, size - 1) == NINEP_ENOSPACE);

    free(buf);
}


static void
fuzz_message(const uint8_t *data, size_t size)
{
    int            any, rc, dir;
    size_t         i;
    uint32_t       m, msizes[6];
    ninep_fcall_t  f, g;

    any = ninep_unpack(data, size, 0, NINEP_ANY, &f);

    if (any == NINEP_OK) {
        dir = ninep_type_dir(f.type);
        check(dir == NINEP_T || dir == NINEP_R);
        check(size >= NINEP_HDRSZ && size <= UINT32_MAX);
        check(ninep_peek_size(data, size) == (int64_t) size);

        repack(&f, data, size);

        /* Rstat and Twstat again, from the decoded entry this time */
        if (f.stat != NULL) {
            check(f.type == NINEP_RSTAT || f.type == NINEP_TWSTAT);
            check(ninep_stat_size(&f.st) == f.nstat);

            g = f;
            g.stat = NULL;
            repack(&g, data, size);
        }
    }

    /* the direction check comes before the body, and only it differs */
    rc = ninep_unpack(data, size, 0, NINEP_T, &g);
    check(rc == any || rc == NINEP_EWANT_T);
    if (rc == NINEP_OK) {
        repack(&g, data, size);
    }

    rc = ninep_unpack(data, size, 0, NINEP_R, &g);
    check(rc == any || rc == NINEP_EWANT_R);
    if (rc == NINEP_OK) {
        repack(&g, data, size);
    }

    /* msize only adds NINEP_ETOOBIG, after the framing checks */
    msizes[0] = size ? data[0] : 1;
    msizes[1] = size ? (uint32_t) data[0] << 4 : 16;
    msizes[2] = size ? (uint32_t) data[0] << 8 : 256;
    msizes[3] = (uint32_t) size;
    msizes[4] = (uint32_t) size - 1;
    msizes[5] = 8192;

    for (i = 0; i < sizeof(msizes) / sizeof(msizes[0]); i++) {
        m = msizes[i];
        rc = ninep_unpack(data, size, m, NINEP_ANY, &g);

        if (any == NINEP_ESHORT || any == NINEP_ESIZE
            || any == NINEP_ETOOSMALL || m == 0 || size <= m)
        {
            check(rc == any);

        } else {
            check(rc == NINEP_ETOOBIG);
        }

        if (rc == NINEP_OK) {
            repack(&g, data, size);
        }
    }
}


/* the input as the data of a directory read */

static void
fuzz_dir(const uint8_t *data, size_t size)
{
    size_t         off, used;
    uint8_t       *buf;
    ninep_stat_t   st;

    for (off = 0; off < size; off += used) {
        used = 0;

        if (ninep_stat_unpack(data + off, size - off, &st, &used)
            != NINEP_OK)
        {
            break;
        }

        check(used >= 2 + NINEP_STATFIXED + 8 && used <= size - off);
        check(ninep_stat_size(&st) == used);

        buf = malloc(used);
        check(buf != NULL);

        check(ninep_stat_pack(&st, buf, used) == (ssize_t) used);
        check(memcmp(buf, data + off, used) == 0);
        check(ninep_stat_pack(&st, buf, used - 1) == NINEP_ENOSPACE);

        free(buf);
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_message(data, size);
    fuzz_dir(data, size);

    return 0;
}
