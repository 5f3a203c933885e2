/*
 * bench_time — the -benchtime argument, in Go's syntax (see bench.h):
 * a duration ("200ms", "2s", "1m", "1.5s", "1h2m", units ns us µs ms s m
 * h) or an iteration count ("100x"). A bare number is read as seconds,
 * as this harness did before it spoke Go's syntax (Go refuses it).
 */
#include <stdlib.h>
#include <string.h>

#include "perf/bench.h"

static int
unit_ns(double *out, const char *s, size_t *len)
{
	static const struct { const char *name; double ns; } units[] = {
		{ "ns", 1 }, { "us", 1e3 }, { "\xc2\xb5s", 1e3 }, { "ms", 1e6 },
		{ "s", 1e9 }, { "m", 60e9 }, { "h", 3600e9 },
	};
	size_t i, best = 0, bestlen = 0;

	/* The longest unit that matches ("ms" before "m"). */
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		size_t n = strlen(units[i].name);

		if (strncmp(s, units[i].name, n) == 0 && n > bestlen) {
			best = i;
			bestlen = n;
		}
	}
	if (bestlen == 0)
		return -1;
	*out = units[best].ns;
	*len = bestlen;
	return 0;
}

int
bench_parse_time(struct bench_time *out, const char *s)
{
	const char *p = s;
	double total = 0;
	char *end;

	memset(out, 0, sizeof(*out));
	if (s == NULL || *s == '\0')
		return -1;
	if (s[strlen(s) - 1] == 'x') {
		unsigned long long n;

		if (*s < '0' || *s > '9')
			return -1;
		n = strtoull(s, &end, 10);
		if (end != s + strlen(s) - 1 || n == 0)
			return -1;
		out->iterations = n;
		return 0;
	}
	while (*p != '\0') {
		double v, mult;
		size_t ulen;

		if ((*p < '0' || *p > '9') && *p != '.')
			return -1;
		v = strtod(p, &end);
		if (end == p)
			return -1;
		if (*end == '\0') {
			/* A bare number: seconds, and only alone. */
			if (p != s)
				return -1;
			total = v * 1e9;
			p = end;
			break;
		}
		if (unit_ns(&mult, end, &ulen) < 0)
			return -1;
		total += v * mult;
		p = end + ulen;
	}
	if (!(total > 0) || total > 1e15)
		return -1;
	out->seconds = total / 1e9;
	return 0;
}
