/*
 * config.c - gatekeeper.yml loading (src/config).
 *
 * The input is the file's content, written to a private folder as
 * gatekeeper.yml and loaded; a configuration that loads is applied to lint
 * options.  Invariants: a failure leaves no configuration and a message
 * that names the file; a success has every list entry set.
 */
#include "fuzz.h"

#include "gatekeeper/config.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file(GK_CONFIG_NAME, data, size);
	gk_config *c = NULL;
	gk_error err = {0, ""};
	int rc = gk_config_load(&c, path, &err);
	if (rc != 0) {
		FUZZ_CHECK(c == NULL);
		FUZZ_CHECK(strstr(err.msg, path) == err.msg);
		return 0;
	}
	FUZZ_CHECK(c != NULL);
	for (size_t i = 0; i < c->n_paths; i++)
		FUZZ_CHECK(c->paths[i] != NULL);
	for (size_t i = 0; i < c->n_excludes; i++)
		FUZZ_CHECK(c->excludes[i] != NULL);
	for (size_t i = 0; i < c->n_rules; i++)
		FUZZ_CHECK(c->rules[i].id != NULL && c->rules[i].line >= 1 && c->rules[i].column >= 1);
	gk_lint_options o;
	gk_lint_options_init(&o);
	rc = gk_config_apply(c, &o, &err);
	FUZZ_CHECK(rc == 0 || rc == GK_ECONFIG);
	gk_config_free(c);
	return 0;
}
