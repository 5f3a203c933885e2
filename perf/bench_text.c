/*
 * Source-side text helpers (DESIGN §9 micro budgets): binary detection of
 * 8 KiB < 200 ns; one exclusion match < 100 ns with 0 allocations;
 * {{VAR}} + repo-name transform of a 4 KiB file < 5 us. Each has a
 * baseline in the same run to compare against.
 */
#include <stdio.h>
#include <string.h>

#include "perf/bench.h"
#include "shared/binary.h"
#include "shared/buf.h"
#include "shared/glob.h"
#include "shared/transform.h"
#include "shared/util.h"

static char text8k[8192];

static void
fill_text(char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (char)(i % 61 == 60 ? '\n' : 'a' + (int)(i % 26));
}

/* Worst case for a text file: all 8000 sniffed bytes are scanned. */
BENCH(BinaryDetect8K)
{
	uint64_t i;
	size_t hits = 0;

	fill_text(text8k, sizeof(text8k));
	bench_set_bytes(b, BINARY_SNIFF);
	bench_reset_timer(b);
	for (i = 0; i < b->n; i++)
		hits += binary_detect(text8k, sizeof(text8k));
	bench_sink(&hits);
}

/* Baseline: a plain byte loop over the same 8000 bytes. */
BENCH(BinaryDetect8KByteLoop)
{
	uint64_t i;
	size_t hits = 0, j;
	const volatile char *p = text8k;

	fill_text(text8k, sizeof(text8k));
	bench_set_bytes(b, BINARY_SNIFF);
	bench_reset_timer(b);
	for (i = 0; i < b->n; i++) {
		for (j = 0; j < BINARY_SNIFF; j++)
			if (p[j] == '\0') {
				hits++;
				break;
			}
	}
	bench_sink(&hits);
}

static const char *const default_exclude[] = {
	"*.out", "*.test", "*.exe", "**/.DS_Store", "**/tmp/*", "**/.git",
};

static const char *const paths[] = {
	"cmd/server/main.go", "internal/sync/engine_test.go", "README.md",
	"pkg/tmp/scratch.txt", ".github/workflows/ci.yml", "bin/tool.exe",
	"docs/guide/install.md", "a/b/c/d/e/f/g.txt",
};

/* The default exclude list (what most directory mappings use). */
BENCH(ExcludeMatch)
{
	struct glob_set *s = NULL;
	uint64_t i;
	size_t hits = 0;

	glob_set_new(&s, default_exclude, ARRAY_SIZE(default_exclude));
	bench_reset_timer(b);
	for (i = 0; i < b->n; i++)
		hits += glob_set_match(s, paths[i & 7], false);
	bench_sink(&hits);
	glob_set_free(s);
}

/* A user set where every pattern goes through the wildcard matcher. */
BENCH(ExcludeMatchWildcards)
{
	static const char *const pats[] = {
		"docs/**/*.md", "internal/*/engine_*.go", "**/testdata/**", "[._]*", "!README.md",
		"cmd/*/main.go",
	};
	struct glob_set *s = NULL;
	uint64_t i;
	size_t hits = 0;

	glob_set_new(&s, pats, ARRAY_SIZE(pats));
	bench_reset_timer(b);
	for (i = 0; i < b->n; i++)
		hits += glob_set_match(s, paths[i & 7], false);
	bench_sink(&hits);
	glob_set_free(s);
}

/* A 4 KiB workflow/README-like file with a few rewrite sites. */
static void
make_4k(struct buf *in)
{
	static const char *const lines[] = {
		"name: ci for {{REPO_NAME}}\n",
		"on: [push, pull_request]\n",
		"jobs:\n  test:\n    runs-on: ubuntu-latest\n",
		"    steps:\n      - uses: actions/checkout@v4\n",
		"      - run: go test ./... # github.com/src-org/template/pkg\n",
		"# See https://github.com/src-org/template for details.\n",
		"      - run: make release VERSION=${VERSION} OWNER={{OWNER}}\n",
		"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod.\n",
	};
	size_t i = 0;

	while (in->len < 4096)
		buf_addstr(in, lines[i++ % ARRAY_SIZE(lines)]);
	buf_setlen(in, 4096);
}

BENCH(Transform4K)
{
	static const struct transform_pair vars[] = {
		{ "REPO_NAME", "api" }, { "OWNER", "acme" }, { "VERSION", "1.2.3" },
	};
	struct transform_spec spec;
	struct transform *t = NULL;
	struct buf in = BUF_INIT, out = BUF_INIT;
	uint64_t i;

	make_4k(&in);
	memset(&spec, 0, sizeof(spec));
	spec.repo_from = "src-org/template";
	spec.repo_to = "acme/api";
	spec.vars = vars;
	spec.nvars = ARRAY_SIZE(vars);
	transform_new(&t, &spec);
	transform_apply(&out, t, "README.md", in.ptr, in.len); /* size the output buffer once */
	bench_set_bytes(b, in.len);
	bench_reset_timer(b);
	for (i = 0; i < b->n; i++)
		transform_apply(&out, t, "README.md", in.ptr, in.len);
	bench_sink(out.ptr);
	transform_free(t);
	buf_release(&in);
	buf_release(&out);
}

/* Baseline: copying the same 4 KiB into the output buffer. */
BENCH(Transform4KCopyOnly)
{
	struct buf in = BUF_INIT, out = BUF_INIT;
	uint64_t i;

	make_4k(&in);
	buf_grow(&out, in.len);
	bench_set_bytes(b, in.len);
	bench_reset_timer(b);
	for (i = 0; i < b->n; i++) {
		buf_reset(&out);
		buf_add(&out, in.ptr, in.len);
	}
	bench_sink(out.ptr);
	buf_release(&in);
	buf_release(&out);
}
