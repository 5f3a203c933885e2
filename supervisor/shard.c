/*
 * shard — the stable hash partition of targets behind --shard (shard.h).
 */
#include "supervisor/shard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/err.h"
#include "shared/util.h"

/* A decimal number of digits only (no sign, no blanks) in 0..max. */
static int
shard_number(unsigned long *out, const char *s, size_t len, unsigned long max)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0 || len > 10)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

/* A SLURM_ARRAY_TASK_* variable as a number; -1 (err_set) when unset or bad. */
static int
shard_env(unsigned long *out, const char *name, bool need)
{
	const char *v = getenv(name);

	if (v == NULL || *v == '\0') {
		if (!need)
			return 1;
		return err_set(ERR_CONFIG, "--shard slurm: %s is not set (not a task of a Slurm "
		    "job array? submit with sbatch --array)", name);
	}
	if (shard_number(out, v, strlen(v), 4000000000UL) < 0)
		return err_set(ERR_CONFIG, "--shard slurm: %s is '%s', not a number", name, v);
	return 0;
}

static int
shard_from_slurm(struct shard *s)
{
	unsigned long id, count, min = 0, max, step = 1;

	if (shard_env(&id, "SLURM_ARRAY_TASK_ID", true) < 0 ||
	    shard_env(&count, "SLURM_ARRAY_TASK_COUNT", true) < 0 ||
	    shard_env(&min, "SLURM_ARRAY_TASK_MIN", false) < 0 ||
	    shard_env(&step, "SLURM_ARRAY_TASK_STEP", false) < 0)
		return ERR_CONFIG;
	if (step != 1)
		return err_set(ERR_CONFIG, "--shard slurm: the array's step is %lu; shards need "
		    "contiguous task ids (e.g. --array=0-3)", step);
	if (shard_env(&max, "SLURM_ARRAY_TASK_MAX", false) == 0 && max - min + 1 != count)
		return err_set(ERR_CONFIG, "--shard slurm: the array's ids %lu-%lu are not %lu "
		    "contiguous tasks; shards need contiguous task ids (e.g. --array=0-3)", min, max,
		    count);
	if (count < 1 || count > SHARD_MAX)
		return err_set(ERR_CONFIG, "--shard slurm: SLURM_ARRAY_TASK_COUNT is %lu (want 1..%d)",
		    count, SHARD_MAX);
	if (id < min || id - min >= count)
		return err_set(ERR_CONFIG, "--shard slurm: SLURM_ARRAY_TASK_ID %lu is outside the "
		    "array's %lu tasks from %lu", id, count, min);
	s->index = (unsigned)(id - min);
	s->count = (unsigned)count;
	s->from_slurm = true;
	return 0;
}

int
shard_parse(struct shard *s, const char *spec)
{
	const char *slash = strchr(spec, '/');
	unsigned long k, n;

	memset(s, 0, sizeof(*s));
	if (strcmp(spec, "slurm") == 0)
		return shard_from_slurm(s);
	if (slash == NULL || shard_number(&k, spec, (size_t)(slash - spec), SHARD_MAX) < 0 ||
	    shard_number(&n, slash + 1, strlen(slash + 1), SHARD_MAX) < 0 || n < 1)
		return err_set(ERR_CONFIG, "invalid --shard '%s' (want K/N with 0 <= K < N <= %d, "
		    "or 'slurm')", spec, SHARD_MAX);
	if (k >= n)
		return err_set(ERR_CONFIG, "invalid --shard '%s': shards are numbered from 0, so K "
		    "must be below N (%lu)", spec, n);
	s->index = (unsigned)k;
	s->count = (unsigned)n;
	return 0;
}

/* FNV-1a over the name with ASCII folded to lower case, then splitmix64's
 * finalizer: FNV alone leaves the high bits, which jump reads, weak. */
static uint64_t
shard_hash(const char *name)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	const unsigned char *p;

	for (p = (const unsigned char *)name; *p != '\0'; p++) {
		unsigned c = *p >= 'A' && *p <= 'Z' ? *p + 32u : *p;

		h ^= c;
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return h;
}

/* Jump consistent hash (Lamping and Veach 2014): the bucket of key among n. */
static unsigned
shard_jump(uint64_t key, unsigned n)
{
	int64_t b = -1, j = 0;

	while (j < (int64_t)n) {
		b = j;
		key = key * 2862933555777941757ULL + 1;
		j = (int64_t)((double)(b + 1) * ((double)(1LL << 31) / (double)((key >> 33) + 1)));
	}
	return (unsigned)b;
}

unsigned
shard_of(const char *name, unsigned count)
{
	if (count == 0)
		BUG("shard_of with no shards");
	return shard_jump(shard_hash(name), count);
}

bool
shard_holds(const struct shard *s, const char *name)
{
	return s == NULL || s->count == 0 || shard_of(name, s->count) == s->index;
}

const char *
shard_describe(char *buf, size_t len, const struct shard *s)
{
	if (len == 0)
		return buf;
	if (s == NULL || s->count == 0)
		buf[0] = '\0';
	else
		snprintf(buf, len, "shard %u/%u%s", s->index, s->count,
		    s->from_slurm ? " from Slurm" : "");
	return buf;
}
