#!/usr/bin/env bash
# make bench: how fast gatekeeper lints every *.sql under ../shared/corpora,
# against squawk (the closest peer) and against the bare libpg_query parse
# (bench/parse_only.c), measured in one run on this machine, best of 5
# wall-clock runs each.  Both tools run as users run them (default report)
# and with JSON reports.  Prints the times, the ratios with their targets
# and PASS/MISS, and gatekeeper's peak RSS.
#   targets: squawk/gatekeeper >= 2.5, gatekeeper/bare-parse <= 1.3,
#            peak RSS <= 64 MB
set -uo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
corpora="$root/../shared/corpora"
runs=5
if [ ! -d "$corpora" ]; then
	echo "bench: SKIP: ../shared/corpora not found (the corpora live beside the repository)"
	exit 0
fi
gk="$root/$build/gatekeeper"
[ -x "$gk" ] || { echo "bench: $build/gatekeeper not found; run 'make' first" >&2; exit 2; }
out="$root/$build/bench"
mkdir -p "$out"

# The bare parse, built here with the project's compiler and flags.
cc=${CC:-cc}
if ! $cc -O2 -g -std=c11 -Wall -Wextra -Werror -o "$out/parse_only" "$root/bench/parse_only.c" -lpg_query -lpthread; then
	echo "bench: cannot build bench/parse_only.c" >&2
	exit 2
fi

files=()
while IFS= read -r -d '' f; do files+=("$f"); done < <(find "$corpora" -name '*.sql' -type f -print0 | sort -z)
bytes=$(cat "${files[@]}" | wc -c)
echo "bench: ${#files[@]} files, $((bytes / 1024)) KiB of SQL under ../shared/corpora; $(nproc) cores; best of $runs"

timeit() { python3 "$root/bench/timeit.py" "$runs" "$@"; }

# (a) gatekeeper as a user runs it (the text report) and with the JSON
# report, each written to a file like squawk's below.
read -r gk_t gk_rss gk_rc < <(timeit "$out/gatekeeper.txt" -- "$gk" lint --fail-level never "${files[@]}")
read -r gkj_t gkj_rss gkj_rc < <(timeit "$out/gatekeeper.json" -- "$gk" lint --fail-level never --format json "${files[@]}")
for rc in "$gk_rc" "$gkj_rc"; do
	if [ "$rc" != 0 ]; then
		echo "bench: gatekeeper exited $rc" >&2
		head -c 2000 "$out/gatekeeper.json.stderr" >&2
		exit 1
	fi
done
[ "$gkj_rss" -gt "$gk_rss" ] && gk_rss=$gkj_rss

# (c) the bare parse.
read -r bare_t _ bare_rc < <(timeit "$out/parse_only.out" -- "$out/parse_only" "${files[@]}")
[ "$bare_rc" = 0 ] || { echo "bench: parse_only exited $bare_rc" >&2; exit 1; }

# (b) squawk from npm, installed once into a cache folder.
cache="${XDG_CACHE_HOME:-$HOME/.cache}/gatekeeper-bench"
squawk="$cache/node_modules/.bin/squawk"
sq_t=""
if [ ! -x "$squawk" ]; then
	if command -v npm >/dev/null; then
		echo "bench: installing squawk-cli@2.66.0 into $cache (once)"
		mkdir -p "$cache"
		npm install --silent --no-audit --no-fund --prefix "$cache" squawk-cli@2.66.0 >"$out/npm.log" 2>&1 ||
			echo "bench: npm install squawk-cli@2.66.0 failed (see $build/bench/npm.log); no squawk ratio"
	else
		echo "bench: npm not found; no squawk ratio"
	fi
fi
sqj_t=""
if [ -x "$squawk" ]; then
	# squawk exits 1 when it reports violations; anything else is a failure.
	read -r t _ rc < <(timeit "$out/squawk.txt" -- "$squawk" "${files[@]}")
	read -r tj _ rcj < <(timeit "$out/squawk.json" -- "$squawk" --reporter json "${files[@]}")
	if { [ "$rc" = 0 ] || [ "$rc" = 1 ]; } && { [ "$rcj" = 0 ] || [ "$rcj" = 1 ]; }; then
		sq_t=$t
		sqj_t=$tj
	else
		echo "bench: squawk exited $rc/$rcj (see $build/bench/squawk.*.stderr); no squawk ratio"
	fi
fi

python3 - "$gk_t" "$gkj_t" "$bare_t" "${sq_t:-}" "${sqj_t:-}" "$gk_rss" <<'PY'
import sys
gk, gkj, bare = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
sq, sqj, rss_kib = sys.argv[4], sys.argv[5], int(sys.argv[6])
def verdict(ok):
    return "PASS" if ok else "MISS"
print("  gatekeeper lint (text report)     %8.3f s" % gk)
print("  gatekeeper lint --format json     %8.3f s" % gkj)
if sq:
    print("  squawk (tty report)               %8.3f s" % float(sq))
    print("  squawk --reporter json            %8.3f s" % float(sqj))
print("  bare parse (parse_only)           %8.3f s" % bare)
# The targets are judged on the commands as users run them; the JSON
# pair is printed beside them so neither reading hides the other.
if sq:
    r = float(sq) / gk
    print("squawk/gatekeeper              %6.2f   target >= 2.5   %s" % (r, verdict(r >= 2.5)))
    print("  same, both JSON              %6.2f" % (float(sqj) / gkj))
else:
    print("squawk/gatekeeper                 n/a   target >= 2.5   (squawk unavailable)")
r = gk / bare
print("gatekeeper/bare-parse          %6.2f   target <= 1.3   %s" % (r, verdict(r <= 1.3)))
print("  same, JSON report            %6.2f" % (gkj / bare))
mb = rss_kib / 1024
print("gatekeeper peak RSS            %6.1f MB target <= 64   %s" % (mb, verdict(mb <= 64)))
PY

# The history side of `check` (issue: base resolution + diff + classification).
"$root/bench/history.sh" "$build"

# The replay side of `check` (issue: cold replay vs initdb + psql, warm cache).
"$root/bench/replay.sh" "$build"
"$root/bench/catalog.sh" "$build"

# How time and memory grow with the input, at 1x, 4x and 16x.
"$root/bench/scale.sh" "$build"
