
/*
 * Ten: ten-factotum's key store.  A directory (0700) holding
 *
 *   users      "name argon2id-hash" a line ("-": no password yet)
 *   signing    "secret-key-b64 not-before not-after" a line, oldest first
 *   adm.password   the password made for adm at the first start
 *   passkeys   a user's WebAuthn credentials (fact_passkeys.c)
 *   fails      "name failures last-failure" a line: recent failed logins
 *   lock       empty but for its size: the store's lock and generation
 *
 * every file 0600, replaced whole: written to a temporary file of a
 * unique name, synced, renamed over the old one and the directory synced,
 * so a crash leaves the old file or the new one, never a mix.
 *
 * More than one ten-factotum may serve one store (on a shared file system
 * that keeps POSIX locks across its clients, such as GlusterFS): a change
 * is made under an OFD write lock on "lock", to the store as read again
 * under that lock, and first makes "lock" one byte longer (a sparse
 * file).  So no change is lost, and an instance sees another's changes at
 * its next request that reads the store: one fstat of "lock", and the
 * files read again (under a read lock) when its size moved.  Failed logins
 * are counted in "fails", read and written under the write lock, so their
 * delay holds across instances.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "factotum.h"
#include "io.h"


#define FACT_PASS_MAX       256
#define FACT_FAIL_FORGET    900     /* seconds: failures older are forgiven */
#define FACT_DELAY_MAX      30000   /* ms */
#define FACT_TMP_SUFFIX     ".tmp"


static char  fact_dummy_hash[crypto_pwhash_STRBYTES];


/* The file lock on "lock", of the whole file; the mutex is held. */

static int
file_lock(fact_t *f, short type, char *err, size_t errlen)
{
    struct flock  fl;

    memset(&fl, 0, sizeof(fl));
    fl.l_type = type;
    fl.l_whence = SEEK_SET;

    while (fcntl(f->lockfd, F_OFD_SETLKW, &fl) < 0) {
        if (errno != EINTR) {
            snprintf(err, errlen, "%s/lock: %s", f->dir, strerror(errno));
            return -1;
        }
    }

    f->file_locked = 1;

    return 0;
}


static void
file_unlock(fact_t *f)
{
    struct flock  fl;

    memset(&fl, 0, sizeof(fl));
    fl.l_type = F_UNLCK;
    fl.l_whence = SEEK_SET;

    if (fcntl(f->lockfd, F_OFD_SETLK, &fl) < 0) {
        srv_log("%s/lock: cannot unlock: %s", f->dir, strerror(errno));
    }

    f->file_locked = 0;
}


/* The store's generation: the size of "lock". */

static int
generation(fact_t *f, uint64_t *gen, char *err, size_t errlen)
{
    struct stat  st;

    if (fstat(f->lockfd, &st) < 0) {
        snprintf(err, errlen, "%s/lock: %s", f->dir, strerror(errno));
        return -1;
    }

    *gen = (uint64_t) st.st_size;

    return 0;
}


/* name replaced by data: a unique temporary file renamed over it. */

static int
replace(fact_t *f, const char *name, const char *data, size_t len,
    char *err, size_t errlen)
{
    int   fd, dfd;
    char  path[4096], tmp[4096];

    snprintf(path, sizeof(path), "%s/%s", f->dir, name);
    snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX" FACT_TMP_SUFFIX, f->dir,
             name);

    fd = mkostemps(tmp, sizeof(FACT_TMP_SUFFIX) - 1, O_CLOEXEC);

    if (fd < 0
        || io_write_full(fd, (const uint8_t *) data, len) < 0
        || fsync(fd) < 0)
    {
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(tmp);
        }
        return -1;
    }

    close(fd);

    if (rename(tmp, path) < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }

    /* the rename itself must survive a crash */
    dfd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void) fsync(dfd);
        close(dfd);
    }

    return 0;
}


/*
 * A file of the store replaced, under the write lock.  The generation
 * goes up first: an instance that sees it waits for the lock, then reads
 * the new file; a crash before the rename costs a needless reading.
 */

int
fact_store_write(fact_t *f, const char *name, const char *data, size_t len,
    char *err, size_t errlen)
{
    uint64_t  gen;

    if (generation(f, &gen, err, errlen) < 0) {
        return -1;
    }

    if (ftruncate(f->lockfd, (off_t) gen + 1) < 0) {
        snprintf(err, errlen, "%s/lock: %s", f->dir, strerror(errno));
        return -1;
    }

    f->stamp = gen + 1;

    if (replace(f, name, data, len, err, errlen) < 0) {
        /* what this instance holds may differ from the disk: read it */
        f->stamp = UINT64_MAX;
        return -1;
    }

    return 0;
}


/* fact_store_read's one try; *stale if the file system said ESTALE. */

static char *
read_once(fact_t *f, const char *name, int *stale, char *err, size_t errlen)
{
    int           fd;
    char          path[4096], *buf;
    struct stat   st;

    snprintf(path, sizeof(path), "%s/%s", f->dir, name);
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

    if (fd < 0) {
        *stale = errno == ESTALE;
        if (errno != ENOENT) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
        }
        return NULL;
    }

    if (fstat(fd, &st) < 0 || st.st_size > (16 << 20)
        || (buf = malloc(st.st_size + 1)) == NULL)
    {
        *stale = errno == ESTALE;
        snprintf(err, errlen, "%s: cannot read", path);
        close(fd);
        return NULL;
    }

    if (io_read_full(fd, (uint8_t *) buf, st.st_size) < 0) {
        *stale = errno == ESTALE;
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        free(buf);
        close(fd);
        return NULL;
    }

    close(fd);
    buf[st.st_size] = '\0';

    return buf;
}


/*
 * A whole small file of the store, NUL-terminated; NULL if absent.  On a
 * network file system, a name another client replaced may answer "stale
 * file handle" once: it is looked up again.
 */

char *
fact_store_read(fact_t *f, const char *name, char *err, size_t errlen)
{
    int    stale;
    char  *text;

    stale = 0;
    text = read_once(f, name, &stale, err, errlen);

    if (text == NULL && stale) {
        err[0] = '\0';
        text = read_once(f, name, &stale, err, errlen);
    }

    return text;
}


static int
save_users(fact_t *f, char *err, size_t errlen)
{
    int     rc;
    char   *text, *p;
    size_t  i;

    text = malloc(f->nusers * (TEN_NAME_MAX + crypto_pwhash_STRBYTES + 3)
                  + 1);
    if (text == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }

    for (i = 0, p = text; i < f->nusers; i++) {
        p += sprintf(p, "%s %s\n", f->users[i].name,
                     f->users[i].hash[0] ? f->users[i].hash : "-");
    }

    rc = fact_store_write(f, "users", text, p - text, err, errlen);
    free(text);

    return rc;
}


static int
save_keys(fact_t *f, char *err, size_t errlen)
{
    int     rc;
    char   *text, *p, sk64[TEN_B64_64_LEN + 1];
    size_t  i;

    text = malloc(f->nkeys * (TEN_B64_64_LEN + 64) + 1);
    if (text == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }

    for (i = 0, p = text; i < f->nkeys; i++) {
        ten_b64_encode(f->keys[i].sk, TEN_SK_LEN, sk64, sizeof(sk64));
        p += sprintf(p, "%s %lld %lld\n", sk64,
                     (long long) f->keys[i].not_before,
                     (long long) f->keys[i].not_after);
    }

    sodium_memzero(sk64, sizeof(sk64));
    rc = fact_store_write(f, "signing", text, p - text, err, errlen);
    sodium_memzero(text, p - text);
    free(text);

    return rc;
}


static fact_user_t *
find_user(fact_t *f, const char *name)
{
    size_t  i;

    for (i = 0; i < f->nusers; i++) {
        if (strcmp(f->users[i].name, name) == 0) {
            return &f->users[i];
        }
    }

    return NULL;
}


static int
push_user(fact_t *f, const char *name, const char *hash)
{
    fact_user_t  *u;

    u = realloc(f->users, (f->nusers + 1) * sizeof(fact_user_t));
    if (u == NULL) {
        return -1;
    }

    f->users = u;
    u = &f->users[f->nusers++];
    snprintf(u->name, sizeof(u->name), "%s", name);
    snprintf(u->hash, sizeof(u->hash), "%s", hash);

    return 0;
}


static int
user_line(fact_t *f, char *p, char *err, size_t errlen)
{
    char  *sp;

    sp = strchr(p, ' ');

    if (sp == NULL || !ten_valid_name(p, sp - p)
        || (strcmp(sp + 1, "-") != 0
            && strncmp(sp + 1, crypto_pwhash_STRPREFIX,
                       strlen(crypto_pwhash_STRPREFIX)) != 0)
        || strlen(sp + 1) >= crypto_pwhash_STRBYTES)
    {
        return -1;
    }

    *sp = '\0';

    if (push_user(f, p, strcmp(sp + 1, "-") ? sp + 1 : "") < 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }

    return 0;
}


/* Room for one more signing key: its slot, or NULL. */

static fact_key_t *
key_slot(fact_t *f, char *err, size_t errlen)
{
    fact_key_t  *k;

    k = realloc(f->keys, (f->nkeys + 1) * sizeof(fact_key_t));
    if (k == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    f->keys = k;

    return &f->keys[f->nkeys];
}


static int
key_line(fact_t *f, char *p, char *err, size_t errlen)
{
    int          rc;
    char         sk64[TEN_B64_64_LEN + 1];
    long long    nb, na;
    fact_key_t  *k;
    uint8_t      pk[TEN_PK_LEN];

    k = key_slot(f, err, errlen);
    if (k == NULL) {
        return -1;
    }

    rc = (sscanf(p, "%88s %lld %lld", sk64, &nb, &na) != 3
          || ten_b64_decode(sk64, strlen(sk64), k->sk, TEN_SK_LEN) < 0)
         ? -1 : 0;
    sodium_memzero(sk64, sizeof(sk64));

    if (rc < 0) {
        return -1;
    }

    k->not_before = nb;
    k->not_after = na;
    ten_key_public(k->sk, pk);
    ten_keyid(pk, k->keyid);

    if (ten_cert_make(f->identity, pk, nb, na, k->cert, sizeof(k->cert))
        < 0)
    {
        snprintf(err, errlen, "cannot certify a signing key");
        return -1;
    }

    f->nkeys++;

    return 0;
}


/*
 * Each non-empty line of a store file, in order, to one(); a file that is
 * not there has none.  A line one() refuses without saying why is "not
 * of the form" form, with its file and number.  The text is wiped: the
 * store's files hold secrets.
 */

int
fact_store_lines(fact_t *f, const char *name, const char *form,
    fact_line_pt one, char *err, size_t errlen)
{
    int    rc, line;
    char  *text, *p, *next, *nl;

    err[0] = '\0';
    text = fact_store_read(f, name, err, errlen);

    if (text == NULL) {
        return err[0] ? -1 : 0;
    }

    rc = 0;

    for (p = text, line = 1; *p && rc == 0; p = next, line++) {
        nl = strchr(p, '\n');
        next = nl ? nl + 1 : p + strlen(p);

        if (nl) {
            *nl = '\0';
        }

        if (*p != '\0' && (rc = one(f, p, err, errlen)) < 0 && !err[0]) {
            snprintf(err, errlen, "%s/%s:%d: expected \"%s\"", f->dir,
                     name, line, form);
        }
    }

    sodium_memzero(text, p - text);
    free(text);

    return rc;
}


/* The arrays a reading fills. */

typedef struct {
    fact_user_t     *users;
    size_t           nusers;
    fact_key_t      *keys;
    size_t           nkeys;
    fact_passkey_t  *passkeys;
    size_t           npasskeys;
} fact_arrays_t;


static void
arrays_take(fact_t *f, fact_arrays_t *a)
{
    a->users = f->users;
    a->nusers = f->nusers;
    a->keys = f->keys;
    a->nkeys = f->nkeys;
    a->passkeys = f->passkeys;
    a->npasskeys = f->npasskeys;
}


static void
arrays_give(fact_t *f, const fact_arrays_t *a)
{
    f->users = a->users;
    f->nusers = a->nusers;
    f->keys = a->keys;
    f->nkeys = a->nkeys;
    f->passkeys = a->passkeys;
    f->npasskeys = a->npasskeys;
}


/* a's arrays freed, the keys wiped; a is empty */

static void
arrays_free(fact_arrays_t *a)
{
    if (a->keys) {
        sodium_memzero(a->keys, a->nkeys * sizeof(fact_key_t));
    }

    free(a->keys);
    free(a->users);
    free(a->passkeys);
    memset(a, 0, sizeof(*a));
}


static int
keys_differ(const fact_arrays_t *old, fact_t *f)
{
    size_t  i;

    if (old->nkeys != f->nkeys) {
        return 1;
    }

    for (i = 0; i < f->nkeys; i++) {
        if (strcmp(old->keys[i].keyid, f->keys[i].keyid) != 0) {
            return 1;
        }
    }

    return 0;
}


/*
 * The store read again, under the file lock: the arrays replaced whole,
 * or, if it cannot be read, left as they were.
 */

static int
reload(fact_t *f, char *err, size_t errlen)
{
    uint64_t       gen;
    fact_arrays_t  old, none;

    if (generation(f, &gen, err, errlen) < 0) {
        return -1;
    }

    memset(&none, 0, sizeof(none));

    arrays_take(f, &old);
    arrays_give(f, &none);

    if (fact_store_lines(f, "users", "name hash", user_line, err, errlen)
        < 0
        || fact_store_lines(f, "signing", "key not-before not-after",
                            key_line, err, errlen) < 0
        || fact_passkeys_load(f, err, errlen) < 0)
    {
        arrays_take(f, &none);
        arrays_free(&none);
        arrays_give(f, &old);
        return -1;
    }

    if (keys_differ(&old, f)) {
        __atomic_add_fetch(&f->generation, 1, __ATOMIC_RELAXED);
    }

    arrays_free(&old);
    f->stamp = gen;

    return 0;
}


void
fact_store_lock(fact_t *f)
{
    int       rc;
    char      err[256];
    uint64_t  gen;

    pthread_mutex_lock(&f->lock);
    rc = generation(f, &gen, err, sizeof(err));

    if (rc == 0 && gen == f->stamp) {
        return;
    }

    /* another instance changed the store */
    rc = rc == 0 ? file_lock(f, F_RDLCK, err, sizeof(err)) : rc;

    if (rc == 0) {
        rc = reload(f, err, sizeof(err));
        file_unlock(f);
    }

    if (rc < 0) {
        srv_log("key store: %s; going on with what was read before", err);
    }
}


int
fact_store_lock_write(fact_t *f, char *err, size_t errlen)
{
    pthread_mutex_lock(&f->lock);

    /* read again even if the size did not move: no change is lost */
    if (file_lock(f, F_WRLCK, err, errlen) < 0
        || reload(f, err, errlen) < 0)
    {
        fact_store_unlock(f);
        return -1;
    }

    return 0;
}


void
fact_store_unlock(fact_t *f)
{
    if (f->file_locked) {
        file_unlock(f);
    }

    pthread_mutex_unlock(&f->lock);
}


/*
 * Temporary files left by a writer that died; under the write lock, so
 * no live writer has one.
 */

static void
remove_leftovers(fact_t *f)
{
    DIR            *d;
    size_t          n;
    struct dirent  *de;

    d = opendir(f->dir);
    if (d == NULL) {
        return;
    }

    while ((de = readdir(d)) != NULL) {
        n = strlen(de->d_name);

        if (de->d_name[0] == '.' && n > sizeof(FACT_TMP_SUFFIX)
            && strcmp(de->d_name + n - (sizeof(FACT_TMP_SUFFIX) - 1),
                      FACT_TMP_SUFFIX) == 0
            && unlinkat(dirfd(d), de->d_name, 0) == 0)
        {
            srv_log("key store: removed %s, left by a writer that died",
                    de->d_name);
        }
    }

    closedir(d);
}


/* A password anyone can read once: letters and digits, 20 of them. */

static void
random_password(char *buf, size_t n)
{
    size_t             i;
    static const char  chars[] = "abcdefghijkmnopqrstuvwxyz23456789";

    for (i = 0; i + 1 < n; i++) {
        buf[i] = chars[randombytes_uniform(sizeof(chars) - 1)];
    }

    buf[i] = '\0';
}


/* hash: pass's Argon2id, checked for length first. */

static int
hash_password(const char *pass, char hash[crypto_pwhash_STRBYTES],
    char *err, size_t errlen)
{
    size_t  len;

    len = strlen(pass);

    if (len == 0 || len > FACT_PASS_MAX) {
        snprintf(err, errlen, "a password is 1 to %d bytes", FACT_PASS_MAX);
        return -1;
    }

    if (crypto_pwhash_str(hash, pass, len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE)
        != 0)
    {
        snprintf(err, errlen, "out of memory for Argon2id");
        return -1;
    }

    return 0;
}


/* adm and its password, made under the write lock. */

static int
first_start(fact_t *f, char *err, size_t errlen)
{
    int   rc;
    char  pass[21], text[32], hash[crypto_pwhash_STRBYTES];

    random_password(pass, sizeof(pass));
    snprintf(text, sizeof(text), "%s\n", pass);

    rc = hash_password(pass, hash, err, errlen) < 0
         || push_user(f, "adm", hash) < 0
         || save_users(f, err, errlen) < 0
         || fact_store_write(f, "adm.password", text, strlen(text), err,
                             errlen) < 0
         ? -1 : 0;

    if (rc < 0 && !err[0]) {
        snprintf(err, errlen, "out of memory");
    }

    /*
     * The password goes to a person at a terminal, once, and never into a
     * log file: stderr is often one (make run, systemd's journal) -- unless
     * the operator asks (-P): a container's log is read by its operator.
     */
    if (rc < 0) {
        /* nothing said */

    } else if (f->print_first || isatty(STDERR_FILENO)) {
        fprintf(stderr, "ten-factotum: first start: user adm, password %s "
                "(also in %s/adm.password)\n", pass, f->dir);

    } else {
        srv_log("first start: user adm; its password is in "
                "%s/adm.password (mode 0600)", f->dir);
    }

    sodium_memzero(pass, sizeof(pass));
    sodium_memzero(text, sizeof(text));

    return rc;
}


int
fact_store_open(fact_t *f, char *err, size_t errlen)
{
    int           rc;
    char          pass[21], path[4096];
    struct stat   st;

    f->lockfd = -1;

    if (mkdir(f->dir, 0700) < 0 && errno != EEXIST) {
        snprintf(err, errlen, "key store %s: %s", f->dir, strerror(errno));
        return -1;
    }

    if (stat(f->dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "key store %s: not a directory", f->dir);
        return -1;
    }

    if (st.st_mode & 077) {
        snprintf(err, errlen, "key store %s is mode %04o; it must be 0700",
                 f->dir, (unsigned) (st.st_mode & 07777));
        return -1;
    }

    snprintf(path, sizeof(path), "%s/lock", f->dir);
    f->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

    if (f->lockfd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }

    pthread_mutex_init(&f->lock, NULL);
    f->stamp = UINT64_MAX;

    /* an unknown user's check costs what a known one's does */
    random_password(pass, sizeof(pass));

    if (crypto_pwhash_str(fact_dummy_hash, pass, strlen(pass),
                          crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE)
        != 0)
    {
        snprintf(err, errlen, "out of memory for Argon2id");
        return -1;
    }

    /* another instance may be starting on the same store */
    err[0] = '\0';

    if (fact_store_lock_write(f, err, errlen) < 0) {
        return -1;
    }

    remove_leftovers(f);
    rc = f->nusers == 0 ? first_start(f, err, errlen) : 0;
    fact_store_unlock(f);

    return rc;
}


void
fact_store_close(fact_t *f)
{
    fact_arrays_t  a;

    arrays_take(f, &a);
    arrays_free(&a);

    if (f->lockfd >= 0) {
        close(f->lockfd);
    }
}


int
fact_user_known(fact_t *f, const char *user)
{
    int  known;

    fact_store_lock(f);
    known = find_user(f, user) != NULL;
    fact_store_unlock(f);

    return known;
}


int
fact_user_present(fact_t *f, const char *user)
{
    return find_user(f, user) != NULL;
}


int
fact_user_check(fact_t *f, const char *user, const char *pass)
{
    int           known;
    char          hash[crypto_pwhash_STRBYTES];
    fact_user_t  *u;

    fact_store_lock(f);
    u = find_user(f, user);
    known = u && u->hash[0];
    memcpy(hash, known ? u->hash : fact_dummy_hash, sizeof(hash));
    fact_store_unlock(f);

    if (strlen(pass) > FACT_PASS_MAX
        || crypto_pwhash_str_verify(hash, pass, strlen(pass)) != 0)
    {
        return -1;
    }

    /* the dummy's password is known to nobody, but be exact */
    return known ? 0 : -1;
}


int
fact_user_setpass(fact_t *f, const char *user, const char *pass,
    char *err, size_t errlen)
{
    int           rc;
    char          hash[crypto_pwhash_STRBYTES], old[crypto_pwhash_STRBYTES];
    fact_user_t  *u;

    if (hash_password(pass, hash, err, errlen) < 0
        || fact_store_lock_write(f, err, errlen) < 0)
    {
        return -1;
    }

    u = find_user(f, user);

    if (u == NULL) {
        fact_store_unlock(f);
        snprintf(err, errlen, "no such user");
        return -1;
    }

    memcpy(old, u->hash, sizeof(old));
    memcpy(u->hash, hash, sizeof(hash));
    rc = save_users(f, err, errlen);

    if (rc < 0) {
        memcpy(u->hash, old, sizeof(old));
    }

    fact_store_unlock(f);

    return rc;
}


int
fact_user_add(fact_t *f, const char *user, char *err, size_t errlen)
{
    int  rc;

    if (!ten_valid_name(user, strlen(user))) {
        snprintf(err, errlen, "bad user name (want [a-z_][a-z0-9_-]*)");
        return -1;
    }

    if (fact_store_lock_write(f, err, errlen) < 0) {
        return -1;
    }

    if (find_user(f, user)) {
        fact_store_unlock(f);
        snprintf(err, errlen, "user exists");
        return -1;
    }

    rc = push_user(f, user, "");

    if (rc < 0) {
        snprintf(err, errlen, "out of memory");

    } else if (save_users(f, err, errlen) < 0) {
        f->nusers--;
        rc = -1;
    }

    fact_store_unlock(f);

    return rc;
}


int
fact_user_del(fact_t *f, const char *user, char *err, size_t errlen)
{
    int           rc;
    fact_user_t  *u, gone;

    if (fact_store_lock_write(f, err, errlen) < 0) {
        return -1;
    }

    u = find_user(f, user);

    if (u == NULL) {
        fact_store_unlock(f);
        snprintf(err, errlen, "no such user");
        return -1;
    }

    gone = *u;
    *u = f->users[--f->nusers];
    rc = save_users(f, err, errlen);

    if (rc < 0) {
        /* as it was, though in another place */
        f->users[f->nusers++] = gone;
    }

    fact_store_unlock(f);

    return rc;
}


/* Keys whose tickets have all expired go; under the lock. */

static void
prune_keys(fact_t *f, int64_t now)
{
    size_t  i, n;

    for (i = 0, n = 0; i < f->nkeys; i++) {
        if (f->keys[i].not_after > now || i == f->nkeys - 1) {
            f->keys[n++] = f->keys[i];
        } else {
            sodium_memzero(f->keys[i].sk, TEN_SK_LEN);
        }
    }

    f->nkeys = n;
}


static int
rotate_locked(fact_t *f, int64_t now, char *err, size_t errlen)
{
    uint8_t      pk[TEN_PK_LEN];
    fact_key_t  *k;

    k = key_slot(f, err, errlen);
    if (k == NULL) {
        return -1;
    }

    crypto_sign_keypair(pk, k->sk);
    ten_keyid(pk, k->keyid);
    k->not_before = now;
    /* it signs for f->rotate; its last ticket lives f->lifetime more */
    k->not_after = now + f->rotate + f->lifetime;

    if (ten_cert_make(f->identity, pk, k->not_before, k->not_after, k->cert,
                      sizeof(k->cert))
        < 0)
    {
        snprintf(err, errlen, "cannot certify the new key");
        return -1;
    }

    f->nkeys++;
    prune_keys(f, now);

    if (save_keys(f, err, errlen) < 0) {
        f->nkeys--;
        return -1;
    }

    __atomic_add_fetch(&f->generation, 1, __ATOMIC_RELAXED);

    return 0;
}


static int
key_due(fact_t *f, int64_t now)
{
    return f->nkeys == 0
           || now >= f->keys[f->nkeys - 1].not_before + f->rotate;
}


/*
 * The current key, made anew when it has signed long enough; under the
 * mutex.  Of the instances that find it due, the first to take the write
 * lock rotates; the others, reading the store again under it, find the
 * new key.
 */

static fact_key_t *
current_key(fact_t *f, int64_t now, char *err, size_t errlen)
{
    int  rc;

    if (!key_due(f, now)) {
        return &f->keys[f->nkeys - 1];
    }

    rc = file_lock(f, F_WRLCK, err, errlen);
    rc = rc == 0 ? reload(f, err, errlen) : rc;
    rc = rc == 0 && key_due(f, now) ? rotate_locked(f, now, err, errlen) : rc;

    if (f->file_locked) {
        file_unlock(f);
    }

    return rc == 0 && f->nkeys ? &f->keys[f->nkeys - 1] : NULL;
}


int
fact_rotate(fact_t *f, char *err, size_t errlen)
{
    int  rc;

    if (fact_store_lock_write(f, err, errlen) < 0) {
        return -1;
    }

    rc = rotate_locked(f, time(NULL), err, errlen);
    fact_store_unlock(f);

    return rc;
}


int
fact_sign_ticket(fact_t *f, const char *user, char *line, size_t len,
    char nonce[TEN_TNONCE_LEN + 1], int64_t *expires, char *err,
    size_t errlen)
{
    int          n;
    int64_t      now;
    uint8_t      sk[TEN_SK_LEN];
    fact_key_t  *k;

    now = time(NULL);

    fact_store_lock(f);
    k = current_key(f, now, err, errlen);

    if (k) {
        memcpy(sk, k->sk, TEN_SK_LEN);
    }

    fact_store_unlock(f);

    if (k == NULL) {
        return -1;
    }

    *expires = now + f->lifetime;
    n = ten_ticket_make(sk, user, now, *expires, nonce, line, len);
    sodium_memzero(sk, sizeof(sk));

    if (n < 0) {
        snprintf(err, errlen, "cannot sign a ticket");
        return -1;
    }

    return 0;
}


char *
fact_keys_text(fact_t *f, unsigned *generation)
{
    char    err[256], *text, *p;
    size_t  i;
    int64_t now;

    now = time(NULL);

    fact_store_lock(f);

    if (current_key(f, now, err, sizeof(err)) == NULL) {
        fprintf(stderr, "ten-factotum: %s\n", err);
    }

    text = malloc(f->nkeys * (FACT_LINE_MAX + 1) + 1);

    if (text) {
        for (i = 0, p = text; i < f->nkeys; i++) {
            if (f->keys[i].not_after > now) {
                p += sprintf(p, "%s\n", f->keys[i].cert);
            }
        }
        *p = '\0';
    }

    *generation = f->generation;
    fact_store_unlock(f);

    return text;
}


char *
fact_status_text(fact_t *f)
{
    char    *text, *p;
    size_t   i;
    int64_t  now;

    now = time(NULL);

    fact_store_lock(f);

    text = malloc(f->nusers * (TEN_NAME_MAX + 1) + f->nkeys * 128 + 256);

    if (text) {
        p = text + sprintf(text, "users");

        for (i = 0; i < f->nusers; i++) {
            p += sprintf(p, " %s%s", f->users[i].name,
                         f->users[i].hash[0] ? "" : "(no password)");
        }

        p += sprintf(p, "\n");

        for (i = 0; i < f->nkeys; i++) {
            p += sprintf(p, "key %s %s not-before %lld not-after %lld\n",
                         f->keys[i].keyid,
                         i == f->nkeys - 1 ? "current"
                         : f->keys[i].not_after > now ? "old" : "expired",
                         (long long) f->keys[i].not_before,
                         (long long) f->keys[i].not_after);
        }

        sprintf(p, "ticket-lifetime %lld\nrotate %lld\n",
                (long long) f->lifetime, (long long) f->rotate);
    }

    fact_store_unlock(f);

    return text;
}


/*
 * A line of "fails": a user's failures (the user "-" for a passkey login
 * that named none) and the last one's time.  Lines not of that form, the
 * forgiven and those past the most kept are dropped: the next failure
 * writes the file anew.
 */

static int
fail_line(fact_t *f, char *line, char *err, size_t errlen)
{
    char         *name, *count, *last, *end, *save;
    long long     n, t;
    fact_fail_t  *e;

    (void) err;
    (void) errlen;

    name = strtok_r(line, " ", &save);
    count = strtok_r(NULL, " ", &save);
    last = strtok_r(NULL, " ", &save);

    if (last == NULL || strtok_r(NULL, " ", &save) != NULL
        || (strcmp(name, "-") != 0 && !ten_valid_name(name, strlen(name)))
        || (n = strtoll(count, &end, 10)) <= 0 || *end != '\0'
        || n > 1000000 || (t = strtoll(last, &end, 10)) < 0 || *end != '\0'
        || time(NULL) - t > FACT_FAIL_FORGET || f->nfails == FACT_FAILS_MAX)
    {
        return 0;
    }

    e = &f->fails[f->nfails++];
    snprintf(e->name, sizeof(e->name), "%s", name);
    e->fails = (unsigned) n;
    e->last = t;

    return 0;
}


/* The mutex and the write lock, and "fails" read into f->fails. */

static int
fails_begin(fact_t *f, char *err, size_t errlen)
{
    pthread_mutex_lock(&f->lock);
    f->nfails = 0;

    if (file_lock(f, F_WRLCK, err, errlen) < 0
        || fact_store_lines(f, "fails", "name failures last", fail_line, err,
                            errlen) < 0)
    {
        fact_store_unlock(f);
        return -1;
    }

    return 0;
}


static int
fails_save(fact_t *f)
{
    int      rc;
    char    *text, err[256], *p;
    size_t   i;

    text = malloc(f->nfails * (TEN_NAME_MAX + 32) + 1);
    if (text == NULL) {
        srv_log("failed logins: out of memory");
        return -1;
    }

    for (i = 0, p = text; i < f->nfails; i++) {
        p += sprintf(p, "%s %u %lld\n", f->fails[i].name, f->fails[i].fails,
                     (long long) f->fails[i].last);
    }

    /* not a change of the store's generation: no instance keeps it */
    rc = replace(f, "fails", text, p - text, err, sizeof(err));

    if (rc < 0) {
        srv_log("failed logins: %s", err);
    }

    free(text);

    return rc;
}


static fact_fail_t *
fail_find(fact_t *f, const char *user)
{
    size_t  i;

    for (i = 0; i < f->nfails; i++) {
        if (strcmp(f->fails[i].name, user) == 0) {
            return &f->fails[i];
        }
    }

    return NULL;
}


unsigned
fact_fail_delay(fact_t *f, const char *user)
{
    int           saved;
    char          err[256];
    size_t        i;
    int64_t       now;
    unsigned      delay, fails;
    fact_fail_t  *e;

    now = time(NULL);

    if (fails_begin(f, err, sizeof(err)) < 0) {
        /* a broken store must not make guessing faster */
        srv_log("failed logins: %s", err);
        return FACT_DELAY_MAX;
    }

    e = fail_find(f, user);

    if (e == NULL && f->nfails < FACT_FAILS_MAX) {
        e = &f->fails[f->nfails++];
        e->fails = 0;

    } else if (e == NULL) {
        /* the longest quiet entry makes room */
        for (i = 0, e = &f->fails[0]; i < f->nfails; i++) {
            if (f->fails[i].last < e->last) {
                e = &f->fails[i];
            }
        }
        e->fails = 0;
    }

    snprintf(e->name, sizeof(e->name), "%s", user);
    fails = ++e->fails;
    e->last = now;
    saved = fails_save(f);
    fact_store_unlock(f);

    if (saved < 0) {
        /* a count not kept would start again at the next failure */
        return FACT_DELAY_MAX;
    }

    delay = f->fail_ms << (fails > 7 ? 6 : fails - 1);

    return delay > FACT_DELAY_MAX ? FACT_DELAY_MAX : delay;
}


void
fact_fail_clear(fact_t *f, const char *user)
{
    char          err[256];
    fact_fail_t  *e;

    if (fails_begin(f, err, sizeof(err)) < 0) {
        srv_log("failed logins: %s", err);
        return;
    }

    e = fail_find(f, user);

    if (e != NULL) {
        *e = f->fails[--f->nfails];
        fails_save(f);
    }

    fact_store_unlock(f);
}
