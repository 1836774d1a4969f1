#!/usr/bin/env bash
# Corpus smoke test: lint the migration folder of every real-world history
# in ../shared/corpora (beside the repository; the folder is the MANIFEST's
# `source path`) in one run and check that gatekeeper copes: exit 0 or 1,
# JSON that parses, every migration in `migrations` (tool layouts: dbmate,
# golang-migrate, diesel and Flyway folders are linted as the tool applies
# them, so down files are not migrations and dbmate files count only their
# up section), every finding with a rule id, no finding inside a dbmate
# down section, and syntax errors only in the one file known to use syntax
# PostgreSQL 15 does not have.
set -euo pipefail
root=$(cd ../../.. && pwd)
corpora="$root/../shared/corpora"
if [ ! -d "$corpora" ]; then
	echo "SKIP: ../shared/corpora not found"
	exit 0
fi
dirs=()
for manifest in "$corpora"/*/MANIFEST.txt; do
	src=$(sed -n 's/^source path: //p' "$manifest")
	dirs+=("$(dirname "$manifest")/$src")
done
rc=0
timeout "$((${GK_E2E_TIMEOUT:-300} * 2))" "$GK" lint --format json "${dirs[@]}" >"$TMP/report.json" 2>"$TMP/stderr" || rc=$?
if [ "$rc" -ge 2 ]; then
	echo "FAIL: gatekeeper exited $rc"
	head -c 2000 "$TMP/stderr"
	exit 1
fi
find "${dirs[@]}" -name '*.sql' -type f | sort >"$TMP/files"
python3 - "$TMP/report.json" "$TMP/files" "$corpora" <<'PY'
import collections, json, re, sys

report = json.load(open(sys.argv[1], encoding="utf-8"))
files = open(sys.argv[2], encoding="utf-8").read().splitlines()
corpora = sys.argv[3].rstrip("/") + "/"

# Where a syntax error is expected, and why.  Anything else is a failure.
# (dbmate files are split at their markers and diesel/golang-migrate down
# files are not migrations, so their down-only syntax no longer shows.)
ALLOWED = [
    # README: "PostgreSQL 16+ syntax (subquery in FROM without alias)".
    (r"LemmyNet__lemmy/migrations/2025-08-01-000016_smoosh-tables-together/up\.sql$",
     "subquery in FROM must have an alias", "PostgreSQL 16 syntax"),
]
# Must be found: the parser really does not know this syntax.
REQUIRED = r"LemmyNet__lemmy/migrations/2025-08-01-000016_smoosh-tables-together/up\.sql$"

errors = []
migrations = {m["path"]: m for m in report["migrations"]}
norm = lambda p: p.replace("//", "/")

# What the tools apply: no diesel down.sql, no golang-migrate .down.sql.
def applied(path):
    return not (re.search(r"LemmyNet__lemmy/.*/down\.sql$", path) or path.endswith(".down.sql"))
all_sql = files
files = [f for f in all_sql if applied(f)]
if len(files) == len(all_sql):
    errors.append("no down file left out: are the layout folders linted as layouts?")
for p in migrations:
    if not applied(p):
        errors.append("down file linted: %s" % p)

# The first line of each dbmate down section: nothing may be reported from there on.
down_line = {}
for f in files:
    if "UPchieve__subway/" in f:
        for i, line in enumerate(open(f, encoding="utf-8", errors="replace"), 1):
            if re.match(r"\s*--\s*migrate:down", line):
                down_line[norm(f)] = i
                break
if len(down_line) < 200:
    errors.append("only %d dbmate files with a down marker found" % len(down_line))
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
    down = down_line.get(norm(f["path"]))
    if down and f.get("line") and f["line"] >= down:
        errors.append("finding in a dbmate down section %s:%s: %s" % (f["path"], f["line"], f["rule_id"]))
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
