"""The man pages against what they describe (run by man_pages.sh).

  man_pages.py flags ROFF RC       every option in each command's help text
                                   (`RC help CMD`) is an entry of that
                                   command's section in repocast(1), and
                                   each command has a section
  man_pages.py keys ROFF CONFIG_MD SRC...
                                   repocast-config(5)'s keys are the config
                                   loader's key lists (the *_keys arrays of
                                   SRC) and docs/config.md's keys, and back
  man_pages.py env ROFF SRC...     every variable the sources getenv() is in
                                   repocast(1)'s ENVIRONMENT
  man_pages.py exit ROFF CMD_H     every EXIT_* status of supervisor/cmd.h is
                                   in repocast(1)'s EXIT STATUS
Prints each mismatch and exits 1 when there is one.
"""
import re
import subprocess
import sys

# Known to the loader only to refuse them with a better message (the
# pre-group format); repocast-config(5) says so in its prose.
REFUSED_KEYS = {"mappings"}
# Not for users: the supervisor's marker in its workers' environment, and
# the test worker's fault switches (not in the release worker).
INTERNAL_ENV = {"REPOCAST_SUPERVISOR_PID", "REPOCAST_FAULTS", "REPOCAST_FAULT_DIR"}

bad = []


def plain(line):
    """roff text without font escapes, with \\- as -."""
    line = re.sub(r"\\f[BIRP]|\\f\(..|\\&", "", line)
    line = line.replace("\\-", "-").replace("\\e", "\\")
    return line


def sections(roff, macro):
    """{title: [lines]} of the .SH or .SS sections."""
    out, cur = {}, None
    for line in open(roff):
        line = line.rstrip("\n")
        if line.startswith(macro + " "):
            cur = plain(line[len(macro) + 1:]).strip('"')
            out[cur] = []
        elif line.startswith(".SH ") and cur is not None and macro == ".SS":
            cur = None
        elif cur is not None:
            out[cur].append(line)
    return out


def entries(lines):
    """The tag lines of the .TP entries (the line after each .TP), plain."""
    return [plain(lines[i + 1]) for i, l in enumerate(lines[:-1]) if l == ".TP"]


def help_flags(rc, cmd):
    text = subprocess.run([rc, "help", cmd], capture_output=True, text=True,
                          check=True).stdout
    flags = []
    for m in re.finditer(r"(?:(?<=[\s,\[|(])|^)(--?[a-z][a-z0-9-]*)", text, re.M):
        f = m.group(1)
        if not f.startswith("--") and len(f) != 2:
            continue
        if f not in flags:
            flags.append(f)
    return flags


def check_flags(roff, rc):
    text = subprocess.run([rc, "--help"], capture_output=True, text=True, check=True).stdout
    cmds = re.findall(r"^  ([a-z]+) ", text.split("commands:", 1)[1], re.M)
    if len(cmds) < 5:
        bad.append("cannot read the commands from 'repocast --help': %r" % cmds)
    ss = sections(roff, ".SS")
    for cmd in cmds:
        sec = [t for t in ss if t.split()[:2] == ["repocast", cmd]]
        if not sec:
            bad.append("repocast(1) has no section 'repocast %s ...'" % cmd)
            continue
        tags = " ".join(entries(ss[sec[0]]))
        words = set(re.findall(r"--?[a-z][a-z0-9-]*", tags))
        flags = help_flags(rc, cmd)
        for f in flags:
            if f not in words:
                bad.append("repocast(1), section '%s': no entry for %s (in 'repocast help %s')"
                           % (sec[0], f, cmd))
        # the same list as the completions use
        comp = subprocess.run([rc, "__complete", "flags", cmd], capture_output=True,
                              text=True, check=True).stdout.split()
        if sorted(comp) != sorted(flags):
            bad.append("'repocast __complete flags %s' says %s, the help text %s"
                       % (cmd, comp, flags))
        print("%s: %d flags" % (cmd, len(flags)))


def code_keys(srcs):
    keys = set()
    for f in srcs:
        s = open(f).read()
        for m in re.finditer(r"static const char \*const \w+_keys\[\] = \{(.*?)\};", s, re.S):
            keys.update(re.findall(r'"(\w+)"', m.group(1)))
    return keys - REFUSED_KEYS


def check_keys(roff, config_md, srcs):
    code = code_keys(srcs)
    if len(code) < 50:
        bad.append("only %d keys found in the loader's sources" % len(code))
    paths = []
    for title, lines in sections(roff, ".SS").items():
        for tag in entries(lines):
            if tag.startswith(".B ") and re.fullmatch(r"[a-z_\[\].]+", tag[3:]):
                paths.append(tag[3:])
    dotted = [p.replace("[]", "") for p in paths]
    # A path names its mappings too: groups[].source.repo has 'source'.
    leaves = {c for p in dotted for c in p.split(".")}
    for k in sorted(code - leaves):
        bad.append("repocast-config(5): the loader accepts '%s', the page has no entry" % k)
    for k in sorted(leaves - code):
        bad.append("repocast-config(5): '%s' is no key of the loader" % k)
    if len(set(paths)) != len(paths):
        bad.append("repocast-config(5): a key listed twice")
    # docs/config.md: each `key` or `key.path` it names is in the page (a
    # path or a part of one), and each key name of the page is a word of
    # some `...` span of the docs (`exclude[]`, `module{type, version}`).
    md = open(config_md).read()
    spans = re.findall(r"`([^`]+)`", md)
    toks = {t for t in spans if re.fullmatch(r"[a-z_]+(?:\.[a-z_]+)*", t)}
    doc_keys = {t for t in toks if t.rsplit(".", 1)[-1] in code}
    for t in sorted(doc_keys):
        if not any(("." + d + ".").find("." + t + ".") >= 0 for d in dotted):
            bad.append("docs/config.md names `%s`, repocast-config(5) has no such key" % t)
    doc_leaves = {w for t in spans for w in re.findall(r"[a-z_]+", t)} & code
    for k in sorted(leaves - doc_leaves):
        bad.append("repocast-config(5) has '%s', docs/config.md does not name it" % k)
    print("%d keys in repocast-config(5), %d key names in the loader, %d in docs/config.md"
          % (len(paths), len(code), len(doc_leaves)))


def check_env(roff, srcs):
    names = set()
    for f in srcs:
        names.update(re.findall(r'getenv\("([A-Z_]+)"\)', open(f).read()))
    env = " ".join(entries(sections(roff, ".SH").get("ENVIRONMENT", [])))
    for n in sorted(names - INTERNAL_ENV):
        if not re.search(r"\b%s\b" % n, env):
            bad.append("repocast(1) ENVIRONMENT lacks %s (read by the sources)" % n)
    print("%d variables read" % len(names - INTERNAL_ENV))


def check_exit(roff, cmd_h):
    codes = re.findall(r"EXIT_[A-Z]+ = (\d+)", open(cmd_h).read())
    tags = entries(sections(roff, ".SH").get("EXIT STATUS", []))
    for c in codes:
        if ".B " + c not in tags:
            bad.append("repocast(1) EXIT STATUS lacks %s" % c)
    print("%d exit statuses" % len(codes))


what = sys.argv[1]
if what == "flags":
    check_flags(sys.argv[2], sys.argv[3])
elif what == "keys":
    check_keys(sys.argv[2], sys.argv[3], sys.argv[4:])
elif what == "env":
    check_env(sys.argv[2], sys.argv[3:])
elif what == "exit":
    check_exit(sys.argv[2], sys.argv[3])
else:
    sys.exit("usage: man_pages.py flags|keys|env|exit ...")
for b in bad:
    print("MISMATCH: " + b)
sys.exit(1 if bad else 0)
