/*
 * profile — the worker's own sampling profiler (see profile.h).
 */
#include "worker/profile.h"

#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <link.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "shared/err.h"
#include "shared/fold.h"
#include "shared/util.h"
#include "worker/symtab.h"
#include "worker/worker.h"

/* Frames of the handler itself at the top of its backtrace: the handler
 * and the kernel's signal return trampoline (__restore_rt); the next one
 * is the pc the signal interrupted. */
#define SKIP 2
/* A PROFILE larger than this sends what fits (the frame limit is 8 MiB). */
#define PROFILE_MAX_BYTES (4u << 20)

int
profile_ring_init(struct profile_ring *r, size_t cap)
{
	void *p;

	memset(r, 0, sizeof(*r));
	if (cap == 0)
		BUG("profile ring of 0 slots");
	p = mmap(NULL, cap * sizeof(*r->v), PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return err_sys(ERR_FAIL, "cannot map the profile ring");
	r->v = p;
	r->cap = cap;
	return 0;
}

void
profile_ring_release(struct profile_ring *r)
{
	if (r->v != NULL)
		munmap(r->v, r->cap * sizeof(*r->v));
	memset(r, 0, sizeof(*r));
}

int
profile_ring_push(struct profile_ring *r, void *const *pc, int depth, uint32_t cpu_us)
{
	uint64_t head = r->head;
	uint64_t tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
	struct profile_sample *s;
	int i;

	if (head - tail >= r->cap) {
		r->lost++;
		return 0;
	}
	s = &r->v[head % r->cap];
	if (depth > PROFILE_DEPTH)
		depth = PROFILE_DEPTH;
	if (depth < 0)
		depth = 0;
	for (i = 0; i < depth; i++)
		s->pc[i] = pc[i];
	s->depth = (uint32_t)depth;
	s->cpu_us = cpu_us;
	/* The slot is whole before the consumer can see it. */
	__atomic_store_n(&r->head, head + 1, __ATOMIC_RELEASE);
	return 1;
}

size_t
profile_ring_drain(struct profile_ring *r, profile_sample_fn fn, void *arg)
{
	uint64_t head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
	uint64_t tail = r->tail;
	size_t n = 0;

	for (; tail != head; tail++, n++)
		fn(&r->v[tail % r->cap], arg);
	__atomic_store_n(&r->tail, tail, __ATOMIC_RELEASE);
	return n;
}

/* ---- the process's profiler ---- */

static struct {
	int active;
	uint64_t period_us;
	struct profile_ring ring;
	struct fold raw;          /* "pc,pc,..." (hex, leaf first) -> count */
	uint64_t samples;
	uint64_t cpu_last_us;     /* the CPU clock at the last sample (the handler's) */
	struct buf scratch;
	char *perf_script;        /* run mode: perf's samples, as text */
	size_t perf_len;
	char *perf_note;
} prof;

/* The process's CPU time (clock_gettime is async-signal-safe). */
static uint64_t
cpu_now_us(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) < 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void
on_sigprof(int sig, siginfo_t *si, void *uc)
{
	void *pc[PROFILE_DEPTH + SKIP];
	int saved = errno, n;
	uint64_t now = cpu_now_us(), d = now - prof.cpu_last_us;

	(void)sig;
	(void)si;
	(void)uc;
	prof.cpu_last_us = now;
	n = backtrace(pc, (int)ARRAY_SIZE(pc));
	if (n > SKIP)
		profile_ring_push(&prof.ring, pc + SKIP, n - SKIP,
		    d > UINT32_MAX ? UINT32_MAX : (uint32_t)d);
	errno = saved;
}

static int
set_timer(uint64_t us)
{
	struct itimerval it;

	it.it_interval.tv_sec = (time_t)(us / 1000000);
	it.it_interval.tv_usec = (suseconds_t)(us % 1000000);
	it.it_value = it.it_interval;
	return setitimer(ITIMER_PROF, &it, NULL);
}

int
profile_start(uint64_t period_us)
{
	struct sigaction sa;
	void *warm[2];

	if (prof.active)
		return 0;
	if (period_us == 0)
		BUG("profile_start with a period of 0");
	/* The first backtrace dlopens libgcc_s (malloc, locks): here, not
	 * in the handler. */
	backtrace(warm, 2);
	if (profile_ring_init(&prof.ring, PROFILE_RING) < 0)
		return -1;
	fold_init(&prof.raw);
	buf_init(&prof.scratch, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigprof;
	/* SA_RESTART: a sample landing in a read or write restarts it; poll
	 * and friends still say EINTR, which the channel code retries. */
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	prof.period_us = period_us;
	prof.cpu_last_us = cpu_now_us();
	if (sigaction(SIGPROF, &sa, NULL) < 0) {
		err_sys(ERR_FAIL, "cannot catch SIGPROF");
		goto fail;
	}
	if (set_timer(period_us) < 0) {
		err_sys(ERR_FAIL, "cannot set the profiling timer");
		sa.sa_handler = SIG_DFL;
		sa.sa_flags = 0;
		sigaction(SIGPROF, &sa, NULL);
		goto fail;
	}
	prof.period_us = period_us;
	prof.active = 1;
	return 0;
fail:
	profile_ring_release(&prof.ring);
	fold_release(&prof.raw);
	buf_release(&prof.scratch);
	return -1;
}

int
profile_active(void)
{
	return prof.active;
}

static void
add_raw(const struct profile_sample *s, void *arg)
{
	struct buf *b = &prof.scratch;
	uint64_t w;
	uint32_t i;

	(void)arg;
	buf_reset(b);
	for (i = 0; i < s->depth; i++)
		buf_addf(b, i ? ",%lx" : "%lx", (unsigned long)(uintptr_t)s->pc[i]);
	if (b->len == 0)
		buf_addstr(b, "0");
	/* In periods of CPU time, at least one (see profile.h). */
	w = (s->cpu_us + prof.period_us / 2) / prof.period_us;
	fold_add(&prof.raw, b->ptr, b->len, w ? w : 1);
	prof.samples++;
}

void
profile_drain(void)
{
	if (prof.active)
		profile_ring_drain(&prof.ring, add_raw, NULL);
}

void
profile_add_perf(const char *script, size_t len, const char *note)
{
	if (script != NULL) {
		free(prof.perf_script);
		prof.perf_script = xstrndup(script, len);
		prof.perf_len = len;
	}
	if (note != NULL) {
		free(prof.perf_note);
		prof.perf_note = xstrdup(note);
	}
}

/* ---- symbols ---- */

struct object {
	const struct link_map *lm;
	struct symtab *tab;       /* NULL: no readable symbols */
	char *base;               /* the file's base name */
};

static struct object *objects;
static size_t nobjects, capobjects;

static const struct object *
object_of(const struct link_map *lm, const char *dli_fname)
{
	const char *path, *slash;
	struct object *o;
	size_t i;

	for (i = 0; i < nobjects; i++)
		if (objects[i].lm == lm)
			return &objects[i];
	util_grow((void **)&objects, &capobjects, nobjects + 1, sizeof(*objects));
	o = &objects[nobjects++];
	memset(o, 0, sizeof(*o));
	o->lm = lm;
	/* The executable's link_map has an empty name. */
	(void)dli_fname;
	path = lm->l_name != NULL && lm->l_name[0] != '\0' ? lm->l_name : "/proc/self/exe";
	if (symtab_load(&o->tab, path) < 0)
		o->tab = NULL;  /* the vDSO, a deleted file: dladdr's names only */
	if (strcmp(path, "/proc/self/exe") == 0) {
		char self[4096];
		ssize_t n = readlink(path, self, sizeof(self) - 1);

		self[n > 0 ? n : 0] = '\0';
		slash = strrchr(self, '/');
		o->base = xstrdup(n > 0 ? (slash ? slash + 1 : self) : "exe");
	} else {
		slash = strrchr(path, '/');
		o->base = xstrdup(slash ? slash + 1 : path);
	}
	return o;
}

static void
objects_free(void)
{
	size_t i;

	for (i = 0; i < nobjects; i++) {
		symtab_free(objects[i].tab);
		free(objects[i].base);
	}
	free(objects);
	objects = NULL;
	nobjects = capobjects = 0;
}

void
profile_symbol(struct buf *out, const void *pc)
{
	const struct object *o;
	struct link_map *lm = NULL;
	const char *name;
	Dl_info info;

	if (dladdr1(pc, &info, (void **)&lm, RTLD_DL_LINKMAP) == 0 || lm == NULL) {
		buf_addstr(out, "[unknown]");
		return;
	}
	o = object_of(lm, info.dli_fname);
	name = symtab_find(o->tab, (uint64_t)((uintptr_t)pc - lm->l_addr));
	if (name == NULL)
		name = info.dli_sname;
	if (name != NULL && *name != '\0') {
		fold_frame_clean(out, name);
		return;
	}
	buf_addch(out, '[');
	fold_frame_clean(out, o->base);
	buf_addch(out, ']');
}

/* "7f12,7f34,..." (leaf first) -> "repocast-worker;main;...;leaf" */
static void
name_stack(struct buf *out, const char *raw, const char *root)
{
	uintptr_t pcs[PROFILE_DEPTH];
	size_t n = 0, i;
	const char *p = raw;

	while (*p != '\0' && n < PROFILE_DEPTH) {
		char *end;

		pcs[n++] = (uintptr_t)strtoul(p, &end, 16);
		if (*end != ',')
			break;
		p = end + 1;
	}
	buf_addstr(out, root);
	for (i = n; i > 0; i--) {
		uintptr_t pc = pcs[i - 1];

		if (pc == 0)
			continue;
		buf_addch(out, ';');
		/* Every frame but the interrupted one holds a return address:
		 * the call is the byte before it (a noreturn call may end its
		 * function). */
		profile_symbol(out, (const void *)(i - 1 > 0 ? pc - 1 : pc));
	}
}

int
profile_finish(struct worker *w)
{
	struct fold named;
	struct buf stack = BUF_INIT;
	struct sigaction sa;
	struct msg m;
	struct msg_kv *kv = NULL;
	size_t i, n = 0, bytes = 0;
	uint64_t lost, dropped = 0;
	int rc;

	if (!prof.active)
		return 0;
	set_timer(0);
	/* A SIGPROF already pending is dropped, not fatal. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPROF, &sa, NULL);
	prof.active = 0;
	profile_ring_drain(&prof.ring, add_raw, NULL);
	lost = prof.ring.lost;

	fold_init(&named);
	for (i = 0; i < prof.raw.n; i++) {
		buf_reset(&stack);
		name_stack(&stack, prof.raw.v[i].stack, "repocast-worker");
		fold_add(&named, stack.ptr, stack.len, prof.raw.v[i].count);
	}
	if (prof.perf_script != NULL)
		fold_add_perf_script(&named, prof.perf_script, prof.perf_len);
	fold_sort(&named);
	kv = xcalloc(named.n ? named.n : 1, sizeof(*kv));
	for (i = 0; i < named.n; i++) {
		size_t len = strlen(named.v[i].stack);

		if (bytes + len + 32 > PROFILE_MAX_BYTES) {
			dropped += named.v[i].count;
			continue;
		}
		bytes += len + 32;
		kv[n].key = named.v[i].stack;
		kv[n].value = xasprintf("%llu", (unsigned long long)named.v[i].count);
		n++;
	}
	msg_init(&m, MSG_PROFILE);
	m.u.profile.period_us = prof.period_us;
	m.u.profile.samples = prof.samples + lost;
	m.u.profile.lost = lost + dropped;
	m.u.profile.stacks = kv;
	m.u.profile.nstacks = n;
	m.u.profile.perf = prof.perf_note;
	rc = worker_queue(w, &m);
	for (i = 0; i < n; i++)
		free(kv[i].value);
	free(kv);
	fold_release(&named);
	buf_release(&stack);
	objects_free();
	profile_ring_release(&prof.ring);
	fold_release(&prof.raw);
	buf_release(&prof.scratch);
	free(prof.perf_script);
	free(prof.perf_note);
	memset(&prof, 0, sizeof(prof));
	return rc;
}
