"""Configuration and helpers for the browser and web-flow client tests (run by clients/browser/run.sh):
accounts and apps made with the admin CLI, the app's loopback callback server, and headless Chromium."""

from __future__ import annotations

import json
import os
import queue
import secrets
import shutil
import subprocess
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pyotp
from selenium import webdriver
from selenium.webdriver.chrome.service import Service


def _required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"environment variable {name} is not set (run the suite through clients/browser/run.sh)")
    return value


@dataclass(frozen=True)
class Config:
    root: str
    grantd: str
    database_url: str
    screenshots: Path
    node_web_flow: str


CONFIG = Config(
    root=_required("GRANTD_URL").rstrip("/"),
    grantd=_required("GRANTD_BIN"),
    database_url=_required("GRANTD_DB"),
    screenshots=Path(_required("GRANTD_SCREENSHOTS")),
    node_web_flow=_required("GRANTD_NODE_WEB_FLOW"),
)

# The callback every test app registers: a loopback one, so any port is accepted (FLOWS 15).
CALLBACK = "http://127.0.0.1/callback"
# How long a page may take to appear: generous, two cores are shared with builds.
WAIT_SECONDS = 20


def cli(*args: str, stdin: str | None = None) -> str:
    """`grantd ARGS --database-url DB`, the admin CLI on the running server's database."""
    done = subprocess.run(
        [CONFIG.grantd, *args, "--database-url", CONFIG.database_url],
        input=stdin, capture_output=True, text=True, timeout=60, check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"grantd {' '.join(args)} failed ({done.returncode}): {done.stderr}")
    return done.stdout


@dataclass(frozen=True)
class User:
    login: str
    password: str
    otp_secret: str | None = None

    def otp(self) -> str:
        """The code an authenticator app shows now."""
        assert self.otp_secret is not None
        return pyotp.TOTP(self.otp_secret).now()


def new_user(prefix: str, *, two_factor: bool = False) -> User:
    """A fresh account (a fresh one per flow, so no earlier approval skips a consent page)."""
    login = f"{prefix}-{secrets.token_hex(4)}"
    password = f"pw-{secrets.token_hex(12)}"
    cli("user", "add", login, "--password-stdin", stdin=password)
    otp_secret = None
    if two_factor:
        otp_secret = json.loads(cli("user", "2fa", "enable", login, "--json"))["secret"]
    return User(login, password, otp_secret)


@dataclass(frozen=True)
class App:
    name: str
    client_id: str
    client_secret: str


def new_app(name: str, callbacks: tuple[str, ...] = (CALLBACK,)) -> App:
    """A fresh OAuth app with `callbacks`."""
    args = ["app", "add", "--name", name, "--url", "https://app.example", "--json"]
    for callback in callbacks:
        args += ["--callback-url", callback]
    app = json.loads(cli(*args))
    return App(name, app["client_id"], app["client_secret"])


class _CallbackHandler(BaseHTTPRequestHandler):
    server: "_CallbackHttpServer"

    def do_GET(self) -> None:  # noqa: N802 (the http.server name)
        parts = urlsplit(self.path)
        if parts.path == "/callback":
            self.server.arrivals.put(parse_qs(parts.query, keep_blank_values=True))
        body = b'<!doctype html><html lang="en"><title>Example app</title><h1>Back at the app</h1></html>'
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (the http.server name)
        pass  # the query carries codes: never print it


class _CallbackHttpServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _CallbackHandler)
        self.arrivals: queue.Queue[dict[str, list[str]]] = queue.Queue()


class CallbackServer:
    """The app's side: an HTTP server on 127.0.0.1 and a random port recording each callback's query."""

    def __init__(self) -> None:
        self._server = _CallbackHttpServer()
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/callback"

    def next_query(self) -> dict[str, str]:
        """The query of the next callback request (each parameter once), waiting for it."""
        try:
            query = self._server.arrivals.get(timeout=WAIT_SECONDS)
        except queue.Empty:
            raise AssertionError("the app's callback was not called") from None
        for name, values in query.items():
            assert len(values) == 1, f"{name} appears {len(values)} times in the callback"
        return {name: values[0] for name, values in query.items()}

    def nothing_arrived(self) -> bool:
        return self._server.arrivals.empty()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def chromium() -> webdriver.Chrome:
    """Headless Chromium from Debian's packages, through Debian's chromedriver, kept on the loopback:
    no background services, and every host name but the loopback's fails to resolve."""
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in (
        "--headless=new",
        "--no-sandbox",  # the tests may run as root, where Chromium's sandbox cannot start
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1024,768",
        "--lang=en-US",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--disable-extensions",
        "--disable-client-side-phishing-detection",
        "--disable-domain-reliability",
        "--disable-features=OptimizationHints,MediaRouter,Translate,PasswordLeakDetection",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
    ):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"credentials_enable_service": False,
                                              "profile.password_manager_enabled": False})
    service = Service(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver")
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(WAIT_SECONDS)
    return driver
