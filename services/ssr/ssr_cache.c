
/*
 * Ten: ten-ssr -- rendered pages in a bounded LRU.
 *
 * A page is found by (VFS qid path, qid version, user, path): a file
 * changed on the VFS has a new version and so renders afresh, and no page
 * is ever shared between users.  Versions of the same (qid path, user,
 * path) share a hash chain, and a new one replaces the old.  Pages are
 * reference counted: one that is evicted while fids still read it lives
 * until the last of them is clunked.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ssr.h"


#define SSR_CACHE_BUCKETS  4096


struct ssr_cache_s {
    pthread_mutex_t     lock;
    size_t              max;
    size_t              bytes;
    size_t              pages;
    unsigned long       hits;
    unsigned long       misses;
    ssr_page_t         *head;       /* most recently used */
    ssr_page_t         *tail;
    ssr_page_t         *buckets[SSR_CACHE_BUCKETS];
};


static unsigned
page_hash(uint64_t qpath, const char *user, const char *path)
{
    unsigned     h;
    const char  *p;

    /* FNV-1a */
    h = 2166136261u;

    for (p = (const char *) &qpath; p < (const char *) (&qpath + 1); p++) {
        h = (h ^ (unsigned char) *p) * 16777619u;
    }

    for (p = user; *p; p++) {
        h = (h ^ (unsigned char) *p) * 16777619u;
    }

    h = (h ^ 0xff) * 16777619u;

    for (p = path; *p; p++) {
        h = (h ^ (unsigned char) *p) * 16777619u;
    }

    return h;
}


ssr_cache_t *
ssr_cache_new(size_t max)
{
    ssr_cache_t  *c;

    c = calloc(1, sizeof(ssr_cache_t));
    if (c == NULL) {
        return NULL;
    }

    c->max = max;
    pthread_mutex_init(&c->lock, NULL);

    return c;
}


static void
page_free(ssr_page_t *p)
{
    free(p->data);
    free(p->path);
    free(p);
}


void
ssr_cache_free(ssr_cache_t *c)
{
    ssr_page_t  *p, *next;

    if (c == NULL) {
        return;
    }

    for (p = c->head; p; p = next) {
        next = p->next;

        if (--p->refs == 0) {
            page_free(p);
        }
    }

    pthread_mutex_destroy(&c->lock);
    free(c);
}


ssr_page_t *
ssr_page_new(char *data, size_t len, uint64_t qpath, uint32_t qversion,
    const char *user, const char *path)
{
    ssr_page_t  *p;

    p = calloc(1, sizeof(ssr_page_t));
    if (p == NULL) {
        return NULL;
    }

    p->path = strdup(path);
    if (p->path == NULL) {
        free(p);
        return NULL;
    }

    p->data = data;
    p->len = len;
    p->qpath = qpath;
    p->qversion = qversion;
    snprintf(p->user, sizeof(p->user), "%s", user);
    p->hash = page_hash(qpath, p->user, path);
    p->refs = 1;

    return p;
}


/* Drops a reference; c may be NULL for a page that was never kept. */

void
ssr_page_put(ssr_cache_t *c, ssr_page_t *p)
{
    unsigned  refs;

    if (p == NULL) {
        return;
    }

    if (c) {
        pthread_mutex_lock(&c->lock);
    }

    refs = --p->refs;

    if (c) {
        pthread_mutex_unlock(&c->lock);
    }

    if (refs == 0) {
        page_free(p);
    }
}


static void
lru_unlink(ssr_cache_t *c, ssr_page_t *p)
{
    if (p->prev) {
        p->prev->next = p->next;
    } else {
        c->head = p->next;
    }

    if (p->next) {
        p->next->prev = p->prev;
    } else {
        c->tail = p->prev;
    }

    p->prev = p->next = NULL;
}


static void
lru_front(ssr_cache_t *c, ssr_page_t *p)
{
    p->prev = NULL;
    p->next = c->head;

    if (c->head) {
        c->head->prev = p;
    } else {
        c->tail = p;
    }

    c->head = p;
}


/* Locked: p leaves the cache (and its reference with it, unless 0). */

static void
cache_drop(ssr_cache_t *c, ssr_page_t *p)
{
    ssr_page_t  **pp;

    for (pp = &c->buckets[p->hash % SSR_CACHE_BUCKETS]; *pp;
         pp = &(*pp)->hnext)
    {
        if (*pp == p) {
            *pp = p->hnext;
            break;
        }
    }

    p->hnext = NULL;
    lru_unlink(c, p);
    c->bytes -= p->len;
    c->pages--;

    if (--p->refs == 0) {
        page_free(p);
    }
}


static int
page_same(const ssr_page_t *p, uint64_t qpath, const char *user,
    const char *path)
{
    return p->qpath == qpath && strcmp(p->user, user) == 0
           && strcmp(p->path, path) == 0;
}


ssr_page_t *
ssr_cache_get(ssr_cache_t *c, uint64_t qpath, uint32_t qversion,
    const char *user, const char *path)
{
    unsigned     h;
    ssr_page_t  *p;

    h = page_hash(qpath, user, path);

    pthread_mutex_lock(&c->lock);

    for (p = c->buckets[h % SSR_CACHE_BUCKETS]; p; p = p->hnext) {
        if (p->hash == h && p->qversion == qversion
            && page_same(p, qpath, user, path))
        {
            break;
        }
    }

    if (p) {
        p->refs++;
        lru_unlink(c, p);
        lru_front(c, p);
        c->hits++;

    } else {
        c->misses++;
    }

    pthread_mutex_unlock(&c->lock);

    return p;
}


void
ssr_cache_put(ssr_cache_t *c, ssr_page_t *p)
{
    ssr_page_t  *o, *next;

    if (c->max == 0 || p->len > c->max / 2) {
        return;     /* never kept: it would push out everything */
    }

    pthread_mutex_lock(&c->lock);

    if (p->prev || p->next || c->head == p) {
        pthread_mutex_unlock(&c->lock);
        return;     /* already kept */
    }

    /* other versions of it (or the same one rendered twice at once) */
    for (o = c->buckets[p->hash % SSR_CACHE_BUCKETS]; o; o = next) {
        next = o->hnext;

        if (o->hash == p->hash && page_same(o, p->qpath, p->user, p->path)) {
            cache_drop(c, o);
        }
    }

    while (c->tail && c->bytes + p->len > c->max) {
        cache_drop(c, c->tail);
    }

    p->refs++;
    p->hnext = c->buckets[p->hash % SSR_CACHE_BUCKETS];
    c->buckets[p->hash % SSR_CACHE_BUCKETS] = p;
    lru_front(c, p);
    c->bytes += p->len;
    c->pages++;

    pthread_mutex_unlock(&c->lock);
}


void
ssr_cache_counts(ssr_cache_t *c, size_t *pages, size_t *bytes,
    unsigned long *hits, unsigned long *misses)
{
    pthread_mutex_lock(&c->lock);
    *pages = c->pages;
    *bytes = c->bytes;
    *hits = c->hits;
    *misses = c->misses;
    pthread_mutex_unlock(&c->lock);
}
