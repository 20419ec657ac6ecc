/*
 * Ten: the bench tools' "host:port" (ten-echo, ten-splice, ten-load):
 * HOST:PORT or [V6ADDR]:PORT, the port numeric (dflt_port when it is
 * left out, if the tool has one), resolved with getaddrinfo; and a socket
 * listening there.  A bad one ends the program with a line that names it
 * (exit 2: malformed; exit 1: it does not resolve or cannot be listened
 * on).
 */

#ifndef TEN_BENCH_HOSTPORT_H
#define TEN_BENCH_HOSTPORT_H

#include <netdb.h>

struct addrinfo *hostport_resolve(const char *prog, const char *hostport,
    const char *dflt_port, int passive);
int hostport_listen(const char *prog, const char *hostport, int flags);

#endif
