
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
#include "srv.h"
#include "tenkey.h"


#define FACT_LINE_MAX      512
#define FACT_FAILS_MAX     1024     /* users whose failures are counted */


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


typedef struct {
    char                name[TEN_NAME_MAX + 1];
    unsigned            fails;
    int64_t             last;
} fact_fail_t;


typedef struct {
    /* the key store: a directory of 0600 files, written atomically */
    char               *dir;
    pthread_mutex_t     lock;
    fact_user_t        *users;
    size_t              nusers;
    fact_key_t         *keys;       /* oldest first; the last signs */
    size_t              nkeys;
    unsigned            generation; /* of /keys, its qid version */

    uint8_t             identity[TEN_SK_LEN];
    int64_t             lifetime;   /* of a ticket, seconds */
    int64_t             rotate;     /* a key signs for this long */
    unsigned            fail_ms;    /* the first failure's delay */
    int                 print_first; /* -P: adm's first password on stderr */

    fact_fail_t         fails[FACT_FAILS_MAX];

    cli_t              *vfs;        /* tickets live there */
} fact_t;


extern const srv_ops_t  fact_ops;


/* fact_store.c: 0, or -1 with a reason in err */
int fact_store_open(fact_t *f, char *err, size_t errlen);
int fact_user_check(fact_t *f, const char *user, const char *pass);
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


#endif /* _FACTOTUM_H_INCLUDED_ */
