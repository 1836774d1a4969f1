#!/usr/bin/env bash
# Everything `make check` runs after building: unit tests, the fuzz
# regression inputs, then end-to-end cases.  Ends with the skipped tests and
# why (each part prints "NAME: SKIP: reason" lines), then one summary line
# "check: N passed, N failed, N skipped".
#   ci/run-tests.sh [--quick] [BUILD]
# --quick (make quick): only the unit tests that need no PostgreSQL server
# and no git (ci/run-unit.sh says how a test declares its needs) and the
# fuzz regression inputs; the summary line starts with "quick:".
set -uo pipefail
what=check
unit_args=()
if [ "${1:-}" = --quick ]; then
	what=quick
	unit_args=(--quick)
	shift
fi
build=${1:-build}
cd "$(dirname "$0")/.."
out=$(mktemp)
trap 'rm -f "$out"' EXIT
start=$(date +%s)
# The full run checks that the tests declaring no needs start no server
# and no git (under strace; ci/run-asan.sh turns it off, LeakSanitizer does
# not run under ptrace).
[ $what = check ] && export GK_UNIT_TRACE=${GK_UNIT_TRACE:-1}
ci/run-unit.sh "${unit_args[@]}" "$build" | tee "$out"; u=${PIPESTATUS[0]}
ci/run-fuzz-replay.sh "$build" | tee -a "$out"; z=${PIPESTATUS[0]}
e=0
if [ $what = check ]; then
	ci/run-e2e.sh "$build" | tee -a "$out"; e=${PIPESTATUS[0]}
fi
read -r passed failed skipped < <(awk '/^[a-z0-9]+: [0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$/ { p += $2; f += $4; s += $6 }
	END { print p + 0, f + 0, s + 0 }' "$out")
if grep -q ': SKIP' "$out"; then
	echo "$what: skipped, and why:"
	grep ': SKIP' "$out" | sed 's/^/  /'
fi
echo "$what: ${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped ($(($(date +%s) - start)) s)"
[ "$u" -eq 0 ] && [ "$z" -eq 0 ] && [ "$e" -eq 0 ]
