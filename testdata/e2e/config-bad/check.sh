#!/usr/bin/env bash
# A bad gatekeeper.yml stops the run with exit 2 and PATH:LINE:COLUMN on
# stderr, and still writes the --json/--junit reports (one `config` error)
# so that CI artefacts always exist.
set -uo pipefail
status=0
want="gatekeeper: gatekeeper.yml:2:9: runner must be whole, split, per-file or auto, not 'flyway'"
[ "$(cat "$STDERR")" = "$want" ] || { echo "stderr is:"; cat "$STDERR"; echo "expected: $want"; status=1; }
[ -s "$STDOUT" ] && { echo "the text format printed a report on stdout:"; cat "$STDOUT"; status=1; }

"$GK" lint --json "$TMP/r.json" --junit "$TMP/r.xml" 001_select.sql >/dev/null 2>"$TMP/r.err"; rc=$?
[ "$rc" = 2 ] || { echo "with --json/--junit: exit $rc, expected 2"; status=1; }
python3 - "$TMP/r.json" <<'PY' || status=1
import json, sys
doc = json.load(open(sys.argv[1]))
want = {"kind": "config", "path": "gatekeeper.yml",
        "message": "gatekeeper.yml:2:9: runner must be whole, split, per-file or auto, not 'flyway'"}
ok = doc["summary"]["verdict"] == "error" and doc["summary"]["exit_code"] == 2 and doc["errors"] == [want]
if not ok:
    print("JSON report:", json.dumps({"summary": doc["summary"], "errors": doc["errors"]}, indent=1))
sys.exit(0 if ok else 1)
PY
grep -q 'runner must be whole' "$TMP/r.xml" 2>/dev/null || { echo "the JUnit report lacks the config error"; status=1; }

# --format json puts the same report on stdout.
"$GK" lint --format json 001_select.sql >"$TMP/stdout.json" 2>/dev/null; rc=$?
[ "$rc" = 2 ] && grep -Eq '"kind": ?"config"' "$TMP/stdout.json" || { echo "--format json: exit $rc, stdout lacks the config error"; status=1; }

# An unknown rule id, from --config, with its position.
"$GK" lint --config unknown-rule.yml 001_select.sql >/dev/null 2>"$TMP/u.err"; rc=$?
want="gatekeeper: unknown-rule.yml:3:3: unknown rule 'drop-tabel' (did you mean 'drop-table'?) (see 'gatekeeper rules')"
[ "$rc" = 2 ] && [ "$(cat "$TMP/u.err")" = "$want" ] || { echo "--config unknown-rule.yml: exit $rc, stderr:"; cat "$TMP/u.err"; status=1; }

# --sarif and --gitlab are written too: a failed invocation with the error, and no issue.
"$GK" lint --sarif "$TMP/r.sarif" --gitlab "$TMP/r.gl.json" 001_select.sql >/dev/null 2>/dev/null; rc=$?
[ "$rc" = 2 ] && grep -q '"executionSuccessful":false,"exitCode":2' "$TMP/r.sarif" &&
	grep -q 'runner must be whole' "$TMP/r.sarif" && [ "$(cat "$TMP/r.gl.json")" = "[]" ] ||
	{ echo "--sarif/--gitlab: exit $rc, reports:"; cat "$TMP/r.sarif" "$TMP/r.gl.json"; status=1; }
# Every problem of a file in one run, in file order, on stderr and as one
# config error each in the reports; the good settings between them are no
# problem.
"$GK" lint --config many.yml --json "$TMP/m.json" 001_select.sql >/dev/null 2>"$TMP/m.err"; rc=$?
cat >"$TMP/m.want" <<'TXT'
gatekeeper: many.yml:1:13: pg_version must be a PostgreSQL major version, an integer from 9 to 30, not '99'
gatekeeper: many.yml:2:9: runner must be whole, split, per-file or auto, not 'flyway'
gatekeeper: many.yml:3:1: unknown key 'fail_levl' (did you mean 'fail_level'?)
gatekeeper: many.yml:5:3: unknown rule 'drop-tabel' (did you mean 'drop-table'?) (see 'gatekeeper rules')
gatekeeper: many.yml:6:15: rule 'drop-table' must be set to off, info, warning or error, not 'loud'
gatekeeper: many.yml:8:9: replay must be true or false, not 'maybe'
TXT
[ "$rc" = 2 ] && diff -u "$TMP/m.want" "$TMP/m.err" || { echo "--config many.yml: exit $rc"; status=1; }
python3 - "$TMP/m.json" "$TMP/m.want" <<'PY' || status=1
import json, sys
doc = json.load(open(sys.argv[1]))
want = [l[len("gatekeeper: "):] for l in open(sys.argv[2]).read().splitlines()]
got = [e["message"] for e in doc["errors"]]
ok = got == want and {e["kind"] for e in doc["errors"]} == {"config"} and doc["summary"]["exit_code"] == 2
if not ok:
    print("many.yml JSON errors:", json.dumps(doc["errors"], indent=1))
sys.exit(0 if ok else 1)
PY

# --no-config skips the broken file.
"$GK" lint --no-config --fail-level never 001_select.sql >/dev/null 2>"$TMP/n.err"; rc=$?
[ "$rc" = 0 ] || { echo "--no-config: exit $rc"; cat "$TMP/n.err"; status=1; }
exit $status
