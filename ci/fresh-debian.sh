#!/usr/bin/env bash
# Release checklist: the README's two commands, `make check` and `make demo`,
# on a fresh Debian 12 (bookworm).  Builds a minimal bookworm root with
# debootstrap, copies a clean clone of the committed HEAD into it (and the
# sibling ../shared folder when there is one, as the e2e cases use it),
# mounts /proc, /sys, /dev, /dev/pts and /dev/shm, runs both commands as
# root inside it and prints one line per command, then "fresh-debian: pass"
# or "fresh-debian: FAIL".  The root is removed at the end (also on error or
# Ctrl-C) unless --keep is given.  Needs root, network access to the Debian
# mirror and a few GB of disk; takes a while (the whole test suite runs).
#
#   ci/fresh-debian.sh [--keep] [--logs DIR]
#
# Environment: DEBIAN_MIRROR (default http://deb.debian.org/debian),
# FRESH_DEBIAN_DIR (parent of the temporary root, default /var/tmp).
#
# The only package added to the minimal system is `make`: it is what a reader
# needs to type the README's commands; everything else must come from
# ci/install-deps.sh, which is what this script checks.
set -euo pipefail

# The whole script is one block, read before it runs: bash reads a script
# as it goes, and this one runs for an hour, while its file may change.
{
repo=$(cd "$(dirname "$0")/.." && pwd)
gk_script=fresh-debian
. "$repo/ci/chroot-lib.sh"
chroot_setup 2,19 "${FRESH_DEBIAN_DIR:-/var/tmp}" "$@"
head=$(git -C "$repo" rev-parse HEAD)
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

step() { echo "fresh-debian: $*"; }

step "debootstrap bookworm into $root ($mirror)"
if ! debootstrap --variant=minbase --include=make bookworm "$root" "$mirror" \
	>"$logs/debootstrap.log" 2>&1; then
	echo "fresh-debian: FAIL: debootstrap (see $logs/debootstrap.log)" >&2
	exit 1
fi

# Package scripts must not start services inside the chroot (the postgresql
# package would start a cluster of its own).
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
cp /etc/resolv.conf "$root/etc/resolv.conf"
# The root uses the host's network, so it trusts what the host trusts: the
# CA certificates the host added itself (a TLS-inspecting proxy on the way to
# the npm registry, say), made part of the root's bundle before make runs.
if [ -d /usr/local/share/ca-certificates ]; then
	mkdir -p "$root/usr/local/share/ca-certificates"
	cp -L /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/" 2>/dev/null || true
fi

chroot_mount_all

step "clean clone of $head"
mkdir -p "$root/src"
git clone -q --no-local --no-checkout "$repo" "$root/src/gatekeeper"
git -C "$root/src/gatekeeper" checkout -q --detach "$head"
if [ -d "$repo/../shared" ]; then
	# -H: when ../shared is a link, copy the folder it names; a link would
	# point outside the root, and the corpus tests would skip.
	cp -a -H "$repo/../shared" "$root/src/shared"
fi

# --default-signal: a script started in the background by a non-interactive
# shell (nohup, `cmd &`) inherits SIGINT and SIGQUIT ignored, and so would
# every test; a reader typing `make check` has them at their defaults.
run_in_chroot() {
	chroot "$root" /usr/bin/env -i --default-signal=INT,QUIT HOME=/root LANG=C.UTF-8 TERM=dumb \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		bash -c "cd /src/gatekeeper && $1"
}

# ca-certificates may already be in the root (its own scripts then ran before
# the copy above) or come with the packages make installs (they then see it).
run_in_chroot "[ ! -x /usr/sbin/update-ca-certificates ] || update-ca-certificates >/dev/null 2>&1" || true

status=0
for target in check demo; do
	step "make $target (log: $logs/make-$target.log)"
	start=$(date +%s)
	if run_in_chroot "make $target" >"$logs/make-$target.log" 2>&1; then
		result=pass
	else
		result=FAIL
		status=1
	fi
	summary=$(grep -E '^check: [0-9]+ passed' "$logs/make-$target.log" | tail -1 || true)
	echo "fresh-debian: make $target: $result ($(($(date +%s) - start)) s)${summary:+, $summary}"
	[ "$result" = pass ] || tail -n 30 "$logs/make-$target.log" | sed 's/^/    /'
done

if [ "$status" -eq 0 ]; then
	echo "fresh-debian: pass"
else
	echo "fresh-debian: FAIL"
fi
exit "$status"
}
