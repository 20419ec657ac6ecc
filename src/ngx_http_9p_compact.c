
/*
 * Ten: an upgraded request made small (issue 18).  After the 101 the HTTP
 * request of a WebSocket session serves only nginx's event handlers and,
 * when the session ends, its access log line ($request, $http_*, $status,
 * $ninep_*, ...).  nginx built it for parsing: in a pool of
 * request_pool_size blocks (4 KiB; the lists for 20 headers each way fill
 * two), its strings in the client header buffer (1 KiB, or 8 KiB large
 * buffers for long headers) -- about 9 KiB an idle session kept.
 *
 * The copy is the same request in one pool of the size it needs: the
 * request, the session's context, the variables, the headers it has (their
 * elements and strings, each NUL-terminated as nginx leaves them) and the
 * request line.  Then the old pool and the header buffers are freed, the
 * buffers as ngx_http_set_keepalive() frees them between requests.  A
 * request whose memory cannot all be accounted for -- another module's
 * context or pool cleanup, a large pool allocation, a body, subrequests,
 * regex captures, output not yet sent -- is left as it is.  The contexts
 * of modules whose work on the request is over are dropped: Debian's
 * max_headers counts headers in one while they are read, and the copy
 * filter keeps the state of output that has all gone out (nothing sends
 * through the filters after the 101: a session writes to the connection).
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_9p.h"
#include "ngx_http_9p_compact.h"


/* the fields of headers_in and headers_out that point at one header */
static const size_t  ngx_http_9p_in_refs[] = {
    offsetof(ngx_http_headers_in_t, host),
    offsetof(ngx_http_headers_in_t, connection),
    offsetof(ngx_http_headers_in_t, if_modified_since),
    offsetof(ngx_http_headers_in_t, if_unmodified_since),
    offsetof(ngx_http_headers_in_t, if_match),
    offsetof(ngx_http_headers_in_t, if_none_match),
    offsetof(ngx_http_headers_in_t, user_agent),
    offsetof(ngx_http_headers_in_t, referer),
    offsetof(ngx_http_headers_in_t, content_length),
    offsetof(ngx_http_headers_in_t, content_range),
    offsetof(ngx_http_headers_in_t, content_type),
    offsetof(ngx_http_headers_in_t, range),
    offsetof(ngx_http_headers_in_t, if_range),
    offsetof(ngx_http_headers_in_t, transfer_encoding),
    offsetof(ngx_http_headers_in_t, te),
    offsetof(ngx_http_headers_in_t, expect),
    offsetof(ngx_http_headers_in_t, upgrade),
#if (NGX_HTTP_GZIP || NGX_HTTP_HEADERS)
    offsetof(ngx_http_headers_in_t, accept_encoding),
    offsetof(ngx_http_headers_in_t, via),
#endif
    offsetof(ngx_http_headers_in_t, authorization),
    offsetof(ngx_http_headers_in_t, keep_alive),
#if (NGX_HTTP_REALIP)
    offsetof(ngx_http_headers_in_t, x_real_ip),
#endif
#if (NGX_HTTP_HEADERS)
    offsetof(ngx_http_headers_in_t, accept),
    offsetof(ngx_http_headers_in_t, accept_language),
#endif
#if (NGX_HTTP_DAV)
    offsetof(ngx_http_headers_in_t, depth),
    offsetof(ngx_http_headers_in_t, destination),
    offsetof(ngx_http_headers_in_t, overwrite),
    offsetof(ngx_http_headers_in_t, date),
#endif
};

static const size_t  ngx_http_9p_out_refs[] = {
    offsetof(ngx_http_headers_out_t, server),
    offsetof(ngx_http_headers_out_t, date),
    offsetof(ngx_http_headers_out_t, content_length),
    offsetof(ngx_http_headers_out_t, content_encoding),
    offsetof(ngx_http_headers_out_t, location),
    offsetof(ngx_http_headers_out_t, refresh),
    offsetof(ngx_http_headers_out_t, last_modified),
    offsetof(ngx_http_headers_out_t, content_range),
    offsetof(ngx_http_headers_out_t, accept_ranges),
    offsetof(ngx_http_headers_out_t, www_authenticate),
    offsetof(ngx_http_headers_out_t, expires),
    offsetof(ngx_http_headers_out_t, etag),
};


/* modules whose request context is of no use once the 101 is out */
static const char  *ngx_http_9p_done_with[] = {
    "ngx_http_header_count_module",         /* Debian's max_headers */
    "ngx_http_copy_filter_module",          /* r->buffered is 0 */
    NULL
};


static ngx_uint_t ngx_http_9p_movable(ngx_http_request_t *r,
    ngx_pool_cleanup_pt keep);
static size_t ngx_http_9p_need(ngx_http_request_t *r, ngx_uint_t nvars);
static size_t ngx_http_9p_list_need(ngx_list_t *l, ngx_uint_t in);
static size_t ngx_http_9p_array_need(ngx_array_t *a);
static size_t ngx_http_9p_str_need(ngx_str_t *s, ngx_str_t *within);
static ngx_int_t ngx_http_9p_list_copy(ngx_pool_t *pool, ngx_list_t *dst,
    ngx_list_t *src, ngx_uint_t in);
static ngx_table_elt_t *ngx_http_9p_elt_map(ngx_list_t *from,
    ngx_list_t *to, ngx_table_elt_t *h);
static ngx_int_t ngx_http_9p_refs_move(u_char *hdrs, const size_t *offs,
    size_t size, ngx_list_t *from, ngx_list_t *to);
static ngx_int_t ngx_http_9p_array_move(ngx_pool_t *pool, ngx_array_t *a,
    ngx_list_t *from, ngx_list_t *to);
static u_char *ngx_http_9p_dup(ngx_pool_t *pool, u_char *data, size_t len);
static ngx_int_t ngx_http_9p_str_copy(ngx_pool_t *pool, ngx_str_t *s);
static ngx_int_t ngx_http_9p_str_move(ngx_http_request_t *nr, ngx_str_t *s,
    ngx_http_request_t *r);
static ngx_int_t ngx_http_9p_copy(ngx_http_request_t *nr,
    ngx_http_request_t *r, ngx_uint_t nvars);
static void ngx_http_9p_free_header_buffers(ngx_connection_t *c,
    ngx_http_connection_t *hc);


ngx_http_request_t *
ngx_http_9p_request_compact(ngx_http_request_t *r, ngx_pool_cleanup_pt keep)
{
    size_t                      size;
    ngx_uint_t                  nvars;
    ngx_pool_t                 *pool;
    ngx_connection_t           *c;
    ngx_http_log_ctx_t         *lctx;
    ngx_pool_cleanup_t         *cln, *old;
    ngx_http_request_t         *nr;
    ngx_http_core_main_conf_t  *cmcf;

    c = r->connection;

    if (!ngx_http_9p_movable(r, keep)) {
        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, c->log, 0,
                       "9p: request left as it is");
        return NULL;
    }

    cmcf = ngx_http_get_module_main_conf(r, ngx_http_core_module);
    nvars = cmcf->variables.nelts;

    size = ngx_http_9p_need(r, nvars);

    pool = ngx_create_pool(size, c->log);
    if (pool == NULL) {
        return NULL;
    }

    nr = ngx_palloc(pool, sizeof(ngx_http_request_t));
    if (nr == NULL) {
        goto failed;
    }

    ngx_memcpy(nr, r, sizeof(ngx_http_request_t));
    nr->pool = pool;

    if (ngx_http_9p_copy(nr, r, nvars) != NGX_OK) {
        goto failed;
    }

    cln = ngx_pool_cleanup_add(pool, 0);
    if (cln == NULL) {
        goto failed;
    }

    /* ngx_http_9p_movable() found exactly one */
    for (old = r->pool->cleanup; old->handler != keep; old = old->next) {
        /* void */
    }

    cln->handler = keep;
    cln->data = old->data;

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, c->log, 0,
                   "9p: request compacted into %uz bytes (%uz used), %p",
                   size, (size_t) (pool->d.last - (u_char *) pool), nr);

    /* the copy takes over: nothing of r is used after this */

    c->data = nr;

    lctx = c->log->data;
    lctx->request = nr;
    lctx->current_request = nr;

    old->handler = NULL;
    ngx_destroy_pool(r->pool);

    ngx_http_9p_free_header_buffers(c, nr->http_connection);

    return nr;

failed:

    ngx_destroy_pool(pool);
    return NULL;
}


/* Whether all that r holds is known here, so that a copy is the same. */

static ngx_uint_t
ngx_http_9p_movable(ngx_http_request_t *r, ngx_pool_cleanup_pt keep)
{
    ngx_uint_t           m, kept;
    ngx_module_t        *mod;
    const char         **name;
    ngx_pool_large_t    *l;
    ngx_pool_cleanup_t  *cln;

    if (r != r->main || r->parent || r->out || r->postponed
        || r->posted_requests || r->cleanup || r->request_body
        || r->upstream || r->upstream_states || r->stream || r->buffered
        || r->headers_out.content_type_lowcase
        || r->connection->log->data == NULL
#if (NGX_HTTP_CACHE)
        || r->cache
#endif
#if (NGX_PCRE)
        || r->captures || r->captures_data
#endif
        )
    {
        return 0;
    }

    /* every module context but the session's must be one to drop */
    for (m = 0; ngx_cycle->modules[m]; m++) {
        mod = ngx_cycle->modules[m];

        if (mod->type != NGX_HTTP_MODULE || r->ctx[mod->ctx_index] == NULL
            || mod == &ngx_http_9p_module)
        {
            continue;
        }

        for (name = ngx_http_9p_done_with; *name; name++) {
            if (ngx_strcmp(mod->name, *name) == 0) {
                break;
            }
        }

        if (*name == NULL) {
            return 0;
        }
    }

    for (l = r->pool->large; l; l = l->next) {
        if (l->alloc) {
            return 0;
        }
    }

    kept = 0;

    for (cln = r->pool->cleanup; cln; cln = cln->next) {
        if (cln->handler == keep) {
            kept++;

        } else if (cln->handler) {
            return 0;
        }
    }

    return kept == 1
           && r->headers_in.headers.size == sizeof(ngx_table_elt_t)
           && r->headers_out.headers.size == sizeof(ngx_table_elt_t)
           && r->headers_out.trailers.size == sizeof(ngx_table_elt_t);
}


/*
 * What the copy takes, as ngx_http_9p_copy() allocates it: each aligned
 * allocation may add up to NGX_ALIGNMENT - 1 bytes (at most 12 of them:
 * the request, contexts, variables, header_in, three lists, four arrays,
 * the cleanup), each copied string a NUL.
 */

static size_t
ngx_http_9p_need(ngx_http_request_t *r, ngx_uint_t nvars)
{
    size_t                      size;
    ngx_uint_t                  i;
    ngx_http_variable_value_t  *v;

    size = sizeof(ngx_pool_t)
           + sizeof(ngx_http_request_t)
           + sizeof(void *) * ngx_http_max_module
           + sizeof(ngx_http_variable_value_t) * nvars
           + sizeof(ngx_buf_t)
           + sizeof(ngx_pool_cleanup_t)
           + 12 * NGX_ALIGNMENT;

    size += ngx_http_9p_list_need(&r->headers_in.headers, 1)
            + ngx_http_9p_list_need(&r->headers_out.headers, 0)
            + ngx_http_9p_list_need(&r->headers_out.trailers, 0);

    size += ngx_http_9p_array_need(&r->headers_in.cookies)
#if (NGX_HTTP_X_FORWARDED_FOR)
            + ngx_http_9p_array_need(&r->headers_in.x_forwarded_for)
#endif
            + ngx_http_9p_array_need(&r->headers_out.cache_control)
            + ngx_http_9p_array_need(&r->headers_out.link);

    size += ngx_http_9p_str_need(&r->request_line, NULL)
            + ngx_http_9p_str_need(&r->uri, &r->request_line)
            + ngx_http_9p_str_need(&r->args, &r->request_line)
            + ngx_http_9p_str_need(&r->exten, &r->request_line)
            + ngx_http_9p_str_need(&r->unparsed_uri, &r->request_line)
            + ngx_http_9p_str_need(&r->method_name, &r->request_line)
            + ngx_http_9p_str_need(&r->http_protocol, &r->request_line)
            + ngx_http_9p_str_need(&r->schema, &r->request_line)
            + ngx_http_9p_str_need(&r->headers_in.user, NULL)
            + ngx_http_9p_str_need(&r->headers_in.passwd, NULL)
            + ngx_http_9p_str_need(&r->headers_in.server, NULL)
            + ngx_http_9p_str_need(&r->headers_out.status_line, NULL)
            + ngx_http_9p_str_need(&r->headers_out.content_type, NULL)
            + ngx_http_9p_str_need(&r->headers_out.charset, NULL);

    for (i = 0; r->variables && i < nvars; i++) {
        v = &r->variables[i];

        if (v->valid && !v->not_found && v->data) {
            size += v->len + 1;
        }
    }

    return ngx_align(size, NGX_ALIGNMENT);
}


static size_t
ngx_http_9p_list_need(ngx_list_t *l, ngx_uint_t in)
{
    size_t            size;
    ngx_uint_t        i, n;
    ngx_table_elt_t  *h;
    ngx_list_part_t  *part;

    size = 0;
    n = 0;

    for (part = &l->part; part; part = part->next) {
        h = part->elts;

        for (i = 0; i < part->nelts; i++) {
            size += ngx_http_9p_str_need(&h[i].key, NULL)
                    + ngx_http_9p_str_need(&h[i].value, NULL);

            if (in && h[i].lowcase_key) {
                size += h[i].key.len + 1;
            }
        }

        n += part->nelts;
    }

    return size + ngx_max(n, 1) * sizeof(ngx_table_elt_t);
}


static size_t
ngx_http_9p_array_need(ngx_array_t *a)
{
    return a->elts ? ngx_max(a->nelts, 1) * sizeof(ngx_table_elt_t *) : 0;
}


/* What copying s takes: nothing if it lies within within (moved). */

static size_t
ngx_http_9p_str_need(ngx_str_t *s, ngx_str_t *within)
{
    if (s->data == NULL || s->len == 0
        || (within && within->data
            && s->data >= within->data
            && s->data + s->len <= within->data + within->len))
    {
        return 0;
    }

    return s->len + 1;
}


/* Everything of nr (a copy of r) that pointed into r's memory, copied. */

static ngx_int_t
ngx_http_9p_copy(ngx_http_request_t *nr, ngx_http_request_t *r,
    ngx_uint_t nvars)
{
    ngx_uint_t                  i;
    ngx_list_t                 *from, *to;
    ngx_pool_t                 *pool;
    ngx_http_variable_value_t  *v;

    pool = nr->pool;

    nr->main = nr;

    /* the session's context alone (see ngx_http_9p_movable) */
    nr->ctx = ngx_pcalloc(pool, sizeof(void *) * ngx_http_max_module);
    if (nr->ctx == NULL) {
        return NGX_ERROR;
    }

    nr->ctx[ngx_http_9p_module.ctx_index] =
                                        r->ctx[ngx_http_9p_module.ctx_index];

    if (r->variables) {
        nr->variables = ngx_palloc(pool,
                                   sizeof(ngx_http_variable_value_t) * nvars);
        if (nr->variables == NULL) {
            return NGX_ERROR;
        }

        ngx_memcpy(nr->variables, r->variables,
                   sizeof(ngx_http_variable_value_t) * nvars);

        for (i = 0; i < nvars; i++) {
            v = &nr->variables[i];

            /* only a value that can be read again points anywhere */
            if (!v->valid || v->not_found || v->data == NULL) {
                v->data = NULL;
                v->len = 0;
                continue;
            }

            v->data = ngx_http_9p_dup(pool, v->data, v->len);
            if (v->data == NULL) {
                return NGX_ERROR;
            }
        }
    }

    /* an empty buffer: nothing pipelined is left (ws_start took it) */
    nr->header_in = ngx_pcalloc(pool, sizeof(ngx_buf_t));
    if (nr->header_in == NULL) {
        return NGX_ERROR;
    }

    /* the request line, and what of it its parts are */
    if (ngx_http_9p_str_copy(pool, &nr->request_line) != NGX_OK) {
        return NGX_ERROR;
    }

    if (ngx_http_9p_str_move(nr, &nr->uri, r) != NGX_OK
        || ngx_http_9p_str_move(nr, &nr->args, r) != NGX_OK
        || ngx_http_9p_str_move(nr, &nr->exten, r) != NGX_OK
        || ngx_http_9p_str_move(nr, &nr->unparsed_uri, r) != NGX_OK
        || ngx_http_9p_str_move(nr, &nr->method_name, r) != NGX_OK
        || ngx_http_9p_str_move(nr, &nr->http_protocol, r) != NGX_OK
        || ngx_http_9p_str_move(nr, &nr->schema, r) != NGX_OK)
    {
        return NGX_ERROR;
    }

    /*
     * where the parser was, the pointers from header_name_start to
     * port_end (the last field but the version): nothing reads them after
     */
    ngx_memzero(&nr->header_name_start,
                (u_char *) (&nr->port_end + 1)
                - (u_char *) &nr->header_name_start);

    /* the headers in */
    from = &r->headers_in.headers;
    to = &nr->headers_in.headers;

    if (ngx_http_9p_list_copy(pool, to, from, 1) != NGX_OK
        || ngx_http_9p_refs_move((u_char *) &nr->headers_in,
                                 ngx_http_9p_in_refs,
                                 sizeof(ngx_http_9p_in_refs), from, to)
           != NGX_OK
        || ngx_http_9p_array_move(pool, &nr->headers_in.cookies, from, to)
           != NGX_OK
#if (NGX_HTTP_X_FORWARDED_FOR)
        || ngx_http_9p_array_move(pool, &nr->headers_in.x_forwarded_for,
                                  from, to)
           != NGX_OK
#endif
        || ngx_http_9p_str_copy(pool, &nr->headers_in.user) != NGX_OK
        || ngx_http_9p_str_copy(pool, &nr->headers_in.passwd) != NGX_OK
        || ngx_http_9p_str_copy(pool, &nr->headers_in.server) != NGX_OK)
    {
        return NGX_ERROR;
    }

    /* the headers out (the 101's), for $sent_http_* */
    from = &r->headers_out.headers;
    to = &nr->headers_out.headers;

    if (ngx_http_9p_list_copy(pool, to, from, 0) != NGX_OK
        || ngx_http_9p_list_copy(pool, &nr->headers_out.trailers,
                                 &r->headers_out.trailers, 0)
           != NGX_OK
        || ngx_http_9p_refs_move((u_char *) &nr->headers_out,
                                 ngx_http_9p_out_refs,
                                 sizeof(ngx_http_9p_out_refs), from, to)
           != NGX_OK
        || ngx_http_9p_array_move(pool, &nr->headers_out.cache_control,
                                  from, to)
           != NGX_OK
        || ngx_http_9p_array_move(pool, &nr->headers_out.link, from, to)
           != NGX_OK
        || ngx_http_9p_str_copy(pool, &nr->headers_out.status_line) != NGX_OK
        || ngx_http_9p_str_copy(pool, &nr->headers_out.content_type)
           != NGX_OK
        || ngx_http_9p_str_copy(pool, &nr->headers_out.charset) != NGX_OK)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * dst: a list with one part of the elements of src, and their strings.
 * Only request headers have lowcase keys: a response header's is not
 * always set (nothing reads it).
 */

static ngx_int_t
ngx_http_9p_list_copy(ngx_pool_t *pool, ngx_list_t *dst, ngx_list_t *src,
    ngx_uint_t in)
{
    ngx_uint_t        i, n;
    ngx_table_elt_t  *h, *e;
    ngx_list_part_t  *part;

    n = 0;

    for (part = &src->part; part; part = part->next) {
        n += part->nelts;
    }

    e = ngx_palloc(pool, ngx_max(n, 1) * sizeof(ngx_table_elt_t));
    if (e == NULL) {
        return NGX_ERROR;
    }

    dst->part.elts = e;
    dst->part.nelts = n;
    dst->part.next = NULL;
    dst->last = &dst->part;
    dst->size = sizeof(ngx_table_elt_t);
    dst->nalloc = ngx_max(n, 1);
    dst->pool = pool;

    for (part = &src->part; part; part = part->next) {
        h = part->elts;

        for (i = 0; i < part->nelts; i++, e++) {
            *e = h[i];

            if (ngx_http_9p_str_copy(pool, &e->key) != NGX_OK
                || ngx_http_9p_str_copy(pool, &e->value) != NGX_OK)
            {
                return NGX_ERROR;
            }

            if (!in) {
                e->lowcase_key = NULL;

            } else if (e->lowcase_key) {
                e->lowcase_key = ngx_http_9p_dup(pool, e->lowcase_key,
                                                 e->key.len);
                if (e->lowcase_key == NULL) {
                    return NGX_ERROR;
                }
            }
        }
    }

    return NGX_OK;
}


/* The copy in to of header h of from; NULL if h is not in from. */

static ngx_table_elt_t *
ngx_http_9p_elt_map(ngx_list_t *from, ngx_list_t *to, ngx_table_elt_t *h)
{
    ngx_uint_t        n;
    ngx_table_elt_t  *elts;
    ngx_list_part_t  *part;

    n = 0;

    for (part = &from->part; part; part = part->next) {
        elts = part->elts;

        if (h >= elts && h < elts + part->nelts) {
            return (ngx_table_elt_t *) to->part.elts + n + (h - elts);
        }

        n += part->nelts;
    }

    return NULL;
}


/* The fields at offs (a table of size bytes) of nr's hdrs, moved. */

static ngx_int_t
ngx_http_9p_refs_move(u_char *hdrs, const size_t *offs, size_t size,
    ngx_list_t *from, ngx_list_t *to)
{
    ngx_uint_t         i;
    ngx_table_elt_t   *h, *e;

    for (i = 0; i < size / sizeof(size_t); i++) {
        h = *(ngx_table_elt_t **) (hdrs + offs[i]);

        if (h == NULL) {
            continue;
        }

        e = ngx_http_9p_elt_map(from, to, h);
        if (e == NULL) {
            return NGX_ERROR;
        }

        *(ngx_table_elt_t **) (hdrs + offs[i]) = e;
    }

    return NGX_OK;
}


/* An array of nr's that points at r's headers (Cookie, ...), moved. */

static ngx_int_t
ngx_http_9p_array_move(ngx_pool_t *pool, ngx_array_t *a, ngx_list_t *from,
    ngx_list_t *to)
{
    ngx_uint_t         i;
    ngx_table_elt_t  **h, **e;

    if (a->elts == NULL) {
        return NGX_OK;
    }

    if (a->size != sizeof(ngx_table_elt_t *)) {
        return NGX_ERROR;
    }

    e = ngx_palloc(pool, ngx_max(a->nelts, 1) * sizeof(ngx_table_elt_t *));
    if (e == NULL) {
        return NGX_ERROR;
    }

    h = a->elts;

    for (i = 0; i < a->nelts; i++) {
        e[i] = ngx_http_9p_elt_map(from, to, h[i]);
        if (e[i] == NULL) {
            return NGX_ERROR;
        }
    }

    a->elts = e;
    a->nalloc = ngx_max(a->nelts, 1);
    a->pool = pool;

    return NGX_OK;
}


/* len bytes at data copied into pool with a NUL after them. */

static u_char *
ngx_http_9p_dup(ngx_pool_t *pool, u_char *data, size_t len)
{
    u_char  *p;

    p = ngx_pnalloc(pool, len + 1);
    if (p == NULL) {
        return NULL;
    }

    ngx_memcpy(p, data, len);
    p[len] = '\0';

    return p;
}


/* s copied into pool with a NUL after it; an empty string stays empty. */

static ngx_int_t
ngx_http_9p_str_copy(ngx_pool_t *pool, ngx_str_t *s)
{
    if (s->data == NULL) {
        return NGX_OK;
    }

    s->data = s->len ? ngx_http_9p_dup(pool, s->data, s->len)
                     : (u_char *) "";

    return s->data ? NGX_OK : NGX_ERROR;
}


/* s of nr inside r's request line: in nr's copy of it; or a copy. */

static ngx_int_t
ngx_http_9p_str_move(ngx_http_request_t *nr, ngx_str_t *s,
    ngx_http_request_t *r)
{
    if (s->data && s->len && ngx_http_9p_str_need(s, &r->request_line) == 0) {
        s->data = nr->request_line.data + (s->data - r->request_line.data);
        return NGX_OK;
    }

    return ngx_http_9p_str_copy(nr->pool, s);
}


/*
 * The client header buffer and any large header buffers, freed as
 * ngx_http_set_keepalive() frees them: the request no longer points into
 * them, and no more requests come on this connection.
 */

static void
ngx_http_9p_free_header_buffers(ngx_connection_t *c,
    ngx_http_connection_t *hc)
{
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    for (cl = hc->busy; cl; cl = cl->next) {
        (void) ngx_pfree(c->pool, cl->buf->start);
    }

    for (cl = hc->free; cl; cl = cl->next) {
        (void) ngx_pfree(c->pool, cl->buf->start);
    }

    hc->busy = NULL;
    hc->free = NULL;
    hc->nbusy = 0;

    b = c->buffer;

    if (b && b->start && ngx_pfree(c->pool, b->start) == NGX_OK) {
        b->start = NULL;
        b->pos = NULL;
        b->last = NULL;
        b->end = NULL;
    }
}
