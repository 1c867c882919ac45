"""pytest fixtures for the browser and web-flow client tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from selenium.webdriver.remote.webdriver import WebDriver
from support import CallbackServer, chromium


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    """A fresh headless Chromium (no cookies) for one test."""
    driver = chromium()
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def callback() -> Iterator[CallbackServer]:
    """The app's loopback callback, on a random port."""
    server = CallbackServer()
    try:
        yield server
    finally:
        server.close()
