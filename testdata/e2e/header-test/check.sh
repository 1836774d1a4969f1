#!/usr/bin/env bash
# Each public header compiles on its own (ci/header-test.sh), and the test
# itself fails on headers that do not: one missing an include, one missing
# its include guard (broken/gatekeeper/), while a good one beside them passes.
set -euo pipefail
root=../../..
command -v "${CC:-cc}" >/dev/null || { echo "SKIP: no C compiler (${CC:-cc})"; exit 0; }
"$root/ci/header-test.sh"
if out=$("$root/ci/header-test.sh" broken 2>&1); then
	echo "header-test passed headers that do not stand alone:"; echo "$out"; exit 1
fi
echo "$out" | grep -q "gatekeeper/uses_size_t.h does not compile on its own" || { echo "uses_size_t.h not named"; echo "$out"; exit 1; }
echo "$out" | grep -q "gatekeeper/no_guard.h does not compile on its own" || { echo "no_guard.h not named"; echo "$out"; exit 1; }
echo "$out" | grep -q "fine.h" && { echo "fine.h reported although it stands alone"; echo "$out"; exit 1; }
echo "$out" | grep -q "^headers: 1 passed, 2 failed$" || { echo "wrong summary"; echo "$out"; exit 1; }
