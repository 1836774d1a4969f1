#!/bin/sh
# update-rule-snapshots.sh [BUILD] - rewrite testdata/rules/<rule-id>.txt,
# the text report of linting each BAD example of each rule, from the
# current rules; then show what changed.  The files are checked by
# BUILD/test/src/rules/snapshot_test (make check): a changed message, lock
# name, position or help shows as a diff of them.  Review it like code and
# commit it with the change that made it.
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
mkdir -p testdata/rules
make --no-print-directory "$build/test/src/rules/snapshot_test" >/dev/null
rm -f testdata/rules/*.txt
GK_UPDATE_RULE_SNAPSHOTS=1 "$build/test/src/rules/snapshot_test" >/dev/null 2>&1 ||
	GK_UPDATE_RULE_SNAPSHOTS=1 "$build/test/src/rules/snapshot_test"
"$build/test/src/rules/snapshot_test" >/dev/null 2>&1 || "$build/test/src/rules/snapshot_test"
if git rev-parse --git-dir >/dev/null 2>&1; then
	git status --short -- testdata/rules
	git diff --stat -- testdata/rules
fi
