/*
 * perfrec — `perf record` of a run's command under --profile
 * (docs/profile.md): whether perf can record here, and running a program
 * for its output (perf script).
 *
 * perf can record when `perf` is on PATH, the kernel lets this user
 * open perf events (root, or /proc/sys/kernel/perf_event_paranoid <= 2
 * for one's own processes; Debian's 3 and above refuse every user
 * without CAP_PERFMON) and a trial `perf record -o /dev/null -- true`
 * succeeds (a container without the perf_event_open system call, a
 * kernel without perf events). The supervisor asks once per run; the
 * workers then start the command as
 * `perf record -F 1000 -g -q -o FILE -- CMD...`.
 */
#ifndef REPOCAST_PERFREC_H
#define REPOCAST_PERFREC_H

#include "shared/buf.h"

/* The sampling frequency of perf record: the worker's own period (1 ms). */
#define PERFREC_FREQ "1000"

/*
 * Can perf record here? 1 with *path set to perf's path (caller frees),
 * 0 with *why set to the reason it cannot ("perf is not on PATH",
 * "kernel.perf_event_paranoid is 4 ...", "a trial perf record failed:
 * ..."; caller frees). Blocks for the trial (about 0.1 s).
 */
int perfrec_probe(char **path, char **why);
/*
 * Run argv (argv[0] a path) with stdin and stderr on /dev/null, its
 * standard output appended to out (at most max bytes kept; the rest is
 * read and dropped). 0 with *status its wait status, or -1 with err_last
 * set (it could not be started).
 */
int perfrec_capture(struct buf *out, size_t max, char *const argv[], int *status);

#endif
