/*
 * Ten: the 9P2000 codec, per intro(5) ... stat(5).
 *
 * Integers are little-endian; a string is len[2] followed by len bytes;
 * a qid is type[1] version[4] path[8].  Decoding reads through a cursor
 * whose first error sticks, so a message body is decoded field by field
 * and checked once at the end; encoding writes through a cursor that
 * counts the bytes the message needs, writes only those that fit, and
 * so reports NINEP_ENOSPACE without ever writing past the buffer.
 */


#include <limits.h>
#include <stddef.h>
#include <string.h>

#include "ninep.h"


typedef struct {
    const uint8_t  *p;
    const uint8_t  *end;
    int             err;        /* the first error, NINEP_OK until then */
    int             efixed;     /* the error for a fixed field overrun */
} ninep_rd_t;


typedef struct {
    uint8_t        *buf;
    size_t          cap;
    size_t          n;          /* bytes needed so far; may exceed cap */
    int             inval;
} ninep_wr_t;


static inline uint64_t get_le(const uint8_t *p, size_t n);
static const uint8_t *rd_take(ninep_rd_t *r, size_t n, int err);
static inline uint64_t rd_le(ninep_rd_t *r, size_t n);
static ninep_str_t rd_str(ninep_rd_t *r);
static ninep_qid_t rd_qid(ninep_rd_t *r);
static int stat_decode(const uint8_t *buf, size_t len, ninep_stat_t *st);
static void unpack_fields(ninep_rd_t *r, ninep_fcall_t *f);
static void wr_bytes(ninep_wr_t *w, const void *src, size_t n);
static inline void wr_le(ninep_wr_t *w, uint32_t v, size_t n);
static void wr_u64(ninep_wr_t *w, uint64_t v);
static void wr_str(ninep_wr_t *w, ninep_str_t s);
static void wr_qid(ninep_wr_t *w, const ninep_qid_t *q);
static void wr_stat(ninep_wr_t *w, const ninep_stat_t *st);
static int pack_fields(ninep_wr_t *w, const ninep_fcall_t *f);


static const char  *ninep_type_names[] = {
    "Tversion", "Rversion", "Tauth", "Rauth", "Tattach", "Rattach",
    NULL, "Rerror", "Tflush", "Rflush", "Twalk", "Rwalk",
    "Topen", "Ropen", "Tcreate", "Rcreate", "Tread", "Rread",
    "Twrite", "Rwrite", "Tclunk", "Rclunk", "Tremove", "Rremove",
    "Tstat", "Rstat", "Twstat", "Rwstat"
};


/*
 * Each message's fields after its tag, in order: one description that
 * both the decoder and the encoder walk.  A count and what it counts
 * (walk names, walk qids, data, stat bytes) are one field.
 */

typedef enum {
    NINEP_F_END = 0,
    NINEP_F_U8,
    NINEP_F_U16,
    NINEP_F_U32,
    NINEP_F_U64,
    NINEP_F_STR,
    NINEP_F_QID,
    NINEP_F_WNAMES,             /* nwname[2] nwname*wname[s] */
    NINEP_F_WQIDS,              /* nwqid[2] nwqid*wqid[13] */
    NINEP_F_DATA,               /* count[4] data[count]: the rest */
    NINEP_F_STAT                /* nstat[2] stat[nstat] */
} ninep_kind_t;


typedef struct {
    uint16_t        kind;
    uint16_t        off;        /* of the member in ninep_fcall_t */
} ninep_field_t;


#define F(kind, member)  { NINEP_F_ ## kind, offsetof(ninep_fcall_t, member) }

static const ninep_field_t  ninep_layouts[][5] = {
    { F(U32, msize), F(STR, version) },                 /* Tversion */
    { F(U32, msize), F(STR, version) },                 /* Rversion */
    { F(U32, afid), F(STR, uname), F(STR, aname) },     /* Tauth */
    { F(QID, qid) },                                    /* Rauth */
    { F(U32, fid), F(U32, afid), F(STR, uname), F(STR, aname) },
    { F(QID, qid) },                                    /* Rattach */
    { { NINEP_F_END, 0 } },                             /* no Terror */
    { F(STR, ename) },                                  /* Rerror */
    { F(U16, oldtag) },                                 /* Tflush */
    { { NINEP_F_END, 0 } },                             /* Rflush */
    { F(U32, fid), F(U32, newfid), F(WNAMES, nwname) }, /* Twalk */
    { F(WQIDS, nwqid) },                                /* Rwalk */
    { F(U32, fid), F(U8, mode) },                       /* Topen */
    { F(QID, qid), F(U32, iounit) },                    /* Ropen */
    { F(U32, fid), F(STR, name), F(U32, perm), F(U8, mode) },
    { F(QID, qid), F(U32, iounit) },                    /* Rcreate */
    { F(U32, fid), F(U64, offset), F(U32, count) },     /* Tread */
    { F(DATA, count) },                                 /* Rread */
    { F(U32, fid), F(U64, offset), F(DATA, count) },    /* Twrite */
    { F(U32, count) },                                  /* Rwrite */
    { F(U32, fid) },                                    /* Tclunk */
    { { NINEP_F_END, 0 } },                             /* Rclunk */
    { F(U32, fid) },                                    /* Tremove */
    { { NINEP_F_END, 0 } },                             /* Rremove */
    { F(U32, fid) },                                    /* Tstat */
    { F(STAT, nstat) },                                 /* Rstat */
    { F(U32, fid), F(STAT, nstat) },                    /* Twstat */
    { { NINEP_F_END, 0 } }                              /* Rwstat */
};

#undef F

_Static_assert(sizeof(ninep_layouts) / sizeof(ninep_layouts[0])
               == NINEP_RWSTAT - NINEP_TVERSION + 1,
               "a layout for every message type, Tversion to Rwstat");


static const char  *ninep_errors[] = {
    "ok",
    "message shorter than its 4-byte size field",
    "size field does not match message length",
    "message size below 7 bytes",
    "message larger than msize",
    "unknown message type",
    "R-message where a T-message was expected",
    "T-message where an R-message was expected",
    "field runs past end of message",
    "string runs past end of message",
    "too many walk elements (max 16)",
    "too many walk qids (max 16)",
    "count does not match data length",
    "stat size does not match its length",
    "trailing bytes after message",
    "message does not fit the buffer",
    "message cannot be encoded"
};

_Static_assert(sizeof(ninep_errors) / sizeof(ninep_errors[0])
               == 1 - NINEP_EINVAL, "a reason for every ninep_err_t");


/* n bytes, little-endian; inline, as every caller gives n as a constant */

static inline uint64_t
get_le(const uint8_t *p, size_t n)
{
    uint64_t  v;

    for (v = 0; n; n--) {
        v = v << 8 | p[n - 1];
    }

    return v;
}


static const uint8_t *
rd_take(ninep_rd_t *r, size_t n, int err)
{
    const uint8_t  *p;

    if (r->err != NINEP_OK) {
        return NULL;
    }

    if ((size_t) (r->end - r->p) < n) {
        r->err = err;
        return NULL;
    }

    p = r->p;
    r->p += n;

    return p;
}


/* a fixed field of n bytes */

static inline uint64_t
rd_le(ninep_rd_t *r, size_t n)
{
    const uint8_t  *p;

    p = rd_take(r, n, r->efixed);

    return p ? get_le(p, n) : 0;
}


/* a string cut anywhere, even inside its len[2], is NINEP_ESTRING */

static ninep_str_t
rd_str(ninep_rd_t *r)
{
    ninep_str_t     s;
    const uint8_t  *p;

    p = rd_take(r, 2, NINEP_ESTRING);

    /* without len[2], an error has stuck and this take fails too */
    s.data = rd_take(r, p ? get_le(p, 2) : 0, NINEP_ESTRING);
    s.len = s.data ? get_le(p, 2) : 0;

    return s;
}


static ninep_qid_t
rd_qid(ninep_rd_t *r)
{
    ninep_qid_t  q;

    q.type = rd_le(r, 1);
    q.version = rd_le(r, 4);
    q.path = rd_le(r, 8);

    return q;
}


/* one entry of exactly len bytes, its size[2] included */

static int
stat_decode(const uint8_t *buf, size_t len, ninep_stat_t *st)
{
    ninep_rd_t  r;

    if (len < 2 || get_le(buf, 2) + 2 != len) {
        return NINEP_ESTATSZ;
    }

    r.p = buf + 2;
    r.end = buf + len;
    r.err = NINEP_OK;
    r.efixed = NINEP_ESTATSZ;

    st->type = rd_le(&r, 2);
    st->dev = rd_le(&r, 4);
    st->qid = rd_qid(&r);
    st->mode = rd_le(&r, 4);
    st->atime = rd_le(&r, 4);
    st->mtime = rd_le(&r, 4);
    st->length = rd_le(&r, 8);
    st->name = rd_str(&r);
    st->uid = rd_str(&r);
    st->gid = rd_str(&r);
    st->muid = rd_str(&r);

    if (r.err != NINEP_OK) {
        return r.err;
    }

    return r.p == r.end ? NINEP_OK : NINEP_ESTATSZ;
}


/* The fields of f->type after the tag; a count over 16 stops at once. */

static void
unpack_fields(ninep_rd_t *r, ninep_fcall_t *f)
{
    uint8_t              *p;
    uint16_t              i;
    const ninep_field_t  *fl;

    for (fl = ninep_layouts[f->type - NINEP_TVERSION]; fl->kind; fl++) {
        p = (uint8_t *) f + fl->off;

        switch (fl->kind) {

        case NINEP_F_U8:
            *p = rd_le(r, 1);
            break;

        case NINEP_F_U16:
            *(uint16_t *) p = rd_le(r, 2);
            break;

        case NINEP_F_U32:
            *(uint32_t *) p = rd_le(r, 4);
            break;

        case NINEP_F_U64:
            *(uint64_t *) p = rd_le(r, 8);
            break;

        case NINEP_F_STR:
            *(ninep_str_t *) p = rd_str(r);
            break;

        case NINEP_F_QID:
            *(ninep_qid_t *) p = rd_qid(r);
            break;

        case NINEP_F_WNAMES:
            f->nwname = rd_le(r, 2);

            if (f->nwname > NINEP_MAXWELEM) {
                r->err = NINEP_EWELEM;
                return;
            }

            for (i = 0; i < f->nwname; i++) {
                f->wname[i] = rd_str(r);
            }

            break;

        case NINEP_F_WQIDS:
            f->nwqid = rd_le(r, 2);

            if (f->nwqid > NINEP_MAXWELEM) {
                r->err = NINEP_EWQID;
                return;
            }

            for (i = 0; i < f->nwqid; i++) {
                f->wqid[i] = rd_qid(r);
            }

            break;

        case NINEP_F_DATA: /* count must cover exactly the rest */
            f->count = rd_le(r, 4);

            if (r->err == NINEP_OK && (size_t) (r->end - r->p) != f->count) {
                r->err = NINEP_ECOUNT;
            }

            f->data = rd_take(r, f->count, NINEP_ECOUNT);
            break;

        default: /* NINEP_F_STAT: one sound entry */
            f->nstat = rd_le(r, 2);
            f->stat = rd_take(r, f->nstat, NINEP_ETRUNC);

            if (f->stat != NULL) {
                /* taken, so no error has stuck yet */
                r->err = stat_decode(f->stat, f->nstat, &f->st);
            }

            break;
        }
    }
}


int64_t
ninep_peek_size(const uint8_t *buf, size_t len)
{
    if (len < 4) {
        return NINEP_ESHORT;
    }

    return get_le(buf, 4);
}


int
ninep_unpack(const uint8_t *buf, size_t len, uint32_t msize, int want,
    ninep_fcall_t *f)
{
    int         dir;
    int64_t     size;
    ninep_rd_t  r;

    size = ninep_peek_size(buf, len);
    if (size < 0) {
        return (int) size;
    }

    if ((uint64_t) size != len) {
        return NINEP_ESIZE;
    }

    if (size < NINEP_HDRSZ) {
        return NINEP_ETOOSMALL;
    }

    if (msize != 0 && size > msize) {
        return NINEP_ETOOBIG;
    }

    dir = ninep_type_dir(buf[4]);
    if (dir == 0) {
        return NINEP_EUNKNOWN;
    }

    if ((want & dir) == 0) {
        return dir == NINEP_R ? NINEP_EWANT_T : NINEP_EWANT_R;
    }

    memset(f, 0, sizeof(*f));
    f->type = buf[4];
    f->tag = get_le(buf + 5, 2);
    f->raw = buf;
    f->raw_len = (uint32_t) len;

    r.p = buf + NINEP_HDRSZ;
    r.end = buf + len;
    r.err = NINEP_OK;
    r.efixed = NINEP_ETRUNC;

    unpack_fields(&r, f);

    if (r.err != NINEP_OK) {
        return r.err;
    }

    return r.p == r.end ? NINEP_OK : NINEP_ETRAILING;
}


static void
wr_bytes(ninep_wr_t *w, const void *src, size_t n)
{
    if (w->n <= w->cap && n <= w->cap - w->n && n != 0) {
        memcpy(w->buf + w->n, src, n);
    }

    /* saturate: the total is checked against UINT32_MAX at the end */
    w->n = n > SIZE_MAX - w->n ? SIZE_MAX : w->n + n;
}


/* v as n bytes (at most 4), little-endian, written whole or not at all */

static inline void
wr_le(ninep_wr_t *w, uint32_t v, size_t n)
{
    size_t   i;
    uint8_t  b[4];

    for (i = 0; i < n; i++) {
        b[i] = (uint8_t) (v >> 8 * i);
    }

    wr_bytes(w, b, n);
}


static void
wr_u64(ninep_wr_t *w, uint64_t v)
{
    wr_le(w, (uint32_t) v, 4);
    wr_le(w, (uint32_t) (v >> 32), 4);
}


/* {NULL, n > 0} is what ninep_str() gives for an over-long C string */

static void
wr_str(ninep_wr_t *w, ninep_str_t s)
{
    if (s.data == NULL && s.len != 0) {
        w->inval = 1;
        return;
    }

    wr_le(w, s.len, 2);
    wr_bytes(w, s.data, s.len);
}


static void
wr_qid(ninep_wr_t *w, const ninep_qid_t *q)
{
    wr_le(w, q->type, 1);
    wr_le(w, q->version, 4);
    wr_u64(w, q->path);
}


static void
wr_stat(ninep_wr_t *w, const ninep_stat_t *st)
{
    size_t  size;

    size = ninep_stat_size(st) - 2;
    if (size > 0xffff) {
        w->inval = 1;
        return;
    }

    wr_le(w, (uint16_t) size, 2);
    wr_le(w, st->type, 2);
    wr_le(w, st->dev, 4);
    wr_qid(w, &st->qid);
    wr_le(w, st->mode, 4);
    wr_le(w, st->atime, 4);
    wr_le(w, st->mtime, 4);
    wr_u64(w, st->length);
    wr_str(w, st->name);
    wr_str(w, st->uid);
    wr_str(w, st->gid);
    wr_str(w, st->muid);
}


/* The fields of f->type after the tag; NINEP_EINVAL: a count over 16. */

static int
pack_fields(ninep_wr_t *w, const ninep_fcall_t *f)
{
    size_t                n;
    uint16_t              i;
    ninep_stat_t          st;
    const uint8_t        *p;
    const ninep_field_t  *fl;

    for (fl = ninep_layouts[f->type - NINEP_TVERSION]; fl->kind; fl++) {
        p = (const uint8_t *) f + fl->off;

        switch (fl->kind) {

        case NINEP_F_U8:
            wr_le(w, *p, 1);
            break;

        case NINEP_F_U16:
            wr_le(w, *(const uint16_t *) p, 2);
            break;

        case NINEP_F_U32:
            wr_le(w, *(const uint32_t *) p, 4);
            break;

        case NINEP_F_U64:
            wr_u64(w, *(const uint64_t *) p);
            break;

        case NINEP_F_STR:
            wr_str(w, *(const ninep_str_t *) p);
            break;

        case NINEP_F_QID:
            wr_qid(w, (const ninep_qid_t *) p);
            break;

        case NINEP_F_WNAMES:
            if (f->nwname > NINEP_MAXWELEM) {
                return NINEP_EINVAL;
            }

            wr_le(w, f->nwname, 2);

            for (i = 0; i < f->nwname; i++) {
                wr_str(w, f->wname[i]);
            }

            break;

        case NINEP_F_WQIDS:
            if (f->nwqid > NINEP_MAXWELEM) {
                return NINEP_EINVAL;
            }

            wr_le(w, f->nwqid, 2);

            for (i = 0; i < f->nwqid; i++) {
                wr_qid(w, &f->wqid[i]);
            }

            break;

        case NINEP_F_DATA:
            if (f->data == NULL && f->count != 0) {
                w->inval = 1;
                break;
            }

            wr_le(w, f->count, 4);
            wr_bytes(w, f->data, f->count);
            break;

        default: /* NINEP_F_STAT: raw f->stat if set (and sound), else f->st */
            if (f->stat != NULL) {
                if (stat_decode(f->stat, f->nstat, &st) != NINEP_OK) {
                    w->inval = 1;
                    break;
                }

                wr_le(w, f->nstat, 2);
                wr_bytes(w, f->stat, f->nstat);
                break;
            }

            n = ninep_stat_size(&f->st);
            if (n > 0xffff) {
                w->inval = 1;
                break;
            }

            wr_le(w, (uint16_t) n, 2);
            wr_stat(w, &f->st);
            break;
        }
    }

    return NINEP_OK;
}


/* Encodes f; *need receives the bytes the message takes (0: invalid). */

static ssize_t
pack_fcall(const ninep_fcall_t *f, uint8_t *buf, size_t cap, size_t *need)
{
    size_t      size;
    ninep_wr_t  w;

    w.buf = buf;
    w.cap = cap;
    w.n = 0;
    w.inval = 0;
    *need = 0;

    wr_le(&w, 0, 4);        /* size, set below */
    wr_le(&w, f->type, 1);
    wr_le(&w, f->tag, 2);

    if (ninep_type_dir(f->type) == 0 || pack_fields(&w, f) != NINEP_OK) {
        return NINEP_EINVAL;
    }

    if (w.inval || w.n > UINT32_MAX || w.n > SSIZE_MAX) {
        return NINEP_EINVAL;
    }

    if (w.n > cap) {
        *need = w.n;
        return NINEP_ENOSPACE;
    }

    size = w.n;

    w.n = 0;
    wr_le(&w, (uint32_t) size, 4);

    return (ssize_t) size;
}


ssize_t
ninep_pack(const ninep_fcall_t *f, uint8_t *buf, size_t cap)
{
    size_t  need;

    return pack_fcall(f, buf, cap, &need);
}


size_t
ninep_packed_size(const ninep_fcall_t *f)
{
    size_t  need;

    (void) pack_fcall(f, NULL, 0, &need);

    return need;
}


int
ninep_stat_unpack(const uint8_t *buf, size_t len, ninep_stat_t *st,
    size_t *used)
{
    int     rc;
    size_t  n;

    if (len < 2) {
        return NINEP_ETRUNC;
    }

    n = get_le(buf, 2) + 2;
    if (n > len) {
        return NINEP_ETRUNC;
    }

    rc = stat_decode(buf, n, st);
    if (rc == NINEP_OK) {
        *used = n;
    }

    return rc;
}


size_t
ninep_dir_fit(const uint8_t *buf, size_t len, size_t count)
{
    size_t  n, size;

    for (n = 0; n + 2 <= len; n += size) {
        size = 2 + get_le(buf + n, 2);

        if (n + size > len || n + size > count) {
            break;
        }
    }

    return n;
}


size_t
ninep_stat_size(const ninep_stat_t *st)
{
    return 2 + NINEP_STATFIXED + 4 * 2 + (size_t) st->name.len
           + st->uid.len + st->gid.len + st->muid.len;
}


ssize_t
ninep_stat_pack(const ninep_stat_t *st, uint8_t *buf, size_t cap)
{
    ninep_wr_t  w;

    w.buf = buf;
    w.cap = cap;
    w.n = 0;
    w.inval = 0;

    wr_stat(&w, st);

    if (w.inval) {
        return NINEP_EINVAL;
    }

    if (w.n > cap) {
        return NINEP_ENOSPACE;
    }

    return (ssize_t) w.n;
}


ninep_str_t
ninep_str(const char *s)
{
    size_t       n;
    ninep_str_t  str;

    n = s ? strlen(s) : 0;

    if (n > 0xffff) {
        /* unencodable: ninep_pack() refuses it with NINEP_EINVAL */
        str.data = NULL;
        str.len = 0xffff;

    } else {
        str.data = (const uint8_t *) s;
        str.len = (uint16_t) n;
    }

    return str;
}


int
ninep_str_eq(ninep_str_t s, const char *cstr)
{
    size_t  n;

    n = strlen(cstr);

    return s.len == n
           && (n == 0 || (s.data != NULL && memcmp(s.data, cstr, n) == 0));
}


const char *
ninep_type_name(int type)
{
    if (ninep_type_dir(type) == 0) {
        return "unknown";
    }

    return ninep_type_names[type - NINEP_TVERSION];
}


int
ninep_type_dir(int type)
{
    /* 106 would be Terror, which does not exist */
    if (type < NINEP_TVERSION || type > NINEP_RWSTAT || type == 106) {
        return 0;
    }

    /* T-messages are even, their replies odd */
    return type % 2 == 0 ? NINEP_T : NINEP_R;
}


const char *
ninep_strerror(int err)
{
    if (err > 0 || err < NINEP_EINVAL) {
        return "unknown error";
    }

    return ninep_errors[-err];
}
