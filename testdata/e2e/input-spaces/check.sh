#!/usr/bin/env bash
# File and folder names with spaces (langfuse has Prisma folders named
# `... copy`): found, linted and reported under their exact names, in
# every format.
set -euo pipefail
C=../input-common/check.py
M="prisma migrations/20240126184148_new_models copy/migration.sql"
python3 $C "$STDOUT" files:3 \
	"has:$M:create-index-non-concurrent:1:1" \
	"has:drop it now.sql:drop-table:1:1" \
	"has:../input-common/good.sql:create-index-non-concurrent:2:1"
"$GK" lint --format text "prisma migrations" "drop it now.sql" >"$TMP/text" || true
grep -qF "$M:1:1:" "$TMP/text" || { echo "FAIL: text report lacks '$M:1:1:'"; exit 1; }
grep -qF "drop it now.sql:1:1:" "$TMP/text" || { echo "FAIL: text report lacks 'drop it now.sql:1:1:'"; exit 1; }
"$GK" lint --format junit "prisma migrations" "drop it now.sql" >"$TMP/junit.xml" || true
python3 - "$TMP/junit.xml" "$M" <<'PY'
import sys, xml.etree.ElementTree as E
text = E.tostring(E.parse(sys.argv[1]).getroot(), encoding="unicode")
assert sys.argv[2] in text and "drop it now.sql" in text, text[:2000]
PY
