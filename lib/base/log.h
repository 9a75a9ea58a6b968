/* The one logging facility: structured lines on stderr,
 *   ts=2026-11-24T18:00:00Z level=info comp=euiccd msg="..." key=value ...
 * so that logs can be read by people and parsed by machines. */
#ifndef IOT_BASE_LOG_H
#define IOT_BASE_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_set_level(enum log_level min);
/* fmt gives the rest of the line after msg, as key=value pairs. */
void log_write(enum log_level level, const char *comp, const char *msg, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#define log_info(comp, msg, ...) log_write(LOG_INFO, comp, msg, __VA_ARGS__)
#define log_warn(comp, msg, ...) log_write(LOG_WARN, comp, msg, __VA_ARGS__)
#define log_error(comp, msg, ...) log_write(LOG_ERROR, comp, msg, __VA_ARGS__)
#define log_debug(comp, msg, ...) log_write(LOG_DEBUG, comp, msg, __VA_ARGS__)

#endif
