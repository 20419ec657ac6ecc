/*
 * Ten: unit tests for the 9P2000 codec (src/ninep).
 *
 * The byte vectors are written by hand from intro(5) ... stat(5): each
 * one is decoded and checked field by field, and the same fields, built
 * from scratch, must encode to exactly those bytes.
 */


#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ninep.h"


#define NELEM(a)  (sizeof(a) / sizeof((a)[0]))


static void
assert_str(ninep_str_t s, const char *cstr)
{
    if (!ninep_str_eq(s, cstr)) {
        fail_msg("string \"%.*s\" != \"%s\"", (int) s.len,
                 s.data ? (const char *) s.data : "", cstr);
    }
}


static void
assert_qid(const ninep_qid_t *q, uint8_t type, uint32_t version,
    uint64_t path)
{
    assert_int_equal(q->type, type);
    assert_int_equal(q->version, version);
    assert_true(q->path == path);
}


static ninep_qid_t
qid(uint8_t type, uint32_t version, uint64_t path)
{
    ninep_qid_t  q;

    q.type = type;
    q.version = version;
    q.path = path;

    return q;
}


static void
fcall_init(ninep_fcall_t *f, uint8_t type, uint16_t tag)
{
    memset(f, 0, sizeof(*f));
    f->type = type;
    f->tag = tag;
}


/* a copy of msg with its size field set to len (for prefixes, extensions) */

static uint8_t *
resized(const uint8_t *msg, size_t msglen, size_t len)
{
    uint8_t  *p;

    p = calloc(1, len);
    assert_non_null(p);
    memcpy(p, msg, msglen < len ? msglen : len);

    p[0] = (uint8_t) len;
    p[1] = (uint8_t) (len >> 8);
    p[2] = (uint8_t) (len >> 16);
    p[3] = (uint8_t) (len >> 24);

    return p;
}


static int
unpack_copy(const uint8_t *msg, size_t len, int want)
{
    int             rc;
    uint8_t        *p;
    ninep_fcall_t   f;

    /* a heap copy of exactly len bytes, so ASan sees any overread */
    p = malloc(len ? len : 1);
    assert_non_null(p);
    if (len) {
        memcpy(p, msg, len);
    }

    rc = ninep_unpack(p, len, 0, want, &f);
    free(p);

    return rc;
}


/*
 * f must encode to exactly msg; into every smaller buffer (each allocated
 * to its exact size) it must give NINEP_ENOSPACE.
 */

static void
assert_packs(const ninep_fcall_t *f, const uint8_t *msg, size_t len)
{
    size_t    cap;
    ssize_t   n;
    uint8_t  *buf;

    buf = malloc(len);
    assert_non_null(buf);

    n = ninep_pack(f, buf, len);
    assert_int_equal(n, len);
    assert_memory_equal(buf, msg, len);
    free(buf);

    for (cap = 0; cap < len; cap++) {
        buf = malloc(cap ? cap : 1);
        assert_non_null(buf);
        assert_int_equal(ninep_pack(f, cap ? buf : NULL, cap),
                         NINEP_ENOSPACE);
        free(buf);
    }
}


/*
 * Decodes a hand-written vector into f and checks what holds for every
 * valid message: the direction rules, msize, canonical re-encoding, and
 * that every shorter body or one extra byte is refused.
 */

static void
check_vector(const uint8_t *msg, size_t len, ninep_fcall_t *f)
{
    int             dir, rc;
    size_t          k;
    uint8_t        *p;
    ninep_fcall_t   g;

    dir = ninep_type_dir(msg[4]);
    assert_true(dir == NINEP_T || dir == NINEP_R);

    assert_int_equal(ninep_peek_size(msg, len), len);
    assert_int_equal(ninep_unpack(msg, len, 0, NINEP_ANY, &g), NINEP_OK);
    assert_int_equal(ninep_unpack(msg, len, (uint32_t) len, dir, f),
                     NINEP_OK);
    assert_int_equal(ninep_unpack(msg, len, (uint32_t) len - 1, dir, &g),
                     NINEP_ETOOBIG);
    assert_int_equal(ninep_unpack(msg, len, 0, NINEP_ANY - dir, &g),
                     dir == NINEP_T ? NINEP_EWANT_R : NINEP_EWANT_T);
    assert_int_equal(f->type, msg[4]);
    assert_int_equal(f->tag, msg[5] | msg[6] << 8);

    assert_packs(f, msg, len);

    for (k = NINEP_HDRSZ; k < len; k++) {
        p = resized(msg, len, k);
        rc = unpack_copy(p, k, NINEP_ANY);
        free(p);

        if (rc != NINEP_ETRUNC && rc != NINEP_ESTRING && rc != NINEP_ECOUNT
            && rc != NINEP_ESTATSZ)
        {
            fail_msg("%s cut to %zu bytes: %s", ninep_type_name(msg[4]), k,
                     ninep_strerror(rc));
        }
    }

    p = resized(msg, len, len + 1);
    rc = unpack_copy(p, len + 1, NINEP_ANY);
    free(p);

    if (msg[4] == NINEP_RREAD || msg[4] == NINEP_TWRITE) {
        assert_int_equal(rc, NINEP_ECOUNT);

    } else {
        assert_int_equal(rc, NINEP_ETRAILING);
    }
}


/* hand-written vectors, one per message type */

static void
test_tversion(void **state)
{
    static const uint8_t  msg[] = {
        0x13, 0x00, 0x00, 0x00, 0x64, 0xff, 0xff,   /* size type tag */
        0x00, 0x20, 0x00, 0x00,                     /* msize 8192 */
        0x06, 0x00, '9', 'P', '2', '0', '0', '0'    /* version */
    };

    ninep_fcall_t  f, e;

    (void) state;

    check_vector(msg, sizeof(msg), &f);
    assert_int_equal(f.type, NINEP_TVERSION);
    assert_int_equal(f.tag, NINEP_NOTAG);
    assert_int_equal(f.msize, 8192);
    assert_str(f.version, NINEP_VERSION);

    fcall_init(&e, NINEP_TVERSION, NINEP_NOTAG);
    e.msize = 8192;
    e.version = ninep_str(NINEP_VERSION);
    assert_packs(&e, msg, sizeof(msg));
}


static void
test_rversion(void **state)
{
    static const uint8_t  msg[] = {
        0x13, 0x00, 0x00, 0x00, 0x65, 0xff, 0xff,
        0x00, 0x10, 0x00, 0x00,                     /* msize 4096 */
        0x06, 0x00, '9', 'P', '2', '0', '0', '0'
    };

    ninep_fcall_t  f, e;

    (void) state;

    check_vector(msg, sizeof(msg), &f);
    assert_int_equal(f.type, NINEP_RVERSION);
    assert_int_equal(f.tag, NINEP_NOTAG);
    assert_int_equal(f.msize, 4096);
    assert_str(f.version, "9P2000");

    fcall_init(&e, NINEP_RVERSION, NINEP_NOTAG);
    e.msize = 4096;
    e.version = ninep_str("9P2000");
    assert_packs(&e, msg, sizeof(msg));
}


static void
test_tauth(void **state)
{
    static const uint8_t  msg[] = {
        0x15, 0x00, 0x00, 0x00, 0x66, 0x01, 0x00,
        0x05, 0x00, 0x00, 0x00,                     /* afid 5 */
        0x06, 0x00, 'g', 'l', 'e', 'n', 'd', 'a',   /* uname */
        0x00, 0x00                                  /* aname "" */
    };

    ninep_fcall_t  f, e;

    (void) state;

    check_vector(msg, sizeof(msg), &f);
    assert_int_equal(f.type, NINEP_TAUTH);
    assert_int_equal(f.tag, 1);
    assert_int_equal(f.afid, 5);
    assert_str(f.uname, "glenda");
    assert_str(f.aname, "");

    fcall_init(&e, NINEP_TAUTH, 1);
    e.afid = 5;
    e.uname = ninep_str("glenda");
    e.aname = ninep_str("");
    assert_packs(&e, msg, sizeof(msg));
}


static void
test_rauth(void **state)
{
    static const uint8_t  msg[] = {
        0x14, 0x00, 0x00, 0x00, 0x67, 0x01, 0x00,
        0x08,                                       /* aqid QTAUTH */
        0x00, 0x00, 0x00, 0x00,
        0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11
    };

    ninep_fcall_t  f, e;

    (void) state;

    check_vector(msg, sizeof(msg), &f);
    assert_int_equal(f.type, NINEP_RAUTH);
    assert_int_equal(f.tag, 1);
    assert_qid(&f.qid, NINEP_QTAUTH, 0, 0x1122334455667788ULL);

    fcall_init(&e, NINEP_RAUTH, 1);
    e.qid = qid(NINEP_QTAUTH, 0, 0x1122334455667788ULL);
    assert_packs(&e, msg, sizeof(msg));
}


static void
test_tattach(void **state)
{
    static const uint8_t  msg[] = {
        0x1d, 0x00, 0x00, 0x00, 0x68, 0x02, 0x00,
        0x00, 0x00, 0x00, 0x00,                     /* fid 0 */
        0xff, 0xff, 0xff, 0xff,                     /* afid NOFID */
        0x06, 0x00, 'g', 'l', 'e', 'n', 'd', 'a',
        0x04, 0x00, 'm', 'a', 'i', 'n'
    };

    ninep_fcall_t  f, e;

    (void) state;

    check_vector(msg, sizeof(msg), &f);
    assert_int_equal(f.type, NINEP_TATTACH);
    assert_int_equal(f.tag, 2);
    assert_int_equal(f.fid, 0);
    assert_int_equal(f.afid, NINEP_NOFID);
    assert_str(f.uname, "glenda");
    assert_str(f.aname, "main");

    fcall_init(&e, NINEP_TATTACH, 2);
    e.fid = 0;
    e.afid = NINEP_NOFID;
    e.uname = ninep_str("glenda");
    e.aname = ninep_str("main");
    assert_packs(&e, msg, sizeof(msg));
}


static void
test_rattach(void **state)
{
    static const uint8_t  msg[] = {
        0x14, 0x00, 0x00, 0x00, 0x69, 0x02, 0x00,
        0x80,                                       /* QTDIR */
        0x01, 0x00, 0x00, 0x00,
        0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00
    };

    ninep_fcall_t  f, e;

    (void) state;

    check_vector(msg, sizeof(msg), &f);
    assert_int_equal(f.type, NINEP_RATTACH);
    assert_int_equal(f.tag, 2);
    assert_qid(&f.qid, NINEP_QTDIR, 1, 1);

    fcall_init(&e, NINEP_RATTACH, 2);
    e.qid = qid(NINEP_QTDIR, 1, 1);
    assert_packs(&e, msg, sizeof(msg));
}


static void
test_rerror(void **state)
{
    static const uint8_t  msg[] = {
        0x1c, 0x00, 0x00, 0x00, 0x6b, 0x03, 0x00,
        0x13, 0x00, 'f', 'i', 'l', 'e', ' ', 'd', 'o', 'e', 's', ' ',
        'n', 'o', 't', ' ', 'e', 'x', 'i', 's', 't'
    };

    ninep_fcall_t  f, e;

    (void) state;

    check_vector(msg, sizeof(msg), &f);
    assert_int_equal(f.type, NINEP_RERROR);
    assert_int_equal(f.tag, 3);
    assert_str(f.ename, "file does not exist");

    fcall_init(&e, NINEP_RERROR, 3);
    e.ename = ninep_str("file does not exist");
    assert_packs(&e, msg, sizeof(msg));
}


static void
test_tflush(void **state)
{
    static const uint8_t  msg[] = {
        0x09, 0x00, 0x00, 0x00, 0x6c, 0x04, 0x00,
        0x03, 0x00                                  /* oldtag 3 */
    };

    ninep_fcall_t  f, e;

    (void) state;

    check_vector(msg, sizeof(msg), &f);
    assert_int_equal(f.type, NINEP_TFLUSH);
    assert_int_equal(f.tag, 4);
    assert_int_equal(f.oldtag, 3);

    fcall_init(&e, NINEP_TFLUSH, 4);
    e.oldtag = 3;
    assert_packs(&e, msg, sizeof(msg));
}


static void
test_rflush(void **state)
{
    static const uint8_t  msg[] = {
        0x07, 0x00, 0x00, 0x00, 0x6d, 0x04, 0x00
    };

    ninep_fcall_t  f, e;

    (void) state;

    check_vector(msg, sizeof(msg), &f);
    assert_int_equal(f.type, NINEP_RFLUSH);
    assert_int_equal(f.tag, 4);

    fcall_init(&e, NINEP_RFLUSH, 4);
    assert_packs(&e, msg, sizeof(msg));
}


static void
test_twalk(void **state)
{
    static const uint8_t  msg[] = {
        0x1e, 0x00, 0x00, 0x00, 0x6e, 0x05, 0x00,
        0x00, 0x00, 0x00, 0x00,                     /* fid 0 */
        0x01, 0x00, 0x00, 0x00,                     /* newfid 1 */
        0x02, 0x00,                                 /* nwname 2 */
        0x03, 0x00, 'u', 's', 'r',
        0x06, 0x00, 'g', 'l', 'e', 'n', 'd', 'a'
    };

    ninep_fcall_t  f, e;

    (void) state;

    check_vector(msg, sizeof(msg), &f);
    assert_int_equal(f.type, NINEP_TWALK);
    assert_int_equal(f.tag, 5);
    assert_int_equal(f.fid, 0);
    assert_int_equal(f.newfid, 1);
    assert_int_equal(f.nwname, 2);
    assert_str(f.wname[0], "usr");
    assert_str(f.wname[1], "glenda");

    fcall_init(&e, NINEP_TWALK, 5);
    e.fid = 0;
    e.newfid = 1;
    e.nwname = 2;
    e.wname[0] = ninep_str("usr");
    e.wname[1] = ninep_str("glenda");
    assert_packs(&e, msg, sizeof(msg));
}


static void
test_rwalk(void **state)
{
    static const uint8_t  msg[] = {
        0x23, 0x00, 0x00, 0x00, 0x6f, 0x05, 0x00,
        0x02, 0x00,                                 /* nwqid 2 */
        0x80, 0x00, 0x00, 0x00, 0x00,
        0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x80, 0x03, 0x00, 0x00, 0x00,
        0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00
    };

    ninep_fcall_t  f, e;

    (void) state;

    check_vector(msg, sizeof(msg), &f);
    assert_int_equal(f.type, NINEP_RWALK);
    assert_int_equal(f.tag, 5);
    assert_int_equal(f.nwqid, 2);
    assert_qid(&f.wqid[0], NINEP_QTDIR, 0, 2);
    assert_qid(&f.wqid[1], NINEP_QTDIR, 3, 0x10);

    fcall_init(&e, NINEP_RWALK, 5);
    e.nwqid = 2;
    e.wqid[0] = qid(NINEP_QTDIR, 0, 2);
    e.wqid[1] = qid(NINEP_QTDIR, 3, 0x10);
    assert_packs(&e, msg, sizeof(msg));
}


static void
test_topen(void **state)
{
    static const uint8_t  msg[] = {
        0x0c, 0x00, 0x00, 0x00, 0x70, 0x06, 0x00,
        0x01, 0x00, 0x00, 0x00,                     /* fid 1 */
        0x12                                        /* ORDWR|OTRUNC */
    };

    ninep_fcall_t  f, e;

    (void) state;

    check_vector(msg, sizeof(msg), &f);
    assert_int_equal(f.type, NINEP_TOPEN);
    assert_int_equal(f.tag, 6);
    assert_int_equal(f.fid, 1);
    assert_int_equal(f.mode, NINEP_ORDWR | NINEP_OTRUNC);

    fcall_init(&e, NINEP_TOPEN, 6);
    e.fid = 1;
    e.mode = NINEP_ORDWR | NINEP_OTRUNC;
    assert_packs(&e, msg, sizeof(msg));
}


static void
test_ropen(void **state)
{
    static const uint8_t  msg[] = {
        0x18, 0x00, 0x00, 0x00, 0x71, 0x06, 0x00,
        0x00, 0x07, 0x00, 0x00, 0x00,               /* qid file v7 */
        0x2a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0xe8, 0x1f, 0x00, 0x00                      /* iounit 8168 */
    };

    ninep_fcall_t  f, e;

    (void) state;

    check_vector(msg, sizeof(msg), &f);
    assert_int_equal(f.type, NINEP_ROPEN);
    assert_int_equal(f.tag, 6);
    assert_qid(&f.qid, NINEP_QTFILE, 7, 42);
    assert_int_equal(f.iounit, 8168);

    fcall_init(&e, NINEP_ROPEN, 6);
    e.qid = qid(NINEP_QTFILE, 7, 42);
    e.iounit = 8168;
    assert_packs(&e, msg, sizeof(msg));
}


static void
test_tcreate(void **state)
{
    static const uint8_t  msg[] = {
        0x17, 0x00, 0x00, 0x00, 0x72, 0x07, 0x00,
        0x01, 0x00, 0x00, 0x00,                     /* fid 1 */
        0x05, 0x00, 'n', 'o', 't', 'e', 's',
        0xa4, 0x01, 0x00, 0x00,                     /* perm 0644 */
        0x01                                        /* OWRITE */
    };

    ninep_fcall_t  f, e;

    (void) state;

    check_vector(msg, sizeof(msg), &f);
    assert_int_equal(f.type, NINEP_TCREATE);
    assert_int_equal(f.tag, 7);
    assert_int_equal(f.fid, 1);
    assert_str(f.name, "notes");
    assert_int_equal(f.perm, 0644);
    assert_int_equal(f.mode, NINEP_OWRITE);

    fcall_init(&e, NINEP_TCREATE, 7);
    e.fid = 1;
    e.name = ninep_str("notes");
    e.perm = 0644;
    e.mode = NINEP_OWRITE;
    assert_packs(&e, msg, sizeof(msg));
}


static void
test_rcreate(void **state)
{
    static const uint8_t  msg[] = {
        0x18, 0x00, 0x00, 0x00, 0x73, 0x07, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00,
        0x2b, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00                      /* iounit 0 */
    };

    ninep_fcall_t  f, e;

    (void) state;

    check_vector(msg, sizeof(msg), &f);
    assert_int_equal(f.type, NINEP_RCREATE);
    assert_int_equal(f.tag, 7);
    assert_qid(&f.qid, NINEP_QTFILE, 0, 43);
    assert_int_equal(f.iounit, 0);

    fcall_init(&e, NINEP_RCREATE, 7);
    e.qid = qid(NINEP_QTFILE, 0, 43);
    assert_packs(&e, msg, sizeof(msg));
}


static void
test_tread(void **state)
{
    static const uint8_t  msg[] = {
        0x17, 0x00, 0x00, 0x00, 0x74, 0x08, 0x00,
        0x01, 0x00, 0x00, 0x00,                     /* fid 1 */
        0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, /* offset 2^32 */
        0xe8, 0x1f, 0x00, 0x00                      /* count 8168 */
    };

    ninep_fcall_t  f, e;

    (void) state;

    check_vector(msg, sizeof(msg), &f);
    assert_int_equal(f.type, NINEP_TREAD);
    assert_int_equal(f.tag, 8);
    assert_int_equal(f.fid, 1);
    assert_true(f.offset == 0x100000000ULL);
    assert_int_equal(f.count, 8168);

    fcall_init(&e, NINEP_TREAD, 8);
    e.fid = 1;
    e.offset = 0x100000000ULL;
    e.count = 8168;
    assert_packs(&e, msg, sizeof(msg));
}


static void
test_rread(void **state)
{
    static const uint8_t  msg[] = {
        0x10, 0x00, 0x00, 0x00, 0x75, 0x08, 0x00,
        0x05, 0x00, 0x00, 0x00,                     /* count 5 */
        'h', 'e', 'l', 'l', 'o'
    };

    ninep_fcall_t  f, e;

    (void) state;

    check_vector(msg, sizeof(msg), &f);
    assert_int_equal(f.type, NINEP_RREAD);
    assert_int_equal(f.tag, 8);
    assert_int_equal(f.count, 5);
    assert_ptr_equal(f.data, msg + 11);

    fcall_init(&e, NINEP_RREAD, 8);
    e.count = 5;
    e.data = (const uint8_t *) "hello";
    assert_packs(&e, msg, sizeof(msg));
}


static void
test_twrite(void **state)
{
    static const uint8_t  msg[] = {
        0x1d, 0x00, 0x00, 0x00, 0x76, 0x09, 0x00,
        0x01, 0x00, 0x00, 0x00,                     /* fid 1 */
        0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* offset 5 */
        0x06, 0x00, 0x00, 0x00,                     /* count 6 */
        ' ', 'w', 'o', 'r', 'l', 'd'
    };

    ninep_fcall_t  f, e;

    (void) state;

    check_vector(msg, sizeof(msg), &f);
    assert_int_equal(f.type, NINEP_TWRITE);
    assert_int_equal(f.tag, 9);
    assert_int_equal(f.fid, 1);
    assert_true(f.offset == 5);
    assert_int_equal(f.count, 6);
    assert_memory_equal(f.data, " world", 6);

    fcall_init(&e, NINEP_TWRITE, 9);
    e.fid = 1;
    e.offset = 5;
    e.count = 6;
    e.data = (const uint8_t *) " world";
    assert_packs(&e, msg, sizeof(msg));
}


static void
test_rwrite(void **state)
{
    static const uint8_t  msg[] = {
        0x0b, 0x00, 0x00, 0x00, 0x77, 0x09, 0x00,
        0x06, 0x00, 0x00, 0x00                      /* count 6 */
    };

    ninep_fcall_t  f, e;

    (void) state;

    check_vector(msg, sizeof(msg), &f);
    assert_int_equal(f.type, NINEP_RWRITE);
    assert_int_equal(f.tag, 9);
    assert_int_equal(f.count, 6);

    fcall_init(&e, NINEP_RWRITE, 9);
    e.count = 6;
    assert_packs(&e, msg, sizeof(msg));
}


/* Tclunk, Tremove, Tstat: fid[4]; Rclunk, Rremove, Rwstat: nothing */

static void
check_fid_only(const uint8_t *msg, size_t len, uint8_t type, uint16_t tag,
    uint32_t fid)
{
    ninep_fcall_t  f, e;

    check_vector(msg, len, &f);
    assert_int_equal(f.type, type);
    assert_int_equal(f.tag, tag);
    assert_int_equal(f.fid, fid);

    fcall_init(&e, type, tag);
    e.fid = fid;
    assert_packs(&e, msg, len);
}


static void
check_empty(const uint8_t *msg, size_t len, uint8_t type, uint16_t tag)
{
    ninep_fcall_t  f, e;

    check_vector(msg, len, &f);
    assert_int_equal(f.type, type);
    assert_int_equal(f.tag, tag);

    fcall_init(&e, type, tag);
    assert_packs(&e, msg, len);
}


static void
test_tclunk(void **state)
{
    static const uint8_t  msg[] = {
        0x0b, 0x00, 0x00, 0x00, 0x78, 0x0a, 0x00,
        0x01, 0x00, 0x00, 0x00
    };

    (void) state;

    check_fid_only(msg, sizeof(msg), NINEP_TCLUNK, 10, 1);
}


static void
test_rclunk(void **state)
{
    static const uint8_t  msg[] = {
        0x07, 0x00, 0x00, 0x00, 0x79, 0x0a, 0x00
    };

    (void) state;

    check_empty(msg, sizeof(msg), NINEP_RCLUNK, 10);
}


static void
test_tremove(void **state)
{
    static const uint8_t  msg[] = {
        0x0b, 0x00, 0x00, 0x00, 0x7a, 0x0b, 0x00,
        0x02, 0x00, 0x00, 0x00
    };

    (void) state;

    check_fid_only(msg, sizeof(msg), NINEP_TREMOVE, 11, 2);
}


static void
test_rremove(void **state)
{
    static const uint8_t  msg[] = {
        0x07, 0x00, 0x00, 0x00, 0x7b, 0x0b, 0x00
    };

    (void) state;

    check_empty(msg, sizeof(msg), NINEP_RREMOVE, 11);
}


static void
test_tstat(void **state)
{
    static const uint8_t  msg[] = {
        0x0b, 0x00, 0x00, 0x00, 0x7c, 0x0c, 0x00,
        0x01, 0x00, 0x00, 0x00
    };

    (void) state;

    check_fid_only(msg, sizeof(msg), NINEP_TSTAT, 12, 1);
}


/* the stat of the Rstat vector below, and a Twstat that only renames */

static const uint8_t  rstat_msg[] = {
    0x51, 0x00, 0x00, 0x00, 0x7d, 0x0c, 0x00,
    0x48, 0x00,                                     /* nstat 72 */
    0x46, 0x00,                                     /* size 70 */
    0x00, 0x00,                                     /* type */
    0x00, 0x00, 0x00, 0x00,                         /* dev */
    0x00, 0x01, 0x00, 0x00, 0x00,                   /* qid file v1 */
    0x2a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /*   path 42 */
    0xa4, 0x01, 0x00, 0x00,                         /* mode 0644 */
    0x00, 0x10, 0x5e, 0x5f,                         /* atime 1600000000 */
    0x01, 0x10, 0x5e, 0x5f,                         /* mtime 1600000001 */
    0x0b, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* length 11 */
    0x05, 0x00, 'n', 'o', 't', 'e', 's',
    0x06, 0x00, 'g', 'l', 'e', 'n', 'd', 'a',
    0x06, 0x00, 'g', 'l', 'e', 'n', 'd', 'a',
    0x06, 0x00, 'g', 'l', 'e', 'n', 'd', 'a'
};


static void
assert_notes_stat(const ninep_stat_t *st)
{
    assert_int_equal(st->type, 0);
    assert_int_equal(st->dev, 0);
    assert_qid(&st->qid, NINEP_QTFILE, 1, 42);
    assert_int_equal(st->mode, 0644);
    assert_int_equal(st->atime, 1600000000);
    assert_int_equal(st->mtime, 1600000001);
    assert_true(st->length == 11);
    assert_str(st->name, "notes");
    assert_str(st->uid, "glenda");
    assert_str(st->gid, "glenda");
    assert_str(st->muid, "glenda");
}


static void
notes_stat(ninep_stat_t *st)
{
    memset(st, 0, sizeof(*st));
    st->qid = qid(NINEP_QTFILE, 1, 42);
    st->mode = 0644;
    st->atime = 1600000000;
    st->mtime = 1600000001;
    st->length = 11;
    st->name = ninep_str("notes");
    st->uid = ninep_str("glenda");
    st->gid = ninep_str("glenda");
    st->muid = ninep_str("glenda");
}


static void
test_rstat(void **state)
{
    ninep_fcall_t  f, e;

    (void) state;

    check_vector(rstat_msg, sizeof(rstat_msg), &f);
    assert_int_equal(f.type, NINEP_RSTAT);
    assert_int_equal(f.tag, 12);
    assert_int_equal(f.nstat, 72);
    assert_ptr_equal(f.stat, rstat_msg + 9);
    assert_notes_stat(&f.st);

    /* encoded from st */
    fcall_init(&e, NINEP_RSTAT, 12);
    notes_stat(&e.st);
    assert_int_equal(ninep_stat_size(&e.st), 72);
    assert_packs(&e, rstat_msg, sizeof(rstat_msg));

    /* and copied from raw stat bytes */
    fcall_init(&e, NINEP_RSTAT, 12);
    e.stat = rstat_msg + 9;
    e.nstat = 72;
    assert_packs(&e, rstat_msg, sizeof(rstat_msg));
}


static void
test_twstat(void **state)
{
    static const uint8_t  msg[] = {
        0x45, 0x00, 0x00, 0x00, 0x7e, 0x0d, 0x00,
        0x01, 0x00, 0x00, 0x00,                     /* fid 1 */
        0x38, 0x00,                                 /* nstat 56 */
        0x36, 0x00,                                 /* size 54 */
        0xff, 0xff,                                 /* type: don't touch */
        0xff, 0xff, 0xff, 0xff,                     /* dev */
        0xff, 0xff, 0xff, 0xff, 0xff,               /* qid */
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff,                     /* mode */
        0xff, 0xff, 0xff, 0xff,                     /* atime */
        0xff, 0xff, 0xff, 0xff,                     /* mtime */
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* length */
        0x07, 0x00, 'r', 'e', 'n', 'a', 'm', 'e', 'd',
        0x00, 0x00,                                 /* uid "" */
        0x00, 0x00,                                 /* gid "" */
        0x00, 0x00                                  /* muid "" */
    };

    ninep_fcall_t  f, e;

    (void) state;

    check_vector(msg, sizeof(msg), &f);
    assert_int_equal(f.type, NINEP_TWSTAT);
    assert_int_equal(f.tag, 13);
    assert_int_equal(f.fid, 1);
    assert_int_equal(f.nstat, 56);
    assert_ptr_equal(f.stat, msg + 13);
    assert_int_equal(f.st.type, NINEP_DONTTOUCH16);
    assert_int_equal(f.st.dev, NINEP_DONTTOUCH32);
    assert_qid(&f.st.qid, 0xff, NINEP_DONTTOUCH32, NINEP_DONTTOUCH64);
    assert_int_equal(f.st.mode, NINEP_DONTTOUCH32);
    assert_int_equal(f.st.atime, NINEP_DONTTOUCH32);
    assert_int_equal(f.st.mtime, NINEP_DONTTOUCH32);
    assert_true(f.st.length == NINEP_DONTTOUCH64);
    assert_str(f.st.name, "renamed");
    assert_str(f.st.uid, "");
    assert_str(f.st.gid, "");
    assert_str(f.st.muid, "");

    fcall_init(&e, NINEP_TWSTAT, 13);
    e.fid = 1;
    e.st.type = NINEP_DONTTOUCH16;
    e.st.dev = NINEP_DONTTOUCH32;
    e.st.qid = qid(0xff, NINEP_DONTTOUCH32, NINEP_DONTTOUCH64);
    e.st.mode = NINEP_DONTTOUCH32;
    e.st.atime = NINEP_DONTTOUCH32;
    e.st.mtime = NINEP_DONTTOUCH32;
    e.st.length = NINEP_DONTTOUCH64;
    e.st.name = ninep_str("renamed");
    assert_packs(&e, msg, sizeof(msg));
}


static void
test_rwstat(void **state)
{
    static const uint8_t  msg[] = {
        0x07, 0x00, 0x00, 0x00, 0x7f, 0x0d, 0x00
    };

    (void) state;

    check_empty(msg, sizeof(msg), NINEP_RWSTAT, 13);
}


/* round trips */

static void
round_trip(const ninep_fcall_t *e, ninep_fcall_t *f, uint8_t *buf,
    size_t cap)
{
    ssize_t  n;

    n = ninep_pack(e, buf, cap);
    assert_true(n >= NINEP_HDRSZ);
    assert_int_equal(ninep_unpack(buf, (size_t) n, 0, NINEP_ANY, f),
                     NINEP_OK);
    assert_int_equal(f->type, e->type);
    assert_int_equal(f->tag, e->tag);
}


static void
test_round_trip_stat(void **state)
{
    size_t         used;
    ssize_t        n;
    uint8_t        buf[512];
    ninep_stat_t   st, out;
    ninep_fcall_t  e, f;

    (void) state;

    st.type = 0x1234;
    st.dev = 0xdeadbeef;
    st.qid = qid(NINEP_QTDIR | NINEP_QTTMP, 0x01020304,
                 0x0102030405060708ULL);
    st.mode = NINEP_DMDIR | NINEP_DMTMP | 0755;
    st.atime = 0x7fffffff;
    st.mtime = 0x80000000U;
    st.length = 0xfedcba9876543210ULL;
    st.name = ninep_str("a name with spaces");
    st.uid = ninep_str("user");
    st.gid = ninep_str("group");
    st.muid = ninep_str("modifier");

    n = ninep_stat_pack(&st, buf, sizeof(buf));
    assert_int_equal(n, ninep_stat_size(&st));
    assert_int_equal(ninep_stat_unpack(buf, (size_t) n, &out, &used),
                     NINEP_OK);
    assert_int_equal(used, n);
    assert_int_equal(out.type, 0x1234);
    assert_int_equal(out.dev, 0xdeadbeef);
    assert_qid(&out.qid, NINEP_QTDIR | NINEP_QTTMP, 0x01020304,
               0x0102030405060708ULL);
    assert_int_equal(out.mode, NINEP_DMDIR | NINEP_DMTMP | 0755);
    assert_int_equal(out.atime, 0x7fffffff);
    assert_int_equal(out.mtime, 0x80000000U);
    assert_true(out.length == 0xfedcba9876543210ULL);
    assert_str(out.name, "a name with spaces");
    assert_str(out.uid, "user");
    assert_str(out.gid, "group");
    assert_str(out.muid, "modifier");

    for (used = 0; used < (size_t) n; used++) {
        assert_int_equal(ninep_stat_pack(&st, buf, used), NINEP_ENOSPACE);
    }

    fcall_init(&e, NINEP_TWSTAT, 77);
    e.fid = 9;
    e.st = st;
    round_trip(&e, &f, buf, sizeof(buf));
    assert_int_equal(f.fid, 9);
    assert_int_equal(f.nstat, n);
    assert_int_equal(f.st.dev, 0xdeadbeef);
    assert_true(f.st.length == 0xfedcba9876543210ULL);
    assert_str(f.st.muid, "modifier");

    fcall_init(&e, NINEP_RSTAT, 78);
    e.st = st;
    round_trip(&e, &f, buf, sizeof(buf));
    assert_int_equal(f.nstat, n);
    assert_str(f.st.name, "a name with spaces");
}


static void
test_round_trip_walk(void **state)
{
    int            i;
    uint8_t        buf[512];
    ninep_fcall_t  e, f;

    static const char  *names[NINEP_MAXWELEM] = {
        "a", "bb", "", "dddd", "e", "f", "g", "h",
        "i", "j", "k", "l", "m", "n", "o", "the-last-one"
    };

    (void) state;

    fcall_init(&e, NINEP_TWALK, 1);
    e.fid = 1;
    e.newfid = 2;
    round_trip(&e, &f, buf, sizeof(buf));
    assert_int_equal(f.nwname, 0);
    assert_int_equal(f.fid, 1);
    assert_int_equal(f.newfid, 2);

    e.nwname = NINEP_MAXWELEM;
    for (i = 0; i < NINEP_MAXWELEM; i++) {
        e.wname[i] = ninep_str(names[i]);
    }

    round_trip(&e, &f, buf, sizeof(buf));
    assert_int_equal(f.nwname, NINEP_MAXWELEM);
    for (i = 0; i < NINEP_MAXWELEM; i++) {
        assert_str(f.wname[i], names[i]);
    }

    fcall_init(&e, NINEP_RWALK, 1);
    round_trip(&e, &f, buf, sizeof(buf));
    assert_int_equal(f.nwqid, 0);

    e.nwqid = NINEP_MAXWELEM;
    for (i = 0; i < NINEP_MAXWELEM; i++) {
        e.wqid[i] = qid((uint8_t) (i == 15 ? 0 : NINEP_QTDIR), (uint32_t) i,
                        (uint64_t) i << 40 | 7);
    }

    assert_int_equal(ninep_pack(&e, buf, sizeof(buf)),
                     NINEP_HDRSZ + 2 + NINEP_MAXWELEM * NINEP_QIDSZ);
    round_trip(&e, &f, buf, sizeof(buf));
    assert_int_equal(f.nwqid, NINEP_MAXWELEM);
    for (i = 0; i < NINEP_MAXWELEM; i++) {
        assert_qid(&f.wqid[i], (uint8_t) (i == 15 ? 0 : NINEP_QTDIR),
                   (uint32_t) i, (uint64_t) i << 40 | 7);
    }
}


static void
test_round_trip_data(void **state)
{
    size_t          i;
    uint8_t        *buf, data[4000];
    ninep_fcall_t   e, f;

    (void) state;

    for (i = 0; i < sizeof(data); i++) {
        data[i] = (uint8_t) (i * 7);
    }

    buf = malloc(sizeof(data) + NINEP_IOHDRSZ);
    assert_non_null(buf);

    fcall_init(&e, NINEP_TWRITE, 3);
    e.fid = 4;
    e.offset = 0xffffffffffffULL;
    e.count = sizeof(data);
    e.data = data;
    round_trip(&e, &f, buf, sizeof(data) + NINEP_IOHDRSZ);
    assert_int_equal(f.fid, 4);
    assert_true(f.offset == 0xffffffffffffULL);
    assert_int_equal(f.count, sizeof(data));
    assert_ptr_equal(f.data, buf + 23);
    assert_memory_equal(f.data, data, sizeof(data));

    fcall_init(&e, NINEP_RREAD, 3);
    e.count = sizeof(data);
    e.data = data;
    round_trip(&e, &f, buf, sizeof(data) + NINEP_IOHDRSZ);
    assert_int_equal(f.count, sizeof(data));
    assert_ptr_equal(f.data, buf + 11);
    assert_memory_equal(f.data, data, sizeof(data));

    /* no data at all: data may be NULL */
    e.count = 0;
    e.data = NULL;
    round_trip(&e, &f, buf, sizeof(data) + NINEP_IOHDRSZ);
    assert_int_equal(f.count, 0);

    fcall_init(&e, NINEP_TWRITE, 3);
    round_trip(&e, &f, buf, sizeof(data) + NINEP_IOHDRSZ);
    assert_int_equal(f.count, 0);

    free(buf);
}


static void
test_round_trip_empty_strings(void **state)
{
    uint8_t        buf[128];
    ninep_fcall_t  e, f;

    (void) state;

    fcall_init(&e, NINEP_TATTACH, 0);
    e.afid = NINEP_NOFID;
    round_trip(&e, &f, buf, sizeof(buf));
    assert_str(f.uname, "");
    assert_str(f.aname, "");
    assert_int_equal(f.afid, NINEP_NOFID);

    e.uname = ninep_str("");
    e.aname = ninep_str(NULL);
    assert_int_equal(ninep_pack(&e, buf, sizeof(buf)), NINEP_HDRSZ + 12);

    fcall_init(&e, NINEP_RERROR, 1);
    round_trip(&e, &f, buf, sizeof(buf));
    assert_int_equal(f.ename.len, 0);

    fcall_init(&e, NINEP_TVERSION, NINEP_NOTAG);
    e.msize = 0xffffffff;
    round_trip(&e, &f, buf, sizeof(buf));
    assert_int_equal(f.msize, 0xffffffff);
    assert_str(f.version, "");

    fcall_init(&e, NINEP_TCREATE, 2);
    e.perm = NINEP_DMDIR | 0777;
    e.mode = NINEP_OREAD;
    round_trip(&e, &f, buf, sizeof(buf));
    assert_str(f.name, "");
    assert_int_equal(f.perm, NINEP_DMDIR | 0777);

    /* a stat whose strings are all empty is the smallest one */
    fcall_init(&e, NINEP_RSTAT, 2);
    assert_int_equal(ninep_stat_size(&e.st), 2 + NINEP_STATFIXED + 8);
    round_trip(&e, &f, buf, sizeof(buf));
    assert_int_equal(f.nstat, 2 + NINEP_STATFIXED + 8);
    assert_str(f.st.name, "");
    assert_str(f.st.muid, "");
}


/* malformed messages */

static void
test_err_short(void **state)
{
    static const uint8_t  msg[] = { 0x07, 0x00, 0x00 };

    ninep_fcall_t  f;

    (void) state;

    assert_int_equal(ninep_unpack(msg, 0, 0, NINEP_ANY, &f), NINEP_ESHORT);
    assert_int_equal(ninep_unpack(msg, 1, 0, NINEP_ANY, &f), NINEP_ESHORT);
    assert_int_equal(ninep_unpack(msg, 2, 0, NINEP_ANY, &f), NINEP_ESHORT);
    assert_int_equal(ninep_unpack(msg, 3, 0, NINEP_ANY, &f), NINEP_ESHORT);
    assert_int_equal(ninep_peek_size(msg, 3), NINEP_ESHORT);
}


static void
test_err_size(void **state)
{
    static const uint8_t  big[] = {         /* says 12, has 11 */
        0x0c, 0x00, 0x00, 0x00, 0x78, 0x0a, 0x00, 0x01, 0x00, 0x00, 0x00
    };
    static const uint8_t  small[] = {       /* says 10, has 11 */
        0x0a, 0x00, 0x00, 0x00, 0x78, 0x0a, 0x00, 0x01, 0x00, 0x00, 0x00
    };
    static const uint8_t  huge[] = {        /* says 4G-1; not ETOOBIG */
        0xff, 0xff, 0xff, 0xff, 0x78, 0x0a, 0x00, 0x01, 0x00, 0x00, 0x00
    };
    static const uint8_t  zero[] = { 0x00, 0x00, 0x00, 0x00 };

    ninep_fcall_t  f;

    (void) state;

    assert_int_equal(unpack_copy(big, sizeof(big), NINEP_ANY), NINEP_ESIZE);
    assert_int_equal(unpack_copy(small, sizeof(small), NINEP_ANY),
                     NINEP_ESIZE);
    assert_int_equal(ninep_unpack(huge, sizeof(huge), 8192, NINEP_ANY, &f),
                     NINEP_ESIZE);
    assert_int_equal(ninep_peek_size(huge, sizeof(huge)), 0xffffffffLL);
    assert_int_equal(unpack_copy(zero, sizeof(zero), NINEP_ANY),
                     NINEP_ESIZE);
}


static void
test_err_toosmall(void **state)
{
    static const uint8_t  four[] = { 0x04, 0x00, 0x00, 0x00 };
    static const uint8_t  six[] = { 0x06, 0x00, 0x00, 0x00, 0x6a, 0x00 };

    (void) state;

    assert_int_equal(unpack_copy(four, sizeof(four), NINEP_ANY),
                     NINEP_ETOOSMALL);
    assert_int_equal(unpack_copy(six, sizeof(six), NINEP_ANY),
                     NINEP_ETOOSMALL);
}


static void
test_err_toobig(void **state)
{
    static const uint8_t  msg[] = {         /* a Tclunk */
        0x0b, 0x00, 0x00, 0x00, 0x78, 0x0a, 0x00, 0x01, 0x00, 0x00, 0x00
    };
    static const uint8_t  bad[] = {         /* size before type */
        0x0b, 0x00, 0x00, 0x00, 0x6a, 0x0a, 0x00, 0x01, 0x00, 0x00, 0x00
    };

    ninep_fcall_t  f;

    (void) state;

    assert_int_equal(ninep_unpack(msg, sizeof(msg), 10, NINEP_T, &f),
                     NINEP_ETOOBIG);
    assert_int_equal(ninep_unpack(msg, sizeof(msg), 7, NINEP_T, &f),
                     NINEP_ETOOBIG);
    assert_int_equal(ninep_unpack(msg, sizeof(msg), 11, NINEP_T, &f),
                     NINEP_OK);
    assert_int_equal(ninep_unpack(msg, sizeof(msg), 0, NINEP_T, &f),
                     NINEP_OK);
    assert_int_equal(ninep_unpack(bad, sizeof(bad), 10, NINEP_T, &f),
                     NINEP_ETOOBIG);
    assert_int_equal(ninep_unpack(bad, sizeof(bad), 11, NINEP_T, &f),
                     NINEP_EUNKNOWN);
}


static void
test_err_unknown(void **state)
{
    size_t         i;
    uint8_t        msg[] = { 0x07, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00 };
    ninep_fcall_t  f;

    static const uint8_t  types[] = { 0, 1, 99, 106, 128, 200, 255 };

    (void) state;

    for (i = 0; i < NELEM(types); i++) {
        msg[4] = types[i];
        assert_int_equal(ninep_unpack(msg, sizeof(msg), 0, NINEP_ANY, &f),
                         NINEP_EUNKNOWN);
        assert_int_equal(ninep_unpack(msg, sizeof(msg), 0, NINEP_T, &f),
                         NINEP_EUNKNOWN);
    }
}


static void
test_err_want(void **state)
{
    static const uint8_t  tclunk[] = {
        0x0b, 0x00, 0x00, 0x00, 0x78, 0x0a, 0x00, 0x01, 0x00, 0x00, 0x00
    };
    static const uint8_t  rclunk[] = {
        0x07, 0x00, 0x00, 0x00, 0x79, 0x0a, 0x00
    };

    ninep_fcall_t  f;

    (void) state;

    assert_int_equal(ninep_unpack(rclunk, sizeof(rclunk), 0, NINEP_T, &f),
                     NINEP_EWANT_T);
    assert_int_equal(ninep_unpack(tclunk, sizeof(tclunk), 0, NINEP_R, &f),
                     NINEP_EWANT_R);
    assert_int_equal(ninep_unpack(rclunk, sizeof(rclunk), 0, NINEP_R, &f),
                     NINEP_OK);
    assert_int_equal(ninep_unpack(tclunk, sizeof(tclunk), 0, NINEP_T, &f),
                     NINEP_OK);
}


static void
test_err_trunc(void **state)
{
    static const uint8_t  tflush[] = {      /* oldtag cut */
        0x08, 0x00, 0x00, 0x00, 0x6c, 0x04, 0x00, 0x03
    };
    static const uint8_t  tread[] = {       /* no count */
        0x13, 0x00, 0x00, 0x00, 0x74, 0x08, 0x00,
        0x01, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00
    };
    static const uint8_t  rauth[] = {       /* qid path cut */
        0x13, 0x00, 0x00, 0x00, 0x67, 0x01, 0x00,
        0x08, 0x00, 0x00, 0x00, 0x00,
        0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22
    };
    static const uint8_t  tcreate[] = {     /* no mode after perm */
        0x12, 0x00, 0x00, 0x00, 0x72, 0x07, 0x00,
        0x01, 0x00, 0x00, 0x00,
        0x01, 0x00, 'n',
        0xa4, 0x01, 0x00, 0x00
    };
    static const uint8_t  rstat[] = {       /* nstat past the end */
        0x0b, 0x00, 0x00, 0x00, 0x7d, 0x0c, 0x00,
        0x48, 0x00, 0x46, 0x00
    };

    (void) state;

    assert_int_equal(unpack_copy(tflush, sizeof(tflush), NINEP_ANY),
                     NINEP_ETRUNC);
    assert_int_equal(unpack_copy(tread, sizeof(tread), NINEP_ANY),
                     NINEP_ETRUNC);
    assert_int_equal(unpack_copy(rauth, sizeof(rauth), NINEP_ANY),
                     NINEP_ETRUNC);
    assert_int_equal(unpack_copy(tcreate, sizeof(tcreate), NINEP_ANY),
                     NINEP_ETRUNC);
    assert_int_equal(unpack_copy(rstat, sizeof(rstat), NINEP_ANY),
                     NINEP_ETRUNC);
}


static void
test_err_string(void **state)
{
    static const uint8_t  len_past[] = {    /* "9P2000" claims 7 bytes */
        0x13, 0x00, 0x00, 0x00, 0x64, 0xff, 0xff,
        0x00, 0x20, 0x00, 0x00,
        0x07, 0x00, '9', 'P', '2', '0', '0', '0'
    };
    static const uint8_t  len_cut[] = {     /* len[2] itself cut */
        0x0c, 0x00, 0x00, 0x00, 0x64, 0xff, 0xff,
        0x00, 0x20, 0x00, 0x00, 0x06
    };
    static const uint8_t  no_aname[] = {    /* Tauth without aname */
        0x13, 0x00, 0x00, 0x00, 0x66, 0x01, 0x00,
        0x05, 0x00, 0x00, 0x00,
        0x06, 0x00, 'g', 'l', 'e', 'n', 'd', 'a'
    };
    static const uint8_t  wname[] = {       /* second wname runs past */
        0x1a, 0x00, 0x00, 0x00, 0x6e, 0x05, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
        0x02, 0x00,
        0x03, 0x00, 'u', 's', 'r',
        0xff, 0xff, 'g', 'l'
    };

    (void) state;

    assert_int_equal(unpack_copy(len_past, sizeof(len_past), NINEP_ANY),
                     NINEP_ESTRING);
    assert_int_equal(unpack_copy(len_cut, sizeof(len_cut), NINEP_ANY),
                     NINEP_ESTRING);
    assert_int_equal(unpack_copy(no_aname, sizeof(no_aname), NINEP_ANY),
                     NINEP_ESTRING);
    assert_int_equal(unpack_copy(wname, sizeof(wname), NINEP_ANY),
                     NINEP_ESTRING);
}


static void
test_err_welem(void **state)
{
    static const uint8_t  twalk[] = {
        0x11, 0x00, 0x00, 0x00, 0x6e, 0x05, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
        0x11, 0x00                                  /* nwname 17 */
    };
    static const uint8_t  rwalk[] = {
        0x09, 0x00, 0x00, 0x00, 0x6f, 0x05, 0x00,
        0x11, 0x00                                  /* nwqid 17 */
    };

    (void) state;

    assert_int_equal(unpack_copy(twalk, sizeof(twalk), NINEP_ANY),
                     NINEP_EWELEM);
    assert_int_equal(unpack_copy(rwalk, sizeof(rwalk), NINEP_ANY),
                     NINEP_EWQID);
}


static void
test_err_count(void **state)
{
    static const uint8_t  twrite_more[] = {     /* count 7, 6 bytes */
        0x1d, 0x00, 0x00, 0x00, 0x76, 0x09, 0x00,
        0x01, 0x00, 0x00, 0x00,
        0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x07, 0x00, 0x00, 0x00,
        ' ', 'w', 'o', 'r', 'l', 'd'
    };
    static const uint8_t  twrite_less[] = {     /* count 5, 6 bytes */
        0x1d, 0x00, 0x00, 0x00, 0x76, 0x09, 0x00,
        0x01, 0x00, 0x00, 0x00,
        0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x05, 0x00, 0x00, 0x00,
        ' ', 'w', 'o', 'r', 'l', 'd'
    };
    static const uint8_t  rread_huge[] = {      /* count 4G-1 */
        0x10, 0x00, 0x00, 0x00, 0x75, 0x08, 0x00,
        0xff, 0xff, 0xff, 0xff,
        'h', 'e', 'l', 'l', 'o'
    };
    static const uint8_t  rread_zero[] = {      /* count 0, 5 bytes */
        0x10, 0x00, 0x00, 0x00, 0x75, 0x08, 0x00,
        0x00, 0x00, 0x00, 0x00,
        'h', 'e', 'l', 'l', 'o'
    };

    (void) state;

    assert_int_equal(unpack_copy(twrite_more, sizeof(twrite_more),
                                 NINEP_ANY),
                     NINEP_ECOUNT);
    assert_int_equal(unpack_copy(twrite_less, sizeof(twrite_less),
                                 NINEP_ANY),
                     NINEP_ECOUNT);
    assert_int_equal(unpack_copy(rread_huge, sizeof(rread_huge), NINEP_ANY),
                     NINEP_ECOUNT);
    assert_int_equal(unpack_copy(rread_zero, sizeof(rread_zero), NINEP_ANY),
                     NINEP_ECOUNT);
}


/* rstat_msg with one byte changed */

static int
rstat_poked(size_t off, uint8_t v)
{
    uint8_t  msg[sizeof(rstat_msg)];

    memcpy(msg, rstat_msg, sizeof(msg));
    msg[off] = v;

    return unpack_copy(msg, sizeof(msg), NINEP_ANY);
}


static void
test_err_statsz(void **state)
{
    size_t   len;
    uint8_t  msg[sizeof(rstat_msg) + 1];

    static const uint8_t  tiny[] = {        /* nstat 1 */
        0x0a, 0x00, 0x00, 0x00, 0x7d, 0x0c, 0x00, 0x01, 0x00, 0x00
    };
    static const uint8_t  fixed[] = {       /* size 4: fixed part cut */
        0x0f, 0x00, 0x00, 0x00, 0x7d, 0x0c, 0x00,
        0x06, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00
    };

    (void) state;

    /* inner size 69 or 71 inside nstat 72 */
    assert_int_equal(rstat_poked(9, 0x45), NINEP_ESTATSZ);
    assert_int_equal(rstat_poked(9, 0x47), NINEP_ESTATSZ);

    /* nstat 71 with inner size 70: the stat sticks out of nstat */
    assert_int_equal(rstat_poked(7, 0x47), NINEP_ESTATSZ);

    /* muid shorter by one: the entry's strings end before size + 2 */
    assert_int_equal(rstat_poked(73, 0x05), NINEP_ESTATSZ);

    /* name longer: it runs past the entry */
    assert_int_equal(rstat_poked(50, 0x50), NINEP_ESTRING);

    assert_int_equal(unpack_copy(tiny, sizeof(tiny), NINEP_ANY),
                     NINEP_ESTATSZ);
    assert_int_equal(unpack_copy(fixed, sizeof(fixed), NINEP_ANY),
                     NINEP_ESTATSZ);

    /* one byte too many inside both nstat and size */
    len = sizeof(msg);
    memcpy(msg, rstat_msg, sizeof(rstat_msg));
    msg[sizeof(rstat_msg)] = 'x';
    msg[0] = (uint8_t) len;
    msg[7] = 0x49;
    msg[9] = 0x47;
    assert_int_equal(unpack_copy(msg, len, NINEP_ANY), NINEP_ESTATSZ);
}


static void
test_err_trailing(void **state)
{
    static const uint8_t  tclunk[] = {
        0x0c, 0x00, 0x00, 0x00, 0x78, 0x0a, 0x00,
        0x01, 0x00, 0x00, 0x00, 0x00
    };
    static const uint8_t  rflush[] = {
        0x08, 0x00, 0x00, 0x00, 0x6d, 0x04, 0x00, 0x00
    };
    static const uint8_t  rwalk[] = {       /* nwqid 0 and a stray byte */
        0x0a, 0x00, 0x00, 0x00, 0x6f, 0x05, 0x00, 0x00, 0x00, 0x80
    };

    (void) state;

    assert_int_equal(unpack_copy(tclunk, sizeof(tclunk), NINEP_ANY),
                     NINEP_ETRAILING);
    assert_int_equal(unpack_copy(rflush, sizeof(rflush), NINEP_ANY),
                     NINEP_ETRAILING);
    assert_int_equal(unpack_copy(rwalk, sizeof(rwalk), NINEP_ANY),
                     NINEP_ETRAILING);
}


static void
test_err_nospace(void **state)
{
    size_t         cap;
    uint8_t        buf[64];
    ninep_fcall_t  e;

    (void) state;

    fcall_init(&e, NINEP_TATTACH, 2);
    e.afid = NINEP_NOFID;
    e.uname = ninep_str("glenda");
    e.aname = ninep_str("main");

    /* nothing is written past cap */
    for (cap = 0; cap < 29; cap++) {
        memset(buf, 0xa5, sizeof(buf));
        assert_int_equal(ninep_pack(&e, buf, cap), NINEP_ENOSPACE);
        assert_int_equal(buf[cap], 0xa5);
        assert_int_equal(buf[sizeof(buf) - 1], 0xa5);
    }

    assert_int_equal(ninep_pack(&e, buf, 29), 29);
    assert_int_equal(ninep_pack(&e, buf, sizeof(buf)), 29);
}


static void
test_err_inval(void **state)
{
    char          *longname;
    uint8_t        buf[256], raw[sizeof(rstat_msg)];
    ninep_fcall_t  e;

    (void) state;

    fcall_init(&e, NINEP_TWALK, 1);
    e.nwname = NINEP_MAXWELEM + 1;
    assert_int_equal(ninep_pack(&e, buf, sizeof(buf)), NINEP_EINVAL);
    assert_int_equal(ninep_pack(&e, buf, 0), NINEP_EINVAL);

    fcall_init(&e, NINEP_RWALK, 1);
    e.nwqid = NINEP_MAXWELEM + 1;
    assert_int_equal(ninep_pack(&e, buf, sizeof(buf)), NINEP_EINVAL);

    fcall_init(&e, 106, 1);
    assert_int_equal(ninep_pack(&e, buf, sizeof(buf)), NINEP_EINVAL);
    fcall_init(&e, 0, 1);
    assert_int_equal(ninep_pack(&e, buf, sizeof(buf)), NINEP_EINVAL);
    fcall_init(&e, 128, 1);
    assert_int_equal(ninep_pack(&e, buf, sizeof(buf)), NINEP_EINVAL);

    /* a string longer than 65535 bytes cannot be encoded */
    longname = malloc(70000);
    assert_non_null(longname);
    memset(longname, 'x', 69999);
    longname[69999] = '\0';

    fcall_init(&e, NINEP_RERROR, 1);
    e.ename = ninep_str(longname);
    assert_int_equal(ninep_pack(&e, buf, sizeof(buf)), NINEP_EINVAL);
    assert_false(ninep_str_eq(e.ename, longname));

    longname[65535] = '\0';
    e.ename = ninep_str(longname);
    assert_int_equal(e.ename.len, 65535);
    assert_int_equal(ninep_pack(&e, buf, sizeof(buf)), NINEP_ENOSPACE);
    free(longname);

    /* data or string bytes missing */
    fcall_init(&e, NINEP_RREAD, 1);
    e.count = 3;
    assert_int_equal(ninep_pack(&e, buf, sizeof(buf)), NINEP_EINVAL);

    fcall_init(&e, NINEP_TCREATE, 1);
    e.name.len = 4;
    assert_int_equal(ninep_pack(&e, buf, sizeof(buf)), NINEP_EINVAL);

    /* raw stat bytes that do not decode */
    memcpy(raw, rstat_msg, sizeof(raw));
    fcall_init(&e, NINEP_RSTAT, 1);
    e.stat = raw + 9;
    e.nstat = 71;
    assert_int_equal(ninep_pack(&e, buf, sizeof(buf)), NINEP_EINVAL);
    e.nstat = 72;
    raw[50] = 0x55;                         /* name len 0x55 */
    assert_int_equal(ninep_pack(&e, buf, sizeof(buf)), NINEP_EINVAL);
    e.nstat = 0;
    assert_int_equal(ninep_pack(&e, buf, sizeof(buf)), NINEP_EINVAL);

    /* a stat too big for nstat[2] */
    longname = malloc(30000);
    assert_non_null(longname);
    memset(longname, 'y', 29999);
    longname[29999] = '\0';

    fcall_init(&e, NINEP_TWSTAT, 1);
    e.st.name = ninep_str(longname);
    e.st.uid = ninep_str(longname);
    e.st.gid = ninep_str(longname);
    assert_int_equal(ninep_pack(&e, buf, sizeof(buf)), NINEP_EINVAL);
    assert_int_equal(ninep_stat_pack(&e.st, buf, sizeof(buf)), NINEP_EINVAL);
    free(longname);
}


/* ninep_dir_fit: whole entries only, possibly none; a torn entry is not */

static void
test_dir_fit(void **state)
{
    size_t        i, len, sizes[3];
    ssize_t       n;
    uint8_t       dir[512];
    ninep_stat_t  st;

    static const char  *names[] = { "a", "longer-name", "c" };

    (void) state;

    len = 0;
    for (i = 0; i < NELEM(names); i++) {
        notes_stat(&st);
        st.name = ninep_str(names[i]);
        n = ninep_stat_pack(&st, dir + len, sizeof(dir) - len);
        assert_true(n > 0);
        sizes[i] = (size_t) n;
        len += (size_t) n;
    }

    assert_int_equal(ninep_dir_fit(dir, len, 0), 0);
    assert_int_equal(ninep_dir_fit(dir, len, sizes[0] - 1), 0);
    assert_int_equal(ninep_dir_fit(dir, len, sizes[0]), sizes[0]);
    assert_int_equal(ninep_dir_fit(dir, len, sizes[0] + sizes[1] - 1),
                     sizes[0]);
    assert_int_equal(ninep_dir_fit(dir, len, 8192), len);
    assert_int_equal(ninep_dir_fit(dir + sizes[0], len - sizes[0], 8192),
                     len - sizes[0]);
    /* the listing ends inside an entry: that entry is not given */
    assert_int_equal(ninep_dir_fit(dir, len - 1, 8192),
                     sizes[0] + sizes[1]);
    assert_int_equal(ninep_dir_fit(dir, 1, 8192), 0);
    assert_int_equal(ninep_dir_fit(dir, 0, 8192), 0);
}


/* ninep_stat_unpack over the data of a directory read */

static void
test_stat_dir(void **state)
{
    size_t          i, off, used, len, cut;
    ssize_t         n;
    uint8_t         dir[1024], msg[1100], *p;
    ninep_stat_t    st;
    ninep_fcall_t   e, f;

    static const char  *names[] = { "bin", "lib", "notes", "a-long-name" };

    (void) state;

    len = 0;
    for (i = 0; i < NELEM(names); i++) {
        notes_stat(&st);
        st.name = ninep_str(names[i]);
        st.qid.path = i;
        n = ninep_stat_pack(&st, dir + len, sizeof(dir) - len);
        assert_int_equal(n, ninep_stat_size(&st));
        len += (size_t) n;
    }

    /* as it arrives: the data of an Rread */
    fcall_init(&e, NINEP_RREAD, 1);
    e.count = (uint32_t) len;
    e.data = dir;
    n = ninep_pack(&e, msg, sizeof(msg));
    assert_int_equal(n, NINEP_HDRSZ + 4 + len);
    assert_int_equal(ninep_unpack(msg, (size_t) n, 0, NINEP_R, &f), NINEP_OK);
    assert_int_equal(f.count, len);

    for (i = 0, off = 0; off < f.count; i++, off += used) {
        assert_int_equal(ninep_stat_unpack(f.data + off, f.count - off, &st,
                                           &used),
                         NINEP_OK);
        assert_int_equal(used, 2 + NINEP_STATFIXED + 8 + 6 * 3
                               + strlen(names[i]));
        assert_str(st.name, names[i]);
        assert_true(st.qid.path == i);
        assert_str(st.uid, "glenda");
    }

    assert_int_equal(i, NELEM(names));
    assert_int_equal(off, len);

    /* the last entry (used bytes at len - used) cut anywhere */
    for (cut = 0; cut < used; cut++) {
        p = malloc(cut ? cut : 1);
        assert_non_null(p);
        memcpy(p, dir + len - used, cut);
        assert_int_equal(ninep_stat_unpack(p, cut, &st, &off), NINEP_ETRUNC);
        free(p);
    }
}


static void
test_stat_unpack_errors(void **state)
{
    size_t        used;
    uint8_t       e[80];
    ninep_stat_t  st;

    (void) state;

    /* the stat of rstat_msg: 72 bytes at offset 9 */
    memset(e, 0, sizeof(e));
    memcpy(e, rstat_msg + 9, 72);
    used = 12345;
    assert_int_equal(ninep_stat_unpack(e, 72, &st, &used), NINEP_OK);
    assert_int_equal(used, 72);
    assert_notes_stat(&st);

    /* a longer buffer: the rest is the next entry's */
    assert_int_equal(ninep_stat_unpack(e, sizeof(e), &st, &used), NINEP_OK);
    assert_int_equal(used, 72);

    /* size 71: one byte of trailing garbage inside the entry */
    e[0] = 71;
    e[72] = 'x';
    assert_int_equal(ninep_stat_unpack(e, sizeof(e), &st, &used),
                     NINEP_ESTATSZ);

    /* size 69: muid runs past the entry's end */
    e[0] = 69;
    assert_int_equal(ninep_stat_unpack(e, sizeof(e), &st, &used),
                     NINEP_ESTRING);

    /* size 30: the fixed part does not fit */
    e[0] = 30;
    assert_int_equal(ninep_stat_unpack(e, sizeof(e), &st, &used),
                     NINEP_ESTATSZ);

    /* size 0 */
    e[0] = 0;
    assert_int_equal(ninep_stat_unpack(e, sizeof(e), &st, &used),
                     NINEP_ESTATSZ);

    /* size 78: the entry runs past the buffer */
    e[0] = 78;
    assert_int_equal(ninep_stat_unpack(e, 79, &st, &used), NINEP_ETRUNC);
}


/* helpers */

static void
test_strerror(void **state)
{
    int          i, j;
    const char  *s;

    (void) state;

    assert_string_equal(ninep_strerror(NINEP_OK), "ok");
    assert_string_equal(ninep_strerror(NINEP_ESIZE),
                        "size field does not match message length");
    assert_string_equal(ninep_strerror(NINEP_ETOOSMALL),
                        "message size below 7 bytes");
    assert_string_equal(ninep_strerror(NINEP_ETOOBIG),
                        "message larger than msize");
    assert_string_equal(ninep_strerror(NINEP_EUNKNOWN),
                        "unknown message type");
    assert_string_equal(ninep_strerror(NINEP_EWANT_T),
                        "R-message where a T-message was expected");
    assert_string_equal(ninep_strerror(NINEP_ESTRING),
                        "string runs past end of message");
    assert_string_equal(ninep_strerror(NINEP_EWELEM),
                        "too many walk elements (max 16)");

    for (i = NINEP_EINVAL; i <= NINEP_OK; i++) {
        s = ninep_strerror(i);
        assert_non_null(s);
        assert_true(strlen(s) > 0 && strlen(s) < 60);
        assert_string_not_equal(s, ninep_strerror(-100));

        for (j = NINEP_EINVAL; j < i; j++) {
            assert_string_not_equal(s, ninep_strerror(j));
        }
    }
}


static void
test_type_names(void **state)
{
    int  t;

    static const char  *names[] = {
        "Tversion", "Rversion", "Tauth", "Rauth", "Tattach", "Rattach",
        "unknown", "Rerror", "Tflush", "Rflush", "Twalk", "Rwalk",
        "Topen", "Ropen", "Tcreate", "Rcreate", "Tread", "Rread",
        "Twrite", "Rwrite", "Tclunk", "Rclunk", "Tremove", "Rremove",
        "Tstat", "Rstat", "Twstat", "Rwstat"
    };

    (void) state;

    for (t = NINEP_TVERSION; t <= NINEP_RWSTAT; t++) {
        assert_string_equal(ninep_type_name(t), names[t - NINEP_TVERSION]);

        if (t == 106) {
            assert_int_equal(ninep_type_dir(t), 0);

        } else {
            assert_int_equal(ninep_type_dir(t),
                             names[t - NINEP_TVERSION][0] == 'T'
                             ? NINEP_T : NINEP_R);
        }
    }

    assert_string_equal(ninep_type_name(-1), "unknown");
    assert_string_equal(ninep_type_name(99), "unknown");
    assert_string_equal(ninep_type_name(128), "unknown");
    assert_int_equal(ninep_type_dir(99), 0);
    assert_int_equal(ninep_type_dir(128), 0);
    assert_int_equal(ninep_type_dir(-5), 0);
}


static void
test_str(void **state)
{
    ninep_str_t  s;

    (void) state;

    s = ninep_str("glenda");
    assert_int_equal(s.len, 6);
    assert_true(ninep_str_eq(s, "glenda"));
    assert_false(ninep_str_eq(s, "glend"));
    assert_false(ninep_str_eq(s, "glendas"));
    assert_false(ninep_str_eq(s, "Glenda"));
    assert_false(ninep_str_eq(s, ""));

    s = ninep_str("");
    assert_int_equal(s.len, 0);
    assert_true(ninep_str_eq(s, ""));
    assert_false(ninep_str_eq(s, "x"));

    s = ninep_str(NULL);
    assert_int_equal(s.len, 0);
    assert_true(ninep_str_eq(s, ""));
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_tversion),
        cmocka_unit_test(test_rversion),
        cmocka_unit_test(test_tauth),
        cmocka_unit_test(test_rauth),
        cmocka_unit_test(test_tattach),
        cmocka_unit_test(test_rattach),
        cmocka_unit_test(test_rerror),
        cmocka_unit_test(test_tflush),
        cmocka_unit_test(test_rflush),
        cmocka_unit_test(test_twalk),
        cmocka_unit_test(test_rwalk),
        cmocka_unit_test(test_topen),
        cmocka_unit_test(test_ropen),
        cmocka_unit_test(test_tcreate),
        cmocka_unit_test(test_rcreate),
        cmocka_unit_test(test_tread),
        cmocka_unit_test(test_rread),
        cmocka_unit_test(test_twrite),
        cmocka_unit_test(test_rwrite),
        cmocka_unit_test(test_tclunk),
        cmocka_unit_test(test_rclunk),
        cmocka_unit_test(test_tremove),
        cmocka_unit_test(test_rremove),
        cmocka_unit_test(test_tstat),
        cmocka_unit_test(test_rstat),
        cmocka_unit_test(test_twstat),
        cmocka_unit_test(test_rwstat),

        cmocka_unit_test(test_round_trip_stat),
        cmocka_unit_test(test_round_trip_walk),
        cmocka_unit_test(test_round_trip_data),
        cmocka_unit_test(test_round_trip_empty_strings),

        cmocka_unit_test(test_err_short),
        cmocka_unit_test(test_err_size),
        cmocka_unit_test(test_err_toosmall),
        cmocka_unit_test(test_err_toobig),
        cmocka_unit_test(test_err_unknown),
        cmocka_unit_test(test_err_want),
        cmocka_unit_test(test_err_trunc),
        cmocka_unit_test(test_err_string),
        cmocka_unit_test(test_err_welem),
        cmocka_unit_test(test_err_count),
        cmocka_unit_test(test_err_statsz),
        cmocka_unit_test(test_err_trailing),
        cmocka_unit_test(test_err_nospace),
        cmocka_unit_test(test_err_inval),

        cmocka_unit_test(test_stat_dir),
        cmocka_unit_test(test_dir_fit),
        cmocka_unit_test(test_stat_unpack_errors),

        cmocka_unit_test(test_strerror),
        cmocka_unit_test(test_type_names),
        cmocka_unit_test(test_str),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
