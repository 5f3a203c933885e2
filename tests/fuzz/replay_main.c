/*
 * Replays every fuzz target over its corpus without libFuzzer, so that
 * `make check` (gcc, sanitizers optional) exercises each saved input.
 * Usage: fuzz_replay CORPUS_ROOT — for target fuzz_X, reads every file in CORPUS_ROOT/X/.
 * Prints one line per target and exits 1 when a corpus is missing or
 * empty, or when a target answers non-zero for an input (a wrong answer it
 * could tell: tests/fuzz/fuzz.h), naming each such input. A crash in a
 * target (BUG() on a broken invariant, a signal) is a crash of this
 * program, which the runner reports; the input it crashed on is written
 * to stderr first.
 */
#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/buf.h"
#include "shared/util.h"

#define TARGET(n) int fuzz_##n(const uint8_t *data, size_t size);
#include "fuzz_targets.inc"
#undef TARGET

struct target {
	const char *name;
	int (*fn)(const uint8_t *, size_t);
};

static const struct target targets[] = {
#define TARGET(n) { #n, fuzz_##n },
#include "fuzz_targets.inc"
#undef TARGET
};

/* The input being replayed, for the crash message (set before each run). */
static const char *current;

static void
on_crash(int sig)
{
	static const char what[] = "fuzz replay: crashed on ";

	if (current != NULL) {
		(void)!write(2, what, sizeof(what) - 1);
		(void)!write(2, current, strlen(current));
		(void)!write(2, "\n", 1);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

int
main(int argc, char **argv)
{
	const char *root = argc > 1 ? argv[1] : "tests/fuzz/corpus";
	size_t i;
	int bad = 0;

	signal(SIGABRT, on_crash);
	signal(SIGSEGV, on_crash);
	signal(SIGBUS, on_crash);
	signal(SIGFPE, on_crash);

	for (i = 0; i < ARRAY_SIZE(targets); i++) {
		char *dir = xasprintf("%s/%s", root, targets[i].name);
		DIR *d = opendir(dir);
		struct dirent *de;
		size_t n = 0;

		if (d == NULL) {
			printf("fuzz %s: no corpus at %s\n", targets[i].name, dir);
			bad = 1;
			free(dir);
			continue;
		}
		while ((de = readdir(d)) != NULL) {
			struct buf b = BUF_INIT;
			char *path;

			if (de->d_name[0] == '.')
				continue;
			path = xasprintf("%s/%s", dir, de->d_name);
			if (buf_read_file(&b, path) == 0) {
				current = path;
				if (targets[i].fn((const uint8_t *)b.ptr, b.len) != 0) {
					printf("fuzz %s: wrong answer for %s\n", targets[i].name, path);
					bad = 1;
				}
				current = NULL;
				n++;
			}
			buf_release(&b);
			free(path);
		}
		closedir(d);
		printf("fuzz %s: replayed %zu inputs\n", targets[i].name, n);
		if (n == 0)
			bad = 1;
		free(dir);
	}
	return bad;
}
