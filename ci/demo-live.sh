#!/usr/bin/env bash
# make demo, part 3: the jobs that read a live database.
#
# A "production" cluster is started for the demo (initdb, pg_ctl; socket
# only, in a temporary folder; stopped and removed on every exit path).  It
# gets the migrations of the demo repository's `main` (part 2) as
# `prisma migrate deploy` would leave them: the schema, Prisma's history
# rows with their checksums, and some data.  Then production drifts: an
# index made by hand and a column default changed.  A reporting job keeps a
# transaction open on "Post".
#
#   gatekeeper drift   reports the two hand-made changes;
#   gatekeeper gate    on branch `feature` (one migration edited after it
#                      was applied, three pending: one rewrites "Post", one
#                      does not apply) blocks the deploy: status, drift,
#                      lint, the traced replay with the sizes of the tables
#                      on production, and the session a deploy would queue
#                      behind.
#
# Usage: ci/demo-live.sh BUILD REPO OUT; exits 0 when both runs exit 1 (the
# demo's intent), 1 otherwise.
set -uo pipefail
build=$1 repo=$2 out=$3
root=$(cd "$(dirname "$0")/.." && pwd)
gk="$root/$build/gatekeeper"
m=prisma/migrations

bindir=$(pg_config --bindir 2>/dev/null)
[ -x "$bindir/initdb" ] || bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ ! -x "$bindir/initdb" ] || ! command -v psql >/dev/null; then
	echo "demo: no PostgreSQL server binaries or psql (see ci/install-deps.sh)" >&2
	exit 1
fi

# As root, the server runs as `postgres`, as gatekeeper's own cluster does.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
prod=$(mktemp -d "${TMPDIR:-/tmp}/gk-demo-prod-XXXXXX") || exit 1
chmod 755 "$prod"
[ "$(id -u)" = 0 ] && chown postgres "$prod"
reporter=
stop() {
	[ -n "$reporter" ] && kill "$reporter" 2>/dev/null
	as_pg "$bindir/pg_ctl" -D "$prod/data" -s -m immediate stop >/dev/null 2>&1
	rm -rf "$prod"
}
trap stop EXIT
git_r() { HOME="$out" GIT_CONFIG_NOSYSTEM=1 git -C "$repo" "$@"; }
psql_prod() { psql -X -q -v ON_ERROR_STOP=1 -h "$prod" -U gk -d app "$@"; }

as_pg "$bindir/initdb" -D "$prod/data" -U gk -A trust -E UTF8 --locale=C -N >/dev/null &&
	as_pg "$bindir/pg_ctl" -D "$prod/data" -l "$prod/log" -w -s start \
		-o "-c listen_addresses= -k $prod -c fsync=off -c autovacuum=off" &&
	psql -X -q -h "$prod" -U gk -d postgres -c "CREATE DATABASE app" ||
	{ echo "demo: could not start the production cluster (log: $prod/log)" >&2; cat "$prod/log" >&2; exit 1; }

# What `prisma migrate deploy` leaves: main's migrations, and a history row
# for each with the SHA-256 of its file.
main_migrations=$(git_r ls-tree --name-only main "$m/" | sed 's|.*/||' | grep -v '\.toml$' | sort)
{
	echo 'CREATE TABLE "_prisma_migrations" ("id" VARCHAR(36) PRIMARY KEY, "checksum" VARCHAR(64) NOT NULL,
	  "finished_at" TIMESTAMPTZ, "migration_name" VARCHAR(255) NOT NULL, "logs" TEXT, "rolled_back_at" TIMESTAMPTZ,
	  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(), "applied_steps_count" INTEGER NOT NULL DEFAULT 0);'
	for name in $main_migrations; do
		git_r show "main:$m/$name/migration.sql"
		sum=$(git_r show "main:$m/$name/migration.sql" | sha256sum | cut -c1-64)
		echo "INSERT INTO _prisma_migrations VALUES (gen_random_uuid()::text, '$sum', now(), '$name', NULL, NULL, now(), 1);"
	done
	# Data, so that the gate can say what a rewrite costs there.
	echo "INSERT INTO \"User\" (id, email, name, \"updatedAt\")
	      SELECT 'u' || i, 'user' || i || '@example.com', 'User ' || i, now() FROM generate_series(1, 2000) i;
	      INSERT INTO \"Post\" (id, title, content, \"authorId\", \"updatedAt\")
	      SELECT 'p' || i, 'Post ' || i, repeat('lorem ipsum ', 40), 'u' || (i % 2000 + 1), now()
	      FROM generate_series(1, 50000) i;
	      ANALYZE;"
	# Drift: what someone did by hand on production one night.
	echo 'CREATE INDEX "Post_content_idx" ON "Post" (md5("content"));
	      ALTER TABLE "User" ALTER COLUMN "role" SET DEFAULT '"'ADMIN'"';'
} >"$prod/deploy.sql"
psql_prod -f "$prod/deploy.sql" >/dev/null || { echo "demo: could not set up the production database" >&2; exit 1; }

# A reporting job with a transaction open on "Post" for the length of the demo.
psql_prod -c "SET application_name = 'nightly-report'" -c 'BEGIN' -c 'SELECT count(*) FROM "Post"' \
	-c 'SELECT pg_sleep(600)' >/dev/null 2>&1 &
reporter=$!
for _ in $(seq 100); do
	held=$(psql_prod -At -c "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)
	                         WHERE a.application_name = 'nightly-report' AND l.relation = '\"Post\"'::regclass")
	[ "$held" = 1 ] && break
	sleep 0.1
done

url="postgresql://gk@/app?host=$prod"
echo
echo "demo: gatekeeper drift prisma/migrations   (in $build/demo/repo, branch main, against a production database)"
echo "      the schema main's migrations build, replayed on the private cluster, against production"
echo
(git_r switch -q main && cd "$repo" && "$gk" drift --no-config --database "$url" --cache-dir "$out/cache" \
	--json "$out/drift.json" --junit "$out/drift-junit.xml" "$m")
drift_rc=$?
echo
echo "demo: JSON report:  $build/demo/drift.json"
echo
echo "demo: gatekeeper gate prisma/migrations   (in $build/demo/repo, branch feature: may it be deployed now?)"
echo
(git_r switch -q feature && cd "$repo" && "$gk" gate --no-config --database "$url" --cache-dir "$out/cache" \
	--json "$out/gate.json" --junit "$out/gate-junit.xml" "$m")
gate_rc=$?
echo
echo "demo: JSON report:  $build/demo/gate.json"
echo "demo: JUnit report: $build/demo/gate-junit.xml"

bad=0
for pair in "drift $drift_rc" "gate $gate_rc"; do
	set -- $pair
	[ "$2" = 1 ] && continue
	echo "demo: gatekeeper $1 exited $2, but the demo's production database should make it exit 1" >&2
	bad=1
done
exit $bad
