/*
 * fault — test-only fault injection for repocast-worker.
 *
 * Compiled in only when REPOCAST_TEST_HOOKS is defined, which only the
 * test build (build/tests/bin/repocast-worker-test) does: the release
 * worker has no fault code at all, fault_hook is an empty inline there.
 *
 * The test worker reads REPOCAST_FAULTS="NAME=FAULT[@POINT],..." and at the
 * hook POINT injects FAULT when the job's target is NAME. POINT is "job"
 * (the default: after JOB, limits applied), the name of a phase (hooked in
 * worker_phase as the phase ends: "fetch", "manifest", "blobs", "tree",
 * "commit", "cache", "push"; "push" fires once the push has landed) or
 * "done" (the job's RESULT or ERROR sent, before STATS). FAULT is segv, sigkill, exit3, hang, hang-term (ignores SIGTERM),
 * garbage (a frame that is not msgpack), oversized (a frame header over
 * the limit), memory (allocate until the limit), network (ERROR network),
 * once-sigkill (SIGKILL on the first attempt only; REPOCAST_FAULT_DIR
 * keeps the state); and at the hook after the seccomp filter, exec (try
 * execve and fork, report what happened as an ERROR, exit 1).
 */
#ifndef REPOCAST_FAULT_H
#define REPOCAST_FAULT_H

struct worker;

#ifdef REPOCAST_TEST_HOOKS
void fault_hook(struct worker *w, const char *point);
#else
static inline void
fault_hook(struct worker *w, const char *point)
{
	(void)w;
	(void)point;
}
#endif

#endif
