
/*
 * Ten: ten-ssr -- HTML views of the VFS's files, read as the requesting
 * user (DESIGN.md §4).
 *
 * The kernel attaches as the session's user; ten-ssr walks, opens and
 * reads the same path on the VFS as that user (it speaks for users there),
 * renders one HTML5 document and serves it as the content of the view.
 * Rendering (ssr_render.c) is pure: bytes and a name in, a page out.
 */

#ifndef _SSR_H_INCLUDED_
#define _SSR_H_INCLUDED_


#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "ninep.h"
#include "tenkey.h"
#include "client.h"


#define SSR_PATH_MAX       4096     /* bytes of a view's path */
#define SSR_DEPTH_MAX      256      /* names in a view's path */
#define SSR_ENTRIES_MAX    65536    /* entries listed of a directory */


/* ------------------------------------------------------------ ssr_html.c */

/* A growing buffer; once failed (out of memory, over max) it stays so. */
typedef struct {
    char               *data;
    size_t              len;
    size_t              cap;
    size_t              max;        /* 0: no bound */
    int                 failed;     /* SSR_BUF_* */
} ssr_buf_t;

#define SSR_BUF_NOMEM      1
#define SSR_BUF_OVER       2

void ssr_buf_init(ssr_buf_t *b, size_t max);
void ssr_buf_free(ssr_buf_t *b);
void ssr_buf_add(ssr_buf_t *b, const void *p, size_t n);
void ssr_buf_str(ssr_buf_t *b, const char *s);
void ssr_buf_fmt(ssr_buf_t *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Text for HTML content or a quoted attribute: & < > " ' escaped, bytes
 * that are not UTF-8 as U+FFFD, control characters as their pictures. */
void ssr_html_text(ssr_buf_t *b, const char *s, size_t n);

/* Bytes for a URL path: all but [A-Za-z0-9._~/-] percent-encoded. */
void ssr_url_path(ssr_buf_t *b, const char *s, size_t n);

void ssr_base64(ssr_buf_t *b, const uint8_t *p, size_t n);

/* The length of the UTF-8 sequence at s (1..4), or 0 if it is not one. */
size_t ssr_utf8_seq(const uint8_t *s, size_t n, uint32_t *cp);

/* Whether s is UTF-8 without NUL: text, not binary. */
int ssr_utf8_text(const uint8_t *s, size_t n);


/* ---------------------------------------------------------- ssr_render.c */

typedef struct {
    const char         *name;
    size_t              name_len;
    const char         *uid;
    size_t              uid_len;
    uint64_t            length;
    uint32_t            mode;
    uint32_t            mtime;
} ssr_entry_t;


typedef enum {
    SSR_PAGE_DIR = 0,
    SSR_PAGE_MARKDOWN,
    SSR_PAGE_TEXT,
    SSR_PAGE_BINARY,
    SSR_PAGE_IMAGE,
    SSR_PAGE_IMAGE_LARGE,
    SSR_PAGE_LARGE
} ssr_page_kind_t;


typedef struct {
    uint64_t            max_size;   /* a larger file is not rendered */
    uint64_t            max_image;  /* a larger image is not inlined */
    const char         *route;      /* links: route + "/" + path */
} ssr_limits_t;


/* What a page shows. */
typedef struct {
    const char         *path;       /* from the root, no leading "/" */
    size_t              path_len;
    int                 isdir;
    uint64_t            size;       /* the file's length */
    const uint8_t      *data;       /* its bytes, when ssr_wants_data() */
    size_t              len;
    ssr_entry_t        *entries;    /* a directory's, sorted here */
    size_t              nentries;
    int                 more;       /* entries left out (too many) */
} ssr_doc_t;


/* Whether a file of this name and size is read to be rendered. */
int ssr_wants_data(const char *path, size_t path_len, uint64_t size,
    const ssr_limits_t *lim);

ssr_page_kind_t ssr_page_kind(const ssr_doc_t *d, const ssr_limits_t *lim);

/*
 * The page for d into out (ssr_buf_init'ed by the caller, its max bounds
 * the page): 0, or -1 out of memory.  Always one complete HTML5 document
 * in UTF-8 with no scripts; a page over out's bound becomes a short one
 * saying the file is too large to render.
 */
int ssr_render(const ssr_doc_t *d, const ssr_limits_t *lim, ssr_buf_t *out);

const char *ssr_page_name(ssr_page_kind_t kind);


/* ----------------------------------------------------------- ssr_cache.c */

/* A rendered page: shared, immutable, freed with its last reference. */
typedef struct ssr_page_s  ssr_page_t;

struct ssr_page_s {
    char               *data;
    size_t              len;
    uint64_t            qpath;
    uint32_t            qversion;
    char                user[TEN_NAME_MAX + 1];
    char               *path;
    unsigned            refs;
    unsigned            hash;
    ssr_page_t         *hnext;      /* hash chain */
    ssr_page_t         *prev;       /* LRU, most recent first */
    ssr_page_t         *next;
};

typedef struct ssr_cache_s  ssr_cache_t;

/* max bytes of pages kept; 0 keeps none */
ssr_cache_t *ssr_cache_new(size_t max);
void ssr_cache_free(ssr_cache_t *c);

/* The page of (qpath, version, user, path) with a reference, or NULL. */
ssr_page_t *ssr_cache_get(ssr_cache_t *c, uint64_t qpath, uint32_t qversion,
    const char *user, const char *path);

/* Keeps p (taking a reference), replacing older versions of it. */
void ssr_cache_put(ssr_cache_t *c, ssr_page_t *p);

/* A new page holding data (taken), one reference; NULL: out of memory. */
ssr_page_t *ssr_page_new(char *data, size_t len, uint64_t qpath,
    uint32_t qversion, const char *user, const char *path);
void ssr_page_put(ssr_cache_t *c, ssr_page_t *p);

void ssr_cache_counts(ssr_cache_t *c, size_t *pages, size_t *bytes,
    unsigned long *hits, unsigned long *misses);


/* ------------------------------------------------------------- ssr_vfs.c */

/*
 * A 9P2000 client of the VFS for many threads at once: one connection,
 * authenticated as ssr with ten-auth-1, requests multiplexed by tag; a
 * root fid attached for each user (ssr has speaks-for there), kept for a
 * while.  A lost connection fails what was in flight ("unavailable: ...")
 * and is dialled again by the next request.
 */

typedef struct ssr_vfs_s  ssr_vfs_t;

/* where the VFS is and who ten-ssr is to it (a client's, services/lib) */
typedef cli_conf_t  ssr_vfs_conf_t;

/* What a request holds on the VFS: a user's root and the fids it made. */
typedef struct {
    ssr_vfs_t          *vfs;
    unsigned            gen;        /* of the connection they are on */
    uint32_t            root;
    void               *rootent;
} ssr_vfs_user_t;

ssr_vfs_t *ssr_vfs_new(const ssr_vfs_conf_t *conf);
void ssr_vfs_free(ssr_vfs_t *v);

/* Each returns 0, or -1 with err: the VFS's Rerror text as it is, or
 * "unavailable: why". */

int ssr_vfs_attach(ssr_vfs_t *v, const char *user, ssr_vfs_user_t *u,
    ninep_qid_t *qid, char *err, size_t errlen);
void ssr_vfs_detach(ssr_vfs_user_t *u);

/*
 * Walks a new fid from the user's root along n names.  All walked: 0,
 * *fid and qids[0..n).  Else -1, *done names walked (their qids filled)
 * and err the VFS's reason for name done.
 */
int ssr_vfs_walk(ssr_vfs_user_t *u, const ninep_str_t *names, size_t n,
    uint32_t *fid, ninep_qid_t *qids, size_t *done, char *err,
    size_t errlen);

int ssr_vfs_open(ssr_vfs_user_t *u, uint32_t fid, uint8_t mode,
    ninep_qid_t *qid, char *err, size_t errlen);

/* Rstat: *msg is malloc'd, st points into it. */
int ssr_vfs_stat(ssr_vfs_user_t *u, uint32_t fid, ninep_stat_t *st,
    uint8_t **msg, char *err, size_t errlen);

/* Reads an open fid from 0 to its end, up to max bytes (more: *more). */
int ssr_vfs_read_all(ssr_vfs_user_t *u, uint32_t fid, size_t max,
    uint8_t **data, size_t *len, int *more, char *err, size_t errlen);

void ssr_vfs_clunk(ssr_vfs_user_t *u, uint32_t fid);

void ssr_vfs_counts(ssr_vfs_t *v, unsigned *dials, unsigned *outstanding);


/* ------------------------------------------------------------- ssr_ops.c */

typedef struct {
    ssr_vfs_t          *vfs;
    ssr_cache_t        *cache;
    ssr_limits_t        limits;
} ssr_t;


#endif /* _SSR_H_INCLUDED_ */
