/*
 * libFuzzer: the kernel's WebSocket frame-header parser on any bytes.
 * The first byte of the input chooses whether a fragmented message is in
 * progress and how much room a data frame has; the rest is the frame.  A
 * header that parses is masked, has a minimal length, lies within the
 * bytes given, and a data frame fits the room; a refusal has a close code
 * of RFC 6455 and a reason; a header never parses differently once more
 * bytes arrive.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_http_9p_wsframe.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                     rc, rc2;
    size_t                  cut;
    uint64_t                room;
    unsigned                code;
    const char             *reason;
    ngx_http_9p_wsframe_t   f, g;

    if (size < 1) {
        return 0;
    }

    room = (uint64_t) (data[0] & 0x7f) << (data[0] & 0x0f);
    reason = NULL;
    rc = ngx_http_9p_wsframe_parse(data + 1, size - 1, data[0] & 0x80, room,
                                   &f, &code, &reason);

    if (rc == -1) {
        if (reason == NULL || (code != 1002 && code != 1003 && code != 1009)) {
            abort();
        }
        return 0;
    }

    if (rc != 1) {
        return 0;
    }

    if (f.hlen > size - 1 || !(data[2] & 0x80)
        || (f.hlen != 6 && f.hlen != 8 && f.hlen != 14)
        || (f.hlen == 8 && f.len < 126)
        || (f.hlen == 14 && f.len <= 0xffff)
        || ((f.opcode & 0x8) == 0 && f.len > room)
        || ((f.opcode & 0x8) && (!f.fin || f.len > 125)))
    {
        abort();
    }

    /* every prefix of the header says "more" or the same */
    for (cut = 0; cut < f.hlen - 4; cut++) {
        rc2 = ngx_http_9p_wsframe_parse(data + 1, cut, data[0] & 0x80, room,
                                        &g, &code, &reason);
        if (rc2 == 1 && (g.len != f.len || g.hlen != f.hlen)) {
            abort();
        }
    }

    return 0;
}
