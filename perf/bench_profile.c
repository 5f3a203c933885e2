/*
 * --profile's naming (worker/symtab.h): what a worker pays once, at the
 * end, per object its samples fell in. SymtabNameLibc64 names 64
 * distinct addresses in libc (its .dynsym: ~3,000 symbols, the biggest
 * table a sync worker usually reads) in one symtab_name call: one pass
 * over the symbols, the names found read. libc only: the bench binary's
 * own table changes with every build, libc's with the system alone.
 */
#include <dlfcn.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "perf/bench.h"
#include "shared/util.h"
#include "worker/symtab.h"

/* Exported libc functions: their addresses, 1 to 64 bytes in. */
static const char *const libc_fns[] = {
	"malloc", "free", "calloc", "realloc", "memcpy", "memmove", "memset", "memcmp",
	"strlen", "strcmp", "strncmp", "strchr", "strrchr", "strstr", "strdup", "strtoul",
	"printf", "fprintf", "snprintf", "vsnprintf", "fwrite", "fread", "fopen", "fclose",
	"open", "close", "read", "write", "pread", "pwrite", "lseek", "fstat",
	"mmap", "munmap", "poll", "qsort", "bsearch", "getenv", "setenv", "abort",
	"clock_gettime", "nanosleep", "sigaction", "sigprocmask", "setitimer", "backtrace",
	"dladdr", "dl_iterate_phdr", "pthread_mutex_lock", "pthread_mutex_unlock",
	"pthread_create", "pthread_join", "fork", "execve", "waitpid", "pipe", "dup2",
	"socket", "connect", "send", "recv", "getpid", "time", "localtime_r",
};

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct libc {
	char path[4096];
	uintptr_t base, lo, hi;   /* l_addr, and the span of its segments */
};

/* dl_iterate_phdr: libc's path, l_addr and segments. */
static int
find_libc(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct libc *c = arg;
	int i;

	(void)size;
	if (info->dlpi_name == NULL || strstr(info->dlpi_name, "/libc.so") == NULL)
		return 0;
	snprintf(c->path, sizeof(c->path), "%s", info->dlpi_name);
	c->base = (uintptr_t)info->dlpi_addr;
	c->lo = UINTPTR_MAX;
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type != PT_LOAD)
			continue;
		if (c->base + ph->p_vaddr < c->lo)
			c->lo = c->base + ph->p_vaddr;
		if (c->base + ph->p_vaddr + ph->p_memsz > c->hi)
			c->hi = c->base + ph->p_vaddr + ph->p_memsz;
	}
	return 1;
}

BENCH(SymtabNameLibc64)
{
	uint64_t vaddr[ARRAY_SIZE(libc_fns)], i;
	char *name[ARRAY_SIZE(libc_fns)];
	struct libc c;
	size_t n = 0, j, named = 0;

	/* Set-up (counted by callgrind too, so kept cheap: no dladdr). */
	memset(&c, 0, sizeof(c));
	if (dl_iterate_phdr(find_libc, &c) == 0)
		BUG("SymtabNameLibc64: libc is not loaded");
	for (j = 0; j < ARRAY_SIZE(libc_fns); j++) {
		uintptr_t p = (uintptr_t)dlsym(RTLD_DEFAULT, libc_fns[j]);

		if (p >= c.lo && p < c.hi)
			vaddr[n++] = (uint64_t)(p - c.base) + 1 + j % 64;
	}
	if (n == 0)
		BUG("SymtabNameLibc64: no libc function found");
	qsort(vaddr, n, sizeof(*vaddr), cmp_u64);
	bench_reset_timer(b);
	for (i = 0; i < b->n; i++) {
		if (symtab_name(name, c.path, vaddr, n) < 0)
			BUG("SymtabNameLibc64: %s", c.path);
		for (j = 0; j < n; j++) {
			named += name[j] != NULL;
			free(name[j]);
		}
	}
	bench_sink(&named);
}
