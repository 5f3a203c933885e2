/*
 * seccomp — a classic BPF allow-list installed with seccomp(2), no
 * libseccomp (seccomp.h).
 */
#include "worker/seccomp.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shared/err.h"
#include "shared/util.h"

#if defined(__x86_64__)
#define ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define ARCH AUDIT_ARCH_AARCH64
#endif

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZED 1
#endif
#endif

#ifdef ARCH

/*
 * What a sync worker does once libgit2 is initialised: files and
 * directories of the mirror cache, memory, sockets (HTTP(S), the
 * resolver), poll and timers, signals, threads, its own ids and limits,
 * exit. Names the architecture lacks (the legacy calls on aarch64) are
 * left out by the #ifdef.
 */
static const int allowed[] = {
#define A(name) SYS_##name,
	A(read) A(write) A(readv) A(writev) A(pread64) A(pwrite64) A(preadv) A(pwritev)
	A(openat) A(close) A(close_range) A(fstat) A(newfstatat) A(statx) A(lseek)
	A(mmap) A(munmap) A(mprotect) A(mremap) A(madvise) A(brk) A(msync) A(mincore)
	A(futex) A(set_robust_list) A(get_robust_list) A(rseq) A(set_tid_address)
	A(sched_yield) A(sched_getaffinity) A(nanosleep) A(clock_nanosleep)
	A(clock_gettime) A(clock_getres) A(gettimeofday)
	A(ppoll) A(pselect6) A(epoll_create1) A(epoll_ctl) A(epoll_pwait)
	A(eventfd2) A(pipe2) A(dup) A(dup3) A(fcntl) A(ioctl) A(flock)
	A(fsync) A(fdatasync) A(ftruncate) A(fallocate) A(faccessat) A(faccessat2)
	A(getdents64) A(mkdirat) A(unlinkat) A(renameat) A(renameat2) A(linkat)
	A(symlinkat) A(readlinkat) A(fchmod) A(fchmodat) A(utimensat) A(umask)
	A(getcwd) A(chdir) A(fchdir) A(statfs) A(fstatfs)
	A(socket) A(socketpair) A(connect) A(bind) A(getsockname) A(getpeername)
	A(getsockopt) A(setsockopt) A(sendto) A(recvfrom) A(sendmsg) A(recvmsg)
	A(sendmmsg) A(recvmmsg) A(shutdown)
	A(getpid) A(getppid) A(gettid) A(getuid) A(geteuid) A(getgid) A(getegid)
	A(getgroups) A(getresuid) A(getresgid) A(getrandom) A(uname) A(sysinfo)
	A(prlimit64) A(getrlimit) A(getrusage) A(times) A(prctl)
	A(rt_sigaction) A(rt_sigprocmask) A(rt_sigreturn) A(rt_sigpending)
	A(rt_sigtimedwait) A(rt_sigsuspend) A(sigaltstack) A(restart_syscall)
	A(kill) A(tgkill) A(tkill) A(exit) A(exit_group) A(membarrier)
	/* reaping the commit signer, forked before the filter (sign.h) */
	A(wait4) A(waitid)
#ifdef SYS_open
	A(open) A(stat) A(lstat) A(poll) A(select) A(epoll_create) A(epoll_wait)
	A(eventfd) A(pipe) A(dup2) A(access) A(getdents) A(mkdir) A(rmdir) A(rename)
	A(unlink) A(link) A(symlink) A(readlink) A(chmod) A(utimes) A(time)
	A(arch_prctl)
#endif
#ifdef SYS_epoll_pwait2
	A(epoll_pwait2)
#endif
#undef A
};

/* Added with --profile (profile.h): the timer is stopped at the end. */
static const int profiling_allowed[] = { SYS_setitimer, SYS_getitimer };

#define LOAD(off) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (off))
#define RET(v) BPF_STMT(BPF_RET | BPF_K, (v))
#define NR offsetof(struct seccomp_data, nr)
#define ARG0_LO offsetof(struct seccomp_data, args[0])  /* little-endian: the low word */

#define HEADER 11

static int
install(int profiling)
{
	struct sock_filter f[HEADER + ARRAY_SIZE(allowed) + ARRAY_SIZE(profiling_allowed) + 2];
	struct sock_fprog prog;
	size_t nextra = profiling ? ARRAY_SIZE(profiling_allowed) : 0;
	size_t n = 0, i, allow = HEADER + ARRAY_SIZE(allowed) + nextra + 1;

	if (allow - HEADER > 255)
		BUG("seccomp: the allow-list is too long for 8-bit jumps");
	f[n++] = (struct sock_filter)LOAD(offsetof(struct seccomp_data, arch));
	/* Another ABI's numbers mean other calls: refuse them all. */
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH, 1, 0);
	f[n++] = (struct sock_filter)RET(SECCOMP_RET_ERRNO | EPERM);
	f[n++] = (struct sock_filter)LOAD(NR);
	/* clone3: its flags are out of a filter's sight (in memory): ENOSYS
	 * makes the C library fall back to clone, whose flags are not. */
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone3, 0, 1);
	f[n++] = (struct sock_filter)RET(SECCOMP_RET_ERRNO | ENOSYS);
	/* clone: a thread (CLONE_THREAD) only, never a new process. */
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 0, 4);
	f[n++] = (struct sock_filter)LOAD(ARG0_LO);
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_THREAD, 0, 1);
	f[n++] = (struct sock_filter)RET(SECCOMP_RET_ALLOW);
	f[n++] = (struct sock_filter)RET(SECCOMP_RET_ERRNO | EPERM);
	if (n != HEADER)
		BUG("seccomp: header of %zu instructions", n);
	for (i = 0; i < ARRAY_SIZE(allowed); i++, n++)
		f[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
		    (unsigned)allowed[i], (unsigned char)(allow - n - 1), 0);
	for (i = 0; i < nextra; i++, n++)
		f[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
		    (unsigned)profiling_allowed[i], (unsigned char)(allow - n - 1), 0);
	f[n++] = (struct sock_filter)RET(SECCOMP_RET_ERRNO | EPERM);
	f[n++] = (struct sock_filter)RET(SECCOMP_RET_ALLOW);
	prog.len = (unsigned short)n;
	prog.filter = f;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
		return err_sys(ERR_FAIL, "cannot install the seccomp filter");
	return 0;
}
#endif

int
seccomp_apply(uint64_t mode, int profiling)
{
	if (mode == SECCOMP_MODE_OFF)
		return 0;
#ifndef ARCH
	(void)profiling;
	if (mode == SECCOMP_MODE_ON)
		return err_set(ERR_CONFIG, "seccomp: no allow-list for this architecture");
	return 0;
#else
#ifdef SANITIZED
	if (mode == SECCOMP_MODE_AUTO)
		return 0;
#endif
	/* Filters compiled into the kernel: PR_GET_SECCOMP answers. */
	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0) {
		if (mode == SECCOMP_MODE_ON)
			return err_sys(ERR_CONFIG, "seccomp: not available in this kernel");
		return 0;
	}
	if (install(profiling) < 0)
		return mode == SECCOMP_MODE_ON ? -1 : 0;
	return 1;
#endif
}
