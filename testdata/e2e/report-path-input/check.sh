#!/usr/bin/env bash
# A report path that would overwrite an input is refused with exit 2 before
# anything is read or written: an existing .sql file (what the shell puts
# there for `lint --junit db/*.sql`), a file named as an input (also through
# a symlink), a file inside a folder being read, the configuration file.
# An empty report path is a usage error too.
set -uo pipefail
status=0
fail() { echo "FAIL: $*"; status=1; }
cd "$TMP" || exit 1
mkdir -p db other
printf 'SELECT 1;\n' >db/001.sql
printf 'SELECT 2;\n' >db/002.sql
cp db/001.sql other/keep.sql
printf 'paths: [db]\n' >gatekeeper.yml
cp db/001.sql "$TMP/001.orig"

refused() { # WHY ARGS...: exit 2, the message says WHY, db/001.sql untouched
	local why=$1 rc=0
	shift
	"$GK" "$@" >out 2>err || rc=$?
	[ $rc = 2 ] || fail "$*: exit $rc, expected 2"
	grep -q "$why" err || fail "$*: stderr lacks '$why': $(cat err)"
	cmp -s db/001.sql "$TMP/001.orig" || fail "$*: db/001.sql was overwritten"
}
refused "junit db/001.sql is refused: it is an existing SQL file" lint --junit db/*.sql
refused "existing SQL file" lint --json other/keep.sql db/002.sql
refused "existing SQL file" check --json db/001.sql
refused "sarif db/001.sql is refused: it is an existing SQL file" lint --sarif db/*.sql
refused "gitlab db/001.sql is refused: it is an existing SQL file" lint --gitlab db/*.sql
ln -s db/001.sql report.json
refused "one of the files to read" lint --json report.json db/001.sql
refused "inside a migrations folder being read" lint --junit db/report.xml db
[ ! -e db/report.xml ] || fail "db/report.xml was written"
refused "inside a migrations folder being read" lint --json ./db/../db/r.json
refused "the configuration file" lint --json gatekeeper.yml db
refused "wants a file name" lint --json '' db
refused "wants a file name" lint --junit '' db
refused "markdown db/001.sql is refused: it is an existing SQL file" lint --markdown db/*.sql
refused "wants a file name" lint --markdown '' db
refused "wants a file name" status --json '' db

# Paths elsewhere are written as before.
"$GK" lint --json r.json --junit r.xml db >/dev/null 2>err; rc=$?
[ $rc = 0 ] && [ -s r.json ] && [ -s r.xml ] || fail "a report beside the inputs: exit $rc: $(cat err)"
exit $status
