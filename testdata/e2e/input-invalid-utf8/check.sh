#!/usr/bin/env bash
# Invalid UTF-8 (a stray byte, an overlong encoding, a UTF-16 surrogate, a
# sequence cut off at the end of the file) is refused with its position,
# and the other files of the run are still linted.
. ../input-common/lib.sh
printf 'SELECT 1;\nSELECT \xff;\n' >"$TMP/stray.sql"
printf 'SELECT 1;\n\n  SELECT \xc0\xaf;\n' >"$TMP/overlong.sql"
printf 'SELECT 1; SELECT \xed\xa0\x80;\n' >"$TMP/surrogate.sql"
printf 'SELECT 1;\n-- \xc3\xa9t\xc3' >"$TMP/truncated.sql"
lint_json 1 "$TMP/r.json" "$TMP/stray.sql" "$GOOD" "$TMP/overlong.sql" "$TMP/surrogate.sql" "$TMP/truncated.sql"
lint_formats 1 "$TMP/stray.sql" "$GOOD" "$TMP/overlong.sql" "$TMP/surrogate.sql" "$TMP/truncated.sql"
check "$TMP/r.json" files:5 \
	"has:$TMP/stray.sql:invalid-input:2:8:not valid UTF-8 (byte 0xff at offset 17)" \
	"has:$TMP/overlong.sql:invalid-input:3:10:not valid UTF-8 (byte 0xc0" \
	"has:$TMP/surrogate.sql:invalid-input:1:18:not valid UTF-8 (byte 0xed" \
	"has:$TMP/truncated.sql:invalid-input:2:6:not valid UTF-8 (byte 0xc3" \
	"count:$TMP/stray.sql:invalid-input:1" "not:$TMP/stray.sql:syntax-error"
