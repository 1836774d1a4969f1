#!/usr/bin/env bash
# Blocking findings and a shadow that cannot be reached: the change is known
# bad, so the exit is 1 (a retry would not make it pass) and the reports
# keep the db_connect error in errors[]; the same shadow failure without a
# blocking finding is the retryable 3.
set -uo pipefail
. ../input-common/prisma-repo.sh
status=0
fail() { echo "$@"; status=1; }
prisma_repo || exit 1
mig 20240101000000_init 'CREATE TABLE users (id bigint PRIMARY KEY, email text);'
git add -A && git commit -qm init
git switch -qc bad
mig 20240201000000_add_email_index 'CREATE INDEX users_email_idx ON users (email);'
git add -A && git commit -qm bad
shadow="postgresql://app:Sh4dowPw@127.0.0.1:1/db"
"$GK" check --no-config --base main --shadow-url "$shadow" --json "$TMP/b.json" --junit "$TMP/b.xml" \
	>"$TMP/b.out" 2>"$TMP/b.err"; rc=$?
[ $rc = 1 ] || { fail "blocking findings, shadow unreachable: exit $rc, expected 1"; cat "$TMP/b.err"; }
python3 - "$TMP/b.json" <<'PY' || status=1
import json, sys
d = json.load(open(sys.argv[1]))
s = d["summary"]
assert s["exit_code"] == 1 and s["verdict"] == "fail" and s["blocking"] >= 1, s
assert [e["kind"] for e in d["errors"]] == ["db_connect"], d["errors"]
assert any(f["rule_id"] == "create-index-non-concurrent" for f in d["findings"]), d["findings"]
PY
grep -q 'type="db_connect"' "$TMP/b.xml" || fail "the JUnit report lacks the db_connect error"
grep -l "Sh4dowPw" "$TMP/b.json" "$TMP/b.xml" "$TMP/b.out" "$TMP/b.err" && fail "the password leaked"
# Nothing blocks at --fail-level never: the shadow failure decides, exit 3.
"$GK" check --no-config --base main --shadow-url "$shadow" --fail-level never >/dev/null 2>&1; rc=$?
[ $rc = 3 ] || fail "no blocking finding, shadow unreachable: exit $rc, expected 3"
exit $status
