
/*
 * Ten: 9p's connection -- one 9P message at a time over one of three
 * transports, chosen by the address:
 *
 *   ws://HOST[:PORT]/PATH     the kernel's WebSocket (one binary message
 *                             per 9P message, frames masked as RFC 6455
 *                             asks of a client, pings answered)
 *   wss://HOST[:PORT]/PATH    the same through TLS (OpenSSL; the server's
 *                             certificate is verified against the system's
 *                             CAs or $SSL_CERT_FILE, and its name checked)
 *   tcp!HOST!PORT, HOST!PORT, HOST:PORT
 *                             a raw byte stream framed by 9P's own size
 *                             field (ten-vfs, the kernel's TCP endpoint,
 *                             any 9P server)
 *
 * Every wait is bounded by the timeout given at dial.
 */

#ifndef _CONN_H_INCLUDED_
#define _CONN_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>


typedef struct conn_s  conn_t;


/* Whether addr names a raw TCP address (then *hostport gets "HOST:PORT"). */
int conn_is_tcp(const char *addr, char *hostport, size_t len);

/* A connection to addr; NULL with err ("connection refused", ...). */
conn_t *conn_dial(const char *addr, int timeout_ms, char *err,
    size_t errlen);

/* A raw TCP connection already made (ten-auth-1 ran on it). */
conn_t *conn_from_fd(int fd);

/* Sends one 9P message; 0 or -1 with err. */
int conn_send(conn_t *c, const uint8_t *msg, size_t len, char *err,
    size_t errlen);

/*
 * Receives one 9P message of at most cap bytes into buf: its length, or
 * -1 with err (the server closed, with its close code and reason if it
 * said them; a message over cap; a broken frame).
 */
ssize_t conn_recv(conn_t *c, uint8_t *buf, size_t cap, char *err,
    size_t errlen);

void conn_close(conn_t *c);


#endif /* _CONN_H_INCLUDED_ */
