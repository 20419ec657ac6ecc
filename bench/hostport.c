/* Ten: the bench tools' "host:port" (see hostport.h). */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "hostport.h"


struct addrinfo *
hostport_resolve(const char *prog, const char *hostport,
    const char *dflt_port, int passive)
{
    int               rc;
    char              host[300], *sep;
    const char       *port;
    struct addrinfo   hints, *ai;

    if (strlen(hostport) >= sizeof(host)) {
        fprintf(stderr, "%s: %s: address too long\n", prog, hostport);
        exit(2);
    }

    strcpy(host, hostport);

    if (host[0] == '[') {
        /* [v6addr]:port */
        sep = strchr(host, ']');
        if (sep == NULL || (sep[1] != '\0' && sep[1] != ':')) {
            fprintf(stderr, "%s: %s: bad address\n", prog, hostport);
            exit(2);
        }

        port = sep[1] == ':' ? sep + 2 : NULL;
        *sep = '\0';
        memmove(host, host + 1, strlen(host + 1) + 1);

    } else {
        sep = strrchr(host, ':');
        port = sep ? sep + 1 : NULL;

        if (sep) {
            *sep = '\0';
        }
    }

    if (port == NULL || *port == '\0') {
        port = dflt_port;
    }

    if (port == NULL) {
        fprintf(stderr, "%s: \"%s\" is not host:port\n", prog, hostport);
        exit(2);
    }

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


/* flags: SOCK_NONBLOCK or 0 (the socket is always close-on-exec) */

int
hostport_listen(const char *prog, const char *hostport, int flags)
{
    int               fd, one;
    struct addrinfo  *ai;

    ai = hostport_resolve(prog, hostport, NULL, 1);
    fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | flags, 0);
    one = 1;

    if (fd < 0
        || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0
        || bind(fd, ai->ai_addr, ai->ai_addrlen) < 0
        || listen(fd, 1024) < 0)
    {
        fprintf(stderr, "%s: listen on %s: %s\n", prog, hostport,
                strerror(errno));
        exit(1);
    }

    freeaddrinfo(ai);

    return fd;
}
