#!/bin/bash
# --profile (docs/profile.md): `repocast sync --profile` and `repocast run
# --profile` leave profile.folded (the workers' own frames, named from
# their .symtab: main, the git plugin's apply_job, its checkout), a
# targets/NAME.folded per target, a well-formed flame.svg whose script
# zooms and searches (chromium runs it), and a Profile section in
# report.html; run also folds perf's samples of the command where perf can
# record, and says why not where it cannot. Without --profile: none of
# these files, no section, and the worker has no SIGPROF handler.
source "$(dirname "$0")/sync_lib.bash"
sync_lib_init
forge_start
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || fail "no $CHROMIUM: 'sh mk/deps.sh' installs Debian's chromium"

# A source with a big directory: the sync workers have CPU to sample.
gen_repo "$T/forge/acme/source.git" main 3000 source
seed_targets main acme/a acme/b
write_config <<'EOF2'
version: 1
repocast:
  api_url: http://127.0.0.1:@PORT@/api/v3
  git_url: http://127.0.0.1:@PORT@/git
  api: {write_interval: 0}
groups:
  - name: g
    id: g
    source: {repo: acme/source, branch: main}
    targets:
      - repo: acme/a
        directories: [{src: src, dest: src}]
      - repo: acme/b
        directories: [{src: src, dest: src}]
EOF2

# check_svg FILE: well-formed XML, an <svg> root, frames with titles.
check_svg() {
	python3 - "$1" <<'PY' || fail "$1 is not a good flame graph (above)"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
ns = "{http://www.w3.org/2000/svg}"
assert root.tag == ns + "svg", root.tag
frames = [g for g in root.iter(ns + "g") if g.get("class") == "f"]
assert len(frames) >= 3, len(frames)
assert all(g.find(ns + "title") is not None for g in frames)
assert root.find(ns + "script") is not None
print("svg ok: %d frames" % len(frames))
PY
}

# check_folded FILE: every line "stack count", and print the stacks.
check_folded() {
	awk 'NF < 2 || $NF !~ /^[1-9][0-9]*$/ { print "bad line " NR ": " $0; bad = 1 } END { exit bad }' "$1" ||
		fail "$1 is not folded stacks"
}

# --- sync --profile
rsync_run --profile --jobs 2 >"$T/sync.out" 2>&1 || { cat "$T/sync.out"; fail "sync --profile failed"; }
D=$(dirname "$(last_report)")
for f in profile.folded flame.svg targets/acme__a.folded targets/acme__b.folded; do
	[ -s "$D/$f" ] || fail "sync --profile: no $f in the run directory"
done
check_folded "$D/profile.folded"
grep -q '^repocast-worker;.*;main;' "$D/profile.folded" || fail "no stack through the worker's main"
# The plugin's frames are named too (its .symtab): its job entry point.
grep -q ';apply_job' "$D/profile.folded" || { head "$D/profile.folded"; fail "no frame of the git plugin (apply_job)"; }
grep -q 'repocast-worker: profile: [0-9]* samples every 1000 us' "$D/targets/acme__a.log" ||
	fail "the target's log does not say what was sampled"
check_svg "$D/flame.svg"
grep -q '<section id="profile">' "$D/report.html" || fail "report.html has no profile section"
python3 - "$D/report.html" <<'PY' || fail "report.html: the flame graph's script is not the one the policy allows"
import re, sys
t = open(sys.argv[1]).read()
csp = re.search(r"script-src 'nonce-([0-9a-f]{32})'", t)
scripts = re.findall(r"<script([^>]*)>", t)
assert csp, "no script nonce in the policy"
assert scripts == [' nonce="%s"' % csp.group(1)], scripts
assert "data-n=" in t and 'id="flamegraph"' in t
PY

# --- the report's graph in chromium: its script runs under the page's
# policy (the console stays quiet), and the DOM is the graph's.
timeout 120 "$CHROMIUM" --headless=new --no-sandbox --disable-gpu \
	--host-resolver-rules="MAP * ~NOTFOUND" --no-proxy-server --disable-background-networking \
	--user-data-dir="$T/chromium-page" --enable-logging=stderr --v=0 --dump-dom \
	"file://$D/report.html" >"$T/page.dom" 2>"$T/page.err" || fail "chromium could not load report.html"
! grep -E 'CONSOLE|Refused to|Content Security Policy' "$T/page.err" ||
	fail "report.html's flame graph made the browser complain (above)"
grep -q 'class="f"' "$T/page.dom" || fail "the DOM has no flame graph frames"

# --- zoom and search: the graph's own script, driven from a test page
# (flame.svg inline, then a script that clicks a frame and searches).
python3 - "$D/flame.svg" "$T/drive.html" <<'PY'
import sys
svg = open(sys.argv[1]).read().split("?>", 1)[1]
open(sys.argv[2], "w").write("""<!DOCTYPE html><html><body>%s
<script>
var svg = document.querySelector('svg.flame');
var target = [].slice.call(svg.querySelectorAll('g.f')).filter(function(g) {
  return g.getAttribute('data-n') === 'main'; })[0];
target.dispatchEvent(new MouseEvent('click', {bubbles: true}));
var hidden = svg.querySelectorAll('g.f.hide').length, anc = svg.querySelectorAll('g.f.anc').length;
var w = +target.querySelector('rect').getAttribute('width');
svg.flameSearch('apply_job');
document.body.setAttribute('data-result', JSON.stringify({hidden: hidden, anc: anc, w: w,
  matched: svg.querySelector('.matched').textContent,
  matches: svg.querySelectorAll('g.f.match').length,
  reset: svg.querySelector('.reset').classList.contains('hide')}));
</script></body></html>""" % svg)
PY
timeout 120 "$CHROMIUM" --headless=new --no-sandbox --disable-gpu \
	--host-resolver-rules="MAP * ~NOTFOUND" --no-proxy-server --disable-background-networking \
	--user-data-dir="$T/chromium-drive" --dump-dom "file://$T/drive.html" >"$T/drive.dom" 2>/dev/null ||
	fail "chromium could not load the test page"
python3 - "$T/drive.dom" <<'PY' || fail "zoom or search did not work (above)"
import html, json, re, sys
m = re.search(r'data-result="([^"]*)"', open(sys.argv[1]).read())
assert m, "the test page's script did not run"
r = json.loads(html.unescape(m.group(1)))
print(r)
assert r["w"] > 1000, "the clicked frame is not full width"
assert r["anc"] >= 1, "its callers are not kept as ancestors"
assert r["reset"] is False, "no Reset zoom after a zoom"
assert r["matches"] >= 1 and r["matched"].startswith("Matched: "), "search found nothing"
PY

# --- run --profile: a checkout of a big repository (the worker's own
# CPU) and a busy command (perf's, where perf can record).
git clone -q --bare "$T/forge/acme/source.git" "$T/big.git"
echo "$T/big.git" >"$T/repos"
"$RC" run --repos "$T/repos" --no-pr --profile --report-dir "$T/runs-run" --no-progress \
	-- sh -c 'i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done' >"$T/run.out" 2>&1 ||
	{ cat "$T/run.out"; fail "run --profile failed"; }
RD=$(dirname "$(ls "$T"/runs-run/*/report.json)")
[ -s "$RD/profile.folded" ] && [ -s "$RD/flame.svg" ] || fail "run --profile: no profile.folded or flame.svg"
check_folded "$RD/profile.folded"
check_svg "$RD/flame.svg"
grep -q '^repocast-worker;.*;main;.*checkout' "$RD/profile.folded" ||
	{ head "$RD/profile.folded"; fail "run --profile: no worker stack through the checkout"; }
grep -q '<section id="profile">' "$RD/report.html" || fail "run: report.html has no profile section"
if command -v perf >/dev/null && perf record -q -o /dev/null -- true 2>/dev/null; then
	grep -q '^sh;' "$RD/profile.folded" || fail "perf can record here, but no stack of the command (sh)"
	grep -q 'perf: recorded' "$RD"/targets/*.log || fail "the log does not say perf recorded"
	grep -q 'perf (the command): recorded' "$RD/report.html" || fail "report.html does not say perf recorded"
else
	echo "profile: NOTE perf cannot record on this machine: checking that the run says why" >&2
	grep -q 'perf cannot record the commands' "$T/run.out" || fail "run did not say perf cannot record"
	grep -q 'perf (the command): not available' "$RD/report.html" || fail "report.html does not say why"
fi

# --- without --profile: no profile files, no section, no handler in the worker
# (SigCgt of the command's parent, the worker, has no SIGPROF: bit 27).
"$RC" run --repos "$T/repos" --no-pr --report-dir "$T/runs-off" --no-progress \
	-- sh -c 'grep SigCgt /proc/$PPID/status' >"$T/off.out" 2>&1 || { cat "$T/off.out"; fail "run failed"; }
OD=$(dirname "$(ls "$T"/runs-off/*/report.json)")
[ ! -e "$OD/profile.folded" ] && [ ! -e "$OD/flame.svg" ] || fail "profile files without --profile"
! ls "$OD"/targets/*.folded >/dev/null 2>&1 || fail "a target's .folded without --profile"
! grep -q 'id="profile"' "$OD/report.html" || fail "a profile section without --profile"
! grep -q 'profile:' "$OD"/targets/*.log || fail "a profile line in a log without --profile"
mask=$(sed -n 's/.*SigCgt:[[:space:]]*\([0-9a-f]*\).*/\1/p' "$OD"/targets/*.log | head -n 1)
[ -n "$mask" ] || { cat "$OD"/targets/*.log; fail "no SigCgt line from the worker"; }
[ $(( 0x$mask >> 26 & 1 )) -eq 0 ] || fail "the worker catches SIGPROF without --profile (SigCgt $mask)"
[ $(( 0x$mask >> 0 & 1 )) -eq 1 ] || fail "SigCgt $mask: the worker's SIGHUP handler is not seen (the check reads the wrong process)"
rsync_run --report-dir "$T/runs-sync-off" >"$T/sync-off.out" 2>&1 || { cat "$T/sync-off.out"; fail "sync failed"; }
SD=$(dirname "$(ls "$T"/runs-sync-off/*/report.json)")
[ ! -e "$SD/profile.folded" ] && [ ! -e "$SD/flame.svg" ] || fail "sync: profile files without --profile"
echo "profile: ok"
