#!/usr/bin/env bash
# The whole test suite, on a fresh machine: lints, Rust tests, then the Python suite that drives the real server
# with boto3 and the AWS CLI (pinned, installed into .venv by this script).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "toolchain"
cargo --version
python3 --version

step "format and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings

step "Rust tests"
cargo test --workspace --locked

step "model drift: the committed generated code matches the pinned models"
cargo run --locked -q -p trailrunner-codegen -- --check

step "Python clients (pinned, in .venv)"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r tests/python/requirements.txt

step "integration suite: boto3 and the AWS CLI against the real binary"
cargo build --locked -p trailrunner
# Test tools: the trail fixture writer and ExternalBuckets from the command line (test_external_buckets.py).
cargo build --locked -p trailrunner -p trailrunner-buckets --examples
export TRAILRUNNER_BIN="$PWD/target/debug/trailrunner"
export TRAILRUNNER_EXAMPLES="$PWD/target/debug/examples"
export PATH="$PWD/.venv/bin:$PATH"
.venv/bin/python -m pytest tests/python -q -p no:cacheprovider --timeout=300
