#!/usr/bin/env bash
# Every public header stands alone: for each include/gatekeeper/*.h, a
# translation unit that includes only it (twice, so a missing include
# guard fails too) compiles with -std=c11 -Wall -Wextra -Werror and no
# other flag an embedder might not have (no -D_GNU_SOURCE, no
# pkg-config paths).  A header that leans on what another happened to
# include before it, or on a type it never declares, fails here.
#   ci/header-test.sh [DIR]   DIR holds gatekeeper/*.h (default: include)
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
echo "headers: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
