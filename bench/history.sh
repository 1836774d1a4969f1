#!/usr/bin/env bash
# Part of make bench: the history side of `gatekeeper check`.
#  1. A generated repository of 20,000 commits and 1,000 Prisma migrations
#     (bench/gen-history-repo.sh, cached in BUILD/bench): base resolution +
#     tree diff + classification (`check --no-lint`) against
#     `git diff --name-status main...HEAD -- prisma/migrations`.
#     Target: gatekeeper/git <= 1.0.
#  2. The largest shared Prisma corpus committed as a repository:
#     `check --all` (history + lint of everything with the model) against
#     `lint` of the same folder.  Target: check/lint <= 1.5.
# Best of 5 wall-clock runs each, measured in this run.
set -uo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
gk="$root/$build/gatekeeper"
out="$root/$build/bench"
mkdir -p "$out"
timeit() { python3 "$root/bench/timeit.py" 5 "$@"; }

repo="$out/history-20000x1000"
if [ ! -d "$repo/.git" ]; then
	rm -rf "$repo"
	echo "bench: generating a repository of 20,000 commits and 1,000 migrations (once)"
	"$root/bench/gen-history-repo.sh" 20000 1000 "$repo" >/dev/null || { echo "bench: cannot generate the repository" >&2; exit 1; }
fi
read -r git_t _ _ < <(cd "$repo" && timeit "$out/git-diff.out" -- git diff --name-status main...HEAD -- prisma/migrations)
# The same work inside one process, to tell start-up from the steady cost.
cc=${CC:-cc}
$cc -O2 -std=c11 -D_GNU_SOURCE -I"$root/include" -I"$root/src" -o "$out/history_inproc" "$root/bench/history_inproc.c" \
	"$root/$build/libgatekeeper.a" -lpg_query $(pkg-config --libs libgit2 jansson yaml-0.1 libcrypto libpq) -lpthread -lm ||
	{ echo "bench: cannot build bench/history_inproc.c" >&2; exit 1; }
read -r first_ms best_ms < <(cd "$repo" && "$out/history_inproc" main prisma/migrations)
read -r hist_t _ hist_rc < <(cd "$repo" && timeit "$out/check-history.json" -- "$gk" check --no-config --no-lint --no-replay --base main --format json prisma/migrations)
[ "$hist_rc" = 1 ] || { echo "bench: check --no-lint exited $hist_rc, expected 1 (the branch edits a migration)" >&2; exit 1; }

corpus="$root/../shared/corpora/triggerdotdev__trigger.dev"
dir=internal-packages/database/prisma/migrations
check_t="" lint_t=""
if [ -d "$corpus/$dir" ]; then
	crepo="$out/trigger.dev-repo"
	if [ ! -d "$crepo/.git" ]; then
		rm -rf "$crepo" && mkdir -p "$crepo/$(dirname "$dir")"
		cp -r "$corpus/$dir" "$crepo/$dir"
		git -C "$crepo" init -q -b main && git -C "$crepo" add -A &&
			git -C "$crepo" -c user.name=bench -c user.email=bench@example.com commit -qm corpus ||
			{ echo "bench: cannot commit the corpus" >&2; exit 1; }
	fi
	read -r check_t _ _ < <(cd "$crepo" && timeit "$out/check-all.json" -- "$gk" check --no-config --all --no-replay --base main --fail-level never --format json "$dir")
	read -r lint_t _ _ < <(cd "$crepo" && timeit "$out/lint-all.json" -- "$gk" lint --no-config --fail-level never --format json "$dir")
else
	echo "bench: SKIP check vs lint: ../shared/corpora/triggerdotdev__trigger.dev not found"
fi

python3 - "$git_t" "$hist_t" "$check_t" "$lint_t" "$first_ms" "$best_ms" <<'PY'
import sys
git, hist = float(sys.argv[1]), float(sys.argv[2])
first, best = float(sys.argv[5]) / 1000, float(sys.argv[6]) / 1000
verdict = lambda ok: "PASS" if ok else "MISS"
print("  git diff --name-status main...HEAD       %8.3f s" % git)
print("  gatekeeper check --no-lint (history)     %8.3f s   (whole process)" % hist)
print("  same work in process, first / steady     %8.3f s / %.3f s" % (first, best))
r = hist / git
print("history/git-diff               %6.2f   target <= 1.0   %s" % (r, verdict(r <= 1.0)))
print("  steady in-process/git-diff   %6.2f" % (best / git))
if sys.argv[3]:
    check, lint = float(sys.argv[3]), float(sys.argv[4])
    print("  gatekeeper check --all (trigger.dev)     %8.3f s" % check)
    print("  gatekeeper lint (same folder)            %8.3f s" % lint)
    r = check / lint
    print("check/lint                     %6.2f   target <= 1.5   %s" % (r, verdict(r <= 1.5)))
PY
