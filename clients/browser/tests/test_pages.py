"""The person's side of the web application flow (FLOWS B) in headless Chromium: sign-in, two-factor
step, consent, the app's callback, the error pages and signing out. Every page is kept as a
screenshot and gets the accessibility smoke check."""

from __future__ import annotations

import re
import secrets
from urllib.parse import urlsplit

from pages import (
    at,
    authorize_url,
    check_page,
    consent_button,
    fill_code,
    fill_sign_in,
    heading,
    on_grantd,
    sign_in_and_decide,
    tab_order,
)
from selenium.webdriver.common.by import By
from support import CONFIG, new_app, new_user

CODE_RE = re.compile(r"^[0-9a-f]{20}$")  # FLOWS 9


def test_sign_in_and_approve_lands_on_the_callback_with_code_and_state(browser, callback) -> None:
    user, app = new_user("approver"), new_app("Pages approve app")
    state = secrets.token_urlsafe(16)
    browser.get(authorize_url(app.client_id, redirect_uri=callback.url, scope="repo user:email", state=state))

    # Not signed in: the sign-in page, naming the app (FLOWS 12).
    on_grantd(browser, "/login")
    assert heading(browser) == "Sign in to grantd"
    assert app.name in browser.find_element(By.CSS_SELECTOR, "main").text
    check_page(browser, "sign-in")
    # Keyboard order: the login (focused on arrival), the password, the button.
    assert tab_order(browser, 2) == ["#login_field", "#password", "button:Sign in"]

    fill_sign_in(browser, user)
    # Back at the authorize URL, now the consent page (FLOWS 16).
    on_grantd(browser, "/login/oauth/authorize")
    assert heading(browser) == f"Authorize {app.name}"
    text = browser.find_element(By.CSS_SELECTOR, "main").text
    assert user.login in text
    assert "(repo)" in text and "(user:email)" in text
    assert "http://127.0.0.1:" in text  # where it will redirect
    assert consent_button(browser, approve=False).text == "Cancel"
    assert consent_button(browser, approve=True).text == f"Authorize {app.name}"
    check_page(browser, "consent")

    consent_button(browser, approve=True).click()
    query = callback.next_query()
    assert set(query) == {"code", "state"}, query  # FLOWS 18
    assert CODE_RE.match(query["code"]), query["code"]
    assert query["state"] == state
    at(browser, callback.url + "?")


def test_two_factor_account_signs_in_with_the_authenticator_code(browser, callback) -> None:
    user, app = new_user("otp", two_factor=True), new_app("Pages two-factor app")
    browser.get(authorize_url(app.client_id, redirect_uri=callback.url, state="2fa"))
    fill_sign_in(browser, user)

    on_grantd(browser, "/sessions/two-factor")
    assert heading(browser) == "Two-factor authentication"
    check_page(browser, "two-factor")
    assert tab_order(browser, 1) == ["#app_totp", "button:Verify"]

    # A wrong code keeps the person on the page, with the error announced.
    code = browser.find_element(By.NAME, "app_otp")
    code.send_keys("000000" if user.otp() != "000000" else "111111")
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    on_grantd(browser, "/sessions/two-factor")
    alert = browser.find_element(By.CSS_SELECTOR, "[role=alert]")
    assert "failed" in alert.text
    check_page(browser, "two-factor-error")

    fill_code(browser, user)
    consent_button(browser, approve=True).click()
    query = callback.next_query()
    assert query["state"] == "2fa" and CODE_RE.match(query["code"])


def test_cancel_lands_on_the_callback_with_access_denied(browser, callback) -> None:
    user, app = new_user("canceller"), new_app("Pages cancel app")
    sign_in_and_decide(browser, authorize_url(app.client_id, redirect_uri=callback.url, scope="repo", state="s-1"),
                       user, approve=False)
    query = callback.next_query()
    # FLOWS 19, exactly.
    assert query == {
        "error": "access_denied",
        "error_description": "The user has denied your application access.",
        "error_uri": "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-authorization-request-errors/#access-denied",
        "state": "s-1",
    }


def test_a_foreign_redirect_uri_is_an_error_page_never_a_redirect(browser, callback) -> None:
    user, app = new_user("foreign"), new_app("Pages foreign app")
    # Signed in first, so that nothing but the redirect URI can stop the request.
    browser.get(f"{CONFIG.root}/login")
    fill_sign_in(browser, user)
    on_grantd(browser, "/login")

    for foreign in ("https://attacker.example/callback", "http://127.0.0.1:1/elsewhere"):
        browser.get(authorize_url(app.client_id, redirect_uri=foreign, state="x"))
        on_grantd(browser, "/login/oauth/authorize")
        assert heading(browser) == "Redirect URI mismatch"
        assert "The redirect_uri is not associated with this application." in browser.page_source  # FLOWS 14
    check_page(browser, "error-redirect-uri")

    browser.get(authorize_url("0" * 20, redirect_uri=callback.url))
    on_grantd(browser, "/login/oauth/authorize")
    assert heading(browser) == "Application not found"  # FLOWS 13
    check_page(browser, "error-unknown-app")
    assert callback.nothing_arrived()


def test_wrong_password_is_refused_on_the_page_and_the_request_goes_on(browser, callback) -> None:
    user, app = new_user("mistyped"), new_app("Pages retry app")
    browser.get(authorize_url(app.client_id, redirect_uri=callback.url, state="retry"))
    fill_sign_in(browser, user, password="not-the-password")
    on_grantd(browser, "/session")
    alert = browser.find_element(By.CSS_SELECTOR, "[role=alert]")
    assert alert.text == "Incorrect username or password."
    # The login is kept, the password is not, the login field points at the error, and the page
    # still says which app the sign-in is for.
    assert browser.find_element(By.ID, "login_field").get_attribute("value") == user.login
    assert browser.find_element(By.ID, "password").get_attribute("value") == ""
    assert browser.find_element(By.ID, "login_field").get_attribute("aria-describedby") == alert.get_attribute("id")
    assert f"to continue to {app.name}" in browser.find_element(By.CSS_SELECTOR, "main").text
    check_page(browser, "sign-in-error")

    # The right password now: on to the same request's consent page.
    browser.find_element(By.ID, "password").send_keys(user.password)
    browser.find_element(By.CSS_SELECTOR, "form[action='/session'] button[type=submit]").click()
    consent_button(browser, approve=True).click()
    assert callback.next_query()["state"] == "retry"


def test_signed_in_page_and_sign_out(browser, callback) -> None:
    user, app = new_user("leaver"), new_app("Pages sign-out app")
    browser.get(f"{CONFIG.root}/login")
    fill_sign_in(browser, user)

    on_grantd(browser, "/login")
    assert heading(browser) == "You are signed in"
    assert user.login in browser.find_element(By.TAG_NAME, "header").text
    check_page(browser, "signed-in")

    browser.find_element(By.XPATH, "//button[normalize-space()='Sign out']").click()
    on_grantd(browser, "/login")
    assert heading(browser) == "Sign in to grantd"
    assert browser.find_element(By.ID, "login_field").get_attribute("value") == ""

    # Signed out for real: an app's request asks for the password again.
    browser.get(authorize_url(app.client_id, redirect_uri=callback.url))
    on_grantd(browser, "/login")
    assert urlsplit(browser.current_url).query.startswith("client_id=")
    assert callback.nothing_arrived()
