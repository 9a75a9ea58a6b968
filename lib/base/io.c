/* Whole reads and writes (io.h). */
#include "base/io.h"

#include <errno.h>
#include <unistd.h>

iot_err io_read_full(int fd, uint8_t *buf, size_t n)
{
	while (n) {
		ssize_t r = read(fd, buf, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return IOT_E_IO;
		buf += r;
		n -= (size_t)r;
	}
	return IOT_OK;
}

iot_err io_write_full(int fd, const uint8_t *buf, size_t n)
{
	while (n) {
		ssize_t w = write(fd, buf, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return IOT_E_IO;
		buf += w;
		n -= (size_t)w;
	}
	return IOT_OK;
}
