/*
 * history_table.c - the table each migration tool creates for itself before
 * it applies the first migration.
 *
 * Why a replay needs it: production always has that table, and migrations
 * touch it (Harbor's 0030 adds a column to golang-migrate's
 * schema_migrations and 0040 drops it again; Lemmy puts a trigger on
 * diesel's __diesel_schema_migrations).  A shadow built from the files alone
 * would fail those migrations for a reason production never sees.
 *
 * The statements are the tools' own, copied from their sources (cited at
 * each), with one difference: the tools qualify the name with the schema
 * they resolved at run time, which by default is current_schema(); an
 * unqualified name lands in the same schema, and keeps a search_path a
 * caller sets on the shadow in effect.  Rows are not inserted: the tools
 * write one after each migration, outside the migration's own SQL, and a
 * replay of the files alone has nothing true to write.
 */
#include "layout/layout.h"

#include <stddef.h>

/* prisma-engines, sql-schema-connector, flavour/postgres.rs,
 * create_migrations_table(). */
static const char prisma_sql[] =
	"CREATE TABLE _prisma_migrations (\n"
	"    id                      VARCHAR(36) PRIMARY KEY NOT NULL,\n"
	"    checksum                VARCHAR(64) NOT NULL,\n"
	"    finished_at             TIMESTAMPTZ,\n"
	"    migration_name          VARCHAR(255) NOT NULL,\n"
	"    logs                    TEXT,\n"
	"    rolled_back_at          TIMESTAMPTZ,\n"
	"    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),\n"
	"    applied_steps_count     INTEGER NOT NULL DEFAULT 0\n"
	");\n";

/* Flyway, flyway-database-postgresql, PostgreSQLDatabase.getRawCreateScript()
 * without a tablespace or baseline: the table, its primary key added
 * afterwards, and the index on "success". */
static const char flyway_sql[] =
	"CREATE TABLE \"flyway_schema_history\" (\n"
	"    \"installed_rank\" INT NOT NULL,\n"
	"    \"version\" VARCHAR(50),\n"
	"    \"description\" VARCHAR(200) NOT NULL,\n"
	"    \"type\" VARCHAR(20) NOT NULL,\n"
	"    \"script\" VARCHAR(1000) NOT NULL,\n"
	"    \"checksum\" INTEGER,\n"
	"    \"installed_by\" VARCHAR(100) NOT NULL,\n"
	"    \"installed_on\" TIMESTAMP NOT NULL DEFAULT now(),\n"
	"    \"execution_time\" INTEGER NOT NULL,\n"
	"    \"success\" BOOLEAN NOT NULL\n"
	");\n"
	"ALTER TABLE \"flyway_schema_history\" ADD CONSTRAINT \"flyway_schema_history_pk\" "
	"PRIMARY KEY (\"installed_rank\");\n"
	"CREATE INDEX \"flyway_schema_history_s_idx\" ON \"flyway_schema_history\" (\"success\");\n";

/* golang-migrate, database/postgres/postgres.go, ensureVersionTable(). */
static const char golang_sql[] =
	"CREATE TABLE IF NOT EXISTS \"schema_migrations\" "
	"(version bigint not null primary key, dirty boolean not null);\n";

/* dbmate, pkg/driver/postgres/postgres.go, CreateMigrationsTable().  The
 * PostgreSQL driver has always used varchar(255), in dbmate 1.x and in the
 * current 2.x; varchar(128) is what the MySQL and SQLite drivers use (an
 * index length limit of MySQL), not PostgreSQL's. */
static const char dbmate_sql[] =
	"create table if not exists schema_migrations (version varchar(255) primary key);\n";

/* diesel, diesel/src/migration/setup_migration_table.sql. */
static const char diesel_sql[] =
	"CREATE TABLE IF NOT EXISTS __diesel_schema_migrations (\n"
	"       version VARCHAR(50) PRIMARY KEY NOT NULL,\n"
	"       run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP\n"
	");\n";

const char *gk_layout_history_table_sql(enum gk_layout_kind kind)
{
	switch (kind) {
	case GK_LAYOUT_PRISMA: return prisma_sql;
	case GK_LAYOUT_FLYWAY: return flyway_sql;
	case GK_LAYOUT_GOLANG_MIGRATE: return golang_sql;
	case GK_LAYOUT_DBMATE: return dbmate_sql;
	case GK_LAYOUT_DIESEL: return diesel_sql;
	case GK_LAYOUT_AUTO:
	case GK_LAYOUT_PLAIN:
		break;
	}
	return NULL;  /* a plain folder has no tool, so no table of its own */
}
