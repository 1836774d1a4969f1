#!/usr/bin/env bash
# A NUL byte in SQL text is refused with its position (the parser would
# silently stop at it), and the other files are still linted.
. ../input-common/lib.sh
printf 'SELECT 1;\n\nDROP\0 TABLE users;\n' >"$TMP/nul.sql"
printf '\0' >"$TMP/only-nul.sql"
printf 'SELECT 1; -- trailing NUL\n\0' >"$TMP/trailing.sql"
lint_json 1 "$TMP/r.json" "$TMP/nul.sql" "$GOOD" "$TMP/only-nul.sql" "$TMP/trailing.sql"
lint_formats 1 "$TMP/nul.sql" "$GOOD" "$TMP/only-nul.sql" "$TMP/trailing.sql"
check "$TMP/r.json" files:4 \
	"has:$TMP/nul.sql:invalid-input:3:5:NUL byte" \
	"not:$TMP/nul.sql:drop-table" \
	"has:$TMP/only-nul.sql:invalid-input:1:1:NUL byte" \
	"has:$TMP/trailing.sql:invalid-input:2:1:NUL byte"
