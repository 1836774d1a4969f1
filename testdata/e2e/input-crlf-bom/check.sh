#!/usr/bin/env bash
# A file with a UTF-8 byte order mark and CRLF line ends, multi-byte
# identifiers, a syntax error (so it is parsed statement by statement) and
# no newline at the end: every position is exact, in code points, and the
# BOM is not a column.
. ../input-common/lib.sh
printf '\xef\xbb\xbf-- BOM and CRLF\r\nCREATE TABLE "caf\xc3\xa9" (id bigint);\r\n\r\n  CREATE INDEX "idx_\xc3\xa9" ON users (email);\r\nSELEC 1;\r\nDROP TABLE "na\xc3\xafve"; DROP TABLE users;' >"$TMP/crlf.sql"
# The same without the syntax error: parsed in one piece.
sed 's/^SELEC 1;\r$/SELECT 1;\r/' "$TMP/crlf.sql" >"$TMP/crlf-ok.sql"
lint_json 1 "$TMP/r.json" "$TMP/crlf.sql" "$GOOD" "$TMP/crlf-ok.sql"
lint_formats 1 "$TMP/crlf.sql" "$GOOD" "$TMP/crlf-ok.sql"
for f in crlf crlf-ok; do
	check "$TMP/r.json" \
		"span:$TMP/$f.sql:create-index-non-concurrent:4:3:4:39" \
		"span:$TMP/$f.sql:drop-table:6:1:6:18" \
		"span:$TMP/$f.sql:drop-table:6:21:6:36"
done
check "$TMP/r.json" "span:$TMP/crlf.sql:syntax-error:5:1:5:1" "statements:$TMP/crlf.sql:4" \
	"not:$TMP/crlf-ok.sql:syntax-error" "statements:$TMP/crlf-ok.sql:5"
# The statement text in the report has no BOM and no CR.
python3 - "$TMP/r.json" "$TMP/crlf.sql" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
sqls = [f["sql"] for f in r["findings"] if f["path"] == sys.argv[2] and f.get("sql")]
assert 'CREATE INDEX "idx_\u00e9" ON users (email)' in sqls, sqls
assert not any("\r" in s or "\ufeff" in s for s in sqls), sqls
PY
