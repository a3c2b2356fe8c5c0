/* JSON log lines on standard error: {"level":"info","time":"…","msg":"…", …fields}.
 * One write() per line, so lines from several threads never interleave.
 * The macros check the level before formatting anything (STYLE §9). */
#ifndef PHEME_CORE_LOG_H
#define PHEME_CORE_LOG_H

#include <stdint.h>

typedef enum { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_OFF } log_level;

extern log_level log__min;

/* Sets the lowest level written; lines go to fd (2 by default). */
void log_init(log_level min, int fd);
/* Parses "debug", "info", "warn", "error", "off"; -1 when unknown. */
int log_level_parse(const char *s);

void log__write(log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) do { if (LOG_DEBUG >= log__min) log__write(LOG_DEBUG, __VA_ARGS__); } while (0)
#define log_info(...) do { if (LOG_INFO >= log__min) log__write(LOG_INFO, __VA_ARGS__); } while (0)
#define log_warn(...) do { if (LOG_WARN >= log__min) log__write(LOG_WARN, __VA_ARGS__); } while (0)
#define log_error(...) do { if (LOG_ERROR >= log__min) log__write(LOG_ERROR, __VA_ARGS__); } while (0)

/* Access lines (one per request) may be written in batches: each thread collects its lines and
 * writes them when 8 KiB are waiting, and a flusher thread writes what waits every interval_ms,
 * so a request costs no write() of its own. A crash loses at most interval_ms of access lines;
 * other lines are always written at once. Returns 0, or -1 when the thread cannot start. */
int log_batching_start(int interval_ms);
/* Writes every waiting line and stops the flusher (at shutdown). */
void log_batching_stop(void);

/* The access log line of one HTTP request. */
void log_request(const char *request_id, const char *method, const char *route, const char *path,
                 int status, uint64_t latency_us, const char *error_code);

#endif
