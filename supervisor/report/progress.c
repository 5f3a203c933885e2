/*
 * progress — the status line and the lines above it (progress.h).
 */
#include "supervisor/report/progress.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/log.h"
#include "shared/util.h"

/* At most ten redraws a second. */
#define REDRAW_MS 100

bool
progress_is_tty(int fd)
{
	const char *term = getenv("TERM");

	return isatty(fd) && term != NULL && *term != '\0' && strcmp(term, "dumb") != 0;
}

static void clear(struct progress *p);

/* A log line is about to be written: take the status line away first;
 * the next event draws it again. */
static void
before_log(void *arg)
{
	clear(arg);
}

void
progress_init(struct progress *p, FILE *out, size_t total, bool status)
{
	const char *nc = getenv("NO_COLOR");

	memset(p, 0, sizeof(*p));
	p->out = out;
	p->total = total;
	p->status = status;
	/* no-color.org: NO_COLOR set to anything non-empty turns colour off. */
	p->color = status && (nc == NULL || *nc == '\0');
	p->t0_ms = util_now_ms();
	if (status)
		log_set_before(before_log, p);
}

static void
fmt_duration(char *buf, size_t n, uint64_t s)
{
	if (s >= 3600)
		snprintf(buf, n, "%llu:%02llu:%02llu", (unsigned long long)(s / 3600),
		    (unsigned long long)(s / 60 % 60), (unsigned long long)(s % 60));
	else
		snprintf(buf, n, "%llu:%02llu", (unsigned long long)(s / 60),
		    (unsigned long long)(s % 60));
}

void
progress_format(char *buf, size_t n, const struct progress *p, uint64_t now_ms)
{
	uint64_t ms = now_ms > p->t0_ms ? now_ms - p->t0_ms : 0;
	double rate = ms > 0 ? (double)p->done * 1000.0 / (double)ms : 0.0;
	char eta[32] = "--", took[32];

	if (p->done > 0 && rate > 0.0 && p->done <= p->total)
		fmt_duration(eta, sizeof(eta), (uint64_t)((double)(p->total - p->done) / rate + 0.5));
	fmt_duration(took, sizeof(took), ms / 1000);
	snprintf(buf, n, "[%zu/%zu] %zu running, %s%zu failed%s, %.1f/s, %s elapsed, ETA %s",
	    p->done, p->total, p->running, p->failed > 0 ? progress_red(p) : "", p->failed,
	    p->failed > 0 ? progress_plain(p) : "", rate, took, eta);
}

static void
draw(struct progress *p, bool force)
{
	uint64_t now = util_now_ms();
	char line[256];

	if (!p->status)
		return;
	/* A log line from another thread (the publisher) waits for this one. */
	log_lock();
	if (!force && p->shown && now - p->drawn_ms < REDRAW_MS) {
		log_unlock();
		return;
	}
	progress_format(line, sizeof(line), p, now);
	fprintf(p->out, "\r\033[K%s", line);
	fflush(p->out);
	p->shown = true;
	p->drawn_ms = now;
	log_unlock();
}

static void
clear(struct progress *p)
{
	log_lock();
	if (p->shown) {
		fputs("\r\033[K", p->out);
		p->shown = false;
	}
	log_unlock();
}

void
progress_started(struct progress *p)
{
	p->running++;
	draw(p, false);
}

void
progress_finished(struct progress *p, bool failed)
{
	if (p->running > 0)
		p->running--;
	p->done++;
	p->failed += failed;
	/* The last one is always shown: the line must end right. */
	draw(p, p->done == p->total);
}

void
progress_line(struct progress *p, const char *fmt, ...)
{
	va_list ap;

	log_lock();
	clear(p);
	va_start(ap, fmt);
	vfprintf(p->out, fmt, ap);
	va_end(ap);
	fputc('\n', p->out);
	/* Redraw now: the line just printed took the status line's place. */
	draw(p, true);
	log_unlock();
}

void
progress_hide(struct progress *p)
{
	clear(p);
	fflush(p->out);
}

void
progress_show(struct progress *p)
{
	draw(p, true);
}

const char *
progress_red(const struct progress *p)
{
	return p->color ? "\033[31m" : "";
}

const char *
progress_green(const struct progress *p)
{
	return p->color ? "\033[32m" : "";
}

const char *
progress_plain(const struct progress *p)
{
	return p->color ? "\033[0m" : "";
}

void
progress_end(struct progress *p)
{
	clear(p);
	fflush(p->out);
	if (p->status)
		log_set_before(NULL, NULL);
}
