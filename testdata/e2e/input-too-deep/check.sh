#!/usr/bin/env bash
# A statement nested deeper than GK_SQL_MAX_DEPTH (300,000 protobuf levels;
# 160,000 `+1` terms make 320,007) is refused with a clear invalid-input
# finding at its start instead of being unpacked; the statements around it
# are analysed, and nothing is reported twice.
. ../input-common/lib.sh
python3 -c '
print("SELECT 1;")
print("  SELECT " + "+".join(["1"] * 160000) + ";")
print("DROP TABLE users;")' >"$TMP/deep.sql"
lint_json 1 "$TMP/r.json" "$TMP/deep.sql" "$GOOD"
check "$TMP/r.json" \
	"has:$TMP/deep.sql:invalid-input:2:3:statement nests more than 300000 levels deep" \
	"count:$TMP/deep.sql:invalid-input:1" "not:$TMP/deep.sql:syntax-error" \
	"has:$TMP/deep.sql:drop-table:3:1" "statements:$TMP/deep.sql:2"
