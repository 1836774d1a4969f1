#!/usr/bin/env bash
# `gatekeeper drift` without a reachable target: exit 3, the reports still
# written with a db_connect error naming the host (SARIF: a failed
# invocation of the drift analysis, exit 3, the error as a notification),
# the password in no output; no target at all is a usage error (exit 2).
set -uo pipefail
unset DATABASE_URL SHADOW_DATABASE_URL
m="$TMP/prisma/migrations"
mkdir -p "$m/20240101000000_init"
printf 'provider = "postgresql"\n' >"$m/migration_lock.toml"
printf 'CREATE TABLE users (id bigint PRIMARY KEY);\n' >"$m/20240101000000_init/migration.sql"
status=0
fail() { echo "$@"; status=1; }
"$GK" drift --no-config --database "postgresql://app:Dr1ftPw0rd@127.0.0.1:1/app" --json "$TMP/d.json" \
	--junit "$TMP/d.xml" --sarif "$TMP/d.sarif" --gitlab "$TMP/d.gl.json" "$m" >"$TMP/out" 2>"$TMP/err"; rc=$?
[ $rc = 3 ] || { fail "unreachable: exit $rc, expected 3"; cat "$TMP/err"; }
grep -l "Dr1ftPw0rd" "$TMP/d.json" "$TMP/d.xml" "$TMP/d.sarif" "$TMP/d.gl.json" "$TMP/out" "$TMP/err" && fail "the password leaked"
python3 - "$TMP/d.json" "$TMP/d.sarif" "$TMP/d.gl.json" <<'PY' || status=1
import json, sys
d = json.load(open(sys.argv[1]))
run = json.load(open(sys.argv[2]))["runs"][0]
inv = run["invocations"][0]
assert run["automationDetails"]["id"] == "gatekeeper/drift/", run["automationDetails"]
assert inv["exitCode"] == 3 and inv["executionSuccessful"] is False, inv
assert [n["properties"]["kind"] for n in inv["toolExecutionNotifications"]] == ["db_connect"], inv
assert run["results"] == [] and json.load(open(sys.argv[3])) == []
assert d["run"]["command"] == "drift" and d["summary"]["exit_code"] == 3, d["summary"]
assert [e["kind"] for e in d["errors"]] == ["db_connect"] and "127.0.0.1" in d["errors"][0]["message"], d["errors"]
PY
"$GK" drift --no-config "$m" >/dev/null 2>"$TMP/err2"; rc=$?
[ $rc = 2 ] && grep -q "DATABASE_URL" "$TMP/err2" || fail "no target: exit $rc, $(cat "$TMP/err2")"
exit $status
