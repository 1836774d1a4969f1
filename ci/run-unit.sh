#!/usr/bin/env bash
# Run every cmocka unit test binary under BUILD/test and count the cases.
# Prints "unit: N passed, N failed" and exits non-zero when any failed.
set -uo pipefail
build=${1:-build}
passed=0 failed=0 broken=0
while IFS= read -r t; do
	out=$("$t" 2>&1)
	rc=$?
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	if [ $rc -ne 0 ] || [ -n "$f" ]; then
		printf '%s\n' "$out" | grep -E 'FAILED|ERROR|error|Error|failure|runtime error|Sanitizer' | head -40
		echo "unit: ${t#"$build"/test/} exited $rc"
		[ -z "$f" ] && broken=$((broken + 1))
	fi
done < <(find "$build/test" -type f -perm -u+x | sort)
failed=$((failed + broken))
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
