
/*
 * Ten: ten-factotum's key store.  A directory (0700) holding
 *
 *   users      "name argon2id-hash" a line ("-": no password yet)
 *   signing    "secret-key-b64 not-before not-after" a line, oldest first
 *   adm.password   the password made for adm at the first start
 *   passkeys   a user's WebAuthn credentials (fact_passkeys.c)
 *
 * every file 0600, replaced whole: written to a temporary file, synced,
 * renamed over the old one and the directory synced, so a crash leaves
 * the old file or the new one, never a mix.
 */

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


static char  fact_dummy_hash[crypto_pwhash_STRBYTES];




int
fact_store_write(fact_t *f, const char *name, const char *data, size_t len,
    char *err, size_t errlen)
{
    int   fd, dfd;
    char  path[4096], tmp[4096];

    snprintf(path, sizeof(path), "%s/%s", f->dir, name);
    snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", f->dir, name);

    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

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


/* A whole small file of the store, NUL-terminated; NULL if absent. */

char *
fact_store_read(fact_t *f, const char *name, char *err, size_t errlen)
{
    int           fd;
    char          path[4096], *buf;
    struct stat   st;

    snprintf(path, sizeof(path), "%s/%s", f->dir, name);
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

    if (fd < 0) {
        if (errno != ENOENT) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
        }
        return NULL;
    }

    if (fstat(fd, &st) < 0 || st.st_size > (16 << 20)
        || (buf = malloc(st.st_size + 1)) == NULL)
    {
        snprintf(err, errlen, "%s: cannot read", path);
        close(fd);
        return NULL;
    }

    if (io_read_full(fd, (uint8_t *) buf, st.st_size) < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        free(buf);
        close(fd);
        return NULL;
    }

    close(fd);
    buf[st.st_size] = '\0';

    return buf;
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


static int
first_start(fact_t *f, char *err, size_t errlen)
{
    char  pass[21], text[32];

    random_password(pass, sizeof(pass));

    if (push_user(f, "adm", "") < 0
        || fact_user_setpass(f, "adm", pass, err, errlen) < 0)
    {
        return -1;
    }

    snprintf(text, sizeof(text), "%s\n", pass);

    if (fact_store_write(f, "adm.password", text, strlen(text), err, errlen)
        < 0)
    {
        return -1;
    }

    /*
     * The password goes to a person at a terminal, once, and never into a
     * log file: stderr is often one (make run, systemd's journal) -- unless
     * the operator asks (-P): a container's log is read by its operator.
     */
    if (f->print_first || isatty(STDERR_FILENO)) {
        fprintf(stderr, "ten-factotum: first start: user adm, password %s "
                "(also in %s/adm.password)\n", pass, f->dir);

    } else {
        srv_log("first start: user adm; its password is in "
                "%s/adm.password (mode 0600)", f->dir);
    }

    sodium_memzero(pass, sizeof(pass));
    sodium_memzero(text, sizeof(text));

    return 0;
}


int
fact_store_open(fact_t *f, char *err, size_t errlen)
{
    char          pass[21];
    struct stat   st;

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

    pthread_mutex_init(&f->lock, NULL);

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

    if (fact_store_lines(f, "users", "name hash", user_line, err, errlen)
        < 0
        || fact_store_lines(f, "signing", "key not-before not-after",
                            key_line, err, errlen) < 0
        || fact_passkeys_load(f, err, errlen) < 0)
    {
        return -1;
    }

    if (f->nusers == 0 && first_start(f, err, errlen) < 0) {
        return -1;
    }

    return 0;
}


int
fact_user_known(fact_t *f, const char *user)
{
    int  known;

    pthread_mutex_lock(&f->lock);
    known = find_user(f, user) != NULL;
    pthread_mutex_unlock(&f->lock);

    return known;
}


int
fact_user_check(fact_t *f, const char *user, const char *pass)
{
    char          hash[crypto_pwhash_STRBYTES];
    fact_user_t  *u;

    pthread_mutex_lock(&f->lock);
    u = find_user(f, user);
    memcpy(hash, (u && u->hash[0]) ? u->hash : fact_dummy_hash,
           sizeof(hash));
    pthread_mutex_unlock(&f->lock);

    if (strlen(pass) > FACT_PASS_MAX
        || crypto_pwhash_str_verify(hash, pass, strlen(pass)) != 0)
    {
        return -1;
    }

    /* the dummy's password is known to nobody, but be exact */
    return (u && u->hash[0]) ? 0 : -1;
}


int
fact_user_setpass(fact_t *f, const char *user, const char *pass,
    char *err, size_t errlen)
{
    int           rc;
    char          hash[crypto_pwhash_STRBYTES], old[crypto_pwhash_STRBYTES];
    size_t        len;
    fact_user_t  *u;

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

    pthread_mutex_lock(&f->lock);
    u = find_user(f, user);

    if (u == NULL) {
        pthread_mutex_unlock(&f->lock);
        snprintf(err, errlen, "no such user");
        return -1;
    }

    memcpy(old, u->hash, sizeof(old));
    memcpy(u->hash, hash, sizeof(hash));
    rc = save_users(f, err, errlen);

    if (rc < 0) {
        memcpy(u->hash, old, sizeof(old));
    }

    pthread_mutex_unlock(&f->lock);

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

    pthread_mutex_lock(&f->lock);

    if (find_user(f, user)) {
        pthread_mutex_unlock(&f->lock);
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

    pthread_mutex_unlock(&f->lock);

    return rc;
}


int
fact_user_del(fact_t *f, const char *user, char *err, size_t errlen)
{
    int           rc;
    fact_user_t  *u, gone;

    pthread_mutex_lock(&f->lock);
    u = find_user(f, user);

    if (u == NULL) {
        pthread_mutex_unlock(&f->lock);
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

    pthread_mutex_unlock(&f->lock);

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

    f->generation++;

    return 0;
}


/* The current key, made anew when it has signed long enough. */

static fact_key_t *
current_key(fact_t *f, int64_t now, char *err, size_t errlen)
{
    fact_key_t  *k;

    k = f->nkeys ? &f->keys[f->nkeys - 1] : NULL;

    if ((k == NULL || now >= k->not_before + f->rotate)
        && rotate_locked(f, now, err, errlen) < 0)
    {
        return NULL;
    }

    return &f->keys[f->nkeys - 1];
}


int
fact_rotate(fact_t *f, char *err, size_t errlen)
{
    int  rc;

    pthread_mutex_lock(&f->lock);
    rc = rotate_locked(f, time(NULL), err, errlen);
    pthread_mutex_unlock(&f->lock);

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

    pthread_mutex_lock(&f->lock);
    k = current_key(f, now, err, errlen);

    if (k) {
        memcpy(sk, k->sk, TEN_SK_LEN);
    }

    pthread_mutex_unlock(&f->lock);

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

    pthread_mutex_lock(&f->lock);

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
    pthread_mutex_unlock(&f->lock);

    return text;
}


char *
fact_status_text(fact_t *f)
{
    char    *text, *p;
    size_t   i;
    int64_t  now;

    now = time(NULL);

    pthread_mutex_lock(&f->lock);

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

    pthread_mutex_unlock(&f->lock);

    return text;
}


unsigned
fact_fail_delay(fact_t *f, const char *user)
{
    size_t        i;
    int64_t       now;
    unsigned      delay;
    fact_fail_t  *e, *oldest;

    now = time(NULL);
    e = NULL;
    oldest = &f->fails[0];

    pthread_mutex_lock(&f->lock);

    for (i = 0; i < FACT_FAILS_MAX; i++) {
        if (strcmp(f->fails[i].name, user) == 0) {
            e = &f->fails[i];
            break;
        }

        if (f->fails[i].last < oldest->last) {
            oldest = &f->fails[i];
        }
    }

    if (e == NULL) {
        /* the longest quiet entry makes room */
        e = oldest;
        snprintf(e->name, sizeof(e->name), "%s", user);
        e->fails = 0;
    }

    if (now - e->last > FACT_FAIL_FORGET) {
        e->fails = 0;
    }

    e->fails++;
    e->last = now;
    delay = f->fail_ms << (e->fails > 7 ? 6 : e->fails - 1);

    pthread_mutex_unlock(&f->lock);

    return delay > FACT_DELAY_MAX ? FACT_DELAY_MAX : delay;
}


void
fact_fail_clear(fact_t *f, const char *user)
{
    size_t  i;

    pthread_mutex_lock(&f->lock);

    for (i = 0; i < FACT_FAILS_MAX; i++) {
        if (strcmp(f->fails[i].name, user) == 0) {
            f->fails[i].fails = 0;
        }
    }

    pthread_mutex_unlock(&f->lock);
}
