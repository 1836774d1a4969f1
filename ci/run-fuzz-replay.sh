#!/usr/bin/env bash
# Replay the fuzz regression inputs (testdata/fuzz/<target>/*) through the
# fuzz targets built with the standalone driver (BUILD/fuzz/<target>; no
# clang needed).  An input passes when its target returns; a crash, a
# sanitizer report or a broken invariant fails it.  A target with no
# input is counted as skipped, with the reason.  Prints
# "fuzz: N passed, N failed, N skipped".
set -uo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
passed=0 failed=0 skipped=0
for dir in testdata/fuzz/*/; do
	t=$(basename "$dir")
	bin=$build/fuzz/$t
	if [ ! -x "$bin" ]; then
		echo "fuzz $t: no target $bin"
		failed=$((failed + 1))
		continue
	fi
	inputs=0
	for f in "$dir"*; do
		[ -f "$f" ] || continue
		inputs=$((inputs + 1))
		if out=$("$bin" "$f" 2>&1); then
			passed=$((passed + 1))
		else
			echo "fuzz $t: $f fails"
			printf '%s\n' "$out" | grep -E 'invariant|ERROR|SUMMARY|runtime error|#[0-3] ' | head -12 | sed 's/^/    /'
			failed=$((failed + 1))
		fi
	done
	if [ $inputs = 0 ]; then
		echo "fuzz $t: SKIP: testdata/fuzz/$t holds no input"
		skipped=$((skipped + 1))
	fi
done
# A target built without a folder of inputs is never replayed: said.
for bin in "$build"/fuzz/*; do
	[ -x "$bin" ] && [ -f "$bin" ] || continue
	t=$(basename "$bin")
	if [ ! -d "testdata/fuzz/$t" ]; then
		echo "fuzz $t: SKIP: no testdata/fuzz/$t folder of inputs"
		skipped=$((skipped + 1))
	fi
done
echo "fuzz: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
