#!/usr/bin/env bash
# The text report is coloured only on a terminal, and never under NO_COLOR.
# `script` (util-linux) gives the command a pseudo-terminal.
set -euo pipefail
command -v script >/dev/null || { echo "script (util-linux) is needed for this test"; exit 1; }
sql="$TMP/colour.sql"
printf 'DROP TABLE sessions;\n' >"$sql"
esc=$'\033['
on_tty() { env "$@" script -qec "\"$GK\" lint \"$sql\"" /dev/null || true; }

out=$(on_tty -u NO_COLOR TERM=xterm)
[[ "$out" == *"$esc"* ]] || { echo "no colour on a terminal:"; echo "$out"; exit 1; }
out=$(on_tty NO_COLOR=1 TERM=xterm)
[[ "$out" != *"$esc"* ]] || { echo "colour despite NO_COLOR"; exit 1; }
out=$(env -u NO_COLOR "$GK" lint "$sql" || true)
[[ "$out" != *"$esc"* ]] || { echo "colour when standard output is not a terminal"; exit 1; }
out=$(on_tty -u NO_COLOR TERM=xterm "$GK" 2>/dev/null; env -u NO_COLOR script -qec "\"$GK\" lint --no-color \"$sql\"" /dev/null || true)
[[ "$out" != *"$esc"* ]] || { echo "colour despite --no-color"; exit 1; }
echo ok
