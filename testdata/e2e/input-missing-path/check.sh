#!/usr/bin/env bash
# A path that does not exist is a usage error (exit 2), named in the
# report's errors[] (kind config), not a finding about a migration; the
# other paths are still linted.  A dangling link is an input that exists
# and cannot be read: still a finding.
set -euo pipefail
python3 ../input-common/check.py "$STDOUT" files:1 "has:../input-common/good.sql:create-index-non-concurrent:2:1"
python3 - "$STDOUT" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
want = [{"kind": "config", "path": "does-not-exist.sql", "message": "no such file or folder"},
        {"kind": "config", "path": "no/such/folder/", "message": "no such file or folder"}]
assert d["errors"] == want, d["errors"]
assert d["summary"]["exit_code"] == 2 and d["summary"]["verdict"] == "error", d["summary"]
PY
ln -s "$TMP/nowhere.sql" "$TMP/dangling.sql"
rc=0
"$GK" lint --no-config --format json "$TMP/dangling.sql" >"$TMP/d.json" || rc=$?
[ $rc = 1 ] || { echo "a dangling link: exit $rc, expected 1 (an invalid-input finding)"; exit 1; }
python3 ../input-common/check.py "$TMP/d.json" "has:$TMP/dangling.sql:invalid-input"
