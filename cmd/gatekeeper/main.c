/*
 * main.c - gatekeeper's entry point: finds the subcommand in the table
 * (cmd_help.c; exact names only, so a new command never breaks a script)
 * and runs it.  A mistyped name is refused with the closest one offered.
 */
#include "cmd.h"
#include "gatekeeper/common.h"
#include "gatekeeper/report.h"
#include "util/interrupt.h"

#include <malloc.h>
#include <string.h>

/*
 * A run is short and allocates in bursts on several threads: a parse tree
 * per file, freed when its rules are done, a report built and freed at
 * the end.  glibc gives a heap's free top back to the kernel past 128 kB
 * (M_TRIM_THRESHOLD), grows a heap 128 kB at a time (M_TOP_PAD) and maps
 * a block of 128 kB or more on its own (M_MMAP_THRESHOLD), so the same
 * memory went back and was faulted in again: 9,000 page faults for the
 * 2,659 corpus files, 6,600 with these (and 4% less CPU time).  What is
 * kept is never more than the run's peak.
 */
static void keep_freed_memory(void)
{
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	mallopt(M_TOP_PAD, 16 << 20);
	mallopt(M_MMAP_THRESHOLD, 4 << 20);
}

int main(int argc, char **argv)
{
	keep_freed_memory();
	if (argc < 2) {
		gk_usage(stderr);
		return GK_EXIT_USAGE;
	}
	const char *name = argv[1];
	if (!strcmp(name, "--help") || !strcmp(name, "-h")) {
		gk_usage(stdout);
		return GK_EXIT_PASS;
	}
	if (!strcmp(name, "--version") || !strcmp(name, "-V") || !strcmp(name, "version")) {
		printf("gatekeeper %s\n", GK_VERSION);
		return GK_EXIT_PASS;
	}
	const gk_cmd *cmd = gk_command_find(name);
	if (!cmd) {
		char hint[128];
		gk_command_hint(hint, sizeof hint, name);
		gk_diag("unknown command '%s'%s", name, hint);
		fputc('\n', stderr);
		gk_usage(stderr);
		return GK_EXIT_USAGE;
	}
	/* SIGINT and SIGTERM end a run in order: what is running on a server
	 * is cancelled and every report is written (exit 3).  The library
	 * jobs (check, drift, gate) install the handlers when their options
	 * ask (handle_signals, which their commands set); the commands that
	 * run no library job get them here. */
	if (!cmd->job_signals && gk_interrupt_install() < 0) {
		fprintf(stderr, "gatekeeper: cannot start the signal watchdog thread\n");
		return GK_EXIT_INTERNAL;
	}
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			gk_cmd_print_help(cmd, stdout);
			return GK_EXIT_PASS;
		}
	}
	return cmd->run(argc - 2, argv + 2);
}
