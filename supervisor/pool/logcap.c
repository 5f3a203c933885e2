/*
 * logcap — a capped log file: head as it came, a ring for the tail, put
 * in order at the end (logcap.h).
 *
 * Offsets: the head is [0, head); the ring is [head, max). The n-th byte
 * written past the head goes to head + (n mod (max - head)).
 */
#include "supervisor/pool/logcap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/err.h"
#include "shared/log.h"
#include "shared/util.h"

int
logcap_open(struct logcap *lc, const char *path, uint64_t max)
{
	memset(lc, 0, sizeof(*lc));
	lc->path = xstrdup(path);
	lc->max = max;
	lc->head = max / 2;
	/* Positioned writes: no O_APPEND, which would make pwrite append. */
	lc->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (lc->fd < 0)
		return err_sys(ERR_FAIL, "cannot create '%s'", path);
	return 0;
}

static void
fail_write(struct logcap *lc)
{
	log_warn("cannot write log '%s': %s", lc->path, strerror(errno));
	close(lc->fd);
	lc->fd = -1;
}

static int
put(struct logcap *lc, const char *data, size_t n, uint64_t off)
{
	ssize_t w;

	while (n > 0) {
		w = pwrite(lc->fd, data, n, (off_t)off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			fail_write(lc);
			return -1;
		}
		data += w;
		n -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

void
logcap_write(struct logcap *lc, const void *data, size_t n)
{
	const char *p = data;
	uint64_t ring, q, room;
	size_t k;

	if (lc->fd < 0 || n == 0)
		return;
	if (lc->max == 0 || lc->total + n <= lc->max) {
		/* Under the cap the file is the output itself. */
		if (put(lc, p, n, lc->total) == 0)
			lc->total += n;
		return;
	}
	ring = lc->max - lc->head;
	/* Only the last `ring` bytes of this write can stay past the head. */
	if (lc->total < lc->head) {
		k = (size_t)(lc->head - lc->total);
		if (put(lc, p, k, lc->total) < 0)
			return;
		lc->total += k;
		p += k;
		n -= k;
	}
	if (n > ring) {
		lc->total += n - ring;
		p += n - ring;
		n = (size_t)ring;
	}
	while (n > 0) {
		q = (lc->total - lc->head) % ring;
		room = ring - q;
		k = n < room ? n : (size_t)room;
		if (put(lc, p, k, lc->head + q) < 0)
			return;
		lc->total += k;
		p += k;
		n -= k;
	}
}

uint64_t
logcap_dropped(const struct logcap *lc)
{
	return lc->max > 0 && lc->total > lc->max ? lc->total - lc->max : 0;
}

/* Copy n bytes at off of in to the end of out, through a small buffer. */
static int
copy_range(int out, int in, uint64_t off, uint64_t n)
{
	char buf[65536];
	ssize_t r, w, done;

	while (n > 0) {
		r = pread(in, buf, n < sizeof(buf) ? (size_t)n : sizeof(buf), (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		for (done = 0; done < r; done += w) {
			w = write(out, buf + done, (size_t)(r - done));
			if (w < 0 && errno == EINTR) {
				w = 0;
				continue;
			}
			if (w <= 0)
				return -1;
		}
		off += (uint64_t)r;
		n -= (uint64_t)r;
	}
	return 0;
}

void
logcap_close(struct logcap *lc)
{
	uint64_t dropped = logcap_dropped(lc), ring, q;
	char *tmp = NULL, line[256];
	int in = -1, out = -1, ok = 0;

	if (lc->fd < 0 || dropped == 0)
		goto out;
	ring = lc->max - lc->head;
	q = (lc->total - lc->head) % ring;   /* the ring's oldest byte */
	tmp = xasprintf("%s.tmp", lc->path);
	in = open(lc->path, O_RDONLY | O_CLOEXEC);
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (in < 0 || out < 0)
		goto out;
	snprintf(line, sizeof(line), "\n--- repocast: %llu bytes of output dropped here: the log "
	    "keeps the first %llu and the last %llu bytes (--max-log %llu) ---\n",
	    (unsigned long long)dropped, (unsigned long long)lc->head,
	    (unsigned long long)ring, (unsigned long long)lc->max);
	if (copy_range(out, in, 0, lc->head) < 0 ||
	    write(out, line, strlen(line)) != (ssize_t)strlen(line) ||
	    copy_range(out, in, lc->head + q, ring - q) < 0 ||
	    copy_range(out, in, lc->head, q) < 0)
		goto out;
	if (rename(tmp, lc->path) < 0)
		goto out;
	ok = 1;
out:
	if (lc->fd >= 0 && dropped > 0 && !ok)
		log_warn("cannot put log '%s' in order: %s", lc->path, strerror(errno));
	if (out >= 0)
		close(out);
	if (in >= 0)
		close(in);
	if (tmp != NULL && !ok)
		unlink(tmp);
	free(tmp);
	if (lc->fd >= 0)
		close(lc->fd);
	lc->fd = -1;
	free(lc->path);
	lc->path = NULL;
}
