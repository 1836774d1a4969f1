#!/usr/bin/env bash
# The Prisma version in the repository decides the runner model: the same
# migrations (CREATE INDEX CONCURRENTLY beside another statement) get
# different verdicts with a pnpm-lock.yaml pinning Prisma 6.19.0 (the file is
# one query: 25001, blocking) and one pinning 7.10.1 (statements sent one by
# one: fine); a package.json range ^7.5.0 deploys split but `migrate dev`
# cannot replay it (prisma-shadow-mismatch).  The lockfile is read as
# committed at head, and every report names the model and where it came from.
# (--no-replay: the verdicts here are the lint's.)
set -uo pipefail
. ../input-common/prisma-repo.sh
status=0
fail() { echo "$@"; status=1; }
pnpm_lock() {
	printf "lockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    devDependencies:\n      prisma:\n        specifier: %s\n        version: %s\n\npackages:\n\n  '@prisma/engines@%s':\n    resolution: {integrity: sha512-x}\n\n  prisma@%s:\n    resolution: {integrity: sha512-y}\n" "$1" "$1" "$1" "$1" >pnpm-lock.yaml
}
# make_repo DIR: the same history in $TMP/DIR, then whatever "$@" adds, committed.
make_repo() {
	local dir=$1
	shift
	git init -q -b main "$TMP/$dir" && cd "$TMP/$dir" || return 1
	mkdir -p $m && printf 'provider = "postgresql"\n' >$m/migration_lock.toml
	"$@"
	mig 20240101000000_init 'CREATE TABLE users (id bigint PRIMARY KEY, email text);'
	git add -A && git commit -qm init
	git switch -qc feature
	mig 20240201000000_email_idx 'CREATE INDEX CONCURRENTLY users_email_idx ON users (email);
ALTER TABLE users ADD COLUMN note text;'
	git add -A && git commit -qm change
}
run() { "$GK" check --no-config --base main --no-replay --format json >"$TMP/$1.json" 2>"$TMP/$1.err"; echo $?; }

make_repo old pnpm_lock 6.19.0 || exit 1
rc_old=$(run old)
make_repo new pnpm_lock 7.10.1 || exit 1
rc_new=$(run new)
# At head, not in the working tree: an uncommitted lockfile changes nothing.
pnpm_lock 6.19.0
rc_dirty=$(run dirty)
make_repo range sh -c 'printf "{\"devDependencies\": {\"prisma\": \"^7.5.0\"}}\n" >package.json' || exit 1
rc_range=$(run range)
"$GK" check --no-config --base main --no-replay --prisma-version 6.19.0 >"$TMP/override.txt" 2>&1
rc_override=$?

# A lockfile that is not one: the version is unknown (current Prisma assumed) and a note names the file.
make_repo junk sh -c 'head -c 3000 /dev/urandom >bun.lock' || exit 1
"$GK" lint --no-config $m >"$TMP/junk.txt" 2>&1
rc_junk=$?
[ "$rc_junk" = 0 ] || fail "garbage bun.lock: lint exit $rc_junk, expected 0"
grep -q "note: bun.lock does not parse as its name says" "$TMP/junk.txt" || { fail "garbage bun.lock: no note"; cat "$TMP/junk.txt"; }
grep -q "runner: Prisma version not found; assuming current Prisma (>= 7.4): statements sent one by one" "$TMP/junk.txt" ||
	fail "garbage bun.lock: the runner line is missing"

[ "$rc_old" = 1 ] || fail "prisma 6.19.0: exit $rc_old, expected 1"
[ "$rc_new" = 0 ] || fail "prisma 7.10.1: exit $rc_new, expected 0"
[ "$rc_dirty" = 0 ] || fail "uncommitted lockfile: exit $rc_dirty, expected 0"
[ "$rc_range" = 0 ] || fail "prisma ^7.5.0: exit $rc_range, expected 0 (a warning)"
[ "$rc_override" = 1 ] || fail "--prisma-version 6.19.0: exit $rc_override, expected 1"
grep -q "runner: prisma 6.19.0 (--prisma-version or prisma_version:): the file sent as one query" "$TMP/override.txt" ||
	{ fail "--prisma-version: the text report does not name the model"; cat "$TMP/override.txt"; }
python3 - "$TMP" <<'PY' || status=1
import json, sys
t = sys.argv[1]
def load(name):
    return json.load(open(f"{t}/{name}.json"))
def rules(doc):
    return sorted(f["rule_id"] for f in doc["findings"])
def runner(doc):
    m = [m for m in doc["migrations"] if m["path"].endswith("20240201000000_email_idx/migration.sql")]
    assert len(m) == 1, doc["migrations"]
    return m[0]["runner"]
old, new, dirty, rng = load("old"), load("new"), load("dirty"), load("range")
assert old["schema_version"].startswith("2."), old["schema_version"]
assert runner(old) == {"tool": "prisma", "version": "6.19.0", "model": "whole", "source": "pnpm-lock.yaml",
                       "reason": "prisma 6.19.0 (pnpm-lock.yaml): the file sent as one query (several statements: one implicit transaction)"}, runner(old)
assert "concurrently-in-transaction" in rules(old), rules(old)
assert runner(new)["model"] == "split" and runner(new)["version"] == "7.10.1", runner(new)
assert runner(new)["reason"] == "prisma 7.10.1 (pnpm-lock.yaml): statements sent one by one", runner(new)
assert "concurrently-in-transaction" not in rules(new), rules(new)
assert runner(dirty) == runner(new), runner(dirty)
r = runner(rng)
assert r["model"] == "split" and r["version"] == "7.5.0" and r["source"] == "package.json range ^7.5.0", r
assert "prisma-shadow-mismatch" in rules(rng) and "concurrently-in-transaction" not in rules(rng), rules(rng)
PY
exit $status
