#!/usr/bin/env bash
# SARIF and GitLab Code Quality reports, against their schemas (ajv from the
# npm registry, installed into the build folder by ci/json-validator.sh;
# SKIP without npm), and against each other:
#   - the demo's SARIF (the golden) is valid against
#     testdata/schemas/sarif-schema-2.1.0.json; a document with a region
#     line 0 is not (the validator checks);
#   - hostile file names and SQL (%, CR/LF, ::set-output, ::stop-commands::,
#     ]]>, ESC sequences, bytes that are not UTF-8): --sarif and --gitlab
#     files, written beside --json, are valid, carry no raw control
#     character, and agree with the JSON report and the exit code: one
#     result / issue per finding in a file, the same fingerprints, all
#     different, 1-based lines; absolute paths are file: URIs, valid too;
#   - fingerprints are stable: a second run gives the same, and so does a
#     run after lines are added above the statements and one is re-indented.
set -uo pipefail
root=$(cd ../../.. && pwd)
if ! GK_NPM_DIR=$("$root/ci/json-validator.sh" "$root/build/npm" 2>"$TMP/why"); then
	echo "SKIP: no JSON Schema validator: $(cat "$TMP/why")"
	exit 0
fi
export GK_NPM_DIR
sarif_schema=$root/testdata/schemas/sarif-schema-2.1.0.json
gitlab_schema=$root/testdata/schemas/gitlab-codequality.schema.json
validate() { node "$root/ci/validate-json.js" "$@"; }
status=0
fail() { echo "FAIL: $*"; status=1; }

validate "$sarif_schema" "$STDOUT" || fail "the demo's SARIF is not valid"
python3 - "$STDOUT" "$TMP/bad.sarif" <<'PY' || exit 1
import json, sys
doc = json.load(open(sys.argv[1]))
doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
json.dump(doc, open(sys.argv[2], "w"))
PY
validate "$sarif_schema" "$TMP/bad.sarif" >/dev/null && fail "a SARIF region at line 0 passed: the validator checks nothing"

# Hostile names and SQL.
cd "$TMP" || exit 1
mkdir db
printf 'CREATE INDEX i ON "t\e[2J\r\n::set-output name=x::y" (a);\n' >$'db/evil 100%\e[31m\r\n::set-output name=a::b.sql'
printf -- '-- ]]> ::stop-commands::tok\nCREATE INDEX j ON t (a);\nCREATE INDEX j ON t (a);\n' >$'db/::stop-commands::tok.sql'
printf 'CREATE INDEX k ON t (a);\n' >$'db/a\xff.sql'
run() { # run NAME DIR: lint DIR into NAME.{json,sarif,gl.json}; prints the exit code
	"$GK" lint --no-config --json "$1.json" --sarif "$1.sarif" --gitlab "$1.gl.json" "$2" >/dev/null 2>"$1.err"
	echo $?
}
rc=$(run one db)
[ "$rc" = 1 ] || fail "hostile lint: exit $rc: $(cat one.err)"
validate "$sarif_schema" one.sarif || fail "hostile SARIF is not valid"
validate "$gitlab_schema" one.gl.json || fail "hostile GitLab report is not valid"
rc2=$(run two db)
# Absolute paths: file: URIs, valid too.
"$GK" lint --no-config --sarif abs.sarif "$TMP/db" >/dev/null 2>&1
validate "$sarif_schema" abs.sarif || fail "SARIF with absolute paths is not valid"
grep -q '"uri":"file:///' abs.sarif || fail "an absolute path is not a file: URI"
# The same findings after lines are added above and a statement re-indented,
# read by the same relative path from another folder.
mkdir -p edited/db
for f in db/*; do
	{ printf -- '-- a comment\n\n\n'; sed 's/^CREATE INDEX j ON t (a);$/CREATE INDEX j\n    ON t (a);/' "$f"; } >"edited/$f"
done
rc3=$(cd edited && run ../three db)
python3 - "$rc" "$rc2" "$rc3" <<'PY' || status=1
import json, sys
rc = int(sys.argv[1])
def load(name):
    raw = {ext: open(f"{name}.{ext}", "rb").read() for ext in ("json", "sarif", "gl.json")}
    for ext, data in raw.items():
        assert not any(b < 0x20 and b not in (0x0a,) for b in data), f"{name}.{ext}: raw control character"
    return [json.loads(raw[e]) for e in ("json", "sarif", "gl.json")]
problems = []
def want(ok, msg):
    if not ok:
        problems.append(msg)
j, s, g = load("one")
run = s["runs"][0]
infile = [f for f in j["findings"] if f["path"]]
want(len(infile) >= 4, f"expected findings in every file, got {len(infile)}")
want(len(run["results"]) == len(infile), f"SARIF results {len(run['results'])} != JSON findings in files {len(infile)}")
want(len(g) == len(infile), f"GitLab issues {len(g)} != JSON findings in files {len(infile)}")
want(run["invocations"][0]["exitCode"] == rc == j["summary"]["exit_code"], "exit codes differ")
want(run["automationDetails"]["id"] == "gatekeeper/lint/", run["automationDetails"])
fs = [r["partialFingerprints"]["gatekeeperFingerprint/v1"] for r in run["results"]]
gs = [i["fingerprint"] for i in g]
want(fs == gs, "SARIF and GitLab fingerprints differ")
want(len(set(fs)) == len(fs), "fingerprints repeat")
want(all(i["location"]["lines"]["begin"] >= 1 for i in g), "a GitLab line below 1")
paths = {f["path"] for f in infile}
want(any("::set-output" in p and "\r\n" in p and "\x1b" in p for p in paths), f"hostile path lost: {paths}")
uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
want(any("%0D%0A%3A%3Aset-output" in u and "%1B" in u and "100%25" in u for u in uris), f"URIs: {uris}")
want(any("%FF" in u for u in uris), f"a byte that is not UTF-8 is not percent-encoded: {uris}")
# ::stop-commands:: file: two identical statements, two fingerprints.
stop = [i for i in g if "stop-commands" in i["location"]["path"] and i["check_name"] == "create-index-non-concurrent"]
want(len(stop) == 2 and stop[0]["fingerprint"] != stop[1]["fingerprint"], f"identical statements: {stop}")
_, s2, g2 = load("two")
want([i["fingerprint"] for i in g2] == gs, "a second run changed the fingerprints")
_, s3, g3 = load("three")
want(sorted(i["fingerprint"] for i in g3) == sorted(gs), "added lines or a re-indented statement changed the fingerprints")
want([i["location"]["lines"]["begin"] for i in g3] != [i["location"]["lines"]["begin"] for i in g], "the edit moved no line")
want(int(sys.argv[3]) == rc, f"edited: exit {sys.argv[3]}")
for p in problems:
    print("FAIL:", p)
sys.exit(1 if problems else 0)
PY
exit $status
