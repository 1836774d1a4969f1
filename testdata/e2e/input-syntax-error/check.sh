#!/usr/bin/env bash
# Syntax errors are findings at the exact token, and the statements before
# and after each one (also on the same line) are still linted.
set -euo pipefail
python3 ../input-common/check.py "$STDOUT" files:2 \
	"has:migration.sql:create-index-non-concurrent:2:1" \
	"has:migration.sql:syntax-error:4:44:syntax error at or near \"DEFALT\"" \
	"has:migration.sql:drop-table:7:1" \
	"has:migration.sql:syntax-error:8:49:syntax error at or near \"FROM\"" \
	"has:migration.sql:drop-table:8:55" \
	"count:migration.sql:syntax-error:2" "statements:migration.sql:4" \
	"has:../input-common/good.sql:create-index-non-concurrent:2:1"
