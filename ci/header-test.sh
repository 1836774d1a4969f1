#!/usr/bin/env bash
# Every public header stands alone: for each include/gatekeeper/*.h, a
# translation unit that includes only it (twice, so a missing include
# guard fails too) compiles with -std=c11 -Wall -Wextra -Werror and no
# other flag an embedder might not have (no -D_GNU_SOURCE, no
# pkg-config paths).  A header that leans on what another happened to
# include before it, or on a type it never declares, fails here.
#   ci/header-test.sh [DIR]   DIR holds gatekeeper/*.h (default: include)
# For the project's own include/, the set of public headers must also be
# the one listed below.
# CC: the compiler (cc).  Prints one line per failing header and
# "headers: N passed, N failed"; exits 1 when any failed.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$root/include}
cc=${CC:-cc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
shopt -s nullglob
headers=("$dir"/gatekeeper/*.h)
if [ ${#headers[@]} -eq 0 ]; then
	echo "header-test: no header under $dir/gatekeeper"
	exit 1
fi
for h in "${headers[@]}"; do
	name=gatekeeper/$(basename "$h")
	printf '#include "%s"\n#include "%s"\n' "$name" "$name" >"$tmp/unit.c"
	if "$cc" -std=c11 -Wall -Wextra -Werror -I"$dir" -fsyntax-only "$tmp/unit.c" >"$tmp/out" 2>&1; then
		passed=$((passed + 1))
	else
		echo "header-test: $name does not compile on its own:"
		sed 's/^/    /' "$tmp/out" | head -20
		failed=$((failed + 1))
	fi
done
# The public set itself: only what an embedder calls (the jobs, the lint
# entry, the report and renderers, the configuration, the rule catalogue
# and the types their options name).  Module plumbing belongs in
# src/<module>/<module>.h; a header added here, or gone, is a decision
# to make in this list.  Checked for the project's own folder only.
if [ "$dir" = "$root/include" ]; then
	expected="check.h common.h config.h drift.h gate.h lint.h render.h report.h rules.h snapshot.h stats.h status.h types.h"
	actual=$(for h in "${headers[@]}"; do basename "$h"; done | sort | tr '\n' ' ')
	if [ "${actual% }" != "$expected" ]; then
		echo "header-test: the public headers are: ${actual% }"
		echo "    expected (ci/header-test.sh): $expected"
		failed=$((failed + 1))
	fi
fi
echo "headers: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
