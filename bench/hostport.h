/*
 * Ten: the bench tools' "host:port" (ten-echo, ten-splice): resolved with
 * getaddrinfo, the port numeric, and a socket listening there; a bad one
 * ends the program with a line that names it (exit 2: not host:port;
 * exit 1: it does not resolve or cannot be listened on).
 */

#ifndef TEN_BENCH_HOSTPORT_H
#define TEN_BENCH_HOSTPORT_H

#include <netdb.h>

struct addrinfo *hostport_resolve(const char *prog, const char *hostport,
    int passive);
int hostport_listen(const char *prog, const char *hostport, int flags);

#endif
