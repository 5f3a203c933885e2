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
source "$(dirname "$0")/sync_lib.bash"
sync_lib_init
forge_start
source "$(dirname "$0")/app_lib.bash"

genkey app
genkey other
app_json 3600
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
echo "run_app: selection: ok"

# --- two owners with the App, one without: the PRs are the App's, gamma/e
# fails with cause auth and the others go on
m=$(mark)
set +e
app_run "$T/app.pem" --repos "$T/repos" --user beta --jobs 2 --branch repocast/app \
    -- sh -c "$CMD" > "$T/out" 2> "$T/err"
rc=$?
set -e
since "$m" > "$T/slice.json"
cat "$T/err"
[ "$rc" -eq 1 ] || fail "first run: exit $rc, want 1 (gamma/e fails)"
rep=$(last_report)
for n in acme/a acme/b beta/c beta/d; do
	[ "$(outcome "$rep" $n)" = pushed ] || fail "$n: $(outcome "$rep" $n), want pushed"
	login=$(api "/repos/$n/pulls" | pj 'd[0]["user"]["login"]')
	[ "$login" = "repocast-test[bot]" ] || fail "$n: PR opened by '$login', not the App"
	git -C "$T/forge/$n.git" show repocast/app:README.md | grep -q "changed by $n" ||
	    fail "$n: the branch does not hold the command's change"
done
[ "$(outcome "$rep" gamma/e)" = failed ] || fail "gamma/e: $(outcome "$rep" gamma/e)"
pjt '[t for t in d["targets"] if t["name"] == "gamma/e"][0]["cause"] == "auth"' "$rep" ||
    fail "gamma/e: cause is not auth"
pjt '"GitHub App 4242 is not installed on '"'gamma'"'" in [t for t in d["targets"] if t["name"] == "gamma/e"][0]["error"]' \
    "$rep" || fail "gamma/e: the error does not say the App is not installed"
grep -q "^FAIL.*gamma/e.*GitHub App 4242 is not installed on 'gamma'" "$T/out" ||
    { cat "$T/out"; fail "gamma/e: no FAIL line saying why"; }
[ -z "$(ls "$T/forge/gamma/e.git/refs/heads/" | grep -v main)" ] || fail "gamma/e: pushed"
pjt 'd["run"]["auth"]["kind"] == "app" and d["run"]["auth"]["app_id"] == "4242" and d["run"]["auth"]["source"] == "GITHUB_APP_ID"' \
    "$rep" || fail "report: run.auth is not the App: $(pj 'd["run"]["auth"]' "$rep")"
pjt '{i["owner"]: i["id"] for i in d["run"]["auth"]["installations"]} == {"acme": 1001, "beta": 1002, "gamma": None}' \
    "$rep" || fail "report: installations $(pj 'd["run"]["auth"]["installations"]' "$rep")"
# Every request about acme/* carried installation 1001's token, beta/* 1002's:
# the listing, the clones, the pushes and the PRs.
python3 - "$T/slice.json" <<'PY' || fail "requests were not made with the owner's installation"
import json, re, sys
d = json.load(open(sys.argv[1]))
seen = {"acme": set(), "beta": set()}
for r in d:
    m = re.match(r"/(?:api/v3/repos|api/v3/users|git)/(acme|beta)/", r["path"])
    # (git's first request carries no credentials: its 401 asks for them)
    if m and not r["path"].endswith("/installation") and r["auth"]:
        assert r.get("installation") == {"acme": 1001, "beta": 1002}[m.group(1)], r
        kind = ("push" if "receive-pack" in r["path"] else "clone" if "upload-pack" in r["path"]
                else "pr" if r["method"] == "POST" and r["path"].endswith("/pulls") else "api")
        seen[m.group(1)].add(kind)
assert seen == {"acme": {"api", "clone", "push", "pr"},
                "beta": {"api", "clone", "push", "pr"}}, seen
assert not [r for r in d if "/gamma/" in r["path"] and r["method"] != "GET"], "gamma written"
assert not [r for r in d if "upload-pack" in r["path"] and "/gamma/" in r["path"]], \
    "gamma/e was cloned"
tok = sorted(r["path"] for r in d if r["path"].endswith("/access_tokens"))
assert tok == ["/api/v3/app/installations/1001/access_tokens",
               "/api/v3/app/installations/1002/access_tokens"], tok
PY
no_secrets "$T/out" "$T/err" $(find "$(dirname "$rep")" -type f)
echo "run_app: two installations: ok"

# --- a token that expires in 4 s, in a run of several seconds: replaced
# inside the run (a worker gets its token when it starts); and a 401 on a
# PR create answered once (nothing was done) with a fresh token
app_json 4
printf '%s\n' acme/r1 acme/r2 acme/r3 acme/r4 > "$T/repos2"
curl -s -X POST --data '{"kind":"status","status":401,"message":"Bad credentials","method":"POST","path":"/repos/acme/r3/pulls$","count":1}' \
    "http://127.0.0.1:$PORT/_forge/faults" > /dev/null
m=$(mark)
t0=$(date +%s%N)
app_run "$T/app.pem" --repos "$T/repos2" --jobs 1 --branch repocast/app \
    -- sh -c "sleep 0.5; $CMD" > "$T/out" 2> "$T/err" || { cat "$T/err"; fail "refresh run failed"; }
t1=$(date +%s%N)
since "$m" > "$T/slice.json"
rep=$(last_report)
for n in acme/r1 acme/r2 acme/r3 acme/r4; do
	[ "$(outcome "$rep" $n)" = pushed ] || fail "$n: $(outcome "$rep" $n), want pushed"
	[ "$(api "/repos/$n/pulls" | pj 'd[0]["user"]["login"]')" = "repocast-test[bot]" ] ||
	    fail "$n: PR not by the App"
done
minted=$(pj 'len([r for r in d if r["path"].endswith("/installations/1001/access_tokens")])' "$T/slice.json")
refused=$(pj 'len([r for r in d if r["status"] == 401 and r["path"].startswith("/api/")])' "$T/slice.json")
echo "refresh run: $(( (t1 - t0) / 1000000 )) ms, $minted tokens minted, $refused answers 401"
[ "$minted" -ge 3 ] || fail "a 4 s token was minted $minted times in one run, want >= 3"
[ "$refused" -eq 1 ] || fail "$refused answers were 401 (only the injected one should be)"
pjt '[i for i in d["run"]["auth"]["installations"] if i["owner"] == "acme"][0]["tokens"] >= 3' \
    "$rep" || fail "report: tokens minted"
no_secrets "$T/out" "$T/err" $(find "$(dirname "$rep")" -type f)
curl -s -X DELETE "http://127.0.0.1:$PORT/_forge/faults" > /dev/null
app_json 3600
echo "run_app: refresh: ok"

# --- a JWT signed with another key: refused, exit 3, nothing run or written
m=$(mark)
set +e
app_run "$T/other.pem" --repos "$T/repos" --branch repocast/other -- sh -c "$CMD" \
    > "$T/out" 2> "$T/err"
rc=$?
set -e
cat "$T/err"
[ "$rc" -eq 3 ] || fail "wrong key: exit $rc, want 3"
grep -q "GitHub App 4242 (from GITHUB_APP_ID): the API refused its JWT" "$T/err" ||
    fail "wrong key: the error does not say the JWT was refused"
grep -q "A JSON web token could not be decoded" "$T/err" || fail "wrong key: GitHub's message"
[ -z "$(since "$m" | pj '[r["method"] + " " + r["path"] for r in d if r["method"] != "GET"]' | grep -v '^\[\]$')" ] ||
    fail "wrong key: something was written"
[ -z "$(since "$m" | pj '[r["path"] for r in d if "upload-pack" in r["path"]]' | grep -v '^\[\]$')" ] ||
    fail "wrong key: a worker ran"
no_secrets "$T/out" "$T/err"
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
