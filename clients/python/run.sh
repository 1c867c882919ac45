#!/usr/bin/env bash
# Run the PyGithub real-client compatibility tests against a fresh grantd.
# Usage: clients/python/run.sh PATH_TO_GRANTD_BINARY [extra pytest arguments...]
# The pinned requirements (requirements.txt) go into a virtualenv outside the repository
# (clients/lib/python-venv.sh; $GRANTD_VENV_DIR overrides where).
set -euo pipefail

if [[ $# -lt 1 ]]; then
  echo "usage: $0 PATH_TO_GRANTD_BINARY [pytest args...]" >&2
  exit 2
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib/start-grantd.sh
source "$here/../lib/start-grantd.sh"
# shellcheck source=../lib/python-venv.sh
source "$here/../lib/python-venv.sh"
grantd_init "$1"
shift

grantd_venv pygithub "$here/requirements.txt"

GRANTD_APP_NAME="Python client test" grantd_seed
grantd_start

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
