"""Commit statuses, check runs and merging pull requests for the loopback forge.

Endpoints (routed from api.py):
  POST /repos/{o}/{r}/statuses/{sha}          set a commit status (per context)
  GET  /repos/{o}/{r}/commits/{ref}/status    combined status
  GET  /repos/{o}/{r}/commits/{ref}/statuses  the statuses, newest first
  POST /repos/{o}/{r}/check-runs              create a check run (name, head_sha,
                                              status, conclusion)
  GET  /repos/{o}/{r}/commits/{ref}/check-runs
  PUT  /repos/{o}/{r}/pulls/{n}/merge         squash, merge or rebase, done in
                                              the bare repository with git plumbing
  GET  /repos/{o}/{r}/pulls/{n}/merge         204 merged, 404 not

A repository's merge switches are attributes (POST /_forge/repos/{o}/{r}):
allow_squash_merge, allow_merge_commit, allow_rebase_merge (default true),
allow_auto_merge (default false), protected (the base branch wants what only an
admin may skip, as a required review: mergeable_state "blocked"; a 405 with
enforce_admins, as every forge login is an admin), required_checks (a 405 while
the head's checks are not all green, or none reported: for everyone),
mergeable_after (GETs of a pull request answering mergeable null first).
State lives in the repository's JSON (statuses, check_runs per commit).
"""

import os
import re
import subprocess
import tempfile
import threading
import time

import shapes
from shapes import error, iso

DOC_STATUS = "https://docs.github.com/rest/commits/statuses"
DOC_CHECKS = "https://docs.github.com/rest/checks/runs"
DOC_MERGE = "https://docs.github.com/rest/pulls/pulls#merge-a-pull-request"
STATES = ("error", "failure", "pending", "success")
RUN_STATUSES = ("queued", "in_progress", "completed")
CONCLUSIONS = ("action_required", "cancelled", "failure", "neutral", "success", "skipped",
               "stale", "timed_out")
METHODS = {"merge": "allow_merge_commit", "squash": "allow_squash_merge",
           "rebase": "allow_rebase_merge"}
METHOD_WORDS = {"merge": "Merge commits", "squash": "Squash merges",
                "rebase": "Rebase merges"}
SHA40 = re.compile(r"^[0-9a-f]{40}$")

# mergeable_after: GETs left per (repository, PR) answering mergeable null.
_unknown_lock = threading.Lock()
_unknown_left = {}

ROUTES = (
    ("POST", r"/statuses/([0-9a-fA-F]{40})", "create_status"),
    ("GET", r"/commits/(.+)/status", "combined_status"),
    ("GET", r"/commits/(.+)/statuses", "list_statuses"),
    ("POST", r"/check-runs", "create_check_run"),
    ("GET", r"/commits/(.+)/check-runs", "list_check_runs"),
    ("PUT", r"/pulls/(\d+)/merge", "merge_pull"),
    ("GET", r"/pulls/(\d+)/merge", "is_merged"),
)


def resolve(repo, ref):
    """The commit id of ref (a branch or an id) in repo, or None."""
    sha = repo.heads().get(ref, ref)
    if not SHA40.match(sha) or repo.git("cat-file", "-e", sha + "^{commit}").returncode:
        return None
    return sha


def combined(st, sha):
    """(state, statuses) of GitHub's combined status: failure when any is
    error or failure, pending when any is pending or none is set, else success."""
    sts = list((st.get("statuses") or {}).get(sha, {}).values())
    states = [s["state"] for s in sts]
    if any(s in ("error", "failure") for s in states):
        state = "failure"
    elif not states or "pending" in states:
        state = "pending"
    else:
        state = "success"
    return state, sts


def checks_green(st, sha):
    """(green, name of the first context or run that is not) for required_checks:
    every status success and every check run completed with success,
    neutral or skipped; at least one of either."""
    sts = (st.get("statuses") or {}).get(sha, {})
    runs = (st.get("check_runs") or {}).get(sha, [])
    for s in sts.values():
        if s["state"] != "success":
            return False, s["context"]
    for run in runs:
        if run["status"] != "completed" or run["conclusion"] not in ("success", "neutral",
                                                                      "skipped"):
            return False, run["name"]
    if not sts and not runs:
        return False, "forge"
    return True, None


def merge_tree(repo, base, head):
    """The tree of merging head into base (git merge-tree --write-tree), or None
    when they conflict."""
    p = repo.git("merge-tree", "--write-tree", base, head)
    if p.returncode != 0:
        return None
    return p.stdout.split()[0]


def mergeable(repo, pr):
    """GitHub's (mergeable, mergeable_state) of an open pull request."""
    if pr["state"] != "open":
        return None, "unknown"
    key = (repo.full_name, pr["number"])
    with _unknown_lock:
        if key not in _unknown_left:
            _unknown_left[key] = int(repo.attrs().get("mergeable_after") or 0)
        if _unknown_left[key] > 0:
            _unknown_left[key] -= 1
            return None, "unknown"
    if merge_tree(repo, pr["base_sha"], pr["head_sha"]) is None:
        return False, "dirty"
    if pr["draft"]:
        return True, "draft"
    if repo.attrs().get("protected"):
        return True, "blocked"
    return True, "clean"


def _commit(repo, tree, parents, message, env):
    args = ["commit-tree", tree]
    for p in parents:
        args += ["-p", p]
    p = subprocess.run(["git", "--git-dir", repo.gitdir] + args + ["-m", message],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       env=env)
    if p.returncode != 0:
        raise RuntimeError("commit-tree: " + p.stderr.strip())
    return p.stdout.strip()


def _replay(repo, base, head, env):
    """Rebase: each commit of base..head re-made on base, its change applied with a
    three-way read-tree (whole-file merges only); None on a conflict."""
    commits = repo.git("rev-list", "--reverse", "--no-merges", base + ".." + head).stdout.split()
    cur = base
    with tempfile.TemporaryDirectory() as d:
        for c in commits:
            parent = repo.git("rev-parse", c + "^").stdout.strip()
            e = dict(env, GIT_INDEX_FILE=os.path.join(d, "index"))
            run = subprocess.run(["git", "--git-dir", repo.gitdir, "read-tree", "-m", "-i",
                                  "--aggressive", parent, cur, c], stdin=subprocess.DEVNULL,
                                 capture_output=True, text=True, env=e)
            tree = subprocess.run(["git", "--git-dir", repo.gitdir, "write-tree"],
                                  stdin=subprocess.DEVNULL, capture_output=True,
                                  text=True, env=e)
            if run.returncode != 0 or tree.returncode != 0:
                return None
            raw = repo.git("cat-file", "commit", c).stdout
            msg = raw.split("\n\n", 1)[1] if "\n\n" in raw else ""
            author = re.search(r"^author (.*) <(.*)> (\d+ [+-]\d{4})$", raw, re.M)
            ce = dict(env)
            if author:
                ce.update(GIT_AUTHOR_NAME=author.group(1), GIT_AUTHOR_EMAIL=author.group(2),
                          GIT_AUTHOR_DATE=author.group(3))
            cur = _commit(repo, tree.stdout.strip(), [cur], msg, ce)
    return cur


class Merge:
    """The endpoints of this file, mixed into api.Api (self.repo, self.store ...)."""

    def _state_list(self, st, key):
        v = st.get(key)
        if v is None:
            v = st[key] = {}
        return v

    def create_status(self, owner, name, sha):
        from api import ApiError, validation
        r = self.repo(owner, name)
        b = self.body_object(DOC_STATUS + "#create-a-commit-status")
        state = b.get("state")
        if state not in STATES:
            raise validation([{"resource": "Status", "field": "state", "code": "invalid"}],
                             DOC_STATUS)
        context = b.get("context") or "default"
        sha = sha.lower()
        with self.store.lock:
            if r.git("cat-file", "-e", sha + "^{commit}").returncode:
                raise ApiError(422, error("No commit found for SHA: %s" % sha, DOC_STATUS,
                                          status=422))
            st = r.state()
            per = self._state_list(st, "statuses").setdefault(sha, {})
            now = int(time.time())
            sid = r.id * 1000 + sum(len(v) for v in st["statuses"].values()) + 1
            old = per.get(context)
            s = {"id": old["id"] if old else sid, "state": state, "context": context,
                 "description": b.get("description"), "target_url": b.get("target_url"),
                 "created_at": old["created_at"] if old else now, "updated_at": now,
                 "creator": self.login}
            per[context] = s
            r.save()
            obj = self._status_obj(r, s)
        return 201, obj, {"Location": obj["url"]}

    def _status_obj(self, r, s):
        return {"url": "%s/repos/%s/statuses/%s" % (self.urls.api, r.full_name, s["id"]),
                "avatar_url": None, "id": s["id"], "node_id": shapes.node_id("SC", s["id"]),
                "state": s["state"], "description": s["description"],
                "target_url": s["target_url"], "context": s["context"],
                "created_at": iso(s["created_at"]), "updated_at": iso(s["updated_at"]),
                "creator": shapes.user(self.urls, s["creator"])}

    def combined_status(self, owner, name, ref):
        r = self.repo(owner, name)
        with self.store.lock:
            sha = resolve(r, ref)
            if sha is None:
                raise self._no_commit(ref)
            state, sts = combined(r.state(), sha)
            a = "%s/repos/%s" % (self.urls.api, r.full_name)
            return 200, {"state": state, "statuses": [self._status_obj(r, s) for s in sts],
                         "sha": sha, "total_count": len(sts),
                         "repository": shapes.list_repository(self.urls, r, time.time()),
                         "commit_url": "%s/commits/%s" % (a, sha),
                         "url": "%s/commits/%s/status" % (a, sha)}, {}

    def list_statuses(self, owner, name, ref):
        r = self.repo(owner, name)
        with self.store.lock:
            sha = resolve(r, ref)
            if sha is None:
                raise self._no_commit(ref)
            _, sts = combined(r.state(), sha)
            sts.sort(key=lambda s: s["updated_at"], reverse=True)
            return 200, [self._status_obj(r, s) for s in sts], {}

    def _no_commit(self, ref):
        from api import ApiError
        return ApiError(422, error("No commit found for SHA: %s" % ref, DOC_STATUS,
                                   status=422))

    def create_check_run(self, owner, name):
        from api import invalid_request, validation
        r = self.repo(owner, name)
        doc = DOC_CHECKS + "#create-a-check-run"
        b = self.body_object(doc)
        for field in ("name", "head_sha"):
            if not isinstance(b.get(field), str):
                raise invalid_request('"%s" wasn\'t supplied.' % field, doc)
        status = b.get("status", "queued")
        conclusion = b.get("conclusion")
        if status not in RUN_STATUSES or (conclusion is not None and
                                          conclusion not in CONCLUSIONS):
            raise validation([{"resource": "CheckRun", "field": "status", "code": "invalid"}],
                             doc)
        if conclusion is not None:
            status = "completed"
        if status == "completed" and conclusion is None:
            raise validation([{"resource": "CheckRun", "field": "conclusion",
                               "code": "missing_field"}], doc)
        with self.store.lock:
            sha = resolve(r, b["head_sha"])
            if sha is None:
                raise self._no_commit(b["head_sha"])
            st = r.state()
            runs = self._state_list(st, "check_runs").setdefault(sha, [])
            now = int(time.time())
            run = {"id": r.id * 1000 + len(runs) + 1, "name": b["name"], "head_sha": sha,
                   "status": status, "conclusion": conclusion, "started_at": now,
                   "completed_at": now if status == "completed" else None}
            # One run per name: a new one replaces the older (the newest counts).
            runs[:] = [x for x in runs if x["name"] != b["name"]] + [run]
            r.save()
            return 201, self._run_obj(r, run), {}

    def _run_obj(self, r, run):
        a = "%s/repos/%s" % (self.urls.api, r.full_name)
        return {"id": run["id"], "node_id": shapes.node_id("CR", run["id"]),
                "head_sha": run["head_sha"], "external_id": "",
                "url": "%s/check-runs/%d" % (a, run["id"]),
                "html_url": "%s/%s/runs/%d" % (self.urls.web, r.full_name, run["id"]),
                "details_url": None, "status": run["status"],
                "conclusion": run["conclusion"], "started_at": iso(run["started_at"]),
                "completed_at": iso(run["completed_at"]) if run["completed_at"] else None,
                "output": {"title": None, "summary": None, "text": None,
                           "annotations_count": 0, "annotations_url": a + "/annotations"},
                "name": run["name"], "check_suite": {"id": run["id"]}, "app": None,
                "pull_requests": []}

    def list_check_runs(self, owner, name, ref):
        r = self.repo(owner, name)
        with self.store.lock:
            sha = resolve(r, ref)
            if sha is None:
                raise self._no_commit(ref)
            runs = (r.state().get("check_runs") or {}).get(sha, [])
            return 200, {"total_count": len(runs),
                         "check_runs": [self._run_obj(r, x) for x in runs]}, {}

    def is_merged(self, owner, name, number):
        from api import not_found
        r = self.repo(owner, name)
        with self.store.lock:
            pr = self.pull_or_404(r.state(), number)
            if not pr.get("merged"):
                raise not_found()
        return 204, None, {}

    def merge_pull(self, owner, name, number):
        from api import ApiError, invalid_request
        r = self.repo(owner, name)
        b = self.body_object(DOC_MERGE)
        method = b.get("merge_method", "merge")
        if method not in METHODS:
            raise invalid_request('For \'properties/merge_method\', "%s" is not a possible '
                                  'value.' % method, DOC_MERGE)

        def refuse(status, message):
            return ApiError(status, error(message, DOC_MERGE, status=status))
        with self.store.lock:
            heads = r.heads()
            st = self.refresh(r, heads)
            pr = self.pull_or_404(st, number)
            attrs = r.attrs()
            if pr["state"] != "open":
                raise refuse(405, "Pull Request is not mergeable")
            if "sha" in b and b["sha"] != pr["head_sha"]:
                raise refuse(409, "Head branch was modified. Review and try the merge "
                             "again.")
            if pr["draft"]:
                raise refuse(405, "Pull Request is still a draft")
            if not attrs.get(METHODS[method], True):
                raise refuse(405, "%s are not allowed on this repository."
                             % METHOD_WORDS[method])
            if attrs.get("required_checks"):
                green, which = checks_green(st, pr["head_sha"])
                if not green:
                    raise refuse(405, 'Required status check "%s" is expected.' % which)
            if attrs.get("protected") and attrs.get("enforce_admins"):
                raise refuse(405, "At least 1 approving review is required by reviewers "
                             "with write access.")
            base, head = pr["base_sha"], pr["head_sha"]
            tree = merge_tree(r, base, head)
            if tree is None:
                raise refuse(405, "Pull Request is not mergeable")
            env = dict(os.environ, GIT_COMMITTER_NAME="GitHub",
                       GIT_COMMITTER_EMAIL="noreply@github.com",
                       GIT_AUTHOR_NAME=self.login,
                       GIT_AUTHOR_EMAIL="%s@users.noreply.forge" % self.login)
            title = b.get("commit_title")
            if method == "squash":
                msg = "%s (#%d)\n\n%s" % (title or pr["title"], pr["number"],
                                           b.get("commit_message") or "")
                new = _commit(r, tree, [base], msg.rstrip() + "\n", env)
            elif method == "merge":
                msg = "%s\n\n%s" % (title or "Merge pull request #%d from %s/%s"
                                    % (pr["number"], pr["head_owner"], pr["head"]),
                                    b.get("commit_message") or pr["title"])
                new = _commit(r, tree, [base, head], msg.rstrip() + "\n", env)
            else:
                new = _replay(r, base, head, env)
                if new is None:
                    raise refuse(405, "This branch can't be rebased")
            if r.git("update-ref", "refs/heads/" + pr["base"], new, base).returncode:
                raise refuse(409, "Base branch was modified. Review and try the merge "
                             "again.")
            now = int(time.time())
            pr.update(state="closed", merged=True, merged_at=now, closed_at=now,
                      updated_at=now, merge_commit_sha=new, merged_by=self.login,
                      base_sha=new)
            r.save()
        return 200, {"sha": new, "merged": True,
                     "message": "Pull Request successfully merged"}, {}

