#!/usr/bin/env bash
# The GitLab Code Quality report of the demo (the golden) is valid against
# testdata/schemas/gitlab-codequality.schema.json (ajv from the npm registry,
# installed into the build folder by ci/json-validator.sh; SKIP without npm),
# and a report GitLab would refuse (line 0, squawk's off-by-one) is not, so
# the validator is known to check.
set -uo pipefail
root=$(cd ../../.. && pwd)
if ! GK_NPM_DIR=$("$root/ci/json-validator.sh" "$root/build/npm" 2>"$TMP/why"); then
	echo "SKIP: no JSON Schema validator: $(cat "$TMP/why")"
	exit 0
fi
export GK_NPM_DIR
schema=$root/testdata/schemas/gitlab-codequality.schema.json
node "$root/ci/validate-json.js" "$schema" "$STDOUT" || exit 1
python3 - "$STDOUT" "$TMP/bad.json" <<'PY' || exit 1
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc and all(i["location"]["lines"]["begin"] >= 1 for i in doc), doc
assert len({i["fingerprint"] for i in doc}) == len(doc), "fingerprints repeat"
doc[0]["location"]["lines"]["begin"] = 0
json.dump(doc, open(sys.argv[2], "w"))
PY
if node "$root/ci/validate-json.js" "$schema" "$TMP/bad.json" >/dev/null; then
	echo "a report with line 0 passed the schema: the validator checks nothing"
	exit 1
fi
