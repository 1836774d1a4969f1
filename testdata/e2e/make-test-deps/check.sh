#!/usr/bin/env bash
# The build tracks the headers a unit test or fuzz target includes (-MMD
# dependency files), not only its .c: make, asked what it would do were a
# test support header changed (-W: nothing is touched), rebuilds the tests
# that include it and not one that does not.
set -uo pipefail
root=$(cd ../../.. && pwd)
build=$(basename "$(dirname "$GK")")
command -v make >/dev/null || { echo "SKIP: no make"; exit 0; }
status=0
fail() { echo "$@"; status=1; }
would_build() { # HEADER TARGET: 0 when make would rebuild TARGET after HEADER changed
	local plan
	plan=$(make -n -C "$root" BUILD="$build" -W "$1" "$build/$2" 2>/dev/null)
	grep -q -- "-o $build/$2 " <<<"$plan"
}
[ -f "$root/$build/test/src/shadow/shadow_test.d" ] || { fail "no dependency file for shadow_test"; exit 1; }
would_build src/shadow/shadow_test_support.h test/src/shadow/shadow_test ||
	fail "shadow_test is not rebuilt when shadow_test_support.h changes"
would_build src/check/check_test_support.h test/src/check/check_test ||
	fail "check_test is not rebuilt when check_test_support.h changes"
would_build src/shadow/shadow_test_support.h test/src/sql/sql_test &&
	fail "sql_test would be rebuilt for a header it does not include"
would_build fuzz/fuzz.h fuzz/url || fail "the fuzz target url is not rebuilt when fuzz/fuzz.h changes"
exit $status
