
/*
 * Ten: the header of a WebSocket frame a client sends (RFC 6455 §5.2), as
 * the kernel accepts it: masked, no reserved bits, a known opcode, short
 * unfragmented control frames, minimal lengths, continuations only inside
 * a fragmented message, data no longer than what is left of msize.
 * Plain C over a buffer, no nginx types: websocket.c and the fuzzer share
 * it.
 */

#ifndef _NGX_HTTP_9P_WSFRAME_H_INCLUDED_
#define _NGX_HTTP_9P_WSFRAME_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>


/* the opcodes */
#define NGX_HTTP_9P_WS_CONT     0x0
#define NGX_HTTP_9P_WS_TEXT     0x1
#define NGX_HTTP_9P_WS_BINARY   0x2
#define NGX_HTTP_9P_WS_CLOSE    0x8
#define NGX_HTTP_9P_WS_PING     0x9
#define NGX_HTTP_9P_WS_PONG     0xa


typedef struct {
    unsigned                    fin:1;
    unsigned                    opcode:4;
    uint64_t                    len;        /* of the payload */
    size_t                      hlen;       /* header bytes, mask included */
} ngx_http_9p_wsframe_t;


/*
 * The header at p[0..avail).  1: f holds it (the payload may still be
 * incomplete); 0: more bytes are needed to know; -1: the frame is bad,
 * *code is the close code to answer with (1002, 1003 or 1009) and
 * *reason says why.  fragmented: a fragmented message is in progress;
 * room: the most a data frame may carry.
 */
int ngx_http_9p_wsframe_parse(const uint8_t *p, size_t avail, int fragmented,
    uint64_t room, ngx_http_9p_wsframe_t *f, unsigned *code,
    const char **reason);


#endif /* _NGX_HTTP_9P_WSFRAME_H_INCLUDED_ */
