#!/usr/bin/env bash
# `gatekeeper check` with its replay on the embedded cluster, end to end:
#   - a failing replay (CONCURRENTLY beside another statement in a Prisma
#     7.3 file, one query), the next migration skipped, observed locks of a traced one:
#     JSON valid against schemas/report/v1.json with replay and locks[];
#     JUnit with a `replay` testcase per migration (failure / skipped / locks
#     in system-out), valid against the XSDs in both profiles; failures =
#     blocking findings = exit 1;
#   - the server killed mid-replay: exit 3, the reports still written with
#     the db_connect error, the migration it died under "interrupted" in
#     JSON and a skipped replay case in JUnit (neither failed nor passed),
#     no server process and no cluster folder left;
#   - a progress line on a terminal only, not with --quiet;
#   - an unreachable --shadow-url with a password: exit 3, the password in no
#     output.
set -uo pipefail
root=$(cd ../../.. && pwd)
schemas=$root/testdata/schemas
command -v xmllint >/dev/null || { echo "xmllint is missing (Debian: libxml2-utils; see ci/install-deps.sh)"; exit 1; }
. ../input-common/prisma-repo.sh
prisma_repo || exit 1
# Prisma before 7.4 sends a file as one query: CONCURRENTLY beside another statement fails.
printf '{"devDependencies": {"prisma": "7.3.0"}}\n' >package.json
mig 20240101000000_init 'CREATE TABLE users (id bigint PRIMARY KEY, email text, name text);'
git add -A && git commit -qm init
git switch -qc feature
mig 20240201000000_add_users_nickname 'CREATE INDEX users_name_idx ON users (name);
ALTER TABLE users ADD COLUMN nickname text;'
mig 20240202000000_add_nickname_idx 'ALTER TABLE users ADD COLUMN bio text;
CREATE INDEX CONCURRENTLY users_nickname_idx ON users (nickname);'
mig 20240203000000_create_tags 'CREATE TABLE tags (id bigint PRIMARY KEY);'
git add -A && git commit -qm change
status=0
fail() { echo "$@"; status=1; }
xsd() { xmllint --noout --schema "$schemas/$1" "$2" >/dev/null 2>"$TMP/xsd.err" || { fail "$2 not valid against $1"; head "$TMP/xsd.err"; }; }

"$GK" check --no-config --base main --no-cache --json "$TMP/r.json" --junit "$TMP/r.xml" >"$TMP/out.txt" 2>"$TMP/err.txt"
rc=$?
[ $rc = 1 ] || { fail "failing replay: exit $rc, expected 1"; cat "$TMP/err.txt"; }
"$GK" check --no-config --base main --no-cache --format junit --junit-profile strict >"$TMP/strict.xml" 2>/dev/null
xsd junit-10-file-line.xsd "$TMP/r.xml"
xsd junit-10.xsd "$TMP/strict.xml"
xsd windyroad-JUnit.xsd "$TMP/strict.xml"
python3 - "$root/schemas/report/v1.json" "$TMP/r.json" "$TMP/r.xml" "$TMP/strict.xml" "$TMP/out.txt" <<'PY' || status=1
import json, sys
import xml.etree.ElementTree as ET
from jsonschema import Draft202012Validator
schema, jpath, xpath, spath, tpath = sys.argv[1:]
doc = json.load(open(jpath))
problems = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in Draft202012Validator(json.load(open(schema))).iter_errors(doc)]
def want(cond, what):
    if not cond:
        problems.append(what)
M = "prisma/migrations/"
mig = {m["path"][len(M):].split("/")[0]: m for m in doc["migrations"]}
a, b, c = mig["20240201000000_add_users_nickname"], mig["20240202000000_add_nickname_idx"], mig["20240203000000_create_tags"]
want(doc["replay"]["shadow"] == "embedded" and doc["replay"]["migrations"] == 4, f"replay: {doc.get('replay')}")
want(doc["config"]["pg_version"] == doc["replay"]["server_version"] // 10000, "pg_version from the shadow")
want(a["replay"]["status"] == "ok" and a["replay"]["traced"], f"a: {a['replay']}")
modes = sorted((l["statement_index"], l["line"], l["relation"], l["mode"]) for l in a["locks"])
want(modes == [(1, 1, "public.users", "ShareLock"), (2, 2, "public.users", "AccessExclusiveLock")], f"a locks: {modes}")
want(b["replay"]["status"] == "failed" and b["replay"]["sqlstate"] == "25001", f"b: {b['replay']}")
want(c["replay"]["status"] == "skipped" and "20240202000000_add_nickname_idx" in c["replay"]["error"], f"c: {c['replay']}")
rules = sorted((f["rule_id"], f["path"][len(M):].split("/")[0]) for f in doc["findings"] if f["category"] == "replay")
want(("replay-failed", "20240202000000_add_nickname_idx") in rules, f"replay findings: {rules}")
# The SHARE lock of the CREATE INDEX confirms the lint's prediction, in its finding.
cinc = [f for f in doc["findings"] if f["rule_id"] == "create-index-non-concurrent"
        and "20240201000000_add_users_nickname" in f["path"]]
want(len(cinc) == 1 and cinc[0].get("evidence", {}).get("verdict") == "confirmed", f"create-index-non-concurrent: {cinc}")
want(("observed-share-lock", "20240201000000_add_users_nickname") not in rules, f"replay findings: {rules}")
# JUnit: a replay case per migration; failures = blocking findings = exit 1.
root = ET.parse(xpath).getroot()
want(int(root.get("failures")) == doc["summary"]["blocking"], "junit failures = blocking")
suites = {s.get("name")[len(M):].split("/")[0]: s for s in root.findall("testsuite") if s.get("name").startswith(M)}
def case(suite, name):
    return [t for t in suites[suite].findall("testcase") if t.get("name") == name]
rb = case("20240202000000_add_nickname_idx", "replay")
want(len(rb) == 1 and rb[0].find("failure") is not None and rb[0].find("failure").get("type") == "replay/replay-failed",
     "junit: failing replay case")
want(not [t for t in suites["20240202000000_add_nickname_idx"].findall("testcase") if t.get("name").startswith("lint/replay-failed")],
     "junit: the replay failure is not repeated as a lint case")
rc_ = case("20240203000000_create_tags", "replay")
want(len(rc_) == 1 and rc_[0].find("skipped") is not None and suites["20240203000000_create_tags"].get("skipped") == "1",
     "junit: skipped replay case")
ra = case("20240201000000_add_users_nickname", "replay")
want(len(ra) == 1 and "public.users ShareLock" in (ra[0].findtext("system-out") or ""), "junit: locks in system-out")
for s in root.findall("testsuite"):
    want(int(s.get("tests")) == len(s.findall("testcase")), f"junit tests count of {s.get('name')}")
strict = ET.parse(spath).getroot()
ss = [s for s in strict.findall("testsuite") if s.get("name", "").endswith("add_users_nickname/migration.sql")]
want(ss and "public.users ShareLock" in (ss[0].findtext("system-out") or ""), "strict junit: locks in the suite's system-out")
text = open(tpath).read()
want("replay: 4 migrations on PostgreSQL" in text and "failed      prisma/migrations/20240202000000" in text,
     "text: replay section")
for p in problems:
    print("check-replay:", p)
sys.exit(1 if problems else 0)
PY

# The server killed mid-replay (a migration sleeps; its postmaster gets SIGKILL).
git switch -q main && git switch -qc slow
mig 20240301000000_add_slow 'SELECT pg_sleep(60);'
git add -A && git commit -qm slow
"$GK" check --no-config --base main --no-cache --json "$TMP/k.json" --junit "$TMP/k.xml" >/dev/null 2>"$TMP/k.err" &
gk=$!
pm=""
for _ in $(seq 1 200); do
	pm=$(pgrep -P "$gk" -x postgres | head -1)
	# ... and its backend runs the sleep
	embedded_running "$gk" 'pg_sleep(60)' && break
	sleep 0.1
done
[ -n "$pm" ] || fail "kill: no postmaster under gatekeeper ($gk)"
[ -n "$pm" ] && kill -KILL "$pm"
wait "$gk"; rc=$?
[ $rc = 3 ] || { fail "killed server: exit $rc, expected 3"; cat "$TMP/k.err"; }
python3 - "$TMP/k.json" "$TMP/k.xml" <<'PY' || status=1
import json, sys
import xml.etree.ElementTree as ET
doc = json.load(open(sys.argv[1]))
assert doc["summary"]["exit_code"] == 3 and doc["summary"]["verdict"] == "error", doc["summary"]
assert [e["kind"] for e in doc["errors"]] == ["db_connect"], doc["errors"]
root = ET.parse(sys.argv[2]).getroot()
assert int(root.get("errors")) == 1, root.attrib
# JSON and JUnit agree on the migration the server died under: it did not
# fail (no finding blames it) and did not pass; both read one status.
slow = [m for m in doc["migrations"] if "20240301000000_add_slow" in m["path"]][0]
assert slow["replay"]["status"] == "interrupted", slow["replay"]
assert "the shadow server went away" in slow["replay"]["error"], slow["replay"]
case = [t for t in root.iter("testcase") if "20240301000000_add_slow" in (t.get("classname") or "") and t.get("name") == "replay"]
assert len(case) == 1 and case[0].find("skipped") is not None and case[0].find("failure") is None, [ET.tostring(c) for c in case]
PY
sleep 0.5
left=$(pgrep -P "$gk" 2>/dev/null; pgrep -f "$TMPDIR/gatekeeper-shadow" 2>/dev/null)
[ -z "$left" ] || fail "processes left after the kill: $left"
[ -z "$(ls -A "$TMPDIR")" ] || fail "left in TMPDIR: $(ls -A "$TMPDIR")"

# A long replay on a terminal shows a progress line on stderr; --quiet and
# a pipe do not.
if command -v script >/dev/null; then
	git switch -q main && git switch -qc long
	mig 20240301000000_add_wait 'SELECT pg_sleep(1.3);'
	mig 20240302000000_add_after 'SELECT 1;'
	git add -A && git commit -qm long
	# stdout to /dev/null: the typescript holds what went to the terminal's stderr.
	script -qec "'$GK' check --no-config --base main --no-cache >/dev/null" "$TMP/tty.err" >/dev/null
	grep -q "replay 3/3 .*20240302000000_add_after" "$TMP/tty.err" || fail "no progress line on a terminal: $(cat -v "$TMP/tty.err")"
	script -qec "'$GK' check --no-config --base main --no-cache --quiet >/dev/null" "$TMP/q.err" >/dev/null
	grep -q "replay [0-9]" "$TMP/q.err" && fail "--quiet still shows progress"
	"$GK" check --no-config --base main --no-cache >/dev/null 2>"$TMP/pipe.err"
	grep -q "replay [0-9]" "$TMP/pipe.err" && fail "progress line on a pipe"
else
	echo "check-replay: 'script' (util-linux) is missing: progress line not tested"
fi

# No server binaries where --pg-bin points: exit 3 saying so; --no-replay
# is the way to go on without a server.
"$GK" check --no-config --base main --no-cache --pg-bin /nonexistent/bin --json "$TMP/b.json" >/dev/null 2>"$TMP/b.err"; rc=$?
[ $rc = 3 ] && grep -q "/nonexistent/bin" "$TMP/b.json" || fail "--pg-bin without binaries: exit $rc, $(cat "$TMP/b.err")"
"$GK" check --no-config --base main --no-replay --pg-bin /nonexistent/bin >/dev/null 2>&1; rc=$?
[ $rc = 0 ] || fail "--no-replay without binaries: exit $rc, expected 0"

# An unreachable shadow URL with a password: exit 3, the password nowhere.
"$GK" check --no-config --base main --shadow-url "postgresql://app:Sup3rSecretPw@127.0.0.1:1/db" \
	--json "$TMP/u.json" --junit "$TMP/u.xml" >"$TMP/u.out" 2>"$TMP/u.err"; rc=$?
[ $rc = 3 ] || { fail "unreachable: exit $rc, expected 3"; cat "$TMP/u.err"; }
grep -l "Sup3rSecretPw" "$TMP/u.json" "$TMP/u.xml" "$TMP/u.out" "$TMP/u.err" && fail "the password leaked"
grep -q "127.0.0.1" "$TMP/u.json" || fail "unreachable: the error does not name the host"
exit $status
