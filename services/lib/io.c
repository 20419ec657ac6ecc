
/*
 * Ten: whole reads and writes on blocking descriptors.
 */

#include <errno.h>
#include <unistd.h>

#include "io.h"


int
io_read_full(int fd, uint8_t *buf, size_t len)
{
    ssize_t  n;

    while (len > 0) {
        n = read(fd, buf, len);

        if (n < 0 && errno == EINTR) {
            continue;
        }

        if (n <= 0) {
            return -1;
        }

        buf += n;
        len -= n;
    }

    return 0;
}


int
io_write_full(int fd, const uint8_t *buf, size_t len)
{
    ssize_t  n;

    while (len > 0) {
        n = write(fd, buf, len);

        if (n < 0 && errno == EINTR) {
            continue;
        }

        if (n <= 0) {
            return -1;
        }

        buf += n;
        len -= n;
    }

    return 0;
}
