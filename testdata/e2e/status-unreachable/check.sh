#!/usr/bin/env bash
# `gatekeeper status` against a database that cannot be reached (nothing
# listens on 127.0.0.1:1), run from a project with prisma/migrations and a
# Prisma DATABASE_URL (?schema=, connection_limit): exit 3, stderr names
# the host and the reason, the --json and --junit artefacts are written
# with one db_connect error and are valid against their schemas, and the
# password is in no output.  The cases that need a live server run in
# src/target/cli_test.c, on the embedded cluster of that test program.
set -uo pipefail
root=$(cd ../../.. && pwd)
secret=E2e-Secr3t-Pw
url="postgresql://app:$secret@127.0.0.1:1/app?schema=public&connection_limit=5"
status=0
fail() { echo "$@"; status=1; }
grep -q "cannot connect to the target database on host 127.0.0.1 port 1: " "$STDERR" ||
	fail "stderr does not name the host and port: $(cat "$STDERR")"
DATABASE_URL="$url" "$GK" status --no-config --json "$TMP/r.json" --junit "$TMP/r.xml" >"$TMP/out" 2>"$TMP/err"
rc=$?
[ $rc = 3 ] || fail "DATABASE_URL: exit $rc, expected 3"
grep -l -- "$secret" "$STDOUT" "$STDERR" "$TMP/out" "$TMP/err" "$TMP/r.json" "$TMP/r.xml" && fail "the password leaked"
if command -v xmllint >/dev/null; then
	xmllint --noout --schema "$root/testdata/schemas/junit-10-file-line.xsd" "$TMP/r.xml" 2>/dev/null ||
		fail "r.xml not valid against junit-10-file-line.xsd"
fi
python3 - "$root/schemas/report/v1.json" "$TMP/r.json" "$TMP/r.xml" <<'PY' || status=1
import json, sys
import xml.etree.ElementTree as ET
from jsonschema import Draft202012Validator
schema, jpath, xpath = sys.argv[1:]
doc = json.load(open(jpath))
problems = [e.message for e in Draft202012Validator(json.load(open(schema))).iter_errors(doc)]
if doc["summary"]["exit_code"] != 3 or doc["summary"]["verdict"] != "error":
    problems.append(f"summary: {doc['summary']}")
if [e["kind"] for e in doc["errors"]] != ["db_connect"] or "127.0.0.1" not in doc["errors"][0]["message"]:
    problems.append(f"errors: {doc['errors']}")
if doc["run"]["command"] != "status":
    problems.append(f"run: {doc['run']}")
root = ET.parse(xpath).getroot()
if root.get("errors") != "1":
    problems.append(f"junit errors: {root.attrib}")
for p in problems:
    print("status-unreachable:", p)
sys.exit(1 if problems else 0)
PY
exit $status
