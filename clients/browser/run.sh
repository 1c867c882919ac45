#!/usr/bin/env bash
# Run the browser tests (headless Chromium driven by Selenium) and the web-flow client tests
# (PyGithub, githubkit, @octokit/oauth-methods exchanging codes the browser approved) against a
# fresh grantd.
# Usage: clients/browser/run.sh PATH_TO_GRANTD_BINARY [extra pytest arguments...]
# Needs Debian's chromium and chromium-driver (.ci/run installs them), python3, node and npm.
# Screenshots of every page go to target/screenshots/ at the repository root ($GRANTD_SCREENSHOTS
# overrides). The pinned requirements (requirements.txt) go into a virtualenv outside the
# repository (clients/lib/python-venv.sh).
set -euo pipefail

if [[ $# -lt 1 ]]; then
  echo "usage: $0 PATH_TO_GRANTD_BINARY [pytest args...]" >&2
  exit 2
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# shellcheck source=../lib/start-grantd.sh
source "$here/../lib/start-grantd.sh"
# shellcheck source=../lib/python-venv.sh
source "$here/../lib/python-venv.sh"
grantd_init "$1"
shift

for tool in chromium chromedriver node npm; do
  command -v "$tool" >/dev/null 2>&1 || { echo "error: $tool is not installed" >&2; exit 2; }
done

grantd_venv browser "$here/requirements.txt"

# The octokit part runs clients/node/web-flow.mjs with that suite's pinned packages.
if [[ ! -f "$repo/clients/node/node_modules/.package-lock.json" \
   || "$repo/clients/node/package-lock.json" -nt "$repo/clients/node/node_modules/.package-lock.json" ]]; then
  (cd "$repo/clients/node" && npm ci --no-audit --no-fund)
fi

# The tests make their own users and apps with the admin CLI (a fresh account per flow, so that no
# earlier approval skips a consent page).
GRANTD_APP_NAME="Browser test" grantd_seed
grantd_start

export GRANTD_BIN GRANTD_DB
export GRANTD_SCREENSHOTS="${GRANTD_SCREENSHOTS:-$repo/target/screenshots}"
export GRANTD_NODE_WEB_FLOW="$repo/clients/node/web-flow.mjs"
# Selenium finds the driver itself only through a helper that may download one and report usage:
# the tests name Debian's driver, and these keep the helper offline and quiet.
export SE_OFFLINE=true SE_AVOID_STATS=true
mkdir -p "$GRANTD_SCREENSHOTS"

cd "$here"
status=0
PYTHONDONTWRITEBYTECODE=1 "$GRANTD_PYTHON" -m pytest "$@" || status=$?

if [[ $status -eq 5 ]]; then
  echo "error: pytest collected no tests" >&2
  status=1
fi
if [[ $status -ne 0 ]]; then
  grantd_log_tail
fi
exit "$status"
