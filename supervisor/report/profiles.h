/*
 * profiles — the supervisor's side of --profile (docs/profile.md): each
 * worker's PROFILE goes, as folded stacks, to targets/<base>.folded
 * beside the target's log (every attempt's samples appended); at the end
 * of the run every target's stacks are merged into profile.folded and
 * drawn as flame.svg in the run directory (flame.h), and report.html
 * shows the same graph.
 *
 * The run's profile.folded merges the targets' stacks as they are (the
 * root frame names the process: repocast-worker, or the command perf
 * recorded): which functions burn the fleet's CPU. Which target burns it
 * is the per-target files' and the report's CPU chart's.
 */
#ifndef REPOCAST_PROFILES_H
#define REPOCAST_PROFILES_H

#include <stddef.h>

#include "proto/msg.h"
#include "shared/fold.h"
#include "supervisor/report/record.h"

/* The sampling period --profile asks the workers for (CPU time). */
#define PROFILES_PERIOD_US 1000

/* The run directory's files. */
#define PROFILES_FOLDED "profile.folded"
#define PROFILES_SVG "flame.svg"

/*
 * Take a worker's PROFILE for rec: its stacks appended to
 * targets/<base>.folded (next to rec->log_path; nothing when it has
 * none), its counts added to rec->profile, its perf note kept. 0, or -1
 * with err_last set (the file could not be written).
 */
int profiles_store(struct record *rec, const struct msg_profile *p);
/* targets/<base>.folded of rec (from its log path), or NULL. Caller frees. */
char *profiles_target_path(const struct record *rec);
/*
 * Merge the n records' folded files into <dir>/profile.folded and draw
 * <dir>/flame.svg (written even when no target sent samples: the graph
 * says so). 0, or -1 with err_last set.
 */
int profiles_collect(const char *dir, const struct record *recs, size_t n);
/*
 * Read <dir>/profile.folded into f (initialised here). 1 read, 0 there
 * is no such file, -1 with err_last set (unreadable or malformed).
 */
int profiles_load(struct fold *f, const char *dir);

#endif
