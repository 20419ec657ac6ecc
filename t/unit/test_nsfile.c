/*
 * The namespace-file grammar (src/ngx_http_9p_nsfile.c): each verb with
 * and without its optional words, flags, includes, comments, and every
 * malformed line with the error it gets.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "ngx_http_9p_nsfile.h"


static int
parse(const char *line, ngx_http_9p_nscmd_t *cmd, const char **err)
{
    *err = NULL;
    return ngx_http_9p_nsfile_parse(line, strlen(line), cmd, err);
}


static void
assert_word(ngx_http_9p_nsword_t w, const char *want)
{
    assert_int_equal(w.len, strlen(want));
    assert_memory_equal(w.data, want, w.len);
}


static void
test_mount(void **state)
{
    const char           *err;
    ngx_http_9p_nscmd_t   cmd;

    (void) state;

    assert_int_equal(parse("mount vfs /", &cmd, &err), 1);
    assert_int_equal(cmd.verb, NGX_HTTP_9P_NS_MOUNT);
    assert_word(cmd.name, "vfs");
    assert_word(cmd.point, "/");
    assert_int_equal(cmd.spec.len, 0);
    assert_false(cmd.before || cmd.after || cmd.create);

    assert_int_equal(parse("  mount -bc\tvfs2 /usr/$user  home/$user  ",
                           &cmd, &err), 1);
    assert_word(cmd.name, "vfs2");
    assert_word(cmd.point, "/usr/$user");
    assert_word(cmd.spec, "home/$user");
    assert_true(cmd.before && cmd.create && !cmd.after);

    assert_int_equal(parse("mount -a ssr /view # a comment", &cmd, &err), 1);
    assert_true(cmd.after);
    assert_word(cmd.point, "/view");
    assert_int_equal(cmd.spec.len, 0);
}


static void
test_bind_unmount_include(void **state)
{
    const char           *err;
    ngx_http_9p_nscmd_t   cmd;

    (void) state;

    assert_int_equal(parse("bind /tmp /scratch\r", &cmd, &err), 1);
    assert_int_equal(cmd.verb, NGX_HTTP_9P_NS_BIND);
    assert_word(cmd.name, "/tmp");
    assert_word(cmd.point, "/scratch");

    assert_int_equal(parse("unmount /n", &cmd, &err), 1);
    assert_int_equal(cmd.verb, NGX_HTTP_9P_NS_UNMOUNT);
    assert_int_equal(cmd.name.len, 0);
    assert_word(cmd.point, "/n");

    assert_int_equal(parse("unmount vfs2 /bin", &cmd, &err), 1);
    assert_word(cmd.name, "vfs2");
    assert_word(cmd.point, "/bin");

    assert_int_equal(parse(". /lib/namespace.$user", &cmd, &err), 1);
    assert_int_equal(cmd.verb, NGX_HTTP_9P_NS_INCLUDE);
    assert_word(cmd.name, "/lib/namespace.$user");
}


static void
test_empty(void **state)
{
    const char           *err;
    ngx_http_9p_nscmd_t   cmd;

    (void) state;

    assert_int_equal(parse("", &cmd, &err), 0);
    assert_int_equal(parse(" \t\r", &cmd, &err), 0);
    assert_int_equal(parse("# mount vfs /", &cmd, &err), 0);
    assert_int_equal(parse("   #", &cmd, &err), 0);
}


static void
test_errors(void **state)
{
    size_t                i;
    const char           *err;
    ngx_http_9p_nscmd_t   cmd;

    static const struct {
        const char  *line;
        const char  *err;
    } bad[] = {
        { "frob /x", "expected mount, bind or unmount" },
        { "mount", "expected \"mount [-abc] service mountpoint [spec]\"" },
        { "mount vfs", "expected \"mount [-abc] service mountpoint [spec]\"" },
        { "mount vfs n", "expected \"mount [-abc] service mountpoint [spec]\"" },
        { "mount vfs /n a b",
          "expected \"mount [-abc] service mountpoint [spec]\"" },
        { "bind tmp /x", "expected \"bind [-abc] /source /mountpoint\"" },
        { "bind /tmp", "expected \"bind [-abc] /source /mountpoint\"" },
        { "bind /a /b /c", "expected \"bind [-abc] /source /mountpoint\"" },
        { "unmount", "expected \"unmount [source] /mountpoint\"" },
        { "unmount a b c", "expected \"unmount [source] /mountpoint\"" },
        { "unmount x", "expected \"unmount [source] /mountpoint\"" },
        { "mount -ab vfs /x", "flags: -a or -b, and -c" },
        { "bind -q /tmp /x", "flags: -a or -b, and -c" },
        { "bind - /tmp /x", "flags: -a or -b, and -c" },
        { "mount -a vfs /x spec six seven", "too many words" },
        { ". a b", "expected mount, bind or unmount" },
    };

    (void) state;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(parse(bad[i].line, &cmd, &err), -1);
        assert_non_null(err);
        assert_string_equal(err, bad[i].err);
    }
}


static void
test_expand(void **state)
{
    char                  out[64];
    size_t                n;
    ngx_http_9p_nsword_t  w;

    (void) state;

    w.data = "/usr/$user/$user$use";
    w.len = strlen(w.data);
    n = ngx_http_9p_nsfile_expand(&w, "glenda", out, sizeof(out));
    assert_int_equal(n, strlen("/usr/glenda/glenda$use"));
    assert_memory_equal(out, "/usr/glenda/glenda$use", n);

    /* never past cap */
    n = ngx_http_9p_nsfile_expand(&w, "glenda", out, 8);
    assert_true(n <= 8);
    assert_memory_equal(out, "/usr/gle", 0);
    n = ngx_http_9p_nsfile_expand(&w, "", out, sizeof(out));
    assert_memory_equal(out, "/usr//$use", n);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mount),
        cmocka_unit_test(test_bind_unmount_include),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_expand),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
