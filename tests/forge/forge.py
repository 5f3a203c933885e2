#!/usr/bin/env python3
"""repocast's loopback forge: a small GitHub for the test suite and `make demo`.

    python3 tests/forge/forge.py --root DIR --port 0 [--pidfile F] [--log F]
        [--rate-limit N] [--graphql-limit N] [--latency MS] [--fault SPEC]...
        [--default-login NAME]

Prints `listening on http://127.0.0.1:PORT` as its first stdout line once it
accepts connections; stops cleanly on SIGTERM or SIGINT. Serves:
  /git/<owner>/<name>.git/...  git smart HTTP through `git http-backend`
  /api/v3/...                  the GitHub REST subset repocast uses (api.py)
  /api/graphql                 the GraphQL query subset repocast sends (gql.py)
  /_forge/...                  control: health, faults, request log, quota
Repositories are the bare repos DIR/<owner>/<name>.git. The forge's own state
lives in DIR/.forge/ (tokens, repos/*.json, requests.log). See docs/forge.md.
Python 3 standard library (and python3-cryptography for a GitHub App, apps.py).
"""

import argparse
import base64
import binascii
import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import api  # noqa: E402
import apps  # noqa: E402
import faults  # noqa: E402
import gql  # noqa: E402
import gql_mutation  # noqa: E402
import shapes  # noqa: E402
import store  # noqa: E402

API_PREFIX = "/api/v3"
GRAPHQL_PATH = "/api/graphql"  # GitHub Enterprise's, next to /api/v3
LATENCY_MAX_MS = 60000
API_BODY_MAX = 25 * 1024 * 1024
DRAIN_MAX = 1024 * 1024
REQUEST_MEMORY = 100000
EXPOSE = ("ETag, Link, Location, Retry-After, X-GitHub-OTP, X-RateLimit-Limit, "
          "X-RateLimit-Remaining, X-RateLimit-Used, X-RateLimit-Resource, "
          "X-RateLimit-Reset, X-OAuth-Scopes, X-Accepted-OAuth-Scopes, X-Poll-Interval, "
          "X-GitHub-Media-Type, X-GitHub-SSO, X-GitHub-Request-Id, Deprecation, Sunset")
DOC_RATE = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
DOC_SECONDARY = DOC_RATE + "#about-secondary-rate-limits"
REASONS = {500: "Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
           504: "Gateway Timeout"}


def parse_auth(value):
    """The token in an Authorization header (`token X`, `Bearer X`, or Basic
    with the token as password or, failing that, as user), or None."""
    if not value:
        return None
    scheme, _, cred = value.strip().partition(" ")
    scheme = scheme.lower()
    cred = cred.strip()
    if scheme in ("token", "bearer"):
        return cred or None
    if scheme == "basic":
        try:
            raw = base64.b64decode(cred, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        user, _, password = raw.partition(":")
        if password and password != "x-oauth-basic":
            return password
        return user or None
    return None


def etag_matches(header, etag):
    if not header:
        return False
    if header.strip() == "*":
        return True
    bare = etag.strip('"')
    for tag in header.split(","):
        tag = tag.strip()
        if tag.startswith("W/"):
            tag = tag[2:]
        if tag.strip('"') == bare:
            return True
    return False


class Quota:
    """The core rate limit, one window per login: `limit` requests per hour."""

    def __init__(self, limit):
        self.default_limit = limit
        self._lock = threading.Lock()
        self._w = {}

    def _window(self, login):
        now = int(time.time())
        w = self._w.get(login)
        if w is None or now >= w["reset"]:
            w = {"limit": w["limit"] if w else self.default_limit, "used": 0,
                 "reset": now + 3600}
            self._w[login] = w
        return w

    def snapshot(self, login):
        with self._lock:
            w = self._window(login)
            return {"limit": w["limit"], "used": w["used"],
                    "remaining": max(w["limit"] - w["used"], 0), "reset": w["reset"]}

    def exhausted(self, login):
        with self._lock:
            w = self._window(login)
            return w["used"] >= w["limit"]

    def charge(self, login, n=1):
        with self._lock:
            self._window(login)["used"] += n

    def set(self, login, limit=None, remaining=None, reset_in=None):
        """Control endpoint: change one login's window, or every window and the default."""
        with self._lock:
            if login is None and limit is not None:
                self.default_limit = limit
            targets = [login] if login is not None else list(self._w)
            for name in targets:
                w = self._window(name)
                if limit is not None:
                    w["limit"] = limit
                if remaining is not None:
                    w["used"] = max(w["limit"] - remaining, 0)
                if reset_in is not None:
                    w["reset"] = int(time.time()) + reset_in

    def describe(self):
        with self._lock:
            return {"default_limit": self.default_limit,
                    "windows": {k: dict(v) for k, v in self._w.items()}}


class Forge:
    """Everything the request handlers share."""

    def __init__(self, args):
        self.root = os.path.abspath(args.root)
        self.dir = os.path.join(self.root, ".forge")
        os.makedirs(self.dir, exist_ok=True)
        self.store = store.Store(self.root)
        self.tokens = store.Tokens(os.path.join(self.dir, "tokens"), args.default_login)
        self.apps = apps.Apps(os.path.join(self.dir, "app.json"))
        self.faults = faults.FaultSet()
        self.quota = Quota(args.rate_limit)
        self.gql_quota = Quota(args.graphql_limit)  # GraphQL's points, apart from core
        self.latency_ms = args.latency
        self.urls = None
        self.log_file = open(args.log, "a", buffering=1) if args.log else sys.stderr
        self.access_log = bool(args.log)
        self._log_lock = threading.Lock()
        self.req_log = open(os.path.join(self.dir, "requests.log"), "a", buffering=1)
        self.req_lock = threading.Lock()
        self.requests = []
        self.seq = 0
        self.procs = set()
        self.procs_lock = threading.Lock()
        self.backend = os.path.join(
            subprocess.run(["git", "--exec-path"], capture_output=True, text=True,
                           check=True).stdout.strip(), "git-http-backend")

    def log(self, fmt, *a):
        line = time.strftime("%Y-%m-%dT%H:%M:%S ") + (fmt % a if a else fmt)
        with self._log_lock:
            try:
                self.log_file.write(line.rstrip("\n") + "\n")
                self.log_file.flush()
            except (OSError, ValueError):
                pass

    def next_seq(self):
        with self.req_lock:
            self.seq += 1
            return self.seq

    def record(self, entry):
        line = json.dumps(entry, sort_keys=True)
        with self.req_lock:
            self.requests.append(entry)
            if len(self.requests) > REQUEST_MEMORY:
                del self.requests[:len(self.requests) - REQUEST_MEMORY]
            self.req_log.write(line + "\n")
            self.req_log.flush()

    def kill_children(self):
        with self.procs_lock:
            for p in list(self.procs):
                try:
                    p.kill()
                except OSError:
                    pass


class BodyError(Exception):
    """The request body could not be read (bad chunking, client went away)."""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "repocast-forge/1"
    sys_version = ""
    timeout = 120
    # Headers and body go out in separate writes: without this, Nagle and the
    # client's delayed ACK add 40 ms to every answer.
    disable_nagle_algorithm = True

    # --- plumbing -------------------------------------------------------
    def version_string(self):
        return self.server_version

    def log_message(self, fmt, *args):
        if self.server.forge.access_log:
            self.server.forge.log("%s %s", self.address_string(), fmt % args)

    def do_GET(self):
        self.dispatch()

    do_POST = do_PATCH = do_PUT = do_DELETE = do_GET

    def body_chunks(self):
        """Yield the request body, decoding chunked transfer encoding.
        Raises BodyError on malformed chunking or a short body."""
        self.body_read = True
        rf = self.rfile
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.rec["chunked"] = True
            while True:
                line = rf.readline(1024)
                if not line.endswith(b"\n"):
                    raise BodyError("truncated chunk header")
                try:
                    size = int(line.split(b";")[0].strip(), 16)
                except ValueError:
                    raise BodyError("bad chunk size %r" % line[:40])
                if size < 0:
                    raise BodyError("bad chunk size")
                if size == 0:
                    while True:
                        t = rf.readline(8192)
                        if t in (b"\r\n", b"\n"):
                            return
                        if not t:
                            raise BodyError("truncated trailer")
                left = size
                while left:
                    data = rf.read(min(left, 65536))
                    if not data:
                        raise BodyError("truncated chunk")
                    self.rec["bytes_in"] += len(data)
                    yield data
                    left -= len(data)
                if rf.readline(1024) not in (b"\r\n", b"\n"):
                    raise BodyError("chunk not followed by CRLF")
        else:
            try:
                left = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                raise BodyError("bad Content-Length")
            while left > 0:
                data = rf.read(min(left, 65536))
                if not data:
                    raise BodyError("short body")
                self.rec["bytes_in"] += len(data)
                yield data
                left -= len(data)

    def has_body(self):
        return ("chunked" in self.headers.get("Transfer-Encoding", "").lower()
                or int(self.headers.get("Content-Length") or 0) > 0)

    def finish_body(self):
        """Leave the connection usable: drain a small unread body, else close."""
        if self.body_read or not self.has_body():
            return
        try:
            n = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            n = -1
        if 0 < n <= DRAIN_MAX:
            for _ in self.body_chunks():
                pass
        else:
            self.close_connection = True

    def drop(self):
        """Close the connection without an answer."""
        self.rec["dropped"] = True
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def send_bytes(self, status, headers, data):
        self.rec["status"] = status
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        if data is not None:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if data:
            self.wfile.write(data)
            self.rec["bytes_out"] = len(data)

    def identify(self, token):
        """(login, quota key, installation) for a token: a listed token's login and
        window; an App installation token's bot login, its installation's window and
        its (id, account); "expired" for an installation token past its time;
        (None, None, None) for anything else."""
        f = self.server.forge
        login = f.tokens.login(token)
        if login is not None or not token or not token.startswith("ghs_"):
            return login, login, None
        inst = f.apps.token(token)
        if inst == "expired":
            return "expired", None, None
        if inst is None:
            return None, None, None
        return f.apps.bot_login(), "installation:%s" % inst[0], inst

    def gh_headers(self, login, rate=None, resource="core"):
        """Headers GitHub puts on every API answer."""
        f = self.server.forge
        h = [("X-GitHub-Media-Type", "github.v3; format=json"),
             ("X-GitHub-Api-Version-Selected",
              self.headers.get("X-GitHub-Api-Version", "2022-11-28")),
             ("Access-Control-Expose-Headers", EXPOSE),
             ("Access-Control-Allow-Origin", "*"),
             ("X-GitHub-Request-Id", self.request_id)]
        if login is not None:
            r = rate or f.quota.snapshot(login)
            if not login.startswith("installation:"):  # GitHub sends no scopes for those
                h += [("X-OAuth-Scopes", "repo, workflow"), ("X-Accepted-OAuth-Scopes", "repo")]
            h += [("x-ratelimit-limit", str(r["limit"])),
                  ("x-ratelimit-remaining", str(r["remaining"])),
                  ("x-ratelimit-reset", str(r["reset"])),
                  ("x-ratelimit-used", str(r["used"])),
                  ("x-ratelimit-resource", resource)]
        return h

    def send_json(self, status, obj, login, extra=(), rate=None, resource="core"):
        data = None
        h = self.gh_headers(login, rate, resource)
        if obj is not None:
            data = json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()
            h.insert(0, ("Content-Type", "application/json; charset=utf-8"))
        elif status not in (204, 304):
            data = b""
        self.send_bytes(status, h + list(extra), data)

    # --- dispatch -------------------------------------------------------
    def dispatch(self):
        f = self.server.forge
        split = urlsplit(self.path)
        path, query = split.path, split.query
        if path.startswith("/_forge/"):
            self.rec = {"bytes_in": 0}
            self.body_read = False
            return self.control(path, query)
        t0 = time.monotonic()
        seq = f.next_seq()
        self.request_id = "%04X:%05X:%07X:%07X:%08X" % (os.getpid() & 0xFFFF, seq & 0xFFFFF,
                                                        seq, int(t0 * 1000) & 0xFFFFFFF,
                                                        int(time.time()))
        log_query = re.sub(r"(access_token|token)=[^&]*", r"\1=REDACTED", query)
        self.rec = {"seq": seq, "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    "t": round(time.time(), 6),
                    "method": self.command, "path": path + ("?" + log_query if query else ""),
                    "status": 0, "auth": None, "login": None, "fault": None,
                    "dropped": False, "chunked": False, "bytes_in": 0, "bytes_out": 0}
        self.body_read = False
        try:
            if f.latency_ms > 0:  # --latency: every API and git answer waits
                time.sleep(f.latency_ms / 1000.0)
            fault = f.faults.take(self.command, path, query)
            if fault is not None:
                self.rec["fault"] = fault.kind
                if fault.kind == "delay":
                    time.sleep(fault.delay_ms / 1000.0)
                    fault = None
            if fault is not None and fault.kind != "drop_after":
                self.finish_body()
                if fault.kind == "drop":
                    self.drop()
                else:
                    self.send_fault(fault)
            elif path.startswith("/git/"):
                self.git(path, query, fault)
            elif path == GRAPHQL_PATH:
                self.graphql(fault)
            elif path == API_PREFIX or path.startswith(API_PREFIX + "/"):
                self.api(path[len(API_PREFIX):] or "/", query, fault)
            else:
                self.send_json(404, shapes.error("Not Found", status=404), None)
            self.finish_body()
        except BodyError as e:
            f.log("request %d: bad body: %s", seq, e)
            self.close_connection = True
            if not self.rec["status"]:
                try:
                    self.send_json(400, shapes.error("Problems reading the request body",
                                                     status=400), None)
                except OSError:
                    pass
        except (BrokenPipeError, ConnectionResetError, socket.timeout, TimeoutError):
            self.rec["dropped"] = True
            self.close_connection = True
        finally:
            self.rec["ms"] = round((time.monotonic() - t0) * 1000, 1)
            f.record(self.rec)

    def send_fault(self, fault):
        f = self.server.forge
        login = f.tokens.login(parse_auth(self.headers.get("Authorization")))
        extra = [(k, str(v)) for k, v in fault.headers.items()]
        if fault.kind == "status":
            body = fault.body if fault.body is not None else shapes.error(
                fault.message or REASONS.get(fault.status, "Error"), status=fault.status)
            return self.send_json(fault.status, body, login, extra)
        if fault.kind == "secondary":
            msg = fault.message or (
                "You have exceeded a secondary rate limit. Please wait a few minutes before "
                "you try again. If you reach out to GitHub Support for help, please include "
                "the request ID %s." % self.request_id)
            return self.send_json(fault.status, shapes.error(msg, DOC_SECONDARY), login,
                                  [("Retry-After", str(fault.retry_after))] + extra)
        # primary: the window is spent until reset
        snap = f.quota.snapshot(login or f.tokens.default_login)
        rate = {"limit": snap["limit"], "used": snap["limit"], "remaining": 0,
                "reset": int(time.time()) + fault.reset}
        msg = fault.message or self.primary_message(login or "anonymous")
        self.send_json(fault.status, shapes.error(msg, DOC_RATE), login or "", extra, rate)

    def primary_message(self, login):
        return ("API rate limit exceeded for user ID %d. If you reach out to GitHub Support "
                "for help, please include the request ID %s."
                % (store.user_id(login), self.request_id))

    # --- REST -----------------------------------------------------------
    def api(self, sub, query, fault):
        f = self.server.forge
        token = parse_auth(self.headers.get("Authorization"))
        jwt = token is not None and apps.looks_like_jwt(token) and f.tokens.login(token) is None
        if jwt:
            login, qkey, inst = None, None, None
        else:
            login, qkey, inst = self.identify(token)
        expired = login == "expired"
        if expired:
            login = None
        self.rec["auth"] = login is not None or jwt
        self.rec["login"] = login
        if inst is not None:
            self.rec["installation"] = inst[0]
        raw = b""
        if self.has_body():
            parts = []
            size = 0
            # Past the limit the body is still read (up to 4 times the limit),
            # so the client gets its 413 instead of a reset connection.
            for chunk in self.body_chunks():
                size += len(chunk)
                if size <= API_BODY_MAX:
                    parts.append(chunk)
                elif size > 4 * API_BODY_MAX:
                    self.close_connection = True
                    break
            if size > API_BODY_MAX:
                return self.send_json(413, shapes.error("Request body too large",
                                                        status=413), None)
            raw = b"".join(parts)
        if jwt:
            return self.app_api(sub, token, fault)
        if login is None:
            msg = "Requires authentication" if token is None else "Bad credentials"
            return self.send_json(401, shapes.error(msg, status=401), None)
        if inst is not None and not self.installation_may(inst, sub):
            # An installation sees its own account's repositories alone (a 404
            # costs a request, as any other).
            f.quota.charge(qkey)
            return self.send_json(404, shapes.error("Not Found", status=404), qkey)
        free = sub == "/rate_limit"
        if not free and f.quota.exhausted(qkey):
            return self.send_json(403, shapes.error(self.primary_message(login), DOC_RATE),
                                  qkey)
        try:
            status, obj, extra = api.route(f, self.command, sub, query, raw, login, qkey)
        except api.ApiError as e:
            status, obj, extra = e.status, e.body, e.headers
        except Exception:
            f.log("request %d: %s", self.rec["seq"], traceback.format_exc())
            status, obj, extra = 500, shapes.error("Server Error", status=500), {}
        headers = list(extra.items())
        if self.command == "GET" and status == 200:
            data = json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()
            etag = '"%s"' % hashlib.md5(data).hexdigest()
            headers += [("ETag", etag), ("Cache-Control", "private, max-age=60, s-maxage=60"),
                        ("Vary", "Accept, Authorization, Cookie, X-GitHub-OTP")]
            if etag_matches(self.headers.get("If-None-Match"), etag):
                status, obj = 304, None
                headers = [h for h in headers if h[0] == "ETag" or h[0] == "Cache-Control"]
        if not free and status != 304:
            f.quota.charge(qkey)
        if fault is not None:  # drop_after: done, but the answer is lost
            return self.drop()
        self.send_json(status, obj, qkey, headers)

    INST_PATH = re.compile(r"^/(?:repos|orgs|users)/([^/]+)")

    def installation_may(self, inst, sub):
        m = self.INST_PATH.match(sub)
        return m is None or apps.sees(inst[1], m.group(1))

    def app_api(self, sub, token, fault):
        """A request with a JWT: the App's own endpoints (apps.py)."""
        f = self.server.forge
        try:
            f.apps.verify_jwt(token)
            status, obj = f.apps.route(f.urls, self.command, sub, f.store)
        except apps.AppError as e:
            status, obj = e.status, e.body
        self.rec["login"] = "app:" + f.apps.slug() if status != 401 else None
        self.rec["auth"] = status != 401
        if fault is not None:
            return self.drop()
        self.send_json(status, obj, None)

    # --- GraphQL (gql.py) -----------------------------------------------
    def graphql(self, fault):
        """POST /api/graphql: a query answered by gql.answer, charged its cost in
        points to the login's GraphQL window (apart from the core quota); an App
        installation token has its own window and sees its account's repositories
        alone, as on GitHub."""
        f = self.server.forge
        token = parse_auth(self.headers.get("Authorization"))
        login, qkey, inst = self.identify(token)
        if login == "expired":
            login = None
        self.rec["auth"] = login is not None
        self.rec["login"] = login
        if inst is not None:
            self.rec["installation"] = inst[0]
        account = inst[1] if inst is not None else None
        raw = b"".join(self.body_chunks()) if self.has_body() else b""
        if login is None:
            msg = "Requires authentication" if token is None else "Bad credentials"
            return self.send_json(401, shapes.error(msg, status=401), None)
        if self.command != "POST":
            return self.send_json(404, shapes.error("Not Found", status=404), qkey)
        if f.gql_quota.exhausted(qkey):
            snap = f.gql_quota.snapshot(qkey)
            return self.send_json(403, {"errors": [{
                "type": "RATE_LIMITED", "message": "API rate limit exceeded for user ID %d."
                % store.user_id(login)}]}, qkey, rate=snap, resource="graphql")
        try:
            got = gql_mutation.answer(f, graphql_doc(raw), login, account)
            if got is not None:  # enablePullRequestAutoMerge (gql_mutation.py)
                (status, obj), cost, op = got, 1, "mutation"
            else:
                status, obj, cost, op = gql.answer(f, login, raw, qkey, account)
        except Exception:
            f.log("request %d: %s", self.rec["seq"], traceback.format_exc())
            status, obj, cost, op = 500, shapes.error("Server Error", status=500), 0, None
        f.gql_quota.charge(qkey, cost)
        self.rec["graphql"] = {"operation": op, "cost": cost,
                               "repositories": raw.count(b"repository(")}
        if fault is not None:  # drop_after
            return self.drop()
        self.send_json(status, obj, qkey, rate=f.gql_quota.snapshot(qkey),
                       resource="graphql")

    # --- git smart HTTP -------------------------------------------------
    GIT_PATH = re.compile(r"^/git/([^/]+)/([^/]+?)(?:\.git)?(/.*)?$")

    def git(self, path, query, fault):
        f = self.server.forge
        m = self.GIT_PATH.match(path)
        repo = f.store.repo(m.group(1), m.group(2)) if m else None
        login, _, inst = self.identify(parse_auth(self.headers.get("Authorization")))
        if login == "expired":
            login = None
        if inst is not None and m is not None and not apps.sees(inst[1], m.group(1)):
            repo = None  # another account's repository: not found, as on GitHub
        self.rec["auth"] = login is not None
        self.rec["login"] = login
        if inst is not None:
            self.rec["installation"] = inst[0]
        svc = re.search(r"(git-upload-pack|git-receive-pack)", path + "?" + query)
        if svc:
            self.rec["service"] = svc.group(1)
        if login is None:
            self.finish_body()
            return self.send_bytes(401, [("WWW-Authenticate", 'Basic realm="GitHub"'),
                                         ("Content-Type", "text/plain")],
                                   b"Authentication required\n")
        if repo is None or not repo.exists():
            self.finish_body()
            return self.send_bytes(404, [("Content-Type", "text/plain")],
                                   b"Repository not found.\n")
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("GIT_", "HTTP_", "GITHUB_", "GH_"))
               and k not in ("CONTENT_LENGTH", "CONTENT_TYPE", "QUERY_STRING")}
        env.update({
            "GATEWAY_INTERFACE": "CGI/1.1", "SERVER_PROTOCOL": self.request_version,
            "SERVER_SOFTWARE": self.server_version, "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": str(self.server.server_address[1]),
            "REQUEST_METHOD": self.command, "QUERY_STRING": query,
            "PATH_INFO": "/%s/%s.git%s" % (repo.owner, repo.name, m.group(3) or ""),
            "GIT_PROJECT_ROOT": f.root, "GIT_HTTP_EXPORT_ALL": "1",
            "REMOTE_USER": login, "REMOTE_ADDR": self.client_address[0],
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
        })
        if self.headers.get("Content-Length") and \
                "chunked" not in self.headers.get("Transfer-Encoding", "").lower():
            env["CONTENT_LENGTH"] = self.headers["Content-Length"]
        for h in ("Content-Encoding", "Git-Protocol", "Accept-Encoding"):
            if self.headers.get(h):
                env["HTTP_" + h.upper().replace("-", "_")] = self.headers[h]
        self.rec["gzip"] = self.headers.get("Content-Encoding", "") == "gzip"
        proc = subprocess.Popen([f.backend], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=env, cwd=f.root)
        with f.procs_lock:
            f.procs.add(proc)
        failure = []
        errout = []

        def feed():
            # Read the whole body even when http-backend stops reading (an
            # error answer): the connection stays in step for the next request.
            sink = proc.stdin
            try:
                for chunk in self.body_chunks():
                    if sink is not None:
                        try:
                            sink.write(chunk)
                        except (OSError, ValueError):
                            sink = None
            except (BodyError, OSError) as e:
                failure.append(e)
            finally:
                try:
                    proc.stdin.close()
                except OSError:
                    pass

        def drain_err():
            errout.append(proc.stderr.read())

        writer = threading.Thread(target=feed, daemon=True)
        reader = threading.Thread(target=drain_err, daemon=True)
        writer.start()
        reader.start()
        try:
            self.git_answer(proc, fault, writer, failure)
        finally:
            if proc.poll() is None and (failure or self.rec["dropped"]):
                proc.kill()
            writer.join(5)
            reader.join(5)
            rc = proc.wait()
            with f.procs_lock:
                f.procs.discard(proc)
            self.rec["backend_exit"] = rc
            if errout and errout[0]:
                f.log("http-backend %s: %s", path,
                      errout[0].decode("utf-8", "replace").strip())
            proc.stdout.close()
            proc.stderr.close()

    def git_answer(self, proc, fault, writer, failure):
        out = proc.stdout
        status = 200
        headers = []
        while True:
            line = out.readline(8192)
            if not line:
                break
            line = line.rstrip(b"\r\n")
            if not line:
                break
            k, _, v = line.decode("latin-1").partition(":")
            if k.strip().lower() == "status":
                status = int(v.strip().split()[0])
            else:
                headers.append((k.strip(), v.strip()))
        if fault is not None:  # drop_after: let the push or fetch finish, lose the answer
            while out.read(65536):
                pass
            writer.join()
            proc.wait()
            return self.drop()
        if failure:
            raise BodyError(str(failure[0]))
        self.rec["status"] = status
        self.send_response(status)
        length = None
        for k, v in headers:
            if k.lower() == "content-length":
                length = int(v)
            self.send_header(k, v)
        chunked = length is None and self.request_version == "HTTP/1.1"
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        elif length is None:
            self.close_connection = True
            self.send_header("Connection", "close")
        self.end_headers()
        w = self.wfile
        while True:
            data = out.read1(65536)
            if not data:
                break
            self.rec["bytes_out"] += len(data)
            w.write(b"%x\r\n%s\r\n" % (len(data), data) if chunked else data)
        if chunked:
            w.write(b"0\r\n\r\n")
        writer.join()
        if failure:
            self.close_connection = True

    # --- control --------------------------------------------------------
    def control(self, path, query):
        f = self.server.forge
        self.request_id = "control"
        try:
            raw = b"".join(self.body_chunks()) if self.has_body() else b""
            body = json.loads(raw.decode()) if raw.strip() else None
        except (BodyError, ValueError, UnicodeDecodeError) as e:
            self.close_connection = True
            return self.send_json(400, {"message": "bad control request: %s" % e}, None)
        q = dict(parse_qsl(query))
        method = self.command
        if path == "/_forge/health" and method == "GET":
            return self.send_json(200, {"status": "ok", "pid": os.getpid(),
                                        "url": f.urls.web, "root": f.root}, None)
        if path == "/_forge/faults":
            if method == "GET":
                return self.send_json(200, f.faults.describe(), None)
            if method == "POST":
                rules = body if isinstance(body, list) else [body]
                try:
                    added = [f.faults.add(r).describe() for r in rules]
                except faults.FaultError as e:
                    return self.send_json(400, {"message": str(e)}, None)
                return self.send_json(201, added, None)
            if method == "DELETE":
                return self.send_json(200, {"deleted": f.faults.clear()}, None)
        m = re.match(r"^/_forge/faults/(\d+)$", path)
        if m and method == "DELETE":
            n = f.faults.clear(int(m.group(1)))
            return self.send_json(200 if n else 404, {"deleted": n}, None)
        if path == "/_forge/requests":
            if method == "GET":
                since = int(q.get("since", "0") or 0)
                with f.req_lock:
                    out = [r for r in f.requests if r["seq"] > since]
                return self.send_json(200, out, None)
            if method == "DELETE":
                with f.req_lock:
                    n = len(f.requests)
                    f.requests = []
                return self.send_json(200, {"deleted": n}, None)
        if path == "/_forge/latency":
            if method == "POST":
                ms = body.get("ms") if isinstance(body, dict) else None
                if not isinstance(ms, int) or isinstance(ms, bool) or \
                        not 0 <= ms <= LATENCY_MAX_MS:
                    return self.send_json(400, {"message": "ms: an integer 0..%d"
                                                % LATENCY_MAX_MS}, None)
                f.latency_ms = ms
            if method in ("GET", "POST"):
                return self.send_json(200, {"ms": f.latency_ms}, None)
        if path == "/_forge/ratelimit":
            if method == "GET":
                return self.send_json(200, f.quota.describe(), None)
            if method == "POST" and isinstance(body, dict):
                try:
                    vals = {k: (None if body.get(k) is None else int(body[k]))
                            for k in ("limit", "remaining", "reset_in")}
                except (TypeError, ValueError):
                    return self.send_json(400, {"message": "limit, remaining and reset_in "
                                                "must be integers"}, None)
                quota = f.gql_quota if body.get("resource") == "graphql" else f.quota
                quota.set(body.get("login"), **vals)
                return self.send_json(200, quota.describe(), None)
        m = re.match(r"^/_forge/repos/([^/]+)/([^/]+)$", path)
        if m and method in ("GET", "POST"):
            r = f.store.repo(m.group(1), m.group(2))
            if r is None or not r.exists():
                return self.send_json(404, {"message": "no repository %s/%s"
                                            % (m.group(1), m.group(2))}, None)
            if method == "POST":
                why = check_attrs(body)
                if why is not None:
                    return self.send_json(400, {"message": why}, None)
                r.set_attrs(body)
            return self.send_json(200, r.attrs(), None)
        return self.send_json(404, {"message": "no such control endpoint: %s %s"
                                    % (method, path)}, None)


def graphql_doc(raw):
    """The JSON document of a GraphQL request body, or None."""
    try:
        return json.loads(raw.decode("utf-8")) if raw else None
    except (UnicodeDecodeError, ValueError):
        return None


TOPIC_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,49}$")


def check_attrs(body):
    """Why body is not a valid POST /_forge/repos/{o}/{r} object, or None."""
    if not isinstance(body, dict):
        return "expected an object with topics, archived, fork, private, description"
    for k, v in body.items():
        if k == "topics":
            if not isinstance(v, list) or not all(isinstance(t, str) and TOPIC_RE.match(t)
                                                  for t in v):
                return "topics: a list of GitHub topics (lowercase letters, digits, '-')"
        elif k in ("archived", "fork", "private", "allow_squash_merge", "allow_merge_commit",
                   "allow_rebase_merge", "allow_auto_merge", "protected", "required_checks",
                   "enforce_admins"):
            if not isinstance(v, bool):
                return "%s: true or false" % k
        elif k == "mergeable_after":
            if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 100:
                return "mergeable_after: an integer 0..100"
        elif k == "description":
            if v is not None and not isinstance(v, str):
                return "description: a string or null"
        else:
            return "unknown field '%s'" % k
    return None


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (BrokenPipeError, ConnectionResetError, socket.timeout,
                            TimeoutError)):
            return
        self.forge.log("error serving %s: %s", client_address, traceback.format_exc())


def parse_args(argv):
    p = argparse.ArgumentParser(description="repocast loopback forge")
    p.add_argument("--root", required=True, help="directory of OWNER/NAME.git bare repos")
    p.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0: any)")
    p.add_argument("--pidfile", help="write the process id here")
    p.add_argument("--log", help="diagnostic log file (default: stderr)")
    p.add_argument("--rate-limit", type=int, default=5000,
                   help="core requests per hour and login (default 5000)")
    p.add_argument("--fault", action="append", default=[],
                   help="fault rule, key=value,... or JSON (repeatable)")
    p.add_argument("--graphql-limit", type=int, default=5000,
                   help="GraphQL points per hour and login (default 5000)")
    p.add_argument("--latency", type=int, default=0, metavar="MS",
                   help="delay every API and git answer by MS milliseconds (default 0)")
    p.add_argument("--default-login", default="forge-user",
                   help="login of tokens listed without one (default forge-user)")
    a = p.parse_args(argv)
    if a.rate_limit < 0:
        p.error("--rate-limit must be >= 0")
    if a.graphql_limit < 0:
        p.error("--graphql-limit must be >= 0")
    if not 0 <= a.latency <= LATENCY_MAX_MS:
        p.error("--latency must be 0..%d" % LATENCY_MAX_MS)
    if not 0 <= a.port <= 65535:
        p.error("--port must be 0..65535")
    return a


def main(argv):
    args = parse_args(argv)
    if not os.path.isdir(args.root):
        print("forge: --root %s: not a directory" % args.root, file=sys.stderr)
        return 2
    forge = Forge(args)
    for spec in args.fault:
        try:
            rule = json.loads(spec) if spec.lstrip().startswith("{") else faults.parse_spec(spec)
            forge.faults.add(rule)
        except (ValueError, faults.FaultError) as e:
            print("forge: --fault: %s" % e, file=sys.stderr)
            return 2
    try:
        srv = Server(("127.0.0.1", args.port), Handler)
    except OSError as e:
        print("forge: cannot listen on 127.0.0.1:%d: %s" % (args.port, e), file=sys.stderr)
        return 1
    srv.forge = forge
    port = srv.server_address[1]
    forge.urls = shapes.Urls("http://127.0.0.1:%d" % port)
    if args.pidfile:
        store.write_atomic(os.path.abspath(args.pidfile), b"%d\n" % os.getpid())
    # A list, not a threading.Event: the handler runs in the main thread
    # between two bytecodes, possibly inside Event.wait holding the
    # Event's lock, and Event.set would then wait for that lock forever.
    stop = []

    def on_signal(signum, _frame):
        stop.append(signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    loop = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.1},
                            daemon=True)
    loop.start()
    forge.log("listening on %s (root %s)", forge.urls.web, forge.root)
    print("listening on %s" % forge.urls.web, flush=True)
    while not stop:
        time.sleep(0.1)
    srv.shutdown()
    srv.server_close()
    forge.kill_children()
    if args.pidfile:
        try:
            os.unlink(args.pidfile)
        except OSError:
            pass
    forge.log("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
