/*
 * chain.c - the chain hashes that name replayed prefixes in the template
 * cache (see gk_replay_chain in replay/replay.h), one definition for
 * every command that keeps templates.
 */
#include "replay/replay.h"
#include "shadow/shadow.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

int gk_replay_chain(char (*out)[65], const char *seed, size_t seed_len, const gk_replay_migration *m, size_t n,
		    gk_error *err)
{
	char prev[65];
	gk_shadow_chain_start(prev, seed, seed_len);
	for (size_t i = 0; i < n; i++) {
		/* A naive splitter sends the same SQL another way again; the
		 * others keep the names templates were stored under. */
		bool naive = m[i].runner == GK_RUNNER_SPLIT && m[i].splitter != GK_SPLITTER_SQL;
		char *name = gk_asprintf("%s|%s%s%s", m[i].path, gk_runner_name(m[i].runner), naive ? "|" : "",
					 naive ? gk_runner_splitter_name(m[i].splitter) : "");
		if (!name)
			return gk_error_set(err, GK_ENOMEM, "out of memory");
		gk_shadow_chain_next(out[i], prev, name, m[i].sql, m[i].len);
		memcpy(prev, out[i], sizeof prev);
		free(name);
	}
	return 0;
}
