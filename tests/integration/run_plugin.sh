#!/usr/bin/env bash
# The worker/plugin split (docs/architecture.md): repocast-worker does not
# link libgit2, repocast-worker-git.so does and defines nothing the worker
# defines; a worker without its plugin still runs "none:" entries, and a job
# that needs git fails with cause "plugin" and "cannot load '<path>': ...".
. "$(dirname "$0")/run_lib.bash"

readelf -d "$B/repocast-worker" >"$T/w.dyn"
grep -q 'NEEDED.*libgit2' "$T/w.dyn" && fail "repocast-worker links libgit2"
readelf -d "$B/repocast-worker-git.so" >"$T/p.dyn"
grep -q 'NEEDED.*libgit2' "$T/p.dyn" || fail "the plugin does not link libgit2"
# One copy of everything: err's buffer, the allocator wrappers, msg_*.
nm -D --defined-only "$B/repocast-worker" | awk '{print $3}' | sort >"$T/w.syms"
nm -D --defined-only "$B/repocast-worker-git.so" | awk '{print $3}' | sort >"$T/p.syms"
grep -qx plugin_git "$T/p.syms" || fail "the plugin does not export plugin_git"
grep -qx err_set "$T/w.syms" || fail "the worker does not export err_set"
dup=$(comm -12 "$T/w.syms" "$T/p.syms")
[ -z "$dup" ] || fail "defined by both the worker and the plugin: $dup"

make_repo "$T/src/repo"
printf '%s\n' "none:plain" "$T/src/repo" >"$T/repos"

# With the plugin: both run.
rc run --repos "$T/repos" --no-pr --jobs 2 --retries 0 --report-dir "$T/ok" -- true \
	>"$T/out" 2>&1 || { cat "$T/out"; fail "run with the plugin failed"; }

# A worker alone in its directory: no plugin next to it.
mkdir -p "$T/alone"
cp "$B/repocast-worker" "$T/alone/"
set +e
REPOCAST_WORKER=$T/alone/repocast-worker rc run --repos "$T/repos" --no-pr --jobs 2 \
	--retries 0 --report-dir "$T/runs" -- true >"$T/out" 2>&1
code=$?
set -e
[ "$code" -eq 1 ] || { cat "$T/out"; fail "exit status $code, want 1"; }
R=$(report_of "$T/runs")
t() { jget "$R" "[t for t in d['targets'] if t['name']=='$1'][0]['$2']"; }
[ "$(t plain cause)" = None ] || fail "none: needs no plugin: $(t plain cause)"
[ "$(t repo cause)" = plugin ] || fail "cause $(t repo cause), want plugin"
want="cannot load '$T/alone/repocast-worker-git.so': $T/alone/repocast-worker-git.so: cannot open shared object file: No such file or directory"
[ "$(t repo error)" = "$want" ] || fail "error '$(t repo error)', want '$want'"
grep -qF "$want" "$(dirname "$R")/targets/repo.log" || fail "the log does not say why"

# A plugin from another build: refused before any of its code runs.
cat >"$T/fake.c" <<'C'
struct plugin_ops { int abi; const char *version; void *f[4]; };
const struct plugin_ops plugin_git = { 999, "0.0.0-other", { 0, 0, 0, 0 } };
C
cc -shared -fPIC -o "$T/alone/repocast-worker-git.so" "$T/fake.c"
set +e
REPOCAST_WORKER=$T/alone/repocast-worker rc run --repos "$T/repos" --no-pr --jobs 1 \
	--retries 0 --report-dir "$T/runs2" -- true >"$T/out" 2>&1
set -e
R=$(report_of "$T/runs2")
[ "$(t repo cause)" = plugin ] || fail "stale plugin: cause $(t repo cause)"
case "$(t repo error)" in
"cannot load '$T/alone/repocast-worker-git.so': it is from repocast 0.0.0-other (plugin ABI 999), the worker is "*) ;;
*) fail "stale plugin: error '$(t repo error)'" ;;
esac

# Not a shared object at all.
head -c 4096 /dev/zero | tr '\0' x >"$T/alone/repocast-worker-git.so"
set +e
REPOCAST_WORKER=$T/alone/repocast-worker rc run --repos "$T/repos" --no-pr --jobs 1 \
	--retries 0 --report-dir "$T/runs3" -- true >"$T/out" 2>&1
set -e
R=$(report_of "$T/runs3")
[ "$(t repo cause)" = plugin ] || fail "bad plugin: cause $(t repo cause)"
case "$(t repo error)" in
"cannot load '$T/alone/repocast-worker-git.so': "*"invalid ELF header"*) ;;
*) fail "bad plugin: error '$(t repo error)'" ;;
esac
assert_no_leftovers
echo "run_plugin: ok"
