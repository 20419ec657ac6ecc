
/*
 * Ten: the namespace-file grammar (see ngx_http_9p_nsfile.h).  A line is
 * cut into at most five words, then the verb says where the words are:
 * flags (a word that starts with "-") only after mount and bind, the
 * source of an unmount only when two words follow it, a spec only after
 * a mount's point.
 */

#include <string.h>

#include "ngx_http_9p_nsfile.h"


#define NGX_HTTP_9P_NS_WORDS  5


static int ngx_http_9p_nsfile_words(const char *p, size_t len,
    ngx_http_9p_nsword_t *w);
static int ngx_http_9p_nsfile_is(ngx_http_9p_nsword_t *w, const char *s);
static int ngx_http_9p_nsfile_flags(ngx_http_9p_nsword_t *w,
    ngx_http_9p_nscmd_t *cmd);


static const char  *ngx_http_9p_ns_usage[] = {
    "expected \"mount [-abc] service mountpoint [spec]\"",
    "expected \"bind [-abc] /source /mountpoint\"",
    "expected \"unmount [source] /mountpoint\""
};


int
ngx_http_9p_nsfile_parse(const char *line, size_t len,
    ngx_http_9p_nscmd_t *cmd, const char **err)
{
    int                    nw, i, src, at, spec;
    ngx_http_9p_nsword_t   w[NGX_HTTP_9P_NS_WORDS + 1];

    memset(cmd, 0, sizeof(*cmd));

    nw = ngx_http_9p_nsfile_words(line, len, w);

    if (nw == 0) {
        return 0;
    }

    if (nw > NGX_HTTP_9P_NS_WORDS) {
        *err = "too many words";
        return -1;
    }

    if (nw == 2 && ngx_http_9p_nsfile_is(&w[0], ".")) {
        cmd->verb = NGX_HTTP_9P_NS_INCLUDE;
        cmd->name = w[1];
        return 1;
    }

    if (ngx_http_9p_nsfile_is(&w[0], "mount")) {
        cmd->verb = NGX_HTTP_9P_NS_MOUNT;

    } else if (ngx_http_9p_nsfile_is(&w[0], "bind")) {
        cmd->verb = NGX_HTTP_9P_NS_BIND;

    } else if (ngx_http_9p_nsfile_is(&w[0], "unmount")) {
        cmd->verb = NGX_HTTP_9P_NS_UNMOUNT;

    } else {
        *err = "expected mount, bind or unmount";
        return -1;
    }

    /* the words: flags at 1, then source (or service), point, spec */
    i = (cmd->verb != NGX_HTTP_9P_NS_UNMOUNT && nw > 1 && w[1].data[0] == '-')
        ? 2 : 1;
    src = (cmd->verb == NGX_HTTP_9P_NS_UNMOUNT && nw == 2) ? 0 : i;
    at = src ? src + 1 : 1;
    spec = (cmd->verb == NGX_HTTP_9P_NS_MOUNT && nw == at + 2) ? at + 1 : 0;

    if (nw != at + 1 + (spec != 0) || w[at].data[0] != '/'
        || (cmd->verb == NGX_HTTP_9P_NS_BIND && w[src].data[0] != '/'))
    {
        *err = ngx_http_9p_ns_usage[cmd->verb];
        return -1;
    }

    if (i == 2 && ngx_http_9p_nsfile_flags(&w[1], cmd) != 0) {
        *err = "flags: -a or -b, and -c";
        return -1;
    }

    if (src) {
        cmd->name = w[src];
    }

    cmd->point = w[at];

    if (spec) {
        cmd->spec = w[spec];
    }

    return 1;
}


/* The words of a line up to a comment; one more than the most: too many. */

static int
ngx_http_9p_nsfile_words(const char *p, size_t len, ngx_http_9p_nsword_t *w)
{
    int          nw;
    const char  *end, *q;

    end = p + len;
    nw = 0;

    for (q = p; q < end && *q != '#'; /* void */) {
        if (*q == ' ' || *q == '\t' || *q == '\r') {
            q++;
            continue;
        }

        if (nw == NGX_HTTP_9P_NS_WORDS + 1) {
            break;
        }

        w[nw].data = q;

        while (q < end && *q != ' ' && *q != '\t' && *q != '\r' && *q != '#') {
            q++;
        }

        w[nw].len = q - w[nw].data;
        nw++;
    }

    return nw;
}


static int
ngx_http_9p_nsfile_is(ngx_http_9p_nsword_t *w, const char *s)
{
    return w->len == strlen(s) && memcmp(w->data, s, w->len) == 0;
}


/* "-a", "-b", "-c" and "-ac", "-bc": not -a with -b, nothing else. */

static int
ngx_http_9p_nsfile_flags(ngx_http_9p_nsword_t *w, ngx_http_9p_nscmd_t *cmd)
{
    size_t  k;

    if (w->len < 2) {
        return -1;
    }

    for (k = 1; k < w->len; k++) {
        switch (w->data[k]) {

        case 'a':
            cmd->after = 1;
            break;

        case 'b':
            cmd->before = 1;
            break;

        case 'c':
            cmd->create = 1;
            break;

        default:
            return -1;
        }
    }

    return (cmd->after && cmd->before) ? -1 : 0;
}


size_t
ngx_http_9p_nsfile_expand(ngx_http_9p_nsword_t *w, const char *user,
    char *dst, size_t cap)
{
    size_t  j, n, ulen;

    ulen = strlen(user);

    for (j = 0, n = 0; j < w->len; j++) {
        if (w->len - j >= 5 && memcmp(w->data + j, "$user", 5) == 0) {
            if (n + ulen > cap) {
                break;
            }

            memcpy(dst + n, user, ulen);
            n += ulen;
            j += 4;
            continue;
        }

        if (n == cap) {
            break;
        }

        dst[n++] = w->data[j];
    }

    return n;
}
