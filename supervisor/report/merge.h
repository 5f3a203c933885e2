/*
 * merge — what `repocast report merge` checks and finds across the shards
 * it joins (docs/scale-out.md), beside the joining itself
 * (cmd_report_merge.c):
 *
 * - Shards of one --shard K/N partition: the same N, each K once, and not
 *   mixed with unsharded runs; a K without a report is a missing shard
 *   (its targets are not in the merge).
 * - Dependencies across shards: inside one shard a group whose dependency
 *   failed is skipped, but a shard cannot see the others. A group that ran
 *   targets while a group it depends on had failed targets (in another
 *   shard: in the same one they would have been skipped) is a finding,
 *   named with those targets. The records stay as the shards wrote them.
 * - Identity, signing and commit path (run.auth, run.signing,
 *   run.commit_via): kept when every report agrees, else left null and a
 *   disagreement naming each report's value.
 */
#ifndef REPOCAST_REPORT_MERGE_H
#define REPOCAST_REPORT_MERGE_H

#include <stddef.h>
#include <stdio.h>

#include "supervisor/report/report.h"

/*
 * Check the shards of runs[0..n) (paths name them in messages) and start
 * *out (report_merge_free) with their N and the missing shards.
 * ERR_CONFLICT, nothing allocated, when two runs are the same shard, have
 * different N, or one is sharded and another not.
 */
int report_merge_shards(struct report_merge **out, const struct report_run *const *runs,
    const char *const *paths, size_t n);

/*
 * Add to m the cross-shard dependency findings of the merged records
 * recs[0..n) under the groups of a shard's run record (run.groups; none
 * in a report written before they were kept: nothing is found then).
 */
void report_merge_deps(struct report_merge *m, const struct report_run *groups,
    const struct record *recs, size_t n);

/*
 * The merged run's identity, signing and commit path into out (whose
 * auth, installations and signing are empty) from runs[0..n). Each is
 * kept when every run agrees: one auth kind and App id (the sources
 * joined by ", ", the installations added up by owner: each shard mints
 * tokens for its own targets' owners), one signing method and key (by
 * fingerprint when both have one; the first run's key path and from),
 * one commit_via. Otherwise out leaves it null and m gets a
 * disagreement with each run's id and value ("app 4242", "token",
 * "ssh SHA256:...", "push", "none").
 */
void report_merge_identity(struct report_merge *m, struct report_run *out,
    const struct report_run *const *runs, size_t n);

/* One "repocast: warning: ..." line on f per missing shard, per finding
 * and per disagreement. */
void report_merge_warn(FILE *f, const struct report_merge *m);

#endif
