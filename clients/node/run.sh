#!/usr/bin/env bash
# Run the Node real-client compatibility tests against a fresh grantd.
# Usage: clients/node/run.sh PATH_TO_GRANTD_BINARY [extra node --test arguments...]
set -euo pipefail

if [[ $# -lt 1 ]]; then
  echo "usage: $0 PATH_TO_GRANTD_BINARY [node --test args...]" >&2
  exit 2
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
grantd="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
shift
[[ -x "$grantd" ]] || { echo "error: $grantd is not an executable" >&2; exit 2; }

work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

db="sqlite://$work/grantd.db"
json_field() { # json_field FIELD  (JSON on stdin)
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s)[process.argv[1]];if(typeof v!=="string"||!v){console.error("missing field "+process.argv[1]+" in: "+s);process.exit(1)}process.stdout.write(v)})' "$1"
}
random_hex() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }

login=alice
password="pw-$(random_hex 12)"
otp_login=bob
otp_password="pw-$(random_hex 12)"

printf '%s' "$password" | "$grantd" user add "$login" --password-stdin --database-url "$db"
printf '%s' "$otp_password" | "$grantd" user add "$otp_login" --password-stdin --database-url "$db"
otp_secret="$("$grantd" user 2fa enable "$otp_login" --json --database-url "$db" | json_field secret)"
app_json="$("$grantd" app add --name "Node client test" --url https://example.com --json --database-url "$db")"
client_id="$(printf '%s' "$app_json" | json_field client_id)"
client_secret="$(printf '%s' "$app_json" | json_field client_secret)"

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
"$grantd" serve --listen "127.0.0.1:$port" --database-url "$db" >"$work/server.log" 2>&1 &
server_pid=$!

url="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
  if curl -s -o /dev/null --max-time 1 "$url/"; then break; fi
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "error: grantd serve exited early:" >&2; cat "$work/server.log" >&2; exit 1
  fi
  sleep 0.2
done
if ! curl -s -o /dev/null --max-time 1 "$url/"; then
  echo "error: grantd did not answer on $url within 20 s:" >&2; cat "$work/server.log" >&2; exit 1
fi

cd "$here"
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
fi

status=0
GRANTD_URL="$url" \
GRANTD_LOGIN="$login" GRANTD_PASSWORD="$password" \
GRANTD_OTP_LOGIN="$otp_login" GRANTD_OTP_PASSWORD="$otp_password" GRANTD_OTP_SECRET="$otp_secret" \
GRANTD_CLIENT_ID="$client_id" GRANTD_CLIENT_SECRET="$client_secret" \
  node --test "$@" || status=$?

if [[ $status -ne 0 ]]; then
  echo "--- grantd server log (last 50 lines) ---" >&2
  tail -n 50 "$work/server.log" >&2 || true
fi
exit "$status"
