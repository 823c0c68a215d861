#!/usr/bin/env bash
# Diff our expected outputs with the oracle's, for every data file that has
# an expected output. Test-only; needs node and `npm install` here first.
set -u
here="$(cd "$(dirname "$0")" && pwd)"
data="$here/../data"
status=0
for f in "$data"/*.input.json; do
  exp="${f%.input.json}.expected.json"
  [ -f "$exp" ] || continue
  got="$(node "$here/oracle.mjs" "$f")"
  if ! diff <(echo "$got" | python3 -m json.tool) <(python3 -m json.tool "$exp") >/dev/null; then
    echo "== $(basename "$f"): oracle differs"
    diff <(echo "$got" | python3 -m json.tool) <(python3 -m json.tool "$exp")
    status=1
  fi
done
exit $status
