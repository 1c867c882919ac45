"""pytest fixtures for the PyGithub real-client tests."""

from __future__ import annotations

import pytest
from support import CONFIG


# The two base-URL layouts a client may be configured with (BEHAVIOR 2): github.com's (host root)
# and GitHub Enterprise Server's (`/api/v3`), the base PyGithub's docs tell GHES users to pass.
@pytest.fixture(params=["root", "api-v3"])
def base(request: pytest.FixtureRequest) -> str:
    return CONFIG.root if request.param == "root" else f"{CONFIG.root}/api/v3"
