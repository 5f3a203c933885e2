"""Lint contrib/ (run by contrib.sh).

  contrib_lint.py workflow FILE OUTDIR   the workflow's required keys; writes
                                         each step's run script to
                                         OUTDIR/step-N.sh (${{ x }} -> X_)
  contrib_lint.py units SERVICE TIMER    the service's hardening and the
                                         timer, keys checked one by one;
                                         prints ExecStart, joined
Prints each problem and exits 1 when there is one.
"""
import re
import sys

bad = []


def need(cond, msg):
    if not cond:
        bad.append(msg)


def workflow(path, outdir):
    import yaml
    d = yaml.safe_load(open(path))
    need(isinstance(d, dict), "not a mapping")
    # YAML 1.1 (PyYAML) reads the key `on` as true
    on = d.get("on", d.get(True))
    need(isinstance(on, dict) and "schedule" in on, "no on.schedule")
    for s in (on or {}).get("schedule") or []:
        need(len(str(s.get("cron", "")).split()) == 5, "on.schedule: bad cron %r" % s)
    need(d.get("permissions", {}).get("contents") == "read", "permissions.contents is not read")
    jobs = d.get("jobs") or {}
    need(len(jobs) >= 1, "no jobs")
    n = 0
    for name, job in jobs.items():
        need("runs-on" in job, "jobs.%s: no runs-on" % name)
        need("timeout-minutes" in job, "jobs.%s: no timeout-minutes" % name)
        steps = job.get("steps") or []
        need(len(steps) > 0, "jobs.%s: no steps" % name)
        summary = upload = secret = False
        for st in steps:
            need(("run" in st) != ("uses" in st), "jobs.%s: a step needs run or uses: %r"
                 % (name, st))
            env = st.get("env") or {}
            for k, v in env.items():
                if "secrets." in str(v):
                    secret = True
                    need(re.fullmatch(r"\$\{\{ secrets\.[A-Z_]+ \}\}", str(v)),
                         "secret used in an expression: %r" % v)
            if "run" in st:
                need("secrets." not in st["run"], "a run script names a secret (use env)")
                if "GITHUB_STEP_SUMMARY" in st["run"]:
                    summary = "report.md" in st["run"] and st.get("if") == "always()"
                body = re.sub(r"\$\{\{[^}]*\}\}", "X_", st["run"])
                open("%s/step-%d.sh" % (outdir, n), "w").write(body)
                print("step-%d.sh: %s" % (n, st.get("name", "")))
                n += 1
            if str(st.get("uses", "")).startswith("actions/upload-artifact@"):
                upload = st.get("if") == "always()" and "path" in (st.get("with") or {})
        need(secret, "jobs.%s: the token does not come from a secret" % name)
        need(summary, "jobs.%s: no step appends report.md to $GITHUB_STEP_SUMMARY always"
             % name)
        need(upload, "jobs.%s: no upload-artifact step (always, with a path)" % name)


def unit(path):
    """{section: [(key, value)]}, continuation lines joined, comments dropped."""
    out, cur, prev = {}, None, ""
    for line in open(path):
        line = line.rstrip("\n")
        if prev:
            line, prev = prev + " " + line.strip(), ""
        if line.endswith("\\"):
            prev = line[:-1].rstrip()
            continue
        s = line.strip()
        if not s or s[0] in "#;":
            continue
        m = re.fullmatch(r"\[([A-Za-z]+)\]", s)
        if m:
            cur = m.group(1)
            out.setdefault(cur, [])
            continue
        m = re.fullmatch(r"([A-Za-z]+)=(.*)", s)
        need(cur is not None and m is not None, "%s: cannot read %r" % (path, s))
        if cur is not None and m is not None:
            out[cur].append((m.group(1), m.group(2).strip()))
    return out


def units(service, timer):
    sv, tm = unit(service), unit(timer)
    need(set(sv) == {"Unit", "Service"}, "service sections: %s" % sorted(sv))
    s = dict(sv.get("Service", []))
    want = {"Type": "oneshot", "NoNewPrivileges": "yes", "PrivateTmp": "yes",
            "ProtectSystem": "strict", "ProtectHome": "read-only", "CacheDirectory": "repocast",
            "StateDirectory": "repocast", "PrivateDevices": "yes", "CapabilityBoundingSet": "",
            "UMask": "0077"}
    for k, v in want.items():
        need(s.get(k) == v, "service: want %s=%s, got %r" % (k, v, s.get(k)))
    rw = s.get("ReadWritePaths", "").split()
    need("/var/cache/repocast" in rw, "service: the cache is not writable (ReadWritePaths)")
    cred = s.get("LoadCredential", "")
    need(re.fullmatch(r"github-token:/\S+", cred), "service: no LoadCredential=github-token:FILE")
    ex = s.get("ExecStart", "")
    need(ex.startswith("/usr/bin/repocast sync "), "service: ExecStart is not repocast sync")
    need("--token-file ${CREDENTIALS_DIRECTORY}/github-token" in ex,
         "service: the token is not read from the credential")
    for k, v in sv.get("Service", []):
        need(not (k == "Environment" and "TOKEN" in v), "service: a token in Environment=")
    t = dict(tm.get("Timer", []))
    need("OnCalendar" in t, "timer: no OnCalendar")
    need(t.get("Unit") == "repocast.service", "timer: Unit= is not repocast.service")
    need(dict(tm.get("Install", [])).get("WantedBy") == "timers.target",
         "timer: not WantedBy=timers.target")
    print(ex)


if sys.argv[1] == "workflow":
    workflow(sys.argv[2], sys.argv[3])
elif sys.argv[1] == "units":
    units(sys.argv[2], sys.argv[3])
else:
    sys.exit("usage: contrib_lint.py workflow FILE OUTDIR | units SERVICE TIMER")
for b in bad:
    print("LINT: " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
