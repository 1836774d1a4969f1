#!/usr/bin/env bash
# make bench, the lock-window estimate (BENCH_ONLY=estimate runs only
# this): bench/estimate.c predicts each kind of statement from the
# calibration sizes check uses and measures it at 1M and 5M rows (or the
# sizes given as arguments) on a private PostgreSQL cluster, printing the
# predicted range beside the measured time.
set -uo pipefail
build=${1:-build}
shift || true
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/$build/bench"
mkdir -p "$out"
[ -f "$root/$build/libgatekeeper.a" ] || { echo "bench: $build/libgatekeeper.a not found; run 'make' first" >&2; exit 2; }
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
	echo "bench estimate: SKIP: no PostgreSQL server binaries (initdb)"
	exit 0
fi
cc=${CC:-cc}
$cc -O2 -std=c11 -D_GNU_SOURCE -I"$root/include" -I"$root/src" $(pkg-config --cflags libpq) -o "$out/estimate" \
	"$root/bench/estimate.c" "$root/$build/libgatekeeper.a" -lpg_query \
	$(pkg-config --libs libgit2 jansson yaml-0.1 libcrypto libpq) -lpthread -lm ||
	{ echo "bench: cannot build bench/estimate.c" >&2; exit 1; }
"$out/estimate" "$@"
rc=$?
# 3: no server could be started (said above); not a failed prediction.
[ $rc = 3 ] && exit 0
exit $rc
