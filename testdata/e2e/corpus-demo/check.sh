#!/usr/bin/env bash
# The `make demo` project (testdata/demo) keeps showing what it is meant to
# show: each hazard migration its finding, the safe one nothing.
set -euo pipefail
M=../../demo/prisma/migrations
python3 ../input-common/check.py "$STDOUT" files:6 \
	"has:$M/20240212141500_add_post_author_index/migration.sql:create-index-non-concurrent:2:1" \
	"has:$M/20240304110000_add_categories/migration.sql:add-foreign-key-validated:16:-" \
	"has:$M/20240318163000_tighten_user_and_post/migration.sql:set-not-null:9:1" \
	"has:$M/20240318163000_tighten_user_and_post/migration.sql:alter-column-type:12:-" \
	"count:$M/20240415090000_add_search_indexes/migration.sql:concurrently-in-transaction:2" \
	"not:$M/20240105093000_init/migration.sql:create-index-non-concurrent" \
	"count:$M/20240501100000_add_tags/migration.sql:create-index-non-concurrent:0"
python3 - "$STDOUT" "$M/20240501100000_add_tags/migration.sql" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
safe = [f for f in r["findings"] if f["path"] == sys.argv[2]]
assert not safe, "the safe demo migration has findings: %s" % [(f["rule_id"], f["message"]) for f in safe]
# testdata/demo/package.json pins Prisma 6.19.0: every file is one query
for m in r["migrations"]:
    assert m["runner"]["model"] == "whole", m
    assert m["runner"]["version"] == "6.19.0" and m["runner"]["source"].endswith("package.json range 6.19.0"), m
PY
