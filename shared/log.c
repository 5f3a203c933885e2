#include "shared/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static enum log_level level = LOG_INFO;
static const char *prog = "repocast";
static void (*before)(void *arg);
static void *before_arg;
static pthread_mutex_t lock;
static pthread_once_t lock_once = PTHREAD_ONCE_INIT;

static void
lock_init(void)
{
	pthread_mutexattr_t a;

	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&lock, &a);
	pthread_mutexattr_destroy(&a);
}

void
log_lock(void)
{
	pthread_once(&lock_once, lock_init);
	pthread_mutex_lock(&lock);
}

void
log_unlock(void)
{
	pthread_mutex_unlock(&lock);
}

void
log_set_level(enum log_level lvl)
{
	level = lvl;
}

enum log_level
log_get_level(void)
{
	return level;
}

int
log_parse_level(enum log_level *out, const char *s)
{
	static const char *names[] = { "error", "warn", "info", "debug", "trace" };
	unsigned i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

void
log_set_prog(const char *p)
{
	prog = p;
}

void
log_set_before(void (*fn)(void *arg), void *arg)
{
	before = fn;
	before_arg = arg;
}

void
log_msg(enum log_level lvl, const char *fmt, ...)
{
	static const char *tags[] = { "error: ", "warning: ", "", "debug: ", "trace: " };
	char line[4096];
	va_list ap;
	int n;

	if (lvl > level)
		return;
	n = snprintf(line, sizeof(line), "%s: %s", prog, tags[lvl]);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	/* One write per line, so lines from several processes do not interleave. */
	n = (int)strlen(line);
	if (n < (int)sizeof(line) - 1)
		line[n++] = '\n';
	log_lock();
	if (before != NULL)
		before(before_arg);
	fwrite(line, 1, (size_t)n, stderr);
	fflush(stderr);
	log_unlock();
}
