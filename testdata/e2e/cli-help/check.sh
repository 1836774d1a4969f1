#!/usr/bin/env bash
# The habits of other command-line tools: `help COMMAND` is `COMMAND --help`,
# -V prints the version, and a mistyped command, option or rule id is
# refused (exit 2) with the closest name offered; a word close to nothing
# gets no guess.
set -uo pipefail
status=0
fail() { echo "$@"; status=1; }
diff -u <("$GK" lint --help) "$STDOUT" || fail "'help lint' differs from 'lint --help'"
[ "$("$GK" -V)" = "$("$GK" --version)" ] && "$GK" -V | grep -q '^gatekeeper [0-9]' || fail "-V: $("$GK" -V 2>&1)"
"$GK" help >"$TMP/help" || fail "help: exit $?"
grep -q "^  completion " "$TMP/help" || fail "help does not list the commands"

expect() { # exit, stderr line, command...
	local want=$1 line=$2
	shift 2
	"$GK" "$@" >"$TMP/out" 2>"$TMP/err"
	local rc=$?
	[ $rc = "$want" ] || fail "$*: exit $rc, expected $want"
	grep -qxF -- "$line" "$TMP/err" || { fail "$*: stderr lacks: $line"; sed 's/^/    /' "$TMP/err"; }
}
expect 2 "gatekeeper: unknown command 'lnit' (did you mean 'lint'?)" lnit x.sql
expect 2 "gatekeeper: unknown command 'stauts' (did you mean 'status'?)" stauts
expect 2 "gatekeeper: unknown command 'deploy'" deploy
expect 2 "gatekeeper: lint: unknown option '--fail-levle' (did you mean '--fail-level'?) (see 'gatekeeper lint --help')" \
	lint --fail-levle error x.sql
expect 2 "gatekeeper: gate: unknown option '--databse=x' (did you mean '--database'?) (see 'gatekeeper gate --help')" \
	gate --databse=x
expect 2 "gatekeeper: lint: unknown option '--frobnicate' (see 'gatekeeper lint --help')" lint --frobnicate x.sql
expect 2 "gatekeeper: lint: unknown rule 'drop-tabel' (did you mean 'drop-table'?) (see 'gatekeeper rules')" \
	lint --no-config --rule drop-tabel=off x.sql
expect 2 "gatekeeper: explain: unknown rule 'set-not-nul' (did you mean 'set-not-null'?) (see 'gatekeeper rules')" \
	explain set-not-nul
expect 2 "gatekeeper: help: unknown command 'chek' (did you mean 'check'?) (see 'gatekeeper help')" help chek
expect 2 "gatekeeper: completion: the shells are bash, zsh and fish, not 'tcsh'" completion tcsh
exit $status
