/*
 * syncplan — the source side of one sync: the group's source mirror
 * (fetched once per run) and a target's mappings expanded against the
 * source tree into a sorted manifest, delete paths and prune dirs
 * (DESIGN §3). Walks tree objects only: no checkout.
 *
 * Binary detection runs once per source blob per run (a cache keyed by
 * blob id lives in the syncplan_source).
 */
#ifndef REPOCAST_SYNCPLAN_H
#define REPOCAST_SYNCPLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <git2.h>

#include "shared/mirror.h"
#include "supervisor/config.h"

struct syncplan_source {
	struct mirror mir;
	git_commit *commit;
	git_tree *tree;
	char hex[41];
	/* binary cache: open addressing on the blob id */
	git_oid *bin_oid;
	signed char *bin_val;      /* -1 empty, 0 text, 1 binary */
	size_t bin_cap, bin_n;
};

/*
 * Open and fetch url's branch into the mirror cache, resolve it. The
 * mirror is unlocked after the fetch (workers of a target that is also a
 * source must not wait on us). 0, or the mirror's error.
 */
int syncplan_source_open(struct syncplan_source *s, const char *cache, const char *url,
    const char *branch, const char *token);
void syncplan_source_close(struct syncplan_source *s);

struct syncplan_entry {
	char *dest;
	uint32_t mode;
	git_oid oid;
	bool binary;
	bool transform;
	size_t seq;                /* mapping order: later wins */
};

struct syncplan {
	struct syncplan_entry *entries;  /* sorted by dest, unique */
	size_t n, cap;
	char **deletes;
	size_t ndeletes, dcap;
	char **prune;
	size_t nprune, pcap;
};

/*
 * Expand target's files and directories against s. ERR_CONFIG naming the
 * mapping when a source path is missing or of the wrong kind.
 */
int syncplan_build(struct syncplan *p, struct syncplan_source *s,
    const struct cfg_group *g, const struct cfg_target *t);
void syncplan_release(struct syncplan *p);

#endif
