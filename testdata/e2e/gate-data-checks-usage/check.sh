#!/usr/bin/env bash
# --data-checks takes full, sample or off, and --data-check-timeout a
# positive duration: anything else is a usage error (exit 2) that names the
# option, before any connection is tried.
set -uo pipefail
status=0
want="gatekeeper: gate: --data-checks is full, sample or off, not 'every'"
[ "$(cat "$STDERR")" = "$want" ] || { echo "stderr is:"; cat "$STDERR"; echo "expected: $want"; status=1; }
"$GK" gate --database postgresql://nobody@127.0.0.1:1/x --data-check-timeout 0 migrations >/dev/null 2>"$TMP/t.err"
rc=$?
[ "$rc" = 2 ] || { echo "--data-check-timeout 0: exit $rc, expected 2"; status=1; }
grep -q -- "--data-check-timeout wants a duration" "$TMP/t.err" || { echo "stderr is:"; cat "$TMP/t.err"; status=1; }
exit $status
