#!/usr/bin/env bash
# A statement nested deeper than GK_SQL_MAX_DEPTH (300,000 protobuf levels;
# 160,000 `+1` terms make 320,007) is refused with a clear invalid-input
# finding at its start instead of being unpacked; the statements around it
# are analysed, and nothing is reported twice.  GK_E2E_SCALE (make asan:
# 10) divides the terms and the limit alike: the ASan build's limit is a
# tenth (ci/run-asan.sh; the full size takes half an hour under ASan).
. ../input-common/lib.sh
scale=${GK_E2E_SCALE:-1}
python3 - "$((160000 / scale))" <<'PY' >"$TMP/deep.sql"
import sys
print("SELECT 1;")
print("  SELECT " + "+".join(["1"] * int(sys.argv[1])) + ";")
print("DROP TABLE users;")
PY
lint_json 1 "$TMP/r.json" "$TMP/deep.sql" "$GOOD"
check "$TMP/r.json" \
	"has:$TMP/deep.sql:invalid-input:2:3:statement nests more than $((300000 / scale)) levels deep" \
	"count:$TMP/deep.sql:invalid-input:1" "not:$TMP/deep.sql:syntax-error" \
	"has:$TMP/deep.sql:drop-table:3:1" "statements:$TMP/deep.sql:2"
