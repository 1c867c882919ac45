#!/usr/bin/env bash
# A bounded schemathesis pass over spec/openapi.json against a fresh grantd (see README.md here).
# Usage: tests/schemathesis/run.sh PATH_TO_GRANTD [--max-examples N] [--seed N|random]
#                                  [--layout api-v3|root] [--workers N] [-- extra `schemathesis run` args]
# Pinned requirements (requirements.txt) go into a virtualenv outside the repository
# (clients/lib/python-venv.sh; $GRANTD_VENV_DIR overrides where). Set GRANTD_FUZZ_REPORT_DIR to keep
# the NDJSON and JUnit reports.
set -euo pipefail

usage() {
  echo "usage: $0 PATH_TO_GRANTD [--max-examples N] [--seed N|random] [--layout api-v3|root] [--workers N] [-- schemathesis args...]" >&2
  exit 2
}
[[ $# -ge 1 ]] || usage
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
binary="$1"
shift

max_examples=50      # bounded default: under two minutes on a 2-core machine
seed=1               # fixed by default so that CI runs are repeatable; `--seed random` for a fresh one
layout=api-v3        # the spec's own server (`{protocol}://{hostname}/api/v3`); `root` = github.com's
workers=1
extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --max-examples) [[ $# -ge 2 ]] || usage; max_examples="$2"; shift 2 ;;
    --max-examples=*) max_examples="${1#*=}"; shift ;;
    --seed) [[ $# -ge 2 ]] || usage; seed="$2"; shift 2 ;;
    --seed=*) seed="${1#*=}"; shift ;;
    --layout) [[ $# -ge 2 ]] || usage; layout="$2"; shift 2 ;;
    --layout=*) layout="${1#*=}"; shift ;;
    --workers) [[ $# -ge 2 ]] || usage; workers="$2"; shift 2 ;;
    --workers=*) workers="${1#*=}"; shift ;;
    --) shift; extra=("$@"); break ;;
    *) usage ;;
  esac
done
[[ "$max_examples" =~ ^[1-9][0-9]*$ ]] || { echo "error: --max-examples wants a positive integer" >&2; exit 2; }
case "$layout" in api-v3) prefix=/api/v3 ;; root) prefix="" ;; *) usage ;; esac
seed_args=()
if [[ "$seed" != random ]]; then
  [[ "$seed" =~ ^[0-9]+$ ]] || { echo "error: --seed wants a number or 'random'" >&2; exit 2; }
  seed_args=(--seed "$seed")
fi

# shellcheck source=../../clients/lib/start-grantd.sh
source "$repo/clients/lib/start-grantd.sh"
# shellcheck source=../../clients/lib/python-venv.sh
source "$repo/clients/lib/python-venv.sh"
grantd_init "$binary"
grantd_venv schemathesis "$here/requirements.txt"

GRANTD_APP_NAME="Schemathesis" grantd_seed
# A third user: the hooks mint the tokens for GET /user as this user, whose password the fuzzed
# /authorizations calls never use, so they cannot revoke those tokens.
export GRANTD_TOKEN_LOGIN=carol
GRANTD_TOKEN_PASSWORD="pw-$(grantd_random_hex 12)"
export GRANTD_TOKEN_PASSWORD
grantd_add_user "$GRANTD_TOKEN_LOGIN" "$GRANTD_TOKEN_PASSWORD"
# No rate limits, no lock-out and no failed-login budget: the pass sends thousands of requests,
# some with wrong passwords or two-factor codes on purpose (BEHAVIOR 13 and 68, and the budget,
# are tested by the API tests instead).
grantd_start --rate-limit 0 --rate-limit-anonymous 0 --lockout-threshold 1000000 --failed-auth-limit 0

export SCHEMATHESIS_HOOKS="$here/hooks.py"
export PYTHONDONTWRITEBYTECODE=1  # no __pycache__ beside hooks.py
export GRANTD_FUZZ_SEED="$seed"
reports="$GRANTD_WORK/reports"
echo "$("$GRANTD_VENV/bin/schemathesis" --version): max ${max_examples} examples per operation," \
  "seed ${seed}, ${layout} layout at $GRANTD_URL$prefix"

# Run from the temp folder: nothing lands in the repository.
cd "$GRANTD_WORK"
status=0
"$GRANTD_VENV/bin/schemathesis" --no-color --config-file "$here/schemathesis.toml" \
  run "$repo/spec/openapi.json" \
  --url "$GRANTD_URL$prefix" \
  --max-examples "$max_examples" \
  --workers "$workers" \
  "${seed_args[@]}" \
  --report ndjson,junit --report-dir "$reports" \
  --report-ndjson-path "$reports/schemathesis.ndjson" --report-junit-path "$reports/junit.xml" \
  "${extra[@]}" || status=$?

summary_status=0
if [[ -f "$reports/schemathesis.ndjson" ]]; then
  "$GRANTD_PYTHON" "$here/summarize.py" "$reports/schemathesis.ndjson" || summary_status=$?
else
  echo "error: schemathesis wrote no report" >&2
  summary_status=1
fi
if [[ -n "${GRANTD_FUZZ_REPORT_DIR:-}" ]]; then
  mkdir -p "$GRANTD_FUZZ_REPORT_DIR"
  cp -r "$reports/." "$GRANTD_FUZZ_REPORT_DIR/"
  cp "$GRANTD_WORK/server.log" "$GRANTD_FUZZ_REPORT_DIR/server.log"
fi
if [[ $status -eq 0 && $summary_status -ne 0 ]]; then
  status=$summary_status
fi
if [[ $status -ne 0 ]]; then
  grantd_log_tail
fi
exit "$status"
