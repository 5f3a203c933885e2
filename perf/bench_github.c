/*
 * Micro-benchmarks for the GitHub client's CPU side: parsing one 100-PR page
 * of `GET /pulls` (the discovery request), picking the sync PR out of it,
 * and reading a metadata block back. The page is built from the recorded
 * PR shape in tests/data/github/repocast-pulls-open.json.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "perf/bench.h"
#include "shared/buf.h"
#include "shared/util.h"
#include "supervisor/github/discovery.h"
#include "supervisor/github/github.h"
#include "supervisor/github/prtext.h"

/* A JSON array of 100 PRs (copies of the fixture's PRs, renumbered). */
static char *
page100(size_t *len)
{
	json_t *all = json_load_file("tests/data/github/repocast-pulls-open.json", 0, NULL);
	json_t *src, *out = json_array();
	char *s;
	size_t i;

	if (all == NULL) {
		fprintf(stderr, "bench_github: run from the top of the tree\n");
		exit(1);
	}
	src = json_object_get(json_array_get(all, 0), "response");
	for (i = 0; i < 100; i++) {
		json_t *pr = json_deep_copy(json_array_get(src, i % json_array_size(src)));

		json_object_set_new(pr, "number", json_integer((json_int_t)(1000 - i)));
		json_array_append_new(out, pr);
	}
	s = json_dumps(out, JSON_COMPACT);
	*len = strlen(s);
	json_decref(out);
	json_decref(all);
	return s;
}

BENCH(GithubParsePulls100)
{
	struct github_pulls p;
	size_t len;
	char *page = page100(&len);
	uint64_t i;

	bench_set_bytes(b, len);
	bench_reset_timer(b);
	for (i = 0; i < b->n; i++) {
		memset(&p, 0, sizeof(p));
		if (github_pulls_parse(&p, page, len) != 0 || p.n != 100)
			abort();
		github_pulls_release(&p);
	}
	free(page);
}

BENCH(DiscoveryPick100)
{
	struct discovery_target t = { "acme/api", NULL, "chore/sync-files",
		"acme/templates", false, false };
	struct github_pulls p;
	struct discovery d;
	size_t len;
	char *page = page100(&len);
	uint64_t i;

	bench_reset_timer(b);
	for (i = 0; i < b->n; i++) {
		memset(&p, 0, sizeof(p));
		memset(&d, 0, sizeof(d));
		github_pulls_parse(&p, page, len);
		discovery_pick(&d, &p, &t, "main");
		if (d.pr == NULL)
			abort();
		discovery_release(&d);
		github_pulls_release(&p);
	}
	free(page);
}

BENCH(PrtextMetaParse)
{
	static const struct prtext_change files[] = {
		{ ".github/workflows/ci.yml", "modified" }, { "LICENSE", "added" },
	};
	struct prtext_in in = { "acme/templates", "main",
		"0123456789abcdef0123456789abcdef01234567", "acme/api", "main",
		"d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1", files, 2, NULL, NULL, 0 };
	struct buf body = BUF_INIT;
	struct prtext_meta m;
	uint64_t i;

	prtext_body(&body, &in, 0);
	bench_reset_timer(b);
	for (i = 0; i < b->n; i++) {
		if (prtext_meta_parse(&m, body.ptr) != 0)
			abort();
		prtext_meta_release(&m);
	}
	buf_release(&body);
}
