#!/usr/bin/env bash
# make bench: how fast gatekeeper lints every *.sql under ../shared/corpora,
# against squawk (the closest peer) and against the bare libpg_query parse
# (bench/parse_only.c), measured in one run on this machine, best of 5
# runs each.  gatekeeper runs as users run it (the text report) and with
# each machine-readable report (JSON, JUnit, and SARIF and GitLab Code
# Quality when the binary has them); squawk with its default report and
# with --reporter json, which the machine-readable rows are compared with.
# Every row prints its best wall-clock time, its best CPU time (user +
# system) and its peak RSS; the ratios are judged on the wall clock and the
# CPU ratio is printed beside each, because on a loaded machine the wall
# clock also measures the queue for the cores.  BENCH_IR=1 adds each
# command's instruction count under callgrind (one run; repeatable under
# any load, but blind to system calls and to the parallel parse).
# BENCH_ONLY=lint stops after these rows; BENCH_ONLY=estimate runs only
# the lock-window estimate's (bench/estimate.sh), which the full run ends with.
#   targets: squawk/gatekeeper >= 2.5 for every row, gatekeeper/bare-parse
#            <= 1.3, peak RSS <= 64 MB
set -uo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
corpora="$root/../shared/corpora"
runs=5
[ "${BENCH_ONLY:-}" = estimate ] && exec "$root/bench/estimate.sh" "$build"
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

# (b) squawk from npm, installed once into a cache folder.
cache="${XDG_CACHE_HOME:-$HOME/.cache}/gatekeeper-bench"
squawk="$cache/node_modules/.bin/squawk"
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
# The program the npm wrapper starts, for the instruction counts (the
# wrapper is node, which callgrind would mostly measure).
squawk_bin="$cache/node_modules/@squawk-cli/linux-x64/bin/squawk"

ir=""
if [ "${BENCH_IR:-0}" = 1 ]; then
	if command -v valgrind >/dev/null; then
		ir=1
	else
		echo "bench: BENCH_IR=1 but valgrind is not installed; no instruction counts"
	fi
fi

# One row: NAME OUTFILE OK_EXITS -- COMMAND...  Appends "NAME WALL CPU RSS_KIB IR" to $out/rows.
: >"$out/rows"
row() {
	local name=$1 file=$2 ok=$3 t rss rc c n=
	shift 4
	read -r t rss rc c < <(TIMEIT_CPU=1 python3 "$root/bench/timeit.py" "$runs" "$file" -- "$@")
	if [[ " $ok " != *" $rc "* ]]; then
		echo "bench: $name exited $rc" >&2
		head -c 2000 "$file.stderr" >&2
		return 1
	fi
	if [ -n "$ir" ]; then
		local cmd=("$@")
		[ "$1" = "$squawk" ] && [ -x "$squawk_bin" ] && cmd[0]=$squawk_bin
		valgrind --tool=callgrind --callgrind-out-file=/dev/null "${cmd[@]}" >/dev/null 2>"$file.callgrind"
		n=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$file.callgrind" | head -1)
	fi
	echo "$name $t $c $rss ${n:--}" >>"$out/rows"
}

# (a) gatekeeper: the text report as users run it, then each machine-readable
# report on standard output, as squawk writes its own.
never=(lint --fail-level never)
row gk-text "$out/gatekeeper.txt" 0 -- "$gk" "${never[@]}" "${files[@]}" || exit 1
row gk-json "$out/gatekeeper.json" 0 -- "$gk" "${never[@]}" --format json "${files[@]}" || exit 1
row gk-junit "$out/gatekeeper.xml" 0 -- "$gk" "${never[@]}" --format junit "${files[@]}" || exit 1
# SARIF and GitLab Code Quality: a --format value when the binary has one,
# else the FILE option beside the (compact) JSON on standard output.
# The --format line of the help lists the values ("..., sarif, gitlab").
formats=$("$gk" lint --help 2>&1 | grep -m1 -- '--format')
for fmt in sarif gitlab; do
	if grep -qw -- "$fmt" <<<"$formats"; then
		row "gk-$fmt" "$out/gatekeeper.$fmt" 0 -- "$gk" "${never[@]}" --format "$fmt" "${files[@]}" || exit 1
	elif "$gk" lint --help 2>&1 | grep -q -- "--$fmt FILE"; then
		row "gk-$fmt+json" "$out/gatekeeper.$fmt.json" 0 -- "$gk" "${never[@]}" --format json \
			"--$fmt" "$out/gatekeeper.$fmt" "${files[@]}" || exit 1
	else
		echo "bench: this gatekeeper has no --$fmt; no $fmt row"
	fi
done

# (c) the bare parse.
row bare "$out/parse_only.out" 0 -- "$out/parse_only" "${files[@]}" || exit 1

# squawk exits 1 when it reports violations; anything else is a failure.
if [ -x "$squawk" ]; then
	row squawk-text "$out/squawk.txt" "0 1" -- "$squawk" "${files[@]}" &&
		row squawk-json "$out/squawk.json" "0 1" -- "$squawk" --reporter json "${files[@]}" ||
		echo "bench: squawk failed (see $build/bench/squawk.*.stderr); no squawk ratio"
fi

python3 - "$out/rows" <<'PY'
import sys
rows = {}
for line in open(sys.argv[1]):
    name, wall, cpu, rss, ir = line.split()
    rows[name] = (float(wall), float(cpu), int(rss), None if ir == "-" else int(ir))
def verdict(ok):
    return "PASS" if ok else "MISS"
labels = {
    "gk-text": "gatekeeper lint (text report)", "gk-json": "gatekeeper lint --format json",
    "gk-junit": "gatekeeper lint --format junit", "gk-sarif": "gatekeeper lint --format sarif",
    "gk-sarif+json": "gatekeeper lint --sarif (+ json)", "gk-gitlab": "gatekeeper lint --format gitlab",
    "gk-gitlab+json": "gatekeeper lint --gitlab (+ json)", "bare": "bare parse (parse_only)",
    "squawk-text": "squawk (tty report)", "squawk-json": "squawk --reporter json",
}
print("  %-34s %8s %8s %8s %14s" % ("", "wall s", "cpu s", "peak MB", "instructions"))
for name, (wall, cpu, rss, ir) in rows.items():
    print("  %-34s %8.3f %8.3f %8.1f %14s" % (labels.get(name, name), wall, cpu, rss / 1024,
                                          "{:,}".format(ir) if ir else "-"))
# Each gatekeeper report against the squawk report of its kind: the text
# report against squawk's default, every machine-readable one against
# squawk --reporter json.
for name in rows:
    if not name.startswith("gk-"):
        continue
    peer = "squawk-text" if name == "gk-text" else "squawk-json"
    label = "squawk/gatekeeper" + ("" if name == "gk-text" else " (%s)" % name[3:])
    if peer not in rows:
        print("%-30s    n/a   target >= 2.5   (squawk unavailable)" % label)
        continue
    r, rc = rows[peer][0] / rows[name][0], rows[peer][1] / rows[name][1]
    extra = "cpu %.2f" % rc
    if rows[name][3] and rows[peer][3]:
        extra += ", instructions %.2f" % (rows[peer][3] / rows[name][3])
    print("%-30s %6.2f   target >= 2.5   %s   (%s)" % (label, r, verdict(r >= 2.5), extra))
r = rows["gk-text"][0] / rows["bare"][0]
print("gatekeeper/bare-parse          %6.2f   target <= 1.3   %s   (cpu %.2f; json %.2f)"
      % (r, verdict(r <= 1.3), rows["gk-text"][1] / rows["bare"][1], rows["gk-json"][0] / rows["bare"][0]))
mb = max(v[2] for k, v in rows.items() if k.startswith("gk-")) / 1024
print("gatekeeper peak RSS            %6.1f MB target <= 64   %s" % (mb, verdict(mb <= 64)))
PY

[ "${BENCH_ONLY:-}" = lint ] && exit 0

# The history side of `check` (issue: base resolution + diff + classification).
"$root/bench/history.sh" "$build"

# The replay side of `check` (issue: cold replay vs initdb + psql, warm cache).
"$root/bench/replay.sh" "$build"
"$root/bench/catalog.sh" "$build"

# How time and memory grow with the input, at 1x, 4x and 16x.
"$root/bench/scale.sh" "$build"

# Predicted lock windows against measured ones at 1M and 5M rows.
"$root/bench/estimate.sh" "$build"
