#!/usr/bin/env bash
# Every end-to-end case with gatekeeper under valgrind (memcheck):
#   ci/valgrind-e2e.sh [BUILD [CASE...]]   (make valgrind: build-valgrind)
# Each gatekeeper invocation of a case (its args, and those of its
# check.sh) runs as
#   valgrind --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=97
# Prints per case the invocations (that ended under valgrind), memcheck
# errors and definitely lost bytes, then "valgrind: N passed, N failed";
# the goal is 0 errors and 0 bytes definitely lost everywhere.  A run
# that never ended under valgrind (no summary) fails its case too.  Slow
# (an hour): not part of make check.  Only gatekeeper runs under
# valgrind: not the shell of a case, and not what gatekeeper starts
# (--trace-children=no: initdb, pg_ctl and the PostgreSQL server run
# natively).
#
# GK_E2E_SCALE=10, as in ci/run-asan.sh: the pathological inputs are a
# tenth of their size (memcheck's memmove is a byte loop too, and
# libpg_query's packing of a deep statement is quadratic), so BUILD must
# have a tenth of the depth limit (make valgrind builds build-valgrind so).
set -uo pipefail
build=${1:-build-valgrind}
shift || true
export E2E_CASES="$*"
root=$(cd "$(dirname "$0")/.." && pwd)
command -v valgrind >/dev/null || { echo "valgrind: not installed (apt-get install valgrind)" >&2; exit 2; }
[ -x "$root/$build/gatekeeper" ] || { echo "valgrind: build $build/gatekeeper first (make)" >&2; exit 2; }
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
chmod 755 "$logs"
# In a folder named like the build: a case may read the build's name from
# the path of $GK (make-install does).
mkdir -p "$logs/$(basename "$build")"
wrapper=$logs/$(basename "$build")/gatekeeper
cat >"$wrapper" <<WRAP
#!/bin/sh
# One log per process, named after the case.
exec valgrind --trace-children=no --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=97 \\
	--suppressions="$root/ci/valgrind.supp" \\
	--log-file="$logs/\${GK_E2E_CASE:-unknown}.%p.log" "$root/$build/gatekeeper" "\$@"
WRAP
chmod 755 "$wrapper"
export GK_E2E_SCALE=10
export GK_E2E_TIMEOUT=${GK_E2E_TIMEOUT:-3600}
export GK_E2E_TIMES=1
start=$(date +%s)
GK_WRAPPER=$wrapper "$root/ci/run-e2e.sh" "$build" | sed 's/^/  /'

passed=0 failed=0
for dir in "$root"/testdata/e2e/*/; do
	name=$(basename "$dir")
	[ -f "$dir/args" ] || continue
	[ -n "$E2E_CASES" ] && [[ " $E2E_CASES " != *" $name "* ]] && continue
	runs=0 errors=0 lost=0 unfinished=0
	for log in "$logs/$name".*.log; do
		[ -f "$log" ] || continue
		if ! grep -q '^==[0-9]*== ERROR SUMMARY:' "$log"; then
			# No summary: a child gatekeeper forked that then ran another
			# program (initdb, postgres: not ours to check), or a
			# gatekeeper that never ended under valgrind (SIGKILL, a
			# timeout), which fails the case.
			parent=$(sed -n 's/^==[0-9]*== Parent PID: \([0-9]*\)$/\1/p' "$log")
			[ -f "$logs/$name.$parent.log" ] || unfinished=$((unfinished + 1))
			continue
		fi
		runs=$((runs + 1))
		# ERROR SUMMARY counts definite leaks too (--errors-for-leak-kinds).
		e=$(sed -n 's/^==[0-9]*== ERROR SUMMARY: \([0-9,]*\) errors.*/\1/p' "$log" | tr -d , | awk '{ s += $1 } END { print s + 0 }')
		l=$(sed -n 's/^==[0-9]*== *definitely lost: \([0-9,]*\) bytes.*/\1/p' "$log" | tr -d , | awk '{ s += $1 } END { print s + 0 }')
		errors=$((errors + e))
		lost=$((lost + l))
	done
	if [ "$errors" -eq 0 ] && [ "$lost" -eq 0 ] && [ "$unfinished" -eq 0 ]; then
		passed=$((passed + 1))
		echo "valgrind $name: $runs runs, 0 errors, 0 bytes definitely lost"
	else
		failed=$((failed + 1))
		echo "valgrind $name: $runs runs, $errors errors, $lost bytes definitely lost, $unfinished runs without a summary"
		grep -h -A12 -E '^==[0-9]+== (Invalid|Conditional|Use of|Syscall|Mismatched|Source and|Argument|[0-9,]+ bytes in [0-9,]+ blocks are definitely)' \
			"$logs/$name".*.log | head -80 | sed 's/^/    /'
	fi
done
echo "valgrind: all cases in $(($(date +%s) - start)) s"
echo "valgrind: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
