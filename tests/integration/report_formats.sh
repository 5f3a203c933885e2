#!/usr/bin/env bash
# The four report formats of a real `repocast run` (successes, a crash, a
# timeout, a retry that worked, a command's failure, a hostile name), read
# back by independent parsers and held against report.json: junit.xml with
# xml.etree, trace.json with json (the structure Perfetto's importer
# needs), metrics.prom with a parser of the text exposition format,
# report.md's sections; --metrics-file writes the same metrics.prom.
. "$(dirname "$0")/run_lib.bash"

for n in good1 good2 flaky crash slow bad; do
	make_repo "$T/src/$n"
	echo "$T/src/$n" >>"$T/repos"
done
# Quotes, '<', '|', '&' and a byte that is not UTF-8 (a run names a none:
# entry after what follows the colon).
printf 'none:evil"<b>|&x\xff\n' >>"$T/repos"
mkdir -p "$T/state" "$T/textfile"
export REPOCAST_WORKER=$B/tests/bin/repocast-worker-test
export REPOCAST_FAULTS="flaky=once-sigkill,crash=segv,slow=hang"
export REPOCAST_FAULT_DIR=$T/state

set +e
rc run --repos "$T/repos" --no-pr --jobs 4 --timeout 1s --grace 500ms --retries 1 \
	--report-dir "$T/runs" --metrics-file "$T/textfile/repocast.prom" -- \
	sh -c 'test "$REPOCAST_REPO" != bad || { echo "bad | <b> & \"q\"" >&2; exit 3; }' \
	>"$T/out" 2>&1
code=$?
set -e
cat "$T/out"
[ "$code" -eq 1 ] || fail "exit status $code, want 1"
R=$(report_of "$T/runs")
D=$(dirname "$R")
for f in report.md junit.xml trace.json metrics.prom; do
	[ -s "$D/$f" ] || fail "no $f in the run directory"
done
# --metrics-file: the same text, in a directory of its own.
cmp "$D/metrics.prom" "$T/textfile/repocast.prom" || fail "--metrics-file differs from metrics.prom"

python3 - "$D" <<'PY' || fail "the formats do not match report.json"
import json, math, os, re, sys
import xml.etree.ElementTree as ET

d = sys.argv[1]
rep = json.load(open(os.path.join(d, "report.json")))
targets = {t["name"]: t for t in rep["targets"]}
failed = {n: t for n, t in targets.items() if t["cause"] is not None}

def check(cond, msg):
    if not cond:
        sys.exit("FAIL: " + msg)

# The run is what the test set up.
check(len(targets) == 7, "targets: %s" % sorted(targets))
check(targets["flaky"]["attempts"] == 2 and targets["flaky"]["cause"] is None, "flaky")
check(targets["crash"]["cause"] == "signal:SEGV", "crash: %s" % targets["crash"]["cause"])
check(targets["slow"]["outcome"] == "timed_out", "slow: %s" % targets["slow"]["outcome"])
check(targets["bad"]["cause"] == "exit:3", "bad: %s" % targets["bad"]["cause"])
check('evil"<b>|&x\ufffd' in targets, "hostile name in report.json: %s" % sorted(targets))

# ---- junit.xml
root = ET.parse(os.path.join(d, "junit.xml")).getroot()
check(root.tag == "testsuites", "junit root %s" % root.tag)
suites = root.findall("testsuite")
check(len(suites) == 1, "junit: %d testsuites" % len(suites))
s = suites[0]
check(s.get("name") == "repocast run", "testsuite name %r" % s.get("name"))
check(int(s.get("tests")) == len(targets), "tests=%s" % s.get("tests"))
check(int(s.get("failures")) == len(failed), "failures=%s, want %d" % (s.get("failures"), len(failed)))
check(int(s.get("errors")) == 0 and int(s.get("skipped")) == 0, "errors/skipped")
check(abs(float(s.get("time")) - rep["run"]["wall_us"] / 1e6) < 0.002, "suite time")
cases = s.findall("testcase")
check(sorted(c.get("name") for c in cases) == sorted(targets), "testcase names")
for c in cases:
    t = targets[c.get("name")]
    check(c.get("classname") == "repocast.run", "classname %r" % c.get("classname"))
    check(abs(float(c.get("time")) - t["wall_us"] / 1e6) < 0.002, "time of %s" % t["name"])
    f = c.findall("failure")
    if t["cause"] is None:
        check(len(c) == 0, "%s passed but has %s" % (t["name"], [k.tag for k in c]))
    else:
        check(len(f) == 1, "%s: %d failures" % (t["name"], len(f)))
        check(f[0].get("type") == t["cause"], "%s: type %r" % (t["name"], f[0].get("type")))
        check(f[0].get("message") == t["error"], "%s: message %r" % (t["name"], f[0].get("message")))
        check(t["error"] in f[0].text, "%s: failure text" % t["name"])

# ---- trace.json
tr = json.load(open(os.path.join(d, "trace.json")))
check(tr.get("displayTimeUnit") == "ms", "displayTimeUnit")
ev = tr["traceEvents"]
for e in ev:
    for k in ("name", "ph", "ts", "pid", "tid"):
        check(k in e, "event without %s: %s" % (k, e))
    check(isinstance(e["ts"], int) and e["ts"] >= 0, "ts: %s" % e)
    check(e["ph"] in ("X", "M"), "ph: %s" % e)
    if e["ph"] == "X":
        check(isinstance(e.get("dur"), int) and e["dur"] >= 0, "dur: %s" % e)
    else:
        check(e["name"] in ("process_name", "thread_name") and
              isinstance(e.get("args", {}).get("name"), str), "metadata: %s" % e)
names = {e["pid"]: e["args"]["name"] for e in ev if e["ph"] == "M" and e["name"] == "process_name"}
sup = int(rep["run"]["id"].rsplit("-", 1)[1])
check(names.get(sup) == "repocast supervisor", "supervisor track: %s" % names.get(sup))
for t in targets.values():
    if t["pid"] == 0:
        continue
    check(names.get(t["pid"]) == t["name"], "track of %s: %r" % (t["name"], names.get(t["pid"])))
    x = [e for e in ev if e["ph"] == "X" and e["pid"] == t["pid"] and e.get("cat") == "target"]
    check(len(x) == 1 and x[0]["dur"] == t["wall_us"], "attempt of %s: %s" % (t["name"], x))
# Per track, X events nest or follow one another.
tracks = {}
for e in ev:
    if e["ph"] == "X":
        tracks.setdefault((e["pid"], e["tid"]), []).append(e)
for key, xs in tracks.items():
    xs.sort(key=lambda e: (e["ts"], -e["dur"]))
    stack = []
    for e in xs:
        while stack and e["ts"] >= stack[-1] and not (e["dur"] == 0 and e["ts"] == stack[-1]):
            stack.pop()
        check(not stack or e["ts"] + e["dur"] <= stack[-1], "overlap on %s: %s" % (key, e))
        stack.append(e["ts"] + e["dur"])
# The worker's phases are inside its attempt.
good = targets["good1"]
phases = [e for e in ev if e["ph"] == "X" and e["pid"] == good["pid"] and e.get("cat") == "phase"]
check([e["name"] for e in phases] == list(good["phases_ms"]), "phases of good1: %s" % phases)

# ---- metrics.prom
NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*$")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"')
help_, type_, samples, seen, current = set(), set(), {}, set(), None
for line in open(os.path.join(d, "metrics.prom"), encoding="utf-8").read().split("\n")[:-1]:
    if line.startswith("# HELP ") or line.startswith("# TYPE "):
        name = line.split(" ")[2]
        check(NAME.match(name), "bad name %r" % name)
        which = help_ if line[2] == "H" else type_
        check(name not in which, "twice: %s" % line)
        which.add(name)
        current = name
        continue
    if line.startswith("#"):
        continue
    m = re.match(r"([^{ ]+)(?:\{(.*)\})? (\S+)$", line)
    check(m, "bad sample %r" % line)
    name, labels, value = m.groups()
    check(NAME.match(name), "bad name %r" % name)
    check(name in help_ and name in type_ and name == current, "sample before its HELP/TYPE: %r" % line)
    lab = {}
    if labels is not None:
        pos = 0
        for lm in LABEL.finditer(labels):
            check(lm.start() == pos, "bad labels %r" % labels)
            lab[lm.group(1)] = re.sub(r"\\(.)", lambda x: {"n": "\n"}.get(x.group(1), x.group(1)), lm.group(2))
            pos = lm.end() + 1
        check(pos == len(labels) + 1, "bad labels %r" % labels)
    key = (name, tuple(sorted(lab.items())))
    check(key not in seen, "series twice: %r" % line)
    seen.add(key)
    samples.setdefault(name, []).append((lab, float(value)))
check(samples["repocast_targets_failed"][0][1] == len(failed), "repocast_targets_failed")
check(samples["repocast_run_exit_code"][0][1] == 1, "repocast_run_exit_code")
walls = {l["repo"]: (l["outcome"], v) for l, v in samples["repocast_target_wall_seconds"]}
check(sorted(walls) == sorted(targets), "repo labels: %s" % sorted(walls))
for n, t in targets.items():
    check(walls[n][0] == t["outcome"], "outcome label of %s" % n)
    check(math.isclose(walls[n][1], t["wall_us"] / 1e6, abs_tol=1e-6), "wall of %s" % n)
peaks = {l["repo"]: v for l, v in samples["repocast_target_peak_memory_bytes"]}
check(peaks["good1"] == targets["good1"]["rusage"]["vm_hwm_kib"] * 1024, "peak memory is VmHWM")
att = {l["repo"]: v for l, v in samples["repocast_target_attempts"]}
check(att["flaky"] == 2, "attempts of flaky")

# ---- report.md
md = open(os.path.join(d, "report.md"), encoding="utf-8").read()
check(len(md.encode()) <= 1 << 20, "report.md over 1 MiB")
for sec in ("## Summary", "## Failures (%d)" % len(failed), "## Top "):
    check("\n" + sec in md, "report.md lacks %r" % sec)
check("| `signal:SEGV` |" in md and "| `timeout` |" in md and "| `exit:3` |" in md, "causes in report.md")
check("| evil\"\\<b\\>\\|\\&x\ufffd |" in md, "the hostile name escaped in report.md")
print("formats: ok (%d targets, %d failed)" % (len(targets), len(failed)))
PY
assert_no_leftovers
echo "report_formats: ok"
