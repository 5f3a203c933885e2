/*
 * seccomp — the sync worker's system-call allow-list (docs/SECURITY.md,
 * docs/run.md): once libgit2 is up, a sync worker may still read and
 * write files, map memory, talk over sockets and start threads, but no
 * longer execute a program, start a process, trace one, mount, load a
 * module, change its ids or open a namespace. A call outside the list
 * fails with EPERM (the process lives on and reports the failure);
 * clone3 says ENOSYS, so the C library falls back to clone, whose flags a
 * filter can see (threads only).
 *
 * Never for a run job: its command is arbitrary and inherits the filter.
 * The mode is the JOB's limits.seccomp (SECCOMP_OFF, _AUTO, _ON): auto
 * applies the filter where the kernel has seccomp filters and the
 * architecture is one whose numbers the list knows (x86_64, aarch64),
 * and not in a sanitizer build (its leak checker traces the process);
 * on requires it.
 */
#ifndef REPOCAST_SECCOMP_H
#define REPOCAST_SECCOMP_H

#include <stdint.h>

enum { SECCOMP_MODE_OFF = 0, SECCOMP_MODE_AUTO = 1, SECCOMP_MODE_ON = 2 };

/*
 * Apply the allow-list as mode says. 1 applied, 0 not (off, or auto where
 * it cannot be), -1 with err_last set (on, and it cannot be applied).
 * no_new_privs must already be set (main.c does). profiling (--profile)
 * also allows setitimer and getitimer, which the profiler's timer needs
 * to stop (profile.h); SIGPROF's delivery and return (rt_sigreturn) are
 * allowed anyway.
 */
int seccomp_apply(uint64_t mode, int profiling);

#endif
