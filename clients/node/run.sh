#!/usr/bin/env bash
# Run the Node real-client compatibility tests against a fresh grantd.
# Usage: clients/node/run.sh PATH_TO_GRANTD_BINARY [extra node --test arguments...]
set -euo pipefail

if [[ $# -lt 1 ]]; then
  echo "usage: $0 PATH_TO_GRANTD_BINARY [node --test args...]" >&2
  exit 2
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib/start-grantd.sh
source "$here/../lib/start-grantd.sh"
grantd_init "$1"
shift

GRANTD_APP_NAME="Node client test" grantd_seed
grantd_start

cd "$here"
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
fi

status=0
node --test "$@" || status=$?

if [[ $status -ne 0 ]]; then
  grantd_log_tail
fi
exit "$status"
