#!/usr/bin/env bash
# A run is bounded and ends in order, end to end:
#   - SIGTERM and SIGINT while a migration sleeps on the embedded shadow:
#     exit 3 within seconds, JSON and JUnit written with the interruption in
#     errors[] and the migration "interrupted" in both, no server process
#     and no cluster folder left;
#   - the same on an external shadow (--shadow-url to a test cluster on
#     127.0.0.1): the backend is cancelled, no gatekeeper_shadow_* database
#     is left; with a role without CREATEDB (the named database borrowed)
#     every object the run made in it is gone, so the next run is not
#     refused;
#   - --timeout ends the whole run the same way (a `timeout` error, exit 3);
#   - a target with a table locked ACCESS EXCLUSIVE by another session:
#     `snapshot` gives up after its lock timeout (exit 3, saying so), and
#     SIGTERM cancels its waiting read at once;
#   - a shadow URL or a target that accepts TCP and never answers: exit 3
#     after libpq's connect timeout, saying so, no password echoed;
#   - --replay-timeout: a sleeping and an endlessly looping migration are
#     replay-timeout errors (exit 1), the reports written.
set -uo pipefail
. ../input-common/prisma-repo.sh
bindir=$(pg_config --bindir 2>/dev/null)
[ -x "$bindir/initdb" ] || bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
status=0
fail() { echo "$@"; status=1; }

prisma_repo || exit 1
mig 20240101000000_init 'CREATE TABLE users (id bigint PRIMARY KEY, email text);'
git add -A && git commit -qm init
git switch -qc slow
mig 20240201000000_add_nickname 'ALTER TABLE users ADD COLUMN nickname text;'
mig 20240202000000_add_slow 'SELECT pg_sleep(600);'
mig 20240203000000_add_tags 'CREATE TABLE tags (id bigint PRIMARY KEY);'
git add -A && git commit -qm slow

# A backend of the cluster runs the sleep: on the embedded shadow of
# gatekeeper `pid`, or on the external cluster of this test.
sleeping() {
	for _ in $(seq 1 300); do
		if [ -n "${port:-}" ]; then
			[ "$(sql "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%pg_sleep(600)%'
				    AND pid <> pg_backend_pid()")" = 1 ] && return 0
		else
			embedded_running "$1" 'pg_sleep(600)' && return 0
		fi
		sleep 0.1
	done
	return 1
}

# run NAME SIGNAL ARGS...: start a check, signal it once the sleep runs,
# expect exit 3 within 15 s and reports naming the interruption.
run() {
	local name=$1 sig=$2
	shift 2
	# A shell starts background jobs with SIGINT ignored; the default back.
	env --default-signal=INT "$GK" check --no-config --base main --no-cache --json "$TMP/$name.json" \
		--junit "$TMP/$name.xml" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
	local gk=$! t0 rc
	sleeping "$gk" || fail "$name: the sleep never ran"
	t0=$(date +%s)
	kill -"$sig" "$gk"
	wait "$gk"; rc=$?
	[ $rc = 3 ] || { fail "$name: exit $rc, expected 3"; head -5 "$TMP/$name.err"; }
	[ $(( $(date +%s) - t0 )) -le 15 ] || fail "$name: took $(( $(date +%s) - t0 )) s to end after SIG$sig"
	python3 - "$TMP/$name.json" "$TMP/$name.xml" "SIG$sig" <<'PY' || fail "$name: reports"
import json, sys
import xml.etree.ElementTree as ET
doc = json.load(open(sys.argv[1]))
sig = sys.argv[3]
assert doc["summary"]["exit_code"] == 3, doc["summary"]
kinds = [(e["kind"], e["message"]) for e in doc["errors"]]
assert any(k == "interrupted" and sig in msg for k, msg in kinds), kinds
mig = {m["path"].split("/")[2]: m for m in doc["migrations"]}
slow = mig["20240202000000_add_slow"]["replay"]
assert slow["status"] == "interrupted" and sig in slow["error"], slow
assert mig["20240203000000_add_tags"]["replay"]["status"] == "skipped", mig["20240203000000_add_tags"]
assert not [f for f in doc["findings"] if f["rule_id"].startswith("replay-")], doc["findings"]
root = ET.parse(sys.argv[2]).getroot()
cases = {(t.get("classname").split("/")[2], t.get("name")): t for s in root.findall("testsuite")
         for t in s.findall("testcase") if t.get("classname").startswith("prisma/")}
slow_case = cases[("20240202000000_add_slow", "replay")]
assert slow_case.find("skipped") is not None and slow_case.find("failure") is None, ET.tostring(slow_case)
assert int(root.get("errors")) >= 1, root.attrib
PY
}

# ---- the embedded shadow -------------------------------------------------
for sig in TERM INT; do
	run "embedded-$sig" $sig
	sleep 0.3
	left=$(pgrep -f "$TMPDIR/gatekeeper-shadow" 2>/dev/null)
	[ -z "$left" ] || fail "embedded SIG$sig: server processes left: $left"
	[ -z "$(ls -A "$TMPDIR")" ] || fail "embedded SIG$sig: left in TMPDIR: $(ls -A "$TMPDIR")"
done

# ---- an external shadow: a cluster of this test on 127.0.0.1 --------------
ext="$TMP/ext"
mkdir -p "$ext" && chmod 755 "$ext"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$ext"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_pg "$bindir/initdb" -D "$ext/data" -U postgres -A trust -E UTF8 --locale=C -N >/dev/null || { echo "initdb failed"; exit 1; }
as_pg "$bindir/pg_ctl" -D "$ext/data" -l "$ext/log" -w -o "-c listen_addresses=127.0.0.1 -p $port -k $ext -c fsync=off" start >/dev/null \
	|| { echo "the external cluster did not start"; cat "$ext/log"; exit 1; }
trap 'as_pg "$bindir/pg_ctl" -D "$ext/data" -m immediate stop >/dev/null 2>&1' EXIT
sql() { psql -X -qAt "postgresql://postgres@127.0.0.1:$port/${2:-postgres}" -c "$1"; }

run external-TERM TERM --shadow-url "postgresql://postgres@127.0.0.1:$port/postgres"
[ "$(sql "SELECT count(*) FROM pg_database WHERE datname LIKE 'gatekeeper_shadow_%'")" = 0 ] ||
	fail "external: shadow databases left: $(sql "SELECT datname FROM pg_database WHERE datname LIKE 'gatekeeper_shadow_%'")"
[ "$(sql "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(600)%' AND pid <> pg_backend_pid()")" = 0 ] ||
	fail "external: the sleeping backend is still there"

# Without CREATEDB: the named (empty) database is borrowed, and put back.
sql "CREATE ROLE borrower LOGIN NOCREATEDB" && sql "CREATE DATABASE borrowed OWNER borrower" &&
	sql "ALTER SCHEMA public OWNER TO borrower" borrowed || fail "external: cannot make the borrowed database"
url="postgresql://borrower@127.0.0.1:$port/borrowed"
run external-borrowed TERM --shadow-url "$url"
left=$(sql "SELECT string_agg(relname, ' ') FROM pg_class WHERE relnamespace = 'public'::regnamespace" borrowed)
[ -z "$left" ] || fail "external borrowed: objects left in the borrowed database: $left"
"$GK" check --no-config --base main --no-cache --shadow-url "$url" --replay-timeout 1s >/dev/null 2>"$TMP/next.err"; rc=$?
[ $rc = 1 ] || { fail "external borrowed: the next run exits $rc, expected 1 (refused?)"; head -3 "$TMP/next.err"; }

# ---- a slow target: a table locked ACCESS EXCLUSIVE by another session -------
sql "CREATE DATABASE app" && sql "CREATE TABLE users (id bigint PRIMARY KEY, email text); CREATE INDEX users_email_idx ON users (email)" app || fail "cannot make the target"
psql -X -q "postgresql://postgres@127.0.0.1:$port/app" -c "BEGIN" -c "LOCK TABLE users IN ACCESS EXCLUSIVE MODE" \
	-c "SELECT pg_sleep(120)" >/dev/null 2>&1 &
holder=$!
for _ in $(seq 1 100); do
	[ "$(sql "SELECT count(*) FROM pg_locks WHERE mode = 'AccessExclusiveLock' AND relation = 'users'::regclass" app)" = 1 ] && break
	sleep 0.1
done
target="postgresql://postgres@127.0.0.1:$port/app"
t0=$(date +%s)
"$GK" snapshot --database "$target" -o "$TMP/snap.json" 2>"$TMP/snap.err"; rc=$?
took=$(( $(date +%s) - t0 ))
[ $rc = 3 ] || fail "locked target: snapshot exit $rc, expected 3: $(cat "$TMP/snap.err")"
[ $took -le 20 ] || fail "locked target: snapshot took $took s"
grep -q "lock timeout" "$TMP/snap.err" || fail "locked target: the message does not say it timed out: $(cat "$TMP/snap.err")"
[ -e "$TMP/snap.json" ] && fail "locked target: a snapshot was written"
# SIGTERM while the read waits for the lock: cancelled at once, not after the lock timeout.
env --default-signal=INT "$GK" snapshot --database "$target" -o "$TMP/snap.json" 2>"$TMP/snap.err" &
gk=$!
for _ in $(seq 1 100); do
	[ "$(sql "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'gatekeeper snapshot'
		  AND wait_event_type = 'Lock'")" != 0 ] && break
	sleep 0.05
done
t0=$(date +%s.%N)
kill -TERM $gk
wait $gk; rc=$?
took=$(python3 -c "print(round($(date +%s.%N) - $t0, 1))")
[ $rc = 3 ] || fail "SIGTERM of a waiting snapshot: exit $rc, expected 3"
grep -q "interrupted by SIGTERM" "$TMP/snap.err" || fail "SIGTERM of a waiting snapshot: $(cat "$TMP/snap.err")"
# Within 3 s, well before the 5 s lock timeout; under a sanitizer or
# valgrind (a longer GK_E2E_TIMEOUT) the process alone takes seconds to
# start and exit, and the limit is the lock timeout itself: the message
# above already says the signal, not the timeout, ended the read.
limit=3
[ "${GK_E2E_TIMEOUT:-300}" -gt 300 ] && limit=5
python3 -c "import sys; sys.exit(0 if $took < $limit else 1)" || fail "SIGTERM of a waiting snapshot took $took s (limit $limit s)"
kill $holder 2>/dev/null; wait $holder 2>/dev/null

# ---- --timeout: the whole run ------------------------------------------------
t0=$(date +%s)
"$GK" check --no-config --base main --no-cache --timeout 3s --json "$TMP/t.json" >/dev/null 2>&1; rc=$?
[ $rc = 3 ] || fail "--timeout: exit $rc, expected 3"
[ $(( $(date +%s) - t0 )) -le 20 ] || fail "--timeout 3s took $(( $(date +%s) - t0 )) s"
python3 - "$TMP/t.json" <<'PY' || fail "--timeout: report"
import json, sys
doc = json.load(open(sys.argv[1]))
assert [e["kind"] for e in doc["errors"]] == ["timeout"], doc["errors"]
assert "--timeout 3 s" in doc["errors"][0]["message"], doc["errors"]
PY
"$GK" check --no-config --base main --timeout 5years >/dev/null 2>"$TMP/bad.err"; rc=$?
[ $rc = 2 ] && grep -q "timeout wants a duration" "$TMP/bad.err" || fail "--timeout 5years: exit $rc"

# ---- a server that accepts TCP and never answers -------------------------------
python3 -c '
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
print(s.getsockname()[1], flush=True)
held = []
while True:
    held.append(s.accept()[0])
' >"$TMP/silent.port" &
silent=$!
for _ in $(seq 1 50); do [ -s "$TMP/silent.port" ] && break; sleep 0.1; done
sport=$(cat "$TMP/silent.port")
secret=Silent-Secr3t-Pw
for cmd in "check --base main --shadow-url" "status --database"; do
	t0=$(date +%s)
	"$GK" $cmd "postgresql://app:$secret@127.0.0.1:$sport/app" --no-config --json "$TMP/silent.json" \
		$m >"$TMP/silent.out" 2>"$TMP/silent.err"; rc=$?
	took=$(( $(date +%s) - t0 ))
	[ $rc = 3 ] || fail "silent server ($cmd): exit $rc, expected 3"
	[ $took -le 25 ] || fail "silent server ($cmd): took $took s"
	grep -q "timeout expired" "$TMP/silent.json" || fail "silent server ($cmd): no timeout in $(cat "$TMP/silent.json")"
	grep -l -- "$secret" "$TMP/silent.out" "$TMP/silent.err" "$TMP/silent.json" && fail "silent server ($cmd): the password leaked"
done
kill "$silent"

# ---- --replay-timeout: a sleep and an endless loop -----------------------------
git switch -q main && git switch -qc loop
mig 20240301000000_add_loop 'CREATE TABLE a (id bigint);
DO $$ BEGIN LOOP END LOOP; END $$;'
git add -A && git commit -qm loop
for branch in slow loop; do
	git switch -q $branch
	t0=$(date +%s)
	"$GK" check --no-config --base main --no-cache --replay-timeout 1s --json "$TMP/rt.json" --junit "$TMP/rt.xml" \
		>"$TMP/rt.out" 2>&1; rc=$?
	[ $rc = 1 ] || { fail "--replay-timeout on $branch: exit $rc, expected 1"; head -5 "$TMP/rt.out"; }
	[ $(( $(date +%s) - t0 )) -le 30 ] || fail "--replay-timeout 1s on $branch took $(( $(date +%s) - t0 )) s"
	grep -q 'replay-timeout' "$TMP/rt.xml" || fail "$branch: no replay-timeout in the JUnit report"
	python3 - "$TMP/rt.json" <<'PY' || fail "--replay-timeout on $branch: report"
import json, sys
doc = json.load(open(sys.argv[1]))
f = [f for f in doc["findings"] if f["rule_id"] == "replay-timeout"]
assert len(f) == 1 and f[0]["severity"] == "error" and "1 s" in f[0]["message"], f
assert "pg_sleep(600)" in f[0]["message"] or "LOOP END LOOP" in f[0]["message"], f
assert any(m["replay"]["status"] == "timeout" for m in doc["migrations"] if "replay" in m)
PY
done
exit $status
