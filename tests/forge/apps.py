"""The forge's GitHub App: JWT checks, installations, installation tokens.

ROOT/.forge/app.json (re-read when it changes; no file: no App) holds

    {"id": 123, "slug": "forge-app", "public_key": "-----BEGIN PUBLIC KEY-----...",
     "installations": [{"id": 1001, "account": "acme"}, ...],
     "token_ttl": 3600, "skew": 60}

`public_key_file` (a path) may stand for `public_key`. A JWT must be RS256, signed by
that key, `iss` the App's id (number or string), `iat` not more than `skew` seconds
in the future, `exp` after now and at most 600 s after `iat`. Installation tokens
last `token_ttl` seconds (default 3600) and are then refused with 401 Bad
credentials. See docs/forge.md.
"""

import base64
import binascii
import json
import os
import secrets
import threading
import time

try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding
    HAVE_CRYPTOGRAPHY = True
except ImportError:  # the forge still runs; an App then cannot be configured
    HAVE_CRYPTOGRAPHY = False

DOC_JWT = ("https://docs.github.com/apps/creating-github-apps/authenticating-with-a-"
           "github-app/generating-a-json-web-token-jwt-for-a-github-app")
DOC_TOKEN = ("https://docs.github.com/rest/apps/apps#"
             "create-an-installation-access-token-for-an-app")
DOC_REPO_INST = "https://docs.github.com/rest/apps/apps#get-a-repository-installation-for-the-authenticated-app"
DOC_ORG_INST = "https://docs.github.com/rest/apps/apps#get-an-organization-installation-for-the-authenticated-app"
DOC_USER_INST = "https://docs.github.com/rest/apps/apps#get-a-user-installation-for-the-authenticated-app"
DOC_APP = "https://docs.github.com/rest/apps/apps#get-the-authenticated-app"

PERMISSIONS = {"contents": "write", "pull_requests": "write", "metadata": "read",
               "issues": "write", "workflows": "write"}


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def sees(account, owner):
    """Does a token see owner's repositories: any token that is not an App
    installation's (account None), an installation's its own account's alone."""
    return account is None or owner.lower() == account.lower()


def looks_like_jwt(token):
    return token.startswith("eyJ") and token.count(".") == 2


class AppError(Exception):
    def __init__(self, status, message, doc=DOC_JWT):
        super().__init__(message)
        self.status = status
        self.body = {"message": message, "documentation_url": doc, "status": str(status)}


class Apps:
    def __init__(self, path):
        self.path = path
        self._lock = threading.Lock()
        self._key = None
        self.conf = None
        self.pubkey = None
        self.tokens = {}  # token -> (installation id, account, expires_at)
        self.minted = {}  # installation id -> count

    def _load(self):
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            self._key, self.conf, self.pubkey = None, None, None
            return
        key = (st.st_ino, st.st_size, st.st_mtime_ns)
        if key == self._key:
            return
        with open(self.path, encoding="utf-8") as f:
            conf = json.load(f)
        pem = conf.get("public_key")
        if pem is None and conf.get("public_key_file"):
            with open(conf["public_key_file"], encoding="utf-8") as f:
                pem = f.read()
        if not HAVE_CRYPTOGRAPHY:
            raise RuntimeError("app.json needs python3-cryptography (mk/deps.sh)")
        self.pubkey = serialization.load_pem_public_key(pem.encode())
        self.conf = conf
        self._key = key

    def configured(self):
        with self._lock:
            self._load()
            return self.conf is not None

    def slug(self):
        return (self.conf or {}).get("slug", "forge-app")

    def bot_login(self):
        return self.slug() + "[bot]"

    # --- JWT --------------------------------------------------------------
    def verify_jwt(self, token):
        """The App's id when token is a good JWT; AppError(401) otherwise, with
        GitHub's messages."""
        with self._lock:
            self._load()
            conf, pub = self.conf, self.pubkey
        if conf is None:
            raise AppError(401, "A JSON web token could not be decoded")
        try:
            h64, p64, s64 = token.split(".")
            header = json.loads(b64url_decode(h64))
            claims = json.loads(b64url_decode(p64))
            sig = b64url_decode(s64)
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise AppError(401, "A JSON web token could not be decoded")
        if not isinstance(header, dict) or header.get("alg") != "RS256" \
                or not isinstance(claims, dict):
            raise AppError(401, "A JSON web token could not be decoded")
        try:
            pub.verify(sig, (h64 + "." + p64).encode(), padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            raise AppError(401, "A JSON web token could not be decoded")
        now = time.time()
        skew = conf.get("skew", 60)
        iat, exp = claims.get("iat"), claims.get("exp")
        if not isinstance(iat, int) or isinstance(iat, bool):
            raise AppError(401, "'Issued at' claim ('iat') must be an Integer representing "
                                "the time that the assertion was issued.")
        if not isinstance(exp, int) or isinstance(exp, bool):
            raise AppError(401, "'Expiration time' claim ('exp') must be a numeric value "
                                "representing the future time at which the assertion "
                                "expires.")
        if iat > now + skew:
            raise AppError(401, "'Issued at' claim ('iat') must be an Integer representing "
                                "the time that the assertion was issued.")
        if exp > iat + 600:
            raise AppError(401, "'Expiration time' claim ('exp') is too far in the future.")
        if exp <= now:
            raise AppError(401, "'Expiration time' claim ('exp') must be a numeric value "
                                "representing the future time at which the assertion "
                                "expires.")
        if str(claims.get("iss")) != str(conf.get("id")):
            raise AppError(401, "Integration not found", DOC_JWT)
        return conf.get("id")

    # --- installations ---------------------------------------------------
    def installations(self):
        return list((self.conf or {}).get("installations", []))

    def installation_of(self, account):
        for i in self.installations():
            if i["account"].lower() == account.lower():
                return i
        return None

    def installation_by_id(self, iid):
        for i in self.installations():
            if str(i["id"]) == str(iid):
                return i
        return None

    def installation_json(self, urls, inst):
        base = urls.api if urls else ""
        acct = inst["account"]
        return {
            "id": inst["id"],
            "account": {"login": acct, "id": abs(hash(acct)) % 100000000,
                        "type": inst.get("type", "Organization"), "site_admin": False},
            "repository_selection": "all",
            "access_tokens_url": "%s/app/installations/%s/access_tokens" % (base, inst["id"]),
            "repositories_url": "%s/installation/repositories" % base,
            "html_url": "%s/organizations/%s/settings/installations/%s"
                        % (base, acct, inst["id"]),
            "app_id": self.conf.get("id"), "app_slug": self.slug(),
            "target_id": abs(hash(acct)) % 100000000,
            "target_type": inst.get("type", "Organization"),
            "permissions": PERMISSIONS, "events": ["pull_request", "push"],
            "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z",
            "single_file_name": None, "has_multiple_single_files": False,
            "single_file_paths": [], "suspended_by": None, "suspended_at": None,
        }

    def app_json(self, urls):
        base = urls.api if urls else ""
        return {"id": self.conf.get("id"), "slug": self.slug(), "node_id": "A_forge",
                "name": self.conf.get("name", self.slug()),
                "owner": {"login": "forge", "type": "Organization"},
                "description": "", "external_url": base, "html_url": base + "/apps/" + self.slug(),
                "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z",
                "permissions": PERMISSIONS, "events": ["pull_request", "push"],
                "installations_count": len(self.installations())}

    def mint(self, iid):
        inst = self.installation_by_id(iid)
        ttl = (self.conf or {}).get("token_ttl", 3600)
        token = "ghs_" + secrets.token_hex(18)
        expires = time.time() + ttl
        with self._lock:
            self.tokens[token] = (inst["id"], inst["account"], expires)
            self.minted[inst["id"]] = self.minted.get(inst["id"], 0) + 1
        return {"token": token, "expires_at": iso(expires), "permissions": PERMISSIONS,
                "repository_selection": "all"}

    def token(self, token):
        """(installation id, account) of a live installation token; "expired" for
        one past its time; None for any other string."""
        with self._lock:
            t = self.tokens.get(token)
        if t is None:
            return None
        if time.time() >= t[2]:
            return "expired"
        return t[0], t[1]

    def route(self, urls, method, path, store):
        """Answer a request made with a good JWT: (status, obj)."""
        parts = [p for p in path.split("/") if p]
        if method == "GET" and parts == ["app"]:
            return 200, self.app_json(urls)
        if method == "GET" and parts == ["app", "installations"]:
            return 200, [self.installation_json(urls, i) for i in self.installations()]
        if len(parts) >= 3 and parts[:2] == ["app", "installations"]:
            inst = self.installation_by_id(parts[2])
            if inst is None:
                raise AppError(404, "Not Found", DOC_TOKEN)
            if method == "GET" and len(parts) == 3:
                return 200, self.installation_json(urls, inst)
            if method == "POST" and parts[3:] == ["access_tokens"]:
                return 201, self.mint(inst["id"])
        if method == "GET" and len(parts) == 4 and parts[0] == "repos" \
                and parts[3] == "installation":
            inst = self.installation_of(parts[1])
            repo = store.repo(parts[1], parts[2])
            if inst is None or repo is None or not repo.exists():
                raise AppError(404, "Not Found", DOC_REPO_INST)
            return 200, self.installation_json(urls, inst)
        if method == "GET" and len(parts) == 3 and parts[0] in ("orgs", "users") \
                and parts[2] == "installation":
            inst = self.installation_of(parts[1])
            if inst is None:
                raise AppError(404, "Not Found",
                               DOC_ORG_INST if parts[0] == "orgs" else DOC_USER_INST)
            return 200, self.installation_json(urls, inst)
        # GitHub: a JWT opens the App's own endpoints alone.
        raise AppError(403, "Resource not accessible by integration",
                       "https://docs.github.com/rest")
