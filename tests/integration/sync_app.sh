#!/bin/bash
# repocast sync as a GitHub App against the forge: installation per owner
# (two owners, two installations), PRs opened by the installation token,
# a token refreshed inside one run (short expiry), a 401 answered once
# with a fresh token, a JWT signed with the wrong key refused before any
# write, a key file readable by others refused, an owner without the App
# failing alone, --automerge's mutation with each owner's token,
# --token-file beside an App refused, the App from the environment; never
# a key, a JWT or a token in a log or a report.
source "$(dirname "$0")/app_lib.bash"
app_lib_init

make_repo acme/source main shared.txt "shared v1"
seed_targets main acme/a acme/b beta/c beta/d gamma/e acme/r1 acme/r2 acme/r3 acme/r4 \
    acme/m beta/m

# config KEYFILE [INTERVAL] TARGET...: the App's config over TARGETs.
config() {
	local key=$1 iv=$2 t
	shift 2
	{
		cat <<EOF2
version: 1
repocast:
  api_url: http://127.0.0.1:@PORT@/api/v3
  git_url: http://127.0.0.1:@PORT@/git
  api: {write_interval: $iv}
  auth:
    app_id: 4242
    private_key_file: $key
groups:
  - name: g
    id: g
    source: {repo: acme/source, branch: main}
    targets:
EOF2
		for t in "$@"; do
			printf '      - repo: %s\n        files: [{src: shared.txt, dest: shared.txt}]\n' "$t"
		done
	} | write_config
}
app_sync() {
	"$RC" sync -c "$T/sync.yaml" --report-dir "$T/runs" --no-progress "$@"
}

# --- the forge's App itself: JWT checks, installation tokens that expire and
# see their own account alone
app_json 2
python3 - "$T" "$PORT" <<'PY' || fail "the forge's App"
import base64, json, sys, time, urllib.error, urllib.request
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
t, port = sys.argv[1], sys.argv[2]
def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
def jwt(key="app", **kw):
    now = int(time.time())
    c = {"iat": now - 60, "exp": now + 540, "iss": 4242}
    c.update(kw)
    k = serialization.load_pem_private_key(open("%s/%s.pem" % (t, key), "rb").read(), None)
    m = b64(b'{"alg":"RS256","typ":"JWT"}') + "." + b64(json.dumps(c).encode())
    return m + "." + b64(k.sign(m.encode(), padding.PKCS1v15(), hashes.SHA256()))
def call(method, path, tok):
    r = urllib.request.Request("http://127.0.0.1:%s/api/v3%s" % (port, path), method=method,
                               headers={"Authorization": "Bearer " + tok},
                               data=b"{}" if method == "POST" else None)
    try:
        with urllib.request.urlopen(r, timeout=10) as a:
            return a.status, json.loads(a.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")
now = int(time.time())
for kw, key, msg in [({}, "other", "A JSON web token could not be decoded"),
                     ({"exp": now + 700}, "app", "'Expiration time' claim ('exp') is too far in the future."),
                     ({"iat": now + 300, "exp": now + 400}, "app", "'Issued at' claim ('iat') must be an Integer"),
                     ({"iat": now - 700, "exp": now - 100}, "app", "'Expiration time' claim ('exp') must be a numeric value"),
                     ({"iss": 1}, "app", "Integration not found")]:
    st, body = call("GET", "/app", jwt(key, **kw))
    assert st == 401 and body["message"].startswith(msg), (kw, st, body)
    assert body["documentation_url"], body
st, body = call("GET", "/app", jwt())
assert st == 200 and body["slug"] == "repocast-test" and body["id"] == 4242, body
st, body = call("GET", "/repos/acme/a/installation", jwt())
assert st == 200 and body["id"] == 1001 and body["account"]["login"] == "acme", body
assert call("GET", "/repos/gamma/e/installation", jwt())[0] == 404
assert call("GET", "/users/beta/installation", jwt())[1]["id"] == 1002
assert call("GET", "/repos/acme/a", jwt())[0] == 403  # a JWT opens the App's endpoints alone
st, body = call("POST", "/app/installations/1001/access_tokens", jwt())
assert st == 201 and body["token"].startswith("ghs_") and body["expires_at"].endswith("Z"), body
tok = body["token"]
st, body = call("GET", "/repos/acme/a", tok)
assert st == 200 and body["full_name"] == "acme/a", (st, body)
assert call("GET", "/repos/beta/c", tok)[0] == 404  # another installation's account
st, body = call("GET", "/rate_limit", tok)
assert st == 200 and body["resources"]["core"]["used"] == 2, body  # its own window
assert body["resources"]["graphql"]["used"] == 0, body
def gql(q, tok):
    r = urllib.request.Request("http://127.0.0.1:%s/api/graphql" % port, method="POST",
                               headers={"Authorization": "Bearer " + tok},
                               data=json.dumps({"query": q}).encode())
    with urllib.request.urlopen(r, timeout=10) as a:
        return json.loads(a.read())
got = gql('{ a: repository(owner: "acme", name: "a") { name } '
          'c: repository(owner: "beta", name: "c") { name } }', tok)
assert got["data"] == {"a": {"name": "a"}, "c": None}, got  # beta's is not there for it
assert [(e["type"], e["path"]) for e in got["errors"]] == [("NOT_FOUND", ["c"])], got
st, body = call("GET", "/rate_limit", tok)
assert body["resources"]["graphql"]["used"] == 1, body  # the installation's points
time.sleep(2.2)
st, body = call("GET", "/repos/acme/a", tok)
assert st == 401 and body["message"] == "Bad credentials", (st, body)
PY
app_json 3600
echo "sync_app: forge: ok"

# --- two owners, two installations, and an owner without the App
config "$T/app.pem" 0 acme/a acme/b beta/c beta/d gamma/e
owners_check "first sync" "repocast.auth (" app_sync --confirm-scope 5
grep -q "installation 1001 (acme): rate-limit preflight" "$T/err" ||
    fail "no preflight against acme's installation"
grep -q "installation 1002 (beta): rate-limit preflight" "$T/err" ||
    fail "no preflight against beta's installation"
# GraphQL's points too are each installation's, for its own targets (acme's
# query in the forge's check above spent one of 1001's)
for i in "1001 (acme): .* 4999" "1002 (beta): .* 5000"; do
	grep -q "installation ${i%%:*}: rate-limit preflight: GraphQL: 1 query of 50 targets planned (1 point each) vs ${i##* } points remaining: ok" \
	    "$T/err" || { cat "$T/err"; fail "no GraphQL preflight against installation ${i%%:*}"; }
done
# Every request about acme/* carried installation 1001's token, beta/* 1002's,
# git pushes included; /rate_limit once per installation.
owner_requests api push
pjt 'sorted(r.get("installation") for r in d if r["path"] == "/api/v3/rate_limit") == [1001, 1002]' \
    "$T/slice.json" || fail "/rate_limit was not asked once per installation"
no_secrets "$T/out" "$T/err" $(find "$(dirname "$REP")" -type f)
# status authenticates the same way
"$RC" status -c "$T/sync.yaml" --json acme/a beta/c > "$T/out" 2> "$T/err" ||
    { cat "$T/out" "$T/err"; fail "status with the App: want exit 0"; }
pjt '[t["state"] for t in d["targets"]] == ["pending", "pending"]' "$T/out" ||
    { cat "$T/out"; fail "status with the App: not pending"; }
echo "sync_app: two installations: ok"

# --- --automerge: the mutation names no owner; each PR's goes with its own
# owner's installation token (another's would not find the pull request)
for n in acme/m beta/m; do
	forge_control "/_forge/repos/$n" '{"allow_auto_merge": true}'
done
config "$T/app.pem" 0 acme/m beta/m
m=$(mark)
app_sync --confirm-scope 2 --automerge > "$T/out" 2> "$T/err" ||
    { cat "$T/out" "$T/err"; fail "sync --automerge as the App: want exit 0"; }
for n in acme/m beta/m; do
	grep -q "$n .*auto-merge enabled (squash)" "$T/out" ||
	    { cat "$T/out" "$T/err"; fail "$n: auto-merge not enabled"; }
	[ "$(api "/repos/$n/pulls/1" | pj 'd["auto_merge"]["merge_method"]')" = squash ] ||
	    fail "$n: auto-merge not on at the forge"
done
pjt 'sorted(r.get("installation") for r in d if (r.get("graphql") or {}).get("operation") == "mutation") == [1001, 1002]' \
    <(since "$m") || fail "--automerge: the mutations were not one per installation"
no_secrets "$T/out" "$T/err"
echo "sync_app: automerge: ok"

# --- a token that expires in 3 s, in a run of ~6 s: replaced inside the run;
# and a 401 on the PR create answered once (nothing was done) with a fresh token
config "$T/app.pem" 700ms acme/r1 acme/r2 acme/r3 acme/r4
refresh_check sync_app 3 app_sync --confirm-scope 4 --jobs 1

# --- a JWT signed with another key: refused, exit 3, nothing written
echo "shared v2" > "$T/w/source/shared.txt"
push_work acme/source main
config "$T/other.pem" 0 acme/a beta/c
wrong_key_check "wrong key" "repocast.auth (.*)" app_sync --confirm-scope 2
echo "sync_app: wrong key: ok"

# --- a key file others may read: refused before any request
cp "$T/app.pem" "$T/open.pem"
chmod 644 "$T/open.pem"
config "$T/open.pem" 0 acme/a
m=$(mark)
set +e
app_sync > "$T/out" 2> "$T/err"
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "key mode 0644: exit $rc, want 2"
grep -q "private key file '$T/open.pem' is accessible by group or others (mode 0644): run 'chmod 600 $T/open.pem' and try again" "$T/err" ||
    { cat "$T/err"; fail "key mode 0644: the error does not say so"; }
[ "$(mark)" -eq "$m" ] || fail "key mode 0644: requests were sent"
no_secrets "$T/err"
echo "sync_app: key mode: ok"

# --- diagnose names the App and each owner's installation, never a secret
config "$T/app.pem" 0 acme/a beta/c
"$RC" diagnose -c "$T/sync.yaml" --json > "$T/out" 2> "$T/err" ||
    { cat "$T/out" "$T/err"; fail "diagnose with the App: want exit 0"; }
pjt 'd["token"] is None and d["app"]["id"] == "4242" and d["app"]["accepted"] and d["app"]["slug"] == "repocast-test"' \
    "$T/out" || { cat "$T/out"; fail "diagnose: the App"; }
pjt '[(i["owner"], i["id"], i["rate_limit"]["limit"]) for i in d["app"]["installations"]] == [("acme", 1001, 5000), ("beta", 1002, 5000)]' \
    "$T/out" || { cat "$T/out"; fail "diagnose: the installations"; }
no_secrets "$T/out" "$T/err"
config "$T/app.pem" 0 acme/a gamma/e
set +e
"$RC" diagnose -c "$T/sync.yaml" > "$T/out" 2> "$T/err"
rc=$?
set -e
cat "$T/out"
[ "$rc" -eq 3 ] || fail "diagnose without gamma's installation: exit $rc, want 3"
grep -q "^identity: *GitHub App 4242 (from repocast.auth (.*); key $T/app.pem), slug repocast-test$" \
    "$T/out" || fail "diagnose: the identity line"
grep -q "^  acme  *installation 1001, rate limit [0-9]* of 5000 left" "$T/out" ||
    fail "diagnose: acme's line"
grep -q "^  gamma  *NO INSTALLATION: GitHub App 4242 is not installed on 'gamma'" "$T/out" ||
    fail "diagnose: gamma's line"
config "$T/other.pem" 0 acme/a
set +e
"$RC" diagnose -c "$T/sync.yaml" > "$T/out" 2> "$T/err"
rc=$?
set -e
[ "$rc" -eq 3 ] || fail "diagnose with the wrong key: exit $rc, want 3"
grep -q "REFUSED: .*A JSON web token could not be decoded" "$T/out" ||
    { cat "$T/out"; fail "diagnose: the refused JWT"; }
echo "sync_app: diagnose: ok"

# --- --token-file beside an App: refused (exit 2), nothing sent
config "$T/app.pem" 0 acme/a
m=$(mark)
set +e
app_sync --token-file "$T/token" > "$T/out" 2> "$T/err"
rc=$?
set -e
[ "$rc" -eq 2 ] || { cat "$T/err"; fail "--token-file with an App: exit $rc, want 2"; }
grep -q -- "--token-file and a GitHub App (repocast.auth (.*)) are both given: use one" "$T/err" ||
    fail "--token-file with an App: the error"
[ "$(mark)" -eq "$m" ] || fail "--token-file with an App: requests were sent"
# repocast run -c takes the config's repocast.auth as sync does (run_app.sh
# tests the rest): the clone with acme's installation token, the report
# names the App
m=$(mark)
"$RC" run -c "$T/sync.yaml" --no-pr --report-dir "$T/runs" --no-progress -- true \
    > "$T/out" 2> "$T/err" || { cat "$T/err"; fail "run with repocast.auth: want exit 0"; }
rep=$(last_report)
pjt 'd["run"]["auth"]["kind"] == "app" and d["run"]["auth"]["source"].startswith("repocast.auth (") and [(i["owner"], i["id"]) for i in d["run"]["auth"]["installations"]] == [("acme", 1001)]' \
    "$rep" || fail "run with repocast.auth: report's auth $(pj 'd["run"]["auth"]' "$rep")"
pjt '{r.get("installation") for r in d if "upload-pack" in r["path"] and r["auth"]} == {1001}' \
    <(since "$m") || fail "run with repocast.auth: the clone was not made with acme's installation"
no_secrets "$T/out" "$T/err"

# --- the App from the environment (and GITHUB_TOKEN beside it left unused)
sed -i '/^  auth:$/,/private_key_file/d' "$T/sync.yaml"
grep -q auth "$T/sync.yaml" && fail "config still has auth"
GITHUB_APP_ID=4242 GITHUB_APP_PRIVATE_KEY_FILE=$T/app.pem GITHUB_TOKEN=tok-demo-0123456789 \
    app_sync --dry-run > "$T/out" 2> "$T/err" || { cat "$T/err"; fail "App from the environment"; }
grep -q "GITHUB_TOKEN and GH_TOKEN are not used" "$T/err" || fail "env: GITHUB_TOKEN not said unused"
rep=$(last_report)
pjt 'd["run"]["auth"]["kind"] == "app" and d["run"]["auth"]["source"] == "GITHUB_APP_ID"' \
    "$rep" || fail "env: report's auth $(pj 'd["run"]["auth"]' "$rep")"
set +e
GITHUB_APP_ID=4242 app_sync --dry-run > "$T/out" 2> "$T/err"
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "GITHUB_APP_ID alone: exit $rc, want 2"
grep -q "GITHUB_APP_ID is set without GITHUB_APP_PRIVATE_KEY_FILE" "$T/err" ||
    fail "GITHUB_APP_ID alone: the error"
# --- a token run says so in its report
app_sync --dry-run --token-file "$T/token" > "$T/out" 2> "$T/err" || { cat "$T/err"; fail "token run"; }
pjt 'd["run"]["auth"] == {"kind": "token", "source": "--token-file"}' "$(last_report)" ||
    fail "token run: report's auth $(pj 'd["run"]["auth"]' "$(last_report)")"
echo "sync_app: ok"
