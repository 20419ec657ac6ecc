
/*
 * Ten: ten-ssr -- a bounded buffer, and text made safe for HTML and URLs.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ssr.h"


#define SSR_BUF_MIN   4096


void
ssr_buf_init(ssr_buf_t *b, size_t max)
{
    memset(b, 0, sizeof(*b));
    b->max = max;
}


void
ssr_buf_free(ssr_buf_t *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}


/* Room for n more bytes and a NUL; 0, or -1 (the buffer has failed). */

static int
buf_reserve(ssr_buf_t *b, size_t n)
{
    char    *p;
    size_t   cap;

    if (b->failed) {
        return -1;
    }

    if (n > SIZE_MAX / 2 - b->len
        || (b->max && b->len + n > b->max))
    {
        b->failed = SSR_BUF_OVER;
        return -1;
    }

    if (b->len + n + 1 <= b->cap) {
        return 0;
    }

    cap = b->cap ? b->cap : SSR_BUF_MIN;

    while (cap < b->len + n + 1) {
        cap *= 2;
    }

    if (b->max && cap > b->max + 1) {
        cap = b->max + 1;
    }

    p = realloc(b->data, cap);
    if (p == NULL) {
        b->failed = SSR_BUF_NOMEM;
        return -1;
    }

    b->data = p;
    b->cap = cap;

    return 0;
}


void
ssr_buf_add(ssr_buf_t *b, const void *p, size_t n)
{
    if (buf_reserve(b, n) < 0) {
        return;
    }

    if (n) {
        memcpy(b->data + b->len, p, n);
    }

    b->len += n;
    b->data[b->len] = '\0';
}


void
ssr_buf_str(ssr_buf_t *b, const char *s)
{
    ssr_buf_add(b, s, strlen(s));
}


void
ssr_buf_fmt(ssr_buf_t *b, const char *fmt, ...)
{
    int      n;
    char     small[256];
    va_list  ap;

    va_start(ap, fmt);
    n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);

    if (n < 0 || (size_t) n >= sizeof(small)) {
        /* only short numbers and words are formatted here */
        b->failed = SSR_BUF_NOMEM;
        return;
    }

    ssr_buf_add(b, small, (size_t) n);
}


/*
 * UTF-8 as RFC 3629 has it: shortest forms only, no surrogates, nothing
 * past U+10FFFF.
 */

size_t
ssr_utf8_seq(const uint8_t *s, size_t n, uint32_t *cp)
{
    size_t    len, i;
    uint32_t  c, min;

    if (n == 0) {
        return 0;
    }

    c = s[0];

    if (c < 0x80) {
        *cp = c;
        return 1;
    }

    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        c &= 0x1f;
        min = 0x80;

    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        c &= 0x0f;
        min = 0x800;

    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        c &= 0x07;
        min = 0x10000;

    } else {
        return 0;
    }

    if (n < len) {
        return 0;
    }

    for (i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 0;
        }
        c = (c << 6) | (s[i] & 0x3f);
    }

    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
        return 0;
    }

    *cp = c;

    return len;
}


int
ssr_utf8_text(const uint8_t *s, size_t n)
{
    size_t    i, k;
    uint32_t  cp;

    for (i = 0; i < n; i += k) {
        if (s[i] == '\0') {
            return 0;
        }

        if (s[i] < 0x80) {
            k = 1;
            continue;
        }

        k = ssr_utf8_seq(s + i, n - i, &cp);
        if (k == 0) {
            return 0;
        }
    }

    return 1;
}


/* U+2400.. the control pictures: a control character seen, not obeyed. */

static void
control_picture(ssr_buf_t *b, uint8_t c)
{
    uint32_t  cp;
    char      u[3];

    cp = (c == 0x7f) ? 0x2421 : 0x2400 + c;
    u[0] = (char) (0xe0 | (cp >> 12));
    u[1] = (char) (0x80 | ((cp >> 6) & 0x3f));
    u[2] = (char) (0x80 | (cp & 0x3f));
    ssr_buf_add(b, u, 3);
}


void
ssr_html_text(ssr_buf_t *b, const char *s, size_t n)
{
    size_t         i, run, k;
    uint32_t       cp;
    const uint8_t *p;

    p = (const uint8_t *) s;

    for (i = 0; i < n; /* void */) {
        /* a run of bytes that need nothing */
        for (run = i; run < n; run++) {
            if (p[run] >= 0x80 || p[run] < 0x20 || p[run] == 0x7f
                || p[run] == '&' || p[run] == '<' || p[run] == '>'
                || p[run] == '"' || p[run] == '\'')
            {
                if (p[run] == '\t' || p[run] == '\n') {
                    continue;
                }
                break;
            }
        }

        ssr_buf_add(b, p + i, run - i);
        i = run;

        if (i == n) {
            break;
        }

        switch (p[i]) {
        case '&':   ssr_buf_add(b, "&amp;", 5); i++; continue;
        case '<':   ssr_buf_add(b, "&lt;", 4); i++; continue;
        case '>':   ssr_buf_add(b, "&gt;", 4); i++; continue;
        case '"':   ssr_buf_add(b, "&quot;", 6); i++; continue;
        case '\'':  ssr_buf_add(b, "&#39;", 5); i++; continue;
        default:    break;
        }

        if (p[i] < 0x80) {
            control_picture(b, p[i]);
            i++;
            continue;
        }

        k = ssr_utf8_seq(p + i, n - i, &cp);

        if (k == 0) {
            ssr_buf_add(b, "\xef\xbf\xbd", 3);      /* U+FFFD */
            i++;
            continue;
        }

        ssr_buf_add(b, p + i, k);
        i += k;
    }
}


void
ssr_url_path(ssr_buf_t *b, const char *s, size_t n)
{
    size_t         i;
    uint8_t        c;
    char           esc[3];
    static const char  hex[] = "0123456789ABCDEF";

    for (i = 0; i < n; i++) {
        c = (uint8_t) s[i];

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
            || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '~'
            || c == '-' || c == '/')
        {
            ssr_buf_add(b, &s[i], 1);
            continue;
        }

        esc[0] = '%';
        esc[1] = hex[c >> 4];
        esc[2] = hex[c & 0xf];
        ssr_buf_add(b, esc, 3);
    }
}


void
ssr_base64(ssr_buf_t *b, const uint8_t *p, size_t n)
{
    size_t         i;
    uint32_t       v;
    char           q[4];
    static const char  abc[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    if (n > SIZE_MAX / 2 || buf_reserve(b, (n + 2) / 3 * 4) < 0) {
        return;
    }

    for (i = 0; i + 2 < n; i += 3) {
        v = (uint32_t) p[i] << 16 | (uint32_t) p[i + 1] << 8 | p[i + 2];
        q[0] = abc[v >> 18];
        q[1] = abc[(v >> 12) & 0x3f];
        q[2] = abc[(v >> 6) & 0x3f];
        q[3] = abc[v & 0x3f];
        ssr_buf_add(b, q, 4);
    }

    if (i < n) {
        v = (uint32_t) p[i] << 16;
        if (i + 1 < n) {
            v |= (uint32_t) p[i + 1] << 8;
        }

        q[0] = abc[v >> 18];
        q[1] = abc[(v >> 12) & 0x3f];
        q[2] = (i + 1 < n) ? abc[(v >> 6) & 0x3f] : '=';
        q[3] = '=';
        ssr_buf_add(b, q, 4);
    }
}
