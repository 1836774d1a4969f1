#!/usr/bin/env bash
# Replay the fuzz regression inputs (testdata/fuzz/<target>/*) through the
# fuzz targets built with the standalone driver (BUILD/fuzz/<target>; no
# clang needed).  An input passes when its target returns; a crash, a
# sanitizer report or a broken invariant fails it.  Prints
# "fuzz: N passed, N failed".
set -uo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
passed=0 failed=0
for dir in testdata/fuzz/*/; do
	t=$(basename "$dir")
	bin=$build/fuzz/$t
	if [ ! -x "$bin" ]; then
		echo "fuzz $t: no target $bin"
		failed=$((failed + 1))
		continue
	fi
	for f in "$dir"*; do
		[ -f "$f" ] || continue
		if out=$("$bin" "$f" 2>&1); then
			passed=$((passed + 1))
		else
			echo "fuzz $t: $f fails"
			printf '%s\n' "$out" | grep -E 'invariant|ERROR|SUMMARY|runtime error|#[0-3] ' | head -12 | sed 's/^/    /'
			failed=$((failed + 1))
		fi
	done
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
