#!/usr/bin/env bash
# One repository with a dbmate, a golang-migrate, a Flyway and a diesel
# folder (a monorepo): `gatekeeper check` reads each in its layout, lints
# only what the change adds with the tool's runner, never a down section
# or down file, and reports the history findings of each folder.  Then
# `gatekeeper lint` of the same folders: up sections only, tool order.
set -uo pipefail
export HOME="$TMP" GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=dev GIT_AUTHOR_EMAIL=dev@example.com \
	GIT_COMMITTER_NAME=dev GIT_COMMITTER_EMAIL=dev@example.com
unset GITHUB_BASE_REF GIT_DIR GIT_WORK_TREE
git init -q -b main "$TMP/repo" && cd "$TMP/repo" || exit 1
put() { mkdir -p "$(dirname "$1")" && printf '%b' "$2" >"$1"; }
put dbmate/20240101000000_init.sql '-- migrate:up\nCREATE TABLE users (id bigint PRIMARY KEY, email text);\n\n-- migrate:down\nDROP TABLE users;\n'
put golang/0001_init.up.sql 'CREATE TABLE users (id bigint PRIMARY KEY, email text);\n'
put golang/0001_init.down.sql 'DROP TABLE users;\n'
put flyway/V1__init.sql 'CREATE TABLE users (id bigint PRIMARY KEY, email text);\n'
put flyway/V1_2__more.sql 'ALTER TABLE users ADD COLUMN name text;\n'
put diesel/2024-01-01-000000_init/up.sql 'CREATE TABLE users (id bigint PRIMARY KEY, email text);\n'
put diesel/2024-01-01-000000_init/down.sql 'DROP TABLE users;\n'
git add -A && git commit -qm init
git switch -qc feature
# dbmate: CONCURRENTLY outside a transaction (transaction:false), a down section that is not SQL.
put dbmate/20240201000000_index_email.sql '-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n\n-- migrate:down\nthis is not sql\n'
# golang-migrate: one Exec, one implicit transaction: CONCURRENTLY next to another statement fails.
put golang/0002_index.up.sql 'SET lock_timeout = '"'"'2s'"'"';\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n'
put golang/0002_index.down.sql 'DROP TABLE users;\n'
put golang/0002_dup.up.sql 'SELECT 1;\n'
# Flyway: 1.1 sorts before 1.2, the newest on the base.
put flyway/V1_1__late.sql 'SELECT 1;\n'
put flyway/notes.txt 'not a migration\n'
# diesel: the base migration edited.
put diesel/2024-01-01-000000_init/up.sql 'CREATE TABLE users (id bigint PRIMARY KEY, email text, name text);\n'
git add -A && git commit -qm "four folders"

"$GK" check --no-config --base main --json "$TMP/r.json" dbmate golang flyway diesel >"$TMP/out" 2>"$TMP/err"
rc=$?
status=0
[ $rc = 1 ] || { echo "check: exit $rc, expected 1"; cat "$TMP/err" "$TMP/out"; status=1; }
python3 - "$TMP/r.json" <<'PY' || status=1
import json, sys
doc = json.load(open(sys.argv[1]))
mig = {m["path"]: m for m in doc["migrations"]}
problems = []
def want(cond, what):
    if not cond:
        problems.append(what)
def rules(path):
    return sorted(f["rule_id"] for f in doc["findings"] if f["path"] == path)
d = mig.get("dbmate/20240201000000_index_email.sql", {})
# dbmate sends a transaction:false section with one Exec: one query (whole)
want(d.get("runner", {}).get("model") == "whole" and d.get("statements") == 1, f"dbmate transaction:false: {d}")
want(rules("dbmate/20240201000000_index_email.sql") == [], f"dbmate: {rules('dbmate/20240201000000_index_email.sql')}")
g = mig.get("golang/0002_index.up.sql", {})
want(g.get("runner", {}).get("model") == "whole", f"golang-migrate runner: {g}")
want("concurrently-in-transaction" in rules("golang/0002_index.up.sql"), "golang-migrate: one implicit transaction")
want(not any(p.endswith(".down.sql") for p in mig), "down files are not migrations")
want(rules("golang/0002_dup.up.sql") == ["duplicate-version"], f"golang dup: {rules('golang/0002_dup.up.sql')}")
want("out-of-order-migration" in rules("flyway/V1_1__late.sql"), "flyway out of order")
want(mig.get("flyway/V1_1__late.sql", {}).get("runner", {}).get("model") == "per-file", "flyway runner")
want(rules("flyway/notes.txt") == ["stray-file"], "flyway stray file")
want("modified-migration" in rules("diesel/2024-01-01-000000_init/up.sql"), "diesel modified")
want(not any(f["rule_id"] in ("syntax-error", "drop-table") for f in doc["findings"]), "down SQL linted")
want(not any(m.startswith("golang/0001") or m == "flyway/V1__init.sql" for m in mig), "unchanged migrations listed")
for p in problems:
    print("check-layouts:", p)
sys.exit(1 if problems else 0)
PY

# lint of the same folders: every migration of each layout (not only the change), up parts only.
"$GK" lint --no-config --format json dbmate golang diesel flyway >"$TMP/lint.json" 2>"$TMP/err"
rc=$?
[ $rc = 1 ] || { echo "lint: exit $rc, expected 1"; cat "$TMP/err"; status=1; }
python3 - "$TMP/lint.json" <<'PY' || status=1
import json, sys
doc = json.load(open(sys.argv[1]))
paths = [m["path"] for m in doc["migrations"]]
want = ["dbmate/20240101000000_init.sql", "dbmate/20240201000000_index_email.sql",
        "golang/0001_init.up.sql", "golang/0002_dup.up.sql", "golang/0002_index.up.sql",
        "diesel/2024-01-01-000000_init/up.sql",
        "flyway/V1__init.sql", "flyway/V1_1__late.sql", "flyway/V1_2__more.sql"]
assert paths == want, paths
bad = [f for f in doc["findings"] if f["rule_id"] in ("syntax-error", "drop-table")]
assert not bad, bad
runners = {m["path"]: m["runner"]["model"] for m in doc["migrations"]}
assert runners["dbmate/20240201000000_index_email.sql"] == "whole", runners
assert runners["golang/0002_index.up.sql"] == "whole", runners
PY
# --layout plain: the old walk, down files and down sections included.
"$GK" lint --no-config --layout plain --format json dbmate >"$TMP/plain.json" 2>/dev/null
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert any(f["rule_id"]=="syntax-error" for f in d["findings"]), "plain walk should see the down section"' "$TMP/plain.json" || status=1
exit $status
