#!/usr/bin/env bash
# The token reaches a worker only in a CRED message: it is used for an
# http(s) fetch (a loopback server sees "x-access-token:<token>" in Basic
# auth) and appears in no log, no report, no worker's or command's argv or
# environment. A token file works the same way.
. "$(dirname "$0")/run_lib.bash"

TOKEN="tok-$RANDOM-$RANDOM-secret"
make_repo "$T/src/local"
# A loopback "forge" that asks for credentials and records what it got.
cat >"$T/server.py" <<'PY'
import base64, http.server, sys
out = sys.argv[1]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        auth = self.headers.get("Authorization")
        if not auth:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="t"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        with open(out, "a") as f:
            f.write(base64.b64decode(auth.split()[1]).decode() + "\n")
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(out + ".port", "w").write(str(s.server_port))
s.serve_forever()
PY
python3 "$T/server.py" "$T/auth" &
SRV=$!
lib_at_exit 'kill $SRV 2>/dev/null'
for i in $(seq 1 50); do [ -s "$T/auth.port" ] && break; sleep 0.1; done
PORT=$(cat "$T/auth.port")
printf '%s\n' "$T/src/local" "acme/remote" >"$T/repos"

# The command records its environment, its parent's (the worker's)
# environment and command line, into the log.
CMD='env; echo ---; tr "\0" "\n" </proc/$PPID/environ; echo ---; tr "\0" " " </proc/$PPID/cmdline'
set +e
GITHUB_TOKEN=$TOKEN rc run --repos "$T/repos" --no-pr --jobs 2 --retries 0 --timeout 20s \
	--git-url "http://127.0.0.1:$PORT/git/" --report-dir "$T/runs" -- sh -c "$CMD" \
	>"$T/out" 2>&1
code=$?
set -e
cat "$T/out"
[ "$code" -eq 1 ] || fail "exit status $code, want 1 (the remote one cannot be fetched)"
grep -qx "x-access-token:$TOKEN" "$T/auth" || fail "the server never saw the token: $(cat "$T/auth" 2>/dev/null)"
R=$(report_of "$T/runs")
D=$(dirname "$R")
LOG=$D/targets/local.log
grep -q "^REPOCAST_REPO=local$" "$LOG" || fail "the command did not run: $(cat "$LOG")"
grep -q "^REPOCAST_SUPERVISOR_PID=" "$LOG" || fail "the worker's environment is not in the log"
grep -q "repocast-worker" "$LOG" || fail "the worker's argv is not in the log"
[ "$(jget "$R" "[t for t in d['targets'] if t['name']=='acme/remote'][0]['cause'] is not None")" = True ] \
	|| fail "remote should fail"
if grep -rq -- "$TOKEN" "$D" "$T/out"; then
	grep -r -- "$TOKEN" "$D" "$T/out" >&2
	fail "the token leaked"
fi

# --token-file: same path, and GH_TOKEN is scrubbed as well.
echo "$TOKEN" >"$T/token"
chmod 600 "$T/token"
: >"$T/auth"
rm -rf "$T/runs"
set +e
GH_TOKEN=$TOKEN rc run --repos "$T/repos" --no-pr --jobs 2 --retries 0 --timeout 20s \
	--token-file "$T/token" --git-url "http://127.0.0.1:$PORT/git" --report-dir "$T/runs" \
	-- sh -c "$CMD" >"$T/out" 2>&1
set -e
grep -qx "x-access-token:$TOKEN" "$T/auth" || fail "token file not used"
D=$(dirname "$(report_of "$T/runs")")
grep -rq -- "$TOKEN" "$D" "$T/out" && fail "the token leaked (token file)"
# An empty token file is a usage error.
: >"$T/empty"
chmod 600 "$T/empty"
set +e
rc run --repos "$T/repos" --no-pr --token-file "$T/empty" --report-dir "$T/runs2" -- true \
	>"$T/out" 2>&1
code=$?
set -e
[ "$code" -eq 2 ] || fail "empty token file: exit $code"
grep -q "github token from --token-file is empty" "$T/out" || fail "empty token file message"
assert_no_leftovers
echo "run_token: ok"
