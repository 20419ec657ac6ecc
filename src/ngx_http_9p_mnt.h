
/*
 * Ten: the mount table as plain data (ngx_http_9p_mnt.c): namespaces,
 * their entries and unions, placing and unmounting, lookups by path and
 * the table as /dev/ns text.  No I/O: what an entry holds is let go by
 * the namespace's drop function.
 */

#ifndef _NGX_HTTP_9P_MNT_H_INCLUDED_
#define _NGX_HTTP_9P_MNT_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_http_9p.h"
#include "ngx_http_9p_backend.h"
#include "ngx_http_9p_dev.h"
#include "ngx_http_9p_ramfs.h"


#define NGX_HTTP_9P_MOUNTS_MAX   64


typedef struct ngx_http_9p_mount_s  ngx_http_9p_mount_t;
typedef struct ngx_http_9p_ns_s     ngx_http_9p_ns_t;
typedef struct ngx_http_9p_ops_s    ngx_http_9p_ops_t;

/* lets go of what an entry that left the table holds (its root fid) */
typedef void (*ngx_http_9p_drop_pt)(ngx_http_9p_mount_t *m);


/*
 * A namespace entry: a mount, a bind, or (while it waits its turn) an
 * unmount.  Entries at the same path are a union, in table order.  The
 * path must stay first: ngx_http_9p_dev_dir() reads it.
 */
struct ngx_http_9p_mount_s {
    ngx_str_t                   path;       /* "/" or "/a/b" */
    ngx_str_t                   spec;
    ngx_str_t                   source;     /* of a bind; an unmount's match */
    ngx_uint_t                  line;       /* where it was made, */
    ngx_str_t                  *file;       /* while the attach lasts */
    ngx_uint_t                  dev;        /* a kernel directory, or 0 */
    const ngx_http_9p_ops_t    *ops;        /* its kind of file */
    ngx_http_9p_service_t      *service;
    ngx_http_9p_backend_t      *backend;
    uint32_t                    bfid;       /* its root, as the user */
    ninep_qid_t                 qid;
    char                       *down;       /* an optional mount that
                                               failed: why, for walks */
    ngx_http_9p_rnode_t        *ram;        /* the rescue tree's root */
    unsigned                    before:1;   /* -b */
    unsigned                    after:1;    /* -a */
    unsigned                    create:1;   /* -c */
    unsigned                    unmount:1;
    unsigned                    optional:1; /* skipped if it fails */
    unsigned                    implicit:1; /* what -a or -b joined */
    unsigned                    joined:1;   /* that was looked for */
};


/* One attach: its user and namespace, shared by the fids made from it. */
struct ngx_http_9p_ns_s {
    ngx_uint_t                  refs;
    ngx_pool_t                 *pool;
    char                        user[TEN_NAME_MAX + 1];
    ngx_array_t                 mounts;     /* ngx_http_9p_mount_t * */
    ngx_http_9p_drop_pt         drop;       /* an entry leaves the table */
};


/* An empty namespace in a pool of its own, with one reference. */
ngx_http_9p_ns_t *ngx_http_9p_ns_create(ngx_log_t *log,
    ngx_http_9p_drop_pt drop);
/* The last reference drops every entry and frees the namespace. */
void ngx_http_9p_ns_unref(ngx_http_9p_ns_t *ns);

/* A new entry at path (cleaned), in ns's pool, not yet in the table. */
ngx_http_9p_mount_t *ngx_http_9p_mount_new(ngx_http_9p_ns_t *ns,
    u_char *path, size_t len, ngx_uint_t dev, ngx_http_9p_service_t *svc);
/* A made entry joins the table (-b, -a or in place); NGX_ERROR if full. */
ngx_int_t ngx_http_9p_ns_place(ngx_http_9p_ns_t *ns, ngx_http_9p_mount_t *m);
/* "unmount [source] point" as entry u: how many entries went. */
ngx_uint_t ngx_http_9p_ns_unmount(ngx_http_9p_ns_t *ns,
    ngx_http_9p_mount_t *u);

/* Whether a and b are members of one union. */
ngx_uint_t ngx_http_9p_same_point(ngx_http_9p_mount_t *a,
    ngx_http_9p_mount_t *b);
/* The member after m in its union, or NULL. */
ngx_http_9p_mount_t *ngx_http_9p_union_next(ngx_http_9p_ns_t *ns,
    ngx_http_9p_mount_t *m);
/* The entry whose point is the longest prefix of path (a union's first). */
#define ngx_http_9p_mount_of(ns, path, len)                                   \
    ngx_http_9p_mount_beside(ns, path, len, NULL)
/* The same with except's union left aside: what lies under it. */
ngx_http_9p_mount_t *ngx_http_9p_mount_beside(ngx_http_9p_ns_t *ns,
    u_char *path, size_t len, ngx_http_9p_mount_t *except);
/* Whether m's point is a name right below path; name gets it. */
ngx_uint_t ngx_http_9p_child_point(ngx_http_9p_mount_t *m, u_char *path,
    size_t len, ngx_str_t *name);

/* The table as namespace-file lines that make it again, into p..end. */
u_char *ngx_http_9p_ns_text(ngx_http_9p_ns_t *ns, u_char *p, u_char *end);
/* A path as walks see it: rooted, no "//", ".", ".." or trailing "/". */
size_t ngx_http_9p_path_clean(u_char *dst, u_char *src, size_t len);
/* path + "/" + name into buf, or the lexical parent for "..". */
size_t ngx_http_9p_path_join(u_char *buf, u_char *path, size_t len,
    ngx_str_t *name);
/* The names of path below m's point, appended to t's wnames: the walk
   that makes the same file again from m's root.  NGX_ERROR past
   NINEP_MAXWELEM names. */
ngx_int_t ngx_http_9p_path_wnames(ninep_fcall_t *t, ngx_http_9p_mount_t *m,
    u_char *path, size_t len);
/* The names of path appended to t's wnames; NGX_ERROR past
   NINEP_MAXWELEM. */
ngx_int_t ngx_http_9p_path_split(ninep_fcall_t *t, u_char *path,
    size_t len);


#endif /* _NGX_HTTP_9P_MNT_H_INCLUDED_ */
