#!/usr/bin/env bash
# The reports are valid and agree with each other and with the exit code:
#   - JSON against schemas/report/v1.json (python3 jsonschema, Draft 2020-12);
#   - default JUnit against testdata/schemas/junit-10-file-line.xsd, strict
#     JUnit against junit-10.xsd and windyroad-JUnit.xsd (xmllint);
#   - exit code = summary.exit_code; JUnit failures = summary.blocking =
#     blocking findings; JUnit errors = errors[]
# for a failing run, a passing run (--fail-level never) and an erroring run
# (no SQL files: exit 2).
set -uo pipefail
root=$(cd ../../.. && pwd)
schemas=$root/testdata/schemas
inputs=../lint-inputs/migrations
command -v xmllint >/dev/null || { echo "xmllint is missing (Debian: libxml2-utils; see ci/install-deps.sh)"; exit 1; }
python3 -c 'import jsonschema' 2>/dev/null || { echo "python3 jsonschema is missing (Debian: python3-jsonschema; see ci/install-deps.sh)"; exit 1; }
mkdir -p "$TMP/empty"
status=0

# xsd SCHEMA FILE: FILE must validate against testdata/schemas/SCHEMA.
xsd() {
	local out
	out=$(xmllint --noout --schema "$schemas/$1" "$2" 2>&1) || { echo "$2 is not valid against $1:"; echo "$out" | head -20; status=1; }
}

# check NAME WANT_EXIT ARGS...: one run rendered as JSON + default JUnit, one as strict JUnit.
check() {
	local name=$1 want=$2 rc rc2
	shift 2
	"$GK" lint --no-config --json "$TMP/$name.json" --junit "$TMP/$name.xml" "$@" >/dev/null 2>"$TMP/$name.err"; rc=$?
	"$GK" lint --no-config --format junit --junit-profile strict "$@" >"$TMP/$name.strict.xml" 2>>"$TMP/$name.err"; rc2=$?
	if [ "$rc" != "$want" ] || [ "$rc2" != "$want" ]; then
		echo "$name: exit $rc and $rc2, expected $want"; cat "$TMP/$name.err"; status=1; return
	fi
	xsd junit-10-file-line.xsd "$TMP/$name.xml"
	xsd junit-10.xsd "$TMP/$name.strict.xml"
	xsd windyroad-JUnit.xsd "$TMP/$name.strict.xml"
	# With failing cases the default profile must NOT pass upstream junit-10.xsd
	# (it carries testcase@file): proves that xmllint really checks.
	if [ "$want" = 1 ] && xmllint --noout --schema "$schemas/junit-10.xsd" "$TMP/$name.xml" >/dev/null 2>&1; then
		echo "$name: default JUnit unexpectedly valid against junit-10.xsd (testcase@file missing?)"; status=1
	fi
	python3 - "$root/schemas/report/v1.json" "$TMP/$name.json" "$TMP/$name.xml" "$TMP/$name.strict.xml" "$rc" "$name" <<'PY' || status=1
import json, sys
import xml.etree.ElementTree as ET
from jsonschema import Draft202012Validator

schema_path, json_path, junit_path, strict_path, rc, name = sys.argv[1:]
schema = json.load(open(schema_path))
Draft202012Validator.check_schema(schema)
doc = json.load(open(json_path))
problems = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in Draft202012Validator(schema).iter_errors(doc)]
s = doc["summary"]
blocking = sum(f["blocking"] for f in doc["findings"])
if s["exit_code"] != int(rc):
    problems.append(f"summary.exit_code {s['exit_code']} but the exit code was {rc}")
if s["blocking"] != blocking:
    problems.append(f"summary.blocking {s['blocking']} but {blocking} findings block")
if s["findings"] != len(doc["findings"]) or s["files"] != len(doc["migrations"]):
    problems.append("summary counts differ from the arrays")
if sum(m["blocking"] for m in doc["migrations"] if m["path"]) > blocking:
    problems.append("migrations count more blocking findings than there are")
for path, strict in ((junit_path, False), (strict_path, True)):
    root = ET.parse(path).getroot()
    failures, errors = len(root.findall(".//failure")), len(root.findall(".//error"))
    if failures != s["blocking"]:
        problems.append(f"{path}: {failures} <failure> but summary.blocking is {s['blocking']}")
    if errors != len(doc["errors"]):
        problems.append(f"{path}: {errors} <error> but {len(doc['errors'])} errors in JSON")
    if not strict and (int(root.get("failures")) != failures or int(root.get("errors")) != errors):
        problems.append(f"{path}: <testsuites> counts differ from its children")
    for suite in root.findall("testsuite"):
        cases = suite.findall("testcase")
        if int(suite.get("tests")) != len(cases) or int(suite.get("failures")) != len(suite.findall("testcase/failure")):
            problems.append(f"{path}: suite {suite.get('name')} counts differ from its cases")
    # The verdict in JUnit terms: a failing run has failures or errors, a passing one neither.
    if (failures + errors > 0) != (int(rc) != 0):
        problems.append(f"{path}: {failures} failures and {errors} errors but exit code {rc}")
for p in problems:
    print(f"{name}: {p}")
sys.exit(1 if problems else 0)
PY
}

check failing 1 "$inputs"
check passing 0 --fail-level never "$inputs"
check erroring 2 "$TMP/empty"

# Both runs see the same findings; the failing one has some blocking, the
# passing one none: only the fail level differs.
python3 - "$TMP/failing.json" "$TMP/passing.json" <<'PY' || status=1
import json, sys
fail, ok = (json.load(open(p)) for p in sys.argv[1:])
assert fail["summary"]["verdict"] == "fail" and fail["summary"]["blocking"] > 0, fail["summary"]
assert ok["summary"]["verdict"] == "pass" and ok["summary"]["blocking"] == 0, ok["summary"]
assert ok["config"]["fail_level"] == "never", ok["config"]
assert ok["findings"] == [dict(f, blocking=False) for f in fail["findings"]], "the findings differ"
PY
exit $status
