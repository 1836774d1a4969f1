#!/usr/bin/env bash
# Very long lines: an 800 kB INSERT on one line with a CREATE INDEX after it
# on the same line (its column is exact), and a 3 MB statement, longer than
# the 2 MiB gatekeeper parses, refused with a clear finding while the
# statement after it on the same line is still linted.
. ../input-common/lib.sh
python3 - "$TMP" <<'PY'
import sys
tmp = sys.argv[1]
insert = "INSERT INTO t (a) VALUES " + ",".join(["(1)"] * 200000) + ";"
with open(tmp + "/long.sql", "w") as f:
    f.write("SELECT 1;\n" + insert + " CREATE INDEX users_name_idx ON users (name);\n")
with open(tmp + "/long.col", "w") as f:
    f.write(str(len(insert) + 2))
big = "SELECT '" + "x" * (3 << 20) + "';"
with open(tmp + "/overlong.sql", "w") as f:
    f.write(big + " DROP TABLE users;")
with open(tmp + "/overlong.col", "w") as f:
    f.write(str(len(big) + 2))
PY
lint_json 1 "$TMP/r.json" "$TMP/long.sql" "$GOOD" "$TMP/overlong.sql"
lint_formats 1 "$TMP/long.sql" "$GOOD" "$TMP/overlong.sql"
check "$TMP/r.json" \
	"has:$TMP/long.sql:create-index-non-concurrent:2:$(cat "$TMP/long.col")" \
	"not:$TMP/long.sql:syntax-error" "statements:$TMP/long.sql:3" \
	"has:$TMP/overlong.sql:invalid-input:1:1:bytes is longer than the 2097152 bytes gatekeeper analyses" \
	"has:$TMP/overlong.sql:drop-table:1:$(cat "$TMP/overlong.col")" "statements:$TMP/overlong.sql:1"
# The text report quotes a long line cut short, not megabytes of it.
[ "$(wc -c <"$TMP/out.text")" -lt 20000 ] || { echo "FAIL: text report is $(wc -c <"$TMP/out.text") bytes"; exit 1; }
