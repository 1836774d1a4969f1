#!/usr/bin/env bash
# End-to-end cases: each folder testdata/e2e/<case>/ holds
#   args             the gatekeeper command line (shell words), run in the folder
#   expected.exit    the exit code
#   expected.stdout  optional golden standard output (volatile fields normalised)
#   check.sh         optional extra checks, run with $GK set (and $SHARED when present);
#                    a line "SKIP: reason" of its output says a check could not
#                    run here (a tool or ../shared missing): it is shown, and
#                    the case counts as skipped, not passed
# E2E_CASES: only the cases of this space-separated list.
# GK_E2E_TIMEOUT: seconds a case's single gatekeeper run may take (300; the
# sanitizer and valgrind runs are slower).
# GK_E2E_SCALE: divisor of the size of the pathological inputs of the cases
# that read it (1; ci/run-asan.sh says why it sets 10).
# GK_E2E_TIMES=1: print each case's wall time ("e2e NAME: N s").
# Prints "e2e: N passed, N failed, N skipped".
set -uo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
export GK="$root/$build/gatekeeper"
# GK_WRAPPER: a command run instead, with the binary as its first argument
# (ci/valgrind-e2e.sh runs each case under valgrind this way).
[ -n "${GK_WRAPPER:-}" ] && GK="$GK_WRAPPER"
export NO_COLOR=1
# Run as anywhere else inside GitHub Actions too: the cases that test it set these.
unset GITHUB_ACTIONS GITHUB_STEP_SUMMARY GITHUB_OUTPUT
[ -d "$root/../shared" ] && export SHARED="$root/../shared"
# The replay's template cache goes to a folder of this run, never the user's.
# As root the server runs as another user, who must reach it.
XDG_CACHE_HOME=$(mktemp -d) && chmod 755 "$XDG_CACHE_HOME"
export XDG_CACHE_HOME
trap 'rm -rf "$XDG_CACHE_HOME"' EXIT
passed=0 failed=0 skipped=0

normalise() {
	sed -E -e 's/"duration_ms": [0-9]+/"duration_ms": 0/' \
		-e 's/ time="[0-9.]+"/ time="0.000"/g' \
		-e 's/ timestamp="[^"]*"/ timestamp="1970-01-01T00:00:00"/g' \
		-e 's/ hostname="[^"]*"/ hostname="host"/g'
}

for dir in "$root"/testdata/e2e/*/; do
	name=$(basename "$dir")
	[ -f "$dir/args" ] || continue
	[ -n "${E2E_CASES:-}" ] && [[ " $E2E_CASES " != *" $name "* ]] && continue
	export GK_E2E_CASE=$name
	ok=1
	tmp=$(mktemp -d)
	t0=$(date +%s)
	( cd "$dir" && eval "\"\$GK\" $(cat args)" >"$tmp/stdout" 2>"$tmp/stderr" ); rc=$?
	want=$(cat "$dir/expected.exit" 2>/dev/null || echo 0)
	if [ "$rc" != "$want" ]; then
		echo "e2e $name: exit $rc, expected $want"; sed 's/^/    /' "$tmp/stderr" | head -20; ok=0
	fi
	if [ -f "$dir/expected.stdout" ] && ! diff -u "$dir/expected.stdout" <(normalise <"$tmp/stdout") >"$tmp/diff"; then
		echo "e2e $name: standard output differs from expected.stdout"; head -40 "$tmp/diff"; ok=0
	fi
	if [ -x "$dir/check.sh" ] && ! ( cd "$dir" && STDOUT="$tmp/stdout" STDERR="$tmp/stderr" TMP="$tmp" ./check.sh ) >"$tmp/check" 2>&1; then
		echo "e2e $name: check.sh failed"; sed 's/^/    /' "$tmp/check" | head -40; ok=0
	fi
	# A check that could not run says why ("SKIP: ..."): shown and
	# counted, never a silent pass.
	skip=0
	[ -f "$tmp/check" ] && grep -q '^SKIP: ' "$tmp/check" && skip=1
	[ $skip = 1 ] && sed -n "s/^SKIP: /e2e $name: SKIP: /p" "$tmp/check"
	rm -rf "$tmp"
	[ -n "${GK_E2E_TIMES:-}" ] && echo "e2e $name: $(($(date +%s) - t0)) s"
	if [ $ok = 0 ]; then failed=$((failed + 1))
	elif [ $skip = 1 ]; then skipped=$((skipped + 1))
	else passed=$((passed + 1)); fi
done
echo "e2e: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
