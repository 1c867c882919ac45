"""Configuration and helpers for the PyGithub real-client tests (run by clients/python/run.sh)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import os
import re
import struct
import time
from dataclasses import dataclass

import requests
from github import Auth, Github


def _required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"environment variable {name} is not set (run the suite through clients/python/run.sh)")
    return value


@dataclass(frozen=True)
class Config:
    root: str
    login: str
    password: str
    otp_login: str
    otp_password: str
    otp_secret: str
    client_id: str
    client_secret: str


CONFIG = Config(
    root=_required("GRANTD_URL").rstrip("/"),
    login=_required("GRANTD_LOGIN"),
    password=_required("GRANTD_PASSWORD"),
    otp_login=_required("GRANTD_OTP_LOGIN"),
    otp_password=_required("GRANTD_OTP_PASSWORD"),
    otp_secret=_required("GRANTD_OTP_SECRET"),
    client_id=_required("GRANTD_CLIENT_ID"),
    client_secret=_required("GRANTD_CLIENT_SECRET"),
)

PAT_RE = re.compile(r"^ghp_[A-Za-z0-9]{36}$")
OAUTH_RE = re.compile(r"^gho_[A-Za-z0-9]{36}$")
USER_AGENT = "grantd-python-client-tests"


_counter = itertools.count(1)


def unique(label: str) -> str:
    """A value unique to this run and call (PAT notes and fingerprints must be unique per user)."""
    return f"{label} {time.time_ns()}-{os.getpid()}-{next(_counter)}"


def totp(secret_b32: str, at: float | None = None, step_offset: int = 0) -> str:
    """RFC 6238 TOTP (SHA-1, 6 digits, 30 s), what an authenticator app shows for `grantd user 2fa enable`."""
    key = base64.b32decode(secret_b32.upper() + "=" * (-len(secret_b32) % 8))
    counter = int((time.time() if at is None else at) // 30) + step_offset
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{code:06d}"


def wrong_otp(secret_b32: str) -> str:
    """A six-digit code that is valid in none of the accepted steps (now ±1, BEHAVIOR 80)."""
    valid = {totp(secret_b32, step_offset=o) for o in (-2, -1, 0, 1, 2)}
    return next(c for c in (f"{n:06d}" for n in range(0, 1_000_000, 7919)) if c not in valid)


def pygithub(base: str, auth: Auth.Auth) -> Github:
    """A PyGithub client on `base`, without its client-side throttling and retries (the tests want the
    server's first answer)."""
    return Github(
        base_url=base,
        auth=auth,
        user_agent=USER_AGENT,
        retry=None,
        seconds_between_requests=None,
        seconds_between_writes=None,
    )


def http(method: str, url: str, *, auth: tuple[str, str] | None = None, headers: dict | None = None, json=None):
    """A plain `requests` call (what a script minting tokens would do), JSON accept header set."""
    all_headers = {"Accept": "application/vnd.github+json", "User-Agent": USER_AGENT}
    all_headers.update(headers or {})
    return requests.request(method, url, auth=auth, headers=all_headers, json=json, timeout=30)


def mint_pat(base: str, scopes: list[str], *, login: str | None = None, password: str | None = None,
             otp_secret: str | None = None) -> dict:
    """POST /authorizations with Basic login:password (BEHAVIOR 6, 35): a new `ghp_` token."""
    headers = {"X-GitHub-OTP": totp(otp_secret)} if otp_secret else {}
    res = http("POST", f"{base}/authorizations", auth=(login or CONFIG.login, password or CONFIG.password),
               headers=headers, json={"scopes": scopes, "note": unique("pygithub PAT")})
    assert res.status_code == 201, f"POST /authorizations → {res.status_code} {res.text}"
    body = res.json()
    assert PAT_RE.match(body["token"]), body["token"]
    assert res.headers["Location"] == f"{base}/authorizations/{body['id']}"  # BEHAVIOR 38, 86
    return body


def mint_app_token(base: str, scopes: list[str]) -> dict:
    """PUT /authorizations/clients/{client_id} with a fresh fingerprint (BEHAVIOR 39): a new `gho_` token."""
    res = http("PUT", f"{base}/authorizations/clients/{CONFIG.client_id}",
               auth=(CONFIG.login, CONFIG.password),
               json={"client_secret": CONFIG.client_secret, "scopes": scopes,
                     "fingerprint": unique("fp"), "note": unique("pygithub app token")})
    assert res.status_code == 201, f"PUT /authorizations/clients/… → {res.status_code} {res.text}"
    body = res.json()
    assert OAUTH_RE.match(body["token"]), body["token"]
    return body


def app_token_call(base: str, method: str, access_token: str):
    """The OAuth app's own token endpoints (BEHAVIOR 8, 50-52): Basic client_id:client_secret,
    token in the JSON body."""
    return http(method, f"{base}/applications/{CONFIG.client_id}/token",
                auth=(CONFIG.client_id, CONFIG.client_secret), json={"access_token": access_token})

