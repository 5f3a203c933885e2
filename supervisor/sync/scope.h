/*
 * scope — which targets of a config one `repocast sync` touches.
 *
 * Groups run in cfg_group_order (priority, depends_on, file order).
 * --groups keeps only the named groups (by name or id; a disabled group
 * runs only when named), --skip-groups drops groups and wins over
 * --groups, positional filters keep targets whose repo equals a filter or
 * matches it as a shell glob ("acme/api-?"). A name or filter that matches
 * nothing is an error: a typo must not silently sync nothing. --only-failed
 * then keeps the targets whose repo failed in an earlier run (any of its
 * names may be gone from the config since: those are left out).
 *
 * With --shard K/N the targets left are those of shard K (shard.h), in
 * the same order: group order and depends_on hold inside the shard. A
 * filter or group name is matched against the whole config first, so a
 * filter whose targets all fall in other shards is no error.
 *
 * The blast-radius guard follows go-broadcast: a scope of more than one
 * group or more than 5 repositories must be confirmed with
 * --confirm-scope N where N is exactly the number of repositories. With
 * --shard, N is the number across all shards (the run's blast radius,
 * and one number that every task of an array can be given). A dry run
 * writes nothing and needs no confirmation.
 */
#ifndef REPOCAST_SCOPE_H
#define REPOCAST_SCOPE_H

#include <stdbool.h>
#include <stddef.h>

#include "supervisor/config/config.h"
#include "supervisor/shard.h"

#define SCOPE_MAX_GROUPS 1
#define SCOPE_MAX_REPOS 5

struct scope_target {
	const struct cfg_group *group;   /* borrowed from the cfg */
	const struct cfg_target *target; /* borrowed from the cfg */
};

struct scope {
	struct scope_target *v;
	size_t n, cap;
	size_t ngroups;                  /* groups with at least one target */
	size_t total, total_groups;      /* the same across all shards (= n, ngroups
	                                  * when not sharded) */
	bool sharded;                    /* resolved with a --shard */
};

struct scope_opts {
	const char *const *groups;       /* --groups values (comma lists allowed) */
	size_t ngroups;
	const char *const *skip;         /* --skip-groups values */
	size_t nskip;
	const char *const *filters;      /* positional target filters */
	size_t nfilters;
	const struct strv *only;         /* --only-failed: only these repos; NULL: all */
	const struct shard *shard;       /* --shard: only this shard's; NULL: all */
};

/*
 * Resolve the scope of c under o into s (released with scope_release).
 * ERR_CONFIG with err_last naming the unknown group or the filter that
 * matched nothing.
 */
int scope_resolve(struct scope *s, const struct cfg *c, const struct scope_opts *o);
void scope_release(struct scope *s);

/*
 * The blast-radius guard. confirm is the --confirm-scope value, or -1 when
 * absent. 0 to proceed; ERR_CONFIG with the reason in err_last.
 */
int scope_confirm(const struct scope *s, long confirm, bool dry_run);

/*
 * The scope line: "scope: 40 targets in 3 groups" or, sharded, "scope:
 * 11 of 40 targets in 3 of 3 groups (shard 1/4)", into buf of len bytes.
 * Returns buf.
 */
const char *scope_describe(char *buf, size_t len, const struct scope *s,
    const struct shard *shard);

#endif
