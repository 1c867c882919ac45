# Shared by the client and fuzz suites (clients/*/run.sh, tests/*/run.sh): seed a fresh SQLite
# database with the admin CLI and start `grantd serve` on a free loopback port.
# Source it from a bash script running with `set -euo pipefail`, then:
#
#   grantd_init PATH_TO_GRANTD     # GRANTD_BIN, GRANTD_WORK (temp dir), GRANTD_DB; EXIT/INT/TERM traps
#   grantd_seed                    # alice (password), bob (password + 2FA), one OAuth app; exports
#                                  #   GRANTD_LOGIN GRANTD_PASSWORD GRANTD_OTP_LOGIN GRANTD_OTP_PASSWORD
#                                  #   GRANTD_OTP_SECRET GRANTD_CLIENT_ID GRANTD_CLIENT_SECRET
#   grantd_add_user LOGIN PASSWORD # one more user (no 2FA)
#   grantd_start [serve flags...]  # starts serve, waits until it answers; exports GRANTD_URL
#   grantd_log_tail                # last 50 lines of the server log, on stderr
#   grantd_random_hex N            # N random bytes as hex (for passwords)
#
# The EXIT trap stops the server and removes GRANTD_WORK. Needs python3 and curl.

grantd_init() {
  if [[ $# -lt 1 || -z "$1" ]]; then
    echo "error: grantd_init needs the path of the grantd binary" >&2
    exit 2
  fi
  GRANTD_BIN="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
  [[ -x "$GRANTD_BIN" ]] || { echo "error: $GRANTD_BIN is not an executable" >&2; exit 2; }
  GRANTD_WORK="$(mktemp -d)"
  GRANTD_DB="sqlite://$GRANTD_WORK/grantd.db"
  GRANTD_SERVER_PID=""
  trap _grantd_cleanup EXIT
  trap 'exit 130' INT TERM
}

_grantd_cleanup() {
  if [[ -n "${GRANTD_SERVER_PID:-}" ]]; then
    kill "$GRANTD_SERVER_PID" 2>/dev/null || true
    wait "$GRANTD_SERVER_PID" 2>/dev/null || true
  fi
  if [[ -n "${GRANTD_WORK:-}" ]]; then rm -rf "$GRANTD_WORK"; fi
}

# json_field FIELD  (JSON on stdin): the non-empty string FIELD of the object, or fail.
_grantd_json_field() {
  python3 -c '
import json, sys
s = sys.stdin.read()
v = json.loads(s).get(sys.argv[1])
if not isinstance(v, str) or not v:
    sys.exit("missing field " + sys.argv[1] + " in: " + s)
sys.stdout.write(v)' "$1"
}

grantd_random_hex() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }

grantd_add_user() { # LOGIN PASSWORD
  printf '%s' "$2" | "$GRANTD_BIN" user add "$1" --password-stdin --database-url "$GRANTD_DB"
}

grantd_seed() {
  GRANTD_LOGIN=alice
  GRANTD_PASSWORD="pw-$(grantd_random_hex 12)"
  GRANTD_OTP_LOGIN=bob
  GRANTD_OTP_PASSWORD="pw-$(grantd_random_hex 12)"

  grantd_add_user "$GRANTD_LOGIN" "$GRANTD_PASSWORD"
  grantd_add_user "$GRANTD_OTP_LOGIN" "$GRANTD_OTP_PASSWORD"
  GRANTD_OTP_SECRET="$("$GRANTD_BIN" user 2fa enable "$GRANTD_OTP_LOGIN" --json --database-url "$GRANTD_DB" \
    | _grantd_json_field secret)"
  local app_json
  app_json="$("$GRANTD_BIN" app add --name "${GRANTD_APP_NAME:-Client test}" --url https://example.com --json \
    --database-url "$GRANTD_DB")"
  GRANTD_CLIENT_ID="$(printf '%s' "$app_json" | _grantd_json_field client_id)"
  GRANTD_CLIENT_SECRET="$(printf '%s' "$app_json" | _grantd_json_field client_secret)"
  export GRANTD_LOGIN GRANTD_PASSWORD GRANTD_OTP_LOGIN GRANTD_OTP_PASSWORD GRANTD_OTP_SECRET \
    GRANTD_CLIENT_ID GRANTD_CLIENT_SECRET
}

grantd_start() { # [extra `grantd serve` flags...]
  local port
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
  "$GRANTD_BIN" serve --listen "127.0.0.1:$port" --database-url "$GRANTD_DB" "$@" >"$GRANTD_WORK/server.log" 2>&1 &
  GRANTD_SERVER_PID=$!

  GRANTD_URL="http://127.0.0.1:$port"
  export GRANTD_URL
  for _ in $(seq 1 100); do
    if curl -s -o /dev/null --max-time 1 "$GRANTD_URL/"; then return 0; fi
    if ! kill -0 "$GRANTD_SERVER_PID" 2>/dev/null; then
      echo "error: grantd serve exited early:" >&2; cat "$GRANTD_WORK/server.log" >&2; exit 1
    fi
    sleep 0.2
  done
  if ! curl -s -o /dev/null --max-time 1 "$GRANTD_URL/"; then
    echo "error: grantd did not answer on $GRANTD_URL within 20 s:" >&2; cat "$GRANTD_WORK/server.log" >&2; exit 1
  fi
}

grantd_log_tail() {
  echo "--- grantd server log (last 50 lines) ---" >&2
  tail -n 50 "$GRANTD_WORK/server.log" >&2 || true
}
