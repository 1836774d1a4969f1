#!/usr/bin/env bash
# gatekeeper.yml (found in this folder) turns drop-table off, lowers
# create-index-non-concurrent to a warning and fails on warnings; the
# command line overrides it, and --no-config brings back the defaults.
set -uo pipefail
status=0

# run NAME WANT_EXIT ARGS...: lint with a JSON report in $TMP/NAME.json.
run() {
	local name=$1 want=$2 rc
	shift 2
	"$GK" lint --format json "$@" >"$TMP/$name.json" 2>"$TMP/$name.err"; rc=$?
	[ "$rc" = "$want" ] || { echo "$name: exit $rc, expected $want"; cat "$TMP/$name.err"; status=1; }
}

# severity NAME RULE WANT: the first finding of RULE has severity WANT ("none" = no finding).
severity() {
	local got
	got=$(python3 -c 'import json, sys
doc = json.load(open(sys.argv[1]))
print(next((f["severity"] for f in doc["findings"] if f["rule_id"] == sys.argv[2]), "none"))' "$TMP/$1.json" "$2")
	[ "$got" = "$3" ] || { echo "$1: $2 has severity $got, expected $3"; status=1; }
}

run file 1 001_cleanup.sql
severity file drop-table none
severity file create-index-non-concurrent warning
grep -q 'DROP TABLE' "$STDOUT" && { echo "the text report mentions the DROP TABLE that the file turned off"; status=1; }
grep -q 'warning: CREATE INDEX on existing table users' "$STDOUT" || { echo "the text report lacks the CREATE INDEX warning"; status=1; }

run cli-wins 0 --fail-level never --rule drop-table=info 001_cleanup.sql
severity cli-wins drop-table info
severity cli-wins create-index-non-concurrent warning

run defaults 1 --no-config 001_cleanup.sql
severity defaults drop-table error
severity defaults create-index-non-concurrent error
exit $status
