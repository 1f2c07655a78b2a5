#!/usr/bin/env bash
# The benchmark figures of BENCHMARKS.md, reproducibly: release builds (with and without the recorder), a server
# on 127.0.0.1 with a fresh data dir, `trailrunner bench` at concurrency 1 and 64, the generator's own ceiling,
# the yardstick of the recording goal, wrk replaying one signed request, and LookupEvents latency over a large
# Event history.
#
#   scripts/bench.sh              # everything except the large-history part and App Runner
#   scripts/bench.sh apprunner    # DescribeService and CreateService/DeleteService pairs (needs .venv's AWS CLI,
#                                 # which scripts/test.sh installs)
#   BIG_DIR=/tmp/big10m scripts/bench.sh lookup   # LookupEvents over a data dir filled by the fill_events example:
#       cargo run --release -p trailrunner-server --example fill_events -- /tmp/big10m 10000000
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
OUT=${OUT:-target/bench}
mkdir -p "$OUT"

build() {
  cargo build --release --locked -p trailrunner --features noop-recorder -q
  cp target/release/trailrunner "$OUT/trailrunner-noop"
  cargo build --release --locked -p trailrunner -q
  cp target/release/trailrunner "$OUT/trailrunner"
}

# start BIN DIR [SERVE ARGS…]: a server on a free port
start() {
  local bin=$1 dir=$2; shift 2
  "$bin" serve --bind 127.0.0.1:0 --data-dir "$dir" --log warn "$@" > "$dir.log" 2>&1 &
  echo $! > "$dir.pid"
  for _ in $(seq 50); do
    [ -s "$dir/endpoint" ] && grep -q listening "$dir.log" && break
    sleep 0.1
  done
}
stop() { kill "$(cat "$1.pid")" 2>/dev/null || true; wait "$(cat "$1.pid")" 2>/dev/null || true; }

run() { # label, args...
  local label=$1; shift
  printf '\n### %s\n' "$label"
  "$OUT/trailrunner" bench --duration "$DURATION" "$@" | grep -E 'requests|throughput|latency|first error'
}

case "${1:-all}" in
all)
  build
  echo "machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB, $(uname -r); $(date -u +%Y-%m-%d)"
  run "generator ceiling (built-in trivial server), c=64" --trivial --concurrency 64
  run "yardstick (built-in: SigV4 check + one row group-committed to SQLite, synchronous=FULL), c=64" \
    --yardstick --concurrency 64
  for variant in trailrunner-noop trailrunner; do
    dir=$(mktemp -d)/data
    start "$OUT/$variant" "$dir"
    run "$variant: apprunner:ListServices c=1" --data-dir "$dir" --concurrency 1
    run "$variant: apprunner:ListServices c=64" --data-dir "$dir" --concurrency 64
    run "$variant: sts:GetCallerIdentity c=64" --data-dir "$dir" --operation sts:GetCallerIdentity --concurrency 64
    "$OUT/trailrunner" bench --data-dir "$dir" --emit-wrk "$OUT/list.lua" 2>/dev/null
    printf '\n### %s: wrk -t2 -c64 replaying one signed ListServices\n' "$variant"
    wrk -t2 -c64 -d"${DURATION}s" -s "$OUT/list.lua" "$(cat "$dir/endpoint")" | grep -E 'Requests/sec|Latency|Non-2xx'
    stop "$dir"
  done
  ;;
apprunner)
  build
  echo "machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB, $(uname -r); $(date -u +%Y-%m-%d)"
  dir=$(mktemp -d)/data
  start "$OUT/trailrunner" "$dir" --lifecycle-delay 0 --quota services=100000
  arn=$(eval "$("$OUT/trailrunner" env --data-dir "$dir")" && .venv/bin/aws apprunner create-service \
    --service-name describe-bench --query Service.ServiceArn --output text --source-configuration \
    '{"ImageRepository":{"ImageIdentifier":"public.ecr.aws/aws-containers/hello-app-runner:latest","ImageRepositoryType":"ECR_PUBLIC"}}')
  sleep 1
  run "apprunner:ListServices c=64 (yardstick)" --data-dir "$dir" --concurrency 64
  run "apprunner:DescribeService c=1" --data-dir "$dir" --operation apprunner:DescribeService \
    --body "{\"ServiceArn\":\"$arn\"}" --concurrency 1
  run "apprunner:DescribeService c=64" --data-dir "$dir" --operation apprunner:DescribeService \
    --body "{\"ServiceArn\":\"$arn\"}" --concurrency 64
  for c in 1 16 64; do
    printf '\n### CreateService/DeleteService pairs c=%s (--lifecycle-delay 0)\n' "$c"
    "$OUT/trailrunner" bench --duration "$DURATION" --data-dir "$dir" --scenario create-delete --concurrency "$c" \
      | grep -E 'requests|latency|pairs|first error'
  done
  stop "$dir"
  ;;
lookup)
  [ -x "$OUT/trailrunner" ] || build
  dir=${BIG_DIR:?set BIG_DIR to a filled data dir}
  start "$OUT/trailrunner" "$dir"
  now=$(date +%s)
  run "LookupEvents EventName=DescribeService, 50 results, c=1" --data-dir "$dir" --operation cloudtrail:LookupEvents \
    --concurrency 1 --body '{"LookupAttributes":[{"AttributeKey":"EventName","AttributeValue":"DescribeService"}],"MaxResults":50}'
  run "LookupEvents Username=user7 in a one-day window 30 days ago, c=1" --data-dir "$dir" --operation cloudtrail:LookupEvents \
    --concurrency 1 --body "{\"LookupAttributes\":[{\"AttributeKey\":\"Username\",\"AttributeValue\":\"user7\"}],\"StartTime\":$((now-31*86400)),\"EndTime\":$((now-30*86400)),\"MaxResults\":50}"
  run "LookupEvents time range (one day, 30 days ago), 50 results, c=1" --data-dir "$dir" --operation cloudtrail:LookupEvents \
    --concurrency 1 --body "{\"StartTime\":$((now-31*86400)),\"EndTime\":$((now-30*86400)),\"MaxResults\":50}"
  run "LookupEvents no filter (newest 50), c=1" --data-dir "$dir" --operation cloudtrail:LookupEvents \
    --concurrency 1 --body '{"MaxResults":50}'
  stop "$dir"
  db="$dir/trailrunner.db"
  events=$(sqlite3 "file:$db?mode=ro" 'select count(*) from events')
  bytes=$(( $(stat -c %s "$db") + $(stat -c %s "$db-wal" 2>/dev/null || echo 0) ))
  echo; echo "### store size: $events events, $bytes bytes on disk, $((bytes / events)) bytes per event"
  ;;
esac
