
/*
 * Ten: ten-vfs metadata -- Plan 9 owners and modes in xattrs user.ten.*
 * (cached by inode and ctime, on shared trees also by the change stamp
 * and for at most 1 s), the users file, and the permission check.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "vfs.h"


#define XA_UID      "user.ten.uid"
#define XA_GID      "user.ten.gid"
#define XA_MUID     "user.ten.muid"
#define XA_MODE     "user.ten.mode"
#define XA_VERSION  "user.ten.version"

#define USERS_PATH  "adm/users"
#define USERS_MAX   (1024 * 1024)

/* the metadata cache: slots, each an inode's, chosen by the inode */
#define CACHE_SLOTS     1024
/*
 * A file whose ctime is younger than this may change again without its
 * ctime moving: the clock that stamps it advances in ticks (1/HZ, or a
 * second or two on coarse file systems).  Such files are not cached.
 */
#define CACHE_SETTLE_NS (2 * 1000000000LL)
/*
 * On a shared tree a cached entry also needs the file's change stamp
 * unchanged, and is at most this old: an xattr set behind ten-vfs's back
 * (setfattr on a mount) shows within it.
 */
#define CACHE_SHARED_NS (1000000000LL)


typedef struct vfs_slot_s {
    pthread_mutex_t     lock;
    int                 used;
    vfs_meta_t          m;          /* what meta_fill() made of the
                                       xattrs, and the stat it was for */
    struct timespec     read_at;        /* CLOCK_MONOTONIC */
} vfs_slot_t;


static int get_name(vfs_t *v, vfs_node_t *n, const char *attr, char *buf,
    const char *dflt);
static int get_number(vfs_t *v, vfs_node_t *n, const char *attr,
    uint32_t *val);
static int set_string(vfs_t *v, vfs_node_t *n, const char *attr,
    const char *val);
static int meta_fill(vfs_t *v, vfs_node_t *n, vfs_meta_t *m);
static vfs_slot_t *cache_slot(vfs_t *v, const struct stat *st);
static int cache_get(vfs_t *v, vfs_meta_t *m, const uint32_t *stamp,
    const struct timespec *mono);
static void cache_put(vfs_t *v, const vfs_meta_t *m,
    const struct timespec *start, const struct timespec *mono);
static void complain(const char *file, int line, const char *why);
static ssize_t read_users(vfs_t *v, char *buf, size_t len);


int
vfs_meta_cache_init(vfs_t *v)
{
    unsigned  i;

    v->meta_cache = calloc(CACHE_SLOTS, sizeof(vfs_slot_t));
    if (v->meta_cache == NULL) {
        return -1;
    }

    for (i = 0; i < CACHE_SLOTS; i++) {
        pthread_mutex_init(&v->meta_cache[i].lock, NULL);
    }

    return 0;
}


void
vfs_meta_cache_free(vfs_t *v)
{
    unsigned  i;

    if (v->meta_cache == NULL) {
        return;
    }

    for (i = 0; i < CACHE_SLOTS; i++) {
        pthread_mutex_destroy(&v->meta_cache[i].lock);
    }

    free(v->meta_cache);
    v->meta_cache = NULL;
}


/*
 * The stat always happens; the five getxattr calls only when the inode's
 * ctime is not the one they were cached with: on a local file system
 * every xattr change, chmod or chown moves it (and cache_put makes sure
 * it moves far enough).  Not so on a shared tree: GlusterFS keeps a ctime
 * of its own that an xattr change leaves as it was.  There the change
 * stamp (user.ten.version), which every change through any ten-vfs sets
 * last (vfs_meta_touch), is read first and must be the cached one too:
 * two calls a stat instead of six.
 */

int
vfs_meta_get(vfs_t *v, vfs_node_t *n, vfs_meta_t *m)
{
    if (v->store->ops->stat(v->store, n, &m->st) < 0) {
        return -1;
    }

    return vfs_meta_of(v, n, m);
}


int
vfs_meta_of(vfs_t *v, vfs_node_t *n, vfs_meta_t *m)
{
    uint32_t         stamp;
    struct timespec  start, mono;

    /*
     * After the stat: a change after it stamps a later ctime all the
     * same, which is all cache_put's rule needs.  An entry's age is on
     * the clock that never steps back.
     */
    clock_gettime(CLOCK_REALTIME, &start);
    clock_gettime(CLOCK_MONOTONIC, &mono);

    /*
     * Removed, though still open here: a local file system goes on
     * serving it, GlusterFS half (its xattrs are gone).  A file removed
     * through another server has ceased to exist for this one too.
     */
    if (v->store->shared && m->st.st_nlink == 0) {
        errno = ENOENT;
        return -1;
    }

    if (v->store->shared && get_number(v, n, XA_VERSION, &stamp) < 0) {
        stamp = 0;
    }

    if (cache_get(v, m, v->store->shared ? &stamp : NULL, &mono)) {
        return 0;
    }

    if (meta_fill(v, n, m) < 0) {
        return -1;
    }

    cache_put(v, m, &start, &mono);

    return 0;
}


static vfs_slot_t *
cache_slot(vfs_t *v, const struct stat *st)
{
    uint64_t  h;

    h = ((uint64_t) st->st_ino ^ ((uint64_t) st->st_dev << 32))
        * 0x9e3779b97f4a7c15ULL;

    return &v->meta_cache[(h >> 32) % CACHE_SLOTS];
}


static int64_t
ns_between(const struct timespec *a, const struct timespec *b)
{
    return (int64_t) (b->tv_sec - a->tv_sec) * 1000000000LL
           + (b->tv_nsec - a->tv_nsec);
}


static int
cache_get(vfs_t *v, vfs_meta_t *m, const uint32_t *stamp,
    const struct timespec *mono)
{
    int          hit;
    vfs_slot_t  *s;
    struct stat  st;

    s = cache_slot(v, &m->st);

    pthread_mutex_lock(&s->lock);

    hit = s->used && s->m.st.st_dev == m->st.st_dev
          && s->m.st.st_ino == m->st.st_ino
          && s->m.st.st_ctim.tv_sec == m->st.st_ctim.tv_sec
          && s->m.st.st_ctim.tv_nsec == m->st.st_ctim.tv_nsec
          && (stamp == NULL
              || (s->m.version == *stamp
                  && ns_between(&s->read_at, mono) < CACHE_SHARED_NS));

    if (hit) {
        st = m->st;         /* the fresh stat stays: sizes, times */
        *m = s->m;
        m->st = st;
    }

    pthread_mutex_unlock(&s->lock);

    return hit;
}


/*
 * Only a ctime older than the read's start by CACHE_SETTLE_NS: any later
 * change, ours or another process's, then stamps a different ctime.
 */

static void
cache_put(vfs_t *v, const vfs_meta_t *m, const struct timespec *start,
    const struct timespec *mono)
{
    vfs_slot_t  *s;

    if (ns_between(&m->st.st_ctim, start) < CACHE_SETTLE_NS) {
        return;
    }

    s = cache_slot(v, &m->st);

    pthread_mutex_lock(&s->lock);

    s->used = 1;
    s->m = *m;
    s->read_at = *mono;

    pthread_mutex_unlock(&s->lock);
}


int
vfs_meta_getat(vfs_t *v, vfs_node_t *dir, const char *name, vfs_meta_t *m)
{
    int          rc;
    vfs_node_t  *n;

    n = v->store->ops->lookup(v->store, dir, name, &m->st);
    if (n == NULL) {
        return -1;
    }

    rc = vfs_meta_of(v, n, m);
    v->store->ops->put(v->store, n);

    if (rc == 0 && S_ISLNK(m->st.st_mode)) {
        errno = ELOOP;
        return -1;
    }

    return rc;
}


/*
 * Files without xattrs belong to the default owner, modes from the disk.
 * A file gone meanwhile (ESTALE on a network file system) fails.
 */

/* The stamp first: a change sets it last (vfs_meta_touch). */

static int
meta_fill(vfs_t *v, vfs_node_t *n, vfs_meta_t *m)
{
    if (get_number(v, n, XA_VERSION, &m->version) < 0) {
        m->version = 0;
    }

    if (get_name(v, n, XA_UID, m->uid, v->default_owner) < 0) {
        return -1;
    }

    get_name(v, n, XA_GID, m->gid, m->uid);
    get_name(v, n, XA_MUID, m->muid, m->uid);

    if (get_number(v, n, XA_MODE, &m->mode) < 0) {
        m->mode = m->st.st_mode & 0777;
    }

    /* the directory bit always follows the disk */
    m->mode &= ~NINEP_DMDIR;
    if (S_ISDIR(m->st.st_mode)) {
        m->mode |= NINEP_DMDIR;
    }

    return 0;
}


static int
get_name(vfs_t *v, vfs_node_t *node, const char *attr, char *buf,
    const char *dflt)
{
    ssize_t  n;

    n = v->store->ops->getxattr(v->store, node, attr, buf, TEN_NAME_MAX);

    if (n < 0 && (errno == ESTALE || errno == ENOENT)) {
        return -1;
    }

    if (n <= 0 || !ten_valid_name(buf, n)) {
        snprintf(buf, TEN_NAME_MAX + 1, "%s", dflt);
        return 0;
    }

    buf[n] = '\0';

    return 0;
}


static int
get_number(vfs_t *v, vfs_node_t *node, const char *attr, uint32_t *val)
{
    char     buf[16], *end;
    ssize_t  n;

    n = v->store->ops->getxattr(v->store, node, attr, buf, sizeof(buf) - 1);
    if (n <= 0) {
        return -1;
    }

    buf[n] = '\0';
    errno = 0;
    *val = (uint32_t) strtoul(buf, &end, 16);

    return (errno || *end) ? -1 : 0;
}


static int
set_string(vfs_t *v, vfs_node_t *n, const char *attr, const char *val)
{
    return v->store->ops->setxattr(v->store, n, attr, val, strlen(val));
}


int
vfs_meta_set(vfs_t *v, vfs_node_t *n, const char *uid, const char *gid,
    const char *muid, const uint32_t *mode)
{
    char  num[16];

    if ((uid && set_string(v, n, XA_UID, uid) < 0)
        || (gid && set_string(v, n, XA_GID, gid) < 0)
        || (muid && set_string(v, n, XA_MUID, muid) < 0))
    {
        return -1;
    }

    if (mode) {
        snprintf(num, sizeof(num), "%08x", *mode);
        if (set_string(v, n, XA_MODE, num) < 0) {
            return -1;
        }
    }

    return 0;
}


/*
 * A modification: muid records who made it, then the change stamp
 * (user.ten.version) becomes a new random value, last: another server
 * that finds the stamp it cached finds every change before it too
 * (vfs_meta_get).  Random, not a count: two servers counting from the
 * same value would both write the same next one.
 */

int
vfs_meta_touch(vfs_t *v, vfs_node_t *n, const char *muid)
{
    char      num[16];
    uint32_t  stamp;

    if (muid && set_string(v, n, XA_MUID, muid) < 0) {
        return -1;
    }

    do {
        stamp = randombytes_random();
    } while (stamp == 0);

    snprintf(num, sizeof(num), "%08x", stamp);

    return set_string(v, n, XA_VERSION, num);
}


/*
 * The qid version: the change stamp (0: never changed through ten-vfs)
 * mixed with what the file system keeps and every change of the contents
 * moves: the ctime in nanoseconds and the size.  Two servers' changes
 * stamp different ctimes (Gluster keeps the writer's clock to the
 * nanosecond), and changes within one clock tick still differ by the
 * stamp.
 */

static uint32_t
version_of(const vfs_meta_t *m)
{
    uint32_t  v;
    uint64_t  h;

    if (m->version == 0) {
        return 0;
    }

    h = m->version;
    h = (h ^ (uint64_t) m->st.st_ctim.tv_sec) * 0x9e3779b97f4a7c15ULL;
    h = (h ^ (uint64_t) m->st.st_ctim.tv_nsec) * 0xbf58476d1ce4e5b9ULL;
    h = (h ^ (uint64_t) m->st.st_size) * 0x94d049bb133111ebULL;
    h ^= h >> 31;

    v = (uint32_t) (h ^ (h >> 32));

    /* 0 stays "never changed" */
    return v ? v : 1;
}


void
vfs_meta_qid(const vfs_meta_t *m, ninep_qid_t *q)
{
    q->type = (uint8_t) ((m->mode >> 24)
                         & (NINEP_QTDIR | NINEP_QTAPPEND | NINEP_QTEXCL
                            | NINEP_QTTMP));
    q->version = version_of(m);
    q->path = (uint64_t) m->st.st_ino;
}


void
vfs_meta_stat(const vfs_meta_t *m, const char *name, ninep_stat_t *st)
{
    memset(st, 0, sizeof(*st));

    vfs_meta_qid(m, &st->qid);
    st->mode = m->mode;
    st->atime = (uint32_t) m->st.st_atime;
    st->mtime = (uint32_t) m->st.st_mtime;
    st->length = S_ISDIR(m->st.st_mode) ? 0 : (uint64_t) m->st.st_size;
    st->name = ninep_str(name);
    st->uid = ninep_str(m->uid);
    st->gid = ninep_str(m->gid);
    st->muid = ninep_str(m->muid);
}


int
vfs_xattr_probe(vfs_t *v)
{
    vfs_store_t  *s;

    s = v->store;

    if (s->ops->setxattr(s, s->root, "user.ten.probe", "1", 1) < 0) {
        return -1;
    }

    (void) s->ops->removexattr(s, s->root, "user.ten.probe");

    return 0;
}


static void
complain(const char *file, int line, const char *why)
{
    srv_log("%s:%d: %s; line skipped", file, line, why);
}


/* Re-reads /adm/users when its inode, size or times changed. */

void
vfs_users_refresh(vfs_t *v)
{
    char         *text;
    ssize_t       n;
    users_t      *u, *old;
    struct stat   st;
    vfs_store_t  *s;

    s = v->store;

    if (s->ops->statat(s, s->root, USERS_PATH, &st) < 0) {
        memset(&st, 0, sizeof(st));
    }

    pthread_rwlock_rdlock(&v->users_lock);

    if (v->users
        && st.st_ino == v->users_st.st_ino
        && st.st_size == v->users_st.st_size
        && st.st_mtim.tv_sec == v->users_st.st_mtim.tv_sec
        && st.st_mtim.tv_nsec == v->users_st.st_mtim.tv_nsec
        && st.st_ctim.tv_nsec == v->users_st.st_ctim.tv_nsec)
    {
        pthread_rwlock_unlock(&v->users_lock);
        return;
    }

    pthread_rwlock_unlock(&v->users_lock);

    text = NULL;
    n = 0;

    if (S_ISREG(st.st_mode) && st.st_size <= USERS_MAX) {
        text = malloc(st.st_size + 1);
        n = text ? read_users(v, text, st.st_size) : 0;

    } else if (st.st_ino) {
        srv_log("/%s is not a regular file under %d bytes", USERS_PATH,
                USERS_MAX);
    }

    u = users_parse(text ? text : "", n > 0 ? (size_t) n : 0,
                    "/" USERS_PATH, complain);
    free(text);

    if (u == NULL) {
        return;
    }

    pthread_rwlock_wrlock(&v->users_lock);
    old = v->users;
    v->users = u;
    v->users_st = st;
    pthread_rwlock_unlock(&v->users_lock);

    users_free(old);
}


static ssize_t
read_users(vfs_t *v, char *buf, size_t len)
{
    ssize_t       n;
    vfs_node_t   *node;
    vfs_file_t   *f;
    vfs_store_t  *s;

    s = v->store;
    node = s->ops->resolve(s, s->root, USERS_PATH);
    f = node ? s->ops->open(s, node, O_RDONLY) : NULL;
    n = f ? s->ops->pread(f, buf, len, 0) : -1;

    s->ops->close(f);
    s->ops->put(s, node);

    return n;
}


int
vfs_user_exists(vfs_t *v, const char *user)
{
    int  rc;

    pthread_rwlock_rdlock(&v->users_lock);
    rc = users_exists(v->users, user);
    pthread_rwlock_unlock(&v->users_lock);

    return rc;
}


int
vfs_member(vfs_t *v, const char *group, const char *user)
{
    int  rc;

    pthread_rwlock_rdlock(&v->users_lock);
    rc = users_member(v->users, group, user);
    pthread_rwlock_unlock(&v->users_lock);

    return rc;
}


int
vfs_leader(vfs_t *v, const char *group, const char *user)
{
    int  rc;

    pthread_rwlock_rdlock(&v->users_lock);
    rc = users_leader(v->users, group, user);
    pthread_rwlock_unlock(&v->users_lock);

    return rc;
}


/*
 * Plan 9: any of the other, owner (uid) or group (gid member) classes may
 * grant the access; none is only ever "other".
 */

int
vfs_allowed(vfs_t *v, const vfs_meta_t *m, const char *user, unsigned perm)
{
    if ((m->mode & perm) == perm) {
        return 1;
    }

    if (strcmp(user, "none") == 0) {
        return 0;
    }

    if (strcmp(m->uid, user) == 0 && ((m->mode >> 6) & perm) == perm) {
        return 1;
    }

    return ((m->mode >> 3) & perm) == perm && vfs_member(v, m->gid, user);
}
