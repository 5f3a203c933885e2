"""The GraphQL endpoint of the loopback forge (GitHub's /api/graphql subset).

answer() takes a POST body ({"query": TEXT, "variables": {...}}) and gives
(status, answer object, cost in points). The query language is the subset
repocast sends: an optional `query` keyword, name and variable definitions,
aliases, fields, arguments with string / int / float / boolean / null /
enum / list / object literals and $variables, inline fragments
(`... on Blob { oid }`). Named fragments, directives and subscriptions are
answered with GitHub's parse or validation errors. Mutations go to the
fields registered in MUTATIONS (none here).

What a query can ask (GitHub's names and shapes):
  rateLimit { cost limit remaining used resetAt nodeCount }
  viewer { login }
  repository(owner, name) {
    id name nameWithOwner url isArchived isFork isPrivate viewerPermission
    defaultBranchRef { ...Ref }
    ref(qualifiedName) { ...Ref }            # null when missing
    refs(refPrefix, first, after) { nodes { ...Ref } pageInfo totalCount }
    object(expression: "REV:PATH") { ... on Blob { oid byteSize } ... on Commit { oid } }
    pullRequests(states, first, after, headRefName, baseRefName,
                 orderBy: {field: CREATED_AT|UPDATED_AT, direction: ASC|DESC}) {
      nodes { id number url title body state isDraft mergeable isCrossRepository
              headRefName headRefOid baseRefName headRef { ...Ref }
              headRepository { nameWithOwner } headRepositoryOwner { login }
              author { login } labels(first) { nodes { name } } }
      pageInfo { hasNextPage endCursor } totalCount } }
  Ref: name prefix target { oid ... on Commit { oid } }

Errors as GitHub gives them: a parse error or an unknown field answers
{"errors": [...]} without data; a missing repository is
{"data": {"alias": null}, "errors": [{"type": "NOT_FOUND", "path": [alias], ...}]};
a connection without `first`/`last` or with more than 100, or a query over
500,000 nodes, is refused before anything runs. The cost follows GitHub's
rule: the requests the connections need (each connection's parents'
`first` multiplied), divided by 100 and rounded, at least 1.
"""

import json
import re

import apps
import shapes

NODE_LIMIT = 500000
PAGE_MAX = 100
DOC = "https://docs.github.com/graphql"
MUTATIONS = {}  # field name -> fn(forge, login, args, selections) -> value


class GqlError(Exception):
    """A query refused as a whole (parse or validation): no data."""

    def __init__(self, message, line=None, col=None, extra=None):
        super().__init__(message)
        self.message = message
        self.loc = (line, col)
        self.extra = extra or {}

    def answer(self):
        e = {"message": self.message}
        if self.loc[0] is not None:
            e["locations"] = [{"line": self.loc[0], "column": self.loc[1]}]
        e.update(self.extra)
        return {"errors": [e]}


# --- parsing --------------------------------------------------------------

TOKEN = re.compile(r'''
    (?P<ws>[\s,\ufeff]+|\#[^\n]*)
  | (?P<spread>\.\.\.)
  | (?P<punct>[!$():=@\[\]{}|&])
  | (?P<name>[_A-Za-z][_0-9A-Za-z]*)
  | (?P<num>-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)
  | (?P<block>"""(?:[^"\\]|\\.|"(?!""))*""")
  | (?P<str>"(?:[^"\\\n]|\\(?:["\\/bfnrt]|u[0-9A-Fa-f]{4}))*")
''', re.VERBOSE)


def tokenize(text):
    out = []
    pos, line, col0 = 0, 1, 0
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if m is None:
            raise GqlError('Parse error on "%s" at [%d, %d]' % (text[pos], line, pos - col0 + 1),
                           line, pos - col0 + 1)
        kind = m.lastgroup
        if kind != "ws":
            out.append((kind, m.group(), line, pos - col0 + 1))
        for i, ch in enumerate(m.group()):
            if ch == "\n":
                line += 1
                col0 = pos + i + 1
        pos = m.end()
    out.append(("eof", "", line, pos - col0 + 1))
    return out


class Field:
    def __init__(self, name, alias, args, sels, line, col):
        self.name, self.alias, self.args, self.sels = name, alias, args, sels
        self.line, self.col = line, col

    @property
    def key(self):
        return self.alias or self.name


class Fragment:
    def __init__(self, type_name, sels):
        self.type_name, self.sels = type_name, sels


class Var:
    def __init__(self, name):
        self.name = name


class Enum(str):
    pass


class Parser:
    def __init__(self, text):
        self.toks = tokenize(text)
        self.i = 0

    def peek(self, k=0):
        return self.toks[self.i + k]

    def fail(self, tok=None):
        kind, val, line, col = tok or self.peek()
        shown = "end of file" if kind == "eof" else '"%s"' % val
        raise GqlError("Parse error on %s (%s) at [%d, %d]"
                       % (shown, kind.upper(), line, col), line, col)

    def take(self, val=None, kind=None):
        tok = self.peek()
        if (val is not None and tok[1] != val) or (kind is not None and tok[0] != kind) \
                or tok[0] == "eof":
            self.fail(tok)
        self.i += 1
        return tok

    def at(self, val):
        return self.peek()[1] == val and self.peek()[0] in ("punct", "spread", "name")

    def document(self):
        op = "query"
        vardefs = {}
        if self.peek()[0] == "name" and self.peek()[1] in ("query", "mutation",
                                                         "subscription", "fragment"):
            op = self.take()[1]
            if op in ("subscription", "fragment"):
                raise GqlError("the forge does not support %s definitions" % op,
                               self.peek()[2], self.peek()[3])
            if self.peek()[0] == "name":
                self.take()
            if self.at("("):
                vardefs = self.var_defs()
        sels = self.selection_set()
        if self.peek()[0] != "eof":
            self.fail()
        return op, vardefs, sels

    def var_defs(self):
        out = {}
        self.take("(")
        while not self.at(")"):
            self.take("$")
            name = self.take(kind="name")[1]
            self.take(":")
            self.type_ref()
            default = None
            if self.at("="):
                self.take("=")
                default = self.value(const=True)
            out[name] = default
        self.take(")")
        return out

    def type_ref(self):
        if self.at("["):
            self.take("[")
            self.type_ref()
            self.take("]")
        else:
            self.take(kind="name")
        if self.at("!"):
            self.take("!")

    def selection_set(self):
        self.take("{")
        sels = []
        while not self.at("}"):
            if self.peek()[0] == "spread":
                self.take()
                if not (self.peek()[0] == "name" and self.peek()[1] == "on"):
                    raise GqlError("the forge does not support named fragments",
                                   self.peek()[2], self.peek()[3])
                self.take("on")
                t = self.take(kind="name")[1]
                sels.append(Fragment(t, self.selection_set()))
                continue
            _, name, line, col = self.take(kind="name")
            alias = None
            if self.at(":"):
                self.take(":")
                alias, name = name, self.take(kind="name")[1]
            args = {}
            if self.at("("):
                self.take("(")
                while not self.at(")"):
                    an = self.take(kind="name")[1]
                    self.take(":")
                    args[an] = self.value()
                self.take(")")
            if self.at("@"):
                raise GqlError("the forge does not support directives", line, col)
            sub = self.selection_set() if self.at("{") else None
            sels.append(Field(name, alias, args, sub, line, col))
        self.take("}")
        if not sels:
            self.fail()
        return sels

    def value(self, const=False):
        kind, val, _line, _col = self.peek()
        if kind == "punct" and val == "$" and not const:
            self.take()
            return Var(self.take(kind="name")[1])
        if kind == "punct" and val == "[":
            self.take()
            out = []
            while not self.at("]"):
                out.append(self.value(const))
            self.take("]")
            return out
        if kind == "punct" and val == "{":
            self.take()
            out = {}
            while not self.at("}"):
                k = self.take(kind="name")[1]
                self.take(":")
                out[k] = self.value(const)
            self.take("}")
            return out
        if kind == "num":
            self.take()
            return float(val) if any(c in val for c in ".eE") else int(val)
        if kind == "str":
            self.take()
            return json.loads(val)
        if kind == "block":
            self.take()
            return val[3:-3]
        if kind == "name":
            self.take()
            return {"true": True, "false": False, "null": None}.get(val, Enum(val))
        self.fail()


# --- execution ------------------------------------------------------------

class FieldError(Exception):
    """One field failed: its value becomes null and the error is listed."""

    def __init__(self, message, typ=None):
        super().__init__(message)
        self.message, self.type = message, typ


def undefined(field, type_name):
    return GqlError("Field '%s' doesn't exist on type '%s'" % (field.name, type_name),
                    field.line, field.col,
                    {"path": [], "extensions": {"code": "undefinedField",
                                                "typeName": type_name,
                                                "fieldName": field.name}})


CONNECTIONS = {"refs", "pullRequests", "labels"}


def measure(sels, mult=1, acc=None):
    """(nodes, requests) the query's connections ask for (GitHub's rule)."""
    if acc is None:
        acc = [0, 0]
    for s in sels or []:
        if isinstance(s, Fragment):
            measure(s.sels, mult, acc)
            continue
        if s.name in CONNECTIONS:
            n = s.args.get("first", s.args.get("last"))
            if not isinstance(n, int) or isinstance(n, bool):
                raise GqlError("You must provide a `first` or `last` value to properly "
                               "paginate the `%s` connection." % s.name, s.line, s.col,
                               {"type": "MISSING_PAGINATION_BOUNDARIES",
                                "path": [s.key]})
            if n < 1 or n > PAGE_MAX:
                raise GqlError("Requesting %d records on the `%s` connection exceeds the "
                               "`first` limit of %d records." % (n, s.name, PAGE_MAX),
                               s.line, s.col, {"type": "EXCESSIVE_PAGINATION",
                                               "path": [s.key]})
            acc[1] += mult
            acc[0] += mult * n
            measure(s.sels, mult * n, acc)
        else:
            measure(s.sels, mult, acc)
    return acc


class Run:
    """One query's execution: the forge, who asks, the variables, the errors."""

    def __init__(self, forge, login, variables, vardefs, quota_key=None, account=None):
        self.forge = forge
        self.quota_key = quota_key or login  # whose GraphQL window
        self.account = account  # an App installation's: it sees that account alone
        self.store = forge.store
        self.urls = forge.urls
        self.login = login
        self.vars = dict(vardefs)
        self.vars.update(variables or {})
        self.errors = []
        self.cost = 1
        self.nodes = 0

    def arg(self, field, name, default=None):
        v = field.args.get(name, default)
        return self.resolve(v)

    def resolve(self, v):
        if isinstance(v, Var):
            return self.vars.get(v.name)
        if isinstance(v, list):
            return [self.resolve(x) for x in v]
        if isinstance(v, dict):
            return {k: self.resolve(x) for k, x in v.items()}
        return v

    def select(self, type_name, obj, sels, getter, path):
        """Answer sels on obj of type type_name; getter(field, obj, path) gives a value."""
        out = {}
        for s in sels:
            if isinstance(s, Fragment):
                if s.type_name == type_name:
                    out.update(self.select(type_name, obj, s.sels, getter, path))
                continue
            if s.name == "__typename":
                out[s.key] = type_name
                continue
            try:
                out[s.key] = getter(s, obj, path + [s.key])
            except FieldError as e:
                err = {"path": path + [s.key], "locations": [{"line": s.line,
                                                               "column": s.col}],
                       "message": e.message}
                if e.type:
                    err["type"] = e.type
                self.errors.append(err)
                out[s.key] = None
        return out

    def need_sels(self, field, type_name):
        if not field.sels:
            raise GqlError("Field must have selections (field '%s' returns %s but has no "
                           "selections. Did you mean '%s { ... }'?)"
                           % (field.name, type_name, field.name), field.line, field.col)

    # --- Query ------------------------------------------------------------
    def query_field(self, f, _obj, path):
        if f.name == "rateLimit":
            return self.select("RateLimit", None, f.sels or [], self.rate_field, path)
        if f.name == "viewer":
            self.need_sels(f, "User")
            return self.select("User", self.login, f.sels, self.user_field, path)
        if f.name == "repository":
            self.need_sels(f, "Repository")
            owner, name = self.arg(f, "owner"), self.arg(f, "name")
            r = self.store.repo(owner, name) if isinstance(owner, str) and \
                isinstance(name, str) else None
            if r is not None and not apps.sees(self.account, r.owner):
                r = None
            if r is None or not r.exists():
                raise FieldError("Could not resolve to a Repository with the name '%s/%s'."
                                 % (owner, name), "NOT_FOUND")
            return self.select("Repository", RepoView(self, r), f.sels, self.repo_field, path)
        raise undefined(f, "Query")

    def rate_field(self, f, _obj, _path):
        snap = self.forge.gql_quota.snapshot(self.quota_key)
        v = {"cost": self.cost, "limit": snap["limit"],
             "remaining": max(snap["remaining"] - self.cost, 0),
             "used": snap["used"] + self.cost, "resetAt": shapes.iso(snap["reset"]),
             "nodeCount": self.nodes}
        if f.name not in v:
            raise undefined(f, "RateLimit")
        return v[f.name]

    def user_field(self, f, login, _path):
        if f.name == "login":
            return login
        if f.name == "id":
            return shapes.node_id("U", 1)
        raise undefined(f, "User")

    # --- Repository -------------------------------------------------------
    def repo_field(self, f, rv, path):
        r = rv.repo
        simple = {
            "name": lambda: r.name,
            "nameWithOwner": lambda: r.full_name,
            "id": lambda: shapes.node_id("R", r.id),
            "url": lambda: "%s/%s" % (self.urls.web, r.full_name),
            "isArchived": lambda: r.attrs()["archived"],
            "isFork": lambda: r.attrs()["fork"],
            "isPrivate": lambda: r.attrs()["private"],
            "viewerPermission": lambda: "ADMIN",
        }
        if f.name in simple:
            return simple[f.name]()
        if f.name == "defaultBranchRef":
            self.need_sels(f, "Ref")
            b = r.default_branch()
            sha = rv.heads.get(b)
            return None if sha is None else self.select("Ref", (b, sha), f.sels,
                                                        self.ref_field, path)
        if f.name == "ref":
            self.need_sels(f, "Ref")
            q = self.arg(f, "qualifiedName") or ""
            b = q[len("refs/heads/"):] if q.startswith("refs/heads/") else q
            sha = rv.heads.get(b)
            return None if sha is None else self.select("Ref", (b, sha), f.sels,
                                                        self.ref_field, path)
        if f.name == "refs":
            prefix = self.arg(f, "refPrefix") or ""
            if not prefix.startswith("refs/heads/"):
                return conn_empty(f)
            sub = prefix[len("refs/heads/"):]
            items = sorted((b[len(sub):], b, s) for b, s in rv.heads.items()
                           if b.startswith(sub))
            return self.connection(f, [(b, s) for _, b, s in items], "Ref",
                                   self.ref_field, path)
        if f.name == "object":
            expr = self.arg(f, "expression") or ""
            return self.object(f, r, rv, expr, path)
        if f.name == "pullRequests":
            states = self.arg(f, "states") or ["OPEN", "CLOSED", "MERGED"]
            if isinstance(states, str):
                states = [states]
            want = {s.lower() for s in states}
            head, base = self.arg(f, "headRefName"), self.arg(f, "baseRefName")
            pulls = [p for p in rv.pulls() if p["state"] in want
                     and (head is None or p["head"] == head)
                     and (base is None or p["base"] == base)]
            order = self.arg(f, "orderBy") or {}
            key = {"CREATED_AT": "created_at", "UPDATED_AT": "updated_at"}.get(
                order.get("field") if isinstance(order, dict) else None, "created_at")
            pulls.sort(key=lambda p: (p[key], p["number"]),
                       reverse=isinstance(order, dict) and order.get("direction") == "DESC")
            return self.connection(f, pulls, "PullRequest", self.pull_field, path, rv)
        raise undefined(f, "Repository")

    def object(self, f, r, rv, expr, path):
        rev, sep, p = expr.partition(":")
        sha = rv.heads.get(rev) or (rev if re.fullmatch(r"[0-9a-f]{40}", rev) else None)
        if sha is None:
            return None
        if not sep:
            return self.select("Commit", sha, f.sels or [], self.commit_field, path)
        out = r.git("rev-parse", "--verify", "-q", "%s:%s" % (sha, p))
        if out.returncode != 0:
            return None
        oid = out.stdout.strip()
        kind = r.git("cat-file", "-t", oid).stdout.strip()
        if kind == "blob":
            size = int(r.git("cat-file", "-s", oid).stdout.strip() or 0)
            return self.select("Blob", (oid, size), f.sels or [], self.blob_field, path)
        return self.select("Tree", oid, f.sels or [], self.commit_field, path)

    def blob_field(self, f, blob, _path):
        if f.name == "oid":
            return blob[0]
        if f.name == "byteSize":
            return blob[1]
        raise undefined(f, "Blob")

    def commit_field(self, f, oid, _path):
        if f.name == "oid":
            return oid
        raise undefined(f, "Commit")

    def ref_field(self, f, ref, path):
        name, sha = ref
        if f.name == "name":
            return name
        if f.name == "prefix":
            return "refs/heads/"
        if f.name == "target":
            return self.select("Commit", sha, f.sels or [], self.commit_field, path)
        raise undefined(f, "Ref")

    def connection(self, f, items, type_name, getter, path, ctx=None):
        first = self.arg(f, "first")
        after = self.arg(f, "after")
        start = 0
        if isinstance(after, str) and after.startswith("c"):
            try:
                start = int(after[1:])
            except ValueError:
                start = 0
        page = items[start:start + first]
        out = {}
        for s in f.sels or []:
            if isinstance(s, Fragment):
                continue
            if s.name == "nodes":
                out[s.key] = [self.select(type_name, (ctx, it) if ctx else it, s.sels or [],
                                          getter, path + [s.key, i])
                              for i, it in enumerate(page)]
            elif s.name == "totalCount":
                out[s.key] = len(items)
            elif s.name == "pageInfo":
                info = {"hasNextPage": start + first < len(items),
                        "hasPreviousPage": start > 0,
                        "endCursor": "c%d" % (start + len(page)) if page else None,
                        "startCursor": "c%d" % start if page else None}
                out[s.key] = {x.key: info[x.name] for x in s.sels or []
                              if isinstance(x, Field) and x.name in info}
            else:
                raise undefined(s, type_name + "Connection")
        return out

    def pull_field(self, f, item, path):
        rv, p = item
        r = rv.repo
        n = p["number"]
        simple = {
            "id": lambda: shapes.node_id("PR", p["id"]),
            "number": lambda: n,
            "url": lambda: "%s/%s/pull/%d" % (self.urls.web, r.full_name, n),
            "title": lambda: p["title"],
            "body": lambda: p["body"] or "",
            "state": lambda: p["state"].upper(),
            "isDraft": lambda: bool(p["draft"]),
            "mergeable": lambda: "UNKNOWN",
            "headRefName": lambda: p["head"],
            "headRefOid": lambda: p["head_sha"],
            "baseRefName": lambda: p["base"],
            "isCrossRepository": lambda: p["head_owner"] != r.owner,
        }
        if f.name in simple:
            return simple[f.name]()
        if f.name == "headRef":
            heads = rv.heads if p["head_owner"] == r.owner else rv.fork_heads(p["head_owner"])
            sha = heads.get(p["head"])
            return None if sha is None else self.select("Ref", (p["head"], sha), f.sels or [],
                                                        self.ref_field, path)
        if f.name == "headRepository":
            full = "%s/%s" % (p["head_owner"], r.name)
            return self.select("Repository", full, f.sels or [], name_only, path)
        if f.name == "headRepositoryOwner":
            return self.select("Organization", p["head_owner"], f.sels or [],
                               self.user_field, path)
        if f.name == "author":
            return self.select("User", p["user"], f.sels or [], self.user_field, path)
        if f.name == "labels":
            return self.connection(f, list(p["labels"]), "Label", label_field, path)
        if f.name == "autoMergeRequest":  # set by enablePullRequestAutoMerge
            am = p.get("auto_merge")
            if am is None:
                return None
            info = {"enabledAt": p.get("auto_merge_at"),
                    "mergeMethod": am["merge_method"].upper()}
            return {x.key: info[x.name] for x in f.sels or []
                    if isinstance(x, Field) and x.name in info}
        raise undefined(f, "PullRequest")


def name_only(f, full, _path):
    if f.name == "nameWithOwner":
        return full
    if f.name == "name":
        return full.split("/", 1)[1]
    raise undefined(f, "Repository")


def label_field(f, name, _path):
    if f.name == "name":
        return name
    raise undefined(f, "Label")


def conn_empty(f):
    return {s.key: ([] if s.name == "nodes" else 0 if s.name == "totalCount" else
                    {"hasNextPage": False, "endCursor": None})
            for s in f.sels or [] if isinstance(s, Field)}


class RepoView:
    """A repository as one query sees it: its heads and PRs read once."""

    def __init__(self, run, repo):
        import api  # the REST side keeps the PRs in line with the branches
        self.run = run
        self.repo = repo
        self.heads = repo.heads()
        self._pulls = None
        self._api = api.Api(run.forge, run.login, "", b"")

    def pulls(self):
        if self._pulls is None:
            with self.run.store.lock:
                st = self._api.refresh(self.repo, self.heads)
                self._pulls = [dict(p) for p in st["pulls"].values()]
        return self._pulls

    def fork_heads(self, owner):
        fork = self.run.store.repo(owner, self.repo.name)
        return fork.heads() if fork is not None and fork.exists() else {}


def answer(forge, login, raw, quota_key=None, account=None):
    """(status, answer object, points charged, operation) for one POST
    /api/graphql body; operation is "query", "mutation" or None (not parsed).
    quota_key: whose GraphQL window (the login's; an App installation's own);
    account: an installation's account, the one whose repositories it sees."""
    try:
        req = json.loads(raw.decode("utf-8")) if raw else None
    except (UnicodeDecodeError, ValueError):
        return 400, shapes.error("Problems parsing JSON", DOC, status=400), 0, None
    if not isinstance(req, dict) or not isinstance(req.get("query"), str):
        return 200, {"errors": [{"message": "A query attribute must be specified and must "
                                 "be a string."}]}, 0, None
    variables = req.get("variables")
    if variables is not None and not isinstance(variables, dict):
        return 200, {"errors": [{"message": "Variables are invalid JSON."}]}, 0, None
    op = None
    try:
        op, vardefs, sels = Parser(req["query"]).document()
        nodes, requests = measure(sels)
        if nodes > NODE_LIMIT:
            raise GqlError("By the time this query traverses to the %s connection, it is "
                           "requesting up to %d possible nodes which exceeds the maximum "
                           "limit of %d." % ("last", nodes, NODE_LIMIT), 1, 1,
                           {"type": "MAX_NODE_LIMIT_EXCEEDED"})
        run = Run(forge, login, variables, vardefs, quota_key, account)
        run.cost = max(1, int(round(requests / 100.0)))
        run.nodes = nodes
        if op == "mutation":
            data = {}
            for s in sels:
                fn = MUTATIONS.get(getattr(s, "name", None))
                if fn is None:
                    raise undefined(s, "Mutation")
                try:
                    data[s.key] = fn(forge, login, run.resolve(s.args), s.sels)
                except FieldError as e:
                    run.errors.append({"path": [s.key], "message": e.message,
                                       "type": e.type or "UNPROCESSABLE"})
                    data[s.key] = None
        else:
            data = run.select("Query", None, sels, run.query_field, [])
    except GqlError as e:
        return 200, e.answer(), 0, op
    out = {"data": data}
    if run.errors:
        out["errors"] = run.errors
    return 200, out, run.cost, op

