"""The one GraphQL mutation the loopback forge knows: enablePullRequestAutoMerge.

POST /api/graphql (GitHub Enterprise's place for it, next to /api/v3) with
{"query": "mutation ... { enablePullRequestAutoMerge(input: {pullRequestId: $id,
mergeMethod: $method}) { ... } }", "variables": {...}}. answer() returns
(status, body) for a document holding that mutation, or None for any other
document (a query is left to whatever else answers /api/graphql).

The pull request is found by its REST node_id (PR_<base64 of its id>). When its
repository does not allow auto-merge (attribute allow_auto_merge), the answer is
GitHub's: HTTP 200 with data.enablePullRequestAutoMerge null and an
UNPROCESSABLE error "Pull request Auto merge is not allowed for this
repository". Otherwise the PR's auto_merge is set (REST shows it) and the
answer carries pullRequest{id, number, autoMergeRequest{enabledAt,
mergeMethod}}; the forge never merges on its own later.
"""

import base64
import re
import time

import apps
from shapes import iso

MUTATION = re.compile(r"\benablePullRequestAutoMerge\s*\(\s*input\s*:\s*\{(?P<args>[^}]*)\}")
ARG = re.compile(r"(\w+)\s*:\s*(\$\w+|\"(?:[^\"\\]|\\.)*\"|\w+)")
METHODS = ("MERGE", "SQUASH", "REBASE")


def _err(message, kind="UNPROCESSABLE"):
    return 200, {"data": {"enablePullRequestAutoMerge": None},
                 "errors": [{"type": kind, "path": ["enablePullRequestAutoMerge"],
                             "locations": [{"line": 1, "column": 1}], "message": message}]}


def _value(tok, variables):
    if tok.startswith("$"):
        return variables.get(tok[1:])
    if tok.startswith('"'):
        return tok[1:-1]
    return tok


def _pull_of(store, node):
    """(repo, state, pr) for a PR node id, or None."""
    if not isinstance(node, str) or not node.startswith("PR_"):
        return None
    b = node[3:]
    try:
        pid = int(base64.b64decode(b + "=" * (-len(b) % 4)).decode())
    except (ValueError, UnicodeDecodeError):
        return None
    repo = store.repo_by_id(pid // 100000)
    if repo is None:
        return None
    st = repo.state()
    pr = st["pulls"].get(str(pid % 100000))
    return (repo, st, pr) if pr is not None and pr["id"] == pid else None


def answer(forge, doc, login, account=None):
    """(status, body) for a request document holding the mutation, else None.
    account: an App installation's account, whose repositories alone it sees."""
    if not isinstance(doc, dict) or not isinstance(doc.get("query"), str):
        return None
    m = MUTATION.search(doc["query"])
    if m is None or not doc["query"].lstrip().startswith("mutation"):
        return None
    variables = doc.get("variables") or {}
    if not isinstance(variables, dict):
        return 200, {"errors": [{"message": "Variables are invalid JSON."}]}
    args = {k: _value(v, variables) for k, v in ARG.findall(m.group("args"))}
    method = args.get("mergeMethod") or "MERGE"
    if method not in METHODS:
        return _err("Argument 'mergeMethod' on InputObject 'EnablePullRequestAutoMergeInput' "
                    "has an invalid value (%s)." % method, "INVALID")
    with forge.store.lock:
        found = _pull_of(forge.store, args.get("pullRequestId"))
        if found is not None and not apps.sees(account, found[0].owner):
            found = None  # another account's pull request: not there for this token
        if found is None:
            return _err("Could not resolve to a node with the global id of '%s'."
                        % args.get("pullRequestId"), "NOT_FOUND")
        repo, st, pr = found
        if not repo.attrs()["allow_auto_merge"]:
            return _err("Pull request Auto merge is not allowed for this repository")
        if pr["state"] != "open":
            return _err("Pull request is closed")
        now = int(time.time())
        pr["auto_merge"] = {"enabled_by": {"login": login}, "merge_method": method.lower(),
                            "commit_title": None, "commit_message": None}
        pr["auto_merge_at"] = now
        repo.save()
        return 200, {"data": {"enablePullRequestAutoMerge": {"pullRequest": {
            "id": args["pullRequestId"], "number": pr["number"],
            "autoMergeRequest": {"enabledAt": iso(now), "mergeMethod": method}}}}}
