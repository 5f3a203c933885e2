"""Fault injection for the loopback forge.

A fault is a rule: requests whose method and path match it, after the first
`after` of them, are answered wrongly, `count` times, then the rule is spent
(it stays listed with remaining 0, so a test can assert that it fired).

Kinds:
  status      answer `status` (default 500) with a JSON error body
  secondary   GitHub's secondary rate limit: 403 (or `status` 429) with
              retry-after: `retry_after` seconds, x-ratelimit-remaining > 0
  primary     primary quota exhausted: 403 (or 429) with
              x-ratelimit-remaining: 0 and x-ratelimit-reset: now + `reset`
  delay       sleep `delay_ms` before handling the request normally
  drop        close the connection without answering (request not performed)
  drop_after  perform the request, then close without answering (a lost
              response: the create happened, the client never hears of it)

Rules are written as JSON objects or as `key=value,key=value` strings
(`--fault kind=status,status=503,method=POST,path=/pulls$,count=2`); a spec
starting with `{` is read as JSON, which allows commas inside a regex.
"""

import re
import threading

KINDS = ("status", "secondary", "primary", "delay", "drop", "drop_after")
ALIASES = {
    "secondary_rate_limit": "secondary",
    "primary_rate_limit": "primary",
    "lost_response": "drop_after",
}
INT_FIELDS = ("count", "after", "status", "retry_after", "reset", "delay_ms")
STR_FIELDS = ("kind", "path", "method", "query", "message")
MAX_COUNT = 1000000
MAX_DELAY_MS = 600000


class FaultError(ValueError):
    """A fault rule that cannot be used; the text says which field."""


def parse_spec(text):
    """Parse a `key=value,...` rule into a dict (values still strings)."""
    out = {}
    for part in text.split(","):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        if not sep:
            raise FaultError("fault spec %r: %r is not key=value" % (text, part))
        out[key.strip()] = value.strip()
    return out


def _int_field(rule, name, lo, hi):
    value = rule[name]
    try:
        if isinstance(value, bool):
            raise ValueError
        n = int(value)
    except (TypeError, ValueError):
        raise FaultError("fault field %r: %r is not an integer" % (name, value))
    if n < lo or n > hi:
        raise FaultError("fault field %r: %d is out of range %d..%d" % (name, n, lo, hi))
    return n


class Fault:
    """One validated rule with its remaining count (guarded by FaultSet's lock)."""

    def __init__(self, fid, rule):
        if not isinstance(rule, dict):
            raise FaultError("fault rule must be an object, not %s" % type(rule).__name__)
        unknown = set(rule) - set(INT_FIELDS) - set(STR_FIELDS) - {"headers", "body"}
        if unknown:
            raise FaultError("fault rule: unknown field %r" % sorted(unknown)[0])
        kind = str(rule.get("kind", "status"))
        kind = ALIASES.get(kind, kind)
        if kind not in KINDS:
            raise FaultError("fault kind %r is not one of %s" % (kind, ", ".join(KINDS)))
        self.id = fid
        self.kind = kind
        self.path_src = str(rule.get("path", ""))
        self.query_src = str(rule.get("query", ""))
        self.method_src = str(rule.get("method", ""))
        try:
            self.path = re.compile(self.path_src)
            self.query = re.compile(self.query_src)
            self.method = re.compile(self.method_src or ".*", re.IGNORECASE)
        except re.error as e:
            raise FaultError("fault rule: bad regular expression: %s" % e)
        self.count = _int_field(rule, "count", 1, MAX_COUNT) if "count" in rule else 1
        self.after = _int_field(rule, "after", 0, MAX_COUNT) if "after" in rule else 0
        default_status = {"status": 500, "secondary": 403, "primary": 403}.get(kind, 0)
        self.status = (_int_field(rule, "status", 100, 599)
                       if "status" in rule else default_status)
        self.retry_after = (_int_field(rule, "retry_after", 0, 86400)
                            if "retry_after" in rule else 1)
        self.reset = _int_field(rule, "reset", 0, 86400) if "reset" in rule else 60
        self.delay_ms = (_int_field(rule, "delay_ms", 0, MAX_DELAY_MS)
                         if "delay_ms" in rule else 1000)
        self.message = rule.get("message")
        self.headers = rule.get("headers") or {}
        if not isinstance(self.headers, dict):
            raise FaultError("fault field 'headers' must be an object")
        self.body = rule.get("body")
        self.remaining = self.count
        self.hits = 0

    def matches(self, method, path, query):
        return (self.method.fullmatch(method) is not None
                and self.path.search(path) is not None
                and self.query.search(query or "") is not None)

    def describe(self):
        return {
            "id": self.id, "kind": self.kind, "path": self.path_src,
            "query": self.query_src, "method": self.method_src,
            "count": self.count, "after": self.after, "remaining": self.remaining,
            "hits": self.hits, "status": self.status,
            "retry_after": self.retry_after, "reset": self.reset,
            "delay_ms": self.delay_ms, "message": self.message,
        }


class FaultSet:
    """The live rules; thread-safe."""

    def __init__(self):
        self._lock = threading.Lock()
        self._faults = []
        self._next = 1

    def add(self, rule):
        """Validate and append one rule; returns the Fault. Raises FaultError."""
        with self._lock:
            f = Fault(self._next, rule)
            self._next += 1
            self._faults.append(f)
            return f

    def clear(self, fid=None):
        """Drop every rule, or the one with id `fid`; returns how many went."""
        with self._lock:
            before = len(self._faults)
            if fid is None:
                self._faults = []
            else:
                self._faults = [f for f in self._faults if f.id != fid]
            return before - len(self._faults)

    def take(self, method, path, query):
        """The first live rule matching the request, with one use consumed, or None."""
        with self._lock:
            for f in self._faults:
                if f.remaining <= 0 or not f.matches(method, path, query):
                    continue
                if f.after > 0:
                    f.after -= 1
                    continue
                f.remaining -= 1
                f.hits += 1
                return f
        return None

    def describe(self):
        with self._lock:
            return [f.describe() for f in self._faults]
