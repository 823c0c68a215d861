#!/usr/bin/env bash
# Differential test of our IAM evaluator against @cloud-copilot/iam-simulate
# (test-only, never shipped). One command for CI:
#   bash providers/aws/tests/oracle/run.sh [count] [seed]
# Needs node >= 18, npm (registry access for `npm ci`) and cargo.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../../.." && pwd)"
count="${1:-3200}"
seed="${2:-20260415}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

(cd "$here" && npm ci --no-audit --no-fund --silent)
node "$here/gen-cases.mjs" "$count" "$seed" >"$work/cases.jsonl"
(cd "$root" && BLASTRADIUS_ORACLE_CASES="$work/cases.jsonl" BLASTRADIUS_ORACLE_OURS="$work/ours.jsonl" \
  cargo test -q --workspace --all-features --test oracle -- --nocapture >"$work/cargo.log" 2>&1) || {
  cat "$work/cargo.log"
  exit 1
}
node "$here/compare.mjs" "$work/cases.jsonl" "$work/ours.jsonl" "${ORACLE_MIN_AGREEMENT:-99.5}"
