/*
 * The mount table as plain data (src/ngx_http_9p_mnt.c): placing with -b,
 * -a and in place, unions, unmount with and without a source, lookups by
 * path, the table as /dev/ns text, and the path helpers the walks use.
 * Entries that leave the table go through the namespace's drop function:
 * the tests count them.
 */

#include <ngx_config.h>
#include <ngx_core.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "ngx_http_9p_mnt.h"


static ngx_uint_t             dropped;
static ngx_log_t              test_log;
static ngx_http_9p_service_t  vfs, vfs2, fact;


static void
count_drop(ngx_http_9p_mount_t *m)
{
    (void) m;
    dropped++;
}


static ngx_http_9p_mount_t *
entry(ngx_http_9p_ns_t *ns, const char *path, ngx_http_9p_service_t *svc,
    const char *flags)
{
    ngx_http_9p_mount_t  *m;

    m = ngx_http_9p_mount_new(ns, (u_char *) path, strlen(path),
                              svc ? NGX_HTTP_9P_DEV_NONE
                                  : NGX_HTTP_9P_DEV_DIR, svc);
    assert_non_null(m);

    m->before = strchr(flags, 'b') != NULL;
    m->after = strchr(flags, 'a') != NULL;
    m->create = strchr(flags, 'c') != NULL;

    return m;
}


static ngx_http_9p_mount_t *
placed(ngx_http_9p_ns_t *ns, const char *path, ngx_http_9p_service_t *svc,
    const char *flags)
{
    ngx_http_9p_mount_t  *m;

    m = entry(ns, path, svc, flags);
    assert_int_equal(ngx_http_9p_ns_place(ns, m), NGX_OK);

    return m;
}


static ngx_http_9p_ns_t *
fresh(void)
{
    ngx_http_9p_ns_t  *ns;

    ngx_str_set(&vfs.name, "vfs");
    ngx_str_set(&vfs2.name, "vfs2");
    ngx_str_set(&fact.name, "factotum");
    dropped = 0;

    ns = ngx_http_9p_ns_create(&test_log, count_drop);
    assert_non_null(ns);

    return ns;
}


static ngx_http_9p_mount_t *
at(ngx_http_9p_ns_t *ns, ngx_uint_t i)
{
    ngx_http_9p_mount_t  **mp;

    assert_true(i < ns->mounts.nelts);
    mp = ns->mounts.elts;

    return mp[i];
}


static void
assert_text(ngx_http_9p_ns_t *ns, const char *want)
{
    u_char  buf[4096], *end;

    end = ngx_http_9p_ns_text(ns, buf, buf + sizeof(buf));
    assert_int_equal(end - buf, strlen(want));
    assert_memory_equal(buf, want, end - buf);
}


static void
test_union_order(void **state)
{
    ngx_http_9p_ns_t     *ns;
    ngx_http_9p_mount_t  *root, *b, *a, *dev;

    (void) state;

    ns = fresh();
    root = placed(ns, "/", &vfs, "");
    dev = placed(ns, "/dev", NULL, "");
    a = placed(ns, "/", &vfs2, "a");
    b = placed(ns, "/", &fact, "b");

    /* -b goes before the union, -a after it; other points keep theirs */
    assert_ptr_equal(at(ns, 0), b);
    assert_ptr_equal(at(ns, 1), root);
    assert_ptr_equal(at(ns, 2), a);
    assert_ptr_equal(at(ns, 3), dev);

    assert_ptr_equal(ngx_http_9p_union_next(ns, b), root);
    assert_ptr_equal(ngx_http_9p_union_next(ns, root), a);
    assert_null(ngx_http_9p_union_next(ns, a));
    assert_null(ngx_http_9p_union_next(ns, dev));
    assert_true(ngx_http_9p_same_point(a, b));
    assert_false(ngx_http_9p_same_point(a, dev));
    assert_int_equal(dropped, 0);

    ngx_http_9p_ns_unref(ns);
    assert_int_equal(dropped, 4);
}


static void
test_replace(void **state)
{
    ngx_http_9p_ns_t     *ns;
    ngx_http_9p_mount_t  *m;

    (void) state;

    ns = fresh();
    placed(ns, "/", &vfs, "");
    placed(ns, "/usr", &vfs, "");
    placed(ns, "/usr", &vfs2, "a");

    /* in place: the whole union at the point goes, by the drop function */
    m = placed(ns, "/usr/", &fact, "");
    assert_int_equal(dropped, 2);
    assert_int_equal(ns->mounts.nelts, 2);
    assert_ptr_equal(at(ns, 1), m);
    assert_int_equal(m->path.len, 4);
    assert_memory_equal(m->path.data, "/usr", 4);

    ns->refs++;
    ngx_http_9p_ns_unref(ns);
    assert_int_equal(dropped, 2);       /* a reference was left */
    ngx_http_9p_ns_unref(ns);
    assert_int_equal(dropped, 4);
}


static void
test_unmount(void **state)
{
    ngx_http_9p_ns_t     *ns;
    ngx_http_9p_mount_t  *u;

    (void) state;

    ns = fresh();
    placed(ns, "/", &vfs, "");
    placed(ns, "/", &vfs2, "a");
    placed(ns, "/dev", NULL, "");
    placed(ns, "/n", &vfs, "");
    placed(ns, "/n", &vfs2, "b");

    /* a source names one member of the union */
    u = entry(ns, "/n", NULL, "");
    ngx_str_set(&u->source, "vfs2");
    assert_int_equal(ngx_http_9p_ns_unmount(ns, u), 1);
    assert_int_equal(dropped, 1);
    assert_ptr_equal(ngx_http_9p_mount_of(ns, (u_char *) "/n/x", 4)->service,
                     &vfs);

    /* none there: nothing goes */
    assert_int_equal(ngx_http_9p_ns_unmount(ns, u), 0);

    /* the kernel's directory by its name */
    u = entry(ns, "/dev", NULL, "");
    ngx_str_set(&u->source, "#c");
    assert_int_equal(ngx_http_9p_ns_unmount(ns, u), 1);

    /* no source: the whole union; but the root keeps its last member */
    u = entry(ns, "/", NULL, "");
    assert_int_equal(ngx_http_9p_ns_unmount(ns, u), 1);
    assert_int_equal(ngx_http_9p_ns_unmount(ns, u), 0);
    assert_int_equal(ns->mounts.nelts, 2);

    ngx_http_9p_ns_unref(ns);
    assert_int_equal(dropped, 5);
}


static void
test_lookup(void **state)
{
    ngx_str_t             name;
    ngx_http_9p_ns_t     *ns;
    ngx_http_9p_mount_t  *root, *usr, *usr2, *glenda;

    (void) state;

    ns = fresh();
    root = placed(ns, "/", &vfs, "");
    usr = placed(ns, "/usr", &vfs2, "");
    usr2 = placed(ns, "/usr", &fact, "a");
    glenda = placed(ns, "/usr/glenda", &vfs, "");

    /* the longest prefix, by whole names, a union by its first member */
    assert_ptr_equal(ngx_http_9p_mount_of(ns, (u_char *) "/", 1), root);
    assert_ptr_equal(ngx_http_9p_mount_of(ns, (u_char *) "/us", 3), root);
    assert_ptr_equal(ngx_http_9p_mount_of(ns, (u_char *) "/usr", 4), usr);
    assert_ptr_equal(ngx_http_9p_mount_of(ns, (u_char *) "/usrx", 5), root);
    assert_ptr_equal(ngx_http_9p_mount_of(ns, (u_char *) "/usr/gl", 7), usr);
    assert_ptr_equal(ngx_http_9p_mount_of(ns, (u_char *) "/usr/glenda/x",
                                          13),
                     glenda);

    /* what lies under a union */
    assert_ptr_equal(ngx_http_9p_mount_beside(ns, (u_char *) "/usr", 4,
                                              usr2),
                     root);

    /* mount points right below a directory */
    assert_true(ngx_http_9p_child_point(usr, (u_char *) "/", 1, &name));
    assert_int_equal(name.len, 3);
    assert_memory_equal(name.data, "usr", 3);
    assert_true(ngx_http_9p_child_point(glenda, (u_char *) "/usr", 4,
                                        &name));
    assert_false(ngx_http_9p_child_point(glenda, (u_char *) "/", 1, NULL));
    assert_false(ngx_http_9p_child_point(root, (u_char *) "/", 1, NULL));

    ngx_http_9p_ns_unref(ns);
}


static void
test_text(void **state)
{
    ngx_http_9p_ns_t     *ns;
    ngx_http_9p_mount_t  *m;

    (void) state;

    ns = fresh();
    placed(ns, "/", &vfs, "");
    placed(ns, "/", &vfs2, "ac");
    placed(ns, "/dev", NULL, "");
    m = placed(ns, "/tmp", &vfs, "b");
    ngx_str_set(&m->spec, "tmp");
    m = entry(ns, "/usr/alice/lib", NULL, "");
    ngx_str_set(&m->source, "/lib");
    assert_int_equal(ngx_http_9p_ns_place(ns, m), NGX_OK);

    /* lines that make the same table again, in its order */
    assert_text(ns, "mount vfs /\n"
                    "mount -ac vfs2 /\n"
                    "bind '#c' /dev\n"
                    "mount vfs /tmp tmp\n"
                    "bind /lib /usr/alice/lib\n");

    ngx_http_9p_ns_unref(ns);
}


static void
test_full(void **state)
{
    char               path[32];
    ngx_uint_t         i;
    ngx_http_9p_ns_t  *ns;

    (void) state;

    ns = fresh();

    for (i = 0; i < NGX_HTTP_9P_MOUNTS_MAX; i++) {
        snprintf(path, sizeof(path), "/n/%u", (unsigned) i);
        placed(ns, path, &vfs, "");
    }

    assert_int_equal(ngx_http_9p_ns_place(ns, entry(ns, "/x", &vfs, "")),
                     NGX_ERROR);
    assert_int_equal(ns->mounts.nelts, NGX_HTTP_9P_MOUNTS_MAX);

    ngx_http_9p_ns_unref(ns);
    assert_int_equal(dropped, NGX_HTTP_9P_MOUNTS_MAX);
}


static void
assert_clean(const char *in, const char *want)
{
    u_char  buf[256];
    size_t  n;

    n = ngx_http_9p_path_clean(buf, (u_char *) in, strlen(in));
    assert_int_equal(n, strlen(want));
    assert_memory_equal(buf, want, n);
}


static void
test_paths(void **state)
{
    u_char               buf[256];
    size_t               n;
    ngx_str_t            name;
    ninep_fcall_t        t;
    ngx_http_9p_ns_t    *ns;
    ngx_http_9p_mount_t  *m;

    (void) state;

    assert_clean("", "/");
    assert_clean("/", "/");
    assert_clean("//usr///glenda/", "/usr/glenda");
    assert_clean("/usr/./glenda/../alice", "/usr/alice");
    assert_clean("/../..", "/");
    assert_clean("usr/..x/.y", "/usr/..x/.y");

    ngx_str_set(&name, "..");
    n = ngx_http_9p_path_join(buf, (u_char *) "/usr/glenda", 11, &name);
    assert_int_equal(n, 4);
    assert_memory_equal(buf, "/usr", 4);
    n = ngx_http_9p_path_join(buf, (u_char *) "/usr", 4, &name);
    assert_memory_equal(buf, "/", n);

    ngx_str_set(&name, "lib");
    n = ngx_http_9p_path_join(buf, (u_char *) "/", 1, &name);
    assert_int_equal(n, 4);
    assert_memory_equal(buf, "/lib", 4);

    /* the walk from a mount's root to a path below it */
    ns = fresh();
    m = placed(ns, "/usr", &vfs, "");
    memset(&t, 0, sizeof(t));
    assert_int_equal(ngx_http_9p_path_wnames(&t, m,
                                             (u_char *) "/usr/glenda/lib",
                                             15),
                     NGX_OK);
    assert_int_equal(t.nwname, 2);
    assert_memory_equal(t.wname[0].data, "glenda", 6);
    assert_memory_equal(t.wname[1].data, "lib", 3);

    m = placed(ns, "/", &vfs, "");
    memset(&t, 0, sizeof(t));
    ngx_http_9p_path_wnames(&t, m, (u_char *) "/", 1);
    assert_int_equal(t.nwname, 0);

    /* walk(5): sixteen names at most */
    memset(&t, 0, sizeof(t));
    assert_int_equal(ngx_http_9p_path_split(&t, (u_char *) "/a/b/c/d/e/f/g"
                                            "/h/i/j/k/l/m/n/o/p", 32),
                     NGX_OK);
    assert_int_equal(t.nwname, 16);
    assert_int_equal(ngx_http_9p_path_split(&t, (u_char *) "/q", 2),
                     NGX_ERROR);

    ngx_http_9p_ns_unref(ns);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_union_order),
        cmocka_unit_test(test_replace),
        cmocka_unit_test(test_unmount),
        cmocka_unit_test(test_lookup),
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_full),
        cmocka_unit_test(test_paths),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
