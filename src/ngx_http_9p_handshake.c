
/*
 * Ten: the WebSocket opening handshake (RFC 6455, section 4.2).
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_sha1.h>

#include "ngx_http_9p.h"


#define NGX_HTTP_9P_WS_GUID  "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

/* nginx 1.22 has no name for it */
#define NGX_HTTP_9P_UPGRADE_REQUIRED  426

/* base64 of a 16-byte key is 24 characters, the last two "==" */
#define NGX_HTTP_9P_WS_KEY_LEN  24


static ngx_table_elt_t *ngx_http_9p_find_header(ngx_http_request_t *r,
    const char *name, const char *token, ngx_uint_t *count);
static ngx_uint_t ngx_http_9p_list_has_token(ngx_str_t *value,
    const char *token);
static ngx_int_t ngx_http_9p_origin_allowed(ngx_http_request_t *r,
    ngx_http_9p_loc_conf_t *conf);
static ngx_int_t ngx_http_9p_refuse(ngx_http_request_t *r, ngx_int_t status,
    const char *why);
static ngx_int_t ngx_http_9p_add_header(ngx_http_request_t *r,
    const char *name, ngx_str_t *value);
static ngx_int_t ngx_http_9p_accept(ngx_http_request_t *r, ngx_str_t *key,
    ngx_uint_t subprotocol);


static ngx_str_t  ngx_http_9p_version13 = ngx_string("13");
static ngx_str_t  ngx_http_9p_websocket = ngx_string("websocket");


ngx_int_t
ngx_http_9p_handshake(ngx_http_request_t *r)
{
    u_char                   raw[18];
    ngx_str_t                decoded;
    ngx_uint_t               n;
    ngx_table_elt_t         *h, *key;
    ngx_http_9p_loc_conf_t  *conf;

    conf = ngx_http_get_module_loc_conf(r, ngx_http_9p_module);

    if (r->method != NGX_HTTP_GET) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    if (r->http_version >= NGX_HTTP_VERSION_20) {
        return ngx_http_9p_refuse(r, NGX_HTTP_BAD_REQUEST,
                                  "WebSocket upgrade over HTTP/2");
    }

    if (r->http_version < NGX_HTTP_VERSION_11) {
        return ngx_http_9p_refuse(r, NGX_HTTP_BAD_REQUEST,
                                  "WebSocket upgrade before HTTP/1.1");
    }

    if (ngx_http_9p_find_header(r, "Upgrade", "websocket", &n) == NULL) {
        if (ngx_http_9p_add_header(r, "Upgrade", &ngx_http_9p_websocket)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_9p_refuse(r, NGX_HTTP_9P_UPGRADE_REQUIRED,
                                  "no \"Upgrade: websocket\" header");
    }

    if (ngx_http_9p_find_header(r, "Connection", "upgrade", &n) == NULL) {
        return ngx_http_9p_refuse(r, NGX_HTTP_BAD_REQUEST,
                                  "no \"Connection: upgrade\" header");
    }

    h = ngx_http_9p_find_header(r, "Sec-WebSocket-Version", NULL, &n);

    if (n != 1
        || h->value.len != 2
        || ngx_strncmp(h->value.data, "13", 2) != 0)
    {
        return ngx_http_9p_refuse(r, NGX_HTTP_9P_UPGRADE_REQUIRED,
                                  "unsupported Sec-WebSocket-Version");
    }

    key = ngx_http_9p_find_header(r, "Sec-WebSocket-Key", NULL, &n);
    decoded.data = raw;

    if (n != 1
        || key->value.len != NGX_HTTP_9P_WS_KEY_LEN
        || ngx_decode_base64(&decoded, &key->value) != NGX_OK
        || decoded.len != 16)
    {
        return ngx_http_9p_refuse(r, NGX_HTTP_BAD_REQUEST,
                                  "invalid Sec-WebSocket-Key");
    }

    if (ngx_http_9p_origin_allowed(r, conf) != NGX_OK) {
        return ngx_http_9p_refuse(r, NGX_HTTP_FORBIDDEN, "origin not allowed");
    }

    if (r->headers_in.content_length_n > 0 || r->headers_in.chunked) {
        return ngx_http_9p_refuse(r, NGX_HTTP_BAD_REQUEST,
                                  "request body on a WebSocket upgrade");
    }

    return ngx_http_9p_accept(r, &key->value,
               ngx_http_9p_find_header(r, "Sec-WebSocket-Protocol", "9p", &n)
               != NULL);
}


/*
 * The first header called name (that lists token, if one is given:
 * RFC 7230 #token lists); *count receives how many such there are.
 */

static ngx_table_elt_t *
ngx_http_9p_find_header(ngx_http_request_t *r, const char *name,
    const char *token, ngx_uint_t *count)
{
    size_t            len;
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h, *first;

    len = ngx_strlen(name);
    first = NULL;
    *count = 0;

    for (part = &r->headers_in.headers.part; part; part = part->next) {
        h = part->elts;

        for (i = 0; i < part->nelts; i++) {
            if (h[i].key.len == len
                && ngx_strncasecmp(h[i].key.data, (u_char *) name, len) == 0
                && (token == NULL
                    || ngx_http_9p_list_has_token(&h[i].value, token)))
            {
                if (first == NULL) {
                    first = &h[i];
                }

                (*count)++;
            }
        }
    }

    return first;
}


static ngx_uint_t
ngx_http_9p_list_has_token(ngx_str_t *value, const char *token)
{
    u_char  *p, *end, *start, *last;
    size_t   len;

    len = ngx_strlen(token);
    p = value->data;
    end = p + value->len;

    while (p < end) {
        start = p;

        while (p < end && *p != ',') {
            p++;
        }

        last = p++;

        while (start < last && (*start == ' ' || *start == '\t')) {
            start++;
        }

        while (last > start && (last[-1] == ' ' || last[-1] == '\t')) {
            last--;
        }

        if ((size_t) (last - start) == len
            && ngx_strncasecmp(start, (u_char *) token, len) == 0)
        {
            return 1;
        }
    }

    return 0;
}


/*
 * Browsers always send Origin; other clients (the CLI, v9fs bridges)
 * may not, and cannot be hijacked cross-site, so no Origin is allowed.
 */

static ngx_int_t
ngx_http_9p_origin_allowed(ngx_http_request_t *r, ngx_http_9p_loc_conf_t *conf)
{
    ngx_uint_t        i, n;
    ngx_str_t        *allowed;
    ngx_table_elt_t  *origin;

    if (conf->allowed_origins == NULL) {
        return NGX_OK;
    }

    origin = ngx_http_9p_find_header(r, "Origin", NULL, &n);

    if (n == 0) {
        return NGX_OK;
    }

    if (n > 1) {
        return NGX_DECLINED;
    }

    allowed = conf->allowed_origins->elts;

    for (i = 0; i < conf->allowed_origins->nelts; i++) {
        if (allowed[i].len == origin->value.len
            && ngx_strncasecmp(allowed[i].data, origin->value.data,
                               origin->value.len)
               == 0)
        {
            return NGX_OK;
        }
    }

    return NGX_DECLINED;
}


/* A refusal is logged; a 426 gets a page of ours, as nginx has none. */

static ngx_int_t
ngx_http_9p_refuse(ngx_http_request_t *r, ngx_int_t status, const char *why)
{
    ngx_int_t     rc;
    ngx_buf_t    *b;
    ngx_chain_t   out;

    static u_char  text[] = "This is a 9P2000 endpoint: "
                            "connect with a WebSocket (RFC 6455, version 13)."
                            CRLF;

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "9p: refused WebSocket handshake: %s", why);

    if (status != NGX_HTTP_9P_UPGRADE_REQUIRED) {
        return status;
    }

    if (ngx_http_9p_add_header(r, "Sec-WebSocket-Version",
                               &ngx_http_9p_version13)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->headers_out.status = NGX_HTTP_9P_UPGRADE_REQUIRED;
    ngx_str_set(&r->headers_out.status_line, "426 Upgrade Required");
    ngx_str_set(&r->headers_out.content_type, "text/plain");
    r->headers_out.content_length_n = sizeof(text) - 1;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_ERROR;
    }

    b->pos = text;
    b->last = text + sizeof(text) - 1;
    b->memory = 1;
    b->last_buf = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


static ngx_int_t
ngx_http_9p_add_header(ngx_http_request_t *r, const char *name,
    ngx_str_t *value)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    h->key.data = (u_char *) name;
    h->key.len = ngx_strlen(name);
    h->value = *value;
    h->lowcase_key = NULL;

    return NGX_OK;
}


/* Sends 101 Switching Protocols and hands the connection to the session. */

static ngx_int_t
ngx_http_9p_accept(ngx_http_request_t *r, ngx_str_t *key,
    ngx_uint_t subprotocol)
{
    u_char                  digest[20];
    ngx_int_t               rc;
    ngx_str_t               accept, raw;
    ngx_sha1_t              sha1;

    static ngx_str_t  protocol = ngx_string("9p");

    ngx_sha1_init(&sha1);
    ngx_sha1_update(&sha1, key->data, key->len);
    ngx_sha1_update(&sha1, NGX_HTTP_9P_WS_GUID,
                    sizeof(NGX_HTTP_9P_WS_GUID) - 1);
    ngx_sha1_final(digest, &sha1);

    raw.data = digest;
    raw.len = sizeof(digest);

    accept.len = ngx_base64_encoded_length(raw.len);
    accept.data = ngx_pnalloc(r->pool, accept.len);
    if (accept.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_encode_base64(&accept, &raw);

    if (ngx_http_9p_add_header(r, "Upgrade", &ngx_http_9p_websocket)
        != NGX_OK
        || ngx_http_9p_add_header(r, "Sec-WebSocket-Accept", &accept)
           != NGX_OK
        || (subprotocol
            && ngx_http_9p_add_header(r, "Sec-WebSocket-Protocol", &protocol)
               != NGX_OK))
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->headers_out.status = NGX_HTTP_SWITCHING_PROTOCOLS;
    ngx_str_set(&r->headers_out.status_line, "101 Switching Protocols");
    r->headers_out.content_length_n = -1;
    r->keepalive = 0;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK) {
        return rc;
    }

    return ngx_http_9p_ws_start(r);
}
