# Sourced by the check-* cases that replay (bash).  Sets a git identity and
# a clean environment (no shadow URL, no PG* variables, TMPDIR under $TMP,
# reachable by the server's user when root).  `prisma_repo` makes a Prisma
# repository in $TMP/repo and enters it; `mig NAME SQL` adds a migration.
export HOME="$TMP" GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=dev GIT_AUTHOR_EMAIL=dev@example.com \
	GIT_COMMITTER_NAME=dev GIT_COMMITTER_EMAIL=dev@example.com
unset GITHUB_BASE_REF GIT_DIR GIT_WORK_TREE SHADOW_DATABASE_URL PGHOST PGPORT PGUSER PGDATABASE
# As root the cluster runs as another user, who must reach the folders.
chmod 755 "$TMP" && mkdir -p "$TMP/tmp" && chmod 755 "$TMP/tmp" && export TMPDIR="$TMP/tmp"

m=prisma/migrations
mig() { mkdir -p "$m/$1" && printf '%s\n' "$2" >"$m/$1/migration.sql"; }
prisma_repo() {
	git init -q -b main "$TMP/repo" && cd "$TMP/repo" &&
		mkdir -p $m && printf 'provider = "postgresql"\n' >$m/migration_lock.toml
}
