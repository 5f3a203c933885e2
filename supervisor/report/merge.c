/*
 * merge — shard checks and cross-shard dependency findings of
 * `report merge` (merge.h).
 */
#include "supervisor/report/merge.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "shared/buf.h"
#include "shared/err.h"
#include "shared/util.h"
#include "supervisor/report/record.h"

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

/* ---- identity, signing, commit path ---- */

static bool
same(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

/* One identity: the kind and, for an App, its id (sources may differ). */
static bool
auth_same(const struct report_run *a, const struct report_run *b)
{
	return same(a->auth_kind, b->auth_kind) && same(a->auth_app_id, b->auth_app_id);
}

/* One key: the method and the fingerprint when both have one, else the key's name. */
static bool
signing_same(const struct report_run *a, const struct report_run *b)
{
	if (!same(a->signing.method, b->signing.method))
		return false;
	if (a->signing.fingerprint != NULL && b->signing.fingerprint != NULL)
		return strcmp(a->signing.fingerprint, b->signing.fingerprint) == 0;
	return same(a->signing.key, b->signing.key);
}

static char *
auth_value(const struct report_run *r)
{
	if (r->auth_kind == NULL)
		return xstrdup("none");
	if (r->auth_app_id != NULL)
		return xasprintf("%s %s", r->auth_kind, r->auth_app_id);
	return xstrdup(r->auth_kind);
}

static char *
signing_value(const struct report_run *r)
{
	const char *k = r->signing.fingerprint != NULL ? r->signing.fingerprint : r->signing.key;

	if (r->signing.method == NULL)
		return xstrdup("none");
	return k != NULL ? xasprintf("%s %s", r->signing.method, k) : xstrdup(r->signing.method);
}

static char *
via_value(const struct report_run *r)
{
	const char *v = record_commit_name(r->commit_via);

	return xstrdup(v != NULL ? v : "none");
}

/* Record that the runs disagree on field, with each one's value. */
static void
differ_add(struct report_merge *m, const char *field, const struct report_run *const *runs,
    size_t n, char *(*value)(const struct report_run *))
{
	struct report_disagreement *d;
	size_t i;

	m->differ = xrealloc(m->differ, (m->ndiffer + 1) * sizeof(*m->differ));
	d = &m->differ[m->ndiffer++];
	memset(d, 0, sizeof(*d));
	d->field = xstrdup(field);
	for (i = 0; i < n; i++) {
		char *v = value(runs[i]);

		strv_add(&d->runs, runs[i]->id != NULL ? runs[i]->id : "?");
		strv_add(&d->values, v);
		free(v);
	}
}

/* The agreed identity: the sources joined, the installations added up by owner. */
static void
auth_join(struct report_run *out, const struct report_run *const *runs, size_t n)
{
	struct buf src = BUF_INIT;
	size_t i, j, k;

	for (i = 0; i < n; i++) {
		const char *s = runs[i]->auth_source;
		bool seen = s == NULL;

		for (j = 0; j < i && !seen; j++)
			seen = same(s, runs[j]->auth_source);
		if (!seen)
			buf_addf(&src, "%s%s", src.len ? ", " : "", s);
	}
	report_run_set_auth(out, runs[0]->auth_kind, src.len ? src.ptr : NULL,
	    runs[0]->auth_app_id);
	buf_release(&src);
	for (i = 0; i < n; i++)
		for (j = 0; j < runs[i]->ninstallations; j++) {
			const struct report_installation *in = &runs[i]->installations[j];

			for (k = 0; k < out->ninstallations; k++)
				if (strcmp(out->installations[k].owner, in->owner) == 0)
					break;
			if (k == out->ninstallations) {
				report_run_add_installation(out, in->owner, in->id, in->tokens);
				continue;
			}
			out->installations[k].tokens += in->tokens;
			if (out->installations[k].id == 0)
				out->installations[k].id = in->id;
		}
}

void
report_merge_identity(struct report_merge *m, struct report_run *out,
    const struct report_run *const *runs, size_t n)
{
	bool auth = true, signing = true, via = true;
	size_t i;

	if (n == 0)
		return;
	for (i = 1; i < n; i++) {
		auth = auth && auth_same(runs[0], runs[i]);
		signing = signing && signing_same(runs[0], runs[i]);
		via = via && runs[0]->commit_via == runs[i]->commit_via;
	}
	if (!auth)
		differ_add(m, "auth", runs, n, auth_value);
	else if (runs[0]->auth_kind != NULL)
		auth_join(out, runs, n);
	if (!signing) {
		differ_add(m, "signing", runs, n, signing_value);
	} else {
		out->signing.method = xstrdup_or_null(runs[0]->signing.method);
		out->signing.key = xstrdup_or_null(runs[0]->signing.key);
		out->signing.fingerprint = xstrdup_or_null(runs[0]->signing.fingerprint);
		out->signing.from = xstrdup_or_null(runs[0]->signing.from);
	}
	if (!via)
		differ_add(m, "commit_via", runs, n, via_value);
	else
		out->commit_via = runs[0]->commit_via;
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
	for (i = 0; i < m->ndiffer; i++) {
		const struct report_disagreement *d = &m->differ[i];

		fprintf(f, "repocast: warning: the reports disagree on run.%s, which the merged "
		    "report leaves null (run.merge.disagreements):", d->field);
		for (j = 0; j < d->runs.n; j++)
			fprintf(f, "%s %s: %s", j ? "," : "", d->runs.v[j], d->values.v[j]);
		fputc('\n', f);
	}
}
