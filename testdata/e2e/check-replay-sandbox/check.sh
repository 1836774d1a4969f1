#!/usr/bin/env bash
# `gatekeeper check` replays a pull request's migrations as a role with no
# power over the machine (the embedded cluster, end to end):
#   - COPY ... FROM PROGRAM 'env', COPY to a server file, pg_read_file,
#     lo_import, ALTER SYSTEM: replay-failed (42501), nothing done (no
#     canary file);
#   - CREATE LANGUAGE plpython3u and CREATE EXTENSION of an untrusted
#     extension off the allow-list: replay-environment (naming
#     shadow_extensions when the extension is installed);
#   - a trusted extension and an allow-listed untrusted one apply;
#   - `shadow_extensions: []` takes the untrusted one away;
#   - a canary variable of the job's environment is in no output (text,
#     JSON, JUnit, stderr).
set -uo pipefail
export HOME="$TMP" GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=dev GIT_AUTHOR_EMAIL=dev@example.com \
	GIT_COMMITTER_NAME=dev GIT_COMMITTER_EMAIL=dev@example.com
unset GITHUB_BASE_REF GIT_DIR GIT_WORK_TREE SHADOW_DATABASE_URL
export GK_E2E_CANARY="canary-$$-c0ffee"
chmod 755 "$TMP" && mkdir -p "$TMP/tmp" && export TMPDIR="$TMP/tmp"
canary_file="$TMP/tmp/planted"
git init -q -b main "$TMP/repo" && cd "$TMP/repo" || exit 1
# One Prisma folder per attempt: a failed replay skips what follows it.
folders=(program file readfile loimport altersystem language untrusted allowed)
mig() { mkdir -p "$1/migrations/$2" && printf '%s\n' "$3" >"$1/migrations/$2/migration.sql"; }
for f in "${folders[@]}"; do
	mkdir -p "$f/migrations" && printf 'provider = "postgresql"\n' >"$f/migrations/migration_lock.toml"
	mig "$f" 20240101000000_create_t 'CREATE TABLE t (id int PRIMARY KEY);'
done
printf 'paths: [%s]\n' "$(printf '%s/migrations, ' "${folders[@]}" | sed 's/, $//')" >gatekeeper.yml
git add -A && git commit -qm init
git switch -qc feature
M=20240201000000_add_it
mig program $M 'CREATE TABLE gk_env (n int);
COPY gk_env FROM PROGRAM '"'env'"';'
mig file $M "COPY t TO '$canary_file';"
mig readfile $M "SELECT pg_read_file('/etc/passwd');"
mig loimport $M "SELECT lo_import('/etc/passwd');"
mig altersystem $M "ALTER SYSTEM SET archive_command = 'touch $canary_file';"
mig language $M 'CREATE LANGUAGE plpython3u;'
mig untrusted $M 'CREATE EXTENSION adminpack;'
mig allowed $M 'CREATE EXTENSION citext;
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
CREATE EXTENSION postgres_fdw;
CREATE TABLE people (name citext);'
git add -A && git commit -qm change
status=0
fail() { echo "$@"; status=1; }

"$GK" check --base main --no-cache --json "$TMP/r.json" --junit "$TMP/r.xml" >"$TMP/out.txt" 2>"$TMP/err.txt"
rc=$?
[ $rc = 1 ] || { fail "attacks: exit $rc, expected 1"; head -20 "$TMP/err.txt"; }
[ ! -e "$canary_file" ] || fail "a migration wrote $canary_file"
for f in out.txt err.txt r.json r.xml; do
	! grep -q "$GK_E2E_CANARY" "$TMP/$f" || fail "the job's environment leaked into $f"
done
python3 - "$TMP/r.json" <<'PY' || status=1
import json, sys
doc = json.load(open(sys.argv[1]))
problems = []
def want(cond, what):
    if not cond:
        problems.append(what)
added = {m["path"].split("/")[0]: m for m in doc["migrations"] if "20240201000000_add_it" in m["path"]}
find = {}
for f in doc["findings"]:
    if f["category"] == "replay":
        find.setdefault(f["path"].split("/")[0], []).append(f)
for folder in ["program", "file", "readfile", "loimport", "altersystem"]:
    r = added[folder]["replay"]
    want(r["status"] == "failed" and r["sqlstate"] == "42501", f"{folder}: {r}")
    ids = [f["rule_id"] for f in find.get(folder, [])]
    want(ids == ["replay-failed"], f"{folder}: findings {ids}")
for folder, ext in [("language", "plpython3u"), ("untrusted", "adminpack")]:
    fs = find.get(folder, [])
    want([f["rule_id"] for f in fs] == ["replay-environment"], f"{folder}: findings {[f['rule_id'] for f in fs]}")
    msg = fs[0]["message"] if fs else ""
    want(f"extension {ext}" in msg, f"{folder}: {msg}")
    if "permission denied" in msg:
        want("shadow_extensions" in msg, f"{folder}: the key is not named: {msg}")
want(added["allowed"]["replay"]["status"] == "ok", f"allowed: {added['allowed']['replay']}")
want("allowed" not in find or all(f["rule_id"].startswith("observed") for f in find["allowed"]), f"allowed: {find.get('allowed')}")
for p in problems:
    print(p)
sys.exit(1 if problems else 0)
PY

# An empty allow-list: the untrusted extension is the environment's now.
printf 'paths: [allowed/migrations]\nshadow_extensions: []\n' >gatekeeper.yml
"$GK" check --base main --no-cache --worktree --format json >"$TMP/none.json" 2>"$TMP/none.err"
rc=$?
[ $rc = 1 ] || { fail "empty allow-list: exit $rc, expected 1"; head -5 "$TMP/none.err"; }
python3 - "$TMP/none.json" <<'PY' || status=1
import json, sys
doc = json.load(open(sys.argv[1]))
fs = [f for f in doc["findings"] if f["rule_id"] == "replay-environment"]
if not (len(fs) == 1 and "pg_stat_statements" in fs[0]["message"] and "shadow_extensions" in fs[0]["message"]):
    print("empty allow-list:", [(f["rule_id"], f["message"]) for f in doc["findings"]])
    sys.exit(1)
PY
exit $status
