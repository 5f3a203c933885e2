#!/usr/bin/env bash
# The loopback forge itself (tests/forge/forge.py), checked with real git,
# libgit2 and curl: git smart HTTP (auth, clone, push, chunked and gzip
# bodies, a refusing pre-receive hook), the REST subset and its GitHub shapes
# (compared with the recordings in tests/data/github), pagination, ETag/304
# and the quota, every fault kind, the request log, persistence across a
# restart and a clean stop. Exit 0 only when every check passed.
set -u
. "$(dirname "$0")/lib.bash"
ROOT=$ROOT_DIR
FORGE="$ROOT/tests/forge/forge.py"
FIX="$ROOT/tests/data/github"
lib_init forge-test
pass=0
fail=0
lib_at_exit 'exec 7>&- 8<&-; kill "$J_PID" 2>/dev/null'

ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
# check DESC CMD...: CMD's exit status decides.
check() {
	local d=$1
	shift
	if "$@"; then ok "$d"; else bad "$d"; fi
}
# eq DESC GOT WANT
eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: got '$2', want '$3'"; fi
}
# j FILE EXPR: a Python expression over the JSON document d (lists, dicts,
# booleans and null printed as JSON). One Python process answers every call
# through two fifos: starting Python per check would dominate the run time.
mkfifo "$T/j.in" "$T/j.out"
python3 -u -c '
import json, sys
for line in sys.stdin:
    path, expr = line.rstrip("\n").split("\t", 1)
    try:
        d = json.load(open(path))
        v = eval(expr)
        out = json.dumps(v) if isinstance(v, (dict, list, bool)) or v is None else str(v)
    except Exception as e:
        out = "j-error: %s" % e
    print(out + "\n@@end@@", flush=True)
' <"$T/j.in" >"$T/j.out" &
J_PID=$!
exec 7>"$T/j.in" 8<"$T/j.out"
j() {
	printf '%s\t%s\n' "$1" "$2" >&7
	local line out="" n=0
	while IFS= read -r line <&8; do
		[ "$line" = "@@end@@" ] && break
		[ $n -gt 0 ] && out="$out"$'\n'
		out="$out$line"
		n=$((n + 1))
	done
	printf '%s\n' "$out"
}
# hdr NAME: a header of the last answer (case-insensitive), without CR.
hdr() { grep -i "^$1:" "$T/hdr" | tail -n 1 | sed -e 's/^[^:]*: *//' -e 's/\r$//'; }

CURL_AUTH="$T/auth.hdr"
# api METHOD PATH [JSON]: prints the status; body in $T/body, headers in $T/hdr.
# The token travels in a header file, never in argv.
api() {
	local m=$1 p=$2
	shift 2
	local data=()
	[ $# -gt 0 ] && data=(-H 'Content-Type: application/json' --data-binary "$1")
	rm -f "$T/body"
	curl -s -o "$T/body" -D "$T/hdr" -w '%{http_code}' -X "$m" -H "@$CURL_AUTH" \
		-H 'Accept: application/vnd.github+json' "${data[@]}" "$URL/api/v3$p"
}
ctl() { # ctl METHOD PATH [JSON]: the control endpoint, no auth
	local m=$1 p=$2
	shift 2
	local data=()
	[ $# -gt 0 ] && data=(--data-binary "$1")
	curl -s -o "$T/ctl" -w '%{http_code}' -X "$m" "${data[@]}" "$URL/_forge$p"
}

# start_forge [ARGS...]: start on port 0, wait for the first stdout line.
start_forge() {
	: >"$T/out"
	python3 "$FORGE" --root "$T/root" --port 0 --pidfile "$T/forge.pid" \
		--log "$T/forge.log" "$@" >"$T/out" 2>"$T/err" &
	FORGE_PID=$!
	local i
	for i in $(seq 1 100); do
		[ -s "$T/out" ] && break
		kill -0 "$FORGE_PID" 2>/dev/null || break
		sleep 0.1
	done
	URL=$(head -n 1 "$T/out" | sed -n 's|^listening on \(http://127\.0\.0\.1:[0-9]*\)$|\1|p')
	[ -n "$URL" ]
}
stop_forge() { # stop_forge SIGNAL: true when the process and its pidfile are gone
	kill -"$1" "$FORGE_PID"
	local i
	for i in $(seq 1 50); do
		kill -0 "$FORGE_PID" 2>/dev/null || break
		sleep 0.1
	done
	wait "$FORGE_PID" 2>/dev/null
	local rc=$?
	! kill -0 "$FORGE_PID" 2>/dev/null && [ ! -e "$T/forge.pid" ] && [ "$rc" -eq 0 ] &&
		FORGE_PID=""
}

# --- setup -------------------------------------------------------------
mkdir -p "$T/root/acme" "$T/root/.forge"
TOKEN="tok-$$-$RANDOM$RANDOM"
printf '%s\n' "$TOKEN" >"$T/token"
printf '# test tokens\n%s alice\n' "$TOKEN" >"$T/root/.forge/tokens"
printf 'Authorization: token %s\n' "$TOKEN" >"$CURL_AUTH"
git init -q --bare -b main "$T/root/acme/api.git"
git init -q --bare -b develop "$T/root/acme/web.git"
export GIT_TERMINAL_PROMPT=0 GIT_CONFIG_NOSYSTEM=1 HOME="$T/home"
mkdir -p "$HOME"
git config --global user.name forge-test
git config --global user.email forge-test@example.com
git config --global init.defaultBranch main
git config --global protocol.version 2
# The credential helper reads the token file: no secret in any argv.
git config --global credential.helper \
	"!f() { echo username=x-access-token; echo password=\$(cat '$T/token'); }; f"

check "bad --fault spec is refused at start" \
	sh -c "python3 '$FORGE' --root '$T/root' --fault 'kind=nope' >'$T/o' 2>&1; [ \$? -eq 2 ] && grep -q \"fault kind 'nope' is not one of\" '$T/o'"
check "missing --root directory is refused" \
	sh -c "python3 '$FORGE' --root '$T/nope' >'$T/o' 2>&1; [ \$? -eq 2 ] && grep -q 'not a directory' '$T/o'"

check "forge starts and prints its URL first" start_forge \
	--fault '{"kind":"status","status":502,"path":"/rate_limit$","count":1}'
[ -n "$URL" ] || { echo "forge did not start:"; cat "$T/err"; exit 1; }
eq "pidfile holds the pid" "$(cat "$T/forge.pid")" "$FORGE_PID"
eq "health" "$(ctl GET /health)" 200
eq "health is ok" "$(j "$T/ctl" 'd["status"]')" ok

# --- git smart HTTP ----------------------------------------------------
W="$T/work"
git init -q "$W"
(cd "$W" && echo one >README && git add README && git commit -qm one &&
	git checkout -qb feat-1 && echo f1 >f1 && git add f1 && git commit -qm f1 &&
	git checkout -qb feat-2 main && echo f2 >f2 && git add f2 && git commit -qm f2 &&
	git checkout -q main)
check "push main, feat-1, feat-2 over /git with the token" \
	git -C "$W" push -q "$URL/git/acme/api.git" main feat-1 feat-2
check "push develop to the second repo" git -C "$W" push -q "$URL/git/acme/web.git" main:develop
eq "pushed tip is on the server" "$(git --git-dir "$T/root/acme/api.git" rev-parse feat-1)" \
	"$(git -C "$W" rev-parse feat-1)"

code=$(curl -s -o /dev/null -D "$T/hdr" -w '%{http_code}' \
	"$URL/git/acme/api.git/info/refs?service=git-upload-pack")
eq "git without auth: 401" "$code" 401
eq "git 401 asks for Basic auth" "$(hdr WWW-Authenticate)" 'Basic realm="GitHub"'
check "unauthenticated clone fails with 401" sh -c \
	"git -c credential.helper= clone -q '$URL/git/acme/api.git' '$T/c0' 2>'$T/o'; [ \$? -ne 0 ] && grep -qi 'authentication\|401\|could not read Username' '$T/o'"
check "clone with a wrong token fails" sh -c \
	"git -c credential.helper= -c credential.helper='!f() { echo username=x; echo password=wrong; }; f' clone -q '$URL/git/acme/api.git' '$T/c0' 2>'$T/o'; [ \$? -ne 0 ] && grep -qi 'authentication failed' '$T/o'"
check "clone with the token" git clone -q "$URL/git/acme/api.git" "$T/c1"
eq "clone has the content" "$(cat "$T/c1/README")" one
check "clone without .git suffix" git clone -q "$URL/git/acme/api" "$T/c1b"
check "clone of a missing repository: not found" sh -c \
	"git clone -q '$URL/git/acme/missing.git' '$T/c1c' 2>'$T/o'; [ \$? -ne 0 ] && grep -qi 'not found' '$T/o'"

(cd "$T/c1" && git checkout -qb topic && echo t >t && git add t && git commit -qm topic)
check "push a new branch" git -C "$T/c1" push -q origin topic

# A body larger than http.postBuffer is sent chunked by git.
(cd "$T/c1" && git checkout -qb big && head -c 3000000 /dev/urandom >big.bin &&
	git add big.bin && git commit -qm big)
check "push 3 MB (chunked request body)" git -C "$T/c1" push -q origin big
check "the chunked receive-pack was logged as chunked" python3 -c '
import json,sys
rs=[json.loads(l) for l in open(sys.argv[1])]
sys.exit(not any(r["path"].endswith("git-receive-pack") and r["method"]=="POST" and r["chunked"] and r["status"]==200 for r in rs))' "$T/root/.forge/requests.log"

# Protocol v0 fetch with many haves the server lacks: git gzips the
# upload-pack request once it passes 1 KiB.
git init -q "$T/g0"
(cd "$T/g0" && for i in $(seq 1 60); do
	echo "$i" >"n$i" && git add "n$i" && git commit -qm "n$i" || exit 1; done)
check "fetch with a gzip request body (protocol v0)" \
	git -C "$T/g0" -c protocol.version=0 fetch -q "$URL/git/acme/api.git" main
check "the gzip upload-pack was logged" python3 -c '
import json,sys
rs=[json.loads(l) for l in open(sys.argv[1])]
sys.exit(not any(r["path"].endswith("git-upload-pack") and r.get("gzip") and r["status"]==200 for r in rs))' "$T/root/.forge/requests.log"

# A refusing pre-receive hook: the client sees the refusal and the hook's words.
cat >"$T/root/acme/api.git/hooks/pre-receive" <<'EOF'
#!/bin/sh
while read old new ref; do
	case "$ref" in refs/heads/protected*) echo "forge-test: $ref is protected" >&2; exit 1 ;; esac
done
exit 0
EOF
chmod +x "$T/root/acme/api.git/hooks/pre-receive"
check "push refused by pre-receive is reported to git" sh -c \
	"git -C '$T/c1' push origin HEAD:refs/heads/protected >'$T/o' 2>&1; [ \$? -ne 0 ] && grep -q 'pre-receive hook declined' '$T/o' && grep -q 'refs/heads/protected is protected' '$T/o'"
check "refused ref does not exist" sh -c "! git --git-dir '$T/root/acme/api.git' rev-parse -q --verify refs/heads/protected"

# libgit2, the library the worker uses (it always sends chunked receive-pack).
if cc -o "$T/git2_check" "$ROOT/tests/forge/git2_check.c" \
	$(pkg-config --cflags --libs libgit2) 2>"$T/cc.err"; then
	check "libgit2 clone (401 then credentials)" "$T/git2_check" clone "$URL/git/acme/api.git" "$T/g2" "$T/token"
	(cd "$T/g2" && git checkout -qb lg2 && head -c 2000000 /dev/urandom >lg.bin && git add lg.bin && git commit -qm lg2)
	check "libgit2 push 2 MB" "$T/git2_check" push "$T/g2/.git" "$URL/git/acme/api.git" refs/heads/lg2:refs/heads/lg2 "$T/token"
	eq "libgit2 push landed" "$(git --git-dir "$T/root/acme/api.git" rev-parse lg2)" "$(git -C "$T/g2" rev-parse lg2)"
	check "libgit2 sees the pre-receive refusal" sh -c \
		"'$T/git2_check' push '$T/g2/.git' '$URL/git/acme/api.git' refs/heads/lg2:refs/heads/protected-2 '$T/token' >'$T/o' 2>&1; [ \$? -eq 1 ] && grep -q 'rejected refs/heads/protected-2: pre-receive hook declined' '$T/o'"
	check "libgit2 without a token fails" sh -c \
		"printf 'wrong\n' >'$T/wrong'; ! '$T/git2_check' clone '$URL/git/acme/api.git' '$T/g3' '$T/wrong' >'$T/o' 2>&1"
else
	bad "build tests/forge/git2_check.c: $(cat "$T/cc.err")"
fi
rm -f "$T/root/acme/api.git/hooks/pre-receive"

# --- REST: auth, repository ---------------------------------------------
code=$(curl -s -o "$T/body" -w '%{http_code}' "$URL/api/v3/repos/acme/api")
eq "API without a token: 401" "$code" 401
eq "401 message" "$(j "$T/body" 'd["message"]')" "Requires authentication"
code=$(curl -s -o "$T/body" -w '%{http_code}' -H 'Authorization: token wrong' "$URL/api/v3/repos/acme/api")
eq "API with a bad token: 401" "$code" 401
eq "bad token message" "$(j "$T/body" 'd["message"]')" "Bad credentials"
check "401 carries documentation_url" test "$(j "$T/body" '"documentation_url" in d')" = true
code=$(curl -s -o "$T/body" -w '%{http_code}' -H @<(printf 'Authorization: Bearer %s\n' "$TOKEN") "$URL/api/v3/user")
eq "Bearer accepted" "$code" 200

eq "GET /user" "$(api GET /user)" 200
eq "user login from the tokens file" "$(j "$T/body" 'd["login"]')" alice
printf '%s\n' "second-$TOKEN" >>"$T/root/.forge/tokens"
code=$(curl -s -o "$T/body" -w '%{http_code}' -H @<(printf 'Authorization: token second-%s\n' "$TOKEN") "$URL/api/v3/user")
eq "tokens file re-read on change" "$code" 200
eq "a token without login gets the default login" "$(j "$T/body" 'd["login"]')" forge-user

eq "GET repository" "$(api GET /repos/acme/api)" 200
eq "full_name" "$(j "$T/body" 'd["full_name"]')" acme/api
eq "default_branch" "$(j "$T/body" 'd["default_branch"]')" main
eq "clone_url points at /git" "$(j "$T/body" 'd["clone_url"]')" "$URL/git/acme/api.git"
eq "permissions.push" "$(j "$T/body" 'd["permissions"]["push"]')" true
eq "content type" "$(hdr Content-Type)" "application/json; charset=utf-8"
check "request id header" test -n "$(hdr X-GitHub-Request-Id)"
check "rate headers" test -n "$(hdr x-ratelimit-limit)" -a -n "$(hdr x-ratelimit-remaining)" \
	-a -n "$(hdr x-ratelimit-reset)" -a -n "$(hdr x-ratelimit-used)"
eq "rate resource" "$(hdr x-ratelimit-resource)" core
check "repository has every field of the recorded one" python3 -c '
import json,sys
ours=json.load(open(sys.argv[1])); rec=json.load(open(sys.argv[2]))[0]["response"]
miss=[k for k in rec if k not in ours]+["owner."+k for k in rec["owner"] if k not in ours["owner"]]
print("missing:",miss) if miss else None; sys.exit(bool(miss))' "$T/body" "$FIX/get-repository.json"
check "recorded headers are all present" python3 -c '
import json,sys
rec=json.load(open(sys.argv[2]))[0]["headers"]
have={l.split(":")[0].strip().lower() for l in open(sys.argv[1]) if ":" in l}
want={"content-type","etag","x-ratelimit-limit","x-ratelimit-remaining","x-ratelimit-reset","x-ratelimit-used","x-ratelimit-resource","x-github-request-id","x-github-media-type","x-oauth-scopes","x-accepted-oauth-scopes","cache-control","access-control-expose-headers"}
assert want <= set(rec), want-set(rec)
sys.exit(bool(want-have))' "$T/hdr" "$FIX/get-repository.json"
eq "default_branch from HEAD (develop)" "$(api GET /repos/acme/web >/dev/null; j "$T/body" 'd["default_branch"]')" develop
eq "unknown repository: 404" "$(api GET /repos/acme/nope)" 404
eq "404 body" "$(j "$T/body" 'd["message"]')" "Not Found"
check "404 documentation_url" test "$(j "$T/body" '"documentation_url" in d')" = true
eq "unknown route: 404" "$(api GET /repos/acme/api/nonsense)" 404
eq "path traversal is not a repo" "$(api GET /repos/..%2F..%2Fetc/passwd)" 404

# --- ETag / 304 / quota --------------------------------------------------
api GET /repos/acme/api >/dev/null
etag=$(hdr ETag)
rem1=$(hdr x-ratelimit-remaining)
rm -f "$T/body"
code=$(curl -s -o "$T/body" -D "$T/hdr" -w '%{http_code}' -H "@$CURL_AUTH" -H "If-None-Match: $etag" "$URL/api/v3/repos/acme/api")
eq "If-None-Match: 304" "$code" 304
eq "304 has no body" "$(cat "$T/body" 2>/dev/null | wc -c)" 0
eq "304 costs no quota" "$(hdr x-ratelimit-remaining)" "$rem1"
eq "304 repeats the ETag" "$(hdr ETag)" "$etag"
api GET /repos/acme/api >/dev/null
eq "a 200 GET costs one" "$(hdr x-ratelimit-remaining)" "$((rem1 - 1))"
code=$(curl -s -o /dev/null -D "$T/hdr" -w '%{http_code}' -H "@$CURL_AUTH" -H "If-None-Match: W/$etag" "$URL/api/v3/repos/acme/api")
eq "weak If-None-Match also matches" "$code" 304

eq "GET /rate_limit: the start fault answers 502 once" "$(api GET /rate_limit)" 502
eq "GET /rate_limit" "$(api GET /rate_limit)" 200
r1=$(j "$T/body" 'd["resources"]["core"]["remaining"]')
eq "rate_limit core limit" "$(j "$T/body" 'd["resources"]["core"]["limit"]')" 5000
check "rate_limit has search, graphql and rate" test "$(j "$T/body" 'all(k in d["resources"] for k in ("search","graphql")) and d["rate"]["remaining"]==d["resources"]["core"]["remaining"] and all(k in d["rate"] for k in ("limit","remaining","reset","used"))')" = true
api GET /rate_limit >/dev/null
eq "rate_limit costs nothing" "$(j "$T/body" 'd["resources"]["core"]["remaining"]')" "$r1"

eq "set the quota to 0 through control" "$(ctl POST /ratelimit '{"remaining":0,"reset_in":30}')" 200
eq "exhausted quota: 403" "$(api GET /repos/acme/api)" 403
eq "exhausted: remaining 0" "$(hdr x-ratelimit-remaining)" 0
check "exhausted: message" sh -c "grep -q 'API rate limit exceeded' '$T/body'"
check "exhausted: reset in the future" test "$(hdr x-ratelimit-reset)" -gt "$(date +%s)"
eq "restore the quota" "$(ctl POST /ratelimit '{"remaining":5000}')" 200
eq "quota back" "$(api GET /repos/acme/api)" 200

# --- pull requests -------------------------------------------------------
feat1=$(git --git-dir "$T/root/acme/api.git" rev-parse feat-1)
eq "create PR" "$(api POST /repos/acme/api/pulls '{"title":"Sync","head":"feat-1","base":"main","body":"hello"}')" 201
cp "$T/body" "$T/pr1.json"
eq "PR number" "$(j "$T/pr1.json" 'd["number"]')" 1
eq "PR state" "$(j "$T/pr1.json" 'd["state"]')" open
eq "PR head.sha is the branch tip" "$(j "$T/pr1.json" 'd["head"]["sha"]')" "$feat1"
eq "PR head.label" "$(j "$T/pr1.json" 'd["head"]["label"]')" acme:feat-1
eq "PR base.ref" "$(j "$T/pr1.json" 'd["base"]["ref"]')" main
eq "PR head.repo.full_name" "$(j "$T/pr1.json" 'd["head"]["repo"]["full_name"]')" acme/api
eq "PR user" "$(j "$T/pr1.json" 'd["user"]["login"]')" alice
eq "PR html_url" "$(j "$T/pr1.json" 'd["html_url"]')" "$URL/acme/api/pull/1"
eq "Location header" "$(hdr Location)" "$URL/api/v3/repos/acme/api/pulls/1"
check "PR has the documented fields" test "$(j "$T/pr1.json" 'all(k in d for k in ("number","id","node_id","url","html_url","state","title","body","head","base","labels","user","assignees","requested_reviewers","requested_teams","created_at","updated_at","merged","draft"))')" = true
eq "PR draft default false" "$(j "$T/pr1.json" 'd["draft"]')" false

eq "duplicate PR: 422" "$(api POST /repos/acme/api/pulls '{"title":"again","head":"acme:feat-1","base":"main"}')" 422
eq "duplicate message" "$(j "$T/body" 'd["message"]')" "Validation Failed"
eq "duplicate error" "$(j "$T/body" 'd["errors"][0]["message"]')" "A pull request already exists for acme:feat-1."
check "422 body has the recorded shape" python3 -c '
import json,sys
ours=json.load(open(sys.argv[1])); rec=json.load(open(sys.argv[2]))[0]["response"]
sys.exit(not (set(rec) <= set(ours) and set(rec["errors"][0]) - {"field"} <= set(ours["errors"][0])))' "$T/body" "$FIX/errors.json"
eq "missing head: 422" "$(api POST /repos/acme/api/pulls '{"title":"x","head":"nope","base":"main"}')" 422
eq "missing head error" "$(j "$T/body" 'd["errors"]')" '[{"resource": "PullRequest", "field": "head", "code": "invalid"}]'
eq "missing base: 422" "$(api POST /repos/acme/api/pulls '{"title":"x","head":"feat-2","base":"nope"}')" 422
eq "missing base error" "$(j "$T/body" 'd["errors"][0]["field"]')" base
eq "no head field: 422" "$(api POST /repos/acme/api/pulls '{"title":"x","base":"main"}')" 422
eq "no head field message" "$(j "$T/body" 'd["message"]')" 'Invalid request.

"head" wasn'"'"'t supplied.'
eq "no title: 422" "$(api POST /repos/acme/api/pulls '{"head":"feat-2","base":"main"}')" 422
eq "no title error" "$(j "$T/body" 'd["errors"][0]["code"]')" missing_field
eq "no commits between: 422" "$(api POST /repos/acme/api/pulls '{"title":"x","head":"main","base":"main"}')" 422
eq "no commits message" "$(j "$T/body" 'd["errors"][0]["message"]')" "No commits between main and main"
eq "bad JSON: 400" "$(api POST /repos/acme/api/pulls '{"title":')" 400
eq "bad JSON message" "$(j "$T/body" 'd["message"]')" "Problems parsing JSON"
python3 -c 'import json; print(json.dumps({"title":"long","head":"feat-2","base":"main","body":"x"*65537}))' >"$T/long.json"
eq "body of 65537 characters: 422" "$(api POST /repos/acme/api/pulls "@$T/long.json")" 422
eq "body too long message" "$(j "$T/body" 'd["errors"][0]["message"]')" "body is too long (maximum is 65536 characters)"
python3 -c 'import json; print(json.dumps({"title":"long","head":"feat-2","base":"main","body":"x"*65536}))' >"$T/long.json"
eq "body of 65536 characters: 201" "$(api POST /repos/acme/api/pulls "@$T/long.json")" 201
n2=$(j "$T/body" 'd["number"]')
eq "body of 65536 characters kept whole" "$(j "$T/body" 'len(d["body"])')" 65536
eq "second PR is number 2" "$n2" 2
eq "close it" "$(api PATCH /repos/acme/api/pulls/2 '{"state":"closed"}')" 200
eq "empty body: PR body null" "$(api POST /repos/acme/api/pulls '{"title":"e","head":"topic","base":"main","draft":true}' >/dev/null; j "$T/body" 'd["body"]')" null
eq "draft kept" "$(j "$T/body" 'd["draft"]')" true

eq "list open" "$(api GET '/repos/acme/api/pulls?state=open')" 200
eq "list open count" "$(j "$T/body" 'len(d)')" 2
check "list items have no merged field (pull-request-simple)" test "$(j "$T/body" 'all("merged" not in p for p in d)')" = true
eq "list by head" "$(api GET '/repos/acme/api/pulls?state=open&head=acme:feat-1')" 200
eq "list by head finds PR 1" "$(j "$T/body" '[p["number"] for p in d]')" "[1]"
api GET '/repos/acme/api/pulls?state=all&head=acme:feat-2' >/dev/null
eq "list by head, state=all" "$(j "$T/body" '[p["number"] for p in d]')" "[2]"
api GET '/repos/acme/api/pulls?state=closed' >/dev/null
eq "list closed" "$(j "$T/body" '[p["number"] for p in d]')" "[2]"
api GET '/repos/acme/api/pulls?state=open&base=develop' >/dev/null
eq "list by another base" "$(j "$T/body" 'len(d)')" 0
eq "bad state: 422" "$(api GET '/repos/acme/api/pulls?state=merged')" 422

eq "GET one PR" "$(api GET /repos/acme/api/pulls/1)" 200
eq "GET PR merged false" "$(j "$T/body" 'd["merged"]')" false
eq "GET missing PR: 404" "$(api GET /repos/acme/api/pulls/999)" 404
eq "PATCH title/body" "$(api PATCH /repos/acme/api/pulls/1 '{"title":"Sync 2","body":"new body"}')" 200
eq "PATCH applied" "$(j "$T/body" 'd["title"] + "|" + d["body"]')" "Sync 2|new body"
eq "PATCH bad state: 422" "$(api PATCH /repos/acme/api/pulls/1 '{"state":"merged"}')" 422
eq "PATCH missing base: 422" "$(api PATCH /repos/acme/api/pulls/1 '{"base":"nope"}')" 422
eq "PATCH close" "$(api PATCH /repos/acme/api/pulls/1 '{"state":"closed"}' >/dev/null; j "$T/body" 'd["state"]')" closed
check "closed_at set" test "$(j "$T/body" 'd["closed_at"] is not None')" = true
eq "PATCH reopen" "$(api PATCH /repos/acme/api/pulls/1 '{"state":"open"}' >/dev/null; j "$T/body" 'd["state"]')" open

# head.sha follows a push to the head branch
(cd "$T/c1" && git checkout -q -B feat-1 origin/feat-1 && echo again >>f1x && git add f1x && git commit -qm again && git push -q origin feat-1)
api GET /repos/acme/api/pulls/1 >/dev/null
eq "head.sha follows the branch" "$(j "$T/body" 'd["head"]["sha"]')" "$(git -C "$T/c1" rev-parse feat-1)"

eq "add labels" "$(api POST /repos/acme/api/issues/1/labels '{"labels":["automated-sync","Foo"]}')" 200
eq "labels answered" "$(j "$T/body" '[l["name"] for l in d]')" '["automated-sync", "Foo"]'
check "label objects have the recorded fields" python3 -c '
import json,sys
ours=json.load(open(sys.argv[1])); rec=[i for i in json.load(open(sys.argv[2])) if i["path"].endswith("/labels") and i["method"]=="post"][0]["response"]
sys.exit(not all(set(rec[0]) <= set(l) for l in ours))' "$T/body" "$FIX/add-labels-to-issue.json"
eq "labels as a bare array, case-insensitive reuse" "$(api POST /repos/acme/api/issues/1/labels '["foo","bar"]' >/dev/null; j "$T/body" '[l["name"] for l in d]')" '["automated-sync", "Foo", "bar"]'
eq "labels not a list: 422" "$(api POST /repos/acme/api/issues/1/labels '{"labels":5}')" 422
eq "labels on a missing PR: 404" "$(api POST /repos/acme/api/issues/99/labels '{"labels":["x"]}')" 404
eq "PR shows labels" "$(api GET /repos/acme/api/pulls/1 >/dev/null; j "$T/body" '[l["name"] for l in d["labels"]]')" '["automated-sync", "Foo", "bar"]'

eq "add assignees: 201" "$(api POST /repos/acme/api/issues/1/assignees '{"assignees":["bob","carol"]}')" 201
eq "assignees answered (issue view)" "$(j "$T/body" '[a["login"] for a in d["assignees"]] + [d["pull_request"]["url"].endswith("/pulls/1")]')" '["bob", "carol", true]'
eq "empty assignees list: 201" "$(api POST /repos/acme/api/issues/1/assignees '{"assignees":[]}')" 201
eq "empty list changes nothing" "$(j "$T/body" 'len(d["assignees"])')" 2
api POST /repos/acme/api/issues/1/assignees '{"assignees":["u3","u4","u5","u6","u7","u8","u9","u10"]}' >/dev/null
eq "10 assignees (the maximum) kept" "$(j "$T/body" 'len(d["assignees"])')" 10
api POST /repos/acme/api/issues/1/assignees '{"assignees":["u11"]}' >/dev/null
eq "an 11th assignee is ignored" "$(j "$T/body" '[a["login"] for a in d["assignees"]][-1]')" u10
eq "request reviewers: 201" "$(api POST /repos/acme/api/pulls/1/requested_reviewers '{"reviewers":["dave"],"team_reviewers":["core"]}')" 201
eq "reviewers answered" "$(j "$T/body" '[u["login"] for u in d["requested_reviewers"]] + [t["slug"] for t in d["requested_teams"]]')" '["dave", "core"]'
eq "reviewer = author: 422" "$(api POST /repos/acme/api/pulls/1/requested_reviewers '{"reviewers":["alice"]}')" 422
eq "reviewer = author message" "$(j "$T/body" 'd["message"]')" "Review cannot be requested from pull request author."
eq "no reviewers field: 422" "$(api POST /repos/acme/api/pulls/1/requested_reviewers '{}')" 422
eq "comment: 201" "$(api POST /repos/acme/api/issues/1/comments '{"body":"synced"}')" 201
eq "comment body" "$(j "$T/body" 'd["body"] + "|" + d["user"]["login"]')" "synced|alice"
eq "empty comment: 422" "$(api POST /repos/acme/api/issues/1/comments '{"body":""}')" 422
api GET /repos/acme/api/pulls/1 >/dev/null
eq "PR keeps assignees, reviewers, teams" "$(j "$T/body" '[len(d["assignees"]), len(d["requested_reviewers"]), len(d["requested_teams"]), d["comments"]]')" "[10, 1, 1, 1]"
# The request body limit of the API (25 MiB): max is read, max+1 is refused.
python3 -c 'import sys; b=b"{\"body\":\"big\"}"; sys.stdout.buffer.write(b + b" " * (25*1024*1024 - len(b)))' >"$T/max.json"
eq "API body of 25 MiB: read" "$(api POST /repos/acme/api/issues/1/comments "@$T/max.json")" 201
printf ' ' >>"$T/max.json"
eq "API body of 25 MiB + 1: 413" "$(api POST /repos/acme/api/issues/1/comments "@$T/max.json")" 413
eq "API body of 0 bytes: 422 (no comment body)" "$(api POST /repos/acme/api/issues/1/comments '')" 422
eq "list comments after the limits" "$(api GET /repos/acme/api/issues/1/comments >/dev/null; j "$T/body" '[c["body"] for c in d]')" '["synced", "big"]'


# --- concurrency: parallel creates get distinct numbers, one PR per head ----
git -C "$W" push -q "$URL/git/acme/web.git" feat-1:c-base
wsha=$(git --git-dir "$T/root/acme/web.git" rev-parse c-base)
for i in $(seq -w 1 12); do echo "update refs/heads/c-$i $wsha"; done |
	git --git-dir "$T/root/acme/web.git" update-ref --stdin
pids=()
for i in $(seq -w 1 12); do
	curl -s -o "$T/par-$i.json" -w '%{http_code}\n' -H "@$CURL_AUTH" -X POST \
		--data-binary "{\"title\":\"c$i\",\"head\":\"c-$i\",\"base\":\"develop\"}" \
		"$URL/api/v3/repos/acme/web/pulls" >"$T/par-$i.code" &
	pids+=($!)
	curl -s -o "$T/dup-$i.json" -w '%{http_code}\n' -H "@$CURL_AUTH" -X POST \
		--data-binary '{"title":"same","head":"c-base","base":"develop"}' \
		"$URL/api/v3/repos/acme/web/pulls" >"$T/dup-$i.code" &
	pids+=($!)
done
wait "${pids[@]}"
eq "12 parallel creates: all 201" "$(cat "$T"/par-*.code | sort | uniq -c | tr -s ' ')" " 12 201"
eq "parallel creates: distinct numbers" "$(python3 -c 'import sys,json; ds=[json.load(open(f)) for f in sys.argv[1:]]; ns=[d["number"] for d in ds if "number" in d]; print(len(ns), len(set(ns)))' "$T"/par-*.json "$T"/dup-*.json)" "13 13"
eq "12 parallel creates of one head: one 201, eleven 422" "$(cat "$T"/dup-*.code | sort | uniq -c | tr -s ' ' | tr '\n' ' ')" " 1 201  11 422 "

# --- git refs ------------------------------------------------------------
eq "GET ref" "$(api GET /repos/acme/api/git/refs/heads/feat-2)" 200
eq "ref object" "$(j "$T/body" 'd["ref"] + " " + d["object"]["sha"] + " " + d["object"]["type"]')" \
	"refs/heads/feat-2 $(git --git-dir "$T/root/acme/api.git" rev-parse feat-2) commit"
check "ref has the recorded fields" python3 -c '
import json,sys
ours=json.load(open(sys.argv[1])); rec=json.load(open(sys.argv[2]))[1]["response"]
sys.exit(not (set(rec) <= set(ours) and set(rec["object"]) <= set(ours["object"])))' "$T/body" "$FIX/git-refs.json"
eq "GET ref prefix: array" "$(api GET /repos/acme/api/git/refs/heads/feat >/dev/null; j "$T/body" '[r["ref"] for r in d]')" '["refs/heads/feat-1", "refs/heads/feat-2"]'
eq "GET missing ref: 404" "$(api GET /repos/acme/api/git/refs/heads/nope)" 404
eq "DELETE ref: 204" "$(api DELETE /repos/acme/api/git/refs/heads/topic)" 204
eq "204 has no body" "$(cat "$T/body" 2>/dev/null | wc -c)" 0
check "branch gone from the repo" sh -c "! git --git-dir '$T/root/acme/api.git' rev-parse -q --verify refs/heads/topic"
eq "DELETE again: 422" "$(api DELETE /repos/acme/api/git/refs/heads/topic)" 422
eq "DELETE missing message" "$(j "$T/body" 'd["message"]')" "Reference does not exist"
eq "PR of a deleted head is closed" "$(api GET /repos/acme/api/pulls/3 >/dev/null; j "$T/body" 'd["state"]')" closed
eq "create ref: 201" "$(api POST /repos/acme/api/git/refs "{\"ref\":\"refs/heads/made\",\"sha\":\"$feat1\"}")" 201
eq "create existing ref: 422" "$(api POST /repos/acme/api/git/refs "{\"ref\":\"refs/heads/made\",\"sha\":\"$feat1\"}")" 422
eq "create existing message" "$(j "$T/body" 'd["message"]')" "Reference already exists"

# --- git data: blobs, trees, commits (what a commit through the API uses) ---
G="git --git-dir $T/root/acme/api.git"
eq "blob base64: 201" "$(api POST /repos/acme/api/git/blobs '{"content":"aGkK","encoding":"base64"}')" 201
blob=$(j "$T/body" 'd["sha"]')
eq "blob sha is git's" "$blob" "$(printf 'hi\n' | git hash-object --stdin)"
eq "blob url" "$(j "$T/body" 'd["url"]')" "$URL/api/v3/repos/acme/api/git/blobs/$blob"
eq "blob utf-8: 201" "$(api POST /repos/acme/api/git/blobs '{"content":"x"}')" 201
eq "blob utf-8 sha" "$(j "$T/body" 'd["sha"]')" "$(printf 'x' | git hash-object --stdin)"
eq "blob bad base64: 422" "$(api POST /repos/acme/api/git/blobs '{"content":"!!","encoding":"base64"}')" 422
eq "blob bad base64 error" "$(j "$T/body" 'd["errors"][0]["field"]')" content
base_tree=$($G rev-parse "$feat1^{tree}")
first=$($G ls-tree --name-only "$base_tree" | head -n 1)
eq "tree on base_tree: 201" "$(api POST /repos/acme/api/git/trees "{\"base_tree\":\"$base_tree\",\"tree\":[{\"path\":\"new/deep/f.txt\",\"mode\":\"100755\",\"type\":\"blob\",\"sha\":\"$blob\"},{\"path\":\"$first\",\"mode\":\"100644\",\"type\":\"blob\",\"sha\":null}]}")" 201
tree=$(j "$T/body" 'd["sha"]')
# the same tree by git's own index: read-tree, update-index, write-tree
check "the deleted path is a file" sh -c "$G cat-file -t '$base_tree:$first' | grep -qx blob"
want=$(export GIT_INDEX_FILE=$T/idx; $G read-tree "$base_tree" &&
    printf '0 %040d\t%s\n100755 %s\tnew/deep/f.txt\n' 0 "$first" "$blob" |
    $G update-index --index-info &&
    $G write-tree)
eq "tree is git's" "$tree" "$want"
check "nested path made executable" sh -c "$G ls-tree -r '$tree' new/deep/f.txt | grep -q '^100755 blob $blob'"
check "deleted path gone" sh -c "! $G cat-file -e '$tree:$first' 2>/dev/null"
eq "tree answer lists the top level" "$(j "$T/body" '"new" in [e["path"] for e in d["tree"]] and not d["truncated"]')" true
eq "tree: delete a missing path: 422" "$(api POST /repos/acme/api/git/trees "{\"base_tree\":\"$base_tree\",\"tree\":[{\"path\":\"no/such\",\"mode\":\"100644\",\"type\":\"blob\",\"sha\":null}]}")" 422
eq "tree: a sha that is no blob: 422" "$(api POST /repos/acme/api/git/trees "{\"tree\":[{\"path\":\"a\",\"mode\":\"100644\",\"type\":\"blob\",\"sha\":\"$(printf '%040d' 0)\"}]}")" 422
eq "tree: bad base_tree: 422" "$(api POST /repos/acme/api/git/trees "{\"base_tree\":\"$blob\",\"tree\":[]}")" 422
eq "tree: bad base_tree error" "$(j "$T/body" 'd["errors"][0]["field"]')" base_tree
eq "tree: bad mode: 422" "$(api POST /repos/acme/api/git/trees "{\"tree\":[{\"path\":\"a\",\"mode\":\"644\",\"type\":\"blob\",\"sha\":\"$blob\"}]}")" 422
body="{\"message\":\"via api\\n\",\"tree\":\"$tree\",\"parents\":[\"$feat1\"],\"author\":{\"name\":\"Sync Bot\",\"email\":\"bot@example.com\",\"date\":\"2024-01-01T12:00:00+01:00\"},\"committer\":{\"name\":\"Sync Bot\",\"email\":\"bot@example.com\",\"date\":\"2024-01-01T12:00:00+01:00\"}}"
eq "commit: 201" "$(api POST /repos/acme/api/git/commits "$body")" 201
commit=$(j "$T/body" 'd["sha"]')
eq "commit shape" "$(j "$T/body" '[d["tree"]["sha"] == "'"$tree"'", [p["sha"] for p in d["parents"]] == ["'"$feat1"'"], d["message"], d["author"]["name"], d["verification"]["verified"]]')" '[true, true, "via api", "Sync Bot", false]'
check "commit in the repo, dated as asked" sh -c "$G log -1 --format='%at %ai %s' '$commit' | grep -qx '1704106800 2024-01-01 12:00:00 +0100 via api'"
eq "commit again: the same id" "$(api POST /repos/acme/api/git/commits "$body" >/dev/null; j "$T/body" 'd["sha"]')" "$commit"
eq "commit: bad tree: 422" "$(api POST /repos/acme/api/git/commits "{\"message\":\"m\",\"tree\":\"$blob\",\"parents\":[]}")" 422
eq "commit: bad tree message" "$(j "$T/body" 'd["message"]')" "Tree SHA does not exist"
eq "commit: bad parent: 422" "$(api POST /repos/acme/api/git/commits "{\"message\":\"m\",\"tree\":\"$tree\",\"parents\":[\"$tree\"]}")" 422
eq "commit: bad parent message" "$(j "$T/body" 'd["message"]')" "Parent SHA does not exist or is not a commit object"
eq "ref to it: 201" "$(api POST /repos/acme/api/git/refs "{\"ref\":\"refs/heads/via-api\",\"sha\":\"$commit\"}")" 201
eq "not a fast forward without force: 422" "$(api PATCH /repos/acme/api/git/refs/heads/via-api "{\"sha\":\"$feat1\"}")" 422
eq "not a fast forward message" "$(j "$T/body" 'd["message"]')" "Update is not a fast forward"
eq "with force: 200" "$(api PATCH /repos/acme/api/git/refs/heads/via-api "{\"sha\":\"$feat1\",\"force\":true}")" 200

# --- pagination ------------------------------------------------------------
for i in $(seq -w 1 104); do echo "update refs/heads/page-$i $feat1"; done |
	git --git-dir "$T/root/acme/api.git" update-ref --stdin
for i in $(seq -w 1 104); do
	c=$(api POST /repos/acme/api/pulls "{\"title\":\"p$i\",\"head\":\"page-$i\",\"base\":\"main\"}")
	[ "$c" = 201 ] || { bad "create PR page-$i: $c"; break; }
done
total=$(python3 -c 'import json,sys; print(sum(1 for p in json.load(open(sys.argv[1]))["pulls"].values() if p["state"]=="open"))' "$T/root/.forge/repos/acme/api.json")
eq "open PRs on disk" "$total" 105
eq "page 1 of per_page=100" "$(api GET '/repos/acme/api/pulls?state=open&per_page=100')" 200
eq "page 1 has 100" "$(j "$T/body" 'len(d)')" 100
link=$(hdr Link)
rid=$(api GET /repos/acme/api >/dev/null; j "$T/body" 'd["id"]')
eq "Link next+last" "$link" "<$URL/api/v3/repositories/$rid/pulls?state=open&per_page=100&page=2>; rel=\"next\", <$URL/api/v3/repositories/$rid/pulls?state=open&per_page=100&page=2>; rel=\"last\""
next=$(printf '%s' "$link" | sed -n 's/^<\([^>]*\)>; rel="next".*/\1/p')
code=$(curl -s -o "$T/body" -D "$T/hdr" -w '%{http_code}' -H "@$CURL_AUTH" "$next")
eq "follow rel=next" "$code" 200
eq "page 2 has the rest" "$(j "$T/body" 'len(d)')" 5
eq "page 2 Link prev+first" "$(hdr Link)" "<$URL/api/v3/repositories/$rid/pulls?state=open&per_page=100&page=1>; rel=\"prev\", <$URL/api/v3/repositories/$rid/pulls?state=open&per_page=100&page=1>; rel=\"first\""
api GET '/repos/acme/api/pulls?per_page=3&page=2' >/dev/null
eq "middle page Link (recorded order prev,next,last,first)" "$(hdr Link | sed 's/<[^>]*page=\([0-9]*\)>; rel="\([a-z]*\)"/\2=\1/g')" "prev=1, next=3, last=35, first=1"
eq "default per_page is 30" "$(api GET '/repos/acme/api/pulls' >/dev/null; j "$T/body" 'len(d)')" 30
eq "newest first" "$(j "$T/body" 'd[0]["number"] > d[1]["number"]')" true
eq "per_page over 100 is 100" "$(api GET '/repos/acme/api/pulls?per_page=500' >/dev/null; j "$T/body" 'len(d)')" 100
eq "single page has no Link" "$(api GET '/repos/acme/api/pulls?head=acme:feat-1' >/dev/null; hdr Link)" ""

# --- faults --------------------------------------------------------------
since=$(ctl GET /requests >/dev/null; j "$T/ctl" 'max(r["seq"] for r in d)')
eq "add status fault" "$(ctl POST /faults '{"kind":"status","status":503,"method":"GET","path":"^/api/v3/repos/acme/api$","count":2}')" 201
eq "fault 1" "$(api GET /repos/acme/api)" 503
eq "fault 2" "$(api GET /repos/acme/api)" 503
eq "fault spent" "$(api GET /repos/acme/api)" 200
eq "fault listed as spent" "$(ctl GET /faults >/dev/null; j "$T/ctl" '[(f["remaining"], f["hits"]) for f in d if f["status"]==503]')" "[[0, 2]]"
eq "fault with after=1" "$(ctl POST /faults '{"kind":"status","status":500,"path":"/user$","after":1}')" 201
eq "after: first passes" "$(api GET /user)" 200
eq "after: second fails" "$(api GET /user)" 500
eq "after: then passes" "$(api GET /user)" 200

ctl POST /faults 'kind=secondary' >/dev/null
eq "a key=value body is not JSON: 400" "$(ctl POST /faults 'kind=secondary')" 400
eq "fault count 0: 400" "$(ctl POST /faults '{"kind":"status","count":0}')" 400
eq "fault count 0 message" "$(j "$T/ctl" 'd["message"]')" "fault field 'count': 0 is out of range 1..1000000"
eq "fault count 1000001: 400" "$(ctl POST /faults '{"kind":"status","count":1000001}')" 400
eq "fault count 1000001 message" "$(j "$T/ctl" 'd["message"]')" "fault field 'count': 1000001 is out of range 1..1000000"
eq "fault count 1000000 (max): 201" "$(ctl POST /faults '{"kind":"status","path":"^/never$","count":1000000}')" 201
eq "fault delay_ms 600001: 400" "$(ctl POST /faults '{"kind":"delay","delay_ms":600001}')" 400
eq "fault delay_ms message" "$(j "$T/ctl" 'd["message"]')" "fault field 'delay_ms': 600001 is out of range 0..600000"
eq "fault bad regex: 400" "$(ctl POST /faults '{"path":"("}')" 400
check "fault bad regex message" sh -c "grep -q 'bad regular expression' '$T/ctl'"
eq "unknown fault field: 400" "$(ctl POST /faults '{"kind":"status","colour":1}')" 400

ctl POST /faults '{"kind":"secondary","retry_after":2,"path":"/pulls$","method":"POST"}' >/dev/null
eq "secondary: 403" "$(api POST /repos/acme/api/pulls '{"title":"s","head":"feat-2","base":"main"}')" 403
eq "secondary: retry-after" "$(hdr Retry-After)" 2
check "secondary: remaining is not 0" test "$(hdr x-ratelimit-remaining)" -gt 0
check "secondary: message" sh -c "grep -q 'secondary rate limit' '$T/body'"
ctl POST /faults '{"kind":"secondary","status":429,"retry_after":1,"path":"/user$"}' >/dev/null
eq "secondary as 429" "$(api GET /user)" 429

ctl POST /faults '{"kind":"primary","reset":5,"path":"/user$"}' >/dev/null
now=$(date +%s)
eq "primary: 403" "$(api GET /user)" 403
eq "primary: remaining 0" "$(hdr x-ratelimit-remaining)" 0
reset=$(hdr x-ratelimit-reset)
check "primary: reset about now+5" test "$reset" -ge $((now + 4)) -a "$reset" -le $((now + 7))
check "primary: message" sh -c "grep -q 'API rate limit exceeded' '$T/body'"
ctl POST /faults '{"kind":"primary","status":429,"path":"/user$"}' >/dev/null
eq "primary as 429" "$(api GET /user)" 429

ctl POST /faults '{"kind":"delay","delay_ms":700,"path":"/user$"}' >/dev/null
t0=$(date +%s%N)
eq "delay: still answers" "$(api GET /user)" 200
ms=$((($(date +%s%N) - t0) / 1000000))
check "delay: took >= 700 ms ($ms)" test "$ms" -ge 700

ctl POST /faults '{"kind":"delay","delay_ms":1500,"path":"/user$"}' >/dev/null
curl -s -o /dev/null -m 0.3 -H "@$CURL_AUTH" "$URL/api/v3/user"
eq "client gave up mid-request (curl 28)" "$?" 28
eq "forge survives the disconnect" "$(ctl GET /health)" 200

before=$(api GET '/repos/acme/api/pulls?state=all&head=acme:feat-2' >/dev/null; j "$T/body" 'len(d)')
ctl POST /faults '{"kind":"drop","path":"/pulls$","method":"POST"}' >/dev/null
api POST /repos/acme/api/pulls '{"title":"d","head":"feat-2","base":"main"}' >/dev/null
eq "drop: empty reply (curl 52)" "$?" 52
eq "drop: nothing created" "$(api GET '/repos/acme/api/pulls?state=all&head=acme:feat-2' >/dev/null; j "$T/body" 'len(d)')" "$before"
ctl POST /faults '{"kind":"drop_after","path":"/pulls$","method":"POST"}' >/dev/null
api POST /repos/acme/api/pulls '{"title":"lost","head":"feat-2","base":"main"}' >/dev/null
eq "drop_after: empty reply (curl 52)" "$?" 52
eq "drop_after: the PR was created" "$(api GET '/repos/acme/api/pulls?state=open&head=acme:feat-2' >/dev/null; j "$T/body" '[p["title"] for p in d]')" '["lost"]'
check "drops are logged as dropped" sh -c "curl -s '$URL/_forge/requests?since=$since' | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(not {\"drop\", \"drop_after\"} <= {r[\"fault\"] for r in d if r[\"dropped\"]})'"

ctl POST /faults '{"kind":"status","status":503,"path":"/git-receive-pack$"}' >/dev/null
(cd "$T/c1" && git checkout -qb faulty && echo x >fx && git add fx && git commit -qm fx)
check "git push through a 503 fails" sh -c "! git -C '$T/c1' push -q origin faulty 2>'$T/o'"
ctl POST /faults '{"kind":"drop_after","path":"/git-receive-pack$"}' >/dev/null
check "git push with a lost answer fails at the client" sh -c "! git -C '$T/c1' push -q origin faulty 2>'$T/o'"
eq "... but the ref was updated on the forge" "$(git --git-dir "$T/root/acme/api.git" rev-parse faulty 2>/dev/null)" "$(git -C "$T/c1" rev-parse faulty)"
eq "clear faults" "$(ctl DELETE /faults)" 200
eq "no faults left" "$(ctl GET /faults >/dev/null; j "$T/ctl" 'len(d)')" 0
eq "unknown control endpoint: 404" "$(ctl GET /nope)" 404

# --- request log -----------------------------------------------------------
log="$T/root/.forge/requests.log"
check "request log is JSON lines with the fields" python3 -c '
import json,sys
rs=[json.loads(l) for l in open(sys.argv[1])]
sys.exit(not rs or not all(all(k in r for k in ("time","method","path","status","auth")) for r in rs))' "$log"
check "unauthenticated requests are logged auth=false" python3 -c '
import json,sys
rs=[json.loads(l) for l in open(sys.argv[1])]
sys.exit(not any(r["auth"] is False and r["status"]==401 for r in rs))' "$log"
check "control requests are not logged" sh -c "! grep -q '_forge' '$log'"
check "the token appears in no log" sh -c "! grep -qFf '$T/token' '$log' '$T/forge.log' '$T/err'"
mark=$(ctl GET /requests >/dev/null; j "$T/ctl" 'max(r["seq"] for r in d)')
api GET /repos/acme/api >/dev/null
api GET '/repos/acme/api/pulls?state=open' >/dev/null
git clone -q "$URL/git/acme/api.git" "$T/c9"
eq "read-only phase made no write" "$(ctl GET "/requests?since=$mark" >/dev/null; j "$T/ctl" '[r["method"] for r in d if r["method"] in ("POST","PATCH","DELETE","PUT") and "upload-pack" not in r["path"]] + [r["path"] for r in d if "receive-pack" in r["path"]]')" "[]"
eq "... and did read" "$(j "$T/ctl" 'len([r for r in d if r["status"]==200]) >= 4')" true

# --- stop, persistence, restart ---------------------------------------------
next_n=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["next_number"])' "$T/root/.forge/repos/acme/api.json")
check "SIGTERM stops the forge, pidfile removed" stop_forge TERM
check "port closed after stop" sh -c "! curl -s -m 2 '$URL/_forge/health' >/dev/null"
check "restart on the same root" start_forge --rate-limit 7 --fault 'kind=drop,method=PUT,path=^/never$,count=3'
eq "key=value --fault parsed" "$(ctl GET /faults >/dev/null; j "$T/ctl" '[(f["kind"], f["method"], f["path"], f["count"]) for f in d]')" '[["drop", "PUT", "^/never$", 3]]'
api GET /repos/acme/api/pulls/1 >/dev/null
eq "PR survives the restart" "$(j "$T/body" 'd["title"] + "|" + str(len(d["labels"]))')" "Sync 2|3"
eq "--rate-limit sets the limit" "$(hdr x-ratelimit-limit)" 7
eq "numbers continue after restart" "$(api POST /repos/acme/api/pulls '{"title":"after","head":"made","base":"main"}' >/dev/null; j "$T/body" 'd["number"]')" "$next_n"
for i in 1 2 3 4 5; do api GET /user >/dev/null; done
eq "quota of 7 spent: 403" "$(api GET /user)" 403
rm -f "$T/root/.forge/tokens"
eq "missing tokens file: no token accepted" "$(api GET /rate_limit)" 401
check "SIGINT stops the forge too" stop_forge INT

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
