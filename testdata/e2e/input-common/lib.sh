# Sourced by the input-* cases' check.sh (bash): run gatekeeper on a bad
# input together with good.sql and check the report.
set -euo pipefail
common=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
GOOD=$TMP/good.sql
cp "$common/good.sql" "$GOOD"

# lint_json WANT_EXIT OUT ARGS...: `gatekeeper lint --format json ARGS` into
# OUT; fails on any other exit code (a crash is 128+signal) and unless the
# good file's finding is in the report.
lint_json() {
	local want=$1 out=$2 rc=0
	shift 2
	# timeout: a hang (say, on a FIFO) is a failure too (exit 124);
	# GK_E2E_TIMEOUT (seconds) is longer for sanitizer and valgrind runs.
	timeout "${GK_E2E_TIMEOUT:-300}" "$GK" lint --format json "$@" >"$out" 2>"$out.stderr" || rc=$?
	if [ "$rc" != "$want" ]; then
		echo "FAIL: gatekeeper lint $* exited $rc, expected $want"
		head -c 2000 "$out.stderr"
		return 1
	fi
	check "$out" "has:$GOOD:create-index-non-concurrent:2:1"
}

check() { python3 "$common/check.py" "$@"; }

# lint_formats WANT_EXIT ARGS...: the text and JUnit reports of the same run
# exit alike, and the JUnit XML is well-formed (bad bytes must be escaped).
lint_formats() {
	local want=$1 rc
	shift
	for fmt in text junit; do
		rc=0
		timeout "${GK_E2E_TIMEOUT:-300}" "$GK" lint --format "$fmt" "$@" >"$TMP/out.$fmt" 2>"$TMP/err.$fmt" || rc=$?
		if [ "$rc" != "$want" ]; then
			echo "FAIL: gatekeeper lint --format $fmt $* exited $rc, expected $want"
			head -c 2000 "$TMP/err.$fmt"
			return 1
		fi
	done
	python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$TMP/out.junit"
	grep -q 'create-index-non-concurrent' "$TMP/out.text"
}
