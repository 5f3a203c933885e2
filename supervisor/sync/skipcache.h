/*
 * skipcache — skip a target without spawning a worker (DESIGN §3).
 *
 * After a successful run of a target the supervisor records what the
 * result depended on: the source tree id, the target's base head, the
 * open sync PR's branch and head (none when there is no open PR) and the
 * outcome that state means (up_to_date, or pending_current when a PR is
 * open and current). The record lives in one small text file under
 * <cache>/state/, named after a hash of the key (target, group, sync
 * branch prefix, config digest) and holding the key too, so a hash
 * collision is a miss. The repocast version is part of the record: a
 * new engine never trusts an old engine's conclusions.
 *
 * When discovery shows the same four values again, the worker would
 * compute the same tree and reach the same outcome, so the target is
 * reported with that outcome and no worker, no fetch, no plan.
 *
 * A missing, unreadable, truncated or otherwise corrupt file is a miss,
 * never an error. Writes are atomic (temp file, fsync, rename).
 */
#ifndef REPOCAST_SKIPCACHE_H
#define REPOCAST_SKIPCACHE_H

#include <stdbool.h>

#include "shared/buf.h"

#define SKIPCACHE_BRANCH_MAX 255   /* longer sync branch names are never cached */
#define SKIPCACHE_FILE_MAX 4096    /* a larger file is corrupt */

struct skipcache_key {
	const char *target;          /* owner/name */
	const char *group;           /* group id */
	const char *branch_prefix;   /* the group's sync branch prefix */
	const char *config_digest;
};

struct skipcache_state {
	char source_tree[41];        /* full hex ids */
	char base_head[41];
	char branch[SKIPCACHE_BRANCH_MAX + 1]; /* open sync PR's branch; "" = none */
	char branch_head[41];        /* its head; "" = none */
	char outcome[16];            /* "up_to_date" or "pending_current" */
	/* What the open PR carries against the base (the worker's counts when
	 * the record was made; 0 for up_to_date): shown for a cached target as
	 * the worker would show it. Not part of the state skipcache_match
	 * compares. */
	unsigned long long added, changed, deleted;
};

/* <cache_dir>/state/skip-<16 hex>.txt for k (caller frees). */
char *skipcache_path(const char *cache_dir, const struct skipcache_key *k);

/*
 * Fill st from a record text (the file's content) written for k: 1 when
 * the text is a complete, valid record for exactly this key and engine
 * version, else 0 (st zeroed). Pure; used by skipcache_load and tests.
 */
int skipcache_parse(struct skipcache_state *st, const char *text, size_t len,
    const struct skipcache_key *k);
/* Append the record text for k and st to out. */
void skipcache_format(struct buf *out, const struct skipcache_key *k,
    const struct skipcache_state *st);

/* Load k's record: 1 with st filled, 0 on any miss (absent, corrupt). */
int skipcache_load(struct skipcache_state *st, const char *cache_dir,
    const struct skipcache_key *k);
/*
 * Store st as k's record (creating <cache_dir>/state). 0, or -1 with
 * err_last set (ERR_CONFIG for a state that cannot be recorded: an
 * outcome other than the two above, ids that are not full hex, a
 * pending_current without a branch). Callers treat a failure as "no
 * record": it only costs the next run a worker.
 */
int skipcache_store(const char *cache_dir, const struct skipcache_key *k,
    const struct skipcache_state *st);
/* Remove k's record; absent is fine. */
void skipcache_forget(const char *cache_dir, const struct skipcache_key *k);

/*
 * Does the current state (what discovery and the source show now) equal
 * the record? Every field, exactly; an empty source tree or base head in
 * now (unknown) never matches.
 */
bool skipcache_match(const struct skipcache_state *rec, const struct skipcache_state *now);

#endif
