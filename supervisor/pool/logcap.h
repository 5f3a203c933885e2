/*
 * logcap — a target's log file with a size cap (docs/run.md): the first
 * half of the cap is the head of the output, written as it comes; past the
 * cap the rest of the file is a ring that keeps the last bytes. At the end
 * the ring is put back in order behind one line saying how many bytes were
 * left out. A log under the cap is written as it came, byte for byte.
 *
 * Memory is independent of the output's size: the ring lives in the file,
 * and the final reordering copies through a small buffer into a new file
 * that replaces the old one.
 */
#ifndef REPOCAST_LOGCAP_H
#define REPOCAST_LOGCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The default cap of a target's log (--max-log, repocast.max_log). */
#define LOGCAP_DEFAULT (16u << 20)
/* The smallest cap accepted other than 0 (no cap). */
#define LOGCAP_MIN 4096u

struct logcap {
	int fd;                   /* the file; -1 once closed or failed */
	char *path;               /* owned */
	uint64_t max;             /* 0: no cap */
	uint64_t head;            /* bytes of head kept */
	uint64_t total;           /* bytes given to logcap_write */
};

/*
 * Create (truncate) path for a log capped at max bytes (0: no cap). 0, or
 * -1 with err_last set (lc->fd is -1 then, and writes are dropped).
 */
int logcap_open(struct logcap *lc, const char *path, uint64_t max);
/* Append n bytes. A write error closes the file (logged once). */
void logcap_write(struct logcap *lc, const void *data, size_t n);
/* Bytes left out so far (total beyond the cap). */
uint64_t logcap_dropped(const struct logcap *lc);
/*
 * Put the kept tail in order behind a line naming the dropped bytes, then
 * close. The log is whole after this; without drops it is only closed.
 * Accepts a closed logcap.
 */
void logcap_close(struct logcap *lc);

#endif
