/*
 * libFuzzer: ten-ssr's renderer (services/ssr/ssr_render.c) on any bytes
 * under any name, as a file or as a directory listing.  Every page must
 * be valid UTF-8 and one HTML5 document made only of the elements and
 * attributes the renderer and libcmark write, every link and picture
 * pointing at a view or an allowed scheme, every character reference
 * well formed, and no bigger than its bound.
 *
 * Input: byte 0 picks the name's suffix (bits 0-2), a directory (bit 3)
 * and small limits (bit 4); then the path up to a NUL; then the file's
 * bytes, or for a directory, entries of [name length, name, flags].
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ssr.h"


#define ROUTE  "/#/view"


static const char  *suffixes[8] = {
    "", ".md", ".txt", ".png", ".svg", ".markdown", ".JPG", ".webp"
};

static const char  *tags[] = {
    "html", "head", "meta", "base", "title", "style", "body", "nav", "main",
    "a", "span", "table", "thead", "tbody", "tr", "th", "td", "p", "pre",
    "code", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li",
    "blockquote", "em", "strong", "hr", "br", "img", "figure",
    "figcaption", "article", NULL
};

static const char  *attrs[] = {
    "lang", "charset", "http-equiv", "content", "name", "target", "class",
    "href", "src", "alt", "title", "start", NULL
};


static int
listed(const char **list, const char *s, size_t n)
{
    for ( /* void */ ; *list; list++) {
        if (strlen(*list) == n && memcmp(*list, s, n) == 0) {
            return 1;
        }
    }

    return 0;
}


static int
prefix(const char *s, size_t n, const char *p, int fold)
{
    size_t  k;

    k = strlen(p);

    return n >= k && (fold ? strncasecmp(s, p, k) : strncmp(s, p, k)) == 0;
}


/* href and src: a view, an allowed scheme, or our own data: image */

static void
check_url(const char *name, size_t nlen, const char *v, size_t n)
{
    if (prefix(v, n, ROUTE "/", 0)
        || prefix(v, n, "http:", 1) || prefix(v, n, "https:", 1)
        || (nlen == 4 && prefix(v, n, "mailto:", 1))
        || (nlen == 3 && prefix(v, n, "data:image/", 0)))
    {
        return;
    }

    fprintf(stderr, "a link to \"%.*s\"\n", (int) (n > 60 ? 60 : n), v);
    abort();
}


static void
check_entity(const char *s, size_t n, size_t i)
{
    size_t  k;

    for (k = i + 1; k < n && k < i + 12; k++) {
        if (s[k] == ';') {
            break;
        }

        if (!((s[k] >= 'a' && s[k] <= 'z') || (s[k] >= 'A' && s[k] <= 'Z')
              || (s[k] >= '0' && s[k] <= '9') || s[k] == '#'))
        {
            break;
        }
    }

    if (k == i + 1 || k >= n || s[k] != ';') {
        fprintf(stderr, "a bare & at %zu\n", i);
        abort();
    }
}


/* One tag from s[i] == '<'; returns where it ends. */

static size_t
check_tag(const char *s, size_t n, size_t i)
{
    size_t       k, name, nlen, v;
    const char  *end;

    if (prefix(s + i, n - i, "<!--", 0)) {
        if (!prefix(s + i, n - i, "<!-- raw HTML omitted -->", 0)) {
            abort();
        }
        return i + strlen("<!-- raw HTML omitted -->");
    }

    k = i + 1 + (i + 1 < n && s[i + 1] == '/');
    name = k;

    while (k < n && ((s[k] >= 'a' && s[k] <= 'z')
                     || (s[k] >= '0' && s[k] <= '9')))
    {
        k++;
    }

    if (!listed(tags, s + name, k - name)) {
        fprintf(stderr, "element \"%.*s\"\n", (int) (k - name), s + name);
        abort();
    }

    if (k - name == 5 && memcmp(s + name, "style", 5) == 0
        && s[i + 1] != '/')
    {
        end = memmem(s + k, n - k, "</style>", 8);
        if (end == NULL) {
            abort();
        }
        return (size_t) (end - s);
    }

    for ( ;; ) {
        while (k < n && s[k] == ' ') {
            k++;
        }

        if (k < n && s[k] == '>') {
            return k + 1;
        }

        if (k + 1 < n && s[k] == '/' && s[k + 1] == '>') {
            return k + 2;
        }

        name = k;

        while (k < n && ((s[k] >= 'a' && s[k] <= 'z') || s[k] == '-')) {
            k++;
        }

        nlen = k - name;

        if (nlen == 0 || !listed(attrs, s + name, nlen)) {
            fprintf(stderr, "attribute \"%.*s\"\n", (int) nlen, s + name);
            abort();
        }

        if (k >= n || s[k] != '=') {
            continue;
        }

        if (k + 1 >= n || s[k + 1] != '"') {
            abort();
        }

        v = k + 2;
        end = memchr(s + v, '"', n - v);

        if (end == NULL || memchr(s + v, '<', (size_t) (end - s) - v)) {
            abort();
        }

        if ((nlen == 4 && memcmp(s + name, "href", 4) == 0)
            || (nlen == 3 && memcmp(s + name, "src", 3) == 0))
        {
            check_url(s + name, nlen, s + v, (size_t) (end - s) - v);
        }

        k = (size_t) (end - s) + 1;
    }
}


static void
check_page(const ssr_buf_t *b)
{
    size_t       i;
    const char  *s;

    s = b->data;

    if (s == NULL || !ssr_utf8_text((const uint8_t *) s, b->len)
        || (b->max && b->len > b->max)
        || !prefix(s, b->len, "<!DOCTYPE html>\n<html lang=\"en\">\n", 0)
        || b->len < 8 || strcmp(s + b->len - 8, "</html>\n") != 0)
    {
        abort();
    }

    for (i = strlen("<!DOCTYPE html>\n"); i < b->len; /* void */) {
        if (s[i] == '<') {
            i = check_tag(s, b->len, i);
            continue;
        }

        if (s[i] == '&') {
            check_entity(s, b->len, i);
        }

        i++;
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char           *path;
    size_t          plen, off, n, cap;
    ssr_buf_t       out;
    ssr_doc_t       d;
    ssr_entry_t    *e;
    ssr_limits_t    lim;
    const uint8_t  *nul;

    if (size < 1) {
        return 0;
    }

    memset(&d, 0, sizeof(d));
    lim.route = ROUTE;
    lim.max_size = (data[0] & 0x10) ? 64 : 1 << 20;
    lim.max_image = (data[0] & 0x10) ? 32 : 1 << 20;
    d.isdir = (data[0] & 0x08) != 0;

    nul = memchr(data + 1, '\0', size - 1);
    plen = nul ? (size_t) (nul - data - 1) : 0;
    off = nul ? plen + 2 : 1;

    path = malloc(plen + 16);
    if (path == NULL) {
        return 0;
    }

    memcpy(path, data + 1, plen);
    memcpy(path + plen, suffixes[data[0] & 7], strlen(suffixes[data[0] & 7]));
    plen += strlen(suffixes[data[0] & 7]);

    d.path = path;
    d.path_len = plen;
    d.size = size - off;
    d.data = data + off;
    d.len = size - off;
    e = NULL;

    if (d.isdir) {
        cap = 0;

        for (n = off; n < size; n += 2 + data[n]) {
            cap++;
        }

        e = calloc(cap + 1, sizeof(ssr_entry_t));
        if (e == NULL) {
            free(path);
            return 0;
        }

        for (n = off; n < size && n + 1 + data[n] < size; n += 2 + data[n]) {
            e[d.nentries].name = (const char *) data + n + 1;
            e[d.nentries].name_len = data[n];
            e[d.nentries].uid = (const char *) data + n + 1;
            e[d.nentries].uid_len = data[n] / 2;
            e[d.nentries].mode = (data[n + 1 + data[n]] & 1)
                                 ? NINEP_DMDIR | 0755 : 0644;
            e[d.nentries].length = data[n + 1 + data[n]];
            e[d.nentries].mtime = (uint32_t) n * 7919u;
            d.nentries++;
        }

        d.entries = e;
        d.data = NULL;
        d.len = 0;

    } else if (!ssr_wants_data(d.path, d.path_len, d.size, &lim)) {
        d.data = NULL;
        d.len = 0;
    }

    ssr_buf_init(&out, (data[0] & 0x10) ? 8192 : 16 << 20);

    if (ssr_render(&d, &lim, &out) == 0) {
        check_page(&out);
    }

    ssr_buf_free(&out);
    free(e);
    free(path);

    return 0;
}
