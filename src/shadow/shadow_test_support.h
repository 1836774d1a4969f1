/*
 * shadow_test_support.h - for tests that use a shadow's cluster as any
 * PostgreSQL server (fixtures, roles, an "external" shadow URL): its
 * superuser, since migrations, and gk_shadow_conninfo(), are its role's.
 */
#ifndef GK_SHADOW_TEST_SUPPORT_H
#define GK_SHADOW_TEST_SUPPORT_H

#include <stdlib.h>

#include "gatekeeper/shadow.h"

/* The shadow's own database as the server's superuser.  One shadow per
 * test program: the conninfo is kept for its whole run. */
static __attribute__((unused)) const char *super_conninfo(const gk_shadow *sh)
{
	static char *ci;
	if (!ci)
		ci = gk_shadow_superuser_conninfo(sh, gk_shadow_dbname(sh));
	return ci;
}

/* gk_shadow_new_database(), but *ci connects as the superuser: a fixture
 * standing for a production database, not a replay. */
static __attribute__((unused)) int new_super_db(gk_shadow *sh, const char *tpl, char **ci, char **name,
                                                gk_error *err)
{
	char *role_ci = NULL;
	int rc = gk_shadow_new_database(sh, tpl, &role_ci, name, err);
	free(role_ci);
	*ci = NULL;
	if (rc == 0 && !(*ci = gk_shadow_superuser_conninfo(sh, *name)))
		rc = gk_error_set(err, GK_ENOMEM, "out of memory");
	return rc;
}

#endif
