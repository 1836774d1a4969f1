#!/usr/bin/env bash
# gen-history-repo.sh N_COMMITS N_MIGRATIONS DIR
#
# Build a synthetic repository for the history benchmarks in one
# `git fast-import` stream (no per-commit git processes, so 20,000 commits
# take seconds):
#   - main: N_COMMITS commits; each edits one of 50 application files, and
#     every N_COMMITS/N_MIGRATIONS-th one also adds a Prisma migration
#     prisma/migrations/<YYYYMMDDHHMMSS>_m<k>/migration.sql (N_MIGRATIONS in all);
#   - feature (HEAD, checked out): forks 20 commits before main's tip and
#     has 10 commits that add 3 migrations, edit one applied migration and
#     rename another, so merge-base..HEAD is small and main moved on.
# DIR must not exist or be empty.  Needs git and awk.
set -euo pipefail
if [ $# -ne 3 ]; then
	echo "usage: $0 N_COMMITS N_MIGRATIONS DIR" >&2
	exit 2
fi
commits=$1 migrations=$2 dir=$3
case "$commits$migrations" in *[!0-9]*) echo "$0: counts must be numbers" >&2; exit 2 ;; esac
if [ "$commits" -lt 40 ] || [ "$migrations" -lt 3 ] || [ "$migrations" -gt "$commits" ]; then
	echo "$0: need N_COMMITS >= 40 and 3 <= N_MIGRATIONS <= N_COMMITS" >&2
	exit 2
fi
if [ -e "$dir" ] && [ -n "$(ls -A "$dir")" ]; then
	echo "$0: $dir exists and is not empty" >&2
	exit 2
fi

git init -q -b main "$dir"
git -C "$dir" config user.name "Bench"
git -C "$dir" config user.email "bench@example.com"

awk -v N="$commits" -v M="$migrations" '
function blob(path, text) { printf "M 100644 inline %s\ndata %d\n%s\n", path, length(text), text }
function stamp(k) {  # a distinct, plausible migration timestamp per k
	return sprintf("%04d%02d%02d%02d%02d00", 2020 + int(k / 8064), 1 + int(k / 672) % 12,
		       1 + int(k / 24) % 28, k % 24, int(k / 7) % 60)
}
function mig(k) { return "prisma/migrations/" stamp(k) "_m" k "/migration.sql" }
function sql(k) {
	return "-- CreateTable\nCREATE TABLE \"t" k "\" (\n    \"id\" BIGSERIAL NOT NULL,\n    \"name\" TEXT,\n" \
	       "    CONSTRAINT \"t" k "_pkey\" PRIMARY KEY (\"id\")\n);\n"
}
function commit(ref, mark, n, msg, from) {
	printf "commit %s\nmark :%d\n", ref, mark
	printf "author Bench <bench@example.com> %d +0000\n", 1600000000 + n * 60
	printf "committer Bench <bench@example.com> %d +0000\n", 1600000000 + n * 60
	printf "data %d\n%s\n", length(msg), msg
	if (from != "") printf "from %s\n", from
}
BEGIN {
	step = int(N / M); k = 0; fork = N - 20
	for (i = 1; i <= N; i++) {
		commit("refs/heads/main", i, i, "main commit " i, "")
		if (i == 1) blob("prisma/migrations/migration_lock.toml", "provider = \"postgresql\"")
		blob("src/app/file" (i % 50) ".txt", "revision " i)
		if (i % step == 0 && k < M) { k++; blob(mig(k), sql(k)) }
		if (i == fork) forked = k
	}
	for (j = 1; j <= 10; j++) {
		commit("refs/heads/feature", N + j, N + j, "feature commit " j, j == 1 ? ":" fork : "")
		blob("src/feature.txt", "feature " j)
		if (j <= 3) blob(mig(M + j), sql(M + j))
		if (j == 5) blob(mig(forked), sql(forked) "ALTER TABLE \"t" forked "\" ADD COLUMN \"x\" INT;\n")
		if (j == 7) {
			printf "R %s %s\n", mig(forked - 1), "prisma/migrations/" stamp(forked - 1) "_renamed/migration.sql"
		}
	}
}' |
	# fast-import allocates and frees tree buffers per commit; glibc's default
	# heap trimming turned that into ~200,000 brk calls (4.5 s of 6 s at 20,000
	# commits).  Keeping 64 MiB of slack makes it 1.7 s.  Other libcs ignore this.
	GLIBC_TUNABLES=glibc.malloc.trim_threshold=268435456:glibc.malloc.top_pad=67108864 \
		git -C "$dir" fast-import --quiet

git -C "$dir" symbolic-ref HEAD refs/heads/feature
git -C "$dir" reset -q --hard
