
/*
 * Ten: ten-factotum -- logins, tickets and ticket-signing keys
 * (DESIGN.md §2 and §4).
 */

#ifndef _FACTOTUM_H_INCLUDED_
#define _FACTOTUM_H_INCLUDED_


#include <pthread.h>
#include <stdint.h>
#include <sodium.h>

#include "client.h"
#include "fact_webauthn.h"
#include "srv.h"
#include "tenkey.h"


#define FACT_LINE_MAX      512
#define FACT_RPC_MAX       8191     /* bytes of a write to /rpc */
#define FACT_FAILS_MAX     1024     /* users whose failures are counted */
#define FACT_ORIGINS_MAX   8        /* -O */
#define FACT_PASSKEYS_MAX  32       /* a user's */
#define FACT_PASSKEY_NAME  64       /* bytes of a passkey's name */
#define FACT_USERID_LEN    16       /* WebAuthn's user handle */


typedef struct {
    char                name[TEN_NAME_MAX + 1];
    char                hash[crypto_pwhash_STRBYTES];   /* "": none yet */
} fact_user_t;


/* A ticket signing key and its certificate by factotum's identity. */
typedef struct {
    uint8_t             sk[TEN_SK_LEN];
    char                keyid[TEN_KEYID_LEN + 1];
    int64_t             not_before;
    int64_t             not_after;
    char                cert[FACT_LINE_MAX];
} fact_key_t;


/* A passkey: a WebAuthn credential of a user. */
typedef struct {
    char                user[TEN_NAME_MAX + 1];
    uint8_t             userid[FACT_USERID_LEN];
    wa_credential_t     cred;
    int64_t             created;
    int64_t             used;       /* 0: never */
    char                name[FACT_PASSKEY_NAME + 1];
} fact_passkey_t;


typedef struct {
    char                name[TEN_NAME_MAX + 1];
    unsigned            fails;
    int64_t             last;
} fact_fail_t;


typedef struct {
    /*
     * the key store: a directory of 0600 files, written atomically, that
     * more than one instance may serve (fact_store.c); the mutex, then the
     * file lock on its "lock" file, whose size is the store's generation
     */
    char               *dir;
    pthread_mutex_t     lock;
    int                 lockfd;
    int                 file_locked;
    uint64_t            stamp;      /* the generation the arrays are of */
    fact_user_t        *users;
    size_t              nusers;
    fact_key_t         *keys;       /* oldest first; the last signs */
    size_t              nkeys;
    unsigned            generation; /* of /keys, its qid version */
    fact_passkey_t     *passkeys;
    size_t              npasskeys;

    uint8_t             identity[TEN_SK_LEN];
    int64_t             lifetime;   /* of a ticket, seconds */
    int64_t             rotate;     /* a key signs for this long */
    unsigned            fail_ms;    /* the first failure's delay */
    int                 print_first; /* -P: adm's first password on stderr */

    /* passkeys: on with -R (the rp id) and -O (the origins) */
    wa_policy_t         wa;
    const char         *origins[FACT_ORIGINS_MAX];

    /* the store's "fails", as read under the lock by the last failure */
    fact_fail_t         fails[FACT_FAILS_MAX];
    size_t              nfails;

    cli_t              *vfs;        /* tickets live there */
} fact_t;


extern const srv_ops_t  fact_ops;


/* fact_store.c: 0, or -1 with a reason in err */
int fact_store_open(fact_t *f, char *err, size_t errlen);
void fact_store_close(fact_t *f);
/*
 * The store's arrays, as they are on disk: to read them, as another
 * instance last wrote them (one fstat when nothing changed); to change
 * them, under the store's file lock too, read again first (0, or -1 with
 * err and nothing held); then unlock.
 */
void fact_store_lock(fact_t *f);
int fact_store_lock_write(fact_t *f, char *err, size_t errlen);
void fact_store_unlock(fact_t *f);
/* a file of the store: replaced whole, atomically (under the write lock);
 * read whole (NULL: none or, with err set, an error); read a line at a
 * time */
typedef int (*fact_line_pt)(fact_t *f, char *line, char *err, size_t errlen);
int fact_store_write(fact_t *f, const char *name, const char *data,
    size_t len, char *err, size_t errlen);
char *fact_store_read(fact_t *f, const char *name, char *err,
    size_t errlen);
int fact_store_lines(fact_t *f, const char *name, const char *form,
    fact_line_pt one, char *err, size_t errlen);
int fact_user_check(fact_t *f, const char *user, const char *pass);
int fact_user_known(fact_t *f, const char *user);
/* the same, the store's lock held */
int fact_user_present(fact_t *f, const char *user);
int fact_user_setpass(fact_t *f, const char *user, const char *pass,
    char *err, size_t errlen);
int fact_user_add(fact_t *f, const char *user, char *err, size_t errlen);
int fact_user_del(fact_t *f, const char *user, char *err, size_t errlen);
int fact_rotate(fact_t *f, char *err, size_t errlen);
int fact_sign_ticket(fact_t *f, const char *user, char *line, size_t len,
    char nonce[TEN_TNONCE_LEN + 1], int64_t *expires, char *err,
    size_t errlen);
/* /keys and the status of /ctl, malloc'd */
char *fact_keys_text(fact_t *f, unsigned *generation);
char *fact_status_text(fact_t *f);

/* failures slow a user's next answers: the delay in ms, and a success */
unsigned fact_fail_delay(fact_t *f, const char *user);
void fact_fail_clear(fact_t *f, const char *user);

/* fact_passkeys.c: the passkeys file; each 0, or -1 with err */
int fact_passkeys_load(fact_t *f, char *err, size_t errlen);
/* user's handle: that of its passkeys, or a new random one */
void fact_passkey_userid(fact_t *f, const char *user,
    uint8_t id[FACT_USERID_LEN]);
/* user's credential ids, base64url, comma-separated; malloc'd */
char *fact_passkey_ids(fact_t *f, const char *user);
int fact_passkey_add(fact_t *f, const fact_passkey_t *pk, char *err,
    size_t errlen);
/* the passkey of credential id, copied: 0, or -1 if there is none */
int fact_passkey_find(fact_t *f, const uint8_t *id, size_t len,
    fact_passkey_t *pk);
/* a login with it: its counter goes up to counter (WA_CLONED if another
 * login took it there first), used is now */
int fact_passkey_used(fact_t *f, const fact_passkey_t *pk, uint32_t counter,
    char *err, size_t errlen);
int fact_passkey_del(fact_t *f, const char *user, const char *id64,
    char *err, size_t errlen);
int fact_passkeys_drop_user(fact_t *f, const char *user, char *err,
    size_t errlen);
/* user's passkeys, a line each; malloc'd */
char *fact_passkeys_text(fact_t *f, const char *user);


#endif /* _FACTOTUM_H_INCLUDED_ */
