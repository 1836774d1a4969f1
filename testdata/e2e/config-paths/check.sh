#!/usr/bin/env bash
# With no PATH, `paths` from gatekeeper.yml is linted (relative to the
# file's folder, also when the file is found from a subfolder) and
# `exclude` drops db/down.sql.
set -uo pipefail
status=0

# linted DIR WANT...: `gatekeeper lint` run in DIR lints exactly the files WANT.
linted() {
	local dir=$1 got
	shift
	got=$(cd "$dir" && "$GK" lint --format json 2>"$TMP/err" | python3 -c 'import json, sys
print(" ".join(m["path"] for m in json.load(sys.stdin)["migrations"]))')
	[ "$got" = "$*" ] || { echo "in $dir: linted '$got', expected '$*'"; cat "$TMP/err"; status=1; }
}

grep -q 'db/001_drop.sql:2:1: error: ' "$STDOUT" || { echo "stdout lacks the DROP TABLE in db/001_drop.sql:"; cat "$STDOUT"; status=1; }
grep -q 'down.sql' "$STDOUT" && { echo "the excluded db/down.sql was linted"; status=1; }
linted . db/001_drop.sql
linted db ../db/001_drop.sql

# No PATH and no configuration: the usual usage error.
"$GK" lint --no-config >/dev/null 2>"$TMP/err"; rc=$?
[ "$rc" = 2 ] && grep -q 'name the migration files' "$TMP/err" || { echo "--no-config without PATH: exit $rc"; cat "$TMP/err"; status=1; }
exit $status
