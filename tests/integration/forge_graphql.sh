#!/usr/bin/env bash
# The loopback forge's GraphQL endpoint (tests/forge/gql.py) and its
# latency switch: answers in GitHub's shapes (aliases, refs, blobs, pull
# requests, connections), GitHub's errors (a missing repository with its
# path, parse errors, unknown fields, pagination bounds), the cost and the
# GraphQL window apart from the core quota, 401 without a token, the
# request log's operation, and --latency / POST /_forge/latency delaying
# API and git answers.
set -u
. "$(dirname "$0")/lib.bash"
export GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=Dev GIT_AUTHOR_EMAIL=dev@example.com
export GIT_COMMITTER_NAME=Dev GIT_COMMITTER_EMAIL=dev@example.com
lib_init forge-graphql
forge_start

git init -q --bare -b main "$T/forge/acme/api.git"
git init -q -b main "$T/w"
echo hello > "$T/w/a.txt"
git -C "$T/w" add a.txt
git -C "$T/w" commit -qm one
git -C "$T/w" push -q "$T/forge/acme/api.git" main
echo sync > "$T/w/b.txt"
git -C "$T/w" add b.txt
git -C "$T/w" commit -qm two
git -C "$T/w" push -q "$T/forge/acme/api.git" HEAD:refs/heads/chore/sync-files-api-20240101-000000-abc1234
BLOB=$(git -C "$T/w" rev-parse HEAD~1:a.txt)
MAIN=$(git -C "$T/w" rev-parse HEAD~1)
SYNC=$(git -C "$T/w" rev-parse HEAD)

python3 - "http://127.0.0.1:$PORT" "$(cat "$T/token")" "$BLOB" "$MAIN" "$SYNC" \
    "$T/forge/.forge/requests.log" <<'EOF' || fail "forge GraphQL checks"
import json, sys, time, urllib.request, urllib.error
url, token, blob, main, sync, log = sys.argv[1:]
failed = []

def check(what, cond):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failed.append(what)

def call(method, path, body=None, auth=True):
    h = {"Content-Type": "application/json"}
    if auth:
        h["Authorization"] = "Bearer " + token
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url + path, data=data, method=method, headers=h)
    try:
        r = urllib.request.urlopen(req, timeout=10)
        return r.status, dict(r.headers), json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), json.loads(e.read() or b"null")

def gql(q, variables=None, auth=True):
    body = {"query": q}
    if variables is not None:
        body["variables"] = variables
    return call("POST", "/api/graphql", body, auth)

s, _, d = call("POST", "/api/v3/repos/acme/api/pulls", {
    "title": "[Sync] t", "head": "chore/sync-files-api-20240101-000000-abc1234", "base": "main",
    "body": "the body"})
check("PR created", s == 201)

q = '''query Disc($o: String!) { rateLimit { cost remaining resetAt }
  r0: repository(owner: $o, name: "api") {
    nameWithOwner isArchived viewerPermission
    defaultBranchRef { name target { oid } }
    base: ref(qualifiedName: "refs/heads/main") { target { ... on Commit { oid } } }
    gone: ref(qualifiedName: "refs/heads/nope") { name }
    refs(refPrefix: "refs/heads/chore/sync-files-", first: 100) { totalCount nodes { name target { oid } } }
    object(expression: "main:a.txt") { ... on Blob { oid byteSize } ... on Tree { oid } }
    pullRequests(states: [OPEN], first: 100) { pageInfo { hasNextPage endCursor }
      nodes { number url body isDraft headRefName headRefOid baseRefName mergeable
              headRef { target { oid } } headRepository { nameWithOwner }
              headRepositoryOwner { login } author { login } labels(first: 20) { nodes { name } } } } }
  r1: repository(owner: "acme", name: "missing") { name } }'''
s, h, d = gql(q, {"o": "acme"})
check("query: 200", s == 200)
r0 = (d.get("data") or {}).get("r0") or {}
check("alias and variable", r0.get("nameWithOwner") == "acme/api")
check("defaultBranchRef", r0.get("defaultBranchRef") == {"name": "main", "target": {"oid": main}})
check("ref with an inline fragment", r0.get("base") == {"target": {"oid": main}})
check("a missing ref is null", "gone" in r0 and r0["gone"] is None)
check("refs by prefix", r0.get("refs") == {"totalCount": 1, "nodes": [
    {"name": "chore/sync-files-api-20240101-000000-abc1234", "target": {"oid": sync}}]})
check("object: the blob", r0.get("object") == {"oid": blob, "byteSize": 6})
prs = (r0.get("pullRequests") or {}).get("nodes") or []
check("one open PR", len(prs) == 1 and r0["pullRequests"]["pageInfo"]["hasNextPage"] is False)
p = prs[0] if prs else {}
check("PR fields", p.get("number") == 1 and p.get("headRefOid") == sync and
      p.get("headRef") == {"target": {"oid": sync}} and p.get("baseRefName") == "main" and
      p.get("headRepository") == {"nameWithOwner": "acme/api"} and
      p.get("headRepositoryOwner") == {"login": "acme"} and p.get("body") == "the body" and
      p.get("author") == {"login": "demo"} and p.get("labels") == {"nodes": []} and
      p.get("url", "").endswith("/acme/api/pull/1"))
check("missing repository: null and a NOT_FOUND error with its path",
      d["data"].get("r1", 0) is None and d.get("errors") and
      d["errors"][0]["type"] == "NOT_FOUND" and d["errors"][0]["path"] == ["r1"] and
      d["errors"][0]["message"] == "Could not resolve to a Repository with the name 'acme/missing'.")
# cost: refs 1 + pullRequests 1 + labels 100 (once per PR the page may hold)
# requests, / 100 = 1
check("cost by GitHub's rule", d["data"]["rateLimit"]["cost"] == 1)
check("GraphQL headers", h.get("x-ratelimit-resource") == "graphql" and
      int(h.get("x-ratelimit-used")) == 1)
s, _, d = gql("{ " + " ".join('a%d: repository(owner: "acme", name: "api") { pullRequests('
                              'first: 100) { nodes { labels(first: 100) { nodes { name } } } } }'
                              % i for i in range(3)) + " rateLimit { cost nodeCount } }")
check("cost: 3 x (1 + 100) requests = 3 points", d["data"]["rateLimit"] ==
      {"cost": 3, "nodeCount": 3 * (100 + 100 * 100)})
s, _, rl = call("GET", "/api/v3/rate_limit")
check("rate_limit: graphql window apart from core",
      rl["resources"]["graphql"]["used"] == 4 and rl["resources"]["core"]["used"] == 1)

s, _, d = gql("{ repository(owner: \"acme\", name: \"api\") { foo } }")
check("unknown field", s == 200 and "data" not in d and
      d["errors"][0]["message"] == "Field 'foo' doesn't exist on type 'Repository'" and
      d["errors"][0]["extensions"]["code"] == "undefinedField")
s, _, d = gql("{ repository(owner: \"acme\" name: \"api\") { name }")
check("parse error", "data" not in d and d["errors"][0]["message"].startswith("Parse error on"))
s, _, d = gql("{ repository(owner: \"acme\", name: \"api\") { pullRequests { totalCount } } }")
check("no first", d["errors"][0]["type"] == "MISSING_PAGINATION_BOUNDARIES")
s, _, d = gql("{ repository(owner: \"acme\", name: \"api\") { pullRequests(first: 101) { totalCount } } }")
check("first over 100", d["errors"][0]["type"] == "EXCESSIVE_PAGINATION")
s, _, d = gql("{ viewer { login } }", auth=False)
check("no token: 401", s == 401)
s, _, d = gql("mutation { mergePullRequest(input: {pullRequestId: \"x\"}) { clientMutationId } }")
check("an unregistered mutation is an unknown field", "data" not in d and
      "doesn't exist on type 'Mutation'" in d["errors"][0]["message"])

ops = [json.loads(l).get("graphql") for l in open(log)]
ops = [o["operation"] for o in ops if o]
check("request log: operations", ops[0] == "query" and ops[-1] == "mutation")

# latency: every API and git answer waits; control requests do not
s, _, d = call("POST", "/_forge/latency", {"ms": 300})
check("latency set", s == 200 and d == {"ms": 300})
s, _, d = call("POST", "/_forge/latency", {"ms": -1})
check("latency: bad value refused", s == 400)
t0 = time.monotonic()
call("GET", "/api/v3/repos/acme/api")
t_api = time.monotonic() - t0
t0 = time.monotonic()
gql("{ viewer { login } }")
t_gql = time.monotonic() - t0
t0 = time.monotonic()
call("GET", "/_forge/health")
t_ctl = time.monotonic() - t0
print("latency 300 ms: REST %.0f ms, GraphQL %.0f ms, control %.0f ms" % (
    t_api * 1000, t_gql * 1000, t_ctl * 1000))
check("REST answer delayed", t_api >= 0.3)
check("GraphQL answer delayed", t_gql >= 0.3)
check("control answer not delayed", t_ctl < 0.3)
call("POST", "/_forge/latency", {"ms": 0})
sys.exit(1 if failed else 0)
EOF
# git answers are delayed too
curl -s -X POST --data '{"ms": 200}' "http://127.0.0.1:$PORT/_forge/latency" > /dev/null
t0=$(date +%s%N)
git -c http.extraHeader="Authorization: Bearer $(cat "$T/token")" ls-remote \
    "http://127.0.0.1:$PORT/git/acme/api.git" > /dev/null || fail "ls-remote"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$ms" -ge 200 ] || fail "git answer not delayed: $ms ms"
echo "ok   git answer delayed ($ms ms)"
# --latency on the command line
python3 "$ROOT_DIR/tests/forge/forge.py" --root "$T/forge" --latency 70000 > "$T/bad.out" 2>&1 &&
    fail "--latency 70000 accepted"
grep -q -- "--latency must be 0..60000" "$T/bad.out" || fail "--latency: $(cat "$T/bad.out")"
echo "ok   --latency out of range refused"
echo ok
