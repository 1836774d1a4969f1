#!/usr/bin/env bash
# `lint` of a Prisma folder holding a Prisma 8 migration package
# (migration.ts, ops.json, migration.json, no migration.sql): a blocking
# prisma-migration-package finding names the folder, whether the folder is
# detected as Prisma (by its lock file, or by its files without one) or
# given with --layout prisma; the package is never read, its files are no
# stray SQL, and the migration.sql beside it is still linted.
set -euo pipefail
status=0
fail() { echo "FAIL: $*"; status=1; }
cd "$TMP" || exit 1
mk() { # DIR: a Prisma folder with one SQL migration and one package
	mkdir -p "$1/20240101000000_init" "$1/20240201000000_pkg"
	printf 'CREATE TABLE t (id int);\n' >"$1/20240101000000_init/migration.sql"
	printf 'export default {}\n' >"$1/20240201000000_pkg/migration.ts"
	printf '[]\n' >"$1/20240201000000_pkg/ops.json"
}
mk locked && printf 'provider = "postgresql"\n' >locked/migration_lock.toml
mk unlocked
run() { # OUT ARGS...
	local out=$1 rc=0
	shift
	timeout 60 "$GK" lint --no-config --format json "$@" >"$out" 2>"$out.err" || rc=$?
	[ $rc = 1 ] || { fail "lint $*: exit $rc, want 1"; cat "$out.err"; }
}
run a.json locked
run b.json unlocked
run c.json --layout prisma unlocked
for f in a b c; do
	python3 - "$f.json" <<'PY' || status=1
import json, sys
r = json.load(open(sys.argv[1]))
pk = [f for f in r["findings"] if f["rule_id"] == "prisma-migration-package"]
assert len(pk) == 1, (sys.argv[1], pk)
f = pk[0]
assert f["path"].endswith("/20240201000000_pkg"), f["path"]
assert f["severity"] == "error" and f["blocking"], f
assert "not checked: Prisma 8 migration packages are not modelled" in f["message"], f["message"]
paths = {m["path"] for m in r["migrations"]}
assert any(p.endswith("20240101000000_init/migration.sql") for p in paths), paths
assert not [f for f in r["findings"] if f["rule_id"] == "invalid-input"], r["findings"]
PY
done
# --exclude drops it like any other path.
rc=0
timeout 60 "$GK" lint --no-config --format json --exclude 'locked/*_pkg' locked >d.json 2>d.err || rc=$?
grep -q prisma-migration-package d.json && fail "an excluded package was reported"
exit $status
