
/*
 * Ten: ten-factotum's passkeys, the file "passkeys" of the key store (0600,
 * replaced whole like the others), a line each:
 *
 *   user userid credential-id alg public-key counter created used name
 *
 * binary fields in base64url, times in Unix seconds (used 0: never), the
 * name last, to the end of the line.  A user's passkeys share one user
 * handle (userid: 16 random bytes, so the handle says nothing about the
 * user).  Read under the store's lock, changed under its write lock
 * (fact_store.c), so instances sharing the store share the passkeys and
 * their counters.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "factotum.h"


#define B64U        sodium_base64_VARIANT_URLSAFE_NO_PADDING
#define B64U_LEN(n) sodium_base64_ENCODED_LEN(n, B64U)
#define LINE_MAX_   (TEN_NAME_MAX + B64U_LEN(FACT_USERID_LEN)              \
                     + B64U_LEN(WA_CRED_ID_MAX) + B64U_LEN(WA_PUBKEY_MAX) \
                     + FACT_PASSKEY_NAME + 80)


static int
b64u_field(const char *text, uint8_t *out, size_t size, size_t *len)
{
    const char  *end;

    return sodium_base642bin(out, size, text, strlen(text), NULL, len, &end,
                             B64U) == 0
           && *end == '\0' ? 0 : -1;
}


static fact_passkey_t *
find_id(fact_t *f, const uint8_t *id, size_t len)
{
    size_t  i;

    for (i = 0; i < f->npasskeys; i++) {
        if (f->passkeys[i].cred.id_len == len
            && memcmp(f->passkeys[i].cred.id, id, len) == 0)
        {
            return &f->passkeys[i];
        }
    }

    return NULL;
}


static size_t
count_user(fact_t *f, const char *user)
{
    size_t  i, n;

    for (i = 0, n = 0; i < f->npasskeys; i++) {
        n += strcmp(f->passkeys[i].user, user) == 0;
    }

    return n;
}


static int
save(fact_t *f, char *err, size_t errlen)
{
    int                    rc;
    char                  *text, *p, id[B64U_LEN(WA_CRED_ID_MAX)];
    char                   uid[B64U_LEN(FACT_USERID_LEN)];
    char                   key[B64U_LEN(WA_PUBKEY_MAX)];
    size_t                 i;
    const fact_passkey_t  *pk;

    text = malloc(f->npasskeys * LINE_MAX_ + 1);
    if (text == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }

    for (i = 0, p = text; i < f->npasskeys; i++) {
        pk = &f->passkeys[i];
        sodium_bin2base64(uid, sizeof(uid), pk->userid, FACT_USERID_LEN,
                          B64U);
        sodium_bin2base64(id, sizeof(id), pk->cred.id, pk->cred.id_len, B64U);
        sodium_bin2base64(key, sizeof(key), pk->cred.pubkey,
                          pk->cred.pubkey_len, B64U);
        p += sprintf(p, "%s %s %s %d %s %u %lld %lld %s\n", pk->user, uid, id,
                     pk->cred.alg, key, pk->cred.counter,
                     (long long) pk->created, (long long) pk->used,
                     pk->name);
    }

    *p = '\0';
    rc = fact_store_write(f, "passkeys", text, p - text, err, errlen);
    free(text);

    return rc;
}


/* A number field: 0 and *v, or -1. */

static int
number(const char *text, long long min, long long max, long long *v)
{
    char  *end;

    *v = strtoll(text, &end, 10);

    return end > text && *end == '\0' && *v >= min && *v <= max ? 0 : -1;
}


/* One line of the file into pk: 0, or -1. */

static int
parse_line(char *line, fact_passkey_t *pk)
{
    int         i;
    char       *w[8], *save;
    size_t      len;
    long long   alg, counter, created, used;

    memset(pk, 0, sizeof(*pk));

    for (i = 0; i < 8; i++) {
        w[i] = strtok_r(i ? NULL : line, " ", &save);
        if (w[i] == NULL) {
            return -1;
        }
    }

    /* the name: the rest of the line */
    save += strspn(save, " ");

    if (!ten_valid_name(w[0], strlen(w[0]))
        || b64u_field(w[1], pk->userid, FACT_USERID_LEN, &len) < 0
        || len != FACT_USERID_LEN
        || b64u_field(w[2], pk->cred.id, WA_CRED_ID_MAX, &pk->cred.id_len)
           < 0
        || pk->cred.id_len == 0
        || number(w[3], WA_EDDSA, WA_ES256, &alg) < 0
        || b64u_field(w[4], pk->cred.pubkey, WA_PUBKEY_MAX,
                      &pk->cred.pubkey_len) < 0
        || number(w[5], 0, UINT32_MAX, &counter) < 0
        || number(w[6], 0, INT64_MAX, &created) < 0
        || number(w[7], 0, INT64_MAX, &used) < 0
        || *save == '\0' || strlen(save) > FACT_PASSKEY_NAME)
    {
        return -1;
    }

    pk->cred.alg = (int) alg;

    if (!((alg == WA_ES256 && pk->cred.pubkey_len == 65)
          || (alg == WA_EDDSA && pk->cred.pubkey_len == 32)))
    {
        return -1;
    }

    snprintf(pk->user, sizeof(pk->user), "%s", w[0]);
    snprintf(pk->name, sizeof(pk->name), "%s", save);
    pk->cred.counter = (uint32_t) counter;
    pk->created = created;
    pk->used = used;

    return 0;
}


static int
passkey_line(fact_t *f, char *line, char *err, size_t errlen)
{
    fact_passkey_t   pk, *grown;

    if (parse_line(line, &pk) < 0) {
        return -1;
    }

    grown = realloc(f->passkeys, (f->npasskeys + 1) * sizeof(pk));
    if (grown == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }

    f->passkeys = grown;
    f->passkeys[f->npasskeys++] = pk;

    return 0;
}


int
fact_passkeys_load(fact_t *f, char *err, size_t errlen)
{
    return fact_store_lines(f, "passkeys",
                            "user userid id alg key counter created used name",
                            passkey_line, err, errlen);
}


void
fact_passkey_userid(fact_t *f, const char *user, uint8_t id[FACT_USERID_LEN])
{
    size_t  i;

    fact_store_lock(f);

    for (i = 0; i < f->npasskeys; i++) {
        if (strcmp(f->passkeys[i].user, user) == 0) {
            memcpy(id, f->passkeys[i].userid, FACT_USERID_LEN);
            fact_store_unlock(f);
            return;
        }
    }

    fact_store_unlock(f);
    randombytes_buf(id, FACT_USERID_LEN);
}


char *
fact_passkey_ids(fact_t *f, const char *user)
{
    char    *text, *p;
    size_t   i;

    /* as many as the file holds: another build's may allow more */
    fact_store_lock(f);
    text = malloc(count_user(f, user) * (B64U_LEN(WA_CRED_ID_MAX) + 1) + 1);

    if (text != NULL) {
        for (i = 0, p = text, *p = '\0'; i < f->npasskeys; i++) {
            if (strcmp(f->passkeys[i].user, user) == 0) {
                if (p > text) {
                    *p++ = ',';
                }
                sodium_bin2base64(p, B64U_LEN(WA_CRED_ID_MAX),
                                  f->passkeys[i].cred.id,
                                  f->passkeys[i].cred.id_len, B64U);
                p += strlen(p);
            }
        }
    }

    fact_store_unlock(f);

    return text;
}


int
fact_passkey_add(fact_t *f, const fact_passkey_t *pk, char *err,
    size_t errlen)
{
    int              rc;
    fact_passkey_t  *grown;

    if (fact_store_lock_write(f, err, errlen) < 0) {
        return -1;
    }

    /* deleted since its ceremony began: deluser dropped its passkeys */
    if (!fact_user_present(f, pk->user)) {
        fact_store_unlock(f);
        snprintf(err, errlen, "no such user");
        return -1;
    }

    if (find_id(f, pk->cred.id, pk->cred.id_len) != NULL) {
        fact_store_unlock(f);
        snprintf(err, errlen, "this passkey is registered already");
        return -1;
    }

    if (count_user(f, pk->user) >= FACT_PASSKEYS_MAX) {
        fact_store_unlock(f);
        snprintf(err, errlen, "%s has %d passkeys, the most there may be: "
                 "remove one first", pk->user, FACT_PASSKEYS_MAX);
        return -1;
    }

    grown = realloc(f->passkeys, (f->npasskeys + 1) * sizeof(*pk));
    if (grown == NULL) {
        fact_store_unlock(f);
        snprintf(err, errlen, "out of memory");
        return -1;
    }

    f->passkeys = grown;
    f->passkeys[f->npasskeys++] = *pk;
    rc = save(f, err, errlen);

    if (rc < 0) {
        f->npasskeys--;
    }

    fact_store_unlock(f);

    return rc;
}


int
fact_passkey_find(fact_t *f, const uint8_t *id, size_t len,
    fact_passkey_t *pk)
{
    fact_passkey_t  *found;

    fact_store_lock(f);
    found = find_id(f, id, len);

    if (found != NULL) {
        *pk = *found;
    }

    fact_store_unlock(f);

    return found ? 0 : -1;
}


int
fact_passkey_used(fact_t *f, const fact_passkey_t *pk, uint32_t counter,
    char *err, size_t errlen)
{
    int              rc;
    int64_t          was_used;
    uint32_t         was;
    fact_passkey_t  *p;

    if (fact_store_lock_write(f, err, errlen) < 0) {
        return -1;
    }

    p = find_id(f, pk->cred.id, pk->cred.id_len);

    if (p == NULL) {
        fact_store_unlock(f);
        snprintf(err, errlen, "the passkey was removed");
        return -1;
    }

    /* another login with it may have raised the counter meanwhile */
    if ((counter != 0 || p->cred.counter != 0) && counter <= p->cred.counter)
    {
        fact_store_unlock(f);
        snprintf(err, errlen, "the signature counter went from %u to %u: "
                 "the authenticator may have been cloned", p->cred.counter,
                 counter);
        return WA_CLONED;
    }

    was = p->cred.counter;
    was_used = p->used;
    p->cred.counter = counter;
    p->used = time(NULL);
    rc = save(f, err, errlen);

    if (rc < 0) {
        p->cred.counter = was;
        p->used = was_used;
    }

    fact_store_unlock(f);

    return rc;
}


static int
dropped(const fact_passkey_t *pk, const char *user, const uint8_t *id,
    size_t id_len)
{
    return strcmp(pk->user, user) == 0
           && (id == NULL
               || (pk->cred.id_len == id_len
                   && memcmp(pk->cred.id, id, id_len) == 0));
}


/* Those of user (all, or the one of id) go; under the lock. */

static int
drop(fact_t *f, const char *user, const uint8_t *id, size_t id_len,
    char *err, size_t errlen)
{
    size_t           i, n, was;
    fact_passkey_t  *old;

    for (i = 0, n = 0; i < f->npasskeys; i++) {
        n += dropped(&f->passkeys[i], user, id, id_len);
    }

    if (n == 0) {
        if (id == NULL) {
            return 0;
        }
        snprintf(err, errlen, "%s has no such passkey", user);
        return -1;
    }

    was = f->npasskeys;
    old = malloc(was * sizeof(*old));
    if (old == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }

    memcpy(old, f->passkeys, was * sizeof(*old));

    for (i = 0, n = 0; i < was; i++) {
        if (!dropped(&old[i], user, id, id_len)) {
            f->passkeys[n++] = old[i];
        }
    }

    f->npasskeys = n;

    if (save(f, err, errlen) < 0) {
        memcpy(f->passkeys, old, was * sizeof(*old));
        f->npasskeys = was;
        free(old);
        return -1;
    }

    free(old);

    return 0;
}


int
fact_passkey_del(fact_t *f, const char *user, const char *id64, char *err,
    size_t errlen)
{
    int      rc;
    size_t   len;
    uint8_t  id[WA_CRED_ID_MAX];

    if (b64u_field(id64, id, sizeof(id), &len) < 0 || len == 0) {
        snprintf(err, errlen, "delpasskey: the id is not base64url");
        return -1;
    }

    if (fact_store_lock_write(f, err, errlen) < 0) {
        return -1;
    }

    rc = drop(f, user, id, len, err, errlen);
    fact_store_unlock(f);

    return rc;
}


int
fact_passkeys_drop_user(fact_t *f, const char *user, char *err,
    size_t errlen)
{
    int  rc;

    if (fact_store_lock_write(f, err, errlen) < 0) {
        return -1;
    }

    rc = drop(f, user, NULL, 0, err, errlen);
    fact_store_unlock(f);

    return rc;
}


char *
fact_passkeys_text(fact_t *f, const char *user)
{
    char                  *text, *p, id[B64U_LEN(WA_CRED_ID_MAX)];
    size_t                 i;
    const fact_passkey_t  *pk;

    fact_store_lock(f);
    text = malloc(count_user(f, user) * LINE_MAX_ + 1);

    if (text != NULL) {
        for (i = 0, p = text, *p = '\0'; i < f->npasskeys; i++) {
            pk = &f->passkeys[i];
            if (strcmp(pk->user, user) != 0) {
                continue;
            }
            sodium_bin2base64(id, sizeof(id), pk->cred.id, pk->cred.id_len,
                              B64U);
            p += sprintf(p, "id=%s alg=%s created=%lld used=%lld "
                         "counter=%u name=%s\n", id,
                         pk->cred.alg == WA_ES256 ? "es256" : "ed25519",
                         (long long) pk->created, (long long) pk->used,
                         pk->cred.counter, pk->name);
        }
    }

    fact_store_unlock(f);

    return text;
}
