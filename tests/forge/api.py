"""The REST endpoints of the loopback forge (GitHub's /api/v3 subset).

route() maps (method, path below /api/v3, query, body, login) to
(status, JSON object or None, extra headers). Errors are raised as ApiError
and carry GitHub's bodies: 404 Not Found, 422 Validation Failed with errors[],
400 Problems parsing JSON. All state changes run under the store lock.
"""

import base64
import binascii
import json
import os
import re
import tempfile
import time
from urllib.parse import parse_qsl, unquote, urlencode

import merge
import shapes
from shapes import error

BODY_MAX = 65536
DOC_PULLS = "https://docs.github.com/rest/pulls/pulls"
DOC_REFS = "https://docs.github.com/rest/git/refs"
DOC_BLOBS = "https://docs.github.com/rest/git/blobs#create-a-blob"
DOC_TREES = "https://docs.github.com/rest/git/trees#create-a-tree"
DOC_COMMITS = "https://docs.github.com/rest/git/commits#create-a-commit"
SHA = re.compile("^[0-9a-f]{40}$")
TREE_MODES = {"100644": "blob", "100755": "blob", "120000": "blob", "040000": "tree",
              "160000": "commit"}
DOC_ISSUES = "https://docs.github.com/rest/issues"
DOC_REPOS = "https://docs.github.com/rest/repos/repos"
DOC_SEARCH = "https://docs.github.com/rest/search/search#search-repositories"
SEARCH_MAX = 1000  # GitHub answers at most the first 1000 results of a search


class ApiError(Exception):
    def __init__(self, status, body, headers=None):
        super().__init__(body.get("message", ""))
        self.status = status
        self.body = body
        self.headers = headers or {}


def not_found():
    return ApiError(404, error("Not Found", status=404))


def validation(errors, doc):
    return ApiError(422, error("Validation Failed", doc, errors=errors, status=422))


def invalid_request(text, doc):
    return ApiError(422, error("Invalid request.\n\n" + text, doc, status=422))


R = "/repos/([^/]+)/([^/]+)"
ROUTES = [(m, re.compile("^" + p + "$"), fn) for m, p, fn in (
    ("GET", "/user", "get_user"),
    ("GET", "/rate_limit", "get_rate_limit"),
    ("GET", R, "get_repo"),
    ("GET", "/orgs/([^/]+)/repos", "list_org_repos"),
    ("GET", "/users/([^/]+)/repos", "list_user_repos"),
    ("GET", "/search/repositories", "search_repos"),
    ("GET", R + "/pulls", "list_pulls"),
    ("GET", r"/repositories/(\d+)/pulls", "list_pulls_by_id"),
    ("POST", R + "/pulls", "create_pull"),
    ("GET", R + r"/pulls/(\d+)", "get_pull"),
    ("PATCH", R + r"/pulls/(\d+)", "update_pull"),
    ("POST", R + r"/pulls/(\d+)/requested_reviewers", "request_reviewers"),
    ("GET", R + "/labels", "list_repo_labels"),
    ("GET", R + r"/issues/(\d+)/labels", "list_labels"),
    ("POST", R + r"/issues/(\d+)/labels", "add_labels"),
    ("POST", R + r"/issues/(\d+)/assignees", "add_assignees"),
    ("GET", R + r"/issues/(\d+)/comments", "list_comments"),
    ("POST", R + r"/issues/(\d+)/comments", "create_comment"),
    ("GET", R + "/compare/(.+)", "compare"),
    ("GET", R + "/git/refs/(.+)", "get_refs"),
    ("GET", R + "/git/ref/(.+)", "get_ref"),
    ("GET", R + "/git/matching-refs/(.*)", "matching_refs"),
    ("POST", R + "/git/blobs", "create_blob"),
    ("POST", R + "/git/trees", "create_tree"),
    ("POST", R + "/git/commits", "create_commit"),
    ("POST", R + "/git/refs", "create_ref"),
    ("PATCH", R + "/git/refs/(.+)", "update_ref"),
    ("DELETE", R + "/git/refs/(.+)", "delete_ref"),
) + tuple((m, R + p, fn) for m, p, fn in merge.ROUTES)]


def route(forge, method, path, query, raw_body, login, quota_key=None):
    """Answer one authenticated request: (status, obj or None, headers).
    Raises ApiError for GitHub's error answers."""
    for m, rx, fn in ROUTES:
        if m != method:
            continue
        match = rx.match(path)
        if match is not None:
            req = Api(forge, login, query, raw_body)
            req.quota_key = quota_key or login
            return getattr(req, fn)(*[unquote(g) for g in match.groups()])
    raise not_found()


class Api(merge.Merge):
    """One request's view: who asks, with what query and body."""

    def __init__(self, forge, login, query, raw_body):
        self.forge = forge
        self.store = forge.store
        self.urls = forge.urls
        self.login = login
        self.quota_key = login
        self.raw_query = query
        self.query = dict(parse_qsl(query, keep_blank_values=True))
        self.raw_body = raw_body

    def body(self, doc=shapes.DOCS):
        """The request body parsed as JSON (400 Problems parsing JSON when it is not)."""
        if not self.raw_body:
            return {}
        try:
            return json.loads(self.raw_body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise ApiError(400, error("Problems parsing JSON", doc, status=400))

    def body_object(self, doc):
        b = self.body(doc)
        if not isinstance(b, dict):
            raise ApiError(400, error("Body should be a JSON object", doc, status=400))
        return b

    def repo(self, owner, name):
        r = self.store.repo(owner, name)
        if r is None or not r.exists():
            raise not_found()
        return r

    # --- pull request state ---------------------------------------------
    def refresh(self, repo, heads):
        """Bring stored pull requests in line with the branches (lock held):
        an open PR follows its head branch; one whose head is gone is closed,
        as GitHub does when the head branch is deleted. Returns the state."""
        st = repo.state()
        now = int(time.time())
        changed = False
        for pr in st["pulls"].values():
            if pr["state"] != "open":
                continue
            sha = heads.get(pr["head"])
            if sha is None:
                pr["state"] = "closed"
                pr["closed_at"] = pr["updated_at"] = now
                changed = True
                continue
            if sha != pr["head_sha"]:
                pr["head_sha"] = sha
                pr["updated_at"] = now
                changed = True
            bsha = heads.get(pr["base"])
            if bsha is not None and bsha != pr["base_sha"]:
                pr["base_sha"] = bsha
                changed = True
        if changed:
            repo.save()
        return st

    def pull_or_404(self, st, number):
        pr = st["pulls"].get(str(int(number)))
        if pr is None:
            raise not_found()
        return pr

    def render(self, repo, st, pr, full=True, repo_obj=None):
        if repo_obj is None:
            repo_obj = shapes.repository(self.urls, repo, time.time())
        obj = shapes.pull(self.urls, repo, st, pr, repo_obj, full)
        if full:
            obj["mergeable"], obj["mergeable_state"] = merge.mergeable(repo, pr)
            obj["rebaseable"] = obj["mergeable"]
        return obj

    def check_body_len(self, text, resource):
        if isinstance(text, str) and len(text) > BODY_MAX:
            raise validation([{"resource": resource, "code": "custom", "field": "body",
                               "message": "body is too long (maximum is %d characters)"
                               % BODY_MAX}], DOC_PULLS)

    # --- endpoints ------------------------------------------------------
    def get_user(self):
        return 200, shapes.full_user(self.urls, self.login), {}

    def get_rate_limit(self):
        core = self.forge.quota.snapshot(self.quota_key)
        reset = core["reset"]

        def res(name, limit):
            return {"limit": limit, "used": 0, "remaining": limit, "reset": reset,
                    "resource": name}
        body = {"resources": {
            "core": dict(core, resource="core"),
            "search": res("search", 30),
            "graphql": dict(self.forge.gql_quota.snapshot(self.quota_key), resource="graphql"),
            "integration_manifest": res("integration_manifest", 5000),
            "code_search": res("code_search", 10),
        }, "rate": dict(core, resource="core")}
        return 200, body, {}

    def get_repo(self, owner, name):
        r = self.repo(owner, name)
        return 200, shapes.repository(self.urls, r, time.time()), {}

    def _owner_repos(self, owner, kind, types, default_type, default_sort):
        """GET /orgs/{org}/repos and /users/{u}/repos: every repository of the
        owner (archived ones and forks included, as GitHub lists them)."""
        repos = self.store.owner_repos(owner)
        if repos is None:
            raise not_found()
        q = self.query
        typ = q.get("type", default_type)
        if typ not in types:
            raise validation([{"resource": kind, "field": "type", "code": "invalid"}],
                             DOC_REPOS)
        sort = q.get("sort", default_sort)
        if sort not in ("created", "updated", "pushed", "full_name"):
            raise validation([{"resource": kind, "field": "sort", "code": "invalid"}],
                             DOC_REPOS)
        direction = q.get("direction", "asc" if sort == "full_name" else "desc")
        items = [(r, r.attrs()) for r in repos]
        if typ == "forks":
            items = [(r, a) for r, a in items if a["fork"]]
        elif typ == "sources":
            items = [(r, a) for r, a in items if not a["fork"]]
        elif typ in ("public", "private"):
            items = [(r, a) for r, a in items if a["private"] == (typ == "private")]
        if sort == "full_name":
            items.sort(key=lambda x: x[0].full_name.lower(), reverse=(direction == "desc"))
        else:
            items.sort(key=lambda x: (x[0].pushed_at(), x[0].full_name.lower()),
                       reverse=(direction == "desc"))
        base = "%s/%s/%s/repos" % (self.urls.api, "orgs" if kind == "Organization" else
                                   "users", owner)
        page, link = paginate([r for r, _ in items], self.raw_query, base)
        now = time.time()
        return 200, [shapes.list_repository(self.urls, r, now) for r in page], \
            ({"Link": link} if link else {})

    def list_org_repos(self, org):
        return self._owner_repos(org, "Organization",
                                 ("all", "public", "private", "forks", "sources", "member"),
                                 "all", "created")

    def list_user_repos(self, login):
        return self._owner_repos(login, "User", ("all", "owner", "member"), "owner",
                                 "full_name")

    def search_repos(self):
        """GET /search/repositories?q=: words match the name, description or
        topics; qualifiers topic:, org:, user:, archived:true|false,
        fork:true|only (forks are left out without one, as on GitHub)."""
        q = self.query.get("q")
        if q is None or not q.strip():
            raise validation([{"resource": "Search", "field": "q", "code": "missing"}],
                             DOC_SEARCH)
        topics, owners, words = [], [], []
        archived = fork = None
        for tok in q.split():
            key, sep, val = tok.partition(":")
            key = key.lower()
            if not sep:
                words.append(tok.lower())
            elif key == "topic":
                topics.append(val.lower())
            elif key in ("org", "user"):
                owners.append(val.lower())
            elif key == "archived" and val in ("true", "false"):
                archived = val == "true"
            elif key == "fork" and val in ("true", "only"):
                fork = val
            else:
                raise validation([{"resource": "Search", "field": "q", "code": "invalid",
                                   "message": "the forge does not support '%s' in a "
                                   "search" % tok}], DOC_SEARCH)
        hits = []
        for r in self.store.all_repos():
            a = r.attrs()
            rtopics = [t.lower() for t in a["topics"]]
            if owners and r.owner.lower() not in owners:
                continue
            if any(t not in rtopics for t in topics):
                continue
            if archived is not None and a["archived"] != archived:
                continue
            if a["fork"] and fork is None or not a["fork"] and fork == "only":
                continue
            text = " ".join([r.name, a["description"] or ""] + rtopics).lower()
            if any(w not in text for w in words):
                continue
            hits.append(r)
        page, link = paginate(hits[:SEARCH_MAX], self.raw_query,
                              self.urls.api + "/search/repositories")
        now = time.time()
        body = {"total_count": len(hits), "incomplete_results": False,
                "items": [shapes.list_repository(self.urls, r, now, 1.0) for r in page]}
        return 200, body, ({"Link": link} if link else {})

    def list_pulls_by_id(self, rid):
        r = self.store.repo_by_id(int(rid))
        if r is None:
            raise not_found()
        return self._list_pulls(r, "%s/repositories/%s/pulls" % (self.urls.api, rid))

    def list_pulls(self, owner, name):
        r = self.repo(owner, name)
        return self._list_pulls(r, "%s/repositories/%d/pulls" % (self.urls.api, r.id))

    def _list_pulls(self, repo, link_base):
        q = self.query
        state = q.get("state", "open")
        if state not in ("open", "closed", "all"):
            raise validation([{"resource": "PullRequest", "field": "state",
                               "code": "invalid"}], DOC_PULLS)
        head = q.get("head")
        base = q.get("base")
        sort = q.get("sort", "created")
        direction = q.get("direction", "desc" if sort == "created" else "asc")
        if head is not None:
            ho, _, hb = head.rpartition(":")
            head_owner = ho or repo.owner
            head_ref = hb
        with self.store.lock:
            st = self.refresh(repo, repo.heads())
            pulls = []
            for pr in st["pulls"].values():
                if state != "all" and pr["state"] != state:
                    continue
                if head is not None and (pr["head_owner"] != head_owner
                                         or pr["head"] != head_ref):
                    continue
                if base is not None and pr["base"] != base:
                    continue
                pulls.append(pr)
            key = {"updated": "updated_at", "popularity": "number",
                   "long-running": "created_at"}.get(sort, "created_at")
            pulls.sort(key=lambda p: (p[key], p["number"]), reverse=(direction == "desc"))
            page, link = paginate(pulls, self.raw_query, link_base)
            repo_obj = shapes.repository(self.urls, repo, time.time())
            out = [self.render(repo, st, pr, False, repo_obj) for pr in page]
        return 200, out, ({"Link": link} if link else {})

    def get_pull(self, owner, name, number):
        r = self.repo(owner, name)
        with self.store.lock:
            st = self.refresh(r, r.heads())
            return 200, self.render(r, st, self.pull_or_404(st, number)), {}

    def _head_of(self, repo, head):
        """(owner, branch, sha or None) for a `head` parameter: `branch` or `owner:branch`."""
        owner, _, branch = head.rpartition(":")
        owner = owner or repo.owner
        if owner == repo.owner:
            return owner, branch, repo.heads().get(branch)
        fork = self.store.repo(owner, repo.name)
        if fork is None or not fork.exists():
            return owner, branch, None
        return owner, branch, fork.heads().get(branch)

    def create_pull(self, owner, name):
        r = self.repo(owner, name)
        b = self.body_object(DOC_PULLS + "#create-a-pull-request")
        doc = DOC_PULLS + "#create-a-pull-request"
        for field in ("head", "base"):
            if field not in b:
                raise invalid_request('"%s" wasn\'t supplied.' % field, doc)
            if not isinstance(b[field], str):
                raise invalid_request('For \'properties/%s\', %s is not a string.'
                                      % (field, json.dumps(b[field])), doc)
        title = b.get("title")
        if not isinstance(title, str) or not title.strip():
            raise validation([{"resource": "PullRequest", "code": "missing_field",
                               "field": "title"}], doc)
        text = b.get("body")
        if text is not None and not isinstance(text, str):
            raise invalid_request('For \'properties/body\', %s is not a string or null.'
                                  % json.dumps(text), doc)
        self.check_body_len(text, "Issue")
        draft = b.get("draft", False)
        if not isinstance(draft, bool):
            raise invalid_request('For \'properties/draft\', %s is not a boolean.'
                                  % json.dumps(draft), doc)
        with self.store.lock:
            heads = r.heads()
            st = self.refresh(r, heads)
            head_owner, head_ref, head_sha = self._head_of(r, b["head"])
            base_sha = heads.get(b["base"])
            errs = []
            if head_sha is None:
                errs.append({"resource": "PullRequest", "field": "head", "code": "invalid"})
            if base_sha is None:
                errs.append({"resource": "PullRequest", "field": "base", "code": "invalid"})
            if errs:
                raise validation(errs, doc)
            for pr in st["pulls"].values():
                if (pr["state"] == "open" and pr["head_owner"] == head_owner
                        and pr["head"] == head_ref and pr["base"] == b["base"]):
                    raise validation([{"resource": "PullRequest", "code": "custom",
                                       "message": "A pull request already exists for %s:%s."
                                       % (head_owner, head_ref)}], doc)
            if head_owner == r.owner and r.is_ancestor(head_sha, base_sha):
                raise validation([{"resource": "PullRequest", "code": "custom",
                                   "message": "No commits between %s and %s"
                                   % (b["base"], head_ref)}], doc)
            now = int(time.time())
            n = st["next_number"]
            st["next_number"] = n + 1
            pr = {"number": n, "id": r.id * 100000 + n, "state": "open", "title": title,
                  "body": text, "head": head_ref, "head_owner": head_owner,
                  "head_sha": head_sha, "base": b["base"], "base_sha": base_sha,
                  "user": self.login, "draft": draft, "labels": [], "assignees": [],
                  "requested_reviewers": [], "requested_teams": [],
                  "created_at": now, "updated_at": now, "closed_at": None}
            st["pulls"][str(n)] = pr
            r.save()
            obj = self.render(r, st, pr)
        return 201, obj, {"Location": obj["url"]}

    def update_pull(self, owner, name, number):
        r = self.repo(owner, name)
        doc = DOC_PULLS + "#update-a-pull-request"
        b = self.body_object(doc)
        for field in ("title", "base", "state"):
            if field in b and not isinstance(b[field], str):
                raise invalid_request('For \'properties/%s\', %s is not a string.'
                                      % (field, json.dumps(b[field])), doc)
        if "body" in b and b["body"] is not None and not isinstance(b["body"], str):
            raise invalid_request('For \'properties/body\', %s is not a string or null.'
                                  % json.dumps(b["body"]), doc)
        if "state" in b and b["state"] not in ("open", "closed"):
            raise validation([{"resource": "PullRequest", "field": "state",
                               "code": "invalid"}], doc)
        self.check_body_len(b.get("body"), "Issue")
        with self.store.lock:
            heads = r.heads()
            st = self.refresh(r, heads)
            pr = self.pull_or_404(st, number)
            if "base" in b and b["base"] not in heads:
                raise validation([{"resource": "PullRequest", "field": "base",
                                   "code": "invalid"}], doc)
            if b.get("state") == "open" and pr["state"] == "closed":
                if pr["head_owner"] == r.owner and pr["head"] not in heads:
                    raise validation([{"resource": "PullRequest", "code": "custom",
                                       "message": "state cannot be changed. The %s branch "
                                       "has been deleted." % pr["head"]}], doc)
                for other in st["pulls"].values():
                    if (other is not pr and other["state"] == "open"
                            and other["head_owner"] == pr["head_owner"]
                            and other["head"] == pr["head"]
                            and other["base"] == b.get("base", pr["base"])):
                        raise validation([{"resource": "PullRequest", "code": "custom",
                                           "message": "A pull request already exists for "
                                           "%s:%s." % (pr["head_owner"], pr["head"])}], doc)
            now = int(time.time())
            for field in ("title", "body"):
                if field in b:
                    pr[field] = b[field]
            if "base" in b:
                pr["base"] = b["base"]
                pr["base_sha"] = heads[b["base"]]
            if "state" in b and b["state"] != pr["state"]:
                pr["state"] = b["state"]
                pr["closed_at"] = now if b["state"] == "closed" else None
                if b["state"] == "open" and pr["head"] in heads:
                    pr["head_sha"] = heads[pr["head"]]
            pr["updated_at"] = now
            r.save()
            return 200, self.render(r, st, pr), {}

    def _string_list(self, b, key, doc, required=True):
        v = b.get(key) if isinstance(b, dict) else b
        if v is None and not required:
            return []
        if isinstance(v, str):
            v = [v]
        if not isinstance(v, list):
            raise invalid_request('For \'properties/%s\', %s is not an array.'
                                  % (key, json.dumps(v)), doc)
        out = []
        for x in v:
            if isinstance(x, dict) and isinstance(x.get("name"), str):
                x = x["name"]
            if not isinstance(x, str):
                raise invalid_request('For \'items\', %s is not a string.' % json.dumps(x), doc)
            out.append(x)
        return out

    def list_repo_labels(self, owner, name):
        r = self.repo(owner, name)
        with self.store.lock:
            st = r.state()
            labs = [shapes.label(self.urls, r, lab) for lab in st["labels"]]
        page, link = paginate(labs, self.raw_query,
                              "%s/repos/%s/labels" % (self.urls.api, r.full_name))
        return 200, page, ({"Link": link} if link else {})

    def list_labels(self, owner, name, number):
        r = self.repo(owner, name)
        with self.store.lock:
            st = r.state()
            pr = self.pull_or_404(st, number)
            return 200, shapes.labels_of(self.urls, r, st, pr["labels"]), {}

    def add_labels(self, owner, name, number):
        r = self.repo(owner, name)
        doc = DOC_ISSUES + "/labels#add-labels-to-an-issue"
        names = self._string_list(self.body(doc), "labels", doc)
        with self.store.lock:
            st = r.state()
            pr = self.pull_or_404(st, number)
            for n in names:
                n = n.strip()
                if not n:
                    raise validation([{"resource": "Label", "code": "invalid",
                                       "field": "name"}], doc)
                lab = next((x for x in st["labels"] if x["name"].lower() == n.lower()), None)
                if lab is None:
                    lab = {"id": r.id * 10000 + st["next_label"], "name": n,
                           "color": "ededed", "description": None}
                    st["next_label"] += 1
                    st["labels"].append(lab)
                if lab["name"] not in pr["labels"]:
                    pr["labels"].append(lab["name"])
            pr["updated_at"] = int(time.time())
            r.save()
            return 200, shapes.labels_of(self.urls, r, st, pr["labels"]), {}

    def add_assignees(self, owner, name, number):
        r = self.repo(owner, name)
        doc = DOC_ISSUES + "/assignees#add-assignees-to-an-issue"
        logins = self._string_list(self.body_object(doc), "assignees", doc)
        with self.store.lock:
            st = r.state()
            pr = self.pull_or_404(st, number)
            for login in logins:
                if login not in pr["assignees"] and len(pr["assignees"]) < 10:
                    pr["assignees"].append(login)
            pr["updated_at"] = int(time.time())
            r.save()
            return 201, shapes.issue(self.urls, r, st, pr), {}

    def request_reviewers(self, owner, name, number):
        r = self.repo(owner, name)
        doc = DOC_PULLS + "/review-requests#request-reviewers-for-a-pull-request"
        b = self.body_object(doc)
        if "reviewers" not in b and "team_reviewers" not in b:
            raise invalid_request('No subschema in "anyOf" matched.\n"reviewers" wasn\'t '
                                  'supplied.\n"team_reviewers" wasn\'t supplied.', doc)
        users = self._string_list(b, "reviewers", doc, required=False)
        teams = self._string_list(b, "team_reviewers", doc, required=False)
        with self.store.lock:
            st = self.refresh(r, r.heads())
            pr = self.pull_or_404(st, number)
            if pr["user"] in users:
                raise ApiError(422, error("Review cannot be requested from pull request "
                                          "author.", doc, status=422))
            for u in users:
                if u not in pr["requested_reviewers"]:
                    pr["requested_reviewers"].append(u)
            for t in teams:
                if t not in pr["requested_teams"]:
                    pr["requested_teams"].append(t)
            pr["updated_at"] = int(time.time())
            r.save()
            return 201, self.render(r, st, pr, full=False), {}

    def list_comments(self, owner, name, number):
        r = self.repo(owner, name)
        with self.store.lock:
            st = r.state()
            self.pull_or_404(st, number)
            cs = [shapes.comment(self.urls, r, c) for c in st["comments"]
                  if c["issue"] == int(number)]
        page, link = paginate(cs, self.raw_query, "%s/repos/%s/issues/%d/comments"
                              % (self.urls.api, r.full_name, int(number)))
        return 200, page, ({"Link": link} if link else {})

    def create_comment(self, owner, name, number):
        r = self.repo(owner, name)
        doc = DOC_ISSUES + "/comments#create-an-issue-comment"
        b = self.body_object(doc)
        text = b.get("body")
        if not isinstance(text, str) or not text:
            raise validation([{"resource": "IssueComment", "code": "missing_field",
                               "field": "body"}], doc)
        self.check_body_len(text, "IssueComment")
        with self.store.lock:
            st = r.state()
            pr = self.pull_or_404(st, number)
            c = {"id": r.id * 100000 + st["next_comment"], "issue": pr["number"],
                 "user": self.login, "body": text, "created_at": int(time.time())}
            st["next_comment"] += 1
            st["comments"].append(c)
            pr["updated_at"] = c["created_at"]
            r.save()
            obj = shapes.comment(self.urls, r, c)
        return 201, obj, {"Location": obj["url"]}

    # --- git references (branches only) ---------------------------------
    def _refs_matching(self, r, prefix):
        if not prefix.startswith("heads/"):
            return []
        want = prefix[len("heads/"):]
        return [(b, s) for b, s in sorted(r.heads().items()) if b.startswith(want)]

    def get_refs(self, owner, name, ref):
        """GitHub: an exact match is one object; otherwise the prefix matches, as an array."""
        r = self.repo(owner, name)
        ref = ref.rstrip("/")
        if ref.startswith("heads/"):
            sha = r.heads().get(ref[len("heads/"):])
            if sha is not None:
                return 200, shapes.ref(self.urls, r, ref[len("heads/"):], sha), {}
        found = self._refs_matching(r, ref)
        if not found:
            raise not_found()
        return 200, [shapes.ref(self.urls, r, b, s) for b, s in found], {}

    def compare(self, owner, name, basehead):
        """GET /repos/{o}/{r}/compare/{base}...{head}: branch names or shas."""
        r = self.repo(owner, name)
        doc = "https://docs.github.com/rest/commits/commits#compare-two-commits"
        base, sep, head = basehead.partition("...")
        heads = r.heads()
        b, h = heads.get(base, base), heads.get(head, head)
        if not sep or not all(re.fullmatch("[0-9a-f]{40}", x) for x in (b, h)) or \
                r.git("cat-file", "-e", b + "^{commit}").returncode or \
                r.git("cat-file", "-e", h + "^{commit}").returncode:
            raise not_found()
        mb = r.git("merge-base", b, h).stdout.strip()
        ahead = r.git("rev-list", "--reverse", mb + ".." + h).stdout.split()
        behind = r.git("rev-list", "--count", mb + ".." + b).stdout.strip()
        commits = [shapes.commit(self.urls, r, c, r.git("cat-file", "commit", c).stdout)
                   for c in ahead[:250]]
        status = ("identical" if not ahead and behind == "0" else
                  "ahead" if behind == "0" else "behind" if not ahead else "diverged")
        return 200, {
            "url": "%s/repos/%s/compare/%s" % (self.urls.api, r.full_name, basehead),
            "status": status, "ahead_by": len(ahead), "behind_by": int(behind or 0),
            "total_commits": len(ahead), "commits": commits, "files": [],
            "merge_base_commit": shapes.commit(self.urls, r, mb,
                                               r.git("cat-file", "commit", mb).stdout),
        }, {}

    def get_ref(self, owner, name, ref):
        r = self.repo(owner, name)
        sha = r.heads().get(ref[len("heads/"):]) if ref.startswith("heads/") else None
        if sha is None:
            raise not_found()
        return 200, shapes.ref(self.urls, r, ref[len("heads/"):], sha), {}

    def matching_refs(self, owner, name, ref):
        r = self.repo(owner, name)
        return 200, [shapes.ref(self.urls, r, b, s)
                     for b, s in self._refs_matching(r, ref)], {}

    # --- git data: blobs, trees, commits (git plumbing in the bare repo) ---
    def _types(self, r, shas):
        """{sha: type or None} for shas, one `git cat-file --batch-check`."""
        if not shas:
            return {}
        out = r.git_bytes("cat-file", "--batch-check",
                          data=("\n".join(shas) + "\n").encode()).stdout.decode()
        types = {}
        for sha, line in zip(shas, out.splitlines()):
            parts = line.split()
            types[sha] = parts[1] if len(parts) == 3 else None
        return types

    def create_blob(self, owner, name):
        """POST .../git/blobs {content, encoding: utf-8|base64} -> 201 {url, sha}."""
        r = self.repo(owner, name)
        b = self.body_object(DOC_BLOBS)
        content, enc = b.get("content"), b.get("encoding", "utf-8")
        if not isinstance(content, str):
            raise invalid_request('"content" wasn\'t supplied.', DOC_BLOBS)
        if enc == "base64":
            try:
                data = base64.b64decode(content.encode("ascii"), validate=True)
            except (binascii.Error, UnicodeEncodeError):
                raise validation([{"resource": "Blob", "field": "content",
                                   "code": "invalid"}], DOC_BLOBS)
        elif enc in ("utf-8", "utf8"):
            data = content.encode("utf-8")
        else:
            raise validation([{"resource": "Blob", "field": "encoding",
                               "code": "invalid"}], DOC_BLOBS)
        with self.store.lock:
            p = r.git_bytes("hash-object", "-w", "--stdin", data=data)
            if p.returncode != 0:
                raise ApiError(500, error("Server Error", status=500))
            sha = p.stdout.decode().strip()
        url = "%s/repos/%s/git/blobs/%s" % (self.urls.api, r.full_name, sha)
        return 201, {"url": url, "sha": sha}, {"Location": url}

    def create_tree(self, owner, name):
        """POST .../git/trees {base_tree?, tree[]}: nested paths edit base_tree,
        "sha": null deletes a path (422 when it does not exist). Built flat from
        `git ls-tree -r` and written through a temporary index (write-tree)."""
        r = self.repo(owner, name)
        b = self.body_object(DOC_TREES)
        items, base = b.get("tree"), b.get("base_tree")
        if not isinstance(items, list):
            raise invalid_request('"tree" wasn\'t supplied.', DOC_TREES)
        with self.store.lock:
            flat = {}
            if base is not None:
                if not isinstance(base, str) or not SHA.match(base) or \
                        self._types(r, [base]).get(base) != "tree":
                    raise validation([{"resource": "Tree", "field": "base_tree",
                                       "code": "invalid"}], DOC_TREES)
                out = r.git_bytes("ls-tree", "-r", "-z", "--full-tree", base).stdout
                for rec in out.split(b"\0"):
                    if rec:
                        meta, _, path = rec.partition(b"\t")
                        mode, _typ, sha = meta.decode().split()
                        flat[path.decode("utf-8", "surrogateescape")] = (mode, sha)
            want = [it.get("sha") for it in items if isinstance(it, dict)
                    and isinstance(it.get("sha"), str)]
            types = self._types(r, [x for x in want if SHA.match(x)])
            for it in items:
                if not isinstance(it, dict) or not isinstance(it.get("path"), str) or \
                        it.get("mode") not in TREE_MODES:
                    raise invalid_request("Invalid tree info", DOC_TREES)
                path, mode, sha = it["path"].strip("/"), it["mode"], it.get("sha")
                if "content" in it and sha is None and isinstance(it["content"], str):
                    p = r.git_bytes("hash-object", "-w", "--stdin",
                                    data=it["content"].encode("utf-8"))
                    sha = p.stdout.decode().strip()
                    types[sha] = "blob"
                under = [k for k in flat if k.startswith(path + "/")]
                if sha is None:
                    if path not in flat and not under:
                        raise ApiError(422, error("GitRPC::BadObjectState: %s does not "
                                                  "exist in the tree" % path, DOC_TREES,
                                                  status=422))
                    flat.pop(path, None)
                    for k in under:
                        del flat[k]
                    continue
                if not isinstance(sha, str) or not SHA.match(sha) or \
                        (mode != "160000" and types.get(sha) != TREE_MODES[mode]):
                    raise ApiError(422, error("GitRPC::BadObjectState", DOC_TREES,
                                              status=422))
                for k in under:
                    del flat[k]
                parts = path.split("/")
                for i in range(1, len(parts)):
                    flat.pop("/".join(parts[:i]), None)
                if mode == "040000":
                    out = r.git_bytes("ls-tree", "-r", "-z", "--full-tree", sha).stdout
                    for rec in out.split(b"\0"):
                        if rec:
                            meta, _, sub = rec.partition(b"\t")
                            m2, _t, s2 = meta.decode().split()
                            flat[path + "/" + sub.decode("utf-8", "surrogateescape")] = \
                                (m2, s2)
                else:
                    flat[path] = (mode, sha)
            fd, index = tempfile.mkstemp(prefix="forge-index-", dir=r.gitdir)
            os.close(fd)
            os.unlink(index)
            try:
                env = {"GIT_INDEX_FILE": index}
                lines = b"".join(("%s %s\t" % (m, s)).encode() +
                                 k.encode("utf-8", "surrogateescape") + b"\0"
                                 for k, (m, s) in sorted(flat.items()))
                if lines and r.git_bytes("update-index", "-z", "--index-info", data=lines,
                                         env=env).returncode != 0:
                    raise ApiError(422, error("GitRPC::BadObjectState", DOC_TREES,
                                              status=422))
                p = r.git_bytes("write-tree", env=env)
                if p.returncode != 0:
                    raise ApiError(500, error("Server Error", status=500))
                sha = p.stdout.decode().strip()
            finally:
                if os.path.exists(index):
                    os.unlink(index)
        url = "%s/repos/%s/git/trees/%s" % (self.urls.api, r.full_name, sha)
        entries = []
        out = r.git_bytes("ls-tree", "-z", "--long", sha).stdout
        for rec in out.split(b"\0"):
            if rec:
                meta, _, path = rec.partition(b"\t")
                mode, typ, esha, size = meta.decode().split()
                e = {"path": path.decode("utf-8", "replace"), "mode": mode, "type": typ,
                     "sha": esha, "url": "%s/repos/%s/git/%ss/%s" % (
                         self.urls.api, r.full_name, typ, esha)}
                if typ == "blob":
                    e["size"] = int(size)
                entries.append(e)
        return 201, {"sha": sha, "url": url, "tree": entries, "truncated": False}, \
            {"Location": url}

    @staticmethod
    def _git_date(iso):
        """GitHub's ISO 8601 date as git takes it (git parses ISO 8601 itself)."""
        return iso if isinstance(iso, str) and iso else None

    def create_commit(self, owner, name):
        """POST .../git/commits {message, tree, parents[], author?, committer?}:
        `git commit-tree` -> 201 with GitHub's git commit object."""
        r = self.repo(owner, name)
        b = self.body_object(DOC_COMMITS)
        msg, tree, parents = b.get("message"), b.get("tree"), b.get("parents", [])
        if not isinstance(msg, str) or not isinstance(tree, str):
            raise invalid_request('"message" and "tree" must be strings.', DOC_COMMITS)
        if not isinstance(parents, list) or not all(isinstance(p, str) for p in parents):
            raise invalid_request('"parents" must be an array of strings.', DOC_COMMITS)
        author = b.get("author") or {"name": self.login, "email": "%s@users.noreply" %
                                     self.login}
        committer = b.get("committer") or author
        env = {}
        for who, p in (("AUTHOR", author), ("COMMITTER", committer)):
            if not isinstance(p, dict) or not isinstance(p.get("name"), str) or \
                    not isinstance(p.get("email"), str):
                raise invalid_request('"%s" needs "name" and "email".' % who.lower(),
                                      DOC_COMMITS)
            env["GIT_%s_NAME" % who] = p["name"]
            env["GIT_%s_EMAIL" % who] = p["email"]
            if self._git_date(p.get("date")):
                env["GIT_%s_DATE" % who] = p["date"]
        with self.store.lock:
            types = self._types(r, [x for x in [tree] + parents if SHA.match(x)])
            if types.get(tree) != "tree":
                raise ApiError(422, error("Tree SHA does not exist", DOC_COMMITS,
                                          status=422))
            for p in parents:
                if types.get(p) != "commit":
                    raise ApiError(422, error("Parent SHA does not exist or is not a "
                                              "commit object", DOC_COMMITS, status=422))
            args = ["commit-tree", tree]
            for p in parents:
                args += ["-p", p]
            c = r.git_bytes(*args, data=msg.encode("utf-8"), env=env)
            if c.returncode != 0:
                raise ApiError(422, error("Invalid request", DOC_COMMITS, status=422))
            sha = c.stdout.decode().strip()
            raw = r.git("cat-file", "commit", sha).stdout
        full = shapes.commit(self.urls, r, sha, raw)
        a = "%s/repos/%s" % (self.urls.api, r.full_name)
        obj = {
            "sha": sha, "node_id": full["node_id"], "url": "%s/git/commits/%s" % (a, sha),
            "html_url": full["html_url"],
            "author": full["commit"]["author"], "committer": full["commit"]["committer"],
            "tree": full["commit"]["tree"], "message": full["commit"]["message"],
            "parents": [{"sha": p, "url": "%s/git/commits/%s" % (a, p),
                         "html_url": "%s/%s/commit/%s" % (self.urls.web, r.full_name, p)}
                        for p in parents],
            "verification": {"verified": False, "reason": "unsigned", "signature": None,
                             "payload": None, "verified_at": None},
        }
        return 201, obj, {"Location": obj["url"]}

    def _ref_error(self, message, doc):
        return ApiError(422, error(message, doc, status=422))

    def create_ref(self, owner, name):
        r = self.repo(owner, name)
        doc = DOC_REFS + "#create-a-reference"
        b = self.body_object(doc)
        ref, sha = b.get("ref"), b.get("sha")
        if not isinstance(ref, str) or not isinstance(sha, str):
            raise invalid_request('"ref" and "sha" must be strings.', doc)
        if not ref.startswith("refs/") or ref.count("/") < 2:
            raise self._ref_error("Reference name must start with 'refs/' and have at least "
                                  "two slashes.", doc)
        if not ref.startswith("refs/heads/"):
            raise self._ref_error("Reference update failed", doc)
        with self.store.lock:
            if r.git("check-ref-format", ref).returncode != 0:
                raise self._ref_error("%s is not a valid ref name." % ref, doc)
            if ref[len("refs/heads/"):] in r.heads():
                raise self._ref_error("Reference already exists", doc)
            if r.git("cat-file", "-e", sha + "^{commit}").returncode != 0:
                raise self._ref_error("Object does not exist", doc)
            if r.git("update-ref", ref, sha, "").returncode != 0:
                raise self._ref_error("Reference update failed", doc)
            obj = shapes.ref(self.urls, r, ref[len("refs/heads/"):], sha)
        return 201, obj, {"Location": obj["url"]}

    def update_ref(self, owner, name, ref):
        r = self.repo(owner, name)
        doc = DOC_REFS + "#update-a-reference"
        b = self.body_object(doc)
        sha = b.get("sha")
        if not isinstance(sha, str):
            raise invalid_request('"sha" wasn\'t supplied.', doc)
        with self.store.lock:
            branch = ref[len("heads/"):] if ref.startswith("heads/") else None
            old = r.heads().get(branch) if branch else None
            if old is None:
                raise self._ref_error("Reference does not exist", doc)
            if r.git("cat-file", "-e", sha + "^{commit}").returncode != 0:
                raise self._ref_error("Object does not exist", doc)
            if not b.get("force") and not r.is_ancestor(old, sha):
                raise self._ref_error("Update is not a fast forward", doc)
            if r.git("update-ref", "refs/" + ref, sha, old).returncode != 0:
                raise self._ref_error("Reference update failed", doc)
            return 200, shapes.ref(self.urls, r, branch, sha), {}

    def delete_ref(self, owner, name, ref):
        r = self.repo(owner, name)
        doc = DOC_REFS + "#delete-a-reference"
        with self.store.lock:
            heads = r.heads()
            branch = ref[len("heads/"):] if ref.startswith("heads/") else None
            if branch is None or branch not in heads:
                raise self._ref_error("Reference does not exist", doc)
            if r.git("update-ref", "-d", "refs/heads/" + branch, heads[branch]).returncode:
                raise self._ref_error("Reference update failed", doc)
            del heads[branch]
            self.refresh(r, heads)
        return 204, None, {}


def paginate(items, raw_query, link_base):
    """GitHub's paging: per_page (default 30, at most 100) and page (from 1).
    Returns (items of the page, Link header value or None); the links keep the
    request's other parameters and put page last, as api.github.com does."""
    q = dict(parse_qsl(raw_query, keep_blank_values=True))
    params = [(k, v) for k, v in parse_qsl(raw_query, keep_blank_values=True) if k != "page"]
    try:
        per = int(q.get("per_page", 30))
    except ValueError:
        per = 30
    per = 30 if per <= 0 else min(per, 100)
    try:
        page = max(int(q.get("page", 1)), 1)
    except ValueError:
        page = 1
    last = max((len(items) + per - 1) // per, 1)
    chunk = items[(page - 1) * per:page * per]

    def url(p):
        return "%s?%s" % (link_base, urlencode(params + [("page", str(p))]))
    links = []
    if page > 1:
        links.append('<%s>; rel="prev"' % url(min(page - 1, last)))
    if page < last:
        links.append('<%s>; rel="next"' % url(page + 1))
        links.append('<%s>; rel="last"' % url(last))
    if page > 1:
        links.append('<%s>; rel="first"' % url(1))
    return chunk, (", ".join(links) or None)
