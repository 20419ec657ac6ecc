
/*
 * Ten: WebSocket framing (RFC 6455) on the raw connection after the 101.
 *
 * One binary message carries one 9P message.  Input is read into a buffer
 * that holds one maximal frame; a complete unfragmented message is handed
 * to the session in place, fragments are reassembled into a second buffer.
 * Replies are framed into a bounded output buffer drained with
 * c->send_chain; while it lacks room for the largest possible reply, no
 * further input is processed (backpressure).
 *
 * An idle session holds little: the buffers go back to a per-worker cache
 * when empty, and once the 101 is out the HTTP request is compacted
 * (ngx_http_9p_compact.c).  The WebSocket state is allocated on its own,
 * not in the request's pool, so that it stays where it is meanwhile.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#if (NGX_LINUX)
#include <malloc.h>
#endif

#include "ngx_http_9p.h"
#include "ngx_http_9p_compact.h"
#include "ngx_http_9p_stats.h"
#include "ngx_http_9p_wsframe.h"


#define NGX_HTTP_9P_WS_NO_CODE  0       /* a close frame without a code */

/*
 * Buffers go back to a per-worker cache as soon as they are empty: an idle
 * session holds none, and a busy worker does not malloc per message, however
 * many sessions are busy at once.  Each second the cache frees the buffers
 * that second never took out again, so what a burst left behind goes.
 */
#define NGX_HTTP_9P_CACHE_SIZES 4
#define NGX_HTTP_9P_CACHE_DECAY 1000


/* the buffers of one size, each holding the next one's address */
typedef struct {
    size_t                      size;
    ngx_uint_t                  n;
    ngx_uint_t                  low;        /* fewest held this second */
    void                       *free;       /* the newest first */
} ngx_http_9p_cache_t;


static ngx_http_9p_cache_t  ngx_http_9p_cache[NGX_HTTP_9P_CACHE_SIZES];
static ngx_event_t          ngx_http_9p_cache_timer;
static ngx_connection_t     ngx_http_9p_cache_ident;    /* for debug logs */


/*
 * A WebSocket connection: the 9P session on it comes first (the session's
 * transport calls find the rest from it), then what only WebSocket has.
 */
typedef struct {
    ngx_http_9p_session_t       s;

    /* raw bytes read from the client, at most one frame plus a header */
    u_char                     *in;
    u_char                     *in_pos;
    u_char                     *in_last;
    size_t                      in_size;

    /* replies that did not fit the output buffer, in order */
    ngx_chain_t                *overflow;
    ngx_chain_t               **overflow_last;

    /* a fragmented message being reassembled (NULL: none is) */
    u_char                     *msg;
    size_t                      msg_len;

    /* frames waiting to be sent, drained with c->send_chain */
    ngx_buf_t                   out;
    ngx_chain_t                 out_chain;
    size_t                      out_size;

    /* idle detection: server pings, then the idle timeout */
    ngx_event_t                 timer;
    ngx_msec_t                  last_recv;

    /* how the connection ended: NGX_DONE after a close handshake */
    ngx_int_t                   done_rc;

    unsigned                    ping_sent:1;
    unsigned                    close_sent:1;
    unsigned                    close_received:1;
    unsigned                    read_blocked:1;
    unsigned                    done:1;
    unsigned                    compacted:1;    /* or tried */
} ngx_http_9p_ws_t;

#define ngx_http_9p_ws(sp)  ((ngx_http_9p_ws_t *) (sp))


static void ngx_http_9p_ws_conn_read(ngx_event_t *rev);
static void ngx_http_9p_ws_exiting(ngx_http_9p_session_t *s);
static void ngx_http_9p_ws_handler(ngx_http_request_t *r);
static void ngx_http_9p_ws_timer_handler(ngx_event_t *ev);
static void ngx_http_9p_ws_run(ngx_http_9p_session_t *s);
static void ngx_http_9p_ws_read(ngx_http_9p_session_t *s);
static ngx_int_t ngx_http_9p_ws_frame(ngx_http_9p_session_t *s);
static ngx_int_t ngx_http_9p_ws_data(ngx_http_9p_session_t *s,
    ngx_uint_t opcode, ngx_uint_t fin, u_char *payload, size_t len);
static void ngx_http_9p_ws_close_frame(ngx_http_9p_session_t *s,
    u_char *payload, size_t len);
static ngx_uint_t ngx_http_9p_ws_valid_utf8(u_char *p, size_t len);
static ngx_int_t ngx_http_9p_ws_fail(ngx_http_9p_session_t *s,
    ngx_uint_t code, const char *reason);
static u_char *ngx_http_9p_ws_queue(ngx_http_9p_session_t *s,
    ngx_uint_t opcode, u_char *payload, size_t len);
static ngx_buf_t *ngx_http_9p_ws_reserve(ngx_http_9p_session_t *s,
    size_t size);
static void ngx_http_9p_ws_free_overflow(ngx_http_9p_ws_t *ws,
    ngx_uint_t all);
static size_t ngx_http_9p_ws_room(ngx_http_9p_ws_t *ws);
static void ngx_http_9p_ws_flush(ngx_http_9p_session_t *s);
static void ngx_http_9p_ws_finish(ngx_http_9p_ws_t *ws, ngx_int_t rc);
static void ngx_http_9p_ws_finalize(ngx_http_9p_session_t *s);
static void ngx_http_9p_ws_put_in(ngx_http_9p_ws_t *ws);
static void ngx_http_9p_ws_put_out(ngx_http_9p_ws_t *ws);
static void *ngx_http_9p_buf_get(size_t size, ngx_log_t *log);
static void ngx_http_9p_buf_put(void *p, size_t size);
static void ngx_http_9p_cache_decay(ngx_event_t *ev);
static void ngx_http_9p_ws_cleanup(ngx_http_9p_session_t *s);
static void ngx_http_9p_ws_free(void *data);
static ngx_int_t ngx_http_9p_ws_send_fcall(ngx_http_9p_session_t *s,
    ninep_fcall_t *f);
static void ngx_http_9p_ws_close(ngx_http_9p_session_t *s, ngx_uint_t code,
    const char *reason);
static void ngx_http_9p_ws_malformed(ngx_http_9p_session_t *s,
    const char *reason);
static void ngx_http_9p_ws_post(ngx_http_9p_session_t *s);


/* the session's side of the WebSocket */
static const ngx_http_9p_transport_t  ngx_http_9p_ws_transport = {
    NGX_HTTP_9P_WEBSOCKET,
    ngx_http_9p_ws_send_fcall,
    ngx_http_9p_ws_malformed,
    ngx_http_9p_ws_post
};


/* nginx's read event handler of an HTTP request, which conn_read fronts */
static ngx_event_handler_pt  ngx_http_9p_ws_http_read;

/* sessions of this worker, to give memory back when the last one ends */
static ngx_uint_t  ngx_http_9p_ws_live;

#if (NGX_LINUX)
static ngx_event_t  ngx_http_9p_ws_trim;


static void
ngx_http_9p_ws_trim_handler(ngx_event_t *ev)
{
    if (ngx_http_9p_ws_live == 0) {
        (void) malloc_trim(0);
    }
}
#endif


ngx_int_t
ngx_http_9p_ws_start(ngx_http_request_t *r)
{
    size_t                   pipelined;
    ngx_buf_t               *hin;
    ngx_connection_t        *c;
    ngx_pool_cleanup_t      *cln;
    ngx_http_9p_ws_t        *ws;
    ngx_http_9p_session_t   *s;
    ngx_http_9p_loc_conf_t  *conf;

    ws = ngx_calloc(sizeof(ngx_http_9p_ws_t), r->connection->log);
    if (ws == NULL) {
        return NGX_ERROR;
    }

    /* it goes with the request, whichever pool that is by then */
    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        ngx_free(ws);
        return NGX_ERROR;
    }

    s = &ws->s;
    cln->handler = ngx_http_9p_ws_free;
    cln->data = s;

    c = r->connection;
    conf = ngx_http_get_module_loc_conf(r, ngx_http_9p_module);

    s->request = r;
    s->connection = c;
    s->transport = &ngx_http_9p_ws_transport;
    ngx_http_9p_ws_live++;
    s->conf = conf;
    s->msize = conf->msize;
    ws->in_size = conf->msize + NGX_HTTP_9P_WS_MAX_HEADER;
    ws->out_size = conf->output_buffer
                   ? conf->output_buffer
                   : ngx_max(256 * 1024,
                             2 * ngx_http_9p_min_output(conf->msize));

    ngx_http_set_ctx(r, s, ngx_http_9p_module);

    /* before anything can fail: the cleanup ends the session */
    ngx_http_9p_session_init(s);

    /* frames the client sent right behind its handshake */
    hin = r->header_in;
    pipelined = hin->last - hin->pos;

    if (pipelined) {
        ws->in_size = ngx_max(ws->in_size, pipelined);
        ws->in = ngx_http_9p_buf_get(ws->in_size, c->log);
        if (ws->in == NULL) {
            return NGX_ERROR;
        }

        ws->in_pos = ws->in;
        ws->in_last = ngx_cpymem(ws->in, hin->pos, pipelined);
        hin->pos = hin->last;
    }

    ws->out_chain.buf = &ws->out;
    ws->overflow_last = &ws->overflow;

    /* every frame goes out now: under TLS, ngx_ssl_send_chain() would
       otherwise keep small writes until 16 KiB have gathered */
    ws->out.flush = 1;

    ws->timer.handler = ngx_http_9p_ws_timer_handler;
    ws->timer.data = s;
    ws->timer.log = c->log;
    ws->last_recv = ngx_current_msec;
    ngx_add_timer(&ws->timer, conf->ping_interval);

    c->log->action = "serving 9P over WebSocket";

    r->read_event_handler = ngx_http_9p_ws_handler;
    r->write_event_handler = ngx_http_9p_ws_handler;
    r->main->count++;

    /* an exiting worker's word reaches the session first (see exiting) */
    ngx_http_9p_ws_http_read = c->read->handler;
    c->read->handler = ngx_http_9p_ws_conn_read;

    if (ngx_http_send_special(r, NGX_HTTP_FLUSH) == NGX_ERROR) {
        return NGX_ERROR;
    }

    /* run once the content phase has returned */
    ngx_post_event(c->read, &ngx_posted_events);

    return NGX_DONE;
}


/*
 * A worker that exits (nginx -s reload, -s quit) lets each session finish
 * what it has in flight, then closes it with 1001 "going away": the
 * client attaches again, on a new worker, with its ticket.  A session
 * with nothing in flight is marked idle, so that the first step of
 * exiting, ngx_close_idle_connections(), reaches it at once: as c->close
 * on its read event, which nginx's request handler would take for an
 * abort -- this handler, in front of it, takes it for the goodbye.  The
 * end of worker_shutdown_timeout (c->error too) goes on to nginx.
 */

static void
ngx_http_9p_ws_conn_read(ngx_event_t *rev)
{
    ngx_connection_t       *c;
    ngx_http_request_t     *r;
    ngx_http_9p_session_t  *s;

    c = rev->data;
    r = c->data;

    if (!c->close || c->error) {
        ngx_http_9p_ws_http_read(rev);
        return;
    }

    c->close = 0;
    s = ngx_http_get_module_ctx(r, ngx_http_9p_module);

    ngx_http_9p_ws_exiting(s);

    if (ngx_http_9p_ws(s)->done) {
        ngx_http_9p_ws_finalize(s);
    }
}


static void
ngx_http_9p_ws_exiting(ngx_http_9p_session_t *s)
{
    ngx_http_9p_ws_t  *ws;

    ws = ngx_http_9p_ws(s);

    if (ws->done) {
        return;
    }

    s->connection->idle = (s->ncreqs == 0);

    if (ngx_exiting && s->ncreqs == 0 && !ws->close_sent) {
        ngx_log_error(NGX_LOG_INFO, s->connection->log, 0,
                      "9p: the worker is exiting: session closed with 1001");
        ngx_http_9p_ws_close(s, NGX_HTTP_9P_WS_GOING_AWAY, "server restarting");
        ngx_http_9p_ws_flush(s);
    }
}


/* Reads and writes alike: only a write has a timer (send_timeout). */

static void
ngx_http_9p_ws_handler(ngx_http_request_t *r)
{
    ngx_connection_t       *c;
    ngx_http_9p_session_t  *s;
    ngx_http_9p_ws_t       *ws;

    c = r->connection;
    s = ngx_http_get_module_ctx(r, ngx_http_9p_module);
    ws = ngx_http_9p_ws(s);

    if (c->write->timedout) {
        c->timedout = 1;
        ngx_log_error(NGX_LOG_INFO, c->log, NGX_ETIMEDOUT,
                      "9p: client timed out");
        ngx_http_9p_ws_finish(ws, NGX_HTTP_REQUEST_TIME_OUT);

    } else {
        ngx_http_9p_ws_run(s);
        ngx_http_9p_ws_exiting(s);
    }

    if (ws->done) {
        ngx_http_9p_ws_finalize(s);
    }
}


/* Server pings after ping_interval of silence, closes after idle_timeout. */

static void
ngx_http_9p_ws_timer_handler(ngx_event_t *ev)
{
    ngx_msec_t              elapsed, next;
    ngx_connection_t       *c;
    ngx_http_9p_session_t  *s;
    ngx_http_9p_ws_t       *ws;

    s = ev->data;
    ws = ngx_http_9p_ws(s);
    c = s->connection;

    elapsed = ngx_current_msec - ws->last_recv;

    if (ws->close_sent) {
        ngx_log_error(NGX_LOG_INFO, c->log, 0,
                      "9p: client did not answer the close frame");
        ngx_http_9p_ws_finish(ws, NGX_HTTP_CLOSE);

    } else if (elapsed >= s->conf->idle_timeout) {
        ngx_log_error(NGX_LOG_INFO, c->log, 0,
                      "9p: client silent for %M ms, closing", elapsed);
        (void) ngx_http_9p_ws_fail(s, NGX_HTTP_9P_WS_GOING_AWAY,
                                   "idle timeout");

    } else {
        if (!ws->ping_sent && elapsed >= s->conf->ping_interval
            && ngx_http_9p_ws_room(ws) >= NGX_HTTP_9P_WS_MAX_HEADER)
        {
            /* a session gone quiet holds no input buffer */
            if (ws->in_pos == ws->in_last) {
                ngx_http_9p_ws_put_in(ws);
            }

            ws->ping_sent = 1;
            (void) ngx_http_9p_ws_queue(s, NGX_HTTP_9P_WS_PING, NULL, 0);
        }

        next = ws->ping_sent ? s->conf->idle_timeout
                             : s->conf->ping_interval;
        ngx_add_timer(ev, next - elapsed);
    }

    ngx_http_9p_ws_run(s);

    if (ws->done) {
        ngx_http_9p_ws_finalize(s);
    }

    ngx_http_run_posted_requests(c);
}


/*
 * Reads and answers what it can and sends what is queued, then, once the
 * 101 has gone out, makes the HTTP request small: the event handler that
 * runs this uses s->request only after it, and nginx's finds the new one
 * as c->data.
 */

static void
ngx_http_9p_ws_run(ngx_http_9p_session_t *s)
{
    ngx_http_request_t  *r;
    ngx_http_9p_ws_t    *ws;

    ws = ngx_http_9p_ws(s);

    for ( ;; ) {
        ngx_http_9p_ws_read(s);

        if (ws->done) {
            return;
        }

        ngx_http_9p_ws_flush(s);

        if (ws->done || ws->close_sent || !ws->read_blocked
            || ngx_http_9p_ws_room(ws) < ngx_http_9p_min_output(s->msize))
        {
            break;
        }

        ws->read_blocked = 0;
    }

    if (ws->compacted || ws->done || s->request->out) {
        return;
    }

    ws->compacted = 1;

    r = ngx_http_9p_request_compact(s->request, ngx_http_9p_ws_free);

    if (r) {
        s->request = r;
    }
}


static void
ngx_http_9p_ws_read(ngx_http_9p_session_t *s)
{
    ssize_t            n;
    ngx_int_t          rc;
    ngx_connection_t  *c;
    ngx_http_9p_ws_t  *ws;

    ws = ngx_http_9p_ws(s);

    c = s->connection;

    for ( ;; ) {
        do {
            rc = ngx_http_9p_ws_frame(s);
        } while (rc != NGX_AGAIN && rc != NGX_BUSY && rc != NGX_ERROR
                 && !ws->done);

        if (rc != NGX_AGAIN || ws->done || ws->close_received) {
            return;
        }

        if (ws->in == NULL) {
            ws->in = ngx_http_9p_buf_get(ws->in_size, c->log);
            if (ws->in == NULL) {
                ngx_http_9p_ws_finish(ws, NGX_ERROR);
                return;
            }

            ws->in_pos = ws->in;
            ws->in_last = ws->in;

        } else if (ws->in_pos != ws->in) {
            /* keep a partial frame at the start: it may need all the room */
            ws->in_last = ngx_movemem(ws->in, ws->in_pos,
                                      ws->in_last - ws->in_pos);
            ws->in_pos = ws->in;
        }

        n = ngx_http_9p_recv(c, ws->in_last,
                             ws->in + ws->in_size - ws->in_last);

        if (n == NGX_AGAIN) {
            if (ws->in_pos == ws->in_last) {
                ngx_http_9p_ws_put_in(ws);
            }

            break;
        }

        if (n == NGX_ERROR || n == 0) {
            if (!ws->close_sent) {
                ngx_log_error(NGX_LOG_INFO, c->log, 0,
                              "9p: client closed the connection "
                              "without a close frame");
            }

            ngx_http_9p_ws_finish(ws, NGX_HTTP_CLIENT_CLOSED_REQUEST);
            return;
        }

        ws->in_last += n;
        ws->last_recv = ngx_current_msec;

        if (ws->ping_sent && !ws->close_sent) {
            /* answered: the next ping is an interval of silence away */
            ngx_add_timer(&ws->timer, s->conf->ping_interval);
        }

        ws->ping_sent = 0;
    }

    if (ngx_handle_read_event(c->read, 0) != NGX_OK) {
        ngx_http_9p_ws_finish(ws, NGX_ERROR);
    }
}


/*
 * Parses and handles the next frame of the input buffer.  NGX_AGAIN: it
 * is not complete yet; NGX_BUSY: the output is full; NGX_ERROR: the
 * session is ending.
 */

static ngx_int_t
ngx_http_9p_ws_frame(ngx_http_9p_session_t *s)
{
    int                    rc;
    u_char                *p, *mask, *payload;
    size_t                 avail, i, len;
    unsigned               code;
    const char            *reason;
    ngx_http_9p_wsframe_t  f;
    ngx_http_9p_ws_t      *ws;

    ws = ngx_http_9p_ws(s);

    p = ws->in_pos;
    avail = ws->in_last - p;

    /* backpressure: replies the client has not taken */
    if (avail && !ws->close_sent
        && ngx_http_9p_ws_room(ws) < ngx_http_9p_min_output(s->msize))
    {
        ws->read_blocked = 1;
        return NGX_BUSY;
    }

    rc = ngx_http_9p_wsframe_parse(p, avail, ws->msg != NULL,
                                   s->msize - ws->msg_len, &f, &code,
                                   &reason);

    if (rc < 0) {
        if (code == NGX_HTTP_9P_WS_TOO_BIG) {
            ngx_log_error(NGX_LOG_INFO, s->connection->log, 0,
                          "9p: client message of %uL bytes exceeds msize %uD",
                          ws->msg_len + f.len, s->msize);
        }

        return ngx_http_9p_ws_fail(s, code, reason);
    }

    if (rc == 0 || avail - f.hlen < f.len) {
        return NGX_AGAIN;
    }

    len = (size_t) f.len;
    mask = p + f.hlen - 4;
    payload = p + f.hlen;

    for (i = 0; i < len; i++) {
        payload[i] ^= mask[i & 3];
    }

    ws->in_pos = payload + len;

    if (ws->close_sent) {
        /* the closing handshake: only the client's close matters now */
        if (f.opcode == NGX_HTTP_9P_WS_CLOSE) {
            ws->close_received = 1;
        }

        return NGX_OK;
    }

    switch (f.opcode) {

    case NGX_HTTP_9P_WS_PING:
        return ngx_http_9p_ws_queue(s, NGX_HTTP_9P_WS_PONG, payload, len)
               ? NGX_OK : NGX_ERROR;

    case NGX_HTTP_9P_WS_PONG:
        return NGX_OK;

    case NGX_HTTP_9P_WS_CLOSE:
        ngx_http_9p_ws_close_frame(s, payload, len);
        return NGX_OK;

    default:
        return ngx_http_9p_ws_data(s, f.opcode, f.fin, payload, len);
    }
}


static ngx_int_t
ngx_http_9p_ws_data(ngx_http_9p_session_t *s, ngx_uint_t opcode,
    ngx_uint_t fin, u_char *payload, size_t len)
{
    ngx_int_t          rc;
    ngx_http_9p_ws_t  *ws;

    ws = ngx_http_9p_ws(s);

    if (opcode == NGX_HTTP_9P_WS_BINARY && fin) {
        return ngx_http_9p_session_message(s, payload, len);
    }

    if (ws->msg == NULL) {
        ws->msg = ngx_http_9p_buf_get(s->conf->msize, s->connection->log);
        if (ws->msg == NULL) {
            ngx_http_9p_ws_finish(ws, NGX_ERROR);
            return NGX_ERROR;
        }
    }

    ngx_memcpy(ws->msg + ws->msg_len, payload, len);
    ws->msg_len += len;

    if (!fin) {
        return NGX_OK;
    }

    rc = ngx_http_9p_session_message(s, ws->msg, ws->msg_len);
    ws->msg_len = 0;

    ngx_http_9p_buf_put(ws->msg, s->conf->msize);
    ws->msg = NULL;

    return rc;
}


/* The client's close: validate it, echo its code, then end. */

static void
ngx_http_9p_ws_close_frame(ngx_http_9p_session_t *s, u_char *payload,
    size_t len)
{
    ngx_uint_t         code;
    ngx_http_9p_ws_t  *ws;

    ws = ngx_http_9p_ws(s);

    if (len == 0) {
        code = NGX_HTTP_9P_WS_NO_CODE;

    } else if (len == 1) {
        (void) ngx_http_9p_ws_fail(s, NGX_HTTP_9P_WS_PROTOCOL,
                                   "close frame with a 1-byte payload");
        return;

    } else {
        code = ((ngx_uint_t) payload[0] << 8) | payload[1];

        /* the codes a client may send (RFC 6455 7.4) */
        if (!((code >= 1000 && code <= 1003)
              || (code >= 1007 && code <= 1014)
              || (code >= 3000 && code <= 4999)))
        {
            (void) ngx_http_9p_ws_fail(s, NGX_HTTP_9P_WS_PROTOCOL,
                                       "invalid close code");
            return;
        }

        if (!ngx_http_9p_ws_valid_utf8(payload + 2, len - 2)) {
            (void) ngx_http_9p_ws_fail(s, NGX_HTTP_9P_WS_BAD_DATA,
                                       "close reason is not UTF-8");
            return;
        }
    }

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, s->connection->log, 0,
                   "9p: client closed with code %ui", code);

    ws->close_received = 1;
    ngx_http_9p_stats_closed(s, NGX_HTTP_9P_CLOSED_BY_CLIENT, code);
    ngx_http_9p_ws_close(s, code, NULL);
}


/* RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF. */

static ngx_uint_t
ngx_http_9p_ws_valid_utf8(u_char *p, size_t len)
{
    u_char      *end;
    uint32_t     cp, min;
    ngx_uint_t   n;

    end = p + len;

    while (p < end) {

        if (*p < 0x80) {
            p++;
            continue;
        }

        if ((*p & 0xe0) == 0xc0) {
            n = 1; cp = *p & 0x1f; min = 0x80;

        } else if ((*p & 0xf0) == 0xe0) {
            n = 2; cp = *p & 0x0f; min = 0x800;

        } else if ((*p & 0xf8) == 0xf0) {
            n = 3; cp = *p & 0x07; min = 0x10000;

        } else {
            return 0;
        }

        if ((size_t) (end - p) <= n) {
            return 0;
        }

        for (p++; n; n--, p++) {
            if ((*p & 0xc0) != 0x80) {
                return 0;
            }

            cp = (cp << 6) | (*p & 0x3f);
        }

        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            return 0;
        }
    }

    return 1;
}


/* Fails the WebSocket connection: a close frame, then the end. */

static ngx_int_t
ngx_http_9p_ws_fail(ngx_http_9p_session_t *s, ngx_uint_t code,
    const char *reason)
{
    ngx_http_9p_ws_t  *ws;

    ws = ngx_http_9p_ws(s);

    if (ws->close_sent) {
        /* no handshake is left to finish with this client */
        ngx_http_9p_ws_finish(ws, NGX_HTTP_CLOSE);

    } else {
        ngx_log_error(NGX_LOG_INFO, s->connection->log, 0,
                      "9p: closing WebSocket with %ui: %s", code, reason);
        ngx_http_9p_ws_close(s, code, reason);
    }

    return NGX_ERROR;
}


static void
ngx_http_9p_ws_close(ngx_http_9p_session_t *s, ngx_uint_t code,
    const char *reason)
{
    u_char             payload[125];
    size_t             len;
    ngx_http_9p_ws_t  *ws;

    ws = ngx_http_9p_ws(s);

    if (ws->close_sent) {
        return;
    }

    len = 0;

    if (code != NGX_HTTP_9P_WS_NO_CODE) {
        payload[0] = (u_char) (code >> 8);
        payload[1] = (u_char) code;
        len = 2;

        if (reason) {
            len += ngx_min(ngx_strlen(reason), sizeof(payload) - 2);
            ngx_memcpy(payload + 2, reason, len - 2);
        }
    }

    ws->close_sent = 1;
    ngx_http_9p_stats_closed(s, NGX_HTTP_9P_CLOSED_BY_SERVER, code);

    (void) ngx_http_9p_ws_queue(s, NGX_HTTP_9P_WS_CLOSE, payload, len);
}


static ngx_int_t
ngx_http_9p_ws_send_fcall(ngx_http_9p_session_t *s, ninep_fcall_t *f)
{
    u_char            *p;
    size_t             n;
    ngx_http_9p_ws_t  *ws;

    ws = ngx_http_9p_ws(s);

    if (ws->close_sent || ws->done) {
        return NGX_OK;          /* nobody will read it */
    }

    n = ngx_http_9p_reply_size(s, f);

    if (n == 0) {
        ngx_http_9p_ws_close(s, NGX_HTTP_9P_WS_INTERNAL, "internal error");
        return NGX_ERROR;
    }

    p = ngx_http_9p_ws_queue(s, NGX_HTTP_9P_WS_BINARY, NULL, n);
    if (p == NULL) {
        return NGX_ERROR;
    }

    (void) ninep_pack(f, p, n);

    ngx_http_9p_stats_out(s, f, n);

    return NGX_OK;
}


/* A message that is not 9P ends the connection: close 1007. */

static void
ngx_http_9p_ws_malformed(ngx_http_9p_session_t *s, const char *reason)
{
    ngx_http_9p_ws_close(s, NGX_HTTP_9P_WS_BAD_DATA, reason);
}


/* Replies from services arrive whenever they do: send them out soon. */

static void
ngx_http_9p_ws_post(ngx_http_9p_session_t *s)
{
    ngx_event_t  *wev;

    wev = s->connection->write;

    if (!ngx_http_9p_ws(s)->done && !wev->posted) {
        ngx_post_event(wev, &ngx_posted_events);
    }
}


/*
 * A frame of len payload bytes at the end of the output, the payload
 * copied into it unless NULL: where its payload goes, or NULL if the
 * session ends.  A server frame is final and unmasked, and its length
 * takes the minimal form.
 */

static u_char *
ngx_http_9p_ws_queue(ngx_http_9p_session_t *s, ngx_uint_t opcode,
    u_char *payload, size_t len)
{
    u_char      *p;
    ngx_buf_t   *b;
    ngx_uint_t   i, n;

    /* bytes of extended length */
    n = (len < 126) ? 0 : (len <= 0xffff) ? 2 : 8;

    b = ngx_http_9p_ws_reserve(s, 2 + n + len);
    if (b == NULL) {
        ngx_http_9p_ws_finish(ngx_http_9p_ws(s), NGX_ERROR);
        return NULL;
    }

    p = b->last;
    p[0] = (u_char) (0x80 | opcode);
    p[1] = (u_char) ((n == 0) ? len : (n == 2) ? 126 : 127);

    for (i = 0; i < n; i++) {
        p[1 + n - i] = (u_char) ((uint64_t) len >> (8 * i));
    }

    p += 2 + n;
    b->last = p + len;

    /* an empty ping has no payload at all */
    if (payload) {
        ngx_memcpy(p, payload, len);
    }

    return p;
}


/*
 * Contiguous room for size bytes at the end of the output.  Requests are
 * read only while the buffer has room for a maximal reply, but replies of
 * services arrive on their own: those that do not fit wait, in order, in
 * an overflow chain, bounded by ninep_max_requests times msize.
 */

static ngx_buf_t *
ngx_http_9p_ws_reserve(ngx_http_9p_session_t *s, size_t size)
{
    size_t             len;
    ngx_buf_t         *b;
    ngx_chain_t       *cl;
    ngx_http_9p_ws_t  *ws;

    ws = ngx_http_9p_ws(s);

    b = &ws->out;

    if (ws->overflow) {
        /* the last overflow block */
        cl = (ngx_chain_t *) ((u_char *) ws->overflow_last
                              - offsetof(ngx_chain_t, next));
        b = cl->buf;

    } else if (b->start == NULL) {
        b->start = ngx_http_9p_buf_get(ws->out_size, s->connection->log);
        if (b->start == NULL) {
            return NULL;
        }

        b->pos = b->start;
        b->last = b->start;
        b->end = b->start + ws->out_size;
        b->temporary = 1;

    } else if ((size_t) (b->end - b->last) < size && b->pos != b->start) {
        b->last = ngx_movemem(b->start, b->pos, b->last - b->pos);
        b->pos = b->start;
    }

    if ((size_t) (b->end - b->last) >= size) {
        return b;
    }

    len = ngx_max(size, 16384);

    cl = ngx_alloc(sizeof(ngx_chain_t) + sizeof(ngx_buf_t) + len,
                   s->connection->log);
    if (cl == NULL) {
        return NULL;
    }

    b = (ngx_buf_t *) (cl + 1);
    ngx_memzero(b, sizeof(ngx_buf_t));
    b->start = (u_char *) (b + 1);
    b->pos = b->start;
    b->last = b->start;
    b->end = b->start + len;
    b->temporary = 1;
    b->flush = 1;

    cl->buf = b;
    cl->next = NULL;
    *ws->overflow_last = cl;
    ws->overflow_last = &cl->next;

    return b;
}


static size_t
ngx_http_9p_ws_room(ngx_http_9p_ws_t *ws)
{
    return ws->overflow ? 0 : ws->out_size - (ws->out.last - ws->out.pos);
}


static void
ngx_http_9p_ws_flush(ngx_http_9p_session_t *s)
{
    off_t                      sent;
    ngx_chain_t               *cl;
    ngx_connection_t          *c;
    ngx_http_request_t        *r;
    ngx_http_core_loc_conf_t  *clcf;
    ngx_http_9p_ws_t          *ws;

    ws = ngx_http_9p_ws(s);

    r = s->request;
    c = s->connection;
    sent = c->sent;
    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    /* the 101 response may still be queued in the HTTP output filters */
    if (r->out && ngx_http_output_filter(r, NULL) == NGX_ERROR) {
        ngx_http_9p_ws_finish(ws, NGX_ERROR);
        return;
    }

    /* NGX_LOWLEVEL_BUFFERED: TLS records written in part go out first */
    if (r->out == NULL
        && (ws->out.pos < ws->out.last || ws->overflow
            || (c->buffered & NGX_LOWLEVEL_BUFFERED)))
    {
        ws->out_chain.next = ws->overflow;

        cl = c->send_chain(c, ws->out.pos < ws->out.last ? &ws->out_chain
                                                         : ws->overflow, 0);

        if (cl == NGX_CHAIN_ERROR) {
            c->error = 1;
            ngx_http_9p_ws_finish(ws, NGX_ERROR);
            return;
        }

        ngx_http_9p_ws_free_overflow(ws, 0);
    }

    if (r->out == NULL && ws->out.pos == ws->out.last && ws->overflow == NULL
        && !(c->buffered & NGX_LOWLEVEL_BUFFERED))
    {
        if (c->write->timer_set) {
            ngx_del_timer(c->write);
        }

        if (ws->close_received) {
            ngx_http_9p_ws_finish(ws, NGX_DONE);

        } else if (ws->close_sent) {
            /* wait for the client's close, not for ever */
            ngx_add_timer(&ws->timer, clcf->lingering_timeout);

        } else {
            ngx_http_9p_ws_put_out(ws);
        }

        return;
    }

    if (c->sent != sent || !c->write->timer_set) {
        ngx_add_timer(c->write, clcf->send_timeout);
    }

    if (ngx_handle_write_event(c->write, clcf->send_lowat) != NGX_OK) {
        ngx_http_9p_ws_finish(ws, NGX_ERROR);
    }
}


/* Frees the overflow blocks that went out, or all of them. */

static void
ngx_http_9p_ws_free_overflow(ngx_http_9p_ws_t *ws, ngx_uint_t all)
{
    ngx_chain_t  *cl;

    while (ws->overflow
           && (all || ws->overflow->buf->pos == ws->overflow->buf->last))
    {
        cl = ws->overflow;
        ws->overflow = cl->next;
        ngx_free(cl);
    }

    if (ws->overflow == NULL) {
        ws->overflow_last = &ws->overflow;
    }
}


/*
 * Marks the session as ending; the event handler that is running
 * finalizes it as its last act, so no caller touches a freed session.
 */

static void
ngx_http_9p_ws_finish(ngx_http_9p_ws_t *ws, ngx_int_t rc)
{
    if (!ws->done) {
        ws->done = 1;
        ws->done_rc = rc;
    }
}


/*
 * NGX_DONE after a close frame went out: nginx's lingering close
 * half-closes and drains whatever the client still sends.
 */

static void
ngx_http_9p_ws_finalize(ngx_http_9p_session_t *s)
{
    ngx_http_request_t  *r;
    ngx_http_9p_ws_t    *ws;

    ws = ngx_http_9p_ws(s);

    r = s->request;

    ngx_http_9p_ws_cleanup(s);

    if (ws->done_rc == NGX_DONE) {
        r->lingering_close = 1;
    }

    ngx_http_finalize_request(r, ws->done_rc);
}


static void
ngx_http_9p_ws_put_in(ngx_http_9p_ws_t *ws)
{
    ngx_http_9p_buf_put(ws->in, ws->in_size);
    ws->in = NULL;
    ws->in_pos = NULL;
    ws->in_last = NULL;
}


static void
ngx_http_9p_ws_put_out(ngx_http_9p_ws_t *ws)
{
    ngx_http_9p_buf_put(ws->out.start, ws->out_size);
    ws->out.start = NULL;
    ws->out.pos = NULL;
    ws->out.last = NULL;
    ws->out.end = NULL;
}


static void *
ngx_http_9p_buf_get(size_t size, ngx_log_t *log)
{
    void                 *p;
    ngx_uint_t            i;
    ngx_http_9p_cache_t  *c;

    for (i = 0; i < NGX_HTTP_9P_CACHE_SIZES; i++) {
        c = &ngx_http_9p_cache[i];

        if (c->size == size && c->n) {
            p = c->free;
            c->free = *(void **) p;
            c->n--;
            c->low = ngx_min(c->low, c->n);
            return p;
        }
    }

    return ngx_alloc(size, log);
}


/* p back to its size's cache, which takes a size no other one holds. */

static void
ngx_http_9p_buf_put(void *p, size_t size)
{
    ngx_uint_t            i;
    ngx_event_t          *ev;
    ngx_http_9p_cache_t  *c;

    if (p == NULL) {
        return;
    }

    /* its size's class, else the first empty one takes the size */
    for (i = 0, c = NULL; i < NGX_HTTP_9P_CACHE_SIZES; i++) {
        if (ngx_http_9p_cache[i].size == size) {
            c = &ngx_http_9p_cache[i];
            break;
        }

        if (c == NULL && ngx_http_9p_cache[i].n == 0) {
            c = &ngx_http_9p_cache[i];
        }
    }

    if (c == NULL) {
        ngx_free(p);
        return;
    }

    if (c->size != size) {
        c->size = size;
        c->low = 0;
    }

    *(void **) p = c->free;
    c->free = p;
    c->n++;

    ev = &ngx_http_9p_cache_timer;

    if (!ev->timer_set) {
        ev->handler = ngx_http_9p_cache_decay;
        ev->data = &ngx_http_9p_cache_ident;
        ev->log = ngx_cycle->log;
        ev->cancelable = 1;
        ngx_add_timer(ev, NGX_HTTP_9P_CACHE_DECAY);
    }
}


/* The oldest buffers, those the last second did not need, are freed. */

static void
ngx_http_9p_cache_decay(ngx_event_t *ev)
{
    void                 *p, **next;
    ngx_uint_t            i, k, held;
    ngx_http_9p_cache_t  *c;

    held = 0;

    for (i = 0; i < NGX_HTTP_9P_CACHE_SIZES; i++) {
        c = &ngx_http_9p_cache[i];

        /* past the newest n - low */
        for (next = &c->free, k = c->low; k < c->n; k++) {
            next = (void **) *next;
        }

        while (*next) {
            p = *next;
            *next = *(void **) p;
            ngx_free(p);
        }

        c->n -= c->low;
        c->low = c->n;
        held += c->n;
    }

    if (held) {
        ngx_add_timer(ev, NGX_HTTP_9P_CACHE_DECAY);
    }
}


/* The request's pool cleanup: the session ends, its memory goes. */

static void
ngx_http_9p_ws_free(void *data)
{
    ngx_http_9p_ws_cleanup(data);
    ngx_free(ngx_http_9p_ws(data));
}


static void
ngx_http_9p_ws_cleanup(ngx_http_9p_session_t *s)
{
    ngx_http_9p_ws_t  *ws;

    ws = ngx_http_9p_ws(s);

    if (ws->timer.timer_set) {
        ngx_del_timer(&ws->timer);
    }

    if (s->connection) {
        ws->done = 1;
        ngx_http_9p_session_end(s);
        ngx_http_9p_stats_session(s, -1);
        s->connection = NULL;

#if (NGX_LINUX)
        /*
         * The last session of the worker is gone: what a load of them
         * freed goes back to the system.  glibc keeps freed memory that a
         * few live blocks fragment (a 1,000-session run left 19 MB of
         * RSS; malloc_trim took it to 8 MB), so the worker never shrank.
         */
        if (--ngx_http_9p_ws_live == 0 && !ngx_http_9p_ws_trim.posted) {
            /* after the request's pool is freed too */
            ngx_http_9p_ws_trim.handler = ngx_http_9p_ws_trim_handler;
            ngx_http_9p_ws_trim.log = ngx_cycle->log;
            ngx_post_event(&ngx_http_9p_ws_trim, &ngx_posted_events);
        }
#endif
    }

    ngx_http_9p_ws_free_overflow(ws, 1);
    ngx_http_9p_ws_put_in(ws);

    ngx_http_9p_buf_put(ws->msg, s->conf->msize);
    ws->msg = NULL;

    ngx_http_9p_ws_put_out(ws);
}
