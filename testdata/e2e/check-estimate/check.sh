#!/usr/bin/env bash
# The lock-window estimate of `gatekeeper check` with production sizes
# (--rows, or a statistics file with --stats): the change's rewrite of an existing table is calibrated on
# the shadow and extrapolated, the estimate rides on the lint finding that
# predicted the lock (JSON valid against schemas/report/v1.json, text,
# Markdown, JUnit, SARIF and GitLab valid against theirs), and `lock_budget:` turns it into the blocking
# lock-window-over-budget finding only when the range goes over.
#   - a table the change creates gets no estimate whatever --rows says;
#   - without --rows nothing is estimated;
#   - a bad --rows is a usage error (exit 2);
#   - a migration the replay stopped at its time limit is not walked by
#     the estimate (which has no limit of its own): the run still ends.
set -uo pipefail
root=$(cd ../../.. && pwd)
. ../input-common/prisma-repo.sh
prisma_repo || exit 1
mig 20240101000000_init 'CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, age int);'
git add -A && git commit -qm init
git switch -qc feature
mig 20240201000000_widen_age 'CREATE TABLE notes (id int);
ALTER TABLE users ALTER COLUMN age TYPE bigint;
ALTER TABLE notes ALTER COLUMN id TYPE bigint;'
git add -A && git commit -qm change
status=0
fail() { echo "$@"; status=1; }

run() {  # run NAME [options]: reports in $TMP/NAME.*, exit code printed
	local name=$1
	shift
	"$GK" check --base main --no-cache --json "$TMP/$name.json" --junit "$TMP/$name.xml" --markdown "$TMP/$name.md" \
		"$@" >"$TMP/$name.txt" 2>"$TMP/$name.err"
	echo $?
}

printf 'lock_budget:\n  access_exclusive: 1ms\n' >gatekeeper.yml
rc=$(run over --rows users=3M --rows notes=9M)
[ "$rc" = 1 ] || { fail "over budget: exit $rc, expected 1"; cat "$TMP/over.err"; }
printf 'lock_budget:\n  access_exclusive: 24h\n' >gatekeeper.yml
rc=$(run under --rows public.users=3M)
[ "$rc" = 1 ] || { fail "under budget: exit $rc, expected 1 (alter-column-type still blocks)"; cat "$TMP/under.err"; }
rc=$(run none)
[ "$rc" = 1 ] || fail "no sizes: exit $rc, expected 1"
# The same sizes from a statistics file (`gatekeeper stats`): --stats
# feeds the estimate as well as the production context.
cat >"$TMP/prod-stats.json" <<JSON
{"format": "gatekeeper-stats/1", "server_version": "15.8", "server_version_num": 150008,
 "taken_at": "$(date -u +%Y-%m-%dT%H:%M:%SZ)", "stats_reset": null, "tables": [
  {"schema": "public", "name": "users", "kind": "table", "reltuples": 3000000, "total_bytes": 400000000,
   "heap_bytes": 300000000, "n_tup_ins": 3000000, "n_tup_upd": 0, "n_tup_del": 0, "n_live_tup": 3000000,
   "n_dead_tup": 0, "last_vacuum": null, "last_autovacuum": null, "last_analyze": null, "last_autoanalyze": null,
   "indexes": []}]}
JSON
printf 'lock_budget:\n  access_exclusive: 1ms\n' >gatekeeper.yml
rc=$(run stats --stats "$TMP/prod-stats.json" --sarif "$TMP/stats.sarif" --gitlab "$TMP/stats.gl.json")
[ "$rc" = 1 ] || { fail "stats file: exit $rc, expected 1"; cat "$TMP/stats.err"; }
# SARIF and GitLab Code Quality carry the production context and the
# estimate too (after the message; SARIF also in properties), valid
# against their schemas (ajv; SKIP of that part without npm).
if GK_NPM_DIR=$("$root/ci/json-validator.sh" "$root/build/npm" 2>"$TMP/why"); then
	export GK_NPM_DIR
	node "$root/ci/validate-json.js" "$root/testdata/schemas/sarif-schema-2.1.0.json" "$TMP/stats.sarif" ||
		fail "stats.sarif is not valid SARIF"
	node "$root/ci/validate-json.js" "$root/testdata/schemas/gitlab-codequality.schema.json" "$TMP/stats.gl.json" ||
		fail "stats.gl.json is not a valid GitLab Code Quality report"
else
	echo "SKIP (part): SARIF and GitLab schema validation: $(cat "$TMP/why")"
fi

python3 - "$root/schemas/report/v1.json" "$TMP" <<'PY' || status=1
import json, sys
import xml.etree.ElementTree as ET
from jsonschema import Draft202012Validator
schema, tmp = sys.argv[1:]
problems = []
def want(cond, what):
    if not cond:
        problems.append(what)
def load(name):
    doc = json.load(open(f"{tmp}/{name}.json"))
    problems.extend(f"{name}: {'/'.join(map(str, e.absolute_path))}: {e.message}"
                    for e in Draft202012Validator(json.load(open(schema))).iter_errors(doc))
    return doc
over, under, none, stats = load("over"), load("under"), load("none"), load("stats")

budget = [f for f in over["findings"] if f["rule_id"] == "lock-window-over-budget"]
want(len(budget) == 1, f"over: one budget finding, got {[f['message'] for f in budget]}")
if budget:
    b = budget[0]
    want(b["blocking"] and b["severity"] == "error" and b["statement_index"] == 2 and b["line"] == 2, f"budget: {b}")
    want("predicted to hold ACCESS EXCLUSIVE on public.users for ~" in b["message"]
         and "(3M rows), over the lock budget of 1 ms" in b["message"], b["message"])
    e = b.get("estimate") or {}
    want(e.get("lock") == "ACCESS EXCLUSIVE" and e.get("relation") == "public.users"
         and e.get("production_rows") == 3000000 and len(e.get("sizes", [])) == 3
         and [s["rows"] for s in e["sizes"]] == [10000, 50000, 200000]
         and 0 < e["low_ms"] <= e["high_ms"], f"estimate: {e}")
    want("calibrated on 3 sizes (10k, 50k, 200k rows), cost per row, extrapolated to 3M rows" in e.get("method", ""),
         e.get("method"))
act = [f for f in over["findings"] if f["rule_id"] == "alter-column-type"]
want([f["statement_index"] for f in act] == [2] and "estimate" in act[0], f"alter-column-type with the estimate: {act}")
want(not [f for f in over["findings"] if f["statement_index"] == 3 and "estimate" in f],
     "no estimate on statement 3 (notes is new in the change)")
want(not [f for f in under["findings"] if f["rule_id"] == "lock-window-over-budget"], "under: no budget finding")
want(any("estimate" in f for f in under["findings"]), "under: the estimate still on the lint finding")
want(not [f for f in none["findings"] if "estimate" in f or f["rule_id"] == "lock-window-over-budget"],
     "no --rows: nothing estimated")
want("lock_budget: not applied: no production sizes were given (--rows, --stats), so no lock window was estimated"
     in none.get("notes", []), f"no --rows: the budget's note, notes {none.get('notes')}")
want(not [n for n in over.get("notes", []) if n.startswith("lock_budget")], "with --rows: no such note")

sb = [f for f in stats["findings"] if f["rule_id"] == "lock-window-over-budget"]
want(len(sb) == 1 and sb[0].get("estimate", {}).get("production_rows") == 3000000,
     f"--stats: the budget finding extrapolated to the file's 3M rows, got {[f.get('estimate') for f in sb]}")
want(any(f.get("production") and f.get("estimate") for f in stats["findings"]),
     "--stats: a finding with both its production context and its estimate")

sarif = json.load(open(f"{tmp}/stats.sarif"))["runs"][0]["results"]
both = [r for r in sarif if r["ruleId"] == "alter-column-type"]
want(len(both) == 1 and "\nproduction: rewrites public.users (3.0M rows" in both[0]["message"]["text"]
     and "\nestimate: ~" in both[0]["message"]["text"], f"sarif: message with context: {both}")
props = both[0]["properties"] if both else {}
want(props.get("production", {}).get("source") == "stats file"
     and props.get("estimate", {}).get("production_rows") == 3000000, f"sarif: properties: {props}")
gl = [i for i in json.load(open(f"{tmp}/stats.gl.json")) if i["check_name"] == "alter-column-type"]
want(len(gl) == 1 and "\nproduction: rewrites public.users" in gl[0]["description"]
     and "\nestimate: ~" in gl[0]["description"], f"gitlab: description with context: {gl}")

text = open(f"{tmp}/over.txt").read()
want("= estimate: ~" in text and "under ACCESS EXCLUSIVE on public.users, calibrated on 3 sizes" in text,
     "text: the estimate line")
md = open(f"{tmp}/over.md").read()
want("**Predicted lock window:** \\~" in md, "markdown: the estimate")
body = " ".join(f.text or "" for f in ET.parse(f"{tmp}/over.xml").getroot().iter("failure"))
want("estimate: ~" in body and "lock-window-over-budget" in ET.tostring(ET.parse(f"{tmp}/over.xml").getroot(), encoding="unicode"),
     "junit: the estimate and the budget failure")
for p in problems:
    print(p)
sys.exit(1 if problems else 0)
PY

rc=$(run bad --rows users=lots)
[ "$rc" = 2 ] || fail "--rows users=lots: exit $rc, expected 2"
grep -q "'lots' is not a row count" "$TMP/bad.err" || { fail "--rows message:"; cat "$TMP/bad.err"; }

# A migration of the change that the replay stopped (its time limit) is
# not walked again by the estimate, which has no such limit: the run ends
# within the replay's limit plus the calibration, with the estimate of the
# rewrite before it.
mig 20240301000000_slow 'SELECT pg_sleep(600);'
git add -A && git commit -qm slow
printf 'lock_budget:\n  access_exclusive: 24h\n' >gatekeeper.yml
start=$SECONDS
rc=$(timeout 300 "$GK" check --base main --no-cache --replay-timeout 2s --rows users=3M --json "$TMP/slow.json" \
	>"$TMP/slow.txt" 2>&1; echo $?)
[ "$rc" = 1 ] || { fail "slow: exit $rc, expected 1"; tail -5 "$TMP/slow.txt"; }
[ $((SECONDS - start)) -lt 120 ] || fail "slow: $((SECONDS - start)) s: the estimate waited for the statement the replay stopped"
grep -q '"rule_id":"replay-timeout"\|"rule_id": "replay-timeout"' "$TMP/slow.json" || fail "slow: no replay-timeout finding"
grep -q '"estimate"' "$TMP/slow.json" || fail "slow: the rewrite before it lost its estimate"
exit $status
