/*
 * rusage — resource-use readers shared by both processes (DESIGN §7):
 * struct rusage conversion, /proc/PID/io (read by the supervisor after
 * waitid(WNOWAIT), before reaping) and VmHWM from /proc/self/status (read
 * by the worker, which reports it in STATS: wait4's ru_maxrss inherits the
 * supervisor's RSS across exec and is wrong for small workers).
 *
 * The parsers take text and never touch the file system, so they are
 * tested on fixed inputs; the readers only add the file read.
 */
#ifndef REPOCAST_RUSAGE_H
#define REPOCAST_RUSAGE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

/* The fields of /proc/PID/io repocast records. */
struct rusage_io {
	uint64_t rchar, wchar, read_bytes, write_bytes;
};

/* The fields of struct rusage repocast records, times in microseconds. */
struct rusage_sample {
	uint64_t utime_us, stime_us, maxrss_kib;
	uint64_t minflt, majflt, nvcsw, nivcsw, inblock, oublock;
};

/* Convert a struct rusage (from wait4 or getrusage) into out. */
void rusage_from_sys(struct rusage_sample *out, const struct rusage *ru);

/*
 * Parse the text of /proc/PID/io ("rchar: 123\n..."). Fields absent from
 * the text stay 0. -1 (ERR_PROTO) when a line of a known field does not
 * hold a decimal number.
 */
int rusage_parse_io(struct rusage_io *out, const char *text);
/* Read and parse /proc/<pid>/io. -1 with err_last set (e.g. no such pid). */
int rusage_read_io(struct rusage_io *out, pid_t pid);

/*
 * Find "<field>:   N kB" in the text of /proc/PID/status (field e.g.
 * "VmHWM"). 0 with *kib set; ERR_NOTFOUND when the field is absent (a
 * zombie has no Vm* lines); ERR_PROTO when its value is not a number.
 */
int rusage_parse_status_kib(uint64_t *kib, const char *text, const char *field);
/* The calling process's VmHWM in KiB (0 when it cannot be read). */
uint64_t rusage_self_vm_hwm(void);

#endif
