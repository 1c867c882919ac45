#!/usr/bin/env bash
# Runs the fuzz targets one after the other (never in parallel), each for SECONDS (default 300),
# with its dictionary when dicts/TARGET.dict exists. Logs go to target/fuzz-logs/TARGET.log,
# each line prefixed with the seconds elapsed, so a plateau of `cov:` can be seen.
#   fuzz/run-all.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-300}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(RUSTC_BOOTSTRAP=1 cargo fuzz list)
fi
mkdir -p target/fuzz-logs
status=0
for t in "${targets[@]}"; do
    args=(-max_total_time="$secs" -rss_limit_mb=2048 -print_final_stats=1)
    [ -f "dicts/$t.dict" ] && args+=(-dict="dicts/$t.dict")
    echo "== $t (${secs}s)"
    start=$SECONDS
    set +e
    RUSTC_BOOTSTRAP=1 cargo fuzz run "$t" -- "${args[@]}" 2>&1 |
        while IFS= read -r line; do printf '%4d %s\n' $((SECONDS - start)) "$line"; done >"target/fuzz-logs/$t.log"
    rc=${PIPESTATUS[0]}
    set -e
    [ "$rc" -ne 0 ] && { echo "   FAILED (exit $rc): see target/fuzz-logs/$t.log and artifacts/$t/"; status=1; }
    # The last coverage line, when coverage last grew, and the run's totals.
    grep -E '[[:space:]](NEW|REDUCE|pulse|DONE)[[:space:]]' "target/fuzz-logs/$t.log" | tail -1 | sed 's/^/   last: /' || true
    awk '$3=="NEW"{for(i=1;i<=NF;i++) if($i=="cov:" && $(i+1)!=c){c=$(i+1); at=$1}} END{if(at!="") print "   cov last grew at " at "s to " c}' \
        "target/fuzz-logs/$t.log"
    grep -E 'stat::number_of_executed_units|Done [0-9]+ runs' "target/fuzz-logs/$t.log" | sed 's/^/   /' || true
done
exit $status
