
/*
 * ten-vfs's gluster store, its nodes alone (services/vfs/vfs_store_gluster.c,
 * included): references, and renew, which swaps a node's handle for a
 * fresh one's while other threads may still use the old one, closing
 * every handle once, when the node's last reference goes.  Handles here
 * are counted stand-ins: glfs_h_close() below is the one the store calls.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../services/vfs/vfs_store_gluster.c"


#define HANDLES  8

static int  closed[HANDLES];
static int  fake[HANDLES];


int
glfs_h_close(glfs_object_t *object)
{
    int  *h;

    h = (int *) object;
    assert_true(h >= fake && h < fake + HANDLES);
    closed[h - fake]++;

    return 0;
}


static vfs_node_t *
node(int i)
{
    return node_new((glfs_object_t *) &fake[i]);
}


static gluster_t *
store(void)
{
    static gluster_t  g;

    memset(&g, 0, sizeof(g));
    g.store.ops = &gluster_ops;
    pthread_mutex_init(&g.lock, NULL);
    memset(closed, 0, sizeof(closed));

    return &g;
}


static void
test_refs(void **state)
{
    gluster_t   *g;
    vfs_node_t  *n;

    (void) state;
    g = store();

    n = node(0);
    assert_ptr_equal(gluster_ref(n), n);
    gluster_put(&g->store, n);
    assert_int_equal(closed[0], 0);
    gluster_put(&g->store, n);
    assert_int_equal(closed[0], 1);
    gluster_put(&g->store, NULL);
}


/* the old handle stays open while the node lives: another thread's */

static void
test_renew(void **state)
{
    gluster_t   *g;
    vfs_node_t  *n;

    (void) state;
    g = store();

    n = node(0);
    gluster_ref(n);
    gluster_renew(&g->store, n, node(1));
    assert_ptr_equal(obj_of(n), (glfs_object_t *) &fake[1]);
    gluster_renew(&g->store, n, node(2));
    assert_ptr_equal(obj_of(n), (glfs_object_t *) &fake[2]);
    assert_int_equal(closed[0] + closed[1] + closed[2], 0);

    gluster_put(&g->store, n);
    assert_int_equal(closed[0] + closed[1] + closed[2], 0);
    gluster_put(&g->store, n);
    assert_int_equal(closed[0], 1);
    assert_int_equal(closed[1], 1);
    assert_int_equal(closed[2], 1);
}


/*
 * resolve("") is a reference to the node itself: fid_meta() of a fid at
 * the root renews the root node with itself.  Nothing changes; the
 * reference it was given goes.
 */

static void
test_renew_self(void **state)
{
    gluster_t   *g;
    vfs_node_t  *n;

    (void) state;
    g = store();

    n = node(3);
    gluster_renew(&g->store, n, gluster_resolve(&g->store, n, ""));
    assert_ptr_equal(obj_of(n), (glfs_object_t *) &fake[3]);
    assert_int_equal(closed[3], 0);

    gluster_put(&g->store, n);
    assert_int_equal(closed[3], 1);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_refs),
        cmocka_unit_test(test_renew),
        cmocka_unit_test(test_renew_self),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
