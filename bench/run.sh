#!/usr/bin/env bash
# grantd's benchmark suite: one command. See bench/README.md.
#
#   bench/run.sh [--quick] [--runs N] [--sets LIST] [--scenarios LIST] [--postgres URL]
#                [--baseline DIR] [--no-references]
#
# --quick       2 s warm-up and 5 s runs (default 5 s and 20 s), one round, and by default only
#               sqlite:10000
# --runs N      rounds per set (default 2, 1 with --quick): each round measures the baselines and
#               then every grantd scenario, so the rounds interleave and each ratio compares
#               figures taken minutes apart
# --sets        comma-separated BACKEND:TOKENS, default sqlite:10000,sqlite:1000000,postgres:1000000
# --scenarios   comma-separated, default check,user,list,pat,reset
# --postgres    server URL for postgres sets (default $GRANTD_BENCH_POSTGRES_URL or
#               postgres://postgres@127.0.0.1:5432/test); a database grantd_bench_<pid> is
#               created on that server for each set and dropped afterwards
# --baseline    a folder holding an earlier build's `grantd` and `seed` (e.g. target/release of
#               another checkout): every grantd scenario is also measured on that build, in the
#               same round, right before this build, on a database of its own seeded by its own
#               seeder; the table's ×base column compares the two
# --no-references  skip the reference server and oidc-provider (×ref and ×oidc stay empty)
#
# Every server runs pinned to core 1 (taskset -c 1); wrk runs pinned to core 0 with one thread and
# 64 connections. Each warm-up answer is checked (status and body), and the run fails on any bad
# answer. Output: a table on stdout, and everything (logs, raw figures) under bench/results/DATE/.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
QUICK=0
RUNS=""
SETS=""
SCENARIOS="check,user,list,pat,reset"
BASELINE=""
REFERENCES=1
PG_URL="${GRANTD_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --runs) RUNS="$2"; shift ;;
    --sets) SETS="$2"; shift ;;
    --scenarios) SCENARIOS="$2"; shift ;;
    --postgres) PG_URL="$2"; shift ;;
    --baseline) BASELINE="$(cd "$2" && pwd)"; shift ;;
    --no-references) REFERENCES=0 ;;
    -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done
if [ "$QUICK" = 1 ]; then
  WARMUP=2; DURATION=5; SETS="${SETS:-sqlite:10000}"; RUNS="${RUNS:-1}"
else
  WARMUP=5; DURATION=20; SETS="${SETS:-sqlite:10000,sqlite:1000000,postgres:1000000}"; RUNS="${RUNS:-2}"
fi
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "--runs needs a positive number" >&2; exit 2; }
CONNECTIONS=64
SERVER_CPU=1
CLIENT_CPU=0
# grantd's request log level while measured: its default (info), written to a file.
export GRANTD_LOG="${GRANTD_BENCH_LOG:-info}"

LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"
RESULTS="$HERE/results/$(date -u +%Y%m%dT%H%M%SZ)"
WORK="${GRANTD_BENCH_WORK:-${TMPDIR:-/tmp}/grantd-bench-$$}"
mkdir -p "$RESULTS" "$WORK"
TSV="$RESULTS/results.tsv"
printf 'set\trun\tserver\tscenario\treq_s\tp50_ms\tp99_ms\tcpu_us_per_req\tpeak_rss_mib\tbad\tsocket_errors\n' > "$TSV"
say() { printf '== %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

# ---- tools -------------------------------------------------------------------------------------
command -v taskset >/dev/null || die "taskset (util-linux) is required"
if ! command -v wrk >/dev/null; then
  say "installing wrk (Debian package, with LuaJIT)"
  apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
fi
command -v node >/dev/null || die "node (Node.js 20 or newer) is required for the oidc-provider baseline"
if [ ! -d "$HERE/oidc/node_modules/oidc-provider" ]; then
  say "installing oidc-provider (pinned in bench/oidc/package-lock.json)"
  (cd "$HERE/oidc" && npm ci --no-audit --no-fund >/dev/null)
fi
[ "$(nproc)" -ge 2 ] || die "needs two cores (server on core $SERVER_CPU, load generator on core $CLIENT_CPU)"

say "building release binaries (grantd, seed, reference, argon2-cost)"
(cd "$ROOT" && cargo build --release -q -p grantd -p grantd-bench)
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release"
if [ -n "$BASELINE" ]; then
  [ -x "$BASELINE/grantd" ] && [ -x "$BASELINE/seed" ] || die "--baseline needs grantd and seed in $BASELINE"
fi
TICKS=$(getconf CLK_TCK)

# ---- processes -------------------------------------------------------------------------------
PIDS=()
PG_DBS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  for db in "${PG_DBS[@]:-}"; do
    [ -n "$db" ] && psql -q "$PG_URL" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  done
  if [ -z "${GRANTD_BENCH_WORK:-}" ]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT

SERVER_PID=""
# start_server NAME PORT LOG CMD...: starts CMD pinned to the server core, waits for its port.
start_server() {
  local name="$1" port="$2" log="$3"; shift 3
  taskset -c "$SERVER_CPU" "$@" >"$log" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  for _ in $(seq 1 300); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$log" >&2; die "$name exited at start"; }
    sleep 0.1
  done
  die "$name did not listen on $port"
}
stop_server() {
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}
cpu_ticks() { awk '{ s = $0; sub(/^.*\) /, "", s); split(s, f, " "); print f[12] + f[13] }' "/proc/$1/stat"; }
peak_rss_kib() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }

# wrk_run PORT SECONDS CONNECTIONS OUT SCENARIO TOKENS AUTH CLIENT_ID ARG
wrk_run() {
  local port="$1" secs="$2" conns="$3" out="$4"; shift 4
  taskset -c "$CLIENT_CPU" wrk -t1 -c"$conns" -d"${secs}s" --timeout 10s --latency \
    -s "$HERE/lua/bench.lua" "http://127.0.0.1:$port" -- "$@" >"$out" 2>&1 || true
  grep -q '^BENCH_RESULT' "$out" || { cat "$out" >&2; die "wrk failed ($out)"; }
}
field() { sed -n "s/^BENCH_RESULT.* $1=\([0-9.]*\).*/\1/p" "$2"; }

FAILED=0
# measure SET SERVER_LABEL SCENARIO PORT LOGPREFIX ARGS...: warm-up (checked), then the measured run.
measure() {
  local set="$1" label="$2" scenario="$3" port="$4" prefix="$5"; shift 5
  local warm="$prefix.warmup.txt" run="$prefix.run.txt"
  local warm_args=("$@") run_args=("$@")
  if [ "$scenario" = pat ]; then warm_args[4]="w$$-$ROUND"; run_args[4]="r$$-$ROUND"; fi
  if [ "$scenario" = reset ]; then warm_args[4]="$RESET_WARM_FROM"; run_args[4]="$RESET_RUN_FROM"; fi
  wrk_run "$port" "$WARMUP" "$CONNECTIONS" "$warm" "${warm_args[@]}"
  local wbad wgood werr
  wbad=$(field bad "$warm"); wgood=$(field good "$warm"); werr=$(field socket_errors "$warm")
  if [ "$wbad" != 0 ] || [ "$wgood" = 0 ] || [ "$werr" != 0 ]; then
    cat "$warm" >&2
    die "$set $label $scenario: warm-up had $wbad bad answers, $werr socket errors, $wgood good ($warm)"
  fi
  local before after
  before=$(cpu_ticks "$SERVER_PID")
  wrk_run "$port" "$DURATION" "$CONNECTIONS" "$run" "${run_args[@]}"
  after=$(cpu_ticks "$SERVER_PID")
  local rss requests dur p50 p99 bad errs
  rss=$(peak_rss_kib "$SERVER_PID")
  requests=$(field requests "$run"); dur=$(field duration_us "$run")
  p50=$(field p50_us "$run"); p99=$(field p99_us "$run"); bad=$(field bad "$run")
  errs=$(field socket_errors "$run")
  [ "$bad" = 0 ] || { FAILED=1; say "$set $label $scenario: $bad bad answers in the measured run ($run)"; }
  [ "$errs" = 0 ] || say "$set $label $scenario: $errs socket errors or timeouts (10 s) in the measured run"
  awk -v set="$set" -v run="$ROUND" -v srv="$label" -v sc="$scenario" -v n="$requests" -v d="$dur" -v p50="$p50" \
      -v p99="$p99" -v t="$((after - before))" -v hz="$TICKS" -v rss="$rss" -v bad="$bad" -v errs="$errs" 'BEGIN {
    printf "%s\t%s\t%s\t%s\t%.0f\t%.2f\t%.2f\t%.1f\t%.1f\t%s\t%s\n", set, run, srv, sc, n / (d / 1e6), p50 / 1000, p99 / 1000,
      (n > 0 ? t * 1e6 / hz / n : 0), rss / 1024, bad, errs }' >> "$TSV"
  tail -n1 "$TSV" | awk -F'\t' '{ printf "   %-10s %-6s %10s req/s  p50 %7s ms  p99 %8s ms  %8s µs/req  %7s MiB  bad %s  errors %s\n", $3, $4, $5, $6, $7, $8, $9, $10, $11 }' >&2
}

json_field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p" "$2"; }
# basic_of FILE USER_FIELD SECRET_FIELD: a Basic authorization header value from a seeder's file
# (empty when the file is absent, i.e. without --baseline).
basic_of() {
  [ -f "$1" ] || return 0
  printf 'Basic %s' "$(printf '%s:%s' "$(json_field "$2" "$1")" "$(json_field "$3" "$1")" | base64 -w0)"
}

# ---- one set -----------------------------------------------------------------------------------
run_set() {
  local backend="${1%%:*}" tokens="${1##*:}"
  local set="$backend-$tokens"
  local dir="$WORK/$set" logs="$RESULTS/$set"
  mkdir -p "$dir" "$logs"
  local url refdb master_key=()
  case "$backend" in
    sqlite) url="sqlite://$dir/grantd.db"; refdb="$url" ;;
    postgres)
      command -v psql >/dev/null || die "psql is required for postgres sets"
      local db="grantd_bench_$$_$tokens"
      psql -q "$PG_URL" -c "CREATE DATABASE $db" >/dev/null
      PG_DBS+=("$db")
      url="${PG_URL%/*}/$db"
      master_key=(--master-key "$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')")
      # The reference server reads SQLite: it gets its own SQLite copy of the same size.
      mkdir -p "$dir/ref"
      say "$set: seeding a SQLite database of $tokens tokens for the reference server"
      "$BIN/seed" --database-url "sqlite://$dir/ref/grantd.db" --tokens "$tokens" --out "$dir/ref" 2>"$logs/seed-ref.log"
      refdb="sqlite://$dir/ref/grantd.db"
      ;;
    *) die "unknown backend in set $1" ;;
  esac
  local base_url=""
  if [ -n "$BASELINE" ]; then
    mkdir -p "$dir/base"
    case "$backend" in
      sqlite) base_url="sqlite://$dir/base/grantd.db" ;;
      postgres)
        local base_db="grantd_bench_$$_${tokens}_base"
        psql -q "$PG_URL" -c "CREATE DATABASE $base_db" >/dev/null
        PG_DBS+=("$base_db")
        base_url="${PG_URL%/*}/$base_db"
        ;;
    esac
    say "$set: seeding the baseline build's own database"
    "$BASELINE/seed" --database-url "$base_url" --tokens "$tokens" --out "$dir/base" 2>"$logs/seed-base.log"
  fi
  say "$set: seeding"
  local t0=$SECONDS
  "$BIN/seed" --database-url "$url" --tokens "$tokens" --out "$dir" 2>"$logs/seed.log"
  say "$set: seeded $tokens tokens in $((SECONDS - t0)) s"
  printf '%s\tseed\t%s\n' "$set" "$((SECONDS - t0))" >> "$RESULTS/seed-times.tsv"

  local cid sec login pw app_auth user_auth
  cid=$(json_field client_id "$dir/app.json"); sec=$(json_field client_secret "$dir/app.json")
  login=$(json_field login "$dir/user.json"); pw=$(json_field password "$dir/user.json")
  app_auth="Basic $(printf '%s' "$cid:$sec" | base64 -w0)"
  user_auth="Basic $(printf '%s' "$login:$pw" | base64 -w0)"
  # reset consumes tokens: round r's warm-up and measured run each take 2,000 of its own 4,000
  # lines at the end of tokens.txt; the other scenarios draw from the lines before those.
  local total; total=$(wc -l < "$dir/tokens.txt")
  local reserved=$((4000 * RUNS))
  [ "$total" -gt "$reserved" ] || die "$set: $total tokens leave none to check beside reset's $reserved"
  local drawn=$((total - reserved))

  # Baselines: the minimal reference server and oidc-provider, on tokens of the same size.
  local bdir="$dir"; [ "$backend" = postgres ] && bdir="$dir/ref"
  local bcid bsec bauth
  bcid=$(json_field client_id "$bdir/app.json"); bsec=$(json_field client_secret "$bdir/app.json")
  bauth="Basic $(printf '%s' "$bcid:$bsec" | base64 -w0)"
  local scenario auth base_auth
  IFS=, read -r -a list <<< "$SCENARIOS"
  for ROUND in $(seq 1 "$RUNS"); do
    RESET_WARM_FROM=$((total - 4000 * ROUND + 1)); RESET_RUN_FROM=$((RESET_WARM_FROM + 2000))
    if [ "$REFERENCES" = 1 ]; then
      say "$set, round $ROUND of $RUNS: reference server"
      start_server reference 8091 "$logs/reference-$ROUND.log" "$BIN/reference" --database-url "$refdb" --listen 127.0.0.1:8091
      measure "$set" reference check 8091 "$logs/reference-check-$ROUND" check "$bdir/tokens.txt" "$bauth" "$bcid" "$drawn"
      stop_server
      say "$set, round $ROUND: oidc-provider"
      start_server oidc-provider 8092 "$logs/oidc-$ROUND.log" node "$HERE/oidc/server.mjs" "$bdir" 8092
      measure "$set" oidc check 8092 "$logs/oidc-check-$ROUND" introspect "$bdir/tokens.txt" "$bauth" "$bcid" "$drawn"
      stop_server
    fi
    for scenario in "${list[@]}"; do
      case "$scenario" in
        check|reset|user) auth="$app_auth"; base_auth="$(basic_of "$dir/base/app.json" client_id client_secret)" ;;
        list|pat) auth="$user_auth"; base_auth="$(basic_of "$dir/base/user.json" login password)" ;;
        *) die "unknown scenario $scenario" ;;
      esac
      if [ -n "$BASELINE" ]; then
        say "$set, round $ROUND: baseline build, $scenario"
        start_server baseline 8093 "$logs/baseline-$scenario-$ROUND.log" \
          "$BASELINE/grantd" --database-url "$base_url" "${master_key[@]}" serve --listen 127.0.0.1:8093 \
          --rate-limit 0 --rate-limit-anonymous 0
        measure "$set" baseline "$scenario" 8093 "$logs/baseline-$scenario-$ROUND" "$scenario" "$dir/base/tokens.txt" \
          "$base_auth" "$(json_field client_id "$dir/base/app.json")" "$drawn"
        stop_server
        gzip -f "$logs/baseline-$scenario-$ROUND.log"
      fi
      local before=""
      if [ "$scenario" = list ] || [ "$scenario" = pat ]; then
        say "$set, round $ROUND: Argon2id verifications on one core before $scenario (grantd's default cost)"
        before="$(argon2_cost "$logs/argon2-$scenario-$ROUND-before.txt")"
      fi
      say "$set, round $ROUND: grantd $scenario"
      start_server grantd 8090 "$logs/grantd-$scenario-$ROUND.log" \
        "$BIN/grantd" --database-url "$url" "${master_key[@]}" serve --listen 127.0.0.1:8090 \
        --rate-limit 0 --rate-limit-anonymous 0
      measure "$set" grantd "$scenario" 8090 "$logs/grantd-$scenario-$ROUND" "$scenario" "$dir/tokens.txt" "$auth" "$cid" "$drawn"
      stop_server
      gzip -f "$logs/grantd-$scenario-$ROUND.log" # a line a request at info: hundreds of MB uncompressed
      if [ -n "$before" ]; then
        say "$set, round $ROUND: Argon2id verifications on one core after $scenario"
        argon2_row "$set" "$scenario" "$before" "$(argon2_cost "$logs/argon2-$scenario-$ROUND-after.txt")"
      fi
    done
  done
}

# argon2_cost OUT: grantd's password verification alone, pinned to the server core, for half a
# run; prints "VERIFICATIONS MICROSECONDS". One verification a request is what bounds the Basic-auth
# scenarios, and this machine's speed drifts by several per cent within minutes, so each of them
# is compared with verifications measured just before and just after it (argon2_row).
argon2_cost() {
  local out="$1"
  taskset -c "$SERVER_CPU" "$BIN/argon2-cost" --seconds "$(( (DURATION + 1) / 2 ))" >"$out" 2>&1 \
    || { cat "$out" >&2; die "argon2-cost failed"; }
  sed -n 's/^BENCH_RESULT verifications=\([0-9]*\) duration_us=\([0-9]*\).*/\1 \2/p' "$out"
}

# argon2_row SET SCENARIO BEFORE AFTER: the row of the Argon2 bound of SCENARIO, from the two
# measurements around it taken together.
argon2_row() {
  local set="$1" scenario="$2" before="$3" after="$4"
  awk -v set="$set" -v run="$ROUND" -v scenario="$scenario" -v b="$before" -v a="$after" 'BEGIN {
    split(b, x, " "); split(a, y, " "); n = x[1] + y[1]; d = x[2] + y[2]
    if (n == 0 || d == 0) { print "bench: no Argon2 figures" > "/dev/stderr"; exit 1 }
    printf "%s\t%s\targon2\t%s\t%.1f\t-\t-\t%.1f\t-\t0\t0\n", set, run, scenario, n / (d / 1e6), d / n }' >> "$TSV" \
    || die "argon2-cost printed no result"
  tail -n1 "$TSV" | awk -F'\t' '{ printf "   %-10s %-6s %10s verifications/s  %8s µs each\n", $3, $4, $5, $8 }' >&2
}

IFS=, read -r -a SET_LIST <<< "$SETS"
for s in "${SET_LIST[@]}"; do run_set "$s"; done

# ---- the table ---------------------------------------------------------------------------------
{
  echo
  echo "grantd benchmark — $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, server on core $SERVER_CPU, wrk -t1 -c$CONNECTIONS on core $CLIENT_CPU, ${DURATION} s after ${WARMUP} s warm-up, $RUNS interleaved round(s)"
  echo "load average at start: $LOAD_START; at end: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews absolute figures; the ratios less so)"
  awk -F'\t' '
    NR == 1 { next }
    { key = $1 SUBSEP $2 SUBSEP $3 SUBSEP $4; rps[key] = $5; rows[++n] = $0 }
    END {
      hdr = "%-16s %3s %-9s %-8s %9s %9s %9s %10s %8s %4s %5s %6s %6s %7s %6s\n"
      printf hdr, "set", "run", "server", "scenario", "req/s", "p50 ms", "p99 ms", "CPU µs/req", "RSS MiB", "bad", "errs", "×ref", "×oidc", "×argon2", "×base"
      for (i = 1; i <= n; i++) {
        split(rows[i], f, "\t")
        r = f[1] SUBSEP f[2] SUBSEP "reference" SUBSEP "check"; o = f[1] SUBSEP f[2] SUBSEP "oidc" SUBSEP "check"
        a = f[1] SUBSEP f[2] SUBSEP "argon2" SUBSEP f[4]
        xr = (rps[r] > 0 && f[3] != "argon2") ? sprintf("%.2f", f[5] / rps[r]) : "-"
        xo = (rps[o] > 0 && f[3] != "argon2") ? sprintf("%.2f", f[5] / rps[o]) : "-"
        xa = (rps[a] > 0 && f[3] == "grantd") ? sprintf("%.2f", f[5] / rps[a]) : "-"
        b = f[1] SUBSEP f[2] SUBSEP "baseline" SUBSEP f[4]
        xb = (rps[b] > 0 && f[3] == "grantd") ? sprintf("%.2f", f[5] / rps[b]) : "-"
        printf hdr, f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10], f[11], xr, xo, xa, xb
      }
    }' "$TSV"
  echo
  echo "CPU µs/req: the server process's user+system time during the measured run ÷ requests (PostgreSQL's own backends not included)."
  echo "bad: answers with the wrong status or body (fail the run); errs: socket errors and timeouts (wrk --timeout 10s)."
  echo "×ref / ×oidc: req/s ÷ the reference server's / oidc-provider's check req/s in the same set and round."
  [ -n "$BASELINE" ] && echo "×base: req/s ÷ the baseline build's (--baseline $BASELINE) req/s for the same scenario in the same set and round."
  echo "argon2 list/pat: grantd's password verification alone on the server core, half a run just before that scenario and half just after"
  echo "(req/s = verifications/s, CPU µs/req = µs each); ×argon2: list/pat req/s ÷ that, i.e. how close the Basic-auth endpoints come to what the Argon2id cost allows."
  [ -f "$RESULTS/seed-times.tsv" ] && awk -F'\t' '{ printf "seeding %s: %s s\n", $1, $3 }' "$RESULTS/seed-times.tsv"
} | tee "$RESULTS/table.txt"
echo "raw figures and logs: $RESULTS" >&2
[ "$FAILED" = 0 ] || die "some measured answers were bad (see above)"
