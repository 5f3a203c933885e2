#!/usr/bin/env bash
# report.html of a real `repocast run`: two local repositories, a quick
# none: entry, a command that fails, one that times out, a worker that
# crashes (retried, crashes again) and one killed once (retried, then
# fine), and a name full of markup. The page must parse, hold its
# sections and their SVG charts, show the hostile name as text, hold no
# URL and load nothing: headless chromium renders it (a screenshot, and
# the DOM) with every host unresolvable, and its console and its network
# log must stay empty of the page. The same checks are run on two broken
# copies of the page, so that they are seen to fail.
# REPORT_HTML_PNG=PATH keeps the screenshot.
. "$(dirname "$0")/run_lib.bash"

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || fail "no $CHROMIUM: 'sh mk/deps.sh' installs Debian's chromium"

HOSTILE='<b>x</b>&"'"'"'name'
make_repo "$T/src/repo-a"
make_repo "$T/src/repo-b"
cat >"$T/repos" <<EOF
$T/src/repo-a
$T/src/repo-b
none:quick
none:bad
none:slow
none:crash
none:flaky
none:$HOSTILE
EOF
mkdir -p "$T/state"
export REPOCAST_WORKER=$B/tests/bin/repocast-worker-test
export REPOCAST_FAULTS="crash=segv,flaky=once-sigkill"
export REPOCAST_FAULT_DIR=$T/state
set +e
rc run --repos "$T/repos" --no-pr --jobs 3 --timeout 1s --retries 1 --grace 200ms \
	--report-dir "$T/runs" -- sh -c 'echo "working in $REPOCAST_REPO"
		case $REPOCAST_REPO in
		bad) echo "something broke" >&2; exit 3 ;;
		slow) sleep 30 ;;
		esac' >"$T/out" 2>&1
code=$?
set -e
cat "$T/out"
[ "$code" -eq 1 ] || fail "exit status $code, want 1"
R=$(report_of "$T/runs")
H=$(dirname "$R")/report.html
[ -s "$H" ] || fail "no report.html next to $R"
t() { jget "$R" "[t for t in d['targets'] if t['name']=='$1'][0]['$2']"; }
[ "$(t bad cause)" = exit:3 ] || fail "bad: cause $(t bad cause)"
[ "$(t slow cause)" = timeout ] || fail "slow: cause $(t slow cause)"
[ "$(t slow attempts)" = 2 ] || fail "slow: attempts $(t slow attempts)"
[ "$(t crash cause)" = signal:SEGV ] || fail "crash: cause $(t crash cause)"
[ "$(t flaky attempts)" = 2 ] || fail "flaky: attempts $(t flaky attempts)"
[ "$(t flaky cause)" = None ] || fail "flaky: cause $(t flaky cause)"

# check_page HTML REPORT: the page's structure, against its report.json.
check_page() {
	python3 - "$1" "$2" "$HOSTILE" <<'PY'
import json, re, sys
from html.parser import HTMLParser

path, report, hostile = sys.argv[1:4]
raw = open(path, "rb").read()
text = raw.decode("utf-8")              # strict: the page is UTF-8
doc = json.load(open(report))
VOID = {"meta", "link", "br", "hr", "img", "input", "wbr", "col", "area", "base",
        "source", "track", "embed"}
SVG_EMPTY = {"rect", "line", "path", "circle", "polyline", "polygon"}
bad = []

class Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.ids, self.svgs, self.texts, self.hrefs = [], set(), 0, [], []
        self.in_svg = 0
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "img", "iframe", "object", "embed", "base", "form"):
            bad.append("a <%s> element" % tag)
        if tag == "link" and not (a.get("rel") == "icon" and a.get("href") == "data:,"):
            bad.append("a <link> other than the empty icon: %r" % attrs)
        for k, v in attrs:
            if k in ("src", "srcset", "xlink:href", "action", "formaction", "poster",
                     "background") or k.startswith("on"):
                bad.append("attribute %s=%r on <%s>" % (k, v, tag))
            if v and re.search(r"(?i)\b(https?|ftp|wss?):", v) and not (tag == "a" and k == "href"):
                bad.append("a URL in %s=%r on <%s>" % (k, v, tag))
        if tag == "a" and "href" in a:
            self.hrefs.append(a["href"])
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "svg":
            self.svgs += 1
        if tag in VOID:
            return
        self.stack.append(tag)
    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()
    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            bad.append("</%s> closes <%s>" % (tag, self.stack[-1] if self.stack else "nothing"))
            return
        self.stack.pop()
    def handle_data(self, data):
        self.texts.append(data)

p = Page()
p.feed(text)
p.close()
if p.stack:
    bad.append("left open: %s" % p.stack)
for sid in ("summary", "timeline", "cpu", "memory", "phases", "slowest", "heaviest",
            "failures", "prs", "targets"):
    if sid not in p.ids:
        bad.append("no section '%s'" % sid)
if p.svgs < 5:
    bad.append("%d <svg> elements, want 5 or more" % p.svgs)
for m in re.finditer(r"(?i)(https?|ftp|wss?)://", text):
    before = text[max(0, m.start() - 6):m.start()]
    if before != 'href="':
        bad.append("a URL outside an href: %r" % text[m.start() - 20:m.end() + 30])
for h in p.hrefs:
    if not h.startswith("#"):
        bad.append("a link that is no anchor (this run opened no PR): %r" % h)
if re.search(r"(?i)url\s*\(|@import", text):
    bad.append("CSS that could load something")
if "default-src 'none'" not in text:
    bad.append("no Content-Security-Policy")
alltext = "".join(p.texts)
if hostile not in alltext:
    bad.append("the hostile name is not shown as text")
if "<b>x</b>" in text:
    bad.append("the hostile name's markup is in the page")
# One timeline row per target whose worker ran.
ran = sum(1 for t in doc["targets"] if t["pid"] != 0)
rows = text.count('<g class="row">')
if rows != ran:
    bad.append("%d timeline rows, want %d" % (rows, ran))
for name in ("bad", "slow", "crash"):
    if not re.search(r"<article class=\"fail[^\"]*\">\n<h3>.*?%s</h3>" % name, text):
        bad.append("no failure article for %s" % name)
for needle in ("exit:3", "timeout", "signal:SEGV", "something broke", "\u21bb2",
               "--- repocast: attempt 2 ---"):
    if needle not in alltext:
        bad.append("%r is not in the page" % needle)
if bad:
    print("\n".join(bad))
    sys.exit(1)
print("page ok: %d bytes, %d svg, %d rows" % (len(raw), p.svgs, rows))
PY
}

# chromium_load HTML NAME: render HTML headless, with no host resolvable,
# a profile of its own and a network log; the DOM to $T/NAME.dom, the
# console and log lines to $T/NAME.err. Any request the page made (a
# network log entry whose initiator is the file) to $T/NAME.requests.
chromium_load() {
	local html=$1 name=$2
	timeout 120 "$CHROMIUM" --headless=new --no-sandbox --disable-gpu \
		--host-resolver-rules="MAP * ~NOTFOUND" --no-proxy-server \
		--disable-background-networking --disable-component-update --disable-sync \
		--disable-extensions --disable-default-apps --no-first-run --no-pings \
		--user-data-dir="$T/chromium-$name" --log-net-log="$T/$name.netlog" \
		--enable-logging=stderr --v=0 --dump-dom "file://$html" \
		>"$T/$name.dom" 2>"$T/$name.err" || fail "chromium could not load $html (see $T/$name.err)"
	python3 - "$T/$name.netlog" >"$T/$name.requests" <<'PY' || fail "cannot read the network log"
import json, sys
d = json.load(open(sys.argv[1]))
seen = set()
for e in d.get("events", []):
    p = e.get("params") or {}
    url = p.get("url")
    if not url or url.startswith(("file:", "data:")):
        continue
    # The page's own requests carry its (file, opaque) origin; chromium's
    # background ones (updates, time) carry none and resolve to nothing.
    page = p.get("initiator") == "null" or "file://" in p.get("network_isolation_key", "")
    if page and url not in seen:
        seen.add(url)
        print(url)
PY
}

# page_quiet NAME: nothing on the console, nothing refused, no request.
page_quiet() {
	local name=$1 err
	err=$(grep -E 'CONSOLE|Refused to|Content Security Policy' "$T/$name.err" || true)
	[ -z "$err" ] || { echo "$err"; return 1; }
	[ ! -s "$T/$name.requests" ] || { cat "$T/$name.requests"; return 1; }
}

check_page "$H" "$R" || fail "report.html: see above"

# The page as chromium sees it: it loads, and asks for nothing.
chromium_load "$H" page
page_quiet page || fail "report.html made the browser complain or fetch something (above)"
grep -q '<section id="timeline">' "$T/page.dom" || fail "the DOM has no timeline"
[ "$(grep -o '<svg' "$T/page.dom" | wc -l)" -ge 5 ] || fail "the DOM has fewer than 5 <svg>"

timeout 120 "$CHROMIUM" --headless=new --no-sandbox --disable-gpu \
	--host-resolver-rules="MAP * ~NOTFOUND" --no-proxy-server \
	--disable-background-networking --disable-component-update --disable-sync \
	--user-data-dir="$T/chromium-shot" --window-size=1400,3000 \
	--screenshot="$T/page.png" "file://$H" >"$T/shot.err" 2>&1 ||
	{ cat "$T/shot.err"; fail "chromium could not take a screenshot"; }
python3 - "$T/page.png" <<'PY' || fail "the screenshot is not a 1400x3000 PNG of a page"
import os, struct, sys
d = open(sys.argv[1], "rb").read(33)
assert d[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
w, h = struct.unpack(">II", d[16:24])
assert (w, h) == (1400, 3000), (w, h)
# A blank page compresses to a few KiB; charts, tables and text do not.
assert os.path.getsize(sys.argv[1]) > 60000, os.path.getsize(sys.argv[1])
PY
[ -z "${REPORT_HTML_PNG:-}" ] || cp "$T/page.png" "$REPORT_HTML_PNG"

# The checks fail where they should: an image slipped into the page is
# refused by its policy (the console says so); without the policy, the
# browser asks for it (the network log says so); and the parser check sees it.
sed 's|<main>|<main><img src="http://127.0.0.1:9/leak.png">|' "$H" >"$T/leak.html"
check_page "$T/leak.html" "$R" >"$T/leak.check" && fail "check_page accepted an <img>"
grep -q 'a URL outside an href' "$T/leak.check" || fail "check_page did not see the URL"
chromium_load "$T/leak.html" leak
page_quiet leak && fail "a refused image went unnoticed"
grep -q "leak.png' violates the following Content Security Policy" "$T/leak.err" ||
	fail "no refusal for the image"
sed -e 's|<meta http-equiv="Content-Security-Policy"[^>]*>||' "$T/leak.html" >"$T/open.html"
chromium_load "$T/open.html" open
page_quiet open && fail "a request of the page went unnoticed"
grep -qx 'http://127.0.0.1:9/leak.png' "$T/open.requests" || fail "the request is not in the network log"

# --profile: the page carries a flame graph, its one script allowed by the
# policy's nonce; chromium runs it without a complaint or a request, and a
# screenshot shows it (REPORT_HTML_FLAME_PNG=PATH keeps it).
unset REPOCAST_WORKER REPOCAST_FAULTS
printf '%s\n' "$T/src/repo-a" >"$T/repos-profile"
rc run --repos "$T/repos-profile" --no-pr --profile --report-dir "$T/runs-profile" \
	-- sh -c 'i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done' >"$T/profile.out" 2>&1 ||
	{ cat "$T/profile.out"; fail "run --profile failed"; }
PH=$(dirname "$(report_of "$T/runs-profile")")/report.html
python3 - "$PH" <<'PY' || fail "the profiled report.html has no flame graph, or a script the policy does not name"
import re, sys
t = open(sys.argv[1]).read()
assert '<section id="profile">' in t and '<svg xmlns="http://www.w3.org/2000/svg"' in t
nonce = re.search(r"script-src 'nonce-([0-9a-f]{32})'", t).group(1)
assert re.findall(r"<script[^>]*>", t) == ['<script nonce="%s">' % nonce]
assert t.count('<g class="f"') >= 3
assert not re.search(r"<script[^>]*\bsrc=", t)
PY
chromium_load "$PH" profile
page_quiet profile || fail "the profiled report.html made the browser complain or fetch something"
grep -q 'id="flamegraph"' "$T/profile.dom" || fail "the DOM has no flame graph"
timeout 120 "$CHROMIUM" --headless=new --no-sandbox --disable-gpu \
	--host-resolver-rules="MAP * ~NOTFOUND" --no-proxy-server \
	--disable-background-networking --disable-component-update --disable-sync \
	--user-data-dir="$T/chromium-flame" --window-size=1400,3600 \
	--screenshot="$T/flame.png" "file://$PH" >"$T/flame-shot.err" 2>&1 ||
	{ cat "$T/flame-shot.err"; fail "chromium could not take a screenshot of the profiled page"; }
python3 - "$T/flame.png" <<'PY' || fail "the profiled page's screenshot is not a PNG of a page"
import os, struct, sys
d = open(sys.argv[1], "rb").read(33)
assert d[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
assert struct.unpack(">II", d[16:24]) == (1400, 3600)
assert os.path.getsize(sys.argv[1]) > 60000, os.path.getsize(sys.argv[1])
PY
[ -z "${REPORT_HTML_FLAME_PNG:-}" ] || cp "$T/flame.png" "$REPORT_HTML_FLAME_PNG"

assert_no_leftovers
echo "report_html: ok"
