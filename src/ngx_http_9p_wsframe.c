
/*
 * Ten: a client frame's header (see ngx_http_9p_wsframe.h).  The checks
 * that need only the first two bytes come first, so a bad frame is
 * refused before its length or its payload arrive.
 */

#include "ngx_http_9p_wsframe.h"


#define WSF_PROTOCOL     1002
#define WSF_UNSUPPORTED  1003
#define WSF_TOO_BIG      1009


static int
wsframe_bad(unsigned *code, const char **reason, unsigned c, const char *why)
{
    *code = c;
    *reason = why;
    return -1;
}


int
ngx_http_9p_wsframe_parse(const uint8_t *p, size_t avail, int fragmented,
    uint64_t room, ngx_http_9p_wsframe_t *f, unsigned *code,
    const char **reason)
{
    size_t    i, n;
    unsigned  opcode;

    if (avail < 2) {
        return 0;
    }

    f->fin = (p[0] & 0x80) != 0;
    f->opcode = opcode = p[0] & 0x0f;
    f->len = p[1] & 0x7f;
    f->hlen = 2;

    if (p[0] & 0x70) {
        return wsframe_bad(code, reason, WSF_PROTOCOL, "reserved bits set");
    }

    if (!(p[1] & 0x80)) {
        return wsframe_bad(code, reason, WSF_PROTOCOL,
                           "unmasked client frame");
    }

    if (opcode == NGX_HTTP_9P_WS_CONT && !fragmented) {
        return wsframe_bad(code, reason, WSF_PROTOCOL,
                           "continuation frame without a message");
    }

    if ((opcode == NGX_HTTP_9P_WS_BINARY || opcode == NGX_HTTP_9P_WS_TEXT)
        && fragmented)
    {
        return wsframe_bad(code, reason, WSF_PROTOCOL,
                           "new message inside a fragmented one");
    }

    switch (opcode) {

    case NGX_HTTP_9P_WS_CONT:
    case NGX_HTTP_9P_WS_BINARY:
        break;

    case NGX_HTTP_9P_WS_TEXT:
        return wsframe_bad(code, reason, WSF_UNSUPPORTED,
                           "text frames are not supported");

    case NGX_HTTP_9P_WS_CLOSE:
    case NGX_HTTP_9P_WS_PING:
    case NGX_HTTP_9P_WS_PONG:
        if (!f->fin || f->len > 125) {
            return wsframe_bad(code, reason, WSF_PROTOCOL,
                               "fragmented or long control frame");
        }
        break;

    default:
        return wsframe_bad(code, reason, WSF_PROTOCOL, "unknown opcode");
    }

    if (f->len >= 126) {
        n = (f->len == 126) ? 2 : 8;        /* bytes of extended length */

        if (avail < 2 + n) {
            return 0;
        }

        f->len = 0;

        for (i = 2; i < 2 + n; i++) {
            f->len = (f->len << 8) | p[i];
        }

        f->hlen = 2 + n;

        if (f->len >> 63) {
            return wsframe_bad(code, reason, WSF_PROTOCOL,
                               "payload length with the top bit set");
        }

        if (f->len < (n == 2 ? 126 : 0x10000)) {
            return wsframe_bad(code, reason, WSF_PROTOCOL,
                               "non-minimal payload length");
        }
    }

    /* an oversized message is refused before its bytes are waited for */
    if ((opcode & 0x8) == 0 && f->len > room) {
        return wsframe_bad(code, reason, WSF_TOO_BIG,
                           "message larger than msize");
    }

    f->hlen += 4;

    return avail >= f->hlen;    /* the mask too */
}
