#!/usr/bin/env bash
# Interleaved A/B of server builds on App Runner reads of real services: each binary gets a fresh data dir and a
# server on 127.0.0.1 (--lifecycle-delay 0), SERVICES services created with boto3 (.venv, which scripts/test.sh
# installs), then `trailrunner bench` for DURATION seconds at concurrency C: DescribeService of the first service
# (OP=describe, the default) or ListServices, which answers all of them in one page (OP=list).
#
#   ROUNDS=3 scripts/bench-services-ab.sh /tmp/tr-a /tmp/tr-b                  # DescribeService, one service
#   OP=list SERVICES=20 ROUNDS=2 scripts/bench-services-ab.sh /tmp/tr-a /tmp/tr-b  # ListServices of 20 services
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-5}
ROUNDS=${ROUNDS:-2}
C=${C:-64}
OP=${OP:-describe}
SERVICES=${SERVICES:-1}
for _ in $(seq "$ROUNDS"); do
  for bin in "$@"; do
    base=$(mktemp -d)
    dir=$base/data
    "$bin" serve --bind 127.0.0.1:0 --data-dir "$dir" --log warn --lifecycle-delay 0 > "$base/log" 2>&1 &
    pid=$!
    for _ in $(seq 50); do
      [ -s "$dir/endpoint" ] && grep -q listening "$base/log" && break
      sleep 0.1
    done
    arn=$(eval "$("$bin" env --data-dir "$dir")" && .venv/bin/python - "$SERVICES" << 'PY'
import sys
import boto3
client = boto3.client("apprunner")
source = {"ImageRepository": {"ImageIdentifier": "public.ecr.aws/aws-containers/hello-app-runner:latest",
                              "ImageRepositoryType": "ECR_PUBLIC"}}
arns = [client.create_service(ServiceName=f"bench-{i:03d}", SourceConfiguration=source)["Service"]["ServiceArn"]
        for i in range(int(sys.argv[1]))]
print(arns[0])
PY
)
    sleep 0.5
    if [ "$OP" = describe ]; then
      args=(--operation apprunner:DescribeService --body "{\"ServiceArn\":\"$arn\"}")
    else
      args=(--operation apprunner:ListServices)
    fi
    "$bin" bench --data-dir "$dir" "${args[@]}" --concurrency "$C" --duration 1 > /dev/null
    out=$("$bin" bench --data-dir "$dir" "${args[@]}" --concurrency "$C" --duration "$DURATION" --warmup 0)
    echo "$(basename "$bin")  $OP ($SERVICES services) c=$C  $(echo "$out" | awk '/^throughput/ {print $2}') req/s" \
      " $(echo "$out" | awk '/^latency/ {print "p50", $3, $4, "p99", $6, $7}')"
    kill "$pid"
    wait "$pid" 2> /dev/null || true
    rm -rf "$base"
  done
done
