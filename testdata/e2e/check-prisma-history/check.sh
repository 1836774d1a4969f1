#!/usr/bin/env bash
# `gatekeeper check` on a Prisma repository built here: main holds four
# migrations; the feature branch adds a risky one (index on an existing
# table) and a safe one, edits an old one, deletes one and renames one.
# Checks the exit code, the JSON report (valid against
# schemas/report/v1.json; history status, old path and commit per
# migration; git context; history findings), the JUnit properties and the
# text report's migrations section.
set -uo pipefail
root=$(cd ../../.. && pwd)
python3 -c 'import jsonschema' 2>/dev/null || { echo "python3 jsonschema is missing (see ci/install-deps.sh)"; exit 1; }
export HOME="$TMP" GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME="Ada Lovelace" GIT_AUTHOR_EMAIL=ada@example.com \
	GIT_COMMITTER_NAME="Ada Lovelace" GIT_COMMITTER_EMAIL=ada@example.com
unset GITHUB_BASE_REF GIT_DIR GIT_WORK_TREE
at() { export GIT_AUTHOR_DATE="$1" GIT_COMMITTER_DATE="$1"; }
repo="$TMP/repo"
m=prisma/migrations
git init -q -b main "$repo" && cd "$repo" || exit 1
git config core.autocrlf false
mkdir -p $m/20240101000000_init $m/20240102000000_add_posts $m/20240103000000_add_name $m/20240104000000_add_tmp
printf 'provider = "postgresql"\n' >$m/migration_lock.toml
printf 'CREATE TABLE users (id bigint PRIMARY KEY, email text);\n' >$m/20240101000000_init/migration.sql
printf 'CREATE TABLE posts (id bigint PRIMARY KEY, user_id bigint);\n' >$m/20240102000000_add_posts/migration.sql
printf 'ALTER TABLE users ADD COLUMN name text;\n' >$m/20240103000000_add_name/migration.sql
printf 'CREATE TABLE tmp (id int);\n' >$m/20240104000000_add_tmp/migration.sql
git add -A && at "2024-01-04T10:00:00Z" && git commit -qm "base history"
git switch -qc feature
mkdir -p $m/20240201000000_add_users_email_idx $m/20240202000000_create_tags
printf 'CREATE INDEX users_email_idx ON users (email);\n' >$m/20240201000000_add_users_email_idx/migration.sql
printf 'CREATE TABLE tags (id bigint PRIMARY KEY, name text NOT NULL);\nCREATE INDEX tags_name_idx ON tags (name);\n' \
	>$m/20240202000000_create_tags/migration.sql
git add -A && at "2024-02-01T09:30:00Z" && GIT_AUTHOR_NAME="Grace Hopper" git commit -qm "Add tags and an email index"
printf 'ALTER TABLE users ADD COLUMN name text;\nALTER TABLE users ADD COLUMN nick text;\n' >$m/20240103000000_add_name/migration.sql
git rm -q -r $m/20240104000000_add_tmp
git mv $m/20240102000000_add_posts $m/20240102000000_create_posts
git add -A && at "2024-02-02T09:30:00Z" && git commit -qm "Tidy the history"
head=$(git rev-parse HEAD) base=$(git rev-parse main)

"$GK" check --no-config --base main --json "$TMP/r.json" --junit "$TMP/r.xml" >"$TMP/out.txt" 2>"$TMP/err.txt"
rc=$?
[ $rc = 1 ] || { echo "exit $rc, expected 1"; cat "$TMP/err.txt" "$TMP/out.txt"; exit 1; }

python3 - "$root/schemas/report/v1.json" "$TMP/r.json" "$TMP/r.xml" "$TMP/out.txt" "$base" "$head" <<'PY'
import json, sys
import xml.etree.ElementTree as ET
from jsonschema import Draft202012Validator
schema_path, json_path, xml_path, text_path, base, head = sys.argv[1:]
doc = json.load(open(json_path))
problems = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in Draft202012Validator(json.load(open(schema_path))).iter_errors(doc)]
M = "prisma/migrations/"
def want(cond, what):
    if not cond:
        problems.append(what)
want(doc["run"]["command"] == "check", "run.command")
want(doc["git"] == {"base_ref": "main", "merge_base": base, "head": head}, f"git: {doc.get('git')}")
mig = {m["path"]: m for m in doc["migrations"]}
def status(name):
    return mig.get(M + name + "/migration.sql", {}).get("history", {}).get("status")
want(status("20240201000000_add_users_email_idx") == "added", "risky migration added")
want(status("20240202000000_create_tags") == "added", "safe migration added")
want(status("20240103000000_add_name") == "modified", "edited migration modified")
want(status("20240104000000_add_tmp") == "deleted", "deleted migration")
want(status("20240102000000_create_posts") == "renamed", "renamed migration")
want(M + "20240101000000_init/migration.sql" not in mig, "unchanged migrations are not in the report")
ren = mig.get(M + "20240102000000_create_posts/migration.sql", {})
want(ren.get("history", {}).get("old_path") == M + "20240102000000_add_posts/migration.sql", "old_path")
gone = mig.get(M + "20240104000000_add_tmp/migration.sql", {})
want(gone.get("linted") is False and gone["history"]["commit"] is None, "deleted: not linted, no commit")
c = mig.get(M + "20240202000000_create_tags/migration.sql", {}).get("history", {}).get("commit") or {}
want(c.get("author") == "Grace Hopper" and c.get("subject") == "Add tags and an email index"
     and c.get("date") == "2024-02-01T09:30:00Z", f"commit of the added migration: {c}")
rules = {}
for f in doc["findings"]:
    rules.setdefault(f["rule_id"], []).append(f)
for rule, path in (("modified-migration", "20240103000000_add_name"), ("deleted-migration", "20240104000000_add_tmp"),
                   ("renamed-migration", "20240102000000_create_posts"),
                   ("create-index-non-concurrent", "20240201000000_add_users_email_idx")):
    fs = rules.get(rule, [])
    want(len(fs) == 1 and fs[0]["path"] == M + path + "/migration.sql" and fs[0]["blocking"], f"{rule}: {fs}")
mod = rules.get("modified-migration", [{}])[0]
want(mod.get("category") == "history" and mod.get("line") == 2 and mod.get("column") == 1, f"modified position: {mod}")
want("main" in mod.get("message", "") and "Tidy the history" in mod.get("message", ""), "modified message")
want("create-index-non-concurrent" not in [f["rule_id"] for f in doc["findings"]
                                           if f["path"].endswith("create_tags/migration.sql")], "tags is new: exempt")
want(doc["summary"]["exit_code"] == 1, "summary.exit_code")
# JUnit: history and commit per suite.
props = {s.get("name"): {p.get("name"): p.get("value") for p in s.iter("property")}
         for s in ET.parse(xml_path).getroot().findall("testsuite")}
p = props.get(M + "20240102000000_create_posts/migration.sql", {})
want(p.get("history.status") == "renamed" and p.get("history.old_path") == M + "20240102000000_add_posts/migration.sql"
     and p.get("commit.subject") == "Tidy the history" and len(p.get("commit.sha", "")) == 40, f"junit properties {p}")
want(props.get(M + "20240104000000_add_tmp/migration.sql", {}).get("history.status") == "deleted", "junit deleted suite")
# Text: the migrations section before the summary line.
text = open(text_path).read()
want("migrations changed since main:" in text, "text: migrations section")
want("  deleted   prisma/migrations/20240104000000_add_tmp/migration.sql\n" in text, "text: deleted line")
want("(was prisma/migrations/20240102000000_add_posts/migration.sql)" in text, "text: renamed line")
want(text.rstrip().splitlines()[-1].startswith("FAIL: "), "text: summary last")
for pr in problems:
    print("check-prisma-history:", pr)
sys.exit(1 if problems else 0)
PY
