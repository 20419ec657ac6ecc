
/*
 * Ten: ten-ssr -- one HTML5 document for a file or a directory.
 *
 * Pure: bytes, a path and limits in, a page out; no I/O, so the fuzzer
 * (fuzz/fuzz_ssr.c) calls it as the service does.  Every byte of the
 * file, of a name or of the path reaches the page escaped; Markdown goes
 * through libcmark in its safe mode, and then its links through an
 * allow-list (http, https, mailto, and paths, which become links to
 * other views).  No page has a script, and each one says so to the
 * browser with a Content-Security-Policy.
 *
 * Links: every page is meant for a sandboxed iframe of the web UI, whose
 * route for a view is ROUTE/<path> (-p, default "/#/view"), so each link
 * is ROUTE/<path percent-encoded> and opens in the top window
 * (target="_top", and <base target="_top"> for Markdown's own links).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cmark.h>

#include "ssr.h"


#define SSR_CSP  "default-src 'none'; img-src data:; " \
                 "style-src 'unsafe-inline'; base-uri 'none'; " \
                 "form-action 'none'"

static const char  ssr_css[] =
    ":root{color-scheme:light dark;--fg:#1d1d1f;--bg:#fdfdfb;"
    "--mute:#6a6a70;--line:#d8d8d2;--link:#1a55b0;--code:#f2f2ee}\n"
    "@media (prefers-color-scheme:dark){:root{--fg:#e4e4e0;--bg:#1b1c1e;"
    "--mute:#9a9aa0;--line:#3a3b3e;--link:#8ab4f8;--code:#26272a}}\n"
    "body{margin:0 auto;max-width:52rem;padding:1rem 1.25rem 3rem;"
    "font:16px/1.55 system-ui,sans-serif;color:var(--fg);"
    "background:var(--bg)}\n"
    "a{color:var(--link)}\n"
    "nav.crumbs{font-size:.9rem;color:var(--mute);margin-bottom:1rem;"
    "word-break:break-all}\n"
    "pre,code{font:.9rem/1.45 ui-monospace,monospace}\n"
    "pre{background:var(--code);padding:.75rem;overflow-x:auto;"
    "border-radius:4px}\n"
    "code{background:var(--code);padding:0 .2em}\n"
    "pre code{padding:0}\n"
    "pre.text{tab-size:8}\n"
    ".ln{display:inline-block;min-width:4ch;margin-right:1ch;"
    "text-align:right;color:var(--mute);user-select:none}\n"
    "table.dir{border-collapse:collapse;width:100%;font-size:.95rem}\n"
    "table.dir th,table.dir td{text-align:left;padding:.2rem .6rem;"
    "border-bottom:1px solid var(--line);white-space:nowrap}\n"
    "table.dir td.size{text-align:right}\n"
    "table.dir td.name{white-space:normal;word-break:break-all}\n"
    "blockquote{margin-left:0;padding-left:1rem;"
    "border-left:3px solid var(--line);color:var(--mute)}\n"
    "img{max-width:100%}\n"
    "p.note{color:var(--mute)}\n";


typedef struct {
    const ssr_doc_t     *d;
    const ssr_limits_t  *lim;
    ssr_buf_t           *out;
} page_t;


static void page_head(page_t *pg, ssr_page_kind_t kind);
static void page_tail(page_t *pg);
static void page_route(page_t *pg, const char *path, size_t len);
static void crumbs(page_t *pg);
static void render_dir(page_t *pg);
static void render_markdown(page_t *pg);
static void render_text(page_t *pg);
static void render_note(page_t *pg, ssr_page_kind_t kind);
static void render_image(page_t *pg);
static const char *image_type(const char *path, size_t len);
static const char *base_name(const char *path, size_t len, size_t *blen);


static const char *
base_name(const char *path, size_t len, size_t *blen)
{
    const char  *slash;

    slash = len ? memrchr(path, '/', len) : NULL;

    if (slash == NULL) {
        *blen = len;
        return path;
    }

    *blen = len - (size_t) (slash + 1 - path);

    return slash + 1;
}


static int
has_suffix(const char *name, size_t len, const char *suffix)
{
    size_t  n;

    n = strlen(suffix);

    return len > n && strncasecmp(name + len - n, suffix, n) == 0;
}


static const char *
image_type(const char *path, size_t len)
{
    size_t       blen;
    const char  *name;

    name = base_name(path, len, &blen);

    if (has_suffix(name, blen, ".png")) {
        return "image/png";
    }

    if (has_suffix(name, blen, ".jpg") || has_suffix(name, blen, ".jpeg")) {
        return "image/jpeg";
    }

    if (has_suffix(name, blen, ".gif")) {
        return "image/gif";
    }

    if (has_suffix(name, blen, ".webp")) {
        return "image/webp";
    }

    if (has_suffix(name, blen, ".svg")) {
        return "image/svg+xml";
    }

    return NULL;
}


static int
is_markdown(const char *path, size_t len)
{
    size_t       blen;
    const char  *name;

    name = base_name(path, len, &blen);

    return has_suffix(name, blen, ".md") || has_suffix(name, blen, ".markdown");
}


int
ssr_wants_data(const char *path, size_t path_len, uint64_t size,
    const ssr_limits_t *lim)
{
    if (size > lim->max_size) {
        return 0;
    }

    if (image_type(path, path_len) && size > lim->max_image) {
        return 0;
    }

    return 1;
}


ssr_page_kind_t
ssr_page_kind(const ssr_doc_t *d, const ssr_limits_t *lim)
{
    uint64_t  size;

    if (d->isdir) {
        return SSR_PAGE_DIR;
    }

    size = d->data ? d->len : d->size;

    if (size > lim->max_size) {
        return SSR_PAGE_LARGE;
    }

    if (image_type(d->path, d->path_len)) {
        return (size > lim->max_image || d->data == NULL)
               ? SSR_PAGE_IMAGE_LARGE : SSR_PAGE_IMAGE;
    }

    if (d->data == NULL && size > 0) {
        return SSR_PAGE_LARGE;
    }

    if (!ssr_utf8_text(d->data, d->len)) {
        return SSR_PAGE_BINARY;
    }

    return is_markdown(d->path, d->path_len) ? SSR_PAGE_MARKDOWN
                                             : SSR_PAGE_TEXT;
}


const char *
ssr_page_name(ssr_page_kind_t kind)
{
    static const char  *names[] = {
        "dir", "markdown", "text", "binary", "image", "image-large", "large"
    };

    return names[kind];
}


int
ssr_render(const ssr_doc_t *d, const ssr_limits_t *lim, ssr_buf_t *out)
{
    size_t           max;
    page_t           pg;
    ssr_page_kind_t  kind;

    pg.d = d;
    pg.lim = lim;
    pg.out = out;

    kind = ssr_page_kind(d, lim);

    page_head(&pg, kind);

    switch (kind) {
    case SSR_PAGE_DIR:       render_dir(&pg); break;
    case SSR_PAGE_MARKDOWN:  render_markdown(&pg); break;
    case SSR_PAGE_TEXT:      render_text(&pg); break;
    case SSR_PAGE_IMAGE:     render_image(&pg); break;
    default:                 render_note(&pg, kind); break;
    }

    page_tail(&pg);

    if (!out->failed) {
        return 0;
    }

    if (out->failed != SSR_BUF_OVER) {
        return -1;      /* out of memory */
    }

    /* over the bound: a short page instead, in the same room */
    max = out->max;
    ssr_buf_free(out);
    ssr_buf_init(out, max);

    page_head(&pg, SSR_PAGE_LARGE);
    ssr_buf_str(out, "<p class=\"note\">too large to render: the page "
                "would be larger than ");
    ssr_buf_fmt(out, "%zu", max);
    ssr_buf_str(out, " bytes</p>\n");
    page_tail(&pg);

    return out->failed ? -1 : 0;
}


static void
page_head(page_t *pg, ssr_page_kind_t kind)
{
    ssr_buf_t  *b;

    b = pg->out;

    ssr_buf_str(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
                "<meta charset=\"utf-8\">\n"
                "<meta http-equiv=\"Content-Security-Policy\" content=\""
                SSR_CSP "\">\n"
                "<meta name=\"viewport\" content=\"width=device-width, "
                "initial-scale=1\">\n"
                "<meta name=\"color-scheme\" content=\"light dark\">\n"
                "<meta name=\"referrer\" content=\"no-referrer\">\n"
                "<base target=\"_top\">\n<title>/");
    ssr_html_text(b, pg->d->path, pg->d->path_len);
    ssr_buf_str(b, "</title>\n<style>\n");
    ssr_buf_add(b, ssr_css, sizeof(ssr_css) - 1);
    ssr_buf_str(b, "</style>\n</head>\n<body class=\"ssr-");
    ssr_buf_str(b, ssr_page_name(kind));
    ssr_buf_str(b, "\">\n");

    crumbs(pg);

    ssr_buf_str(b, "<main>\n");
}


static void
page_tail(page_t *pg)
{
    ssr_buf_str(pg->out, "</main>\n</body>\n</html>\n");
}


/* href="ROUTE/path" target="_top" */

static void
page_route(page_t *pg, const char *path, size_t len)
{
    ssr_buf_t  *b;

    b = pg->out;

    ssr_buf_str(b, "href=\"");
    ssr_html_text(b, pg->lim->route, strlen(pg->lim->route));
    ssr_buf_str(b, "/");
    ssr_url_path(b, path, len);
    ssr_buf_str(b, "\" target=\"_top\"");
}


/* / usr / glenda / notes.md: every step but the last a link */

static void
crumbs(page_t *pg)
{
    size_t       i, start;
    ssr_buf_t   *b;
    const char  *path;

    b = pg->out;
    path = pg->d->path;

    ssr_buf_str(b, "<nav class=\"crumbs\"><a ");
    page_route(pg, "", 0);
    ssr_buf_str(b, ">/</a>");

    for (start = 0, i = 0; i <= pg->d->path_len; i++) {
        if (i < pg->d->path_len && path[i] != '/') {
            continue;
        }

        if (i > start) {
            if (i < pg->d->path_len) {
                ssr_buf_str(b, " <a ");
                page_route(pg, path, i);
                ssr_buf_str(b, ">");
                ssr_html_text(b, path + start, i - start);
                ssr_buf_str(b, "</a> /");

            } else {
                ssr_buf_str(b, " <span>");
                ssr_html_text(b, path + start, i - start);
                ssr_buf_str(b, "</span>");
            }
        }

        start = i + 1;
    }

    ssr_buf_str(b, "</nav>\n");
}


/* ------------------------------------------------------------ directories */


static int
entry_cmp(const void *a, const void *b)
{
    int                 da, db, c;
    size_t              n;
    const ssr_entry_t  *x, *y;

    x = a;
    y = b;
    da = (x->mode & NINEP_DMDIR) != 0;
    db = (y->mode & NINEP_DMDIR) != 0;

    if (da != db) {
        return db - da;
    }

    n = x->name_len < y->name_len ? x->name_len : y->name_len;
    c = memcmp(x->name, y->name, n);

    if (c) {
        return c;
    }

    return (x->name_len > y->name_len) - (x->name_len < y->name_len);
}


/* Plan 9's ls -l: d, a (append) or l (exclusive), t (temporary), rwx x3 */

static void
mode_string(uint32_t mode, char s[12])
{
    int                 i;
    static const char   rwx[] = "rwx";

    s[0] = (mode & NINEP_DMDIR) ? 'd' : (mode & NINEP_DMAPPEND) ? 'a'
           : (mode & NINEP_DMEXCL) ? 'l' : '-';
    s[1] = (mode & NINEP_DMTMP) ? 't' : '-';

    for (i = 0; i < 9; i++) {
        s[2 + i] = (mode & (1U << (8 - i))) ? rwx[i % 3] : '-';
    }

    s[11] = '\0';
}


static void
dir_row(page_t *pg, const ssr_entry_t *e, char *path, size_t dlen)
{
    int          isdir;
    char         mode[12], when[32];
    time_t       t;
    struct tm    tm;
    ssr_buf_t   *b;

    b = pg->out;
    isdir = (e->mode & NINEP_DMDIR) != 0;

    /* path holds the directory's path and room for "/" and a name */
    if (dlen) {
        path[dlen++] = '/';
    }

    memcpy(path + dlen, e->name, e->name_len);

    ssr_buf_str(b, "<tr><td class=\"name\"><a ");
    page_route(pg, path, dlen + e->name_len);
    ssr_buf_str(b, ">");
    ssr_html_text(b, e->name, e->name_len);
    ssr_buf_str(b, isdir ? "/</a></td>" : "</a></td>");

    mode_string(e->mode, mode);
    t = (time_t) e->mtime;

    if (gmtime_r(&t, &tm) == NULL
        || strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm) == 0)
    {
        snprintf(when, sizeof(when), "%u", e->mtime);
    }

    ssr_buf_fmt(b, "<td class=\"size\">%llu</td><td class=\"mode\">%s</td>"
                "<td class=\"owner\">", (unsigned long long) e->length, mode);
    ssr_html_text(b, e->uid, e->uid_len);
    ssr_buf_fmt(b, "</td><td class=\"mtime\">%s</td></tr>\n", when);
}


static void
render_dir(page_t *pg)
{
    size_t        i, dlen, plen, max;
    char         *path;
    ssr_buf_t    *b;
    const char   *slash;
    ssr_entry_t  *e;

    b = pg->out;
    dlen = pg->d->path_len;

    qsort(pg->d->entries, pg->d->nentries, sizeof(ssr_entry_t), entry_cmp);

    for (max = 0, i = 0; i < pg->d->nentries; i++) {
        if (pg->d->entries[i].name_len > max) {
            max = pg->d->entries[i].name_len;
        }
    }

    path = malloc(dlen + max + 2);
    if (path == NULL) {
        b->failed = SSR_BUF_NOMEM;
        return;
    }

    memcpy(path, pg->d->path, dlen);

    ssr_buf_fmt(b, "<p class=\"note\">%zu %s%s</p>\n", pg->d->nentries,
                pg->d->nentries == 1 ? "entry" : "entries",
                pg->d->more ? " (more are not listed)" : "");

    ssr_buf_str(b, "<table class=\"dir\">\n<thead><tr><th>name</th>"
                "<th>size</th><th>mode</th><th>owner</th><th>modified "
                "(UTC)</th></tr></thead>\n<tbody>\n");

    if (dlen) {
        slash = memrchr(pg->d->path, '/', dlen);
        plen = slash ? (size_t) (slash - pg->d->path) : 0;
        ssr_buf_str(b, "<tr><td class=\"name\"><a ");
        page_route(pg, pg->d->path, plen);
        ssr_buf_str(b, ">../</a></td><td></td><td></td><td></td><td></td>"
                    "</tr>\n");
    }

    for (i = 0; i < pg->d->nentries && !b->failed; i++) {
        e = &pg->d->entries[i];
        dir_row(pg, e, path, dlen);
    }

    ssr_buf_str(b, "</tbody>\n</table>\n");

    free(path);
}


/* ----------------------------------------------------------------- text */


static void
render_text(page_t *pg)
{
    size_t          i, start, end, line;
    ssr_buf_t      *b;
    const char     *s;

    b = pg->out;
    s = (const char *) pg->d->data;

    if (pg->d->len == 0) {
        ssr_buf_str(b, "<p class=\"note\">empty file</p>\n");
        return;
    }

    ssr_buf_str(b, "<pre class=\"text\">");

    for (line = 1, start = 0; start < pg->d->len && !b->failed; line++) {
        end = start;

        while (end < pg->d->len && s[end] != '\n') {
            end++;
        }

        i = end;

        /* CRLF is one line end */
        if (i > start && s[i - 1] == '\r' && i < pg->d->len) {
            i--;
        }

        ssr_buf_fmt(b, "<span class=\"ln\">%zu</span>", line);
        ssr_html_text(b, s + start, i - start);
        ssr_buf_str(b, "\n");

        start = end + 1;
    }

    ssr_buf_str(b, "</pre>\n");
}


static void
render_note(page_t *pg, ssr_page_kind_t kind)
{
    uint64_t    size;
    ssr_buf_t  *b;

    b = pg->out;
    size = pg->d->data ? pg->d->len : pg->d->size;

    switch (kind) {

    case SSR_PAGE_BINARY:
        ssr_buf_fmt(b, "<p class=\"note\">binary file, %llu bytes</p>\n",
                    (unsigned long long) size);
        break;

    case SSR_PAGE_IMAGE_LARGE:
        ssr_buf_fmt(b, "<p class=\"note\">image too large to show inline: "
                    "%llu bytes (the limit is %llu bytes)</p>\n",
                    (unsigned long long) size,
                    (unsigned long long) pg->lim->max_image);
        break;

    default:
        ssr_buf_fmt(b, "<p class=\"note\">too large to render: %llu bytes "
                    "(the limit is %llu bytes)</p>\n",
                    (unsigned long long) size,
                    (unsigned long long) pg->lim->max_size);
        break;
    }
}


/* An image as a data: URL in an <img>: never as markup (SVG too). */

static void
render_image(page_t *pg)
{
    size_t       blen;
    ssr_buf_t   *b;
    const char  *name;

    b = pg->out;
    name = base_name(pg->d->path, pg->d->path_len, &blen);

    ssr_buf_str(b, "<figure><img alt=\"");
    ssr_html_text(b, name, blen);
    ssr_buf_str(b, "\" src=\"data:");
    ssr_buf_str(b, image_type(pg->d->path, pg->d->path_len));
    ssr_buf_str(b, ";base64,");
    ssr_base64(b, pg->d->data, pg->d->len);
    ssr_buf_str(b, "\"><figcaption>");
    ssr_html_text(b, name, blen);
    ssr_buf_fmt(b, ", %zu bytes</figcaption></figure>\n", pg->d->len);
}


/* ------------------------------------------------------------- Markdown */


/*
 * The scheme of a URL: 1 with the scheme in lower case, 0 for a relative
 * URL (no ":" before its first "/", "?" or "#"), -1 for one too odd to
 * keep: spaces or controls before that ":", which browsers strip or skip
 * in ways that differ, or a scheme too long.
 */

static int
url_scheme(const char *url, char *scheme, size_t len)
{
    size_t               n, i;
    const unsigned char *p;

    p = (const unsigned char *) url;
    n = strcspn(url, ":/?#");

    if (p[n] != ':') {
        return 0;
    }

    for (i = 0; i < n; i++) {
        if (p[i] <= 0x20 || p[i] == 0x7f) {
            return -1;
        }
    }

    if (n == 0 || n >= len
        || !((p[0] >= 'a' && p[0] <= 'z') || (p[0] >= 'A' && p[0] <= 'Z')))
    {
        return (n >= len) ? -1 : 0;
    }

    for (i = 0; i < n; i++) {
        if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z')
              || (p[i] >= '0' && p[i] <= '9') || p[i] == '+'
              || p[i] == '-' || p[i] == '.'))
        {
            return -1;
        }

        scheme[i] = (char) (p[i] | 0x20);
    }

    scheme[n] = '\0';

    return 1;
}


static int
url_allowed_scheme(const char *scheme)
{
    return strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0
           || strcmp(scheme, "mailto") == 0;
}


/*
 * A path of the Markdown (its "?" and "#" parts dropped) as a view's
 * route: resolved against the file's directory ("/x" from the root),
 * "." and ".." taken lexically, never above the root.
 */

static char *
url_route(page_t *pg, const char *url)
{
    size_t       n, dlen, seg;
    size_t      *stack, depth, cap;
    ssr_buf_t    b, path;
    const char  *p, *end, *slash;

    end = url + strcspn(url, "?#");
    n = (size_t) (end - url);

    ssr_buf_init(&path, SSR_PATH_MAX * 3 + 8);

    if (n == 0) {
        /* only a fragment or a query: this page */
        ssr_url_path(&path, pg->d->path, pg->d->path_len);

    } else {
        if (url[0] != '/') {
            slash = pg->d->path_len
                    ? memrchr(pg->d->path, '/', pg->d->path_len) : NULL;
            dlen = slash ? (size_t) (slash - pg->d->path) : 0;
            ssr_url_path(&path, pg->d->path, dlen);
            ssr_buf_add(&path, "/", 1);
        }

        ssr_buf_add(&path, url, n);
    }

    if (path.failed) {
        ssr_buf_free(&path);
        return NULL;
    }

    /* the segments, "." and ".." applied: stack holds their offsets */
    cap = path.len / 2 + 2;
    stack = malloc(cap * 2 * sizeof(size_t));
    if (stack == NULL) {
        ssr_buf_free(&path);
        return NULL;
    }

    depth = 0;
    p = path.data ? path.data : "";

    for (seg = 0; seg <= path.len; /* void */) {
        n = strcspn(p + seg, "/");

        if (n == 0 || (n == 1 && p[seg] == '.')) {
            /* nothing */

        } else if (n == 2 && p[seg] == '.' && p[seg + 1] == '.') {
            depth -= (depth > 0);

        } else if (depth < cap) {
            stack[2 * depth] = seg;
            stack[2 * depth + 1] = n;
            depth++;
        }

        seg += n + 1;
    }

    ssr_buf_init(&b, 0);
    ssr_buf_str(&b, pg->lim->route);

    if (depth == 0) {
        ssr_buf_add(&b, "/", 1);
    }

    for (n = 0; n < depth; n++) {
        ssr_buf_add(&b, "/", 1);
        ssr_buf_add(&b, p + stack[2 * n], stack[2 * n + 1]);
    }

    free(stack);
    ssr_buf_free(&path);

    if (b.failed) {
        ssr_buf_free(&b);
        return NULL;
    }

    return b.data;
}


/* A link or image whose target may not stay: its text stays, plainly. */

static void
unwrap(cmark_node *node)
{
    cmark_node  *child;

    while ((child = cmark_node_first_child(node)) != NULL) {
        if (!cmark_node_insert_before(node, child)) {
            cmark_node_unlink(child);
            cmark_node_free(child);
        }
    }

    cmark_node_free(node);
}


/*
 * 0, or -1 (out of memory).  Allowed schemes stay; paths become routes;
 * anything else (javascript:, vbscript:, data:, file:, ...) is dropped,
 * however its letters were written (cmark has decoded the entities).
 */

static int
fix_link(page_t *pg, cmark_node *node, int *drop)
{
    int          rc;
    char         scheme[32], *route;
    const char  *url;

    *drop = 0;
    url = cmark_node_get_url(node);

    if (url == NULL) {
        return 0;
    }

    rc = url_scheme(url, scheme, sizeof(scheme));

    /* a picture is http(s) at most: a mailto: is a link's, not a src */
    if (rc == 1 && url_allowed_scheme(scheme)
        && !(cmark_node_get_type(node) == CMARK_NODE_IMAGE
             && strcmp(scheme, "mailto") == 0))
    {
        return 0;
    }

    if (rc != 0 || (url[0] == '/' && url[1] == '/')
        || cmark_node_get_type(node) == CMARK_NODE_IMAGE)
    {
        /* other schemes, other hosts, and pictures that are not ours */
        *drop = 1;
        return 0;
    }

    route = url_route(pg, url);
    if (route == NULL) {
        return -1;
    }

    rc = cmark_node_set_url(node, route);
    free(route);

    return rc ? 0 : -1;
}


static int
fix_links(page_t *pg, cmark_node *doc)
{
    int                 drop;
    size_t              n, cap, i;
    cmark_node         *node, **gone, **ng;
    cmark_iter         *it;
    cmark_event_type    ev;
    cmark_node_type     type;

    it = cmark_iter_new(doc);
    if (it == NULL) {
        return -1;
    }

    gone = NULL;
    n = cap = 0;

    while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
        node = cmark_iter_get_node(it);
        type = cmark_node_get_type(node);

        if (ev != CMARK_EVENT_ENTER
            || (type != CMARK_NODE_LINK && type != CMARK_NODE_IMAGE))
        {
            continue;
        }

        if (fix_link(pg, node, &drop) < 0) {
            goto failed;
        }

        if (!drop) {
            continue;
        }

        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            ng = realloc(gone, cap * sizeof(cmark_node *));
            if (ng == NULL) {
                goto failed;
            }
            gone = ng;
        }

        gone[n++] = node;
    }

    cmark_iter_free(it);

    /* innermost last: an image inside a dropped link goes first */
    for (i = n; i > 0; i--) {
        unwrap(gone[i - 1]);
    }

    free(gone);

    return 0;

failed:

    cmark_iter_free(it);
    free(gone);

    return -1;
}


static void
render_markdown(page_t *pg)
{
    char           *html;
    ssr_buf_t      *b;
    cmark_node     *doc;
    cmark_parser   *parser;

    b = pg->out;

    parser = cmark_parser_new(CMARK_OPT_SAFE | CMARK_OPT_VALIDATE_UTF8);
    if (parser == NULL) {
        b->failed = SSR_BUF_NOMEM;
        return;
    }

    cmark_parser_feed(parser, (const char *) pg->d->data, pg->d->len);
    doc = cmark_parser_finish(parser);
    cmark_parser_free(parser);

    if (doc == NULL) {
        b->failed = SSR_BUF_NOMEM;
        return;
    }

    if (fix_links(pg, doc) < 0) {
        cmark_node_free(doc);
        b->failed = SSR_BUF_NOMEM;
        return;
    }

    html = cmark_render_html(doc, CMARK_OPT_SAFE);
    cmark_node_free(doc);

    if (html == NULL) {
        b->failed = SSR_BUF_NOMEM;
        return;
    }

    ssr_buf_str(b, "<article class=\"markdown\">\n");
    ssr_buf_str(b, html);
    ssr_buf_str(b, "</article>\n");

    free(html);
}
