/* Whole reads and writes on a file descriptor, across short transfers and
 * EINTR: for the framed links (euiccd's socket, vpcd). */
#ifndef IOT_BASE_IO_H
#define IOT_BASE_IO_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/* IOT_E_IO when the peer is gone or the descriptor fails. */
iot_err io_read_full(int fd, uint8_t *buf, size_t n);
iot_err io_write_full(int fd, const uint8_t *buf, size_t n);

#endif
