#!/usr/bin/env bash
# Syntax newer than the parser (PostgreSQL 15).  With the default target, 15,
# it is a syntax error; with a newer one it is unparsed-statement, a warning.
# Either way the CREATE TABLE ... AS is learnt from its words, so the
# statements after it work on a new table: no lock findings (there were 59
# in Lemmy's whole file).  A ';' left out is an error in every version.
set -euo pipefail
new_table="not:migration.sql:set-not-null not:migration.sql:add-primary-key
	not:migration.sql:add-foreign-key-validated not:migration.sql:add-check-validated
	not:migration.sql:create-index-non-concurrent not:migration.sql:locks-held-across-statements"
# shellcheck disable=SC2086
python3 ../input-common/check.py "$STDOUT" files:2 $new_table \
	"has:migration.sql:syntax-error:11:6:subquery in FROM must have an alias" \
	"count:migration.sql:syntax-error:1" "not:migration.sql:unparsed-statement" \
	"statements:migration.sql:6" "total:migration.sql:7" \
	"has:missing-semicolon.sql:syntax-error:4:5" "summary:6:8"
rc=0
"$GK" lint --no-config --format json --pg-version 17 migration.sql missing-semicolon.sql >"$TMP/17.json" || rc=$?
[ "$rc" -eq 1 ] || { echo "FAIL: exit $rc with --pg-version 17"; exit 1; }
# shellcheck disable=SC2086
python3 ../input-common/check.py "$TMP/17.json" files:2 $new_table \
	"has:migration.sql:unparsed-statement:4:1:creates table comment_actions" \
	"span:migration.sql:unparsed-statement:4:1:31:14" \
	"not:migration.sql:syntax-error" "statements:migration.sql:6" "total:migration.sql:7" \
	"has:missing-semicolon.sql:syntax-error:4:5" "not:missing-semicolon.sql:unparsed-statement" "summary:6:8"
"$GK" lint --no-config --pg-version 17 migration.sql missing-semicolon.sql >"$TMP/17.txt" || true
grep -q ', 6 of 8 statements analysed, ' "$TMP/17.txt" || { echo "FAIL: no coverage in the text report"; tail -1 "$TMP/17.txt"; exit 1; }
