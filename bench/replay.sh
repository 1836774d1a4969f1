#!/usr/bin/env bash
# Part of make bench: the replay side of `gatekeeper check`, on the largest
# shared Prisma corpus (trigger.dev, 820 migrations) committed as a
# repository whose branch adds the last migration.
#  1. Cold: `check --all --no-cache` (cluster start, the full replay, the
#     trace of the last migration, history and lint) against the plain
#     baseline: initdb + pg_ctl start with the same settings + the same
#     files through ONE psql session (`\i` each, one connection) into a
#     fresh database, then stop and remove.  Target: gatekeeper/baseline
#     <= 1.25.
#  2. Warm: the cache primed by a first run, a new migration committed on
#     the branch, then the whole `check`.  Target: < 1.0 s wall.
# Best of 3 (cold) and of 5 (warm) wall-clock runs, measured in this run.
set -uo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
gk="$root/$build/gatekeeper"
out="$root/$build/bench"
corpus="$root/../shared/corpora/triggerdotdev__trigger.dev"
dir=internal-packages/database/prisma/migrations
mkdir -p "$out"
if [ ! -d "$corpus/$dir" ]; then
	echo "bench: SKIP replay: ../shared/corpora/triggerdotdev__trigger.dev not found"
	exit 0
fi
bindir=$(pg_config --bindir 2>/dev/null)
[ -x "$bindir/initdb" ] || bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bindir/initdb" ] || { echo "bench: SKIP replay: no PostgreSQL server binaries"; exit 0; }
command -v psql >/dev/null || { echo "bench: SKIP replay: psql not found"; exit 0; }

# The repository: main holds every migration but the last; `feature` adds it.
repo="$out/replay-repo"
git_b() { git -C "$repo" -c user.name=bench -c user.email=bench@example.com "$@"; }
if [ ! -d "$repo/.git" ]; then
	rm -rf "$repo" && mkdir -p "$repo/$dir"
	cp "$corpus/$dir/migration_lock.toml" "$repo/$dir/" 2>/dev/null
	last=$(ls "$corpus/$dir" | grep -v '\.toml$' | sort | tail -1)
	for m in $(ls "$corpus/$dir" | grep -v '\.toml$' | sort); do
		[ "$m" = "$last" ] || cp -r "$corpus/$dir/$m" "$repo/$dir/"
	done
	git -C "$repo" init -q -b main && git_b add -A && git_b commit -qm base &&
		git_b switch -qc feature && cp -r "$corpus/$dir/$last" "$repo/$dir/" && git_b add -A &&
		git_b commit -qm "add $last" && git_b tag start || { echo "bench: cannot build $repo" >&2; exit 1; }
fi
# Undo the warm run's extra migration of an earlier bench.
git_b switch -q feature && git_b reset -q --hard start && git_b clean -fdq || { echo "bench: cannot reset $repo" >&2; exit 1; }

# As root, initdb and postgres run as `postgres`, as gatekeeper does.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
baseline() {
	local d
	d=$(mktemp -d "${TMPDIR:-/tmp}/gk-bench-XXXXXX") || return 1
	chmod 755 "$d"
	[ "$(id -u)" = 0 ] && chown postgres "$d"
	{ ls "$repo/$dir" | grep -v '\.toml$' | sort | sed "s|.*|\\\\i $repo/$dir/&/migration.sql|"; } >"$d/all.sql"
	as_pg "$bindir/initdb" -D "$d/data" -U gk -A trust -E UTF8 --locale=C -N >/dev/null &&
		as_pg "$bindir/pg_ctl" -D "$d/data" -l "$d/log" -w -s start -o "-c listen_addresses= -k $d -c fsync=off \
			-c full_page_writes=off -c synchronous_commit=off -c autovacuum=off" &&
		psql -X -q -h "$d" -U gk -d postgres -c "CREATE DATABASE replay" >/dev/null &&
		psql -X -q -h "$d" -U gk -d replay -v ON_ERROR_STOP=1 -f "$d/all.sql" >/dev/null 2>"$d/psql.err"
	local rc=$?
	as_pg "$bindir/pg_ctl" -D "$d/data" -s -m fast stop >/dev/null 2>&1
	rm -rf "$d"
	return $rc
}
export -f baseline as_pg
export repo dir bindir

timeit() { python3 "$root/bench/timeit.py" "$@"; }
read -r base_t _ base_rc < <(timeit 3 "$out/replay-baseline.out" -- bash -c baseline)
[ "$base_rc" = 0 ] || { echo "bench: the psql baseline failed (see $out/replay-baseline.out.stderr)" >&2; exit 1; }
read -r cold_t _ cold_rc < <(cd "$repo" && timeit 3 "$out/replay-cold.json" -- "$gk" check --no-config --all --no-cache --base main \
	--fail-level never --format json "$dir")
[ "$cold_rc" = 0 ] || { echo "bench: check --all --no-cache exited $cold_rc" >&2; exit 1; }
python3 - "$out/replay-cold.json" <<'PY' || exit 1
import json, sys
d = json.load(open(sys.argv[1]))
ms = [m for m in d["migrations"] if m.get("replay")]
bad = [m["path"] for m in ms if m["replay"]["status"] != "ok"]
traced = [m["path"] for m in ms if m["replay"].get("traced")]
if d["replay"]["migrations"] < 800 or bad or len(traced) != 1:
    sys.exit("bench: the cold replay did not apply every migration or trace the last: %s %s" % (bad, traced))
PY

# Warm: prime the cache, then one more migration on the branch.
cache="$out/replay-cache"
rm -rf "$cache" && mkdir -p "$cache" && chmod 755 "$cache"
(cd "$repo" && "$gk" check --no-config --base main --cache-dir "$cache" --fail-level never --format json "$dir" >/dev/null 2>&1)
mkdir -p "$repo/$dir/29991231000000_add_bench_column"
printf 'ALTER TABLE "User" ADD COLUMN "benchNote" TEXT;\n' >"$repo/$dir/29991231000000_add_bench_column/migration.sql"
git_b add -A && git_b commit -qm "add a bench column"
read -r warm_t _ warm_rc < <(cd "$repo" && timeit 5 "$out/replay-warm.json" -- "$gk" check --no-config --base main \
	--cache-dir "$cache" --fail-level never --format json "$dir")
reused=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["replay"]["reused_from_cache"])' "$out/replay-warm.json")

python3 - "$base_t" "$cold_t" "$warm_t" "$reused" <<'PY'
import sys
base, cold, warm, reused = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
verdict = lambda ok: "PASS" if ok else "MISS"
print("  initdb + start + psql \\i (one session)    %8.3f s" % base)
print("  gatekeeper check --all --no-cache (cold)  %8.3f s" % cold)
print("  gatekeeper check, warm cache, +1 migration %7.3f s   (%s migrations from the cache)" % (warm, reused))
r = cold / base
print("replay-cold/baseline           %6.2f   target <= 1.25  %s" % (r, verdict(r <= 1.25)))
print("replay-warm                    %6.3f s target < 1.0   %s" % (warm, verdict(warm < 1.0)))
PY
