# Helpers for the GitHub App integration tests, sync_app.sh and run_app.sh
# (sourced, never run on its own; sync_lib.bash comes with it).
#   app_lib_init    sync_lib_init, forge_start, the keys app and other, the
#                   forge's App (app_json 3600)
#   genkey NAME     an RSA key pair, $T/NAME.pem (0600) and $T/NAME.pub
#   app_json TTL    the forge's App (id 4242, key $T/app.pub) with
#                   installations on acme (1001) and beta (1002, a user);
#                   its installation tokens live TTL seconds
#   mark            the forge's request log's length now
#   since N         the log's entries after line N, as a JSON array
#   no_secrets FILE...  fail when a key, a JWT or a token is in one
#   refresh_check TEST TTL CMD...  tokens replaced inside one run (below)
. "$(dirname "${BASH_SOURCE[0]}")/sync_lib.bash"

app_lib_init() {
	sync_lib_init
	python3 -c 'import cryptography' 2>/dev/null ||
	    fail "python3-cryptography is missing (sh mk/deps.sh installs it): cannot run"
	forge_start
	genkey app
	genkey other
	app_json 3600
}

genkey() {
	python3 - "$T/$1" <<'PY'
import os, sys
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
k = rsa.generate_private_key(public_exponent=65537, key_size=2048)
fd = os.open(sys.argv[1] + ".pem", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
os.write(fd, k.private_bytes(serialization.Encoding.PEM,
         serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()))
os.close(fd)
open(sys.argv[1] + ".pub", "wb").write(k.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
PY
}

app_json() {
	python3 - "$T" "$1" <<'PY'
import json, sys
t, ttl = sys.argv[1], int(sys.argv[2])
json.dump({"id": 4242, "slug": "repocast-test", "public_key_file": t + "/app.pub",
           "token_ttl": ttl,
           "installations": [{"id": 1001, "account": "acme"},
                             {"id": 1002, "account": "beta", "type": "User"}]},
          open(t + "/forge/.forge/app.json.tmp", "w"))
PY
	mv "$T/forge/.forge/app.json.tmp" "$T/forge/.forge/app.json"
}

mark() { wc -l < "$T/forge/.forge/requests.log"; }

since() {
	tail -n +"$(($1 + 1))" "$T/forge/.forge/requests.log" | python3 -c 'import json,sys
print(json.dumps([json.loads(l) for l in sys.stdin]))'
}

no_secrets() {
	local f
	for f in "$@"; do
		! grep -aq -e 'PRIVATE KEY' -e 'ghs_' -e 'eyJ' "$f" ||
		    fail "a secret in $f: $(grep -a -e 'PRIVATE KEY' -e 'ghs_' -e 'eyJ' "$f" | head -3)"
	done
}

# refresh_check TEST TTL CMD...: run CMD (a sync or run over acme/r1..r4,
# --jobs 1, lasting longer than TTL seconds) while the installation tokens
# live TTL seconds and the first POST of acme/r3's PR answers 401: every
# repository pushed with a PR by the App, acme's installation token minted
# at least 3 times (said in the report too), the injected 401 the only one,
# no secret in the output or the report.
refresh_check() {
	local name=$1 ttl=$2 m t0 t1 rep n minted refused
	shift 2
	app_json "$ttl"
	curl -s -X POST --data '{"kind":"status","status":401,"message":"Bad credentials","method":"POST","path":"/repos/acme/r3/pulls$","count":1}' \
	    "http://127.0.0.1:$PORT/_forge/faults" > /dev/null
	m=$(mark)
	t0=$(date +%s%N)
	"$@" > "$T/out" 2> "$T/err" || { cat "$T/err"; fail "refresh run failed"; }
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
	[ "$minted" -ge 3 ] || fail "a $ttl s token was minted $minted times in one run, want >= 3"
	[ "$refused" -eq 1 ] || fail "$refused answers were 401 (only the injected one should be)"
	pjt '[i for i in d["run"]["auth"]["installations"] if i["owner"] == "acme"][0]["tokens"] >= 3' \
	    "$rep" || fail "report: tokens minted"
	no_secrets "$T/out" "$T/err" $(find "$(dirname "$rep")" -type f)
	curl -s -X DELETE "http://127.0.0.1:$PORT/_forge/faults" > /dev/null
	app_json 3600
	echo "$name: refresh: ok"
}

# captured CMD...: run CMD, its stdout in $T/out and its stderr in $T/err
# (shown on stderr), the forge's requests meanwhile in $T/slice.json; prints
# its exit status.
captured() {
	local m rc
	m=$(mark)
	set +e
	"$@" > "$T/out" 2> "$T/err"
	rc=$?
	set -e
	since "$m" > "$T/slice.json"
	cat "$T/err" >&2
	echo "$rc"
}

# owners_check TEST SOURCE CMD...: run CMD (a sync or run over acme/a,
# acme/b, beta/c, beta/d and gamma/e, where gamma has no installation):
# exit 1, the four others pushed with PRs by the App, gamma/e failed with
# cause auth saying why and nothing pushed there; run.auth is App 4242
# from SOURCE (its start) with the three owners. Leaves the run's
# requests in $T/slice.json, its report in $REP, its output in $T/out,
# $T/err.
owners_check() {
	local name=$1 source=$2 rc n login
	shift 2
	rc=$(captured "$@")
	[ "$rc" -eq 1 ] || fail "$name: exit $rc, want 1 (gamma/e fails)"
	REP=$(last_report)
	for n in acme/a acme/b beta/c beta/d; do
		[ "$(outcome "$REP" $n)" = pushed ] || fail "$n: $(outcome "$REP" $n), want pushed"
		login=$(api "/repos/$n/pulls" | pj 'd[0]["user"]["login"]')
		[ "$login" = "repocast-test[bot]" ] || fail "$n: PR opened by '$login', not the App"
	done
	[ "$(outcome "$REP" gamma/e)" = failed ] || fail "gamma/e: $(outcome "$REP" gamma/e)"
	pjt '[t for t in d["targets"] if t["name"] == "gamma/e"][0]["cause"] == "auth"' "$REP" ||
	    fail "gamma/e: cause is not auth"
	pjt '"GitHub App 4242 is not installed on '"'gamma'"'" in [t for t in d["targets"] if t["name"] == "gamma/e"][0]["error"]' \
	    "$REP" || fail "gamma/e: the error does not say the App is not installed"
	[ -z "$(ls "$T/forge/gamma/e.git/refs/heads/" | grep -v main)" ] || fail "gamma/e: pushed"
	SRC=$source pjt 'd["run"]["auth"]["kind"] == "app" and d["run"]["auth"]["app_id"] == "4242" and d["run"]["auth"]["source"].startswith(__import__("os").environ["SRC"])' \
	    "$REP" || fail "report: run.auth is not the App from $source: $(pj 'd["run"]["auth"]' "$REP")"
	pjt '{i["owner"]: i["id"] for i in d["run"]["auth"]["installations"]} == {"acme": 1001, "beta": 1002, "gamma": None}' \
	    "$REP" || fail "report: installations $(pj 'd["run"]["auth"]["installations"]' "$REP")"
}

# owner_requests KIND...: every request of $T/slice.json about acme/* carried
# installation 1001's token, beta/* 1002's, each owner's requests of each
# KIND (api, clone, push, pr) among them; installation tokens were minted for
# those two alone, once each.
owner_requests() {
	python3 - "$T/slice.json" "$@" <<'PY' || fail "requests were not made with the owner's installation"
import json, re, sys
d = json.load(open(sys.argv[1]))
want = set(sys.argv[2:])
seen = {"acme": set(), "beta": set()}
for r in d:
    m = re.match(r"/(?:api/v3/repos|api/v3/users|git)/(acme|beta)/", r["path"])
    # (git's first request carries no credentials: its 401 asks for them)
    if m and not r["path"].endswith("/installation") and r["auth"]:
        assert r.get("installation") == {"acme": 1001, "beta": 1002}[m.group(1)], r
        kind = ("push" if "receive-pack" in r["path"] else "clone" if "upload-pack" in r["path"]
                else "pr" if r["method"] == "POST" and r["path"].endswith("/pulls") else "api")
        seen[m.group(1)].add(kind)
assert want <= seen["acme"] and want <= seen["beta"], (want, seen)
tok = sorted(r["path"] for r in d if r["path"].endswith("/access_tokens"))
assert tok == ["/api/v3/app/installations/1001/access_tokens",
               "/api/v3/app/installations/1002/access_tokens"], tok
PY
}

# wrong_key_check TEST FROM CMD...: CMD, whose App key is not the App's,
# exits 3 saying the API refused the JWT of App 4242 (from FROM, a grep
# pattern) with GitHub's message, and wrote nothing (fetches aside) and
# showed no secret. Leaves the run's requests in $T/slice.json.
wrong_key_check() {
	local name=$1 from=$2 rc
	shift 2
	rc=$(captured "$@")
	[ "$rc" -eq 3 ] || fail "$name: exit $rc, want 3"
	grep -q "GitHub App 4242 (from $from): the API refused its JWT" "$T/err" ||
	    fail "$name: the error does not say the JWT was refused"
	grep -q "A JSON web token could not be decoded" "$T/err" || fail "$name: GitHub's message"
	pjt 'not [r for r in d if r["method"] != "GET" and "upload-pack" not in r["path"] and not r["path"].endswith("/access_tokens")]' \
	    "$T/slice.json" || fail "$name: something was written"
	no_secrets "$T/out" "$T/err"
}
