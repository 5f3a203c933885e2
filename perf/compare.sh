#!/bin/sh
# compare.sh BASELINE NEW: per benchmark, the median, min and max ns/op of
# each file's runs (Go benchmark lines, any number of runs per name, as
# `bench -count N` prints them) and the change of the median, like
# benchstat; allocs/op too when they differ. A benchmark new since the
# baseline is listed as such; the baseline's that were not run now are
# counted. Exit 2 on a missing or empty file.
set -eu
[ $# -eq 2 ] || { echo "usage: sh perf/compare.sh BASELINE NEW" >&2; exit 2; }
for f in "$1" "$2"; do
	[ -s "$f" ] || { echo "compare: no benchmark lines in '$f'" >&2; exit 2; }
done
awk -v base="$1" '
function median(v, n,    i, j, t, a) {
	for (i = 1; i <= n; i++) a[i] = v[i]
	for (i = 2; i <= n; i++) {       # insertion sort: a handful of runs
		t = a[i]
		for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]
		a[j + 1] = t
	}
	amin = a[1]; amax = a[n]
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function fmt(ns) {
	if (ns >= 1e9) return sprintf("%.3fs", ns / 1e9)
	if (ns >= 1e6) return sprintf("%.3fms", ns / 1e6)
	if (ns >= 1e3) return sprintf("%.3fus", ns / 1e3)
	return sprintf("%.1fns", ns)
}
# Go format: BenchmarkName-2  N  123.4 ns/op [ MB/s] B/op allocs/op
/^Benchmark/ {
	name = $1; sub(/^Benchmark/, "", name); sub(/-[0-9]+$/, "", name)
	ns = ""; al = ""
	for (i = 2; i < NF; i++) {
		if ($(i + 1) == "ns/op") ns = $i
		if ($(i + 1) == "allocs/op") al = $i
	}
	if (ns == "") next
	f = FILENAME == base ? "b" : "n"
	if (!((f, name) in cnt)) { cnt[f, name] = 0; if (!(name in seen)) { seen[name] = 1; order[++nn] = name } }
	k = ++cnt[f, name]
	val[f, name, k] = ns; allocs[f, name, k] = al
}
END {
	printf "%-36s %12s %12s %12s %12s %8s  %s\n", "benchmark", "base median", "new median", "new min", "new max", "delta", "allocs/op"
	for (i = 1; i <= nn; i++) {
		name = order[i]
		nb = (("b", name) in cnt) ? cnt["b", name] : 0
		nw = (("n", name) in cnt) ? cnt["n", name] : 0
		if (nw == 0) { notrun++; continue }
		if (nb == 0) {
			printf "%-36s %s\n", name, "(new: not in the baseline)"
			continue
		}
		for (k = 1; k <= nb; k++) vb[k] = val["b", name, k]
		mb = median(vb, nb)
		for (k = 1; k <= nw; k++) vn[k] = val["n", name, k]
		mn = median(vn, nw); lo = amin; hi = amax
		d = mb > 0 ? (mn - mb) / mb * 100 : 0
		ab = allocs["b", name, nb]; an = allocs["n", name, nw]
		printf "%-36s %12s %12s %12s %12s %+7.1f%%  %s\n", name, fmt(mb), fmt(mn), fmt(lo), fmt(hi), d, ab == an ? an : ab " -> " an
	}
	if (notrun) printf "(%d benchmark(s) of the baseline not run now)\n", notrun
	printf "(%s: the baseline; medians of each file'"'"'s runs; delta is the new median against the baseline'"'"'s)\n", base
}' "$1" "$2"
