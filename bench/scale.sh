#!/usr/bin/env bash
# Part of make bench (or alone: bench/scale.sh [BUILD]): how time and peak
# memory grow with the input.  Each step runs at 1x, 4x and 16x of a base
# size chosen so that 16x is the size the issue asks for:
#   lint-history    `lint` of a Prisma history: 313 / 1,252 / 5,008
#                   migrations of about 4 KB (16x: 20 MB)
#   check-history   `check --all --no-replay` of the same history committed
#                   as a repository (main, and a branch adding 3 migrations)
#   lint-statements `lint` of one file of 6,250 / 25,000 / 100,000
#                   statements (16x: about 5 MB, one transaction)
#   snapshot        `snapshot` of a target of 125 / 500 / 2,000 tables (with
#                   indexes, foreign keys, views, functions, triggers)
#   drift           `drift --expected` of that target against its snapshot
# Every input is generated (bench/gen-scale.py) into a temporary folder that
# is removed at the end; snapshot and drift need PostgreSQL's server
# binaries and start a private cluster.  One run per point.  Prints wall
# time, CPU time (user + system: steadier than the wall clock on a busy
# machine), peak RSS, and the growth of CPU time and memory from each size
# to the next, with the growth n log n would allow; a step whose CPU time
# grows more than that (by over 25%, to allow for noise) is flagged.
# SCALE_FACTORS="1 4" limits the sizes.  Takes about 2-4 minutes on 2 cores.
set -uo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
gk="$root/$build/gatekeeper"
[ -x "$gk" ] || { echo "bench: $build/gatekeeper not found; run 'make' first" >&2; exit 2; }
factors=${SCALE_FACTORS:-1 4 16}
work=$(mktemp -d "${TMPDIR:-/tmp}/gk-bench-scale-XXXXXX") || exit 1
chmod 755 "$work"
results="$work/results"
: >"$results"
pg_stop=""
cleanup() {
	[ -n "$pg_stop" ] && $pg_stop
	rm -rf "$work"
}
trap cleanup EXIT

measure() { python3 "$root/bench/measure.py" "$@"; }
gen() { python3 "$root/bench/gen-scale.py" "$@"; }

# record STEP N OUTFILE EXPECTED_EXITS -- COMMAND...: measure and keep a result line.
record() {
	local step=$1 n=$2 outf=$3 ok=$4
	shift 5
	local wall cpu rss rc
	read -r wall cpu rss rc < <(measure "$outf" -- "$@")
	case " $ok " in
	*" $rc "*) echo "$step $n $wall $cpu $rss" >>"$results" ;;
	*)
		echo "bench: $step at $n exited $rc:" >&2
		head -c 2000 "$outf.stderr" >&2
		return 1
		;;
	esac
}

echo "bench: scale, at ${factors// /x, }x of the base sizes (inputs in $work)"
for f in $factors; do
	n=$((313 * f))
	h="$work/history-$n"
	gen history "$n" "$h" || { echo "bench: cannot generate $n migrations" >&2; exit 1; }
	record lint-history "$n" "$work/lint-history.json" "0" -- "$gk" lint --no-config --fail-level never --format json \
		"$h/prisma/migrations" || exit 1

	# The same history as a repository: main has all but the last 3.
	git_h() { git -C "$h" -c user.name=bench -c user.email=bench@example.com "$@"; }
	mkdir -p "$work/later-$n"
	for m in $(ls "$h/prisma/migrations" | grep -v '\.toml$' | sort | tail -3); do
		mv "$h/prisma/migrations/$m" "$work/later-$n/"
	done
	{ git_h init -q -b main && git_h add -A && git_h commit -qm base && git_h switch -qc feature &&
		mv "$work/later-$n"/* "$h/prisma/migrations/" && git_h add -A && git_h commit -qm "3 more"; } ||
		{ echo "bench: cannot commit the history of $n migrations" >&2; exit 1; }
	(cd "$h" && record check-history "$n" "$work/check-history.json" "0" -- "$gk" check --no-config --all --no-replay \
		--base main --fail-level never --format json prisma/migrations) || exit 1
	rm -rf "$h" "$work/later-$n"

	n=$((6250 * f))
	gen statements "$n" "$work/statements.sql" || { echo "bench: cannot generate $n statements" >&2; exit 1; }
	record lint-statements "$n" "$work/lint-statements.json" "0" -- "$gk" lint --no-config --fail-level never \
		--format json "$work/statements.sql" || exit 1
	rm -f "$work/statements.sql"
done

# The target: a private cluster, one database per size.
bindir=$(pg_config --bindir 2>/dev/null)
[ -x "$bindir/initdb" ] || bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -x "$bindir/initdb" ] && command -v psql >/dev/null; then
	as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
	pg="$work/pg"
	mkdir -p "$pg" && chmod 755 "$pg"
	[ "$(id -u)" = 0 ] && chown postgres "$pg"
	as_pg "$bindir/initdb" -D "$pg/data" -U gk -A trust -E UTF8 --locale=C -N >/dev/null &&
		as_pg "$bindir/pg_ctl" -D "$pg/data" -l "$pg/log" -w -s start -o "-c listen_addresses= -k $pg -c fsync=off \
			-c full_page_writes=off -c synchronous_commit=off -c autovacuum=off" ||
		{ echo "bench: cannot start a cluster in $pg" >&2; exit 1; }
	pg_stop="as_pg $bindir/pg_ctl -D $pg/data -s -m fast stop"
	for f in $factors; do
		n=$((125 * f))
		gen schema "$n" "$work/schema.sql" &&
			psql -X -q -h "$pg" -U gk -d postgres -c "CREATE DATABASE scale$n" >/dev/null &&
			psql -X -q -h "$pg" -U gk -d "scale$n" -v ON_ERROR_STOP=1 -f "$work/schema.sql" >/dev/null ||
			{ echo "bench: cannot create the schema of $n tables (see $pg/log)" >&2; exit 1; }
		db="host=$pg user=gk dbname=scale$n"
		record snapshot "$n" "$work/snapshot.out" "0" -- "$gk" snapshot --database "$db" -o "$work/snap-$n.json" || exit 1
		record drift "$n" "$work/drift.json" "0" -- "$gk" drift --no-config --database "$db" --expected "$work/snap-$n.json" \
			--format json || exit 1
		psql -X -q -h "$pg" -U gk -d postgres -c "DROP DATABASE scale$n" >/dev/null
	done
else
	echo "bench: SKIP snapshot and drift scale: no PostgreSQL server binaries or psql"
fi

python3 - "$results" <<'PY'
import math, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
steps = []
for r in rows:
    if r[0] not in steps:
        steps.append(r[0])
unit = {"lint-history": "migrations", "check-history": "migrations", "lint-statements": "statements",
        "snapshot": "tables", "drift": "tables"}
flagged = []
print("  %-16s %8s %-10s %9s %9s %9s   %s" % ("step", "n", "", "wall s", "cpu s", "peak MB", "growth from the size before"))
for s in steps:
    pts = [(int(r[1]), float(r[2]), float(r[3]), int(r[4]) / 1024) for r in rows if r[0] == s]
    prev = None
    for n, wall, cpu, mb in pts:
        note = ""
        if prev:
            pn, pcpu, pmb = prev
            k = n / pn
            nlogn = k * math.log(n) / math.log(pn)
            if pcpu >= 0.05:
                g = cpu / pcpu
                verdict = "ok"
                if g > 1.25 * nlogn:
                    verdict = "FASTER THAN n log n"
                    flagged.append("%s %d->%d" % (s, pn, n))
                note = "cpu x%.2f, memory x%.2f (n x%.0f, n log n x%.2f) %s" % (g, mb / pmb, k, nlogn, verdict)
            else:
                note = "memory x%.2f (too short to judge the time)" % (mb / pmb)
        print("  %-16s %8d %-10s %9.3f %9.3f %9.1f   %s" % (s, n, unit.get(s, ""), wall, cpu, mb, note))
        prev = (n, cpu, mb)
print("scale: %s" % ("every step within n log n" if not flagged else "grows faster than n log n: " + ", ".join(flagged)))
PY
