/*
 * main.c - gatekeeper's entry point: finds the subcommand in the table
 * (exact names only, so a new command never breaks a script) and runs it.
 */
#include "cmd.h"
#include "gatekeeper/common.h"
#include "gatekeeper/report.h"
#include "util/interrupt.h"

#include <string.h>


static const gk_cmd *const commands[] = {
	&gk_cmd_lint,
	&gk_cmd_check,
	&gk_cmd_snapshot,
	&gk_cmd_status,
	&gk_cmd_drift,
	&gk_cmd_gate,
	&gk_cmd_rules,
	&gk_cmd_explain,
	NULL,
};

static void usage(FILE *out)
{
	fputs("usage: gatekeeper COMMAND [options]\n\n"
	      "Checks PostgreSQL migrations before they reach production.\n\ncommands:\n", out);
	for (const gk_cmd *const *c = commands; *c; c++)
		fprintf(out, "  %-10s %s\n", (*c)->name, (*c)->summary);
	fputs("\nRun 'gatekeeper COMMAND --help' for a command's options.\n"
	      "Exit codes: 0 pass, 1 gate failed, 2 usage or config error, 3 infrastructure error, 4 internal error.\n",
	      out);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return GK_EXIT_USAGE;
	}
	const char *name = argv[1];
	if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
		usage(stdout);
		return GK_EXIT_PASS;
	}
	if (!strcmp(name, "--version") || !strcmp(name, "version")) {
		printf("gatekeeper %s\n", GK_VERSION);
		return GK_EXIT_PASS;
	}
	/* SIGINT and SIGTERM end a run in order: what is running on a server
	 * is cancelled and every report is written (exit 3). */
	if (gk_interrupt_install() < 0) {
		fprintf(stderr, "gatekeeper: cannot start the signal watchdog thread\n");
		return GK_EXIT_INTERNAL;
	}
	for (const gk_cmd *const *c = commands; *c; c++) {
		if (strcmp((*c)->name, name) != 0)
			continue;
		for (int i = 2; i < argc; i++) {
			if (!strcmp(argv[i], "--"))
				break;
			if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
				gk_cmd_help(*c, stdout);
				return GK_EXIT_PASS;
			}
		}
		return (*c)->run(argc - 2, argv + 2);
	}
	fprintf(stderr, "gatekeeper: unknown command '%s'\n\n", name);
	usage(stderr);
	return GK_EXIT_USAGE;
}
