/*
 * log — leveled diagnostics to stderr.
 *
 * One process-wide level (default LOG_INFO). Lines are "repocast: msg" for
 * info and "repocast: warning: msg" / "error: msg" otherwise, so they read
 * like git's. Never pass a secret to these functions.
 */
#ifndef REPOCAST_LOG_H
#define REPOCAST_LOG_H

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG, LOG_TRACE };

void log_set_level(enum log_level lvl);
enum log_level log_get_level(void);
/* Parse "error", "warn", "info", "debug", "trace"; -1 when unknown. */
int log_parse_level(enum log_level *out, const char *s);
void log_set_prog(const char *prog);
/* Call fn(arg) before each line is written (a status line clears itself);
 * NULL: none. */
void log_set_before(void (*fn)(void *arg), void *arg);
/*
 * The lock every line is written under (recursive; fn above runs with it
 * held): a writer of its own to the same terminal (a status line redrawn
 * by one thread while another logs) takes it around its writes, so a line
 * and a redraw never mix.
 */
void log_lock(void);
void log_unlock(void);
void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
