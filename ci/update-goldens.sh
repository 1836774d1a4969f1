#!/usr/bin/env bash
# Regenerate testdata/e2e/*/expected.stdout from the current build, with the
# same normalisation ci/run-e2e.sh applies.  Read the diff before committing:
# the golden files are the specification of the output.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
export GK="$root/$build/gatekeeper" NO_COLOR=1
unset GITHUB_ACTIONS GITHUB_STEP_SUMMARY GITHUB_OUTPUT
for dir in "$root"/testdata/e2e/*/; do
	[ -f "$dir/args" ] && [ -f "$dir/expected.stdout" ] || continue
	( cd "$dir" && eval "\"\$GK\" $(cat args)" 2>/dev/null || true ) |
		sed -E -e 's/"duration_ms": [0-9]+/"duration_ms": 0/' \
			-e 's/ time="[0-9.]+"/ time="0.000"/g' \
			-e 's/ timestamp="[^"]*"/ timestamp="1970-01-01T00:00:00"/g' \
			-e 's/ hostname="[^"]*"/ hostname="host"/g' >"$dir/expected.stdout"
done
git -C "$root" diff --stat -- testdata/e2e
