/*
 * locks.c - which table locks a statement takes (see locks.h).
 *
 * Every lock level gatekeeper assumes is decided here and nowhere else,
 * as PostgreSQL decides them in AlterTableGetLockLevel().  The levels are
 * PostgreSQL 15's.  `scan` marks commands that read the whole table while
 * holding the lock and `rewrite` those that copy it; both make the lock
 * last as long as the table is big.
 */
#include "locks.h"
#include "lint_internal.h"

#include <string.h>
#include <strings.h>

static const char *const mode_names[] = {
	"NONE", "ACCESS SHARE", "ROW SHARE", "ROW EXCLUSIVE", "SHARE UPDATE EXCLUSIVE",
	"SHARE", "SHARE ROW EXCLUSIVE", "EXCLUSIVE", "ACCESS EXCLUSIVE",
};
_Static_assert(sizeof mode_names / sizeof *mode_names == GK_LOCK_ACCESS_EXCLUSIVE + 1, "lock names");

const char *gk_lockmode_name(enum gk_lockmode m) { return mode_names[m]; }

const char *gk_lockmode_blocks(enum gk_lockmode m)
{
	if (m == GK_LOCK_ACCESS_EXCLUSIVE)
		return "blocks all reads and writes";
	if (m >= GK_LOCK_SHARE)
		return "blocks writes";
	if (m == GK_LOCK_SHARE_UPDATE_EXCLUSIVE)
		return "blocks other schema changes and VACUUM";
	return "blocks little";
}

typedef struct lockset {
	gk_lock *out;
	size_t n, max;
} lockset;

static void add(lockset *ls, const char *schema, const char *name, bool is_index, enum gk_lockmode mode,
		bool scan, bool rewrite)
{
	if (!name)
		return;
	for (size_t i = 0; i < ls->n; i++) {
		gk_lock *l = &ls->out[i];
		if (strcmp(l->name, name) == 0 && ((!l->schema && !schema) || (l->schema && schema && !strcmp(l->schema, schema)))) {
			if (mode > l->mode)
				l->mode = mode;
			l->scan |= scan;
			l->rewrite |= rewrite;
			return;
		}
	}
	if (ls->n < ls->max)
		ls->out[ls->n++] = (gk_lock){schema, name, is_index, mode, rewrite, scan};
}

static void add_rv(lockset *ls, const PgQuery__RangeVar *rv, enum gk_lockmode mode, bool scan, bool rewrite)
{
	if (rv)
		add(ls, rv->schemaname && *rv->schemaname ? rv->schemaname : NULL, rv->relname, false, mode, scan, rewrite);
}

/* A qualified name as a List of String nodes. */
static void add_names(lockset *ls, const PgQuery__Node *list, bool is_index, enum gk_lockmode mode)
{
	if (!list || list->node_case != PG_QUERY__NODE__NODE_LIST || !list->list->n_items)
		return;
	const PgQuery__List *l = list->list;
	const char *name = gk_node_str(l->items[l->n_items - 1]);
	const char *schema = l->n_items > 1 ? gk_node_str(l->items[l->n_items - 2]) : NULL;
	add(ls, schema, name, is_index, mode, false, false);
}

/* Does a column default or generation expression need a rewrite? Decided by
 * the rules with version knowledge; here only identity/serial/stored. */
static bool column_def_rewrites(const PgQuery__ColumnDef *cd)
{
	for (size_t i = 0; i < cd->n_constraints; i++) {
		const PgQuery__Node *c = cd->constraints[i];
		if (c->node_case != PG_QUERY__NODE__NODE_CONSTRAINT)
			continue;
		PgQuery__ConstrType t = c->constraint->contype;
		if (t == PG_QUERY__CONSTR_TYPE__CONSTR_IDENTITY || t == PG_QUERY__CONSTR_TYPE__CONSTR_GENERATED)
			return true;
	}
	const char *base = cd->type_name ? gk_type_base(cd->type_name) : "";
	return !strcmp(base, "serial") || !strcmp(base, "bigserial") || !strcmp(base, "smallserial") ||
	       !strcmp(base, "serial4") || !strcmp(base, "serial8") || !strcmp(base, "serial2");
}

/*
 * Constraints written on an added column: a REFERENCES locks the referenced
 * table like ADD FOREIGN KEY does; it, CHECK, UNIQUE and PRIMARY KEY all
 * check or index every existing row.  Returns true when the table is scanned.
 */
static bool column_constraints(lockset *ls, const PgQuery__ColumnDef *cd)
{
	bool scan = false;
	for (size_t i = 0; i < cd->n_constraints; i++) {
		const PgQuery__Node *c = cd->constraints[i];
		if (c->node_case != PG_QUERY__NODE__NODE_CONSTRAINT)
			continue;
		switch (c->constraint->contype) {
		case PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN:
			add_rv(ls, c->constraint->pktable, GK_LOCK_SHARE_ROW_EXCLUSIVE, true, false);
			scan = true;
			break;
		case PG_QUERY__CONSTR_TYPE__CONSTR_CHECK:
		case PG_QUERY__CONSTR_TYPE__CONSTR_UNIQUE:
		case PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY:
			scan = true;
			break;
		default:
			break;
		}
	}
	return scan;
}

static void alter_table(lockset *ls, const PgQuery__AlterTableStmt *as)
{
	enum gk_lockmode mode = GK_LOCK_NONE;
	bool scan = false, rewrite = false;
	for (size_t i = 0; i < as->n_cmds; i++) {
		if (as->cmds[i]->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_CMD)
			continue;
		const PgQuery__AlterTableCmd *c = as->cmds[i]->alter_table_cmd;
		enum gk_lockmode m = GK_LOCK_ACCESS_EXCLUSIVE; /* the default, as in PostgreSQL */
		switch (c->subtype) {
		/* These only touch metadata that concurrent DML does not read. */
		case PG_QUERY__ALTER_TABLE_TYPE__AT_SetStatistics:
		case PG_QUERY__ALTER_TABLE_TYPE__AT_ClusterOn:
		case PG_QUERY__ALTER_TABLE_TYPE__AT_DropCluster:
		case PG_QUERY__ALTER_TABLE_TYPE__AT_ValidateConstraint:
		case PG_QUERY__ALTER_TABLE_TYPE__AT_AttachPartition:
			m = GK_LOCK_SHARE_UPDATE_EXCLUSIVE;
			scan = scan || c->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_ValidateConstraint ||
			       c->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_AttachPartition;
			break;
		case PG_QUERY__ALTER_TABLE_TYPE__AT_DetachPartition:
			if (c->def && c->def->node_case == PG_QUERY__NODE__NODE_PARTITION_CMD) {
				/* CONCURRENTLY only lowers the parent's lock; its second
				 * transaction still takes ACCESS EXCLUSIVE on the partition. */
				m = c->def->partition_cmd->concurrent ? GK_LOCK_SHARE_UPDATE_EXCLUSIVE : GK_LOCK_ACCESS_EXCLUSIVE;
				add_rv(ls, c->def->partition_cmd->name, GK_LOCK_ACCESS_EXCLUSIVE, false, false);
			}
			break;
		/* Triggers fire for DML, so DML must not run while they change. */
		case PG_QUERY__ALTER_TABLE_TYPE__AT_EnableTrig:
		case PG_QUERY__ALTER_TABLE_TYPE__AT_EnableAlwaysTrig:
		case PG_QUERY__ALTER_TABLE_TYPE__AT_EnableReplicaTrig:
		case PG_QUERY__ALTER_TABLE_TYPE__AT_DisableTrig:
		case PG_QUERY__ALTER_TABLE_TYPE__AT_EnableTrigAll:
		case PG_QUERY__ALTER_TABLE_TYPE__AT_DisableTrigAll:
		case PG_QUERY__ALTER_TABLE_TYPE__AT_EnableTrigUser:
		case PG_QUERY__ALTER_TABLE_TYPE__AT_DisableTrigUser:
			m = GK_LOCK_SHARE_ROW_EXCLUSIVE;
			break;
		case PG_QUERY__ALTER_TABLE_TYPE__AT_AddConstraint:
			if (c->def && c->def->node_case == PG_QUERY__NODE__NODE_CONSTRAINT) {
				const PgQuery__Constraint *k = c->def->constraint;
				/* A foreign key only has to keep rows from changing, on
				 * both tables; everything else is ACCESS EXCLUSIVE. */
				if (k->contype == PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN) {
					m = GK_LOCK_SHARE_ROW_EXCLUSIVE;
					add_rv(ls, k->pktable, GK_LOCK_SHARE_ROW_EXCLUSIVE, !k->skip_validation, false);
				}
				if (!k->skip_validation && (k->contype == PG_QUERY__CONSTR_TYPE__CONSTR_FOREIGN ||
							    k->contype == PG_QUERY__CONSTR_TYPE__CONSTR_CHECK))
					scan = true;
				/* Index-backed constraints build their index under the lock. */
				if (!k->indexname && (k->contype == PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY ||
						      k->contype == PG_QUERY__CONSTR_TYPE__CONSTR_UNIQUE ||
						      k->contype == PG_QUERY__CONSTR_TYPE__CONSTR_EXCLUSION))
					scan = true;
			}
			break;
		case PG_QUERY__ALTER_TABLE_TYPE__AT_SetNotNull:
			scan = true;
			break;
		case PG_QUERY__ALTER_TABLE_TYPE__AT_AlterColumnType:
			/* Whether it really rewrites depends on the types; the
			 * alter-column-type rule judges that. */
			rewrite = true;
			break;
		case PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumn:
			if (c->def && c->def->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF) {
				rewrite = rewrite || column_def_rewrites(c->def->column_def);
				scan = column_constraints(ls, c->def->column_def) || scan;
			}
			break;
		case PG_QUERY__ALTER_TABLE_TYPE__AT_SetTableSpace:
		case PG_QUERY__ALTER_TABLE_TYPE__AT_SetLogged:
		case PG_QUERY__ALTER_TABLE_TYPE__AT_SetUnLogged:
		case PG_QUERY__ALTER_TABLE_TYPE__AT_SetAccessMethod:
			rewrite = true;
			break;
		default:
			break;
		}
		if (m > mode)
			mode = m;
	}
	if (mode != GK_LOCK_NONE)
		add_rv(ls, as->relation, mode, scan, rewrite);
}

static enum gk_lockmode lock_stmt_mode(int32_t mode)
{
	/* LOCK TABLE's mode is PostgreSQL's LOCKMODE number, 1..8 like ours. */
	return mode >= 1 && mode <= 8 ? (enum gk_lockmode)mode : GK_LOCK_ACCESS_EXCLUSIVE;
}

/* As PostgreSQL's defGetBoolean(): no argument means true, and
 * `(FULL false)` or `(CONCURRENTLY off)` turn an option back off. */
static bool option_arg_true(const PgQuery__Node *arg)
{
	if (!arg)
		return true;
	if (arg->node_case == PG_QUERY__NODE__NODE_INTEGER)
		return arg->integer->ival != 0;
	const char *v = gk_node_str(arg);
	return !v || !(strcasecmp(v, "false") == 0 || strcasecmp(v, "off") == 0 || strcasecmp(v, "no") == 0 ||
		       strcmp(v, "0") == 0);
}

bool gk_option_on(PgQuery__Node *const *opts, size_t n, const char *name)
{
	bool on = false;
	for (size_t i = 0; i < n; i++)
		if (opts[i]->node_case == PG_QUERY__NODE__NODE_DEF_ELEM && opts[i]->def_elem->defname &&
		    strcmp(opts[i]->def_elem->defname, name) == 0)
			on = option_arg_true(opts[i]->def_elem->arg); /* the last one wins */
	return on;
}

size_t gk_stmt_locks(const PgQuery__Node *n, int pg_version, gk_lock *out, size_t max)
{
	lockset ls = {out, 0, max};
	(void)pg_version;
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT:
		alter_table(&ls, n->alter_table_stmt);
		break;
	case PG_QUERY__NODE__NODE_INDEX_STMT:
		/* CREATE INDEX: SHARE for the whole build; CONCURRENTLY only
		 * SHARE UPDATE EXCLUSIVE, which lets DML go on. */
		add_rv(&ls, n->index_stmt->relation,
		       n->index_stmt->concurrent ? GK_LOCK_SHARE_UPDATE_EXCLUSIVE : GK_LOCK_SHARE, true, false);
		break;
	case PG_QUERY__NODE__NODE_DROP_STMT: {
		const PgQuery__DropStmt *ds = n->drop_stmt;
		bool idx = ds->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_INDEX;
		bool rel = idx || ds->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_TABLE ||
			   ds->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW ||
			   ds->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_VIEW;
		if (!rel)
			break;
		enum gk_lockmode m = idx && ds->concurrent ? GK_LOCK_SHARE_UPDATE_EXCLUSIVE : GK_LOCK_ACCESS_EXCLUSIVE;
		for (size_t i = 0; i < ds->n_objects; i++)
			add_names(&ls, ds->objects[i], idx, m);
		break;
	}
	case PG_QUERY__NODE__NODE_REINDEX_STMT: {
		const PgQuery__ReindexStmt *rs = n->reindex_stmt;
		enum gk_lockmode m = gk_option_on(rs->params, rs->n_params, "concurrently") ? GK_LOCK_SHARE_UPDATE_EXCLUSIVE
			: rs->kind == PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_INDEX ? GK_LOCK_ACCESS_EXCLUSIVE
			: GK_LOCK_SHARE;
		if (rs->relation)
			add(&ls, rs->relation->schemaname && *rs->relation->schemaname ? rs->relation->schemaname : NULL,
			    rs->relation->relname, rs->kind == PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_INDEX, m, true, false);
		break;
	}
	case PG_QUERY__NODE__NODE_RENAME_STMT:
		add_rv(&ls, n->rename_stmt->relation, GK_LOCK_ACCESS_EXCLUSIVE, false, false);
		break;
	case PG_QUERY__NODE__NODE_TRUNCATE_STMT:
		for (size_t i = 0; i < n->truncate_stmt->n_relations; i++)
			if (n->truncate_stmt->relations[i]->node_case == PG_QUERY__NODE__NODE_RANGE_VAR)
				add_rv(&ls, n->truncate_stmt->relations[i]->range_var, GK_LOCK_ACCESS_EXCLUSIVE, false, true);
		break;
	case PG_QUERY__NODE__NODE_LOCK_STMT:
		for (size_t i = 0; i < n->lock_stmt->n_relations; i++)
			if (n->lock_stmt->relations[i]->node_case == PG_QUERY__NODE__NODE_RANGE_VAR)
				add_rv(&ls, n->lock_stmt->relations[i]->range_var, lock_stmt_mode(n->lock_stmt->mode), false, false);
		break;
	case PG_QUERY__NODE__NODE_VACUUM_STMT: {
		const PgQuery__VacuumStmt *vs = n->vacuum_stmt;
		bool full = vs->is_vacuumcmd && gk_option_on(vs->options, vs->n_options, "full");
		for (size_t i = 0; i < vs->n_rels; i++)
			if (vs->rels[i]->node_case == PG_QUERY__NODE__NODE_VACUUM_RELATION)
				add_rv(&ls, vs->rels[i]->vacuum_relation->relation,
				       full ? GK_LOCK_ACCESS_EXCLUSIVE : GK_LOCK_SHARE_UPDATE_EXCLUSIVE, true, full);
		break;
	}
	case PG_QUERY__NODE__NODE_CLUSTER_STMT:
		add_rv(&ls, n->cluster_stmt->relation, GK_LOCK_ACCESS_EXCLUSIVE, true, true);
		break;
	case PG_QUERY__NODE__NODE_REFRESH_MAT_VIEW_STMT:
		add_rv(&ls, n->refresh_mat_view_stmt->relation,
		       n->refresh_mat_view_stmt->concurrent ? GK_LOCK_EXCLUSIVE : GK_LOCK_ACCESS_EXCLUSIVE, true, true);
		break;
	case PG_QUERY__NODE__NODE_CREATE_TRIG_STMT:
		add_rv(&ls, n->create_trig_stmt->relation, GK_LOCK_SHARE_ROW_EXCLUSIVE, false, false);
		break;
	case PG_QUERY__NODE__NODE_RULE_STMT:
		add_rv(&ls, n->rule_stmt->relation, GK_LOCK_ACCESS_EXCLUSIVE, false, false);
		break;
	case PG_QUERY__NODE__NODE_CREATE_POLICY_STMT:
		add_rv(&ls, n->create_policy_stmt->table, GK_LOCK_ACCESS_EXCLUSIVE, false, false);
		break;
	case PG_QUERY__NODE__NODE_UPDATE_STMT:
		add_rv(&ls, n->update_stmt->relation, GK_LOCK_ROW_EXCLUSIVE, !n->update_stmt->where_clause, false);
		break;
	case PG_QUERY__NODE__NODE_DELETE_STMT:
		add_rv(&ls, n->delete_stmt->relation, GK_LOCK_ROW_EXCLUSIVE, !n->delete_stmt->where_clause, false);
		break;
	default:
		break;
	}
	return ls.n;
}

enum gk_lockmode gk_stmt_lock_on(const PgQuery__Node *stmt, int pg_version, const char *schema, const char *name,
				 gk_lock *out)
{
	gk_lock locks[GK_MAX_LOCKS];
	size_t n = name ? gk_stmt_locks(stmt, pg_version, locks, GK_MAX_LOCKS) : 0;
	const char *want = schema && *schema ? schema : "public";
	for (size_t i = 0; i < n; i++) {
		const char *have = locks[i].schema && *locks[i].schema ? locks[i].schema : "public";
		if (strcmp(locks[i].name, name) == 0 && strcmp(have, want) == 0) {
			if (out)
				*out = locks[i];
			return locks[i].mode;
		}
	}
	return GK_LOCK_NONE;
}
