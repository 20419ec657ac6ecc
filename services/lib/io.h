
/*
 * Ten: whole reads and writes on blocking descriptors: 0, or -1 at end of
 * file or on an error (errno says which; EINTR is retried).
 */

#ifndef _IO_H_INCLUDED_
#define _IO_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>


int io_read_full(int fd, uint8_t *buf, size_t len);
int io_write_full(int fd, const uint8_t *buf, size_t len);


#endif /* _IO_H_INCLUDED_ */
