#!/usr/bin/env bash
# Interleaved A/B of server builds under the same load, for a VM whose speed drifts between runs: each binary gets a
# fresh data dir and a server on 127.0.0.1, then `trailrunner bench` (ListServices, c=64 unless BENCH_ARGS/C say
# otherwise) for DURATION seconds; printed per run: throughput and the server's CPU per call, split into the store's
# writer thread and every other thread (from /proc/<pid>/task/*/stat around the measured run).
#
#   cargo build --release -p trailrunner --features noop-recorder && cp target/release/trailrunner /tmp/tr-noop
#   cargo build --release -p trailrunner && cp target/release/trailrunner /tmp/tr
#   ROUNDS=3 DURATION=5 scripts/bench-ab.sh /tmp/tr-noop /tmp/tr
#   SERVE_ARGS="--lifecycle-delay 0 --quota services=100000" BENCH_ARGS="--scenario create-delete" C=16 \
#     scripts/bench-ab.sh /tmp/tr-a /tmp/tr-b     # App Runner CreateService/DeleteService pairs
set -euo pipefail
DURATION=${DURATION:-5}
ROUNDS=${ROUNDS:-2}
C=${C:-64}
GEN=${GEN:-$1} # the load generator: the first binary's `bench`
ticks() { # pid -> "writer other" clock ticks
  local w=0 o=0 t name n
  for t in /proc/"$1"/task/*; do
    read -r name < "$t/comm"
    n=$(awk '{print $14 + $15}' "$t/stat")
    if [ "$name" = store-writer ]; then w=$((w + n)); else o=$((o + n)); fi
  done
  echo "$w $o"
}
hz=$(getconf CLK_TCK)
for _ in $(seq "$ROUNDS"); do
  for bin in "$@"; do
    base=$(mktemp -d)
    dir=$base/data
    "$bin" serve --bind 127.0.0.1:0 --data-dir "$dir" --log warn ${SERVE_ARGS:-} > "$base/log" 2>&1 &
    pid=$!
    for _ in $(seq 50); do
      [ -s "$dir/endpoint" ] && grep -q listening "$base/log" && break
      sleep 0.1
    done
    "$GEN" bench --data-dir "$dir" --concurrency "$C" --duration 1 ${BENCH_ARGS:-} > /dev/null
    read -r w0 o0 <<< "$(ticks $pid)"
    out=$("$GEN" bench --data-dir "$dir" --concurrency "$C" --duration "$DURATION" --warmup 0 ${BENCH_ARGS:-})
    read -r w1 o1 <<< "$(ticks $pid)"
    calls=$(echo "$out" | awk '/^requests/ {print $2}')
    rate=$(echo "$out" | awk '/^throughput/ {print $2}')
    echo "$(basename "$bin")  $rate req/s  writer $(( (w1 - w0) * 1000000 / hz / calls )) us/call  other threads $(( (o1 - o0) * 1000000 / hz / calls )) us/call"
    kill "$pid"
    wait "$pid" 2> /dev/null || true
    rm -rf "$base"
  done
done
