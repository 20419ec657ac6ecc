
/*
 * Ten: what ten-factotum's file server (fact_ops.c) and its /rpc
 * conversations (fact_rpc.c) share: a fid, and the few calls each makes
 * of the other.
 */

#ifndef _FACT_RPC_H_INCLUDED_
#define _FACT_RPC_H_INCLUDED_


#include "factotum.h"


enum {
    FQ_ROOT = 0,
    FQ_RPC,
    FQ_CTL,
    FQ_PROTO,
    FQ_KEYS,
    FQ_NFILES
};


/* where an /rpc conversation is */
enum {
    RPC_START = 0,      /* wants start */
    RPC_PASS,           /* wants pass */
    RPC_NEWPASS,        /* passwd: wants newpass */
    RPC_PASSKEY,        /* webauthn: options to read; wants the answer */
    RPC_DONE
};


typedef struct {
    int                 file;
    int                 open;
    uint8_t             mode;
    char               *text;       /* what reads of ctl, keys, proto and
                                       a passkey's options see */
    size_t              len;
    /* an /rpc conversation */
    int                 proto;
    int                 role;       /* webauthn: register or login */
    int                 phase;
    int                 busy;       /* a step being taken */
    char                user[TEN_NAME_MAX + 1];     /* "": any (login) */
    char                reply[FACT_LINE_MAX];
    int                 timer;      /* a failure's delay */
    /* a passkey's ceremony */
    char                challenge[WA_B64_CHALLENGE];
    int64_t             challenge_at;
    uint8_t             userid[FACT_USERID_LEN];
    char                name[FACT_PASSKEY_NAME + 1];
} fact_fid_t;


/* fact_rpc.c */
void fact_rpc_write(srv_req_t *r, fact_fid_t *f, char *msg);
void fact_rpc_read(srv_req_t *r, fact_fid_t *f);
const char *fact_rpc_protos(fact_t *fa);

/* fact_ops.c */
void fact_rwrite(srv_req_t *r);
int fact_is_adm(fact_t *fa, const char *user);


#endif /* _FACT_RPC_H_INCLUDED_ */
