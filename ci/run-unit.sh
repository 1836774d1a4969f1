#!/usr/bin/env bash
# Run the cmocka unit test binaries under BUILD/test and count the cases.
#   ci/run-unit.sh [--quick] [BUILD]
# --quick: only the tests that need no PostgreSQL server and no git (make
# quick).  A test source declares what it needs on a line of its own:
#   /* test needs: postgres git */      (either word or both)
# and a test without that line must need neither: GK_UNIT_TRACE=1 (set by
# ci/run-tests.sh, so by make check) runs each such test under strace and
# fails it when it starts a program of PostgreSQL or git, or connects to a
# PostgreSQL socket, so the list cannot drift from what the tests do.
# Without strace that check says SKIP with the reason.
#
# A skipped test is counted and named with its reason: the "SKIP: reason"
# line gk_test_skip() (src/util/skip_test_support.h) prints before cmocka's
# "[  SKIPPED ]"; a skip that gives no reason fails.  A part of a test that
# could not run ("SKIP part: reason") is named too.
# GK_UNIT_TIMES=1: print each binary's wall time ("unit NAME: N s").
# GK_UNIT_TIMEOUT: seconds a test binary may take (900; the slowest takes
# 30 s to a few minutes, sanitized): one that deadlocks fails, named, instead
# of holding the whole run until CI's own limit.
# Prints "unit: N passed, N failed, N skipped" and exits non-zero when any
# failed.
set -uo pipefail
quick=0
if [ "${1:-}" = --quick ]; then
	quick=1
	shift
fi
build=${1:-build}
cd "$(dirname "$0")/.."
# The programs a test that needs neither may not start.
forbidden='initdb|postgres|pg_ctl|pg_ctlcluster|psql|pg_dump|createdb|git'

needs() {  # needs <binary>: the words of its source's "test needs:" line
	local src=${1#"$build"/test/}.c
	sed -n 's|^/\* test needs: \([a-z ]*\) \*/$|\1|p' "$src" 2>/dev/null | head -1
}

limit=${GK_UNIT_TIMEOUT:-900}
trace=${GK_UNIT_TRACE:-0}
if [ "$trace" = 1 ] && ! command -v strace >/dev/null; then
	echo "unit: SKIP: strace is not installed (ci/install-deps.sh installs it): the tests that declare no needs are not checked for starting a server or git"
	trace=0
elif [ "$trace" = 1 ] && ! strace -f -qq -o /dev/null true 2>/dev/null; then
	echo "unit: SKIP: strace cannot trace here (ptrace not permitted): the tests that declare no needs are not checked for starting a server or git"
	trace=0
fi
# Stop only at the traced calls where strace can (its --seccomp-bpf).
strace_opts=(-f -qq -e trace=execve,connect)
[ "$trace" = 1 ] && strace --seccomp-bpf -f -qq -o /dev/null true 2>/dev/null && strace_opts+=(--seccomp-bpf)

# What the trace of a test that declares no needs shows it did that it
# should not: programs started, PostgreSQL sockets connected to.
traced_misdeeds() {  # traced_misdeeds <strace log>
	{
		sed -nE 's/.*execve\("([^"]*\/)?([^"/]*)".*= 0$/\2/p' "$1" | grep -Ex "$forbidden" | sed 's/^/started /'
		grep -o 'connect(.*\.s\.PGSQL\.[0-9]*' "$1" | sed 's/.*sun_path="\{0,1\}/connected to /'
	} | sort -u
}

passed=0 failed=0 broken=0 skipped=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
while IFS= read -r t; do
	name=${t#"$build"/test/}
	# A binary left in the build folder by a test since moved or removed
	# runs stale code: it is neither run nor counted.
	[ -f "$name.c" ] || continue
	n=$(needs "$t")
	[ $quick = 1 ] && [ -n "$n" ] && continue
	t0=$(date +%s)
	if [ "$trace" = 1 ] && [ -z "$n" ]; then
		timeout -k 10 "$limit" strace "${strace_opts[@]}" -o "$tmp/trace" "$t" >"$tmp/out" 2>"$tmp/err"
	else
		timeout -k 10 "$limit" "$t" >"$tmp/out" 2>"$tmp/err"
	fi
	rc=$?
	[ $rc -eq 124 ] || [ $rc -eq 137 ] && echo "unit: $name: stopped after $limit s (GK_UNIT_TIMEOUT)"
	[ -n "${GK_UNIT_TIMES:-}" ] && echo "unit $name: $(($(date +%s) - t0)) s"
	out=$(cat "$tmp/out" "$tmp/err")
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	s=$(printf '%s\n' "$out" | sed -n 's/^\[  SKIPPED \] \([0-9]*\) test(s), listed below:/\1/p' | tail -1)
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	skipped=$((skipped + ${s:-0}))
	if [ $rc -ne 0 ] || [ -n "$f" ]; then
		printf '%s\n' "$out" | grep -E 'FAILED|ERROR|error|Error|failure|runtime error|Sanitizer' | head -40
		echo "unit: $name exited $rc"
		[ -z "$f" ] && broken=$((broken + 1))
	fi
	# Each skipped test with its reason (cmocka prints its own lines and
	# print_message() on standard output, so they are in order there).
	awk -v bin="$name" '
		/^\[ RUN      \] / { cur = substr($0, 14); why = ""; next }
		/^SKIP: / { why = substr($0, 7); next }
		/^SKIP part: / { print "unit: " bin (cur != "" ? "/" cur : "") ": SKIP part: " substr($0, 12); next }
		/^\[  SKIPPED \] / && substr($0, 14) == cur {
			print "unit: " bin "/" cur ": SKIP: " (why != "" ? why : "no reason given")
			if (why == "") bad++
			cur = ""
		}
		END { exit bad > 0 }' "$tmp/out" || {
		echo "unit: $name: a test skipped without saying why (use gk_test_skip)"
		broken=$((broken + 1))
	}
	if [ "$trace" = 1 ] && [ -z "$n" ]; then
		misdeeds=$(traced_misdeeds "$tmp/trace")
		if [ -n "$misdeeds" ]; then
			echo "unit: $name declares no 'test needs:' line but $(printf '%s\n' "$misdeeds" | head -5 | paste -sd, - | sed 's/,/, /g')"
			broken=$((broken + 1))
		fi
	fi
done < <(find "$build/test" -type f -perm -u+x | sort)
failed=$((failed + broken))
echo "unit: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
