#!/usr/bin/env bash
# Paths that do not exist are reported by name in the report (not only on
# standard error), and the other paths are still linted.
set -euo pipefail
python3 ../input-common/check.py "$STDOUT" files:3 \
	"has:does-not-exist.sql:invalid-input:-:-:cannot read file: No such file or directory" \
	"has:no/such/folder/:invalid-input:-:-:cannot read file: No such file or directory" \
	"has:../input-common/good.sql:create-index-non-concurrent:2:1"
