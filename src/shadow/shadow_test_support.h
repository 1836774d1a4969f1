/*
 * shadow_test_support.h - for tests that use a shadow's cluster as any
 * PostgreSQL server (fixtures, roles, an "external" shadow URL): its
 * superuser, since migrations, and gk_shadow_conninfo(), are its role's.
 */
#ifndef GK_SHADOW_TEST_SUPPORT_H
#define GK_SHADOW_TEST_SUPPORT_H

#include <signal.h>
#include <stdlib.h>

#include "shadow/shadow.h"

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
	int rc = gk_shadow_new_database(&role_ci, name, sh, tpl, err);
	free(role_ci);
	*ci = NULL;
	if (rc == 0 && !(*ci = gk_shadow_superuser_conninfo(sh, *name)))
		rc = gk_error_set(err, GK_ENOMEM, "out of memory");
	return rc;
}

/* The signal cases need each signal's default action in the child: a
 * shell starts a background job with SIGINT ignored, nohup ignores SIGHUP,
 * and gatekeeper rightly leaves an ignored signal ignored (gk_sig_take()),
 * so a suite started that way would otherwise see the children survive. */
static __attribute__((unused)) void default_signals(void)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
	for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
		signal(sigs[i], SIG_DFL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

#endif
