/*
 * The few pieces of nginx's core that the kernel's plain-data files
 * (ngx_http_9p_mnt.c, ngx_http_9p_dev.c) call, for their unit tests:
 * nginx-dev ships headers, not the core's objects.  A pool is a list of
 * malloc'ed blocks freed together (valgrind sees every one), an array
 * grows in its pool as nginx's does, and ngx_slprintf knows the formats
 * those files use (%s %V %*s %ui %uD %d).
 */

#include <ngx_config.h>
#include <ngx_core.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>


typedef struct shim_block_s  shim_block_t;

struct shim_block_s {
    shim_block_t  *next;
    max_align_t    data[];
};


static ngx_time_t           shim_time;
volatile ngx_time_t        *ngx_cached_time = &shim_time;


ngx_pool_t *
ngx_create_pool(size_t size, ngx_log_t *log)
{
    ngx_pool_t  *pool;

    (void) size;

    pool = calloc(1, sizeof(ngx_pool_t));
    if (pool) {
        pool->log = log;
    }

    return pool;
}


void
ngx_destroy_pool(ngx_pool_t *pool)
{
    shim_block_t  *b, *next;

    for (b = (shim_block_t *) pool->large; b; b = next) {
        next = b->next;
        free(b);
    }

    free(pool);
}


void *
ngx_palloc(ngx_pool_t *pool, size_t size)
{
    shim_block_t  *b;

    b = malloc(sizeof(shim_block_t) + size);
    if (b == NULL) {
        return NULL;
    }

    b->next = (shim_block_t *) pool->large;
    pool->large = (ngx_pool_large_t *) b;

    return b->data;
}


void *
ngx_pnalloc(ngx_pool_t *pool, size_t size)
{
    return ngx_palloc(pool, size);
}


void *
ngx_pcalloc(ngx_pool_t *pool, size_t size)
{
    void  *p;

    p = ngx_palloc(pool, size);
    if (p) {
        memset(p, 0, size);
    }

    return p;
}


void *
ngx_array_push(ngx_array_t *a)
{
    void  *elts;

    if (a->nelts == a->nalloc) {
        elts = ngx_palloc(a->pool, 2 * a->nalloc * a->size);
        if (elts == NULL) {
            return NULL;
        }

        memcpy(elts, a->elts, a->nelts * a->size);
        a->elts = elts;
        a->nalloc *= 2;
    }

    return (u_char *) a->elts + a->size * a->nelts++;
}


u_char * ngx_cdecl
ngx_slprintf(u_char *buf, u_char *last, const char *fmt, ...)
{
    int         n;
    char        spec, tmp[4096];
    va_list     args;
    ngx_str_t  *v;
    u_char     *p, *s;

    p = buf;
    va_start(args, fmt);

    while (*fmt && p < last) {
        if (*fmt != '%') {
            *p++ = *fmt++;
            continue;
        }

        fmt++;
        spec = *fmt++;

        if (spec == 's') {
            n = snprintf(tmp, sizeof(tmp), "%s", va_arg(args, char *));

        } else if (spec == 'V') {
            v = va_arg(args, ngx_str_t *);
            n = snprintf(tmp, sizeof(tmp), "%.*s", (int) v->len,
                         (char *) v->data);

        } else if (spec == '*' && *fmt == 's') {
            fmt++;
            n = (int) va_arg(args, size_t);
            s = va_arg(args, u_char *);
            n = snprintf(tmp, sizeof(tmp), "%.*s", n, (char *) s);

        } else if (spec == 'u' && *fmt == 'i') {
            fmt++;
            n = snprintf(tmp, sizeof(tmp), "%lu",
                         (unsigned long) va_arg(args, ngx_uint_t));

        } else if (spec == 'u' && *fmt == 'D') {
            fmt++;
            n = snprintf(tmp, sizeof(tmp), "%u", va_arg(args, uint32_t));

        } else if (spec == 'd') {
            n = snprintf(tmp, sizeof(tmp), "%d", va_arg(args, int));

        } else {
            abort();    /* a format this shim was not taught */
        }

        n = ngx_min(n, (int) sizeof(tmp) - 1);
        n = ngx_min(n, (int) (last - p));
        p = ngx_cpymem(p, tmp, n);
    }

    va_end(args);

    return p;
}
