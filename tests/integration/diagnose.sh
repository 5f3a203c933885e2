#!/bin/bash
# repocast diagnose: against the forge every check passes (exit 0) and the
# JSON names the versions, the worker and plugin found, the token's source,
# login and scopes (from X-OAuth-Scopes) but never the token, the rate
# limit, the cache's size and the report dir's runs; a missing worker, a
# missing token, a token the API refuses and an API that does not answer
# each give exit 3 and say which; a bad config is exit 2.
source "$(dirname "$0")/sync_lib.bash"
sync_lib_init
forge_start

write_config <<'EOF2'
version: 1
repocast:
  api_url: http://127.0.0.1:@PORT@/api/v3
  git_url: http://127.0.0.1:@PORT@/git
  cache_dir: @T@/cache-dir
  report: {dir: @T@/runs}
groups:
  - name: g
    id: g
    source: {repo: acme/source, branch: main}
    targets:
      - repo: acme/a
        files: [{src: f.txt, dest: f.txt}]
EOF2
sed -i "s|@T@|$T|g" "$T/sync.yaml"
mkdir -p "$T/cache-dir/x" "$T/runs/r1" "$T/runs/r2" "$T/runs/junk"
head -c 3000 /dev/zero > "$T/cache-dir/x/a"
head -c 1000 /dev/zero > "$T/cache-dir/b"
echo '{}' > "$T/runs/r1/report.json"
echo '{}' > "$T/runs/r2/report.json"
tok=$(cat "$T/token")

diag() { # want_rc args...
	local want=$1 rc
	shift
	set +e
	"$RC" diagnose -c "$T/sync.yaml" "$@" > "$T/out" 2> "$T/err"
	rc=$?
	set -e
	[ "$rc" -eq "$want" ] || { cat "$T/out" "$T/err"; fail "diagnose $*: exit $rc, want $want"; }
	! grep -q "$tok" "$T/out" "$T/err" || fail "diagnose $* printed the token"
}
set -e

diag 0 --token-file "$T/token" --json
j=$T/out
for lib in repocast libgit2 libcurl msgpack-c libyaml jansson; do
	pjt "len(d['versions']['$lib']) > 0 and d['versions']['$lib'][0].isdigit()" "$j" ||
	    fail "no version of $lib"
done
pjt "d['versions']['repocast'] == '$("$RC" --version | sed 's/^repocast \([^ ]*\).*/\1/')'" "$j" ||
    fail "repocast version differs from --version"
pjt "d['worker'] == {'path': '$BUILD/repocast-worker', 'found': True, 'libexecdir': d['worker']['libexecdir'], 'from': 'lookup'}" "$j" ||
    fail "worker"
pjt "d['plugin'] == {'path': '$BUILD/repocast-worker-git.so', 'found': True}" "$j" || fail "plugin"
pjt "d['token'] == {'present': True, 'from': '--token-file', 'accepted': True, 'login': 'demo', 'scopes': ['repo', 'workflow']}" "$j" ||
    fail "token"
pjt "d['api']['reachable'] and d['api']['url'] == 'http://127.0.0.1:$PORT/api/v3'" "$j" || fail "api"
pjt "d['commit'] == {'via': 'push', 'api_max_blobs': 100, 'api_max_bytes': 10485760}" "$j" ||
    fail "commit: $(pj "d['commit']" "$j")"
# the commit path a sync will take: through the API when the config says so
cp "$T/sync.yaml" "$T/sync.push.yaml"
sed -i 's|^  report: |  commit: {via: api, api_max_blobs: 7}\n  report: |' "$T/sync.yaml"
diag 0 --token-file "$T/token" --json
pjt "d['commit'] == {'via': 'api', 'api_max_blobs': 7, 'api_max_bytes': 10485760}" "$j" ||
    fail "commit via api: $(pj "d['commit']" "$j")"
diag 0 --token-file "$T/token"
grep -q "^commit: *api (Git Data API, no push; at most 7 new blobs, 10485760 bytes)" "$T/out" ||
    { cat "$T/out"; fail "diagnose text: no commit line"; }
cp "$T/sync.push.yaml" "$T/sync.yaml"
diag 0 --token-file "$T/token" --json
pjt "d['api']['rate_limit']['limit'] == 5000 and 0 < d['api']['rate_limit']['remaining'] <= 5000" "$j" ||
    fail "rate limit"
pjt "d['cache'] == {'path': '$T/cache-dir', 'exists': True, 'writable': True, 'bytes': 4000, 'files': 2}" "$j" ||
    fail "cache"
pjt "d['report_dir'] == {'path': '$T/runs', 'exists': True, 'writable': True, 'runs': 2}" "$j" ||
    fail "report dir"
pjt "d['ok'] is True" "$j" || fail "not ok"

# the token from the environment; text output
GITHUB_TOKEN=$tok diag 0
grep -q "^token: *from GITHUB_TOKEN, user demo, scopes: repo, workflow$" "$T/out" || fail "token line"
grep -q "^rate limit: [0-9]* of 5000 left" "$T/out" || fail "rate limit line"
grep -q "^cache: *$T/cache-dir (4000 bytes in 2 files)$" "$T/out" || fail "cache line"
grep -q "^ok$" "$T/out" || fail "ok line"

# a missing worker
REPOCAST_WORKER=$T/no-such-worker diag 3 --token-file "$T/token" --json
pjt "d['worker']['found'] is False and d['worker']['path'] == '$T/no-such-worker'" "$T/out" ||
    fail "missing worker not reported"
pjt "d['plugin']['found'] is False and d['ok'] is False" "$T/out" || fail "missing plugin"
REPOCAST_WORKER=$T/no-such-worker diag 3 --token-file "$T/token"
grep -q "^worker: *$T/no-such-worker (MISSING" "$T/out" || fail "worker line"
grep -q "missing" "$T/out" || fail "no verdict"

# no token at all
diag 3 --json
pjt "d['token']['present'] is False and 'no github token' in d['token']['error']" "$T/out" ||
    fail "missing token"
pjt "d['api']['reachable'] is True" "$T/out" || fail "api without token"

# a token the API refuses
printf 'tok-wrong\n' > "$T/bad"
chmod 600 "$T/bad"
diag 3 --token-file "$T/bad" --json
pjt "d['token']['accepted'] is False and d['token']['scopes'] is None and '401 Bad credentials' in d['api']['error']" "$T/out" ||
    fail "refused token"

# an API that does not answer
sed "s|127.0.0.1:$PORT/api|127.0.0.1:1/api|" "$T/sync.yaml" > "$T/down.yaml"
set +e
"$RC" diagnose -c "$T/down.yaml" --token-file "$T/token" --json > "$T/out" 2>&1
rc=$?
set -e
[ "$rc" -eq 3 ] || fail "unreachable api: exit $rc"
pjt "d['api']['reachable'] is False and len(d['api']['error']) > 0" "$T/out" || fail "api down"

# config and usage errors
diag 2 --bogus
grep -q "unknown option '--bogus'" "$T/err" || fail "unknown option"
echo "version: 2" > "$T/bad.yaml"
set +e
"$RC" diagnose -c "$T/bad.yaml" > "$T/out" 2> "$T/err"
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "bad config: exit $rc"
grep -q "bad.yaml:1:" "$T/err" || fail "config error without position"
echo ok
