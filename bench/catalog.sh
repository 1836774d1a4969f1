#!/usr/bin/env bash
# Part of make bench: the catalog snapshot and the schema diff (src/catalog)
# on a generated schema of 2,000 tables (identity keys, foreign keys,
# CHECKs, UNIQUEs, partial and expression indexes, enums, a domain, views,
# functions, triggers) on a private cluster started here.
#  1. `gatekeeper snapshot` against `pg_dump --schema-only` of the same
#     database, both over the cluster's Unix socket, best of 3 wall-clock
#     runs each in this run.  Target: snapshot/pg_dump <= 0.5.
#  2. The diff of two such snapshots (the second database is a copy with a
#     little drift) in one process (bench/catalog_diff.c): loading the two
#     files is printed apart; target for the diff: < 100 ms.
set -uo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
gk="$root/$build/gatekeeper"
out="$root/$build/bench"
mkdir -p "$out"
[ -x "$gk" ] || { echo "bench: $build/gatekeeper not found; run 'make' first" >&2; exit 2; }
bindir=$(pg_config --bindir 2>/dev/null)
[ -x "$bindir/initdb" ] || bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bindir/initdb" ] || { echo "bench: SKIP catalog: no PostgreSQL server binaries"; exit 0; }
pg_dump=$bindir/pg_dump
[ -x "$pg_dump" ] || pg_dump=$(command -v pg_dump)
[ -n "$pg_dump" ] || { echo "bench: SKIP catalog: pg_dump not found"; exit 0; }
command -v psql >/dev/null || { echo "bench: SKIP catalog: psql not found"; exit 0; }

cc=${CC:-cc}
$cc -O2 -std=c11 -D_GNU_SOURCE -I"$root/include" -I"$root/src" -o "$out/catalog_diff" "$root/bench/catalog_diff.c" \
	"$root/$build/libgatekeeper.a" -lpg_query $(pkg-config --libs libgit2 jansson yaml-0.1 libcrypto libpq) \
	-lpthread -lm || { echo "bench: cannot build bench/catalog_diff.c" >&2; exit 1; }

# The cluster: as root, initdb and postgres run as `postgres`, as gatekeeper does.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/gk-bench-catalog-XXXXXX") || exit 1
chmod 755 "$dir"
[ "$(id -u)" = 0 ] && chown postgres "$dir"
stop() {
	as_pg "$bindir/pg_ctl" -D "$dir/data" -s -m fast stop >/dev/null 2>&1
	rm -rf "$dir"
}
trap stop EXIT
as_pg "$bindir/initdb" -D "$dir/data" -U gk -A trust -E UTF8 --locale=C -N >/dev/null &&
	as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w -s start -o "-c listen_addresses= -k $dir -c fsync=off \
		-c full_page_writes=off -c synchronous_commit=off -c autovacuum=off" ||
	{ echo "bench: cannot start a cluster in $dir" >&2; exit 1; }

tables=2000
# The same schema as the scale benchmark's 2,000-table target.
python3 "$root/bench/gen-scale.py" schema "$tables" "$dir/schema.sql" ||
	{ echo "bench: cannot generate the schema" >&2; exit 1; }
psql -X -q -h "$dir" -U gk -d postgres -c "CREATE DATABASE bench" >/dev/null &&
	psql -X -q -h "$dir" -U gk -d bench -v ON_ERROR_STOP=1 -f "$dir/schema.sql" >/dev/null &&
	psql -X -q -h "$dir" -U gk -d postgres -c "CREATE DATABASE bench_drift TEMPLATE bench" >/dev/null &&
	psql -X -q -h "$dir" -U gk -d bench_drift -v ON_ERROR_STOP=1 >/dev/null <<'SQL' ||
ALTER TABLE public.t00500 ADD COLUMN extra integer;
ALTER TABLE public.t00700 ALTER COLUMN note TYPE text;
DROP INDEX public.t00900_created_idx;
CREATE INDEX t01100_note_idx ON public.t01100 (note);
CREATE OR REPLACE VIEW app.v01500 AS SELECT a.id, a.name, a.amount, b.name AS parent_name FROM public.t01500 a
	LEFT JOIN public.t01499 b ON b.id = a.parent_id WHERE a.status <> 'archived';
SQL
	{ echo "bench: cannot create the schema (see $dir/log)" >&2; exit 1; }
objects=$(psql -X -At -h "$dir" -U gk -d bench -c "SELECT (SELECT count(*) FROM pg_class WHERE relkind = 'r' AND \
relnamespace = 'public'::regnamespace) || ' tables, ' || (SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = \
i.indrelid WHERE c.relnamespace = 'public'::regnamespace) || ' indexes, ' || (SELECT count(*) FROM pg_constraint WHERE \
connamespace = 'public'::regnamespace) || ' constraints, ' || (SELECT count(*) FROM pg_class WHERE relkind = 'v' AND \
relnamespace = 'app'::regnamespace) || ' views, ' || (SELECT count(*) FROM pg_proc WHERE pronamespace = \
'app'::regnamespace) || ' functions'")
ci="host=$dir user=gk dbname=bench"
timeit() { python3 "$root/bench/timeit.py" "$@"; }
read -r snap_t _ snap_rc < <(timeit 3 "$out/catalog-snapshot.out" -- "$gk" snapshot --database "$ci" -o "$out/catalog-bench.json")
[ "$snap_rc" = 0 ] || { echo "bench: gatekeeper snapshot exited $snap_rc:" >&2; cat "$out/catalog-snapshot.out.stderr" >&2; exit 1; }
python3 - "$out/catalog-bench.json" "$tables" <<'PY' || exit 1
import json, sys
d = json.load(open(sys.argv[1]))
n = sum(1 for k in d["objects"]["table"] if k.startswith("public.t"))
if n != int(sys.argv[2]):
    sys.exit("bench: the snapshot has %d of the %s tables" % (n, sys.argv[2]))
PY
read -r dump_t _ dump_rc < <(timeit 3 "$out/catalog-pg_dump.sql" -- "$pg_dump" --schema-only -h "$dir" -U gk bench)
[ "$dump_rc" = 0 ] || { echo "bench: pg_dump exited $dump_rc" >&2; exit 1; }
"$gk" snapshot --database "host=$dir user=gk dbname=bench_drift" -o "$out/catalog-bench-drift.json" 2>/dev/null ||
	{ echo "bench: cannot snapshot bench_drift" >&2; exit 1; }
read -r load_ms first_ms best_ms changes < <("$out/catalog_diff" "$out/catalog-bench.json" "$out/catalog-bench-drift.json")
[ -n "${best_ms:-}" ] || { echo "bench: catalog_diff failed" >&2; exit 1; }

python3 - "$snap_t" "$dump_t" "$load_ms" "$first_ms" "$best_ms" "$changes" "$objects" \
	"$(wc -c <"$out/catalog-bench.json")" <<'PY'
import sys
snap, dump = float(sys.argv[1]), float(sys.argv[2])
load, first, best, changes, objects, size = float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), \
    sys.argv[6], sys.argv[7], int(sys.argv[8])
verdict = lambda ok: "PASS" if ok else "MISS"
print("  schema: %s" % objects)
print("  gatekeeper snapshot                   %8.3f s   (%.1f MB of JSON)" % (snap, size / 1e6))
print("  pg_dump --schema-only                 %8.3f s" % dump)
print("  diff of two snapshots, in process     %8.1f ms  (first run %.1f ms; %s changes; loading both files %.0f ms)"
      % (best, first, changes, load))
r = snap / dump
print("snapshot/pg_dump               %6.2f   target <= 0.5   %s" % (r, verdict(r <= 0.5)))
print("catalog diff                   %6.1f ms target < 100   %s" % (best, verdict(best < 100)))
PY
