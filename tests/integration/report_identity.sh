#!/bin/bash
# The run's identity, signing and commit path in every form of a merged
# report: two shards (--shard K/2) of a sync as a GitHub App (the forge's,
# installed on acme and beta) signing its commits with an ssh key, merged
# by `report merge`: run.auth keeps the App and every owner's
# installation (tokens added up), run.signing the key's fingerprint,
# run.commit_via push; report.html (rendered by headless chromium) and
# report.md show them, and `report show`. A real shard merged with a dry
# one disagree on the commit path: a warning naming both runs, commit_via
# null and run.merge.disagreements, said in each form. Never a key, a JWT
# or a token in any of them. REPORT_IDENTITY_PNG=PATH keeps a screenshot
# of the page's summary (and PATH-mixed.png that of the mixed merge).
source "$(dirname "$0")/app_lib.bash"
# the forge, the App's key pair and the forge's App 4242 on acme and beta
app_lib_init
command -v ssh-keygen > /dev/null ||
    fail "ssh-keygen is not installed: cannot run (apt-get install openssh-client)"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || fail "no $CHROMIUM: 'sh mk/deps.sh' installs Debian's chromium"
mkdir -p "$T/home" "$T/keys"
ssh-keygen -q -t ed25519 -N '' -C bot@example.com -f "$T/keys/bot" ||
    fail "ssh-keygen could not make a key"
FP=$(ssh-keygen -l -E sha256 -f "$T/keys/bot.pub" | awk '{print $2}')
case $FP in SHA256:*) ;; *) fail "no fingerprint for the key: '$FP'" ;; esac

TARGETS="acme/a acme/b acme/c acme/d beta/e beta/f beta/g beta/h"
make_repo acme/source main shared.txt "shared v1"
# shellcheck disable=SC2086
seed_targets main $TARGETS
{
	cat <<EOF
version: 1
repocast:
  api_url: http://127.0.0.1:@PORT@/api/v3
  git_url: http://127.0.0.1:@PORT@/git
  api: {write_interval: 0}
  author: {name: Sync Bot, email: bot@example.com}
  commit: {sign: ssh, key: $T/keys/bot}
  auth:
    app_id: 4242
    private_key_file: $T/app.pem
groups:
  - name: g
    id: g
    source: {repo: acme/source, branch: main}
    targets:
EOF
	for t in $TARGETS; do
		printf '      - repo: %s\n        files: [{src: shared.txt, dest: shared.txt}]\n' "$t"
	done
} | write_config
# shard K DIR [OPTION...]: sync shard K/2 into the report dir DIR (HOME
# with no git config); $RUN is its run directory
shard() {
	local k=$1 dir=$2
	shift 2
	(cd "$T" && HOME=$T/home timeout 120 "$RC" sync -c "$T/sync.yaml" --shard "$k/2" \
	    --confirm-scope 8 --report-dir "$dir" --no-progress "$@") > "$T/out$k" 2>&1 ||
	    { cat "$T/out$k"; fail "sync --shard $k/2 $*"; }
	RUN=$(ls -td "$dir"/*/ | head -n 1)
}
# owners K: the owners of shard K/2's targets, sorted, one per line
owners() {
	"$RC" validate -c "$T/sync.yaml" --shard "$1/2" --json > "$T/v.json" || fail "validate"
	pj "'\n'.join(sorted({t['repo'].split('/')[0] for g in d['groups'] for t in g['targets']}))" \
	    "$T/v.json"
}
no_secrets() {
	local f
	for f in "$@"; do
		! grep -aq -e 'PRIVATE KEY' -e 'ghs_' -e 'eyJ' -e "$(sed -n 3p "$T/keys/bot")" "$f" ||
		    fail "a secret in $f"
	done
}

# --- two real shards, merged: identity, signing and commit path kept
shard 0 "$T/s0"
S0=$RUN
shard 1 "$T/s1"
S1=$RUN
for s in "$S0" "$S1"; do
	pjt 'all(t["outcome"] == "pushed" for t in d["targets"]) and d["targets"]' "${s}report.json" ||
	    fail "$s: not every target pushed: $(pj '[(t["name"], t["outcome"]) for t in d["targets"]]' "${s}report.json")"
done
[ "$( (owners 0; owners 1) | sort -u | tr '\n' ' ')" = "acme beta " ] ||
    fail "the shards' owners do not cover acme and beta"
"$RC" report merge "$S0" "$S1" -o "$T/merged" 2> "$T/merr" || { cat "$T/merr"; fail "merge"; }
! grep -q warning "$T/merr" || { cat "$T/merr"; fail "a warning merging agreeing shards"; }
M=$T/merged/report.json
python3 - "${S0}report.json" "${S1}report.json" "$M" "$FP" "$T/keys/bot" <<'PY' ||
import json, sys
a, b, m = (json.load(open(p))["run"] for p in sys.argv[1:4])
fp, key = sys.argv[4], sys.argv[5]
for r in (a, b):
    assert r["auth"]["kind"] == "app" and r["auth"]["app_id"] == "4242", r["auth"]
assert m["auth"]["kind"] == "app", m["auth"]
assert m["auth"]["app_id"] == "4242", m["auth"]
assert m["auth"]["source"] == a["auth"]["source"] and m["auth"]["source"].startswith("repocast.auth ("), m["auth"]
# each owner once, its installation's id, the shards' tokens added up
want = {}
for r in (a, b):
    for i in r["auth"]["installations"]:
        w = want.setdefault(i["owner"], {"owner": i["owner"], "id": i["id"], "tokens": 0})
        w["tokens"] += i["tokens"]
got = {i["owner"]: i for i in m["auth"]["installations"]}
assert got == want, (got, want)
assert {o: i["id"] for o, i in got.items()} == {"acme": 1001, "beta": 1002}, got
assert all(i["tokens"] >= 1 for i in got.values()), got
assert m["signing"] == {"method": "ssh", "key": key, "fingerprint": fp,
                        "from": "repocast.commit"}, m["signing"]
assert m["signing"] == a["signing"] == b["signing"]
assert m["commit_via"] == "push", m["commit_via"]
assert m["merge"]["disagreements"] == [], m["merge"]
print("merged run.auth:", json.dumps(m["auth"]))
PY
    fail "the merged report's run.auth, run.signing or run.commit_via"

# report.md and report show say the same
grep -qF "Commits signed with ssh ($FP). As GitHub App 4242 from repocast.auth (" \
    "$T/merged/report.md" || { head -5 "$T/merged/report.md"; fail "report.md: identity"; }
grep -qF "(installations: acme 1001, beta 1002). Commits by push" "$T/merged/report.md" ||
    grep -qF "(installations: beta 1002, acme 1001). Commits by push" "$T/merged/report.md" ||
    { head -5 "$T/merged/report.md"; fail "report.md: installations or commit path"; }
"$RC" report show "$T/merged" > "$T/show" || fail "report show of the merge"
grep -q "^identity  GitHub App 4242 from repocast.auth (.*); installations .*acme 1001" "$T/show" &&
    grep -q "^signing   ssh $FP, key $T/keys/bot, from repocast.commit$" "$T/show" &&
    grep -q "^commits   push$" "$T/show" || { cat "$T/show"; fail "report show: identity"; }

# report.html as chromium renders it: the summary's identity table
# render_text HTML NAME: the page's rendered DOM ($T/NAME.dom) and the text
# of its identity table ($T/NAME.txt), one row a line
render_text() {
	timeout 120 "$CHROMIUM" --headless=new --no-sandbox --disable-gpu \
		--host-resolver-rules="MAP * ~NOTFOUND" --no-proxy-server \
		--disable-background-networking --disable-component-update --disable-sync \
		--disable-extensions --no-first-run --user-data-dir="$T/chromium-$2" \
		--dump-dom "file://$1" > "$T/$2.dom" 2> "$T/$2.err" ||
		{ tail -5 "$T/$2.err"; fail "chromium could not load $1"; }
	python3 - "$T/$2.dom" > "$T/$2.txt" <<'PY' || fail "no identity table in the rendered $1"
import sys
from html.parser import HTMLParser
class P(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth, self.rows, self.cur, self.found = 0, [], None, False
    def handle_starttag(self, tag, attrs):
        if tag == "table" and ("id", "identity") in attrs:
            self.depth, self.found = 1, True
        elif self.depth and tag == "table":
            self.depth += 1
        if self.depth and tag == "tr":
            self.cur = []
        if self.depth and tag in ("th", "td") and self.cur is not None:
            self.cur.append(" ")
    def handle_endtag(self, tag):
        if self.depth and tag == "tr" and self.cur is not None:
            self.rows.append(" ".join("".join(self.cur).split()))
            self.cur = None
        if self.depth and tag == "table":
            self.depth -= 1
    def handle_data(self, d):
        if self.depth and self.cur is not None:
            self.cur.append(d)
p = P()
p.feed(open(sys.argv[1]).read())
if not p.found:
    sys.exit(1)
print("\n".join(p.rows))
PY
}
render_text "$T/merged/report.html" merged
cat "$T/merged.txt"
grep -q "^identity GitHub App 4242 from repocast.auth (.*); installations: .*acme 1001 ([0-9]* tokens\?)" \
    "$T/merged.txt" && grep -q "beta 1002 ([0-9]* tokens\?)" "$T/merged.txt" ||
    fail "report.html: the identity row"
grep -qxF "signing ssh, key $T/keys/bot, fingerprint $FP, from repocast.commit" "$T/merged.txt" ||
    fail "report.html: the signing row"
grep -qx "commit path push: each worker's git push" "$T/merged.txt" ||
    fail "report.html: the commit path row"
! grep -q 'id="shards"' "$T/merged.dom" || fail "report.html: a shards section with nothing to say"
# shot HTML NAME: a screenshot of the page's top (its summary), $T/NAME.png
shot() {
	timeout 120 "$CHROMIUM" --headless=new --no-sandbox --disable-gpu \
		--host-resolver-rules="MAP * ~NOTFOUND" --no-proxy-server \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$T/chromium-shot-$2" --window-size=1300,900 \
		--screenshot="$T/$2.png" "file://$1" > "$T/shot.err" 2>&1 ||
		{ cat "$T/shot.err"; fail "chromium could not take a screenshot of $1"; }
	python3 - "$T/$2.png" <<'PY' || fail "the screenshot of $1 is not a 1300x900 PNG of a page"
import os, struct, sys
d = open(sys.argv[1], "rb").read(33)
assert d[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
assert struct.unpack(">II", d[16:24]) == (1300, 900)
assert os.path.getsize(sys.argv[1]) > 20000, os.path.getsize(sys.argv[1])
PY
}
shot "$T/merged/report.html" summary
[ -z "${REPORT_IDENTITY_PNG:-}" ] || cp "$T/summary.png" "$REPORT_IDENTITY_PNG"

# --- a real shard and a dry one disagree on the commit path
shard 1 "$T/d1" --dry-run
D1=$RUN
"$RC" report merge "$S0" "$D1" -o "$T/mixed" 2> "$T/merr" || { cat "$T/merr"; fail "merge (mixed)"; }
id0=$(basename "$S0")
id1=$(basename "$D1")
grep -qxF "repocast: warning: the reports disagree on run.commit_via, which the merged report leaves null (run.merge.disagreements): $id0: push, $id1: none" \
    "$T/merr" || { cat "$T/merr"; fail "no warning naming both runs' commit paths"; }
[ "$(grep -c warning "$T/merr")" -eq 1 ] || { cat "$T/merr"; fail "warnings beside the commit path's"; }
pjt 'd["run"]["commit_via"] is None and d["run"]["merge"]["disagreements"] == [{"field": "commit_via", "reports": [{"run": "'"$id0"'", "value": "push"}, {"run": "'"$id1"'", "value": "none"}]}] and d["run"]["auth"]["app_id"] == "4242" and d["run"]["signing"]["fingerprint"] == "'"$FP"'"' \
    "$T/mixed/report.json" || fail "the mixed merge's report: $(pj 'd["run"]["merge"]' "$T/mixed/report.json")"
grep -qF "The commit path differs between the merged reports (Shards below)." "$T/mixed/report.md" &&
    grep -qF -- "- **Disagreement:** the merged reports differ on run.commit\\_via, which this run leaves null: $id0: push; $id1: none" \
    "$T/mixed/report.md" || { cat "$T/mixed/report.md"; fail "report.md: the disagreement"; }
"$RC" report show "$T/mixed" | grep -qxF "differs   run.commit_via: $id0: push; $id1: none" ||
    fail "report show: the disagreement"
render_text "$T/mixed/report.html" mixed
grep -qxF "commit path differs between the merged reports: $id0: push; $id1: none" "$T/mixed.txt" ||
    { cat "$T/mixed.txt"; fail "report.html: the disagreeing commit path"; }
grep -q "Disagreement: the merged reports differ on run.commit_via" "$T/mixed.dom" ||
    grep -q "<b>Disagreement:</b> the merged reports differ on <code>run.commit_via</code>" \
    "$T/mixed.dom" || fail "report.html: no disagreement in the shards section"
shot "$T/mixed/report.html" mixed
[ -z "${REPORT_IDENTITY_PNG:-}" ] || cp "$T/mixed.png" "${REPORT_IDENTITY_PNG%.png}-mixed.png"

# --- the merged report reads back and merges again as it was written
"$RC" report merge "$T/merged" -o "$T/again" 2> "$T/merr" || { cat "$T/merr"; fail "merge of a merge"; }
pjt 'd["run"]["auth"] == json.load(open(sys.argv[2].replace("again", "merged")))["run"]["auth"]' \
    "$T/again/report.json" || fail "run.auth changed merging the merged report"

no_secrets "$S0"report.* "$S1"report.* "$T"/merged/report.* "$T"/mixed/report.* "$T/show" \
    "$T/merr" "$T"/out*
echo "report_identity: ok"
