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
want="gatekeeper: unknown-rule.yml:3:3: unknown rule 'drop-tabel' (see 'gatekeeper rules')"
[ "$rc" = 2 ] && [ "$(cat "$TMP/u.err")" = "$want" ] || { echo "--config unknown-rule.yml: exit $rc, stderr:"; cat "$TMP/u.err"; status=1; }

# --no-config skips the broken file.
"$GK" lint --no-config --fail-level never 001_select.sql >/dev/null 2>"$TMP/n.err"; rc=$?
[ "$rc" = 0 ] || { echo "--no-config: exit $rc"; cat "$TMP/n.err"; status=1; }
exit $status
