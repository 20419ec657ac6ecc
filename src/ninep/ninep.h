
/*
 * Ten: the 9P2000 codec.
 *
 * Plain C, no nginx types: used by the kernel module, the services, the
 * tools and the fuzzers.  Decoding never allocates: strings, Twrite/Rread
 * data and stat bytes in a decoded message point into the caller's buffer,
 * which must outlive the decoded structure.
 */

#ifndef _NINEP_H_INCLUDED_
#define _NINEP_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>


#define NINEP_VERSION       "9P2000"

#define NINEP_NOTAG         0xffff
#define NINEP_NOFID         0xffffffffU
#define NINEP_MAXWELEM      16

/* size[4] type[1] tag[2] */
#define NINEP_HDRSZ         7
#define NINEP_QIDSZ         13
/* the fixed part of a stat entry after its size[2], without the strings */
#define NINEP_STATFIXED     (2 + 4 + NINEP_QIDSZ + 4 + 4 + 4 + 8)
/* Rread/Twrite header: size[4] type[1] tag[2] fid/count... */
#define NINEP_IOHDRSZ       24

/* "don't touch" values in Twstat */
#define NINEP_DONTTOUCH16   0xffff
#define NINEP_DONTTOUCH32   0xffffffffU
#define NINEP_DONTTOUCH64   0xffffffffffffffffULL


/* message types */
#define NINEP_TVERSION      100
#define NINEP_RVERSION      101
#define NINEP_TAUTH         102
#define NINEP_RAUTH         103
#define NINEP_TATTACH       104
#define NINEP_RATTACH       105
/* 106 (Terror) is not a valid message */
#define NINEP_RERROR        107
#define NINEP_TFLUSH        108
#define NINEP_RFLUSH        109
#define NINEP_TWALK         110
#define NINEP_RWALK         111
#define NINEP_TOPEN         112
#define NINEP_ROPEN         113
#define NINEP_TCREATE       114
#define NINEP_RCREATE       115
#define NINEP_TREAD         116
#define NINEP_RREAD         117
#define NINEP_TWRITE        118
#define NINEP_RWRITE        119
#define NINEP_TCLUNK        120
#define NINEP_RCLUNK        121
#define NINEP_TREMOVE       122
#define NINEP_RREMOVE       123
#define NINEP_TSTAT         124
#define NINEP_RSTAT         125
#define NINEP_TWSTAT        126
#define NINEP_RWSTAT        127


/* open modes (open(5)) */
#define NINEP_OREAD         0x00
#define NINEP_OWRITE        0x01
#define NINEP_ORDWR         0x02
#define NINEP_OEXEC         0x03
#define NINEP_OTRUNC        0x10
#define NINEP_ORCLOSE       0x40

/* qid types */
#define NINEP_QTDIR         0x80
#define NINEP_QTAPPEND      0x40
#define NINEP_QTEXCL        0x20
#define NINEP_QTMOUNT       0x10
#define NINEP_QTAUTH        0x08
#define NINEP_QTTMP         0x04
#define NINEP_QTFILE        0x00

/* mode bits in stat and Tcreate perm */
#define NINEP_DMDIR         0x80000000U
#define NINEP_DMAPPEND      0x40000000U
#define NINEP_DMEXCL        0x20000000U
#define NINEP_DMMOUNT       0x10000000U
#define NINEP_DMAUTH        0x08000000U
#define NINEP_DMTMP         0x04000000U
#define NINEP_DMREAD        0x4
#define NINEP_DMWRITE       0x2
#define NINEP_DMEXEC        0x1


/* which direction a decoder expects */
#define NINEP_T             1
#define NINEP_R             2
#define NINEP_ANY           3


/* errors: negative; ninep_strerror() gives a printable reason */
typedef enum {
    NINEP_OK = 0,
    NINEP_ESHORT = -1,          /* fewer than 4 bytes: no size field */
    NINEP_ESIZE = -2,           /* size field != bytes given */
    NINEP_ETOOSMALL = -3,       /* size < 7 */
    NINEP_ETOOBIG = -4,         /* size > msize */
    NINEP_EUNKNOWN = -5,        /* unknown message type */
    NINEP_EWANT_T = -6,         /* R-message where a T-message belongs */
    NINEP_EWANT_R = -7,         /* T-message where an R-message belongs */
    NINEP_ETRUNC = -8,          /* a fixed field runs past the end */
    NINEP_ESTRING = -9,         /* a string runs past the end */
    NINEP_EWELEM = -10,         /* nwname > 16 */
    NINEP_EWQID = -11,          /* nwqid > 16 */
    NINEP_ECOUNT = -12,         /* Twrite/Rread count != bytes present */
    NINEP_ESTATSZ = -13,        /* stat inner size != outer length */
    NINEP_ETRAILING = -14,      /* bytes after the last field */
    NINEP_ENOSPACE = -15,       /* encoding does not fit the buffer */
    NINEP_EINVAL = -16          /* encoding: a field cannot be encoded */
} ninep_err_t;


/* a counted string; not NUL-terminated; points into a message */
typedef struct {
    const uint8_t  *data;
    uint16_t        len;
} ninep_str_t;


typedef struct {
    uint8_t         type;
    uint32_t        version;
    uint64_t        path;
} ninep_qid_t;


/* one stat(5) entry; the strings point into the message */
typedef struct {
    uint16_t        type;
    uint32_t        dev;
    ninep_qid_t     qid;
    uint32_t        mode;
    uint32_t        atime;
    uint32_t        mtime;
    uint64_t        length;
    ninep_str_t     name;
    ninep_str_t     uid;
    ninep_str_t     gid;
    ninep_str_t     muid;
} ninep_stat_t;


/*
 * One message.  Only the fields of its type are meaningful.
 *
 *   Tversion/Rversion  msize version
 *   Tauth              afid uname aname      Rauth   qid
 *   Tattach            fid afid uname aname  Rattach qid
 *   Rerror             ename
 *   Tflush             oldtag
 *   Twalk              fid newfid nwname wname[]
 *   Rwalk              nwqid wqid[]
 *   Topen              fid mode              Ropen   qid iounit
 *   Tcreate            fid name perm mode    Rcreate qid iounit
 *   Tread              fid offset count      Rread   count data
 *   Twrite             fid offset count data Rwrite  count
 *   Tclunk/Tremove/Tstat fid
 *   Rstat              nstat stat            Twstat  fid nstat stat
 *
 * For Rstat and Twstat, stat/nstat are the raw stat bytes (including the
 * entry's own size[2]); ninep_stat_unpack() decodes them.  When encoding,
 * if stat is NULL, st is encoded instead.
 */
typedef struct {
    uint8_t         type;
    uint16_t        tag;

    uint32_t        fid;
    uint32_t        afid;
    uint32_t        newfid;
    uint16_t        oldtag;
    uint32_t        msize;
    uint32_t        iounit;
    uint32_t        perm;
    uint32_t        count;
    uint64_t        offset;
    uint8_t         mode;

    ninep_str_t     version;
    ninep_str_t     uname;
    ninep_str_t     aname;
    ninep_str_t     ename;
    ninep_str_t     name;

    uint16_t        nwname;
    ninep_str_t     wname[NINEP_MAXWELEM];
    uint16_t        nwqid;
    ninep_qid_t     wqid[NINEP_MAXWELEM];

    ninep_qid_t     qid;

    const uint8_t  *data;
    const uint8_t  *stat;
    uint16_t        nstat;
    ninep_stat_t    st;

    /* set by ninep_unpack: the message decoded, which data and the
       strings point into */
    const uint8_t  *raw;
    uint32_t        raw_len;
} ninep_fcall_t;


/*
 * The size field of a message at buf, or NINEP_ESHORT when fewer than
 * four bytes are present.  For framing a byte stream.
 */
int64_t ninep_peek_size(const uint8_t *buf, size_t len);

/*
 * Decodes exactly one message of len bytes.  msize bounds the size field
 * (0: no bound); want is NINEP_T, NINEP_R or NINEP_ANY.  Returns NINEP_OK
 * or a negative ninep_err_t; f is undefined after an error.
 */
int ninep_unpack(const uint8_t *buf, size_t len, uint32_t msize, int want,
    ninep_fcall_t *f);

/* Encodes f into buf; returns the length, or NINEP_ENOSPACE/NINEP_EINVAL. */
ssize_t ninep_pack(const ninep_fcall_t *f, uint8_t *buf, size_t cap);

/* The length ninep_pack() needs for f; 0 when f cannot be encoded. */
size_t ninep_packed_size(const ninep_fcall_t *f);

/*
 * Decodes one stat entry (size[2] first) from buf; *used receives the
 * bytes consumed (size + 2).  For a directory read's data, call repeatedly.
 */
int ninep_stat_unpack(const uint8_t *buf, size_t len, ninep_stat_t *st,
    size_t *used);

/* Bytes ninep_stat_pack() writes for st, including its size[2]. */
size_t ninep_stat_size(const ninep_stat_t *st);

ssize_t ninep_stat_pack(const ninep_stat_t *st, uint8_t *buf, size_t cap);

/*
 * Of a directory listing's bytes buf[0..len), how many whole entries fit
 * in a read of count bytes: possibly 0, when the next entry is larger
 * (read(5) answers such a read with what fits, keeping its position, as
 * plan9port's lib9p does; Linux's v9fs sends one after every chunk).
 */
size_t ninep_dir_fit(const uint8_t *buf, size_t len, size_t count);

/*
 * Helpers for building messages.  ninep_str(NULL) is the empty string; a C
 * string longer than 65535 bytes gives {NULL, 65535}, which ninep_pack()
 * refuses with NINEP_EINVAL.
 */
ninep_str_t ninep_str(const char *s);
int ninep_str_eq(ninep_str_t s, const char *cstr);

/* "Tversion", "Rerror", ...; "unknown" for anything else. */
const char *ninep_type_name(int type);

/* NINEP_T, NINEP_R or 0 for an unknown type. */
int ninep_type_dir(int type);

const char *ninep_strerror(int err);


#endif /* _NINEP_H_INCLUDED_ */
