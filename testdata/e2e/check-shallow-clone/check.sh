#!/usr/bin/env bash
# A shallow clone (what actions/checkout does by default) lacks the base:
# `gatekeeper check` exits 2 with the fix on stderr (`fetch-depth: 0`),
# prints no text report, and still writes the --json and --junit
# artefacts holding one `config` error.  With the history fetched
# (`git fetch --unshallow`), the same command runs the check; and in a
# pull-request job GITHUB_BASE_REF picks origin/<base> without --base.
set -uo pipefail
export HOME="$TMP" GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=ci GIT_AUTHOR_EMAIL=ci@example.com \
	GIT_COMMITTER_NAME=ci GIT_COMMITTER_EMAIL=ci@example.com
unset GITHUB_BASE_REF GIT_DIR GIT_WORK_TREE
m=prisma/migrations
git init -q -b main "$TMP/origin" && cd "$TMP/origin" || exit 1
mkdir -p $m/20240101000000_init
printf 'provider = "postgresql"\n' >$m/migration_lock.toml
printf 'CREATE TABLE users (id bigint PRIMARY KEY, email text);\n' >$m/20240101000000_init/migration.sql
git add -A && git commit -qm init
git switch -qc feature
mkdir -p $m/20240201000000_add_users_email_idx
printf 'CREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n' >$m/20240201000000_add_users_email_idx/migration.sql
git add -A && git commit -qm "add index"
git switch -q main && printf 'x\n' >README && git add -A && git commit -qm "main moves on" && git switch -q feature

git clone -q --depth 1 --branch feature "file://$TMP/origin" "$TMP/shallow" && cd "$TMP/shallow" || exit 1
"$GK" check --no-config --base origin/main --json "$TMP/r.json" --junit "$TMP/r.xml" $m >"$TMP/out" 2>"$TMP/err"
rc=$?
status=0
[ $rc = 2 ] || { echo "shallow clone: exit $rc, expected 2"; cat "$TMP/err"; status=1; }
grep -q "fetch-depth: 0" "$TMP/err" || { echo "stderr does not spell out fetch-depth: 0:"; cat "$TMP/err"; status=1; }
[ ! -s "$TMP/out" ] || { echo "a text report on stdout repeats the error:"; cat "$TMP/out"; status=1; }
python3 - "$TMP/r.json" "$TMP/r.xml" <<'PY' || status=1
import json, sys
import xml.etree.ElementTree as ET
doc = json.load(open(sys.argv[1]))
assert doc["summary"]["exit_code"] == 2 and doc["summary"]["verdict"] == "error", doc["summary"]
assert [e["kind"] for e in doc["errors"]] == ["config"], doc["errors"]
assert "fetch-depth: 0" in doc["errors"][0]["message"], doc["errors"]
errors = ET.parse(sys.argv[2]).getroot().findall(".//error")
assert len(errors) == 1 and errors[0].get("type") == "config", [e.attrib for e in errors]
PY
# --format json puts the artefact on stdout as well.
"$GK" check --no-config --base origin/main --format json $m >"$TMP/out.json" 2>/dev/null
rc=$?
[ $rc = 2 ] && python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["errors"][0]["kind"]=="config"' "$TMP/out.json" \
	|| { echo "--format json: exit $rc or no config error on stdout"; status=1; }

# The fix from the message works; GITHUB_BASE_REF names the base in a pull-request job.
git fetch -q --unshallow origin main:refs/remotes/origin/main || { echo "fetch failed"; exit 1; }
GITHUB_BASE_REF=main "$GK" check --no-config --json "$TMP/ok.json" $m >"$TMP/out" 2>"$TMP/err"
rc=$?
[ $rc = 0 ] || { echo "after fetching: exit $rc, expected 0"; cat "$TMP/err" "$TMP/out"; status=1; }
python3 - "$TMP/ok.json" <<'PY' || status=1
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["git"]["base_ref"] == "origin/main", doc["git"]
assert [m["history"]["status"] for m in doc["migrations"]] == ["added"], doc["migrations"]
PY
exit $status
