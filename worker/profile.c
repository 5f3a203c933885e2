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

/*
 * Naming happens once, at the end, for the distinct frame addresses of
 * the whole profile (sorted): dl_iterate_phdr finds the loaded object of
 * each (one walk of the loader's list), and each object that holds
 * frames is read once by symtab_name for just its addresses. No table of
 * every symbol is built, and an object no sample fell in is not opened.
 */

/* One distinct frame address and what it is named. */
struct frame {
	uintptr_t pc;             /* the address looked up (a return address minus one) */
	size_t object;            /* in namer.obj, + 1; 0: no loaded object holds it */
	char *name;               /* the frame as written (cleaned), owned */
};

/* A loaded object that holds at least one frame. */
struct object {
	uintptr_t base;           /* its l_addr: pc - base is the file's vaddr */
	char *path;               /* NULL: no file to read (the vDSO) */
	char *base_name;
	int read;                 /* its symbols were read: dladdr knows no more */
};

struct namer {
	struct frame *v;          /* sorted by pc, distinct */
	size_t n;
	struct object *obj;
	size_t nobj, capobj;
};

static int
cmp_pc(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;

	return x < y ? -1 : x > y;
}

/* The first frame with pc >= x. */
static size_t
frame_lower_bound(const struct namer *nm, uintptr_t x)
{
	size_t lo = 0, hi = nm->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (nm->v[mid].pc < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Take the n addresses (any order, repeats allowed; pcs is sorted and
 * deduplicated in place) as nm's frames. */
static void
namer_init(struct namer *nm, uintptr_t *pcs, size_t n)
{
	size_t i, k = 0;

	memset(nm, 0, sizeof(*nm));
	if (n > 1)
		qsort(pcs, n, sizeof(*pcs), cmp_pc);
	for (i = 0; i < n; i++)
		if (k == 0 || pcs[k - 1] != pcs[i])
			pcs[k++] = pcs[i];
	nm->v = xcalloc(k ? k : 1, sizeof(*nm->v));
	for (i = 0; i < k; i++)
		nm->v[i].pc = pcs[i];
	nm->n = k;
}

static void
namer_release(struct namer *nm)
{
	size_t i;

	for (i = 0; i < nm->n; i++)
		free(nm->v[i].name);
	for (i = 0; i < nm->nobj; i++) {
		free(nm->obj[i].path);
		free(nm->obj[i].base_name);
	}
	free(nm->v);
	free(nm->obj);
	memset(nm, 0, sizeof(*nm));
}

static size_t
object_add(struct namer *nm, const struct dl_phdr_info *info)
{
	struct object *o;
	const char *slash;

	util_grow((void **)&nm->obj, &nm->capobj, nm->nobj + 1, sizeof(*nm->obj));
	o = &nm->obj[nm->nobj++];
	memset(o, 0, sizeof(*o));
	o->base = (uintptr_t)info->dlpi_addr;
	if (info->dlpi_name == NULL || info->dlpi_name[0] == '\0') {
		/* The executable's link_map has an empty name. */
		char self[4096];
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

		self[n > 0 ? n : 0] = '\0';
		slash = strrchr(self, '/');
		o->path = xstrdup("/proc/self/exe");
		o->base_name = xstrdup(n > 0 ? (slash ? slash + 1 : self) : "exe");
	} else {
		/* Not a path (the vDSO's "linux-vdso.so.1"): no file of ours,
		 * whatever the working directory holds. */
		if (info->dlpi_name[0] == '/')
			o->path = xstrdup(info->dlpi_name);
		slash = strrchr(info->dlpi_name, '/');
		o->base_name = xstrdup(slash ? slash + 1 : info->dlpi_name);
	}
	return nm->nobj;
}

/* dl_iterate_phdr: claim the frames in each loaded segment of the object. */
static int
object_claim(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct namer *nm = arg;
	size_t i, j, idx = 0;

	(void)size;
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo, hi;

		if (ph->p_type != PT_LOAD)
			continue;
		lo = (uintptr_t)info->dlpi_addr + (uintptr_t)ph->p_vaddr;
		hi = lo + (uintptr_t)ph->p_memsz;
		for (j = frame_lower_bound(nm, lo); j < nm->n && nm->v[j].pc < hi; j++) {
			if (nm->v[j].object != 0)
				continue;
			if (idx == 0)
				idx = object_add(nm, info);
			nm->v[j].object = idx;
		}
	}
	return 0;
}

static char *
frame_text(const char *name, const char *base_name)
{
	struct buf b = BUF_INIT;

	if (name != NULL && *name != '\0') {
		fold_frame_clean(&b, name);
	} else if (base_name != NULL) {
		buf_addch(&b, '[');
		fold_frame_clean(&b, base_name);
		buf_addch(&b, ']');
	} else {
		buf_addstr(&b, "[unknown]");
	}
	return buf_detach(&b, NULL);
}

/* Name every frame of nm: its object's symbols (else, when its file
 * cannot be read, dladdr's), else "[object]", else "[unknown]". */
static void
namer_run(struct namer *nm)
{
	uint64_t *vaddr = xcalloc(nm->n ? nm->n : 1, sizeof(*vaddr));
	char **names = xcalloc(nm->n ? nm->n : 1, sizeof(*names));
	size_t *at = xcalloc(nm->n ? nm->n : 1, sizeof(*at));
	size_t i, k, m;

	if (nm->n > 0)
		dl_iterate_phdr(object_claim, nm);
	for (k = 1; k <= nm->nobj; k++) {
		const struct object *o = &nm->obj[k - 1];

		if (o->path == NULL)
			continue;
		for (i = 0, m = 0; i < nm->n; i++)
			if (nm->v[i].object == k) {
				vaddr[m] = (uint64_t)(nm->v[i].pc - o->base);
				at[m++] = i;
			}
		/* A file that cannot be read (deleted, not ELF): dladdr's
		 * names only. */
		if (symtab_name(names, o->path, vaddr, m) < 0)
			continue;
		nm->obj[k - 1].read = 1;
		for (i = 0; i < m; i++) {
			if (names[i] != NULL && names[i][0] != '\0')
				nm->v[at[i]].name = frame_text(names[i], NULL);
			free(names[i]);
		}
	}
	for (i = 0; i < nm->n; i++) {
		struct frame *f = &nm->v[i];
		Dl_info info;

		if (f->name != NULL)
			continue;
		if (f->object == 0) {
			f->name = frame_text(NULL, NULL);
			continue;
		}
		/* symtab_name looked at every symbol dladdr would (and more):
		 * dladdr only for an object with no file to read (the vDSO:
		 * it has symbols in memory). */
		info.dli_sname = NULL;
		if (!nm->obj[f->object - 1].read && dladdr((const void *)f->pc, &info) == 0)
			info.dli_sname = NULL;
		f->name = frame_text(info.dli_sname, nm->obj[f->object - 1].base_name);
	}
	free(at);
	free(names);
	free(vaddr);
}

/* The name of the frame at pc (one of nm's). */
static const char *
namer_get(const struct namer *nm, uintptr_t pc)
{
	size_t i = frame_lower_bound(nm, pc);

	if (i == nm->n || nm->v[i].pc != pc)
		BUG("profile: frame %lx was not named", (unsigned long)pc);
	return nm->v[i].name;
}

void
profile_symbol(struct buf *out, const void *pc)
{
	struct namer nm;
	uintptr_t one = (uintptr_t)pc;

	namer_init(&nm, &one, 1);
	namer_run(&nm);
	buf_addstr(out, nm.v[0].name);
	namer_release(&nm);
}

/*
 * "7f12,7f34,..." (leaf first) -> the addresses to look up, leaf first,
 * 0s dropped: every frame but the interrupted one holds a return
 * address, and the call is the byte before it (a noreturn call may end
 * its function). pcs holds PROFILE_DEPTH; the count is returned.
 */
static size_t
parse_stack(uintptr_t *pcs, const char *raw)
{
	size_t n = 0, i = 0;
	const char *p = raw;

	while (*p != '\0' && i < PROFILE_DEPTH) {
		char *end;
		uintptr_t pc = (uintptr_t)strtoul(p, &end, 16);

		if (pc != 0)
			pcs[n++] = i > 0 ? pc - 1 : pc;
		i++;
		if (*end != ',')
			break;
		p = end + 1;
	}
	return n;
}

/* The raw stack, named: "repocast-worker;main;...;leaf". */
static void
name_stack(struct buf *out, const struct namer *nm, const char *raw, const char *root)
{
	uintptr_t pcs[PROFILE_DEPTH];
	size_t n = parse_stack(pcs, raw);

	buf_addstr(out, root);
	while (n > 0) {
		buf_addch(out, ';');
		buf_addstr(out, namer_get(nm, pcs[--n]));
	}
}

int
profile_finish(struct worker *w)
{
	struct fold named;
	struct namer nm;
	struct buf stack = BUF_INIT;
	uintptr_t *pcs = NULL;
	size_t npcs = 0, cappcs = 0;
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

	/* Every distinct frame address, named once. */
	for (i = 0; i < prof.raw.n; i++) {
		uintptr_t one[PROFILE_DEPTH];
		size_t k = parse_stack(one, prof.raw.v[i].stack);

		util_grow((void **)&pcs, &cappcs, npcs + k + 1, sizeof(*pcs));
		memcpy(pcs + npcs, one, k * sizeof(*one));
		npcs += k;
	}
	namer_init(&nm, pcs, npcs);
	free(pcs);
	namer_run(&nm);
	fold_init(&named);
	for (i = 0; i < prof.raw.n; i++) {
		buf_reset(&stack);
		name_stack(&stack, &nm, prof.raw.v[i].stack, "repocast-worker");
		fold_add(&named, stack.ptr, stack.len, prof.raw.v[i].count);
	}
	namer_release(&nm);
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
	profile_ring_release(&prof.ring);
	fold_release(&prof.raw);
	buf_release(&prof.scratch);
	free(prof.perf_script);
	free(prof.perf_note);
	memset(&prof, 0, sizeof(prof));
	return rc;
}
