#!/usr/bin/env bash
# `make install` copies the binary the tests run to $DESTDIR$PREFIX/bin, and
# the copy runs (the README's CI steps expect `gatekeeper` on the PATH).
set -uo pipefail
root=$(cd ../../.. && pwd)
build=$(basename "$(dirname "$GK")")
make -s -C "$root" BUILD="$build" DESTDIR="$TMP/inst" PREFIX=/opt/gk install >"$TMP/make.out" 2>&1 ||
	{ echo "make install failed:"; cat "$TMP/make.out"; exit 1; }
bin="$TMP/inst/opt/gk/bin/gatekeeper"
[ -x "$bin" ] || { echo "$bin is missing or not executable"; exit 1; }
cmp -s "$bin" "$root/$build/gatekeeper" || { echo "$bin is not the binary that was built"; exit 1; }
"$bin" --version | grep -q "^gatekeeper " || { echo "the installed binary does not run"; exit 1; }
