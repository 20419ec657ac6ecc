
/*
 * Ten: the 9P session on one WebSocket.
 *
 * For now the kernel answers Tversion itself and refuses everything that
 * would need an attach.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_9p.h"


static ngx_int_t ngx_http_9p_session_version(ngx_http_9p_session_t *s,
    ninep_fcall_t *t);
static ngx_int_t ngx_http_9p_session_error(ngx_http_9p_session_t *s,
    uint16_t tag, const char *ename);


ngx_int_t
ngx_http_9p_session_message(ngx_http_9p_session_t *s, u_char *msg,
    size_t len)
{
    int            rc;
    u_char         reason[123], *p;
    ninep_fcall_t  t, r;

    rc = ninep_unpack(msg, len, s->msize, NINEP_T, &t);

    if (rc != NINEP_OK) {
        ngx_log_error(NGX_LOG_INFO, s->connection->log, 0,
                      "9p: client sent malformed 9P: %s",
                      ninep_strerror(rc));

        p = ngx_snprintf(reason, sizeof(reason) - 1, "malformed 9P: %s",
                         ninep_strerror(rc));
        *p = '\0';

        ngx_http_9p_ws_close(s, NGX_HTTP_9P_WS_BAD_DATA, (char *) reason);
        return NGX_ERROR;
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, s->connection->log, 0,
                   "9p: %s tag %uD", ninep_type_name(t.type), t.tag);

    switch (t.type) {

    case NINEP_TVERSION:
        return ngx_http_9p_session_version(s, &t);

    case NINEP_TFLUSH:
        /* nothing is ever outstanding yet */
        r.type = NINEP_RFLUSH;
        r.tag = t.tag;
        return ngx_http_9p_ws_send_fcall(s, &r);

    case NINEP_TAUTH:
        return ngx_http_9p_session_error(s, t.tag,
                                         "authentication not required");

    default:
        return ngx_http_9p_session_error(s, t.tag, "not attached");
    }
}


/*
 * version(5): msize is the smaller of the two; "9P2000" and its dotted
 * variants ("9P2000.L", "9P2000.u") get plain "9P2000", anything else
 * "unknown".
 */

static ngx_int_t
ngx_http_9p_session_version(ngx_http_9p_session_t *s, ninep_fcall_t *t)
{
    size_t         vlen;
    ninep_fcall_t  r;

    if (t->msize < NGX_HTTP_9P_MIN_MSIZE) {
        return ngx_http_9p_session_error(s, t->tag, "msize too small");
    }

    vlen = sizeof(NINEP_VERSION) - 1;

    r.type = NINEP_RVERSION;
    r.tag = t->tag;
    r.msize = ngx_min(t->msize, (uint32_t) s->conf->msize);

    if (t->version.len >= vlen
        && ngx_strncmp(t->version.data, NINEP_VERSION, vlen) == 0
        && (t->version.len == vlen || t->version.data[vlen] == '.'))
    {
        r.version = ninep_str(NINEP_VERSION);
        s->msize = r.msize;

    } else {
        r.version = ninep_str("unknown");
        s->msize = s->conf->msize;
    }

    return ngx_http_9p_ws_send_fcall(s, &r);
}


static ngx_int_t
ngx_http_9p_session_error(ngx_http_9p_session_t *s, uint16_t tag,
    const char *ename)
{
    ninep_fcall_t  r;

    r.type = NINEP_RERROR;
    r.tag = tag;
    r.ename = ninep_str(ename);

    return ngx_http_9p_ws_send_fcall(s, &r);
}
