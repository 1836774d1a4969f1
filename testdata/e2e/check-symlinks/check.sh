#!/usr/bin/env bash
# Migrations committed as symbolic links or submodules (symlinked-migration):
# a link to a file inside the repository is checked as that file (linted,
# replayed); links leaving the repository (absolute, ../.., through another
# link), a link chain and a submodule are reported and never read.
set -uo pipefail
export HOME="$TMP" GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=dev GIT_AUTHOR_EMAIL=dev@example.com \
	GIT_COMMITTER_NAME=dev GIT_COMMITTER_EMAIL=dev@example.com
unset GITHUB_BASE_REF GIT_DIR GIT_WORK_TREE
status=0
fail() { echo "FAIL: $*"; status=1; }
# Outside the repository: must never be read.
printf 'CREATE TABLE secret_outside (id int);\n' >"$TMP/secret.sql"
git init -q -b sub "$TMP/subrepo" && (cd "$TMP/subrepo" && printf 'SELECT 1;\n' >x.sql && git add -A && git commit -qm sub)
git init -q -b main "$TMP/w/repo" && cd "$TMP/w/repo" || exit 1
m=prisma/migrations
mkdir -p $m/20240101000000_init shared
printf 'provider = "postgresql"\n' >$m/migration_lock.toml
printf 'CREATE TABLE users (id bigint PRIMARY KEY, email text);\n' >$m/20240101000000_init/migration.sql
git add -A && git commit -qm init
git switch -qc feature
# Inside: a link to a shared file whose index is not concurrent.
printf 'CREATE INDEX users_email_idx ON users (email);\n' >shared/index.sql
mkdir -p $m/20240201000000_add_index $m/20240202000000_add_passwd $m/20240203000000_add_secret \
	$m/20240204000000_add_chain $m/20240205000000_add_abs_chain
ln -s ../../../shared/index.sql $m/20240201000000_add_index/migration.sql
ln -s /etc/passwd $m/20240202000000_add_passwd/migration.sql
ln -s ../../../../../secret.sql $m/20240203000000_add_secret/migration.sql
# a chain of links inside the repository, and one that leaves it on its second step
ln -s ../20240201000000_add_index/migration.sql $m/20240204000000_add_chain/migration.sql
ln -s /etc shared/etc
ln -s ../../../shared/etc/passwd $m/20240205000000_add_abs_chain/migration.sql
git -c protocol.file.allow=always submodule add -q "$TMP/subrepo" $m/20240206000000_vendored 2>/dev/null ||
	fail "git submodule add"
git add -A && git commit -qm "linked migrations"

"$GK" check --base main --format json >"$TMP/r.json" 2>"$TMP/err"; rc=$?
[ $rc = 1 ] || { fail "exit $rc, expected 1"; cat "$TMP/err"; }
python3 - "$TMP/r.json" <<'PY' || status=1
import json, sys
d = json.load(open(sys.argv[1]))
s = {f["path"].split("/")[-2]: f for f in d["findings"] if f["rule_id"] == "symlinked-migration"}
assert sorted(s) == ["20240201000000_add_index", "20240202000000_add_passwd", "20240203000000_add_secret",
                     "20240204000000_add_chain", "20240205000000_add_abs_chain", "migrations"], sorted(s)
assert all(f["severity"] == "error" and f["blocking"] for f in s.values()), s
m = lambda k: s[k]["message"]
assert "the runner would apply shared/index.sql" in m("20240201000000_add_index"), m("20240201000000_add_index")
assert "the runner would apply shared/index.sql" in m("20240204000000_add_chain"), m("20240204000000_add_chain")
assert "(an absolute path): the runner would apply '/etc/passwd'" in m("20240202000000_add_passwd"), m("20240202000000_add_passwd")
assert "outside the repository" in m("20240203000000_add_secret") and "neither linted nor replayed" in m("20240203000000_add_secret")
assert "an absolute path, through another link" in m("20240205000000_add_abs_chain"), m("20240205000000_add_abs_chain")
sub = [f for f in d["findings"] if f["rule_id"] == "symlinked-migration" and "submodule" in f["message"]]
assert len(sub) == 1 and sub[0]["path"].endswith("20240206000000_vendored") and "cannot be checked" in sub[0]["message"], sub
# The links inside the repository are linted as their targets ...
idx = [f for f in d["findings"] if f["rule_id"] == "create-index-non-concurrent"]
assert sorted(f["path"].split("/")[-2] for f in idx) == ["20240201000000_add_index", "20240204000000_add_chain"], idx
paths = [x["path"].split("/")[-2] for x in d["migrations"]]
assert "20240201000000_add_index" in paths and "20240202000000_add_passwd" not in paths, paths
# ... and replayed (an index on users is observed); nothing from outside is anywhere.
assert "replay" in d, d.keys()
PY
grep -q "secret_outside\|root:x:0" "$TMP/r.json" && fail "a file outside the repository was read"

# The same with --worktree (links on disk) and in the text report.
"$GK" check --base main --worktree --no-replay >"$TMP/out.txt" 2>"$TMP/err"; rc=$?
[ $rc = 1 ] || fail "--worktree: exit $rc"
grep -q "20240203000000_add_secret/migration.sql is a symbolic link (outside the repository): the runner would apply '../../../../../secret.sql'" "$TMP/out.txt" ||
	fail "--worktree text: $(grep symlinked "$TMP/out.txt" | head -3)"
grep -q "20240201000000_add_index/migration.sql is a symbolic link: the runner would apply shared/index.sql" "$TMP/out.txt" ||
	fail "--worktree: inside link"
grep -q "secret_outside\|root:x:0" "$TMP/out.txt" && fail "--worktree read a file outside the repository"
exit $status
