"""PyGithub (pinned in ../requirements.txt) against a running grantd, on both base-URL layouts.

Tokens are minted the way a script would (plain `requests`, Basic login:password) and then used
through PyGithub; PyGithub's own Authorizations API (still present in 2.x: `create_authorization`,
`get_authorizations`, `Authorization.edit/delete`) is driven with `Auth.Login`.
"""

from __future__ import annotations

import hashlib

import pytest
from github import (
    Auth,
    BadCredentialsException,
    GithubException,
    TwoFactorException,
    UnknownObjectException,
)
from github.Authorization import Authorization
from support import (
    CONFIG,
    OAUTH_RE,
    PAT_RE,
    app_token_call,
    http,
    mint_app_token,
    mint_pat,
    pygithub,
    totp,
    unique,
    wrong_otp,
)


# --- a token minted with requests, used through PyGithub ------------------------------------------


def test_minted_token_reads_user_and_scopes(base: str) -> None:
    minted = mint_pat(base, ["repo", "user"])
    g = pygithub(base, Auth.Token(minted["token"]))

    me = g.get_user()
    assert me.login == CONFIG.login  # the lazy AuthenticatedUser completes with GET /user
    assert isinstance(me.id, int) and me.id > 0
    assert me.type == "User"
    # PyGithub keeps the token's scopes from X-OAuth-Scopes, split on ", " (BEHAVIOR 63, 84).
    assert g.oauth_scopes is not None
    assert sorted(g.oauth_scopes) == ["repo", "user"]
    # Rate limiting is off by default (as GitHub Enterprise Server ships): no rate-limit headers
    # (BEHAVIOR 67) for PyGithub to read, so a suite full of wrong credentials never meets a 403.
    res = http("GET", f"{base}/user", headers={"Authorization": f"token {minted['token']}"})
    assert res.status_code == 200, res.text
    assert not [h for h in res.headers if h.lower().startswith("x-ratelimit")], res.headers


def test_scopes_follow_the_token(base: str) -> None:
    # Normalised like GitHub: `user` implies `user:email` (BEHAVIOR 61).
    g = pygithub(base, Auth.Token(mint_pat(base, ["gist", "user", "user:email"])["token"]))
    assert g.get_user().login == CONFIG.login
    assert sorted(g.oauth_scopes) == ["gist", "user"]

    g = pygithub(base, Auth.Token(mint_pat(base, ["read:user"])["token"]))
    assert g.get_user().login == CONFIG.login
    assert g.oauth_scopes == ["read:user"]


def test_revoked_token_raises_bad_credentials(base: str) -> None:
    minted = mint_pat(base, ["user"])
    g = pygithub(base, Auth.Token(minted["token"]))
    assert g.get_user().login == CONFIG.login

    res = http("DELETE", f"{base}/authorizations/{minted['id']}", auth=(CONFIG.login, CONFIG.password))
    assert res.status_code == 204, res.text

    # A fresh client: PyGithub caches nothing, but keep the lazy user object out of the picture.
    g = pygithub(base, Auth.Token(minted["token"]))
    with pytest.raises(BadCredentialsException) as err:
        _ = g.get_user().login
    # PyGithub maps 401 to BadCredentialsException only for this exact message (BEHAVIOR 10).
    assert err.value.status == 401
    assert err.value.data["message"] == "Bad credentials"


def test_unknown_token_raises_bad_credentials(base: str) -> None:
    # Well-formed but never issued (the checksum is valid: the one from BEHAVIOR 56's test vector).
    g = pygithub(base, Auth.Token("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"))
    with pytest.raises(BadCredentialsException):
        _ = g.get_user().login
    g = pygithub(base, Auth.Token("not-a-token"))
    with pytest.raises(BadCredentialsException):
        _ = g.get_user().login


def test_missing_authorization_raises_unknown_object(base: str) -> None:
    g = pygithub(base, Auth.Login(CONFIG.login, CONFIG.password))
    with pytest.raises(UnknownObjectException) as err:
        g.get_user().get_authorization(2_000_000_000)
    # PyGithub raises UnknownObjectException only for the exact text `Not Found` (BEHAVIOR 23).
    assert err.value.status == 404
    assert err.value.data["message"] == "Not Found"

    # Another user's authorization is a 404 too, not a 403 (BEHAVIOR 12).
    others = mint_pat(base, ["user"], login=CONFIG.otp_login, password=CONFIG.otp_password,
                      otp_secret=CONFIG.otp_secret)
    with pytest.raises(UnknownObjectException):
        g.get_user().get_authorization(others["id"])


# --- PyGithub's own Authorizations API (Auth.Login) -----------------------------------------------


def test_pygithub_authorizations_api_round_trip(base: str) -> None:
    g = pygithub(base, Auth.Login(CONFIG.login, CONFIG.password))
    note = unique("pygithub create_authorization")
    created = g.get_user().create_authorization(scopes=["repo"], note=note)
    assert isinstance(created, Authorization)
    assert PAT_RE.match(created.token)
    assert created.note == note
    assert created.scopes == ["repo"]
    # `url` is absolute and starts with the base PyGithub was given: edit() and delete() call it,
    # and PyGithub asserts that such URLs live under its base (BEHAVIOR 3, 86).
    assert created.url == f"{base}/authorizations/{created.id}"
    # PyGithub's AuthorizationApplication exposes name and url; client_id stays in raw_data.
    assert created.app.name == note and created.raw_data["app"]["client_id"] == "0" * 20  # BEHAVIOR 35

    token = created.token
    # The token itself works through PyGithub.
    tg = pygithub(base, Auth.Token(token))
    assert tg.get_user().login == CONFIG.login
    assert tg.oauth_scopes == ["repo"]

    fetched = g.get_user().get_authorization(created.id)
    assert fetched.id == created.id
    assert fetched.token == ""  # shown only on creation (BEHAVIOR 32)
    listed = {a.id: a for a in g.get_user().get_authorizations()}
    assert created.id in listed
    assert listed[created.id].note == note and listed[created.id].token == ""

    fetched.edit(add_scopes=["gist"], note_url="https://example.com/notes")
    assert sorted(fetched.scopes) == ["gist", "repo"]
    assert fetched.note_url == "https://example.com/notes"
    assert tg.get_user().login == CONFIG.login
    assert sorted(tg.oauth_scopes) == ["gist", "repo"]  # the server reads scopes afresh every request

    fetched.delete()
    with pytest.raises(UnknownObjectException):
        g.get_user().get_authorization(created.id)
    with pytest.raises(BadCredentialsException):
        _ = pygithub(base, Auth.Token(token)).get_user().login


def test_duplicate_note_is_a_validation_error(base: str) -> None:
    g = pygithub(base, Auth.Login(CONFIG.login, CONFIG.password))
    note = unique("pygithub duplicate")
    g.get_user().create_authorization(scopes=[], note=note)
    with pytest.raises(GithubException) as err:
        g.get_user().create_authorization(scopes=[], note=note)
    assert err.value.status == 422  # BEHAVIOR 26, 27
    assert err.value.data["message"] == "Validation Failed"
    assert {"resource": "OauthAccess", "code": "already_exists", "field": "description"}.items() <= \
        err.value.data["errors"][0].items()


def test_token_is_refused_on_authorizations(base: str) -> None:
    # The Authorizations API wants login + password, not a token (BEHAVIOR 7); PyGithub surfaces the 403.
    token = mint_pat(base, ["user"])["token"]
    g = pygithub(base, Auth.Token(token))
    with pytest.raises(GithubException) as err:
        list(g.get_user().get_authorizations())
    assert err.value.status == 403
    assert err.value.data["message"] == "This API can only be accessed with username and password Basic Auth"


# --- the OAuth app's side: check, reset, revoke ---------------------------------------------------


def test_app_checks_token_then_pygithub_uses_it(base: str) -> None:
    # PyGithub 2.x's ApplicationOAuth has no check-token call (only the web-flow token exchange), so
    # the check is driven with requests and the checked token is then used through PyGithub.
    minted = mint_app_token(base, ["read:user", "gist"])
    res = app_token_call(base, "POST", minted["token"])
    assert res.status_code == 200, res.text
    checked = res.json()
    assert checked["token"] == minted["token"]  # the checked token is shown in full (BEHAVIOR 50)
    assert checked["id"] == minted["id"]
    assert checked["app"]["client_id"] == CONFIG.client_id
    assert checked["user"]["login"] == CONFIG.login  # BEHAVIOR 45
    assert checked["hashed_token"] == hashlib.sha256(minted["token"].encode()).hexdigest()  # BEHAVIOR 34

    g = pygithub(base, Auth.Token(checked["token"]))
    assert g.get_user().login == CONFIG.login
    assert sorted(g.oauth_scopes) == ["gist", "read:user"]


def test_app_reset_and_revoke_are_seen_by_pygithub(base: str) -> None:
    old = mint_app_token(base, ["user"])["token"]

    res = app_token_call(base, "PATCH", old)  # reset (BEHAVIOR 51)
    assert res.status_code == 200, res.text
    new = res.json()["token"]
    assert OAUTH_RE.match(new) and new != old
    with pytest.raises(BadCredentialsException):
        _ = pygithub(base, Auth.Token(old)).get_user().login
    g = pygithub(base, Auth.Token(new))
    assert g.get_user().login == CONFIG.login
    assert g.oauth_scopes == ["user"]

    res = app_token_call(base, "DELETE", new)  # revoke (BEHAVIOR 52)
    assert res.status_code == 204, res.text
    with pytest.raises(BadCredentialsException):
        _ = pygithub(base, Auth.Token(new)).get_user().login
    res = app_token_call(base, "POST", new)  # check: an invalid token is a 404 (BEHAVIOR 12, 50)
    assert res.status_code == 404
    assert res.json()["message"] == "Not Found"


# --- a user with two-factor authentication -------------------------------------------------------


def test_two_factor_user_gets_two_factor_exception(base: str) -> None:
    g = pygithub(base, Auth.Login(CONFIG.otp_login, CONFIG.otp_password))
    with pytest.raises(TwoFactorException) as err:
        g.get_user().create_authorization(scopes=["user"], note=unique("pygithub 2fa, no code"))
    # 401 with `X-GitHub-OTP: required; app` and a message other than `Bad credentials`: otherwise
    # PyGithub would raise BadCredentialsException before looking at the header (BEHAVIOR 15-17).
    assert err.value.status == 401
    assert err.value.headers["x-github-otp"] == "required; app"
    assert err.value.data["message"] == "Must specify two-factor authentication OTP code."

    # A wrong code: the same answer again (BEHAVIOR 18).
    with pytest.raises(TwoFactorException) as err:
        g.get_user().create_authorization(scopes=["user"], note=unique("pygithub 2fa, wrong code"),
                                          onetime_password=wrong_otp(CONFIG.otp_secret))
    assert err.value.headers["x-github-otp"] == "required; app"


def test_two_factor_user_mints_with_onetime_password(base: str) -> None:
    g = pygithub(base, Auth.Login(CONFIG.otp_login, CONFIG.otp_password))
    note = unique("pygithub 2fa")
    created = g.get_user().create_authorization(scopes=["user", "repo"], note=note,
                                                onetime_password=totp(CONFIG.otp_secret))
    assert PAT_RE.match(created.token)
    assert sorted(created.scopes) == ["repo", "user"]

    tg = pygithub(base, Auth.Token(created.token))
    assert tg.get_user().login == CONFIG.otp_login  # tokens need no second factor
    assert sorted(tg.oauth_scopes) == ["repo", "user"]

    # The same code may be sent again within its window (BEHAVIOR 80): delete through the raw API.
    res = http("DELETE", f"{base}/authorizations/{created.id}", auth=(CONFIG.otp_login, CONFIG.otp_password),
               headers={"X-GitHub-OTP": totp(CONFIG.otp_secret)})
    assert res.status_code == 204, res.text
    with pytest.raises(BadCredentialsException):
        _ = pygithub(base, Auth.Token(created.token)).get_user().login


def test_two_factor_user_wrong_password_is_bad_credentials(base: str) -> None:
    # Password checked first: a wrong one is `Bad credentials` without the OTP header (BEHAVIOR 19).
    g = pygithub(base, Auth.Login(CONFIG.otp_login, CONFIG.otp_password + "-wrong"))
    with pytest.raises(BadCredentialsException) as err:
        g.get_user().create_authorization(scopes=[], note=unique("pygithub 2fa, wrong password"),
                                          onetime_password=totp(CONFIG.otp_secret))
    assert "x-github-otp" not in {k.lower() for k in err.value.headers}
