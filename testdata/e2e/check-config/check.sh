#!/usr/bin/env bash
# `gatekeeper check` settings: folders from gatekeeper.yml `paths`, the
# naming convention from `migration_name` (the command line wins), rule
# severities for history findings, a passing change (exit 0), --worktree,
# --all, the replay switch (command line over `replay:` in the file) and
# usage errors.
set -uo pipefail
export HOME="$TMP" GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=dev GIT_AUTHOR_EMAIL=dev@example.com \
	GIT_COMMITTER_NAME=dev GIT_COMMITTER_EMAIL=dev@example.com
unset GITHUB_BASE_REF GIT_DIR GIT_WORK_TREE
git init -q -b main "$TMP/repo" && cd "$TMP/repo" || exit 1
m=db/prisma/migrations
mkdir -p $m/20240101000000_init
printf 'provider = "postgresql"\n' >$m/migration_lock.toml
printf 'CREATE TABLE users (id bigint PRIMARY KEY, email text);\n' >$m/20240101000000_init/migration.sql
cat >gatekeeper.yml <<'YML'
paths: [db/prisma/migrations]
migration_name: "^[0-9]{14}_[a-z]+(_[a-z]+)*$"
rules:
  stray-file: error
YML
git add -A && git commit -qm init
git switch -qc feature
mkdir -p $m/20240201000000_add_users_name $m/20240202000000_Users2
printf 'ALTER TABLE users ADD COLUMN name text;\n' >$m/20240201000000_add_users_name/migration.sql
printf 'SELECT 1;\n' >$m/20240202000000_Users2/migration.sql
git add -A && git commit -qm "two migrations"
status=0
fail() { echo "$@"; status=1; }

# Folders from `paths`; the file's pattern flags Users2 (a warning: exit 0).
"$GK" check --base main --format json >"$TMP/a.json" 2>"$TMP/err"; rc=$?
[ $rc = 0 ] || { fail "config: exit $rc, expected 0"; cat "$TMP/err"; }
python3 - "$TMP/a.json" <<'PY' || status=1
import json, sys
doc = json.load(open(sys.argv[1]))
names = [(f["rule_id"], f["path"].split("/")[-2], f["severity"]) for f in doc["findings"] if f["category"] == "history"]
assert names == [("migration-name", "20240202000000_Users2", "warning")], names
assert "[0-9]{14}" in [f for f in doc["findings"] if f["rule_id"] == "migration-name"][0]["message"]
assert len(doc["migrations"]) == 2, doc["migrations"]
PY
# The command line's pattern wins over the file's; --rule raises it to an error.
"$GK" check --base main --migration-name '^[0-9]{14}_add_' --rule migration-name=error --format json >"$TMP/b.json" 2>/dev/null; rc=$?
[ $rc = 1 ] || fail "--migration-name: exit $rc, expected 1"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
n = sorted(f["path"].split("/")[-2] for f in d["findings"] if f["rule_id"] == "migration-name")
assert n == ["20240202000000_Users2"], n' "$TMP/b.json" || status=1

# --worktree: an uncommitted stray file (an error by the file's rules) and an uncommitted migration.
printf 'notes\n' >$m/NOTES.md
mkdir -p $m/20240203000000_add_email_index
printf 'CREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n' >$m/20240203000000_add_email_index/migration.sql
"$GK" check --base main --format json >"$TMP/c.json" 2>/dev/null; rc=$?
[ $rc = 0 ] || fail "without --worktree uncommitted files do not count: exit $rc"
"$GK" check --base main --worktree --format json >"$TMP/c.json" 2>/dev/null; rc=$?
[ $rc = 1 ] || fail "--worktree: exit $rc, expected 1"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
s = [f for f in d["findings"] if f["rule_id"] == "stray-file"]
assert len(s) == 1 and s[0]["severity"] == "error" and s[0]["path"].endswith("NOTES.md"), s
m = [x for x in d["migrations"] if "add_email_index" in x["path"]]
assert m and m[0]["history"]["status"] == "added" and m[0]["history"]["commit"] is None, m' "$TMP/c.json" || status=1
rm -rf $m/NOTES.md $m/20240203000000_add_email_index

# --all lints the base's migrations too (listed as unchanged).
"$GK" check --base main --all --format json >"$TMP/d.json" 2>/dev/null
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
st = sorted(m["history"]["status"] for m in d["migrations"])
assert st == ["added", "added", "unchanged"], st' "$TMP/d.json" || status=1

# Replay: on by default (the lock trace's evidence on a finding), off with --no-replay
# or `replay: false`, which --replay overrides.
has_replay() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if "replay" in d else 1)' "$1"; }
"$GK" check --base main --format json >"$TMP/r1.json" 2>"$TMP/err"; rc=$?
[ $rc = 0 ] && has_replay "$TMP/r1.json" && grep -q "\"evidence\"" "$TMP/r1.json" ||
	fail "default replay: exit $rc, stderr: $(cat "$TMP/err")"
"$GK" check --base main --no-replay --format json >"$TMP/r2.json" 2>"$TMP/err"; rc=$?
[ $rc = 0 ] && [ ! -s "$TMP/err" ] && ! has_replay "$TMP/r2.json" || fail "--no-replay: exit $rc, stderr: $(cat "$TMP/err")"
printf 'replay: false\n' >>gatekeeper.yml
"$GK" check --base main --format json >"$TMP/r3.json" 2>/dev/null; rc=$?
[ $rc = 0 ] && ! has_replay "$TMP/r3.json" || fail "replay: false in the file: exit $rc"
"$GK" check --base main --replay --format json >"$TMP/r4.json" 2>/dev/null; rc=$?
[ $rc = 0 ] && has_replay "$TMP/r4.json" || fail "--replay over the file: exit $rc"
sed -i 's/^replay: false$/replay: maybe/' gatekeeper.yml
"$GK" check --base main >/dev/null 2>"$TMP/err"; rc=$?
[ $rc = 2 ] && grep -q "replay must be true or false" "$TMP/err" || fail "replay: maybe: exit $rc, $(cat "$TMP/err")"
git checkout -q gatekeeper.yml

# Usage errors exit 2.
"$GK" check --layout rails >/dev/null 2>&1; rc=$?
[ $rc = 2 ] || fail "--layout rails: exit $rc, expected 2"
"$GK" check --base main --migration-name '(' >/dev/null 2>"$TMP/err"; rc=$?
[ $rc = 2 ] && grep -q "regular expression" "$TMP/err" || fail "bad --migration-name: exit $rc"
"$GK" check --no-config --base main >/dev/null 2>"$TMP/err"; rc=$?   # no paths, no lock file at the root...
[ $rc = 0 ] || fail "lock-file discovery: exit $rc: $(cat "$TMP/err")"   # ...but db/prisma/migrations has one
exit $status
