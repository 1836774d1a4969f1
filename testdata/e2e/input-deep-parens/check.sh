#!/usr/bin/env bash
# 10,000 nested parentheses overflow the parser's own (bison) stack, which
# PostgreSQL reports as "memory exhausted": a syntax-error finding at the
# parenthesis where it gave up, never a crash; the statements around it are
# still linted.
. ../input-common/lib.sh
python3 -c '
n = 10000
print("SELECT 1;")
print("SELECT " + "(" * n + "1" + ")" * n + ";")
print("SELECT ARRAY" + "[" * n + "1" + "]" * n + ";")
print("SELECT " + "NOT " * n + "true;")
print("DROP TABLE users;")' >"$TMP/deep.sql"
lint_json 1 "$TMP/r.json" "$TMP/deep.sql" "$GOOD"
lint_formats 1 "$TMP/deep.sql" "$GOOD"
check "$TMP/r.json" \
	"has:$TMP/deep.sql:syntax-error:2:-:memory exhausted at or near \"(\"" \
	"has:$TMP/deep.sql:syntax-error:3:-:memory exhausted at or near \"[\"" \
	"has:$TMP/deep.sql:syntax-error:4:-:memory exhausted at or near \"NOT\"" \
	"count:$TMP/deep.sql:syntax-error:3" \
	"has:$TMP/deep.sql:drop-table:5:1" "statements:$TMP/deep.sql:2"
# The column is where bison's 10,000-entry stack ran out, inside the run.
python3 - "$TMP/r.json" <<'PY'
import json, sys
f = [f for f in json.load(open(sys.argv[1]))["findings"] if f["rule_id"] == "syntax-error" and f["line"] == 2][0]
assert 5000 < f["column"] <= 8 + 10000, f
PY
