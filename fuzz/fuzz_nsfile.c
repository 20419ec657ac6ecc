/*
 * libFuzzer: the namespace-file grammar on any bytes, line by line.  A
 * command's words lie inside its line, a mount names a service, a point
 * starts with "/", -a and -b never come together, and $user expansion
 * stays inside its buffer.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_http_9p_nsfile.h"


static void
inside(ngx_http_9p_nsword_t *w, const char *line, size_t len)
{
    if (w->len && (w->data < line || w->data + w->len > line + len)) {
        abort();
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                   rc;
    char                  out[64];
    size_t                n;
    const char           *line, *end, *nl, *err;
    ngx_http_9p_nscmd_t   cmd;

    line = (const char *) data;
    end = line + size;

    for ( /* void */ ; line < end; line = nl + 1) {
        nl = memchr(line, '\n', end - line);
        if (nl == NULL) {
            nl = end;
        }

        err = NULL;
        rc = ngx_http_9p_nsfile_parse(line, nl - line, &cmd, &err);

        if (rc == -1 && err == NULL) {
            abort();
        }

        if (rc != 1) {
            continue;
        }

        inside(&cmd.name, line, nl - line);
        inside(&cmd.point, line, nl - line);
        inside(&cmd.spec, line, nl - line);

        if ((cmd.verb != NGX_HTTP_9P_NS_INCLUDE
             && (cmd.point.len == 0 || cmd.point.data[0] != '/'))
            || (cmd.verb == NGX_HTTP_9P_NS_MOUNT && cmd.name.len == 0)
            || (cmd.before && cmd.after))
        {
            abort();
        }

        n = ngx_http_9p_nsfile_expand(&cmd.point, "glenda", out, sizeof(out));
        if (n > sizeof(out)) {
            abort();
        }
    }

    return 0;
}
