#!/bin/bash
# Repositories by query (`run --org/--user/--search/--topic`) against the
# forge: exactly the right repositories, archived ones and forks skipped
# unless asked, pagination past one page, the union of sources, the list
# in --dry-run and in report.json; the GitHub environment (GITHUB_API_URL,
# GITHUB_SERVER_URL, GH_HOST) and where an unreachable api_url came from;
# a fake `gh auth token`; no token over http git names --token-file.
source "$(dirname "$0")/sync_lib.bash"
sync_lib_init
forge_start
URL=http://127.0.0.1:$PORT
TOKEN=$(cat "$T/token")

# attrs OWNER/NAME JSON: set a forge repository's topics, archived, fork.
attrs() {
	curl -sf -X POST --data "$2" "$URL/_forge/repos/$1" >/dev/null || fail "attrs $1 $2"
}

seed_targets main acme/api acme/cli acme/web acme/old acme/fork bob/tool bob/notes
attrs acme/api '{"topics":["go"]}'
attrs acme/cli '{"topics":["ci","go"]}'
attrs acme/web '{"topics":["js"]}'
attrs acme/old '{"topics":["go"],"archived":true}'
attrs acme/fork '{"topics":["go"],"fork":true}'
attrs bob/tool '{"topics":["go"]}'
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST --data '{}' "$URL/_forge/repos/nosuch/x")
[ "$code" = 404 ] || fail "attrs of a missing repository: $code, want 404"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST --data '{"topics":["Go Lang"]}' \
    "$URL/_forge/repos/acme/api")
[ "$code" = 400 ] || fail "a bad topic: $code, want 400"
# 120 repositories: two pages of 100.
mkdir -p "$T/forge/many"
for i in $(seq -w 1 120); do git init -q --bare "$T/forge/many/r$i.git"; done

# q ARGS...: repocast run with the forge's URLs and the token.
q() {
	"$RC" run --api-url "$URL/api/v3" --git-url "$URL/git" --token-file "$T/token" \
	    --report-dir "$T/runs" --no-progress "$@"
}
lines() { tr '\n' ' ' <"$1" | sed 's/ $//'; }

# --- the forge answers as GitHub does ---------------------------------------
api "/orgs/acme/repos?per_page=2&sort=full_name" >"$T/p1.json"
pjt '(len(d) == 2 and d[0]["full_name"] == "acme/api" and d[0]["topics"] == ["go"]
     and "archived" in d[0] and "fork" in d[0] and "organization" not in d[0])' "$T/p1.json" ||
	fail "org listing: $(pj '[(i["full_name"], i.get("topics")) for i in d]' "$T/p1.json")"
link=$(curl -sf -D - -o /dev/null -H "Authorization: Bearer $TOKEN" \
    "$URL/api/v3/orgs/acme/repos?per_page=2&sort=full_name" | tr -d '\r' | sed -n 's/^Link: //ip')
case $link in
*'page=2>; rel="next"'*'page=3>; rel="last"'*) ;;
*) fail "org listing Link header: $link" ;;
esac
api "/search/repositories?q=topic:go%20org:acme" >"$T/s.json"
pjt '(d["total_count"] == 3 and d["incomplete_results"] is False and
     sorted(i["full_name"] for i in d["items"]) == ["acme/api", "acme/cli", "acme/old"]
     and all("score" in i for i in d["items"]))' "$T/s.json" ||
	fail "search (forks left out, archived in): $(pj '[i["full_name"] for i in d["items"]]' "$T/s.json")"
api "/search/repositories?q=topic:go%20fork:only" | pjt '[i["full_name"] for i in d["items"]] == ["acme/fork"]' ||
	fail "search fork:only"
api "/search/repositories?q=user:bob%20archived:false" | pjt 'd["total_count"] == 2' ||
	fail "search user: archived:false"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$URL/api/v3/orgs/nobody/repos")
[ "$code" = 404 ] || fail "missing org: $code, want 404"

# --- --org --topic: exactly the right repositories ---------------------------
q --org acme --topic go --dry-run >"$T/out" 2>"$T/err" || { cat "$T/err"; fail "dry run failed"; }
[ "$(lines "$T/out")" = "acme/api acme/cli" ] || fail "org acme topic go: $(lines "$T/out")"
grep -qx "skipped acme/old (archived, org:acme)" "$T/err" || fail "archived not reported: $(cat "$T/err")"
grep -qx "skipped acme/fork (fork, org:acme)" "$T/err" || fail "fork not reported: $(cat "$T/err")"
grep -qx "skipped acme/web (no matching topic, org:acme)" "$T/err" || fail "topic skip: $(cat "$T/err")"
grep -q "2 repositories would run (--dry-run: nothing ran, no run directory written)" "$T/err" ||
	fail "dry-run summary: $(cat "$T/err")"
[ ! -e "$T/runs" ] || fail "--dry-run wrote a run directory"

q --org acme --topic go --include-archived --dry-run >"$T/out" 2>"$T/err" || fail "include-archived"
[ "$(lines "$T/out")" = "acme/api acme/cli acme/old" ] || fail "include-archived: $(lines "$T/out")"
q --org acme --topic go --include-forks --include-archived --dry-run >"$T/out" 2>/dev/null ||
	fail "include-forks"
[ "$(lines "$T/out")" = "acme/api acme/cli acme/fork acme/old" ] || fail "include-forks: $(lines "$T/out")"
# Any one topic is enough.
q --org acme --topic js --topic ci --dry-run >"$T/out" 2>/dev/null || fail "two topics"
[ "$(lines "$T/out")" = "acme/cli acme/web" ] || fail "two topics: $(lines "$T/out")"

# --- pagination: 120 repositories, two pages -----------------------------------
mark=$(curl -sf "$URL/_forge/requests" | pj 'max([r["seq"] for r in d] or [0])')
q --org many --dry-run >"$T/out" 2>/dev/null || fail "org many"
[ "$(wc -l <"$T/out")" -eq 120 ] || fail "org many: $(wc -l <"$T/out") repositories, want 120"
[ "$(head -n 1 "$T/out") $(tail -n 1 "$T/out")" = "many/r001 many/r120" ] || fail "org many order"
curl -sf "$URL/_forge/requests?since=$mark" >"$T/req.json"
pjt '(sum(1 for r in d if r["path"].startswith("/api/v3/orgs/many/repos")) == 2 and
     any("page=2" in r["path"] for r in d))' "$T/req.json" || fail "not two pages: $(cat "$T/req.json")"

# --- --user, --search, the union --------------------------------------------------
q --user bob --dry-run >"$T/out" 2>/dev/null || fail "user"
[ "$(lines "$T/out")" = "bob/notes bob/tool" ] || fail "user bob: $(lines "$T/out")"
q --search "topic:go org:acme" --dry-run >"$T/out" 2>"$T/err" || fail "search"
[ "$(lines "$T/out")" = "acme/api acme/cli" ] || fail "search: $(lines "$T/out")"
grep -q "skipped acme/old (archived, search:topic:go org:acme)" "$T/err" || fail "search archived: $(cat "$T/err")"
q --search "topic:go org:acme" --include-forks --dry-run >"$T/out" 2>/dev/null || fail "search forks"
[ "$(lines "$T/out")" = "acme/api acme/cli acme/fork" ] || fail "search include-forks: $(lines "$T/out")"
printf 'acme/api\n' >"$T/repos"
q --repos "$T/repos" --org acme --topic go --user bob --dry-run >"$T/out" 2>"$T/err" || fail "union"
[ "$(lines "$T/out")" = "acme/api acme/cli bob/tool" ] || fail "union: $(lines "$T/out")"
grep -q "skipped acme/api (listed before, org:acme)" "$T/err" || fail "union duplicate: $(cat "$T/err")"
set +e
q --org nobody --dry-run >"$T/out" 2>"$T/err"
code=$?
set -e
[ "$code" -eq 2 ] || fail "missing org: exit $code, want 2"
grep -q "organization 'nobody' not found (or no access); for a user's repositories use --user" "$T/err" ||
	fail "missing org message: $(cat "$T/err")"

# --- a real run: what ran, and run.selection in the report ---------------------
q --org acme --topic go --no-pr -- sh -c 'echo "$REPOCAST_REPO" >>"$0"' "$T/ran" >"$T/out" 2>&1 ||
	{ cat "$T/out"; fail "run failed"; }
[ "$(sort "$T/ran" | lines /dev/stdin)" = "acme/api acme/cli" ] || fail "ran: $(lines "$T/ran")"
R=$(last_report)
pjt '(d["run"]["selection"]["sources"] == ["org:acme"] and d["run"]["selection"]["topics"] == ["go"]
     and d["run"]["selection"]["include_archived"] is False
     and [(p["name"], p["skipped"]) for p in d["run"]["selection"]["repos"]] ==
         [("acme/api", None), ("acme/cli", None), ("acme/fork", "fork"), ("acme/old", "archived"),
          ("acme/web", "no matching topic")]
     and all(p["source"] == "org:acme" for p in d["run"]["selection"]["repos"])
     and d["run"]["api"]["requests"] >= 1
     and sorted(t["name"] for t in d["targets"]) == ["acme/api", "acme/cli"])' "$R" ||
	fail "report selection: $(pj 'd["run"]["selection"]' "$R")"
# --repos alone: the selection names the file.
printf '%s\n' "$T/w/api" >"$T/local"
rm -rf "$T/runs"
"$RC" run --repos "$T/local" --no-pr --report-dir "$T/runs" -- true >/dev/null 2>&1 || fail "repos run"
pjt '(d["run"]["selection"]["sources"] == ["repos:" + sys.argv[3]]
     and d["run"]["selection"]["repos"] == [{"name": "api", "source": "repos:" + sys.argv[3],
                                            "skipped": None}])' "$(last_report)" "$T/local" ||
	fail "repos selection: $(pj 'd["run"]["selection"]' "$(last_report)")"

# --- the GitHub environment -------------------------------------------------------
# GITHUB_API_URL and GITHUB_SERVER_URL as Actions sets them, no flags.
rm -rf "$T/runs" "$T/ran"
GITHUB_API_URL=$URL/api/v3 GITHUB_SERVER_URL=$URL/git "$RC" run --org acme --topic go \
    --token-file "$T/token" --report-dir "$T/runs" --no-pr -- sh -c 'echo "$REPOCAST_REPO" >>"$0"' \
    "$T/ran" >"$T/out" 2>&1 || { cat "$T/out"; fail "GITHUB_API_URL run"; }
[ "$(sort "$T/ran" | lines /dev/stdin)" = "acme/api acme/cli" ] || fail "env ran: $(lines "$T/ran")"
# A flag beats the environment.
GITHUB_API_URL=http://127.0.0.1:1/api/v3 q --org acme --topic go --dry-run >"$T/out" 2>"$T/err" ||
	{ cat "$T/err"; fail "--api-url did not win over GITHUB_API_URL"; }
# GH_HOST: https://HOST/api/v3; unreachable, the error says which setting and where from.
set +e
GH_HOST=127.0.0.1:1 "$RC" run --org acme --dry-run --token-file "$T/token" >"$T/out" 2>"$T/err"
code=$?
set -e
[ "$code" -eq 3 ] || { cat "$T/err"; fail "unreachable api: exit $code, want 3"; }
grep -q "repocast.api_url 'https://127.0.0.1:1/api/v3' (from GH_HOST): .*cannot reach 'https://127.0.0.1:1'" "$T/err" ||
	fail "unreachable api message: $(cat "$T/err")"
set +e
GITHUB_API_URL=ftp://x "$RC" run --org acme --dry-run >"$T/out" 2>"$T/err"
code=$?
set -e
[ "$code" -eq 2 ] && grep -q "GITHUB_API_URL 'ftp://x' is not an http(s) url" "$T/err" ||
	fail "bad GITHUB_API_URL: exit $code: $(cat "$T/err")"

# --- gh auth token --------------------------------------------------------------
mkdir -p "$T/bin"
cat >"$T/bin/gh" <<EOF
#!/bin/sh
echo "\$*" >"$T/gh.args"
[ "\$1 \$2" = "auth token" ] || exit 1
cat "$T/token"
EOF
chmod +x "$T/bin/gh"
rm -rf "$T/runs" "$T/ran"
PATH=$T/bin:$PATH "$RC" run --api-url "$URL/api/v3" --git-url "$URL/git" --org acme --topic go \
    --report-dir "$T/runs" --no-pr --log-level debug -- sh -c 'echo "$REPOCAST_REPO" >>"$0"' "$T/ran" \
    >"$T/out" 2>&1 || { cat "$T/out"; fail "run with gh's token failed"; }
[ "$(sort "$T/ran" | lines /dev/stdin)" = "acme/api acme/cli" ] || fail "gh ran: $(lines "$T/ran")"
grep -q "github token from gh auth token" "$T/out" || fail "token source not logged: $(cat "$T/out")"
[ "$(cat "$T/gh.args")" = "auth token --hostname 127.0.0.1:$PORT" ] || fail "gh args: $(cat "$T/gh.args")"
if grep -rq -- "$TOKEN" "$T/runs" "$T/out" "$T/cache" 2>/dev/null; then
	grep -rl -- "$TOKEN" "$T/runs" "$T/out" "$T/cache" >&2
	fail "gh's token was written somewhere"
fi
# A gh that is not logged in: no token, said so.
printf '#!/bin/sh\necho "not logged in" >&2\nexit 1\n' >"$T/bin/gh"
set +e
PATH=$T/bin:$PATH "$RC" run --api-url "$URL/api/v3" --org acme --dry-run >"$T/out" 2>"$T/err"
code=$?
set -e
[ "$code" -eq 3 ] && grep -q "authentication failed" "$T/err" || fail "no token from gh: exit $code: $(cat "$T/err")"

# --- http git with no token names --token-file --------------------------------------
rm -rf "$T/runs"
set +e
"$RC" run --repos "$T/repos" --git-url "$URL/git" --report-dir "$T/runs" --no-pr --retries 0 \
    -- true >"$T/out" 2>&1
code=$?
set -e
[ "$code" -eq 1 ] || { cat "$T/out"; fail "no token: exit $code, want 1"; }
pjt '("no token was given (set GITHUB_TOKEN or GH_TOKEN, or pass --token-file)" in d["targets"][0]["error"]
     and "callback" not in d["targets"][0]["error"])' "$(last_report)" ||
	fail "no-token error: $(pj 'd["targets"][0]["error"]' "$(last_report)")"

# --- sync: GITHUB_API_URL points a config without api_url at the forge ----------------
make_repo acme/source main a.txt "one"
cat >"$T/sync.yaml" <<'EOF2'
version: 1
groups:
  - name: g
    id: g
    source: {repo: acme/source, branch: main}
    targets:
      - repo: acme/api
        files: [{src: a.txt, dest: a.txt}]
EOF2
GITHUB_API_URL=$URL/api/v3 GITHUB_SERVER_URL=$URL/git rsync_run --dry-run >"$T/out" 2>&1 ||
	{ cat "$T/out"; fail "sync with GITHUB_API_URL failed"; }
[ "$(outcome "$(last_report)" acme/api)" = dry_run ] || fail "sync env: $(cat "$T/out")"
# The config's api_url beats the environment; unreachable, the error names file:line:col.
cat >"$T/sync.yaml" <<'EOF2'
version: 1
repocast:
  api_url: http://127.0.0.1:1/api/v3
groups:
  - name: g
    id: g
    source: {repo: acme/source, branch: main}
    targets:
      - repo: acme/api
        files: [{src: a.txt, dest: a.txt}]
EOF2
set +e
GITHUB_API_URL=$URL/api/v3 rsync_run --dry-run >"$T/out" 2>&1
code=$?
set -e
[ "$code" -eq 3 ] || { cat "$T/out"; fail "sync unreachable: exit $code, want 3"; }
grep -q "repocast.api_url 'http://127.0.0.1:1/api/v3' (from $T/sync.yaml:3:12): .*cannot reach" "$T/out" ||
	fail "sync unreachable message: $(cat "$T/out")"
echo "ok run_query"
