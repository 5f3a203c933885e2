/*
 * merge — shard checks and cross-shard dependency findings of
 * `report merge` (merge.h).
 */
#include "supervisor/report/merge.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "shared/err.h"
#include "shared/util.h"

int
report_merge_shards(struct report_merge **out, const struct report_run *const *runs,
    const char *const *paths, size_t n)
{
	struct report_merge *m;
	const char **by_index = NULL;
	unsigned count = 0, k;
	size_t i, first = 0;

	*out = NULL;
	for (i = 0; i < n; i++) {
		unsigned c = runs[i]->shard_count;

		if (i > 0 && (c == 0) != (count == 0))
			return err_set(ERR_CONFLICT, "cannot merge '%s' and '%s': '%s' is a shard "
			    "(--shard) and '%s' is not", paths[first], paths[i],
			    c == 0 ? paths[first] : paths[i], c == 0 ? paths[i] : paths[first]);
		if (i > 0 && c != count)
			return err_set(ERR_CONFLICT, "cannot merge '%s' and '%s': shard %u/%u and "
			    "shard %u/%u are of different partitions", paths[first], paths[i],
			    runs[first]->shard_index, count, runs[i]->shard_index, c);
		count = c;
	}
	m = xcalloc(1, sizeof(*m));
	m->shards = count;
	if (count == 0) {
		*out = m;
		return 0;
	}
	by_index = xcalloc(count, sizeof(*by_index));
	for (i = 0; i < n; i++) {
		k = runs[i]->shard_index;
		if (by_index[k] != NULL) {
			err_set(ERR_CONFLICT, "cannot merge '%s' and '%s': both are shard %u/%u",
			    by_index[k], paths[i], k, count);
			free(by_index);
			report_merge_free(m);
			return ERR_CONFLICT;
		}
		by_index[k] = paths[i];
	}
	m->missing = xcalloc(count, sizeof(*m->missing));
	for (k = 0; k < count; k++)
		if (by_index[k] == NULL)
			m->missing[m->nmissing++] = k;
	free(by_index);
	*out = m;
	return 0;
}

static bool
in_group(const struct record *r, const char *id)
{
	return r->sync.group != NULL && strcmp(r->sync.group, id) == 0;
}

void
report_merge_deps(struct report_merge *m, const struct report_run *groups,
    const struct record *recs, size_t n)
{
	size_t gi, di, i;

	for (gi = 0; gi < groups->ngroups; gi++) {
		const struct report_group_deps *g = &groups->groups[gi];

		for (di = 0; di < g->depends_on.n; di++) {
			const char *dep = g->depends_on.v[di];
			struct report_cross_dep *x;
			uint64_t failed = 0;

			for (i = 0; i < n; i++)
				failed += in_group(&recs[i], dep) && record_failed(&recs[i]);
			if (failed == 0)
				continue;
			x = NULL;
			for (i = 0; i < n; i++) {
				if (!in_group(&recs[i], g->id) || recs[i].cause == CAUSE_DEPENDENCY)
					continue;
				if (x == NULL) {
					m->cross = xrealloc(m->cross, (m->ncross + 1) * sizeof(*m->cross));
					x = &m->cross[m->ncross++];
					memset(x, 0, sizeof(*x));
					x->group = xstrdup(g->id);
					x->dependency = xstrdup(dep);
					x->dependency_failed = failed;
				}
				strv_add(&x->ran, recs[i].name);
			}
		}
	}
}

void
report_merge_warn(FILE *f, const struct report_merge *m)
{
	size_t i, j;

	for (i = 0; i < m->nmissing; i++)
		fprintf(f, "repocast: warning: shard %u/%u has no report: its targets are not in "
		    "the merge\n", m->missing[i], m->shards);
	for (i = 0; i < m->ncross; i++) {
		const struct report_cross_dep *x = &m->cross[i];

		fprintf(f, "repocast: warning: group '%s' ran %zu target%s while its dependency "
		    "'%s' had %llu failed target%s in another shard:", x->group, x->ran.n,
		    x->ran.n == 1 ? "" : "s", x->dependency,
		    (unsigned long long)x->dependency_failed, x->dependency_failed == 1 ? "" : "s");
		for (j = 0; j < x->ran.n; j++)
			fprintf(f, "%s %s", j ? "," : "", x->ran.v[j]);
		fputc('\n', f);
	}
}
