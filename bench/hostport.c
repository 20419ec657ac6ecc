/* Ten: the bench tools' "host:port" (see hostport.h). */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "hostport.h"


struct addrinfo *
hostport_resolve(const char *prog, const char *hostport, int passive)
{
    int               rc;
    char              host[256], *port;
    struct addrinfo   hints, *ai;

    snprintf(host, sizeof(host), "%s", hostport);
    port = strrchr(host, ':');

    if (port == NULL) {
        fprintf(stderr, "%s: \"%s\" is not host:port\n", prog, hostport);
        exit(2);
    }

    *port++ = '\0';

    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);

    rc = getaddrinfo(host, port, &hints, &ai);
    if (rc != 0) {
        fprintf(stderr, "%s: %s: %s\n", prog, hostport, gai_strerror(rc));
        exit(1);
    }

    return ai;
}
