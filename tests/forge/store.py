"""State of the loopback forge: bare repositories, tokens, pull requests.

Repositories are the bare repos ROOT/<owner>/<name>.git; their refs are read
straight from the files (loose refs first, then packed-refs, the order that
stays correct while `git pack-refs` runs) and changed with `git update-ref`.
Everything the forge adds (pull requests, labels, comments) lives in one JSON
file per repository under ROOT/.forge/repos/<owner>/<name>.json, written
atomically (temporary file, fsync, rename) and re-read when its mtime changes.
"""

import json
import os
import re
import subprocess
import threading
import zlib

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
SHA_RE = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")


def valid_name(name):
    """True for an owner or repository name the forge will touch on disk."""
    return bool(NAME_RE.match(name)) and ".." not in name and not name.endswith(".lock")


def write_atomic(path, data):
    """Replace `path` with `data` (bytes) so a reader sees old or new, never half."""
    d = os.path.dirname(path)
    os.makedirs(d, exist_ok=True)
    tmp = "%s.tmp.%d.%d" % (path, os.getpid(), threading.get_ident())
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def repo_id(full_name):
    """A stable numeric id for a repository (like GitHub's, never 0)."""
    return 1000 + zlib.crc32(full_name.lower().encode()) % 900000000


def user_id(login):
    return 1000 + zlib.crc32(login.lower().encode()) % 90000000


class Tokens:
    """ROOT/.forge/tokens: `TOKEN [LOGIN]` a line, `#` comments; re-read on change.

    A missing file accepts no token at all."""

    def __init__(self, path, default_login):
        self.path = path
        self.default_login = default_login
        self._lock = threading.Lock()
        self._key = None
        self._map = {}

    def _load(self):
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            self._key = None
            self._map = {}
            return
        key = (st.st_ino, st.st_size, st.st_mtime_ns)
        if key == self._key:
            return
        m = {}
        with open(self.path, encoding="utf-8", errors="replace") as f:
            for line in f:
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                parts = line.split()
                m[parts[0]] = parts[1] if len(parts) > 1 else self.default_login
        self._map = m
        self._key = key

    def login(self, token):
        """The login a token belongs to, or None when it is not accepted."""
        if not token:
            return None
        with self._lock:
            self._load()
            return self._map.get(token)


class Repo:
    """One bare repository: its refs on disk and its forge state (JSON)."""

    def __init__(self, store, owner, name):
        self.store = store
        self.owner = owner
        self.name = name
        self.full_name = "%s/%s" % (owner, name)
        self.gitdir = os.path.join(store.root, owner, name + ".git")
        self.state_path = os.path.join(store.root, ".forge", "repos", owner, name + ".json")
        self.id = repo_id(self.full_name)
        self._state = None
        self._state_key = None

    def exists(self):
        return os.path.isfile(os.path.join(self.gitdir, "HEAD"))

    # --- refs -----------------------------------------------------------
    def heads(self):
        """{branch: sha} of refs/heads, read from the files."""
        refs = {}
        base = os.path.join(self.gitdir, "refs", "heads")
        for dirpath, _dirs, files in os.walk(base):
            for fn in files:
                if fn.endswith(".lock"):
                    continue
                p = os.path.join(dirpath, fn)
                try:
                    with open(p, encoding="ascii", errors="replace") as f:
                        v = f.read().strip()
                except OSError:
                    continue
                if SHA_RE.match(v):
                    refs[os.path.relpath(p, base).replace(os.sep, "/")] = v
        try:
            with open(os.path.join(self.gitdir, "packed-refs"), encoding="utf-8",
                      errors="replace") as f:
                for line in f:
                    if line.startswith(("#", "^")):
                        continue
                    parts = line.split()
                    if (len(parts) == 2 and parts[1].startswith("refs/heads/")
                            and SHA_RE.match(parts[0])):
                        refs.setdefault(parts[1][len("refs/heads/"):], parts[0])
        except FileNotFoundError:
            pass
        return refs

    def default_branch(self):
        try:
            with open(os.path.join(self.gitdir, "HEAD"), encoding="utf-8") as f:
                v = f.read().strip()
        except OSError:
            return "main"
        if v.startswith("ref: refs/heads/"):
            return v[len("ref: refs/heads/"):]
        return "main"

    def pushed_at(self):
        """mtime of the newest ref file: when the repository last changed."""
        newest = 0.0
        for p in (os.path.join(self.gitdir, "packed-refs"),
                  os.path.join(self.gitdir, "refs", "heads")):
            try:
                newest = max(newest, os.stat(p).st_mtime)
            except OSError:
                pass
        return newest

    def git(self, *args, check=False):
        """Run git in the bare repo; returns CompletedProcess (text)."""
        return subprocess.run(["git", "--git-dir", self.gitdir] + list(args),
                              stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              check=check)

    def git_bytes(self, *args, data=None, env=None):
        """Run git in the bare repo with data (bytes) on stdin and extra
        environment; returns CompletedProcess (bytes)."""
        e = dict(os.environ)
        e.update(env or {})
        return subprocess.run(["git", "--git-dir", self.gitdir] + list(args),
                              input=data if data is not None else b"",
                              capture_output=True, env=e)

    def is_ancestor(self, a, b):
        """True when commit a is reachable from commit b."""
        return self.git("merge-base", "--is-ancestor", a, b).returncode == 0

    # --- JSON state -----------------------------------------------------
    def state(self):
        """The repository's forge state (call with the store lock held)."""
        try:
            st = os.stat(self.state_path)
            key = (st.st_ino, st.st_size, st.st_mtime_ns)
        except FileNotFoundError:
            key = None
        if self._state is None or key != self._state_key:
            if key is None:
                self._state = {"next_number": 1, "pulls": {}, "labels": [],
                               "next_label": 1, "comments": [], "next_comment": 1}
            else:
                with open(self.state_path, encoding="utf-8") as f:
                    self._state = json.load(f)
            self._state_key = key
        return self._state

    def attrs(self):
        """What tests set through POST /_forge/repos/{o}/{r}: topics, archived,
        fork, description, private (a copy; defaults filled in)."""
        with self.store.lock:
            a = dict(self.state().get("attrs") or {})
        a.setdefault("topics", [])
        a.setdefault("archived", False)
        a.setdefault("fork", False)
        a.setdefault("description", None)
        a.setdefault("private", False)
        for k in ("allow_squash_merge", "allow_merge_commit", "allow_rebase_merge"):
            a.setdefault(k, True)
        for k in ("allow_auto_merge", "protected", "required_checks", "enforce_admins"):
            a.setdefault(k, False)
        a.setdefault("mergeable_after", 0)
        return a

    def set_attrs(self, changes):
        """Merge changes (already checked) into the stored attributes."""
        with self.store.lock:
            st = self.state()
            a = dict(st.get("attrs") or {})
            a.update(changes)
            st["attrs"] = a
            self.save()

    def save(self):
        """Write the state atomically (call with the store lock held)."""
        data = json.dumps(self._state, indent=1, sort_keys=True).encode()
        write_atomic(self.state_path, data)
        st = os.stat(self.state_path)
        self._state_key = (st.st_ino, st.st_size, st.st_mtime_ns)


class Store:
    """All repositories under ROOT; one lock serialises every state change."""

    def __init__(self, root):
        self.root = root
        self.lock = threading.RLock()
        self._repos = {}
        self._by_id = {}

    def repo(self, owner, name):
        """The Repo for owner/name (it may not exist on disk), or None for a bad name."""
        if not (valid_name(owner) and valid_name(name)):
            return None
        key = (owner, name)
        with self.lock:
            r = self._repos.get(key)
            if r is None:
                r = Repo(self, owner, name)
                self._repos[key] = r
            return r

    def owner_repos(self, owner):
        """The existing repositories of owner sorted by name, or None when
        ROOT/<owner> is not a directory (no such organization or user)."""
        if not valid_name(owner):
            return None
        d = os.path.join(self.root, owner)
        if not os.path.isdir(d):
            return None
        out = []
        for fn in sorted(os.listdir(d), key=str.lower):
            if fn.endswith(".git") and valid_name(fn[:-4]):
                r = self.repo(owner, fn[:-4])
                if r.exists():
                    out.append(r)
        return out

    def all_repos(self):
        """Every existing repository, by owner then name."""
        out = []
        for owner in sorted(os.listdir(self.root), key=str.lower):
            if valid_name(owner) and os.path.isdir(os.path.join(self.root, owner)):
                out.extend(self.owner_repos(owner) or [])
        return out

    def repo_by_id(self, rid):
        """The existing Repo whose id is rid, or None (rescans ROOT on a miss)."""
        with self.lock:
            r = self._by_id.get(rid)
            if r is not None and r.exists():
                return r
            self._by_id = {}
            for owner in sorted(os.listdir(self.root)):
                if not valid_name(owner) or not os.path.isdir(os.path.join(self.root, owner)):
                    continue
                for d in sorted(os.listdir(os.path.join(self.root, owner))):
                    if d.endswith(".git") and valid_name(d[:-4]):
                        rr = self.repo(owner, d[:-4])
                        self._by_id[rr.id] = rr
            r = self._by_id.get(rid)
            return r if r is not None and r.exists() else None
