"""Real clients (pinned) completing the web application flow (FLOWS B, F): the client builds the
authorize URL, Chromium signs in and approves, the app's callback gets the code, the client
exchanges it, and the token works on `GET /user` (and, for octokit, `checkToken`)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import subprocess

import pytest
from github import Auth, BadCredentialsException, Github
from githubkit import GitHub, OAuthWebAuthStrategy
from githubkit.exception import AuthExpiredError
from pages import authorize_url, sign_in_and_decide
from support import CONFIG, WAIT_SECONDS, new_app, new_user

OAUTH_RE = re.compile(r"^gho_[A-Za-z0-9]{36}$")


def pygithub(auth: Auth.Auth | None = None) -> Github:
    """PyGithub on grantd's root (PyGithub's OAuth base is the scheme, host and port, FLOWS 1)."""
    return Github(base_url=CONFIG.root, auth=auth, retry=None, seconds_between_requests=None,
                  seconds_between_writes=None)


def test_pygithub_web_flow(browser, callback) -> None:
    user, app = new_user("pygithub"), new_app("PyGithub web app")
    oauth = pygithub().get_oauth_application(app.client_id, app.client_secret)
    state = secrets.token_urlsafe(16)
    # PyGithub's URL carries no scope: the token gets none, and the consent page says so.
    url = oauth.get_login_url(redirect_uri=callback.url, state=state, login=user.login)
    assert url.startswith(f"{CONFIG.root}/login/oauth/authorize?")

    sign_in_and_decide(browser, url, user)
    query = callback.next_query()
    assert query["state"] == state

    token = oauth.get_access_token(query["code"])
    assert OAUTH_RE.match(token.token), token.token
    assert token.type == "bearer"
    assert token.scope == ""
    me = pygithub(Auth.Token(token.token)).get_user()
    assert me.login == user.login

    # A code is single-use (FLOWS 21): PyGithub maps 200 + bad_verification_code to this exception.
    with pytest.raises(BadCredentialsException) as refused:
        oauth.get_access_token(query["code"])
    assert refused.value.status == 200
    assert refused.value.data["error"] == "bad_verification_code"

    # Now the app holds a grant: the same request gets a new code without a page (FLOWS 17).
    browser.get(url)
    again = callback.next_query()
    assert again["state"] == state and again["code"] != query["code"]
    assert pygithub(Auth.Token(oauth.get_access_token(again["code"]).token)).get_user().login == user.login


def test_pygithub_web_flow_with_pkce_and_two_factor(browser, callback) -> None:
    user, app = new_user("pkce", two_factor=True), new_app("PyGithub PKCE app")
    oauth = pygithub().get_oauth_application(app.client_id, app.client_secret)
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    # PyGithub has no parameter for the challenge; an app adds it to the URL (FLOWS 20).
    url = oauth.get_login_url(redirect_uri=callback.url, state="pkce")
    url += f"&code_challenge={challenge}&code_challenge_method=S256"

    sign_in_and_decide(browser, url, user)
    query = callback.next_query()
    token = oauth.get_access_token(query["code"], code_verifier=verifier)
    assert pygithub(Auth.Token(token.token)).get_user().login == user.login


def test_githubkit_web_flow_on_the_enterprise_layout(browser, callback) -> None:
    user, app = new_user("githubkit"), new_app("githubkit web app")
    # githubkit builds no authorize URL: the app does, and githubkit exchanges the code.
    url = authorize_url(app.client_id, redirect_uri=callback.url, scope="read:user user:email", state="kit")
    sign_in_and_decide(browser, url, user)
    query = callback.next_query()
    assert query["state"] == "kit"

    strategy = OAuthWebAuthStrategy(app.client_id, app.client_secret, query["code"], callback.url)
    github = GitHub(strategy, base_url=f"{CONFIG.root}/api/v3/", timeout=WAIT_SECONDS)
    # The first API call exchanges the code (POST /login/oauth/access_token at the host's root,
    # FLOWS 1), then sends the token.
    me = github.rest.users.get_authenticated()
    assert me.parsed_data.login == user.login
    assert OAUTH_RE.match(strategy.token), strategy.token
    assert strategy.refresh_token is None and strategy.expire_time is None
    assert sorted(me.headers["X-OAuth-Scopes"].split(", ")) == ["read:user", "user:email"]
    # What a "Sign in with" integration asks next with user:email (FLOWS 39).
    emails = github.rest.users.list_emails_for_authenticated_user().parsed_data
    assert isinstance(emails, list)

    # The used code, once more: githubkit needs the 200 + error answer to raise this (FLOWS 2).
    again = OAuthWebAuthStrategy(app.client_id, app.client_secret, query["code"], callback.url)
    with pytest.raises(AuthExpiredError):
        again.exchange_token(GitHub(again, base_url=f"{CONFIG.root}/api/v3/", timeout=WAIT_SECONDS))


def octokit(step: str, **payload) -> dict:
    """One step of clients/node/web-flow.mjs (@octokit/oauth-methods)."""
    done = subprocess.run(["node", CONFIG.node_web_flow, step], input=json.dumps(payload),
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, f"web-flow.mjs {step} failed: {done.stderr}"
    return json.loads(done.stdout)


@pytest.mark.parametrize("layout", ["root", "api-v3"])
def test_octokit_oauth_methods_web_flow(browser, callback, layout: str) -> None:
    user, app = new_user("octokit"), new_app("octokit web app")
    base = CONFIG.root if layout == "root" else f"{CONFIG.root}/api/v3"
    state = secrets.token_hex(8)
    built = octokit("url", base=base, clientId=app.client_id, redirectUrl=callback.url, state=state,
                    scopes=["repo", "gist"])
    # octokit joins scopes with commas and always sends allow_signup (FLOWS 11, G).
    assert built["url"].startswith(f"{CONFIG.root}/login/oauth/authorize?")
    assert "scope=repo%2Cgist" in built["url"] and "allow_signup=true" in built["url"]

    sign_in_and_decide(browser, built["url"], user)
    query = callback.next_query()
    assert query["state"] == state

    done = octokit("exchange", base=base, clientId=app.client_id, clientSecret=app.client_secret,
                   code=query["code"], redirectUrl=callback.url)
    token = done["authentication"]["token"]
    assert OAUTH_RE.match(token), token
    # octokit splits `scope` on white space, GitHub's answer is comma-joined (FLOWS 22): one item.
    assert done["authentication"]["scopes"] == ["gist,repo"]
    assert done["check"]["status"] == 200
    assert done["check"]["data"]["token"] == token
    assert done["check"]["data"]["user"]["login"] == user.login
    assert done["check"]["data"]["app"]["client_id"] == app.client_id
    assert sorted(done["check"]["data"]["scopes"]) == ["gist", "repo"]
    assert done["user"]["status"] == 200 and done["user"]["data"]["login"] == user.login
    assert done["user"]["scopes"] == "gist, repo"
