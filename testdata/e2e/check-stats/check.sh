#!/usr/bin/env bash
# `check --stats FILE` and gatekeeper.yml's stats:, stats_max_age: and
# size_thresholds: (no replay, no server: the statistics come from the
# file, as in a pull request without production access).
#   - the rewrite and index-build findings say what they mean on the
#     production tables (text: expected-production.txt; JSON `production`
#     valid against schemas/report/v1.json; Markdown; JUnit);
#   - a finding on a table the file does not know gets no context;
#   - size_thresholds: missing-lock-timeout (a warning) on the 18 GB table
#     rises to error over rewrite: 1GB, create-index-non-concurrent on the
#     16 kB table falls to info under info_below: 1MB, each message saying
#     the size and the threshold;
#   - a file older than stats_max_age is used, with a stats-stale warning
#     on the file saying its age and the limit; a broken file is a configuration error (exit 2) naming it.
set -uo pipefail
root=$(cd ../../.. && pwd)
here=$(pwd)
. ../input-common/prisma-repo.sh
prisma_repo || exit 1
mig 20240101000000_init 'CREATE TABLE users (id bigint PRIMARY KEY, age int);
CREATE TABLE events (id bigint PRIMARY KEY, kind text);
CREATE TABLE audit (id bigint, at date);'
git add -A && git commit -qm init
git switch -qc feature
mig 20240201000000_change_users 'ALTER TABLE users ALTER COLUMN age TYPE bigint;
CREATE INDEX events_kind_idx ON events (kind);
CREATE INDEX audit_at_idx ON audit (at);'
git add -A && git commit -qm change
status=0
fail() { echo "$@"; status=1; }
# The counters' reset a day before the snapshot: 198.72M writes a day is ~2,300/s.
now=$(date -u +%s)
at() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
sed "s/TAKEN_AT/$(at $now)/; s/RESET_AT/$(at $((now - 86400)))/" "$here/stats.json" >"$TMP/fresh.json"
sed "s/TAKEN_AT/2020-01-02T00:00:00Z/; s/RESET_AT/2020-01-01T00:00:00Z/" "$here/stats.json" >"$TMP/old.json"

# 1. --stats, no thresholds: context only, severities as the rules say.
"$GK" check --no-config --base main --no-replay --stats "$TMP/fresh.json" --json "$TMP/r.json" \
	--junit "$TMP/r.xml" --markdown "$TMP/r.md" >"$TMP/out.txt" 2>"$TMP/err.txt"
rc=$?
[ $rc = 1 ] || { fail "1: exit $rc, expected 1"; cat "$TMP/err.txt"; }
grep '= production:' "$TMP/out.txt" | diff "$here/expected-production.txt" - || fail "1: production lines differ"
grep -q 'stale' "$TMP/out.txt" && fail "1: fresh statistics called stale"
# (Markdown escapes its punctuation.)
grep -qF '**In production:** rewrites public\.users \(41M rows\, 18 GB\, \~2\,300 writes\/s\) under ACCESS EXCLUSIVE' \
	"$TMP/r.md" || fail "1: markdown lacks the production line"
grep -q 'production: builds an index on public.events (12 rows, 16 kB, no writes) under SHARE' "$TMP/r.xml" ||
	fail "1: junit lacks the production line"
python3 - "$root/schemas/report/v1.json" "$TMP/r.json" <<'PY' || status=1
import json, sys
from jsonschema import Draft202012Validator
schema, jpath = sys.argv[1:]
doc = json.load(open(jpath))
problems = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in Draft202012Validator(json.load(open(schema))).iter_errors(doc)]
by = {(f["rule_id"], f["line"]): f for f in doc["findings"]}
p = by[("alter-column-type", 1)].get("production")
want = {"summary": "rewrites public.users (41M rows, 18 GB, ~2,300 writes/s) under ACCESS EXCLUSIVE",
        "relation": "public.users", "source": "stats file", "rows": 41000000, "total_bytes": 19327352832,
        "size_rule": None}
if not p or {k: p.get(k) for k in want} != want or abs(p["writes_per_second"] - 2300) > 1:
    problems.append(f"alter-column-type production: {p}")
if "production" in by[("create-index-non-concurrent", 3)]:
    problems.append("audit is not in the statistics, yet its finding has production context")
for p in problems:
    print("check-stats 1:", p)
sys.exit(1 if problems else 0)
PY

# 2. gatekeeper.yml: stats:, stats_max_age:, size_thresholds:.
cp "$TMP/old.json" prod-stats.json
cat >gatekeeper.yml <<'YML'
stats: prod-stats.json
stats_max_age: 3650d
size_thresholds:
  rewrite: 1GB
  info_below: 1MB
YML
"$GK" check --base main --no-replay --json "$TMP/r2.json" >"$TMP/out2.txt" 2>"$TMP/err2.txt"
rc=$?
[ $rc = 1 ] || { fail "2: exit $rc, expected 1"; cat "$TMP/err2.txt"; }
grep -q 'stale' "$TMP/out2.txt" && fail "2: stale although within stats_max_age"
grep -q '^prisma/migrations/20240201000000_change_users/migration.sql:1:1: error: .*(public.users is 18 GB in production, over the rewrite size threshold of 1.0 GB: warning raised to error) \[missing-lock-timeout\]$' \
	"$TMP/out2.txt" || fail "2: missing-lock-timeout not raised with size and threshold: $(grep missing-lock "$TMP/out2.txt")"
grep -q '^prisma/migrations/20240201000000_change_users/migration.sql:2:1: info: .*(public.events is 16 kB in production, under the info_below size threshold of 1.0 MB: error lowered to info) \[create-index-non-concurrent\]$' \
	"$TMP/out2.txt" || fail "2: create-index-non-concurrent not lowered: $(grep events_kind "$TMP/out2.txt" | head -2)"
python3 - "$TMP/r2.json" <<'PY' || status=1
import json, sys
doc = json.load(open(sys.argv[1]))
by = {(f["rule_id"], f["line"]): f for f in doc["findings"]}
rule = by[("missing-lock-timeout", 1)]["production"]["size_rule"]
if not rule or "over the rewrite size threshold of 1.0 GB" not in rule or by[("missing-lock-timeout", 1)]["severity"] != "error":
    print("check-stats 2: size_rule", rule)
    sys.exit(1)
PY

# 3. The default stats_max_age (7 days): the 2020 file is stale, and still used.
sed -i '/stats_max_age/d' gatekeeper.yml
"$GK" check --base main --no-replay >"$TMP/out3.txt" 2>&1
rc=$?
grep -q '^prod-stats.json: warning: stale statistics: prod-stats.json was taken [0-9.]* days ago, more than stats_max_age (7.0 days); its production sizes are still used and may be out of date \[stats-stale\]$' \
	"$TMP/out3.txt" || fail "3: no stats-stale warning: $(grep -i stale "$TMP/out3.txt")"
[ $rc = 1 ] || fail "3: exit $rc, expected 1 (the change's own findings; stats-stale is a warning)"
grep -q '= production: rewrites public.users' "$TMP/out3.txt" || fail "3: stale statistics not used"

# 4. A broken file: exit 2, the file named; the findings are still reported.
printf '{"format": "gatekeeper-stats/1", "tables": 3}\n' >prod-stats.json
"$GK" check --base main --no-replay >"$TMP/out4.txt" 2>&1
rc=$?
[ $rc = 2 ] || fail "4: exit $rc, expected 2"
grep -q 'prod-stats.json: server_version_num: expected a non-negative integer' "$TMP/out4.txt" ||
	fail "4: the error does not name the file and key: $(cat "$TMP/out4.txt")"
grep -q '\[alter-column-type\]' "$TMP/out4.txt" || fail "4: findings lost"

# 5. Bad configuration values are reported at their line.
printf 'size_thresholds:\n  rewrite: huge\n  scans: 1GB\nstats_max_age: soon\n' >gatekeeper.yml
"$GK" check --base main --no-replay >"$TMP/out5.txt" 2>&1
rc=$?
[ $rc = 2 ] || fail "5: exit $rc, expected 2"
grep -q 'gatekeeper.yml:2:12: a size threshold must be a size such as 1GB, 500MB or 64kB, not .huge.' "$TMP/out5.txt" ||
	fail "5: $(cat "$TMP/out5.txt")"
exit $status
