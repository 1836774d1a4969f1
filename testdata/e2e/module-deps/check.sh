#!/usr/bin/env bash
# The module dependency test (ci/deps-test.py over the build's objects, the
# table in ci/deps.txt): every edge between modules points down.  Then its
# self-test: the same objects with one made-up upward edge (the sql block
# calling a job) must fail, naming it, or the test could not fail at all.
set -uo pipefail
root=$(cd ../../.. && pwd)
build=$(basename "$(dirname "$GK")")
objs="$root/$build/obj"
[ -d "$objs/src" ] || { echo "SKIP: no objects in $objs (GK is not a build's binary)"; exit 0; }
command -v nm >/dev/null || { echo "SKIP: nm is not installed (binutils)"; exit 0; }
python3 "$root/ci/deps-test.py" "$objs" || exit 1
out=$(python3 "$root/ci/deps-test.py" --fake-edge sql:check "$objs") &&
	{ echo "self-test: an edge sql -> check passed:"; echo "$out"; exit 1; }
grep -q "^deps: sql may not use check:" <<<"$out" ||
	{ echo "self-test: the edge sql -> check was not named:"; echo "$out"; exit 1; }
grep -q "^  sql -> check: 1  NOT ALLOWED$" <<<"$out" ||
	{ echo "self-test: the graph does not show sql -> check:"; echo "$out"; exit 1; }
# And a table that lists a module below one it uses is refused.
printf 'util:\nsql: util check\ncheck: util sql\n' >"$TMP/bad.txt"
python3 "$root/ci/deps-test.py" --table "$TMP/bad.txt" "$objs" >"$TMP/bad.out" 2>&1 &&
	{ echo "self-test: a table with an upward entry was accepted"; exit 1; }
grep -q "sql may use check, which is not listed above it" "$TMP/bad.out" ||
	{ echo "self-test: the upward table entry was not named:"; cat "$TMP/bad.out"; exit 1; }
exit 0
