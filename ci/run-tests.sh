#!/usr/bin/env bash
# Everything `make check` runs after building: unit tests, the fuzz
# regression inputs, then end-to-end cases.  Ends with one summary line
# "N passed, N failed".
set -uo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
out=$(mktemp)
ci/run-unit.sh "$build" | tee "$out"; u=${PIPESTATUS[0]}
ci/run-fuzz-replay.sh "$build" | tee -a "$out"; z=${PIPESTATUS[0]}
ci/run-e2e.sh "$build" | tee -a "$out"; e=${PIPESTATUS[0]}
read -r passed failed < <(awk '/^[a-z0-9]+: [0-9]+ passed, [0-9]+ failed$/ { p += $2; f += $4 } END { print p + 0, f + 0 }' "$out")
rm -f "$out"
echo "check: ${passed:-0} passed, ${failed:-0} failed"
[ "$u" -eq 0 ] && [ "$z" -eq 0 ] && [ "$e" -eq 0 ]
