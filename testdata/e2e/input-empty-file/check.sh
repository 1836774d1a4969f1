#!/usr/bin/env bash
# Empty, blank and comment-only files: an empty-migration finding each
# (a warning), no syntax error; the good file is still linted.
set -euo pipefail
C=../input-common/check.py
python3 $C "$STDOUT" files:4 \
	"has:empty.sql:empty-migration:1:1" "has:blank.sql:empty-migration:1:1" "has:comments.sql:empty-migration:1:1" \
	"not:empty.sql:syntax-error" "not:comments.sql:syntax-error" "statements:empty.sql:0" \
	"has:../input-common/good.sql:create-index-non-concurrent:2:1"
# Alone, an empty file is a warning: the run passes at the default fail level.
rc=0
"$GK" lint --format json empty.sql >"$TMP/r.json" || rc=$?
[ "$rc" = 0 ] || { echo "FAIL: empty.sql alone exited $rc, expected 0"; exit 1; }
python3 $C "$TMP/r.json" "has:empty.sql:empty-migration:1:1"
