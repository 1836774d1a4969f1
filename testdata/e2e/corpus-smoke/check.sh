#!/usr/bin/env bash
# Corpus smoke test: lint every SQL file of the real-world migration
# histories in ../shared/corpora (beside the repository) in one run and
# check that gatekeeper copes: exit 0 or 1, JSON that parses, every file in
# `migrations`, every finding with a rule id, and syntax errors only in the
# files known to use syntax PostgreSQL 15 does not have, or to be broken.
set -euo pipefail
root=$(cd ../../.. && pwd)
corpora="$root/../shared/corpora"
if [ ! -d "$corpora" ]; then
	echo "SKIP: ../shared/corpora not found"
	exit 0
fi
rc=0
timeout 600 "$GK" lint --format json "$corpora" >"$TMP/report.json" 2>"$TMP/stderr" || rc=$?
if [ "$rc" -ge 2 ]; then
	echo "FAIL: gatekeeper exited $rc"
	head -c 2000 "$TMP/stderr"
	exit 1
fi
find "$corpora" -name '*.sql' -type f | sort >"$TMP/files"
python3 - "$TMP/report.json" "$TMP/files" "$corpora" <<'PY'
import collections, json, re, sys

report = json.load(open(sys.argv[1], encoding="utf-8"))
files = open(sys.argv[2], encoding="utf-8").read().splitlines()
corpora = sys.argv[3].rstrip("/") + "/"

# Where a syntax error is expected, and why.  Anything else is a failure.
ALLOWED = [
    # README: "PostgreSQL 16+ syntax (subquery in FROM without alias)".
    (r"LemmyNet__lemmy/migrations/2025-08-01-000016_smoosh-tables-together/up\.sql$",
     "subquery in FROM must have an alias", "PostgreSQL 16 syntax"),
    # Lemmy's down migrations written by a newer pg_dump: named NOT NULL
    # constraints (`CONSTRAINT name NOT NULL col`) are PostgreSQL 18 syntax.
    (r"LemmyNet__lemmy/migrations/[^/]+/down\.sql$", 'at or near "NOT"', "PostgreSQL 18 syntax"),
    # dbmate files (`-- migrate:up` / `-- migrate:down` in one file) whose up
    # part does not end in ';': dbmate splits at the marker, a whole-file
    # parse cannot; or whose marker is indented inside a statement (README:
    # "dbmate itself would refuse it").
    (r"UPchieve__subway/database/migrations/(20211026205335_create_cities_table"
     r"|20211026215528_create_users_roles_table|20220124171208_add_foreign_key_constraints"
     r"|20220520214846_create_survey_questions_response_choices_table"
     r"|20220701142259_add_response_display_text)\.sql$", "", "dbmate up/down markers"),
    # Broken SQL in dbmate down sections, never run by that project.
    (r"UPchieve__subway/database/migrations/20240403012341_add-progress-report-prompts\.sql$",
     'at or near "NOT"', "DROP COLUMN IF NOT EXISTS in a down section"),
    (r"UPchieve__subway/database/migrations/20240910010753_add_email_template_id_to_notifications\.sql$",
     'at or near "text"', "DROP COLUMN ... text in a down section"),
]
# Must be found: the parser really does not know this syntax.
REQUIRED = r"LemmyNet__lemmy/migrations/2025-08-01-000016_smoosh-tables-together/up\.sql$"

errors = []
migrations = {m["path"]: m for m in report["migrations"]}
norm = lambda p: p.replace("//", "/")
seen = {norm(p) for p in migrations}
missing = [f for f in files if norm(f) not in seen]
if missing:
    errors.append("%d files not in migrations, e.g. %s" % (len(missing), missing[:3]))
if len(migrations) != len(files):
    errors.append("%d migrations for %d files" % (len(migrations), len(files)))
if report.get("errors"):
    errors.append("run errors: %s" % report["errors"][:3])

def corpus(path):
    return norm(path).split(corpora, 1)[-1].split("/", 1)[0]

stats = collections.defaultdict(collections.Counter)
for m in report["migrations"]:
    stats[corpus(m["path"])]["files"] += 1
    stats[corpus(m["path"])]["statements"] += m["statements"]
required_seen = False
for f in report["findings"]:
    if not f.get("rule_id"):
        errors.append("finding without a rule id: %r" % f)
        continue
    if f["path"] not in migrations:
        errors.append("finding for a path not in migrations: %s" % f["path"])
    c = stats[corpus(f["path"])]
    c["findings"] += 1
    if f["rule_id"] == "invalid-input":
        errors.append("invalid-input in %s:%s: %s" % (f["path"], f.get("line"), f["message"]))
    if f["rule_id"] != "syntax-error":
        continue
    c["syntax errors"] += 1
    path = norm(f["path"])
    why = [w for rx, text, w in ALLOWED if re.search(rx, path) and text in f["message"]]
    if not why:
        errors.append("unexpected syntax error %s:%s:%s: %s" % (path, f["line"], f["column"], f["message"]))
    else:
        c["  (" + why[0] + ")"] += 1
    required_seen |= bool(re.search(REQUIRED, path))
if not required_seen:
    errors.append("no syntax error in Lemmy's PostgreSQL 16 migration: is the file still linted?")

for name in sorted(stats):
    c = stats[name]
    extra = ", ".join("%d %s" % (n, k.strip()) for k, n in sorted(c.items()) if k.startswith("  "))
    print("%-28s %4d files %6d statements %6d findings %3d syntax errors%s" % (
        name, c["files"], c["statements"], c["findings"], c["syntax errors"],
        " (" + extra + ")" if extra else ""))
print("exit code %s, %d files, %d findings" % (report["summary"]["exit_code"], len(migrations), len(report["findings"])))
for e in errors:
    print("FAIL:", e)
sys.exit(1 if errors else 0)
PY
