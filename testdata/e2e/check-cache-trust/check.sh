#!/usr/bin/env bash
# The replay cache is used only when it is gatekeeper's own, end to end:
#   - a first run makes the cache, a second one hits it (stderr quiet);
#   - the cache folder named through a symlink, or writable by others: the
#     run replays anyway, exit as before, and says "replay cache not used"
#     with the reason; the folder is left as it was;
#   - an archive_command (with archive_mode) planted in the data folder's
#     postgresql.auto.conf, as an earlier run's ALTER SYSTEM leaves it, is
#     gone before the server starts: the canary is never created.
set -uo pipefail
. ../input-common/prisma-repo.sh
prisma_repo || exit 1
mig 20240101000000_init 'CREATE TABLE users (id bigint PRIMARY KEY, email text);'
git add -A && git commit -qm init
git switch -qc feature
mig 20240201000000_tags 'CREATE TABLE tags (id bigint PRIMARY KEY);'
git add -A && git commit -qm change
status=0
fail() { echo "$@"; status=1; }
cache=$TMP/cache
run() {  # run <name> <cache folder>: exit 0 expected; stderr in $TMP/<name>.err
	"$GK" check --no-config --base main --cache-dir "$2" --json "$TMP/$1.json" >/dev/null 2>"$TMP/$1.err"
	local rc=$?
	[ $rc = 0 ] || { fail "$1: exit $rc, expected 0"; cat "$TMP/$1.err"; }
}
not_used() {  # not_used <name> <reason>
	grep -q "replay cache not used: .*$2" "$TMP/$1.err" || { fail "$1: no note saying '$2'"; cat "$TMP/$1.err"; }
}
used() {
	! grep -q "replay cache not used" "$TMP/$1.err" || { fail "$1: the cache was not used"; cat "$TMP/$1.err"; }
}

run first "$cache"; used first
data=$(echo "$cache"/pg*/data)
[ -f "$data/gatekeeper-cache" ] || fail "no marker in $data"
run second "$cache"; used second

ln -s "$cache" "$TMP/link"
before=$(ls -ln "$data" | md5sum)
run link "$TMP/link"; not_used link "is a symbolic link"
[ "$(ls -ln "$data" | md5sum)" = "$before" ] || fail "link: the data folder changed"

chmod o+w "$cache"
run writable "$cache"; not_used writable "writable by other users"
chmod o-w "$cache"

printf "archive_mode = on\narchive_command = 'touch %s/canary'\n" "$TMP" >>"$data/postgresql.auto.conf"
run planted "$cache"; used planted
[ -e "$TMP/canary" ] && fail "planted: the archive_command ran"
grep -q canary "$data/postgresql.auto.conf" && fail "planted: postgresql.auto.conf was not reset"
exit $status
