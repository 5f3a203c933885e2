/*
 * cmd_report_merge — `repocast report merge RUN... -o DIR`: the reports of
 * one run's shards joined into the run directory DIR, with the targets'
 * logs, in every report format; what the shards must agree on and what
 * is found across them is merge.h's (cmd_report_internal.h).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "shared/buf.h"
#include "shared/err.h"
#include "shared/util.h"
#include "supervisor/cmd.h"
#include "supervisor/opt.h"
#include "supervisor/report/cmd_report_internal.h"
#include "supervisor/report/merge.h"
#include "supervisor/report/read.h"
#include "supervisor/report/record.h"
#include "supervisor/report/report.h"

static const struct opt_spec merge_opts[] = {
	{ ROPT_REPORTDIR, 0, "report-dir", true },
	{ 'o', 'o', "output", true },
};

/* ---- merge ---- */

static bool
str_eq(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static bool
argv_eq(char **a, char **b)
{
	size_t i;

	for (i = 0; a != NULL && b != NULL && a[i] != NULL && b[i] != NULL; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return (a == NULL || a[i] == NULL) && (b == NULL || b[i] == NULL);
}

/* Shards of one run: the same command over the same config. */
static int
check_same_run(const struct loaded *a, const struct loaded *b)
{
	if (!str_eq(a->run.command, b->run.command))
		return err_set(ERR_CONFLICT, "cannot merge '%s' and '%s': one is a '%s', the other "
		    "a '%s'", a->path, b->path, a->run.command, b->run.command);
	if (!str_eq(a->run.config_digest, b->run.config_digest))
		return err_set(ERR_CONFLICT, "cannot merge '%s' and '%s': different configs "
		    "(digest %s and %s)", a->path, b->path,
		    a->run.config_digest ? a->run.config_digest : "none",
		    b->run.config_digest ? b->run.config_digest : "none");
	/* A run's command line is its config. */
	if (!argv_eq(a->run.argv, b->run.argv))
		return err_set(ERR_CONFLICT, "cannot merge '%s' and '%s': they ran different "
		    "commands", a->path, b->path);
	return 0;
}

/* A target of the merge: its record and the report it came from. */
struct merge_ent {
	struct record *rec;
	const struct loaded *from;
};

static int
cmp_ent(const void *a, const void *b)
{
	const struct merge_ent *x = a, *y = b;
	int c = strcmp(x->rec->name, y->rec->name);

	/* A name in two reports: the first named first, in the message too. */
	if (c == 0 && x->from != y->from)
		return x->from < y->from ? -1 : 1;
	return c;
}

/* Every target of the shards, by name; ERR_CONFLICT for one in two of them. */
static int
merge_targets(struct merge_ent **out, size_t *n, struct loaded *in, size_t nin)
{
	struct merge_ent *v;
	size_t i, j, m = 0, total = 0;

	for (i = 0; i < nin; i++)
		total += in[i].n;
	v = xcalloc(total ? total : 1, sizeof(*v));
	for (i = 0; i < nin; i++)
		for (j = 0; j < in[i].n; j++) {
			v[m].rec = &in[i].recs[j];
			v[m++].from = &in[i];
		}
	qsort(v, m, sizeof(*v), cmp_ent);
	for (i = 1; i < m; i++)
		if (strcmp(v[i - 1].rec->name, v[i].rec->name) == 0) {
			err_set(ERR_CONFLICT, "cannot merge '%s' and '%s': both have target '%s'",
			    v[i - 1].from->path, v[i].from->path, v[i].rec->name);
			free(v);
			return ERR_CONFLICT;
		}
	*out = v;
	*n = m;
	return 0;
}

/* The distinct values of a string field of the shards' runs, joined by ", ". */
static char *
join_distinct(const struct loaded *in, size_t nin, size_t off)
{
	struct buf b = BUF_INIT;
	size_t i, j;

	for (i = 0; i < nin; i++) {
		const char *s = *(char *const *)(const void *)((const char *)&in[i].run + off);
		bool seen = false;

		if (s == NULL)
			continue;
		for (j = 0; j < i && !seen; j++)
			seen = str_eq(s, *(char *const *)(const void *)((const char *)&in[j].run +
			    off));
		if (!seen)
			buf_addf(&b, "%s%s", b.len ? ", " : "", s);
	}
	if (b.len == 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

static void
usage_add(struct rusage_sample *sum, const struct rusage_sample *s)
{
	sum->utime_us += s->utime_us;
	sum->stime_us += s->stime_us;
	if (s->maxrss_kib > sum->maxrss_kib)
		sum->maxrss_kib = s->maxrss_kib;
	sum->minflt += s->minflt;
	sum->majflt += s->majflt;
	sum->nvcsw += s->nvcsw;
	sum->nivcsw += s->nivcsw;
	sum->inblock += s->inblock;
	sum->oublock += s->oublock;
}

static char **
argv_dup(char **argv)
{
	char **v;
	size_t i, n = 0;

	if (argv == NULL)
		return NULL;
	while (argv[n] != NULL)
		n++;
	v = xcalloc(n + 1, sizeof(*v));
	for (i = 0; i < n; i++)
		v[i] = xstrdup(argv[i]);
	return v;
}

/* The basename of a directory path ("a/b/" -> "b"): the run's id. */
static char *
dir_id(const char *dir)
{
	size_t len = strlen(dir);
	const char *p;

	while (len > 1 && dir[len - 1] == '/')
		len--;
	for (p = dir + len; p > dir && p[-1] != '/'; p--)
		;
	return xstrndup(p, len - (size_t)(p - dir));
}

/* The merged run record: the shards' span of time, their sums and worst;
 * their identity, signing and commit path when they agree, else a
 * disagreement in m (merge.h). */
static void
merge_run(struct report_run *r, const struct loaded *in, size_t nin, const char *dir,
    struct report_merge *m)
{
	const struct report_run **runs = xcalloc(nin, sizeof(*runs));
	size_t i;

	memset(r, 0, sizeof(*r));
	r->id = dir_id(dir);
	r->command = xstrdup(in[0].run.command);
	r->argv = argv_dup(in[0].run.argv);
	r->config_digest = xstrdup_or_null(in[0].run.config_digest);
	for (i = 0; i < nin; i++)
		runs[i] = &in[i].run;
	report_merge_identity(m, r, runs, nin);
	free(runs);
	r->host = join_distinct(in, nin, offsetof(struct report_run, host));
	r->kernel = join_distinct(in, nin, offsetof(struct report_run, kernel));
	r->v_repocast = join_distinct(in, nin, offsetof(struct report_run, v_repocast));
	r->v_libgit2 = join_distinct(in, nin, offsetof(struct report_run, v_libgit2));
	r->v_libcurl = join_distinct(in, nin, offsetof(struct report_run, v_libcurl));
	r->v_msgpack = join_distinct(in, nin, offsetof(struct report_run, v_msgpack));
	r->v_jansson = join_distinct(in, nin, offsetof(struct report_run, v_jansson));
	r->v_libyaml = join_distinct(in, nin, offsetof(struct report_run, v_libyaml));
	r->start_us = in[0].run.start_us;
	for (i = 0; i < in[0].run.ngroups; i++)
		report_run_add_group(r, in[0].run.groups[i].id, &in[0].run.groups[i].depends_on);
	for (i = 0; i < nin; i++) {
		const struct report_run *s = &in[i].run;

		if (s->start_us < r->start_us)
			r->start_us = s->start_us;
		if (s->end_us > r->end_us)
			r->end_us = s->end_us;
		/* The shards ran side by side: their workers add up. */
		r->jobs += s->jobs;
		if (s->timeout_ms > r->timeout_ms)
			r->timeout_ms = s->timeout_ms;
		if (s->retries > r->retries)
			r->retries = s->retries;
		r->interrupted |= s->interrupted;
		/* The worst: 130 over 3 over 1 over 0. */
		if (i == 0 || s->exit_code > r->exit_code)
			r->exit_code = s->exit_code;
		r->orphans_reaped += s->orphans_reaped;
		usage_add(&r->self, &s->self);
		usage_add(&r->children, &s->children);
		r->api_requests += s->api_requests;
		r->api_not_modified += s->api_not_modified;
		r->api_rate_limited += s->api_rate_limited;
		r->api_waited_ms += s->api_waited_ms;
	}
}

/* The report's run directory: where its targets/ are. */
static char *
report_dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? xstrndup(path, (size_t)(slash - path)) : xstrdup(".");
}

/*
 * Copy the target's log from its shard's run directory into dir/targets/
 * and point the record at it; a target without a log keeps none.
 */
static int
merge_log(struct record *rec, const struct loaded *from, const char *dir)
{
	char *base = record_file_name(rec->name), *src_dir = report_dir_of(from->path);
	char *src = xasprintf("%s/targets/%s.log", src_dir, base);
	char *dst = xasprintf("%s/targets/%s.log", dir, base);
	struct buf b = BUF_INIT;
	int rc = buf_read_file(&b, src);

	free(rec->log_path);
	rec->log_path = NULL;
	if (rc == ERR_NOTFOUND) {
		rc = 0;
	} else if (rc == 0 && (rc = buf_write_file_atomic(&b, dst)) == 0) {
		rec->log_path = dst;
		dst = NULL;
	}
	buf_release(&b);
	free(dst);
	free(src);
	free(src_dir);
	free(base);
	return rc;
}

/* DIR is a new run directory: refused when it holds a report already. */
static int
merge_dir(const char *dir)
{
	char *p = xasprintf("%s/report.json", dir);
	struct stat st;
	int rc = 0;

	if (stat(p, &st) == 0)
		rc = err_set(ERR_EXISTS, "'%s' holds a report already; merge into a new directory",
		    dir);
	free(p);
	if (rc < 0)
		return rc;
	p = xasprintf("%s/targets", dir);
	rc = util_mkdirs(p, 0755);
	free(p);
	return rc;
}

/* Write the merged run into dir: logs, then every format. CMD_ENV errors. */
/* The merge's findings m (consumed) go into the run record, and the
 * cross-shard dependencies are found in the merged records. */
static int
merge_write(const struct loaded *in, size_t nin, struct merge_ent *ents, size_t n,
    const char *dir, struct report_merge *m)
{
	struct report_run run;
	struct report_in rin;
	struct record *recs = xcalloc(n ? n : 1, sizeof(*recs));
	size_t i;
	int rc = 0;

	merge_run(&run, in, nin, dir, m);
	for (i = 0; i < n; i++) {
		record_move(&recs[i], ents[i].rec);
		if (rc == 0)
			rc = merge_log(&recs[i], ents[i].from, dir);
	}
	report_merge_deps(m, &in[0].run, recs, n);
	report_merge_warn(stderr, m);
	run.merge = m;
	if (rc == 0) {
		rin.run = &run;
		rin.recs = recs;
		rin.n = n;
		rin.dir = dir;
		rc = report_write(&rin, REPORT_ALL);
	}
	report_records_free(recs, n);
	report_run_release(&run);
	return rc;
}

/* The shards' partition (merge.h): ERR_CONFLICT when they are not one. */
static int
merge_shards(struct report_merge **m, const struct loaded *in, size_t nin)
{
	const struct report_run **runs = xcalloc(nin, sizeof(*runs));
	const char **paths = xcalloc(nin, sizeof(*paths));
	size_t i;
	int rc;

	for (i = 0; i < nin; i++) {
		runs[i] = &in[i].run;
		paths[i] = in[i].path;
	}
	rc = report_merge_shards(m, runs, paths, nin);
	free(runs);
	free(paths);
	return rc;
}

static int
merge_usage(struct opts *o, int argc, char **argv)
{
	static const struct sub sub = { merge_opts, ARRAY_SIZE(merge_opts), MERGE_USAGE };
	int status = cmd_report_sub_opts(o, &sub, argc, argv);

	if (status >= 0)
		return status;
	if (o->npos == 0) {
		cmd_usage_error(MERGE_USAGE, "report", "'report merge' takes the runs to merge");
		return EXIT_USAGE;
	}
	if (o->out == NULL) {
		cmd_usage_error(MERGE_USAGE, "report",
		    "'report merge' needs -o DIR, the run directory to write");
		return EXIT_USAGE;
	}
	return -1;
}

int
cmd_report_merge(int argc, char **argv)
{
	struct opts o;
	struct loaded *in = NULL;
	struct merge_ent *ents = NULL;
	struct report_merge *m = NULL;
	size_t i, nin = 0, n = 0, nfailed = 0;
	int rc, status;

	if ((status = merge_usage(&o, argc, argv)) >= 0)
		goto out;
	in = xcalloc(o.npos, sizeof(*in));
	for (nin = 0; nin < o.npos; nin++)
		if ((rc = cmd_report_load(&in[nin], o.report_dir, o.pos[nin])) < 0) {
			status = cmd_fail(CMD_INPUT, rc);
			goto out;
		}
	for (i = 1; i < nin; i++)
		if ((rc = check_same_run(&in[0], &in[i])) < 0) {
			status = cmd_fail(CMD_INPUT, rc);
			goto out;
		}
	if ((rc = merge_shards(&m, in, nin)) < 0) {
		status = cmd_fail(CMD_INPUT, rc);
		goto out;
	}
	if ((rc = merge_targets(&ents, &n, in, nin)) < 0 || (rc = merge_dir(o.out)) < 0) {
		/* An existing report in DIR is the user's naming; mkdir failing is not. */
		status = cmd_fail(rc == ERR_CONFLICT || rc == ERR_EXISTS ? CMD_INPUT : CMD_ENV, rc);
		goto out;
	}
	for (i = 0; i < n; i++)
		nfailed += record_failed(ents[i].rec);
	rc = merge_write(in, nin, ents, n, o.out, m);
	m = NULL;
	if (rc < 0) {
		status = cmd_fail(CMD_ENV, rc);
		goto out;
	}
	fprintf(stderr, "repocast: merged %zu report%s, %zu target%s (%zu failed), into "
	    "%s/report.json\n", nin, nin == 1 ? "" : "s", n, n == 1 ? "" : "s", nfailed, o.out);
	status = EXIT_OK;
out:
	for (i = 0; in != NULL && i < nin; i++)
		cmd_report_loaded_release(&in[i]);
	free(in);
	free(ents);
	report_merge_free(m);
	free(o.pos);
	return status;
}
