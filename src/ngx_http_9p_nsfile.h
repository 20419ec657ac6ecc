
/*
 * Ten: the grammar of /lib/namespace and of /dev/nsctl writes (DESIGN.md
 * §3), after 9front's libauth/newns.c: one command a line, "#" starts a
 * comment, words are separated by blanks.
 *
 *     mount [-abc] service /mountpoint [spec]
 *     bind [-abc] /source /mountpoint
 *     unmount [source] /mountpoint
 *     . /file
 *
 * Plain C over a buffer, no nginx types: the kernel, the unit tests and
 * the fuzzer share it.  Words point into the caller's buffer; "$user" is
 * left as it is for ngx_http_9p_nsfile_expand().
 */

#ifndef _NGX_HTTP_9P_NSFILE_H_INCLUDED_
#define _NGX_HTTP_9P_NSFILE_H_INCLUDED_


#include <stddef.h>


typedef enum {
    NGX_HTTP_9P_NS_MOUNT = 0,
    NGX_HTTP_9P_NS_BIND,
    NGX_HTTP_9P_NS_UNMOUNT,
    NGX_HTTP_9P_NS_INCLUDE
} ngx_http_9p_nsverb_e;


typedef struct {
    const char                 *data;
    size_t                      len;
} ngx_http_9p_nsword_t;


typedef struct {
    ngx_http_9p_nsverb_e        verb;
    ngx_http_9p_nsword_t        name;       /* mount: the service; bind:
                                               the source; unmount: the
                                               source or empty; .: the
                                               file */
    ngx_http_9p_nsword_t        point;      /* empty for an include */
    ngx_http_9p_nsword_t        spec;       /* a mount's, or empty */
    unsigned                    before:1;   /* -b */
    unsigned                    after:1;    /* -a */
    unsigned                    create:1;   /* -c */
} ngx_http_9p_nscmd_t;


/*
 * One line (without its newline): 1 with cmd filled, 0 for a line of
 * blanks or a comment, -1 with *err saying what is wrong.
 */
int ngx_http_9p_nsfile_parse(const char *line, size_t len,
    ngx_http_9p_nscmd_t *cmd, const char **err);

/*
 * Word w with "$user" replaced by user, into dst of cap bytes (enough:
 * w.len * (strlen(user) + 1)).  Returns the length written.
 */
size_t ngx_http_9p_nsfile_expand(ngx_http_9p_nsword_t *w, const char *user,
    char *dst, size_t cap);


#endif /* _NGX_HTTP_9P_NSFILE_H_INCLUDED_ */
