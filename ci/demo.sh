#!/usr/bin/env bash
# make demo, in three parts.
#
# 1. lint: the demo Prisma project in testdata/demo (an init migration, then
#    migrations with typical hazards and one safe one), text report on the
#    terminal, JSON and JUnit reports under BUILD/demo/.
# 2. check: a small git repository built on the fly under BUILD/demo/repo
#    from the same migrations: `main` holds the history minus the last two
#    migrations; the branch `feature` adds them, plus one that applies but
#    locks and rewrites "Post" (testdata/demo/check), and edits an old one (fixed authors and dates, so the output is the
#    same on every run).  `gatekeeper check` then compares the branch with
#    main: history findings, the lint of the change, and the replay of every
#    migration on a private PostgreSQL cluster, with the locks the change's
#    statements really took (template cache under BUILD/demo/cache).
#
# 3. drift and gate: a production cluster started for the demo, with main's
#    migrations applied and changes made by hand (ci/demo-live.sh).
#
# The demo is meant to find hazards: it succeeds when every run exits 1
# (the gate failed) and fails on any other exit code.
set -uo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
gk="$root/$build/gatekeeper"
out="$root/$build/demo"
if [ ! -x "$gk" ]; then
	echo "demo: $build/gatekeeper not found; run 'make' first" >&2
	exit 2
fi
mkdir -p "$out"
# Run from the demo folder so the report names prisma/migrations/... paths.
cd "$root/testdata/demo" || exit 2
echo "demo: gatekeeper lint prisma/migrations   (a Prisma project, PostgreSQL 15)"
echo
"$gk" lint --json "$out/report.json" --junit "$out/junit.xml" prisma/migrations
rc=$?
echo
echo "demo: JSON report:  $build/demo/report.json"
echo "demo: JUnit report: $build/demo/junit.xml"
lint_rc=$rc

# ---- part 2: gatekeeper check on a repository built from testdata/demo ----
command -v git >/dev/null || { echo "demo: git is missing (see ci/install-deps.sh)" >&2; exit 1; }
repo="$out/repo"
m=prisma/migrations
src="$root/testdata/demo/$m"
rm -rf "$repo"
# The user's git configuration (signing, hooks, templates) must not get in the way.
git_demo() {
	HOME="$out" GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME="$1" GIT_AUTHOR_EMAIL="$2" GIT_AUTHOR_DATE="$3" \
		GIT_COMMITTER_NAME="$1" GIT_COMMITTER_EMAIL="$2" GIT_COMMITTER_DATE="$3" git -C "$repo" "${@:4}"
}
mkdir -p "$repo/$m" &&
	HOME="$out" GIT_CONFIG_NOSYSTEM=1 git init -q -b main "$repo" &&
	cp "$src/migration_lock.toml" "$repo/$m/" &&
	for d in 20240105093000_init 20240212141500_add_post_author_index 20240304110000_add_categories \
		20240318163000_tighten_user_and_post; do cp -R "$src/$d" "$repo/$m/"; done &&
	git_demo "Ada Lovelace" ada@example.com "2024-03-18T16:30:00Z" add -A &&
	git_demo "Ada Lovelace" ada@example.com "2024-03-18T16:30:00Z" commit -q -m "Tighten user and post" &&
	git_demo "Grace Hopper" grace@example.com "2024-04-15T09:00:00Z" switch -q -c feature &&
	cp -R "$src/20240415090000_add_search_indexes" "$src/20240501100000_add_tags" \
		"$root/testdata/demo/check/20240410080000_add_post_slug" "$repo/$m/" &&
	git_demo "Grace Hopper" grace@example.com "2024-05-01T10:00:00Z" add -A &&
	git_demo "Grace Hopper" grace@example.com "2024-05-01T10:00:00Z" commit -q -m "Add search indexes and tags" &&
	sed -i.orig 's/CREATE INDEX "Post_authorId_idx"/CREATE INDEX CONCURRENTLY "Post_authorId_idx"/' \
		"$repo/$m/20240212141500_add_post_author_index/migration.sql" &&
	rm -f "$repo/$m/20240212141500_add_post_author_index/migration.sql.orig" &&
	git_demo "Grace Hopper" grace@example.com "2024-05-02T11:00:00Z" commit -q -a -m "Build the author index concurrently" ||
	{ echo "demo: could not build the demo repository in $build/demo/repo" >&2; exit 1; }

echo
echo "demo: gatekeeper check --base main prisma/migrations   (in $build/demo/repo, branch feature)"
echo "      history, lint, and the replay on a private PostgreSQL cluster with the locks it observed"
echo
(cd "$repo" && "$gk" check --no-config --base main --cache-dir "$out/cache" --json "$out/check.json" \
	--junit "$out/check-junit.xml" "$m")
check_rc=$?
echo
echo "demo: JSON report:  $build/demo/check.json"
echo "demo: JUnit report: $build/demo/check-junit.xml"

verdict() { # name rc
	case $2 in
	1) return 0 ;;
	0) echo "demo: gatekeeper $1 exited 0 (pass), but the demo contains hazards it should block" >&2 ;;
	*) echo "demo: gatekeeper $1 exited $2: an error, not a verdict (2 usage, 3 infrastructure, 4 internal)" >&2 ;;
	esac
	return 1
}
verdict lint $lint_rc && verdict check $check_rc || exit 1

# ---- part 3: drift and the release gate against a production database ----
"$root/ci/demo-live.sh" "$build" "$repo" "$out" || exit 1
echo
echo "demo: lint, check, drift and gate exited 1: blocking findings, the gate failed, as this demo intends."
echo "      (exit codes: 0 pass, 1 blocking findings, 2 usage or configuration error,"
echo "       3 infrastructure error, 4 internal error)"
exit 0
