#!/bin/bash
# repocast run as a GitHub App against the forge, as sync_app.sh does for
# sync: repositories chosen over the API with the owner's installation
# (--user, a --search naming its owner), each worker's clone and push and
# each PR made with the installation token of its repository's owner (two
# owners, two installations), an owner without the App failing alone
# (cause auth), a token refreshed inside one run (short expiry) and a 401
# answered once with a fresh one, a JWT signed with the wrong key refused
# before any write (exit 3), --token-file beside an App refused (exit 2);
# never a key, a JWT or a token in the output or the report.
source "$(dirname "$0")/app_lib.bash"
app_lib_init
seed_targets main acme/a acme/b beta/c beta/d gamma/e acme/r1 acme/r2 acme/r3 acme/r4
printf '%s\n' acme/a acme/b gamma/e > "$T/repos"

# app_run KEY ARGS...: repocast run as App 4242 (from the environment) with KEY.
app_run() {
	local key=$1
	shift
	GITHUB_APP_ID=4242 GITHUB_APP_PRIVATE_KEY_FILE=$key \
	    "$RC" run --report-dir "$T/runs" --git-url "http://127.0.0.1:$PORT/git" \
	    --api-url "http://127.0.0.1:$PORT/api/v3" --no-progress --retries 0 "$@"
}
CMD='echo "changed by $REPOCAST_REPO" >> README.md'

# --- selection over the API as the App: --user with beta's installation, a
# search with the installation of the owner its query names
m=$(mark)
app_run "$T/app.pem" --user beta --search 'user:acme' --dry-run > "$T/out" 2> "$T/err" ||
    { cat "$T/err"; fail "--dry-run as the App"; }
[ "$(sort "$T/out" | tr '\n' ' ')" = "acme/a acme/b acme/r1 acme/r2 acme/r3 acme/r4 beta/c beta/d " ] ||
    { cat "$T/out" "$T/err"; fail "--dry-run as the App: $(cat "$T/out")"; }
python3 - <(since "$m") <<'PY' || fail "the selection's requests were not made with the owner's installation"
import json, sys
d = json.load(open(sys.argv[1]))
lists = [(r["path"].split("?")[0], r.get("installation")) for r in d
         if "/users/beta/repos" in r["path"] or "/search/repositories" in r["path"]]
assert sorted(set(lists)) == [("/api/v3/search/repositories", 1001),
                              ("/api/v3/users/beta/repos", 1002)], lists
PY
no_secrets "$T/out" "$T/err"
# a search that names no owner: refused (exit 3) unless one installation is
# configured for every owner
set +e
app_run "$T/app.pem" --search 'README' --dry-run > "$T/out" 2> "$T/err"
rc=$?
set -e
[ "$rc" -eq 3 ] || { cat "$T/err"; fail "a search naming no owner: exit $rc, want 3"; }
grep -q "GitHub App 4242: no installation for a request that names no owner (set repocast.auth.installation_id)" \
    "$T/err" || { cat "$T/err"; fail "a search naming no owner: the error"; }
m=$(mark)
GITHUB_APP_INSTALLATION_ID=1002 app_run "$T/app.pem" --search 'README user:beta' --search 'd' \
    --dry-run > "$T/out" 2> "$T/err" || { cat "$T/err"; fail "a search with installation_id"; }
grep -qx "beta/d" "$T/out" || { cat "$T/out"; fail "a search with installation_id: no beta/d"; }
pjt '{r.get("installation") for r in d if "/search/" in r["path"]} == {1002}' <(since "$m") ||
    fail "a search with installation_id: not installation 1002's token"
echo "run_app: selection: ok"

# --- two owners with the App, one without: the PRs are the App's, gamma/e
# fails with cause auth and the others go on
owners_check "first run" GITHUB_APP_ID app_run "$T/app.pem" --repos "$T/repos" --user beta \
    --jobs 2 --branch repocast/app -- sh -c "$CMD"
for n in acme/a acme/b beta/c beta/d; do
	git -C "$T/forge/$n.git" show repocast/app:README.md | grep -q "changed by $n" ||
	    fail "$n: the branch does not hold the command's change"
done
grep -q "^FAIL.*gamma/e.*GitHub App 4242 is not installed on 'gamma'" "$T/out" ||
    { cat "$T/out"; fail "gamma/e: no FAIL line saying why"; }
# Every request about acme/* carried installation 1001's token, beta/* 1002's:
# the listing, the clones, the pushes and the PRs; gamma/e was not touched.
owner_requests api clone push pr
pjt 'not [r for r in d if "/gamma/" in r["path"] and (r["method"] != "GET" or "upload-pack" in r["path"])]' \
    "$T/slice.json" || fail "gamma/e was cloned or written"
no_secrets "$T/out" "$T/err" $(find "$(dirname "$REP")" -type f)
echo "run_app: two installations: ok"

# --- a token that expires in 4 s, in a run of several seconds: replaced
# inside the run (a worker gets its token when it starts); and a 401 on a
# PR create answered once (nothing was done) with a fresh token
printf '%s\n' acme/r1 acme/r2 acme/r3 acme/r4 > "$T/repos2"
refresh_check run_app 4 app_run "$T/app.pem" --repos "$T/repos2" --jobs 1 --branch repocast/app \
    -- sh -c "sleep 0.5; $CMD"

# --- a JWT signed with another key: refused, exit 3, nothing run or written
wrong_key_check "wrong key" GITHUB_APP_ID app_run "$T/other.pem" --repos "$T/repos" \
    --branch repocast/other -- sh -c "$CMD"
pjt 'not [r for r in d if r["method"] != "GET" or "upload-pack" in r["path"]]' "$T/slice.json" ||
    fail "wrong key: a worker ran or something was written"
echo "run_app: wrong key: ok"

# --- --token-file beside an App: refused (exit 2), nothing sent
m=$(mark)
set +e
app_run "$T/app.pem" --repos "$T/repos" --token-file "$T/token" -- true > "$T/out" 2> "$T/err"
rc=$?
set -e
[ "$rc" -eq 2 ] || { cat "$T/err"; fail "--token-file with an App: exit $rc, want 2"; }
grep -q -- "--token-file and a GitHub App (GITHUB_APP_ID) are both given: use one" "$T/err" ||
    { cat "$T/err"; fail "--token-file with an App: the error"; }
[ "$(mark)" -eq "$m" ] || fail "--token-file with an App: requests were sent"
# --- a token run still says so in its report
"$RC" run --report-dir "$T/runs" --git-url "http://127.0.0.1:$PORT/git" --no-progress \
    --token-file "$T/token" --repos "$T/repos" --no-pr -- true > "$T/out" 2> "$T/err" ||
    { cat "$T/err"; fail "token run"; }
pjt 'd["run"]["auth"] == {"kind": "token", "source": "--token-file"}' "$(last_report)" ||
    fail "token run: report's auth $(pj 'd["run"]["auth"]' "$(last_report)")"
echo "run_app: ok"
