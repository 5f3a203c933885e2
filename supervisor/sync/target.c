/*
 * target — a sync target's record when no worker runs for it: failed
 * before its worker, answered by the skip cache, skipped for a
 * dependency, cancelled. Below every other phase of supervisor/sync/
 * (internal.h), which all call it; it calls none of them.
 */
#include <stdlib.h>
#include <string.h>

#include "shared/util.h"
#include "supervisor/sync/internal.h"

void
sync_record_none(struct sync_target *t, enum record_outcome outcome, enum record_cause cause,
    int cause_value, const char *error)
{
	t->skip = true;
	memset(&t->rec, 0, sizeof(t->rec));
	t->rec.name = xstrdup(t->target->repo);
	t->rec.outcome = outcome;
	record_set_cause(&t->rec, cause, cause_value, error);
	t->has_rec = true;
}
