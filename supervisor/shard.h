/*
 * shard — which part of a run's targets one machine takes (`--shard K/N`,
 * DESIGN §8).
 *
 * A target belongs to shard jump(h(name), N), where h is the 64-bit
 * FNV-1a hash of its name (owner/name, ASCII letters folded to lower
 * case, as GitHub names are) finished with splitmix64's mixer, and jump
 * is Lamping and Veach's jump consistent hash. So a target's shard
 * depends on its name and N alone: not on the config's order, not on the
 * other targets. Adding or removing a target moves no other target;
 * going from N to N+1 shards moves only the targets that land in the new
 * shard N (about 1/(N+1) of them); every other change of N moves more.
 * The N shards are disjoint and cover every target, each with about 1/N
 * of them.
 *
 * `--shard slurm` takes K and N from a Slurm job array task's
 * environment: K = SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN, N =
 * SLURM_ARRAY_TASK_COUNT; the array's ids must be contiguous (MAX - MIN +
 * 1 = COUNT, step 1). Only when asked: the variables alone shard nothing.
 */
#ifndef REPOCAST_SHARD_H
#define REPOCAST_SHARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest N: far more machines than any array holds. */
#define SHARD_MAX 65536

/* A run's shard; count 0: the run is not sharded (it takes every target). */
struct shard {
	unsigned index;          /* K, 0 .. count-1 */
	unsigned count;          /* N */
	bool from_slurm;         /* K/N came from --shard slurm */
};

/*
 * Parse a --shard value into s: "K/N" (0 <= K < N <= SHARD_MAX, decimal)
 * or "slurm" (the SLURM_ARRAY_TASK_* variables, read now). ERR_CONFIG
 * with err_last naming the value or the variable that is wrong.
 */
int shard_parse(struct shard *s, const char *spec);

/* The shard (0 .. count-1) of the target called name among count > 0. */
unsigned shard_of(const char *name, unsigned count);

/* Does shard s take the target called name? Always true when s is
 * NULL or not sharded. */
bool shard_holds(const struct shard *s, const char *name);

/* "shard 1/4" (" from Slurm" added for --shard slurm) into buf of len
 * bytes; "" when s is NULL or not sharded. Returns buf. */
const char *shard_describe(char *buf, size_t len, const struct shard *s);

#endif
