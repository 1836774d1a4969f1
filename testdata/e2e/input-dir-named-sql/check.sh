#!/usr/bin/env bash
# A folder named `*.sql` is walked as a folder, both inside a folder given
# as PATH (args) and given directly; it is never "read" as a file.
set -euo pipefail
C=../input-common/check.py
M=migrations/20240201000000_add_index.sql/migration.sql
python3 $C "$STDOUT" files:3 "file:migrations/20240101000000_init/migration.sql" \
	"has:$M:create-index-non-concurrent:2:1" "not:$M:invalid-input" \
	"has:../input-common/good.sql:create-index-non-concurrent:2:1"
rc=0
"$GK" lint --format json migrations/20240201000000_add_index.sql ../input-common/good.sql >"$TMP/r.json" || rc=$?
[ "$rc" = 1 ] || { echo "FAIL: exit $rc"; exit 1; }
python3 $C "$TMP/r.json" files:2 "has:$M:create-index-non-concurrent:2:1" \
	"nofile:migrations/20240201000000_add_index.sql" \
	"has:../input-common/good.sql:create-index-non-concurrent:2:1"
# With a trailing slash too.
rc=0
"$GK" lint --format json migrations/20240201000000_add_index.sql/ >"$TMP/r2.json" || rc=$?
[ "$rc" = 1 ] || { echo "FAIL: exit $rc"; exit 1; }
python3 $C "$TMP/r2.json" files:1 "has:$M:create-index-non-concurrent:2:1"
