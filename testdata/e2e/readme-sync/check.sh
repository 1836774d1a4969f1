#!/usr/bin/env bash
# README.md's rules table and lint and gate usage are generated from the binary;
# fail when they drift (run ci/update-readme.sh to regenerate).
set -euo pipefail
readme=../../../README.md
section() { sed -n "/<!-- $1:begin -->/,/<!-- $1:end -->/p" "$readme" | sed '1d;$d'; }
diff -u <(section rules) <("$GK" rules --format markdown) || { echo "README rules table is stale: run ci/update-readme.sh"; exit 1; }
diff -u <(section lint-help) <(echo '```'; "$GK" lint --help; echo '```') || { echo "README lint usage is stale: run ci/update-readme.sh"; exit 1; }
diff -u <(section gate-help) <(echo '```'; "$GK" gate --help; echo '```') || { echo "README gate usage is stale: run ci/update-readme.sh"; exit 1; }
# Every rule in the registry is documented by explain.
"$GK" rules | awk '{print $1}' | while read -r id; do
	"$GK" explain "$id" | grep "^Safe recipe: " >/dev/null || { echo "explain $id lacks a recipe"; exit 1; }
done
