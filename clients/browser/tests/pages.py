"""What a person does on grantd's pages, and the checks every page gets: a screenshot kept under
target/screenshots/, and an accessibility smoke check (language, one h1, labelled inputs, named
buttons, text contrast, visible keyboard focus)."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait
from support import CONFIG, WAIT_SECONDS, User

# Runs in the page (through the driver, not the page's own scripts, which the CSP forbids): the
# smoke check's findings, one string each.
_A11Y_JS = r"""
const problems = [];
const lang = document.documentElement.getAttribute('lang');
if (!lang || !lang.trim()) problems.push('html has no lang');
if (!document.title.trim()) problems.push('page has no title');
const h1 = document.querySelectorAll('h1');
if (h1.length !== 1) problems.push(`${h1.length} h1 elements`);
if (!document.querySelector('main')) problems.push('no main landmark');
const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
for (const el of document.querySelectorAll('input, select, textarea')) {
  if (el.type === 'hidden') continue;
  const named = (el.labels && el.labels.length) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
  if (!named) problems.push(`input ${el.name || el.id} has no label`);
}
for (const el of document.querySelectorAll('button, a')) {
  if (!(el.textContent.trim() || el.getAttribute('aria-label'))) problems.push(`${el.tagName} without a name`);
}
for (const el of document.querySelectorAll('img')) {
  if (!el.hasAttribute('alt')) problems.push('img without alt');
}
const ids = new Set();
for (const el of document.querySelectorAll('[id]')) {
  if (ids.has(el.id)) problems.push(`duplicate id ${el.id}`);
  ids.add(el.id);
}
// WCAG 2 contrast of every element's own text against the first opaque background behind it.
const rgba = (s) => { const m = s.match(/rgba?\(([^)]+)\)/); if (!m) return null;
  const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number); return p.length === 4 ? p : [...p, 1]; };
const lum = (c) => { const [r, g, b] = c.slice(0, 3).map((v) => { v /= 255;
  return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
const background = (el) => { for (; el; el = el.parentElement) { const c = rgba(getComputedStyle(el).backgroundColor);
  if (c && c[3] > 0) return c; } return [255, 255, 255, 1]; };
for (const el of document.querySelectorAll('body *')) {
  const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
  if (!own || !visible(el)) continue;
  const style = getComputedStyle(el);
  const fg = rgba(style.color), bg = background(el);
  if (!fg) { problems.push(`unreadable colour ${style.color}`); continue; }
  const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
  const ratio = (hi + 0.05) / (lo + 0.05);
  const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight, 10) >= 700;
  const large = size >= 24 || (bold && size >= 18.66);
  if (ratio < (large ? 3 : 4.5)) problems.push(`contrast ${ratio.toFixed(2)} for "${el.textContent.trim().slice(0, 30)}"`);
}
return problems;
"""

# The focused element, described for the tab-order check, and whether its focus is visible.
_FOCUSED_JS = r"""
const el = document.activeElement;
if (!el || el === document.body) return ['(body)', true];
const style = getComputedStyle(el);
const ring = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
const name = el.id ? `#${el.id}` : `${el.tagName.toLowerCase()}:${el.textContent.trim()}`;
return [name, ring];
"""


def screenshot(driver: WebDriver, name: str) -> None:
    """Keeps a picture of the current page as target/screenshots/NAME.png."""
    CONFIG.screenshots.mkdir(parents=True, exist_ok=True)
    assert driver.save_screenshot(str(CONFIG.screenshots / f"{name}.png")), name


def check_page(driver: WebDriver, name: str) -> None:
    """The screenshot and the accessibility smoke check of the current page."""
    screenshot(driver, name)
    problems = driver.execute_script(_A11Y_JS)
    assert problems == [], f"accessibility problems on {name}: {problems}"


def tab_order(driver: WebDriver, presses: int) -> list[str]:
    """The focused element now and after each of `presses` Tab keys, each with a visible focus ring."""
    seen = []
    for press in range(presses + 1):
        if press:
            driver.switch_to.active_element.send_keys(Keys.TAB)
        name, ring = driver.execute_script(_FOCUSED_JS)
        assert ring, f"{name} has no visible focus"
        seen.append(name)
    return seen


def wait_for(driver: WebDriver, condition, what: str):
    return WebDriverWait(driver, WAIT_SECONDS).until(condition, message=f"waiting for {what}; at {driver.current_url}")


def on_grantd(driver: WebDriver, path: str) -> None:
    wait_for(driver, lambda d: urlsplit(d.current_url).path == path and d.current_url.startswith(CONFIG.root),
             f"grantd's {path}")


def at(driver: WebDriver, url_prefix: str) -> None:
    wait_for(driver, lambda d: d.current_url.startswith(url_prefix), url_prefix)


def heading(driver: WebDriver) -> str:
    return driver.find_element(By.TAG_NAME, "h1").text


def authorize_url(client_id: str, **params: str) -> str:
    """grantd's authorize URL, built as an app without a client library would."""
    return f"{CONFIG.root}/login/oauth/authorize?{urlencode({'client_id': client_id, **params})}"


def fill_sign_in(driver: WebDriver, user: User, password: str | None = None) -> None:
    """On the sign-in page: types the login and password and presses Sign in."""
    on_grantd(driver, "/login")
    login = driver.find_element(By.ID, "login_field")
    login.clear()
    login.send_keys(user.login)
    driver.find_element(By.ID, "password").send_keys(user.password if password is None else password)
    driver.find_element(By.CSS_SELECTOR, "form[action='/session'] button[type=submit]").click()


def fill_code(driver: WebDriver, user: User) -> None:
    """On the two-factor page: types the authenticator's code and presses Verify."""
    on_grantd(driver, "/sessions/two-factor")
    driver.find_element(By.NAME, "app_otp").send_keys(user.otp())
    driver.find_element(By.CSS_SELECTOR, "form[action='/sessions/two-factor'] button[type=submit]").click()


def consent_button(driver: WebDriver, approve: bool):
    on_grantd(driver, "/login/oauth/authorize")
    return driver.find_element(By.CSS_SELECTOR, f"button[name=authorize][value='{1 if approve else 0}']")


def sign_in_and_decide(driver: WebDriver, url: str, user: User, *, approve: bool = True) -> None:
    """Opens an app's authorize URL, signs in (with the code when the account has two-factor
    authentication) and approves or cancels on the consent page."""
    driver.get(url)
    fill_sign_in(driver, user)
    if user.otp_secret:
        fill_code(driver, user)
    consent_button(driver, approve).click()
