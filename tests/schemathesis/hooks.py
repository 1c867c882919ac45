"""Schemathesis hooks for the grantd fuzz pass (loaded by tests/schemathesis/run.sh via SCHEMATHESIS_HOOKS).

Three jobs:

1. Authentication, per operation (an auth provider): Basic login:password on /authorizations* and
   /applications/grants* (mostly the plain user; some cases the two-factor user with a valid code,
   some without one, BEHAVIOR 6, 15-19), the app's Basic client_id:client_secret on
   /applications/{client_id}/* (BEHAVIOR 8), and a token of a third user in the forms of
   BEHAVIOR 14 on /user and /user/emails. `GET /`, `GET /meta` and `POST /credentials/revoke` go
   without credentials.
2. Realistic data for *positive* cases only (negative, mutated components are left alone): the seeded
   app's client_id in paths and queries, its client_secret in bodies, freshly minted tokens for
   `access_token`, and ids of the plain user's own authorizations and grants. Without these, every
   positive case would stop at the first 404/422 and the success paths would go unfuzzed.
3. What GitHub's description leaves out but BEHAVIOR.md documents, added to the loaded schema:
   statuses (each with its BEHAVIOR item), so that `status_code_conformance` stays on and the bodies
   of those answers are schema-checked too (basic-error), instead of the check being dropped; and
   security schemes, so that schemathesis also sends requests without or with made-up credentials.

Plus two checks of its own: `foreign_ids_are_not_found` (BEHAVIOR 12) and
`every_operation_succeeds_somewhere` (a guard on the harness).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import os
import random
import struct
import threading
import time
from typing import Any

import requests
import schemathesis
from schemathesis.core.parameters import ParameterLocation

ROOT = os.environ["GRANTD_URL"].rstrip("/")
LOGIN = os.environ["GRANTD_LOGIN"]
PASSWORD = os.environ["GRANTD_PASSWORD"]
OTP_LOGIN = os.environ["GRANTD_OTP_LOGIN"]
OTP_PASSWORD = os.environ["GRANTD_OTP_PASSWORD"]
OTP_SECRET = os.environ["GRANTD_OTP_SECRET"]
CLIENT_ID = os.environ["GRANTD_CLIENT_ID"]
CLIENT_SECRET = os.environ["GRANTD_CLIENT_SECRET"]
# A third user whose password the fuzzer never sees: its token (for GET /user) cannot be revoked
# by the fuzzed /authorizations calls of the other two.
TOKEN_LOGIN = os.environ["GRANTD_TOKEN_LOGIN"]
TOKEN_PASSWORD = os.environ["GRANTD_TOKEN_PASSWORD"]

# The GHES scope names of BEHAVIOR 59 (a sample is enough to reach the success paths).
VALID_SCOPES = ["repo", "user", "gist", "read:user", "user:email", "public_repo", "read:org", "workflow",
                "admin:public_key", "notifications", "project", "delete_repo"]

_lock = threading.Lock()
_counter = itertools.count()
# Ids of LOGIN's authorizations and grants that the hooks minted, by path parameter name.
_minted_ids: dict[str, set[str]] = {"authorization_id": set(), "grant_id": set()}
# The hooks' own choices (which credentials, which substitutions) come from one seeded generator, so
# that a run with the same --seed and one worker makes the same choices.
_rng = random.Random(os.environ.get("GRANTD_FUZZ_SEED", "grantd"))


def _next() -> int:
    with _lock:
        return next(_counter)


def _chance(p: float) -> bool:
    with _lock:
        return _rng.random() < p


def _pick(options: list) -> Any:
    with _lock:
        return _rng.choice(options)


def _unique(label: str) -> str:
    return f"{label} {time.time_ns()}-{_next()}"


def _basic(login: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()


def _totp(secret_b32: str) -> str:
    """RFC 6238 (SHA-1, 6 digits, 30 s): the code an authenticator shows now."""
    key = base64.b32decode(secret_b32.upper() + "=" * (-len(secret_b32) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(time.time() // 30)), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{code:06d}"


def _api(method: str, path: str, auth: tuple[str, str], json: Any = None) -> requests.Response:
    return requests.request(method, f"{ROOT}{path}", auth=auth, json=json, timeout=30,
                            headers={"Accept": "application/vnd.github+json", "User-Agent": "grantd-schemathesis"})


def _mint(json: dict) -> dict:
    """POST /authorizations as LOGIN; the 201 body."""
    res = _api("POST", "/authorizations", (LOGIN, PASSWORD), json)
    if res.status_code != 201:
        raise RuntimeError(f"setup: POST /authorizations answered {res.status_code}: {res.text}")
    return res.json()


def mint_app_token() -> str:
    """A fresh `gho_` token of the seeded app for LOGIN (a new fingerprint each time)."""
    body = _mint({"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "scopes": ["repo", "user"],
                  "fingerprint": _unique("fp"), "note": _unique("schemathesis app token")})
    return body["token"]


def mint_authorization_id() -> str:
    body = _mint({"scopes": ["gist"], "note": _unique("schemathesis PAT")})
    with _lock:
        _minted_ids["authorization_id"].add(str(body["id"]))
    return str(body["id"])


def grant_id() -> str:
    """LOGIN's grant for the seeded app (minting a token first so that it exists, BEHAVIOR 46)."""
    mint_app_token()
    res = _api("GET", f"/applications/grants?client_id={CLIENT_ID}", (LOGIN, PASSWORD))
    grants = res.json() if res.status_code == 200 else []
    if len(grants) != 1:
        raise RuntimeError(f"setup: GET /applications/grants answered {res.status_code}: {res.text}")
    gid = str(grants[0]["id"])
    with _lock:
        _minted_ids["grant_id"].add(gid)
    return gid


def _user_token(scopes: list[str]) -> str:
    res = _api("POST", "/authorizations", (TOKEN_LOGIN, TOKEN_PASSWORD),
               {"scopes": scopes, "note": _unique("schemathesis /user token")})
    if res.status_code != 201:
        raise RuntimeError(f"setup: POST /authorizations for {TOKEN_LOGIN} answered {res.status_code}: {res.text}")
    return res.json()["token"]


# Tokens of TOKEN_LOGIN for GET /user: with `user` (private profile) and without scopes (public
# profile, BEHAVIOR 77 and README decisions).
USER_TOKEN = _user_token(["user"])
PUBLIC_TOKEN = _user_token([])
# The credential forms /user accepts (README "Authentication"; BEHAVIOR 9, 14), used in turn (GET
# /user has no parameters, so a run sends it only a handful of times: the main forms come first).
USER_AUTHORIZATIONS = [
    f"token {USER_TOKEN}",
    f"token {PUBLIC_TOKEN}",
    _basic(TOKEN_LOGIN, USER_TOKEN),
    f"bearer {USER_TOKEN}",
    _basic(USER_TOKEN, "x-oauth-basic"),
    _basic(TOKEN_LOGIN, TOKEN_PASSWORD),
]
_user_forms = itertools.count()


# --- 1. authentication ----------------------------------------------------------------------------


def _is_app_path(path: str) -> bool:
    return path.startswith("/applications/{client_id}")


def _is_user_password_path(path: str) -> bool:
    return path.startswith("/authorizations") or path.startswith("/applications/grants")


# retry_on=[]: a 401 is an expected answer here (the two-factor user without a code), not a sign that
# credentials expired; refresh_interval=None: nothing to cache, `set` decides per case.
@schemathesis.auth(refresh_interval=None, retry_on=[])
class GrantdAuth:
    def get(self, case: Any, context: Any) -> str:
        return "static"

    def set(self, case: Any, data: str, context: Any) -> None:
        path = context.operation.path
        case.headers = case.headers or {}
        if path in ("/user", "/user/emails"):
            with _lock:
                form = next(_user_forms)
            case.headers["Authorization"] = USER_AUTHORIZATIONS[form % len(USER_AUTHORIZATIONS)]
        elif _is_app_path(path):
            case.headers["Authorization"] = _basic(CLIENT_ID, CLIENT_SECRET)
        elif _is_user_password_path(path):
            # The stateful phase's chains (create, then read/update/delete what was created) stay the
            # plain user's. An id the hooks minted for the plain user goes, now and then, with the
            # two-factor user's valid credentials: that must be a 404 (checked below, BEHAVIOR 12).
            owned = _owned_id(case) is not None
            stateful = case.meta is not None and case.meta.phase.name.value == "stateful"
            n = _pick(range(8))
            if stateful or n < 6 or (owned and n == 7):
                case.headers["Authorization"] = _basic(LOGIN, PASSWORD)
            elif n == 6:
                case.headers["Authorization"] = _basic(OTP_LOGIN, OTP_PASSWORD)
                case.headers["X-GitHub-OTP"] = _totp(OTP_SECRET)
            else:  # 401 with `X-GitHub-OTP: required; app` (BEHAVIOR 15, 17)
                case.headers["Authorization"] = _basic(OTP_LOGIN, OTP_PASSWORD)


def _owned_id(case: Any) -> str | None:
    for key, minted in _minted_ids.items():
        value = (case.path_parameters or {}).get(key)
        if value is not None and str(value) in minted:
            return str(value)
    return None


@schemathesis.check
def foreign_ids_are_not_found(ctx: Any, response: Any, case: Any) -> None:
    """BEHAVIOR 12: another user's authorization or grant is `404 Not Found`, like one that does not
    exist: never 2xx (read or changed it) nor 403 (told it exists). A body refused before the lookup
    (400, 422) and a two-factor code that turned stale meanwhile (401) are answers a missing id gets too."""
    if case.method.upper() != case.operation.method.upper():
        return  # the coverage phase's probes with other methods (e.g. a CORS preflight, BEHAVIOR 74)
    auth = (case.headers or {}).get("Authorization", "")
    if auth == _basic(OTP_LOGIN, OTP_PASSWORD) and "X-GitHub-OTP" in (case.headers or {}) and _owned_id(case):
        if 200 <= response.status_code < 300 or response.status_code == 403:
            raise AssertionError(f"{OTP_LOGIN} reached {LOGIN}'s {case.path} {case.path_parameters}: "
                                 f"{response.status_code}, expected 404")


@schemathesis.check
class every_operation_succeeds_somewhere:
    """Guards the harness itself: every operation answered 2xx at least once in the run (otherwise
    the credentials or the hooks' data went wrong, and the success paths went unfuzzed)."""

    def __init__(self) -> None:
        self.tested: set[str] = set()
        self.reached: set[str] = set()

    def after_response(self, ctx: Any, response: Any, case: Any) -> None:
        if case.method.upper() != case.operation.method.upper():
            return  # a probe with another method (e.g. a CORS preflight's 204) proves nothing here
        self.tested.add(case.operation.label)
        if 200 <= response.status_code < 300:
            self.reached.add(case.operation.label)

    def after_run(self, ctx: Any) -> None:
        never = self.tested - self.reached
        if never:
            raise AssertionError("never answered 2xx: " + ", ".join(sorted(never)))


# --- 2. realistic data for positive cases ---------------------------------------------------------


def _positive(case: Any, location: ParameterLocation) -> bool:
    meta = getattr(case, "meta", None)
    return meta is None or not meta.is_negative_at(location)


def _often() -> bool:
    """Three cases out of four: the rest keep the generated value (unknown ids, tokens, apps)."""
    return _chance(0.75)


def _fix_scopes(values: Any) -> Any:
    if not isinstance(values, list) or not _often():
        return values
    return [v if v in VALID_SCOPES else _pick(VALID_SCOPES) for v in values]


@schemathesis.hook
def before_add_examples(context: Any, examples: list) -> None:
    # The examples phase does not pass its cases through map_case: the description's examples name
    # an app and tokens that do not exist here.
    for case in examples:
        realistic(case)


@schemathesis.hook
def map_case(context: Any, case: Any) -> Any:
    return realistic(case)


def realistic(case: Any) -> Any:
    path = case.operation.path
    params = case.path_parameters

    if params and _positive(case, ParameterLocation.PATH):
        if "client_id" in params and _often():
            params["client_id"] = CLIENT_ID
        if "access_token" in params and _often():
            params["access_token"] = mint_app_token()
        if "authorization_id" in params and _often():
            params["authorization_id"] = mint_authorization_id()
        if "grant_id" in params and _often():
            params["grant_id"] = grant_id()

    if case.query and "client_id" in case.query and _positive(case, ParameterLocation.QUERY) and _often():
        case.query["client_id"] = CLIENT_ID

    body = case.body
    if isinstance(body, dict) and _positive(case, ParameterLocation.BODY):
        if "access_token" in body and _often():
            body["access_token"] = mint_app_token()
        if path.startswith("/authorizations/clients/") and "client_secret" in body and _often():
            body["client_secret"] = CLIENT_SECRET
        if path == "/authorizations" and body.get("client_id") is not None and _often():
            body["client_id"] = CLIENT_ID
            body["client_secret"] = CLIENT_SECRET
        if path == "/authorizations" and case.method.upper() == "POST" and _often():
            # New tokens need a fingerprint not yet used with the app (BEHAVIOR 36), or a note not yet
            # used among the user's PATs (BEHAVIOR 35): keep what was generated, made unique.
            key = "fingerprint" if body.get("client_id") else "note"
            generated = body.get(key)
            body[key] = f"{generated} {_unique('st')}" if isinstance(generated, str) else _unique("st")
        for key in ("scopes", "add_scopes", "remove_scopes"):
            if key in body:
                body[key] = _fix_scopes(body[key])
    return case


# --- 3. what BEHAVIOR.md documents and GitHub's description omits -------------------------------

_BASIC_ERROR = {"$ref": "#/components/schemas/basic-error"}

_BODY_OPERATIONS = [
    ("post", "/authorizations"),
    ("put", "/authorizations/clients/{client_id}"),
    ("put", "/authorizations/clients/{client_id}/{fingerprint}"),
    ("patch", "/authorizations/{authorization_id}"),
    ("post", "/applications/{client_id}/token"),
    ("patch", "/applications/{client_id}/token"),
    ("delete", "/applications/{client_id}/token"),
    ("delete", "/applications/{client_id}/grant"),
    ("post", "/credentials/revoke"),
]
_APP_OPERATIONS = [
    ("post", "/applications/{client_id}/token"),
    ("patch", "/applications/{client_id}/token"),
    ("delete", "/applications/{client_id}/token"),
    ("delete", "/applications/{client_id}/grant"),
    ("get", "/applications/{client_id}/tokens/{access_token}"),
    ("post", "/applications/{client_id}/tokens/{access_token}"),
    ("delete", "/applications/{client_id}/tokens/{access_token}"),
    ("delete", "/applications/{client_id}/grants/{access_token}"),
]

# (status, why, operations): each added, as basic-error, where the description lacks it. Adding the
# statuses (instead of dropping `status_code_conformance`) keeps the check on for everything else and
# has the bodies of these answers schema-checked too.
EXTRA_STATUSES: list[tuple[str, str, list[tuple[str, str]]]] = [
    # BEHAVIOR 24: a body that is not JSON, or JSON but not an object → 400 `Problems parsing JSON` /
    # `Body should be a JSON object` (GitHub's "Client errors"), on every operation taking a body.
    ("400", "Problems parsing JSON / Body should be a JSON object (BEHAVIOR 24)", _BODY_OPERATIONS),
    # BEHAVIOR 8, 10, 11: the app endpoints authenticate the app, and wrong or missing app credentials
    # are 401 `Bad credentials` / `Requires authentication` (README decisions, BEHAVIOR 12). BEHAVIOR
    # 15-17: the two-factor 401 also hits the two /authorizations operations that do not list 401.
    ("401", "Bad credentials / Requires authentication / two-factor code required (BEHAVIOR 10, 11, 15)",
     _APP_OPERATIONS + [("patch", "/authorizations/{authorization_id}"),
                        ("put", "/authorizations/clients/{client_id}/{fingerprint}")]),
    # BEHAVIOR 12: 404 rather than 401/403 for an id that is not the caller's (authorizations, grants);
    # BEHAVIOR 12, 48, 50-52, 54: an unknown token, or another app's client_id in the path, on the app
    # endpoints ("Invalid tokens will return 404").
    ("404", "Not Found: not the caller's, or no such token/app (BEHAVIOR 12, 48, 50-52, 54)",
     [("get", "/applications/grants/{grant_id}"), ("delete", "/applications/grants/{grant_id}"),
      ("get", "/authorizations/{authorization_id}"), ("patch", "/authorizations/{authorization_id}"),
      ("delete", "/authorizations/{authorization_id}")]
     # (check-token and the legacy GET check document their 404 already)
     + [op for op in _APP_OPERATIONS if op not in (("post", "/applications/{client_id}/token"),
                                                   ("get", "/applications/{client_id}/tokens/{access_token}"))]),
]

# GitHub's description declares no security schemes at all. BEHAVIOR 6, 8 and 77 say which
# credentials each operation takes; declaring them lets `ignored_auth` check that each operation
# refuses a request without them, or with made-up ones.
SECURITY_SCHEMES = {
    "userPassword": {"type": "http", "scheme": "basic", "description": "login:password (BEHAVIOR 6)"},
    "appCredentials": {"type": "http", "scheme": "basic", "description": "client_id:client_secret (BEHAVIOR 8)"},
    "token": {"type": "apiKey", "in": "header", "name": "Authorization",
              "description": "`token T` / `bearer T` (BEHAVIOR 9, 77)"},
}


def _security_for(path: str) -> list[dict] | None:
    if path in ("/user", "/user/emails"):
        return [{"token": []}]
    if _is_app_path(path):
        return [{"appCredentials": []}]
    if _is_user_password_path(path):
        return [{"userPassword": []}]
    return None  # GET / is public


@schemathesis.hook
def before_load_schema(context: Any, raw_schema: dict) -> None:
    paths = raw_schema.get("paths", {})
    for status, description, operations in EXTRA_STATUSES:
        for method, path in operations:
            responses = paths[path][method]["responses"]
            if status in responses:
                raise RuntimeError(f"{method.upper()} {path} already documents {status}: drop it from EXTRA_STATUSES")
            responses[status] = {"description": description,
                                 "content": {"application/json": {"schema": _BASIC_ERROR}}}
    raw_schema.setdefault("components", {}).setdefault("securitySchemes", {}).update(SECURITY_SCHEMES)
    for path, item in paths.items():
        security = _security_for(path)
        for method, op in item.items():
            if method in ("get", "put", "post", "patch", "delete") and security is not None:
                op["security"] = security
