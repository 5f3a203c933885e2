"""JSON shapes of the GitHub REST API, as the recordings in tests/data/github show.

Every builder takes `urls` (an Urls) so links point back at this forge:
API objects under http://127.0.0.1:PORT/api/v3, web pages at the root,
clone URLs under /git.
"""

import base64
import re
import time

from store import user_id

DOCS = "https://docs.github.com/rest"


def iso(t):
    """Seconds since the epoch as GitHub writes times: 2017-10-10T16:00:00Z."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def node_id(prefix, n):
    return prefix + "_" + base64.b64encode(str(n).encode()).decode().rstrip("=")


class Urls:
    def __init__(self, base):
        self.web = base
        self.api = base + "/api/v3"
        self.git = base + "/git"


def user(urls, login):
    """A simple-user object."""
    api = "%s/users/%s" % (urls.api, login)
    return {
        "login": login, "id": user_id(login), "node_id": node_id("U", user_id(login)),
        "avatar_url": "%s/avatars/%s" % (urls.web, login), "gravatar_id": "",
        "url": api, "html_url": "%s/%s" % (urls.web, login),
        "followers_url": api + "/followers",
        "following_url": api + "/following{/other_user}",
        "gists_url": api + "/gists{/gist_id}",
        "starred_url": api + "/starred{/owner}{/repo}",
        "subscriptions_url": api + "/subscriptions",
        "organizations_url": api + "/orgs",
        "repos_url": api + "/repos",
        "events_url": api + "/events{/privacy}",
        "received_events_url": api + "/received_events",
        "type": "User", "site_admin": False,
    }


def full_user(urls, login):
    """GET /user: the private-user object (subset that matters)."""
    u = user(urls, login)
    u.update({"name": login, "company": None, "blog": "", "location": None,
              "email": None, "hireable": None, "bio": None, "twitter_username": None,
              "public_repos": 0, "public_gists": 0, "followers": 0, "following": 0,
              "created_at": iso(0), "updated_at": iso(0)})
    return u


def repository(urls, repo, now):
    """The full repository object of get-repository.json."""
    a = "%s/repos/%s" % (urls.api, repo.full_name)
    owner = user(urls, repo.owner)
    owner["type"] = "Organization"
    pushed = iso(repo.pushed_at() or now)
    attrs = repo.attrs()
    return {
        "id": repo.id, "node_id": node_id("R", repo.id), "name": repo.name,
        "full_name": repo.full_name, "private": attrs["private"], "owner": owner,
        "html_url": "%s/%s" % (urls.web, repo.full_name),
        "description": attrs["description"], "fork": attrs["fork"], "url": a,
        "forks_url": a + "/forks", "keys_url": a + "/keys{/key_id}",
        "collaborators_url": a + "/collaborators{/collaborator}",
        "teams_url": a + "/teams", "hooks_url": a + "/hooks",
        "issue_events_url": a + "/issues/events{/number}", "events_url": a + "/events",
        "assignees_url": a + "/assignees{/user}", "branches_url": a + "/branches{/branch}",
        "tags_url": a + "/tags", "blobs_url": a + "/git/blobs{/sha}",
        "git_tags_url": a + "/git/tags{/sha}", "git_refs_url": a + "/git/refs{/sha}",
        "trees_url": a + "/git/trees{/sha}", "statuses_url": a + "/statuses/{sha}",
        "languages_url": a + "/languages", "stargazers_url": a + "/stargazers",
        "contributors_url": a + "/contributors", "subscribers_url": a + "/subscribers",
        "subscription_url": a + "/subscription", "commits_url": a + "/commits{/sha}",
        "git_commits_url": a + "/git/commits{/sha}", "comments_url": a + "/comments{/number}",
        "issue_comment_url": a + "/issues/comments{/number}",
        "contents_url": a + "/contents/{+path}",
        "compare_url": a + "/compare/{base}...{head}", "merges_url": a + "/merges",
        "archive_url": a + "/{archive_format}{/ref}", "downloads_url": a + "/downloads",
        "issues_url": a + "/issues{/number}", "pulls_url": a + "/pulls{/number}",
        "milestones_url": a + "/milestones{/number}",
        "notifications_url": a + "/notifications{?since,all,participating}",
        "labels_url": a + "/labels{/name}", "releases_url": a + "/releases{/id}",
        "deployments_url": a + "/deployments",
        "created_at": iso(0), "updated_at": pushed, "pushed_at": pushed,
        "git_url": "%s/%s.git" % (urls.git, repo.full_name),
        "ssh_url": "%s/%s.git" % (urls.git, repo.full_name),
        "clone_url": "%s/%s.git" % (urls.git, repo.full_name),
        "svn_url": "%s/%s" % (urls.web, repo.full_name),
        "homepage": None, "size": 0, "stargazers_count": 0, "watchers_count": 0,
        "language": None, "has_issues": True, "has_projects": True,
        "has_downloads": True, "has_wiki": True, "has_pages": False,
        "has_discussions": False, "forks_count": 0, "mirror_url": None,
        "archived": attrs["archived"], "disabled": False, "open_issues_count": 0, "license": None,
        "allow_forking": True, "is_template": False, "web_commit_signoff_required": False,
        "topics": list(attrs["topics"]),
        "visibility": "private" if attrs["private"] else "public", "forks": 0, "open_issues": 0,
        "watchers": 0, "default_branch": repo.default_branch(),
        "permissions": {"admin": True, "maintain": True, "push": True, "triage": True,
                        "pull": True},
        "temp_clone_token": "", "allow_squash_merge": attrs["allow_squash_merge"],
        "allow_merge_commit": attrs["allow_merge_commit"],
        "allow_rebase_merge": attrs["allow_rebase_merge"],
        "allow_auto_merge": attrs["allow_auto_merge"],
        "delete_branch_on_merge": False, "allow_update_branch": False,
        "use_squash_pr_title_as_default": False, "organization": dict(owner),
        "network_count": 0, "subscribers_count": 0,
    }


# What GitHub leaves out of a repository in a list (minimal-repository) or a
# search answer (repo-search-result-item), as against GET /repos/{o}/{r}.
LIST_OMITS = ("organization", "network_count", "subscribers_count", "temp_clone_token",
              "allow_squash_merge", "allow_merge_commit", "allow_rebase_merge",
              "allow_auto_merge", "delete_branch_on_merge", "allow_update_branch",
              "use_squash_pr_title_as_default")


def list_repository(urls, repo, now, score=None):
    """A repository as GET /orgs/{org}/repos, /users/{u}/repos list it; with
    score, as an item of GET /search/repositories."""
    obj = repository(urls, repo, now)
    for k in LIST_OMITS:
        obj.pop(k, None)
    if score is not None:
        obj["score"] = score
    return obj


def label(urls, repo, lab):
    """A label object as in add-labels-to-issue.json."""
    from urllib.parse import quote
    return {
        "id": lab["id"], "node_id": node_id("LA", lab["id"]),
        "url": "%s/repos/%s/labels/%s" % (urls.api, repo.full_name, quote(lab["name"])),
        "name": lab["name"], "color": lab["color"], "default": False,
        "description": lab.get("description"),
    }


def team(urls, repo, slug):
    tid = user_id("team:" + slug)
    return {
        "id": tid, "node_id": node_id("T", tid), "name": slug, "slug": slug,
        "description": None, "privacy": "closed", "notification_setting":
        "notifications_enabled", "permission": "pull", "permissions": None,
        "url": "%s/organizations/%d/team/%d" % (urls.api, repo.id, tid),
        "html_url": "%s/orgs/%s/teams/%s" % (urls.web, repo.owner, slug),
        "members_url": "%s/organizations/%d/team/%d/members{/member}" % (urls.api, repo.id, tid),
        "repositories_url": "%s/organizations/%d/team/%d/repos" % (urls.api, repo.id, tid),
        "parent": None,
    }


def _branch(repo_obj, owner, ref, sha):
    return {"label": "%s:%s" % (owner, ref), "ref": ref, "sha": sha,
            "user": repo_obj["owner"], "repo": repo_obj}


def labels_of(urls, repo, st, names):
    by = {lab["name"]: lab for lab in st["labels"]}
    return [label(urls, repo, by[n]) for n in names if n in by]


def pull(urls, repo, st, pr, repo_obj, full):
    """A pull request. full=False gives the list item (pull-request-simple:
    no merged/mergeable/comments/commits counts, as GitHub's list omits them)."""
    n = pr["number"]
    a = "%s/repos/%s" % (urls.api, repo.full_name)
    html = "%s/%s/pull/%d" % (urls.web, repo.full_name, n)
    assignees = [user(urls, x) for x in pr["assignees"]]
    obj = {
        "url": "%s/pulls/%d" % (a, n), "id": pr["id"], "node_id": node_id("PR", pr["id"]),
        "html_url": html, "diff_url": html + ".diff", "patch_url": html + ".patch",
        "issue_url": "%s/issues/%d" % (a, n), "number": n, "state": pr["state"],
        "locked": False, "title": pr["title"], "user": user(urls, pr["user"]),
        "body": pr["body"], "created_at": iso(pr["created_at"]),
        "updated_at": iso(pr["updated_at"]),
        "closed_at": iso(pr["closed_at"]) if pr["closed_at"] else None,
        "merged_at": iso(pr["merged_at"]) if pr.get("merged_at") else None,
        "merge_commit_sha": pr.get("merge_commit_sha"),
        "assignee": assignees[0] if assignees else None, "assignees": assignees,
        "requested_reviewers": [user(urls, x) for x in pr["requested_reviewers"]],
        "requested_teams": [team(urls, repo, x) for x in pr["requested_teams"]],
        "labels": labels_of(urls, repo, st, pr["labels"]), "milestone": None,
        "draft": pr["draft"],
        "commits_url": "%s/pulls/%d/commits" % (a, n),
        "review_comments_url": "%s/pulls/%d/comments" % (a, n),
        "review_comment_url": a + "/pulls/comments{/number}",
        "comments_url": "%s/issues/%d/comments" % (a, n),
        "statuses_url": "%s/statuses/%s" % (a, pr["head_sha"]),
        "head": _branch(repo_obj, pr["head_owner"], pr["head"], pr["head_sha"]),
        "base": _branch(repo_obj, repo.owner, pr["base"], pr["base_sha"]),
        "_links": {
            "self": {"href": "%s/pulls/%d" % (a, n)}, "html": {"href": html},
            "issue": {"href": "%s/issues/%d" % (a, n)},
            "comments": {"href": "%s/issues/%d/comments" % (a, n)},
            "review_comments": {"href": "%s/pulls/%d/comments" % (a, n)},
            "review_comment": {"href": a + "/pulls/comments{/number}"},
            "commits": {"href": "%s/pulls/%d/commits" % (a, n)},
            "statuses": {"href": "%s/statuses/%s" % (a, pr["head_sha"])},
        },
        "author_association": "OWNER", "auto_merge": pr.get("auto_merge"),
        "active_lock_reason": None,
    }
    if full:
        ncomments = sum(1 for c in st["comments"] if c["issue"] == n)
        obj.update({
            "merged": bool(pr.get("merged")), "mergeable": None, "rebaseable": None,
            "mergeable_state": "unknown",
            "merged_by": user(urls, pr["merged_by"]) if pr.get("merged_by") else None,
            "comments": ncomments,
            "review_comments": 0, "maintainer_can_modify": False, "commits": 1,
            "additions": 0, "deletions": 0, "changed_files": 0,
        })
    return obj


def issue(urls, repo, st, pr):
    """The issue view of a pull request (what POST .../issues/{n}/assignees answers)."""
    n = pr["number"]
    a = "%s/repos/%s" % (urls.api, repo.full_name)
    html = "%s/%s/pull/%d" % (urls.web, repo.full_name, n)
    assignees = [user(urls, x) for x in pr["assignees"]]
    return {
        "url": "%s/issues/%d" % (a, n), "repository_url": a,
        "labels_url": "%s/issues/%d/labels{/name}" % (a, n),
        "comments_url": "%s/issues/%d/comments" % (a, n),
        "events_url": "%s/issues/%d/events" % (a, n), "html_url": html,
        "id": pr["id"], "node_id": node_id("PR", pr["id"]), "number": n,
        "title": pr["title"], "user": user(urls, pr["user"]),
        "labels": labels_of(urls, repo, st, pr["labels"]), "state": pr["state"],
        "locked": False, "assignee": assignees[0] if assignees else None,
        "assignees": assignees, "milestone": None,
        "comments": sum(1 for c in st["comments"] if c["issue"] == n),
        "created_at": iso(pr["created_at"]), "updated_at": iso(pr["updated_at"]),
        "closed_at": iso(pr["closed_at"]) if pr["closed_at"] else None,
        "author_association": "OWNER", "active_lock_reason": None, "draft": pr["draft"],
        "pull_request": {"url": "%s/pulls/%d" % (a, n), "html_url": html,
                         "diff_url": html + ".diff", "patch_url": html + ".patch",
                         "merged_at": None},
        "body": pr["body"], "timeline_url": "%s/issues/%d/timeline" % (a, n),
        "performed_via_github_app": None, "state_reason": None,
    }


def comment(urls, repo, c):
    a = "%s/repos/%s" % (urls.api, repo.full_name)
    return {
        "url": "%s/issues/comments/%d" % (a, c["id"]),
        "html_url": "%s/%s/pull/%d#issuecomment-%d" % (urls.web, repo.full_name,
                                                       c["issue"], c["id"]),
        "issue_url": "%s/issues/%d" % (a, c["issue"]), "id": c["id"],
        "node_id": node_id("IC", c["id"]), "user": user(urls, c["user"]),
        "created_at": iso(c["created_at"]), "updated_at": iso(c["created_at"]),
        "author_association": "OWNER", "body": c["body"],
        "performed_via_github_app": None,
    }


def _person(line):
    """'Name <email> 1700000000 +0000' -> {name, email, date}."""
    m = re.match(r"(.*) <([^>]*)> (\d+) ([+-]\d{4})$", line)
    if m is None:
        return {"name": line, "email": "", "date": iso(0)}
    return {"name": m.group(1), "email": m.group(2), "date": iso(int(m.group(3)))}


def commit(urls, repo, sha, raw):
    """A commit as GET /repos/{o}/{r}/commits/{ref} answers, from `git cat-file commit`."""
    a = "%s/repos/%s" % (urls.api, repo.full_name)
    head, _, message = raw.partition("\n\n")
    fields = {"parent": []}
    for line in head.split("\n"):
        k, _, v = line.partition(" ")
        if k == "parent":
            fields["parent"].append(v)
        elif k in ("tree", "author", "committer"):
            fields[k] = v
    return {
        "sha": sha, "node_id": node_id("C", int(sha[:7], 16)),
        "url": "%s/commits/%s" % (a, sha),
        "html_url": "%s/%s/commit/%s" % (urls.web, repo.full_name, sha),
        "commit": {
            "author": _person(fields.get("author", "")),
            "committer": _person(fields.get("committer", "")),
            "message": message.rstrip("\n") if message else "",
            "tree": {"sha": fields.get("tree", ""),
                     "url": "%s/git/trees/%s" % (a, fields.get("tree", ""))},
            "url": "%s/git/commits/%s" % (a, sha),
            "comment_count": 0,
        },
        "author": None, "committer": None,
        "parents": [{"sha": p, "url": "%s/commits/%s" % (a, p),
                     "html_url": "%s/%s/commit/%s" % (urls.web, repo.full_name, p)}
                    for p in fields["parent"]],
    }


def ref(urls, repo, branch, sha):
    """A git reference object as in git-refs.json."""
    a = "%s/repos/%s" % (urls.api, repo.full_name)
    return {
        "ref": "refs/heads/" + branch, "node_id": node_id("REF", repo.id),
        "url": "%s/git/refs/heads/%s" % (a, branch),
        "object": {"sha": sha, "type": "commit",
                   "url": "%s/git/commits/%s" % (a, sha)},
    }


def error(message, doc=DOCS, errors=None, status=None):
    body = {"message": message}
    if errors is not None:
        body["errors"] = errors
    body["documentation_url"] = doc
    if status is not None:
        body["status"] = str(status)
    return body
