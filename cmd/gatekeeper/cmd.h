/*
 * cmd.h - the command table and option tables of the gatekeeper CLI.
 *
 * Each subcommand lives in cmd_<name>.c and exports one `const gk_cmd`;
 * main.c lists them.  Each command's options are a table that drives both
 * parsing and `--help`, so help cannot drift from behaviour.
 */
#ifndef GK_CMD_H
#define GK_CMD_H

#include <stdbool.h>
#include <stdio.h>

enum gk_opt_type {
	GK_OPT_BOOL,   /* --x, --no-x */
	GK_OPT_VALUE,  /* --x VALUE, --x=VALUE, -x VALUE */
};

/*
 * An option's placeholder also tells the shell completions (cmd_help.c)
 * what to offer: "FILE" files, "DIR" folders, "a|b|c" those words,
 * anything else nothing.
 */
typedef struct gk_opt {
	const char *name;        /* long name without "--" */
	char short_name;         /* 0 = none */
	enum gk_opt_type type;
	const char *arg;         /* placeholder shown in help, e.g. "FILE" */
	const char *help;
	int id;                  /* passed to the command's apply() */
} gk_opt;

/* What a command's arguments are, for the shell completions. */
enum gk_args_kind {
	GK_ARGS_NONE = 0,
	GK_ARGS_FILES,           /* files or folders */
	GK_ARGS_DIRS,            /* folders */
	GK_ARGS_RULE,            /* one rule id */
	GK_ARGS_COMMAND,         /* one command name */
	GK_ARGS_SHELL,           /* bash, zsh or fish */
};

typedef struct gk_cmd {
	const char *name;
	const char *summary;
	const char *usage;       /* after "gatekeeper NAME " */
	const gk_opt *opts;      /* the command's own options; ends with a zeroed row */
	const gk_opt *shared;    /* options it shares with other commands (report_opts.h), or NULL */
	int (*run)(int argc, char **argv);
	enum gk_args_kind args;
	/* Its job installs the signal handlers itself (the job's options'
	 * handle_signals, which the command sets); main() installs them for
	 * the other commands. */
	bool job_signals;
} gk_cmd;

/* Every command, in the order help lists them; NULL-terminated (cmd_help.c). */
extern const gk_cmd *const gk_commands[];

/** The command named exactly `name`, or NULL. */
const gk_cmd *gk_command_find(const char *name);

/** "usage: gatekeeper COMMAND ..." with the list of commands. */
void gk_usage(FILE *out);

/** " (did you mean 'x'?)" when `word` looks like a typo of a command, else "". */
void gk_command_hint(char *out, size_t size, const char *word);

/** " (did you mean 'x'?)" when `id` looks like a typo of a rule id, else "". */
void gk_rule_hint(char *out, size_t size, const char *id);

/*
 * Parse argv against the command's table.  For each option calls
 * apply(ctx, opt, value) (value "1"/"0" for booleans); a non-zero return
 * stops parsing and is returned.  Positional arguments are collected in
 * *pos (argv pointers; *pos is malloc'ed, free it).  "--" ends options.
 * Returns 0, or the exit code 2 after printing a usage error.
 */
int gk_opts_parse(const gk_cmd *cmd, int argc, char **argv,
		  int (*apply)(void *ctx, const gk_opt *o, const char *value), void *ctx,
		  char ***pos, int *npos);

/** Print the command's usage and option table. */
void gk_cmd_print_help(const gk_cmd *cmd, FILE *out);

/** Print "gatekeeper: <message>" to stderr and return exit code 2. */
int gk_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "gatekeeper: MESSAGE" on stderr, control characters shown escaped (gk_visible). */
void gk_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

extern const gk_cmd gk_cmd_lint;
extern const gk_cmd gk_cmd_rules;
extern const gk_cmd gk_cmd_explain;
extern const gk_cmd gk_cmd_check;
extern const gk_cmd gk_cmd_snapshot;
extern const gk_cmd gk_cmd_stats;
extern const gk_cmd gk_cmd_status;
extern const gk_cmd gk_cmd_drift;
extern const gk_cmd gk_cmd_gate;
extern const gk_cmd gk_cmd_help;
extern const gk_cmd gk_cmd_completion;

#endif
