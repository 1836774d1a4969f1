# Sourced by the check-* cases that replay (bash).  Sets a git identity and
# a clean environment (no shadow URL, no PG* variables, TMPDIR under $TMP,
# reachable by the server's user when root).  `prisma_repo` makes a Prisma
# repository in $TMP/repo and enters it; `mig NAME SQL` adds a migration;
# `embedded_running PID TEXT` tells whether the embedded shadow of the
# gatekeeper process PID has an active query containing TEXT.
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

# Asked of pg_stat_activity on the cluster's socket (the folder its
# postmaster was given with -k; the superuser "gatekeeper", trust): a
# backend's process title says only "SELECT", which the lock tracer's
# sampling session shows too, before the migration's own query begins.
embedded_running() {
	local pm dir
	pm=$(pgrep -P "$1" -x postgres | head -1)
	[ -n "$pm" ] || return 1
	dir=$(tr '\0' '\n' <"/proc/$pm/cmdline" 2>/dev/null | sed -n '/^-k$/{n;p;q}')
	[ -n "$dir" ] && [ "$(psql -X -qAt -h "$dir" -p 5432 -U gatekeeper -d postgres -c "SELECT count(*)
		FROM pg_stat_activity WHERE state = 'active' AND pid <> pg_backend_pid()
		AND strpos(query, '$2') > 0" 2>/dev/null)" = 1 ]
}
