/*
 * cmd_help.c - the command table and everything written from it: the
 * usage, `gatekeeper help [COMMAND]`, the manual page (`help --man`) and
 * the bash, zsh and fish completions (`completion SHELL`).
 *
 * The manual and the completions are generated from the same option
 * tables as `--help` and installed by `make install`, so none of them can
 * list an option the program does not have, or miss one it has.  An
 * option's placeholder says what its value is (cmd.h): "FILE", "DIR", or
 * the words "a|b|c" a completion offers.
 */
#include "cmd.h"
#include "gatekeeper/common.h"
#include "gatekeeper/report.h"
#include "gatekeeper/rules.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

const gk_cmd *const gk_commands[] = {
	&gk_cmd_lint,
	&gk_cmd_check,
	&gk_cmd_snapshot,
	&gk_cmd_status,
	&gk_cmd_drift,
	&gk_cmd_gate,
	&gk_cmd_stats,
	&gk_cmd_rules,
	&gk_cmd_explain,
	&gk_cmd_help,
	&gk_cmd_completion,
	NULL,
};

#define DESCRIPTION "Checks PostgreSQL migrations before they reach production."
#define EXIT_CODES                                                                                         \
	"0 pass, 1 gate failed, 2 usage or config error, 3 infrastructure error, 4 internal error."

const gk_cmd *gk_command_find(const char *name)
{
	for (const gk_cmd *const *c = gk_commands; *c; c++)
		if (strcmp((*c)->name, name) == 0)
			return *c;
	return NULL;
}

void gk_usage(FILE *out)
{
	fputs("usage: gatekeeper COMMAND [options]\n\n" DESCRIPTION "\n\ncommands:\n", out);
	for (const gk_cmd *const *c = gk_commands; *c; c++)
		fprintf(out, "  %-10s %s\n", (*c)->name, (*c)->summary);
	fputs("\nRun 'gatekeeper help COMMAND' (or 'gatekeeper COMMAND --help') for a command's options,\n"
	      "'gatekeeper -V' for the version.\n"
	      "Exit codes: " EXIT_CODES "\n",
	      out);
}

void gk_command_hint(char *out, size_t size, const char *word)
{
	gk_suggest s;
	gk_suggest_init(&s, word);
	for (const gk_cmd *const *c = gk_commands; *c; c++)
		gk_suggest_offer(&s, (*c)->name);
	out[0] = '\0';
	if (s.best)
		snprintf(out, size, " (did you mean '%s'?)", s.best);
}

void gk_rule_hint(char *out, size_t size, const char *id)
{
	gk_suggest s;
	gk_suggest_init(&s, id);
	for (size_t i = 0; i < gk_rules_count(); i++)
		gk_suggest_offer(&s, gk_rule_at(i)->id);
	out[0] = '\0';
	if (s.best)
		snprintf(out, size, " (did you mean '%s'?)", s.best);
}

/* ---- what an option's value is ---------------------------------------- */

enum value_kind { VALUE_NONE, VALUE_FILE, VALUE_DIR, VALUE_WORDS, VALUE_OTHER };

/* --x has a --no-x (the parser accepts one for every flag; --no-config is not made --no-no-config). */
static bool negatable(const gk_opt *o)
{
	return o->type == GK_OPT_BOOL && strncmp(o->name, "no-", 3) != 0;
}

/* "text|json|junit": lowercase words and '-' between bars. */
static bool is_word_list(const char *arg)
{
	if (!strchr(arg, '|'))
		return false;
	for (const char *p = arg; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '|'))
			return false;
	return arg[0] != '|' && arg[strlen(arg) - 1] != '|' && !strstr(arg, "||");
}

static enum value_kind value_kind(const gk_opt *o)
{
	if (o->type == GK_OPT_BOOL || !o->arg)
		return VALUE_NONE;
	if (strcmp(o->arg, "FILE") == 0)
		return VALUE_FILE;
	if (strcmp(o->arg, "DIR") == 0)
		return VALUE_DIR;
	return is_word_list(o->arg) ? VALUE_WORDS : VALUE_OTHER;
}

/* The words of "a|b|c" separated by `sep`. */
static void put_words(FILE *out, const char *arg, char sep)
{
	for (const char *p = arg; *p; p++)
		fputc(*p == '|' ? sep : *p, out);
}

/* `before`, the words of "a|b|c" separated by spaces, `after`. */
static void put_words_in(FILE *out, const char *before, const char *arg, const char *after)
{
	fputs(before, out);
	put_words(out, arg, ' ');
	fputs(after, out);
}

/*
 * A short description for a completion menu: the help text up to its
 * first " (" or ";" (the details the manual gives), at most 80 bytes cut
 * at a space.
 */
static size_t short_help(const char *help)
{
	size_t n = strlen(help);
	const char *paren = strstr(help, " ("), *semi = strchr(help, ';');
	if (paren && (size_t)(paren - help) < n)
		n = (size_t)(paren - help);
	if (semi && (size_t)(semi - help) < n)
		n = (size_t)(semi - help);
	if (n > 80) {
		n = 80;
		while (n > 0 && help[n] != ' ')
			n--;
	}
	return n;
}

/* Each option of `cmd`: its own table, then the shared one. */
#define FOR_EACH_OPT(cmd, o)                                                                               \
	for (int t_ = 0; t_ < 2; t_++)                                                                     \
		for (const gk_opt *o = t_ == 0 ? (cmd)->opts : (cmd)->shared; o && o->name; o++)

/* ---- the manual page --------------------------------------------------- */

/* Text for roff: a backslash is \e, a '-' is \- (so options survive
 * copying), and a line never starts with a control character. */
static void roff(FILE *out, const char *s, size_t n)
{
	if (n > 0 && (s[0] == '.' || s[0] == '\''))
		fputs("\\&", out);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\')
			fputs("\\e", out);
		else if (s[i] == '-')
			fputs("\\-", out);
		else if (s[i] == '\n')
			fputc(' ', out);
		else
			fputc(s[i], out);
	}
}

static void roffs(FILE *out, const char *s) { roff(out, s, strlen(s)); }

static void man_option(FILE *out, const gk_opt *o)
{
	fputs(".TP\n", out);
	if (o->short_name)
		fprintf(out, "\\fB\\-%c\\fR, ", o->short_name);
	fputs("\\fB\\-\\-", out);
	roffs(out, o->name);
	fputs("\\fR", out);
	if (o->arg) {
		fputs(" \\fI", out);
		roffs(out, o->arg);
		fputs("\\fR", out);
	}
	fputc('\n', out);
	roffs(out, o->help);
	fputc('\n', out);
	if (negatable(o)) {
		fputs("(\\fB\\-\\-no\\-", out);
		roffs(out, o->name);
		fputs("\\fR turns it off.)\n", out);
	}
}

/* The commands that share the option table `shared`, "lint, check and gate". */
static void man_sharers(FILE *out, const gk_opt *shared)
{
	size_t n = 0, k = 0;
	for (const gk_cmd *const *c = gk_commands; *c; c++)
		n += (*c)->shared == shared;
	for (const gk_cmd *const *c = gk_commands; *c; c++) {
		if ((*c)->shared != shared)
			continue;
		k++;
		fprintf(out, "\\fB%s\\fR%s", (*c)->name, k + 1 < n ? ", " : k + 1 == n ? " and " : "");
	}
}

static void print_man(FILE *out)
{
	fprintf(out, ".\\\" gatekeeper(1), generated by `gatekeeper help --man` from the option tables.\n"
		     ".TH GATEKEEPER 1 \"\" \"gatekeeper %s\" \"User Commands\"\n"
		     ".SH NAME\ngatekeeper \\- check PostgreSQL migrations before they reach production\n"
		     ".SH SYNOPSIS\n.B gatekeeper\n.I COMMAND\n.RI [ options ]\n.br\n"
		     ".B gatekeeper help\n.RI [ COMMAND ]\n.br\n.B gatekeeper \\-V\n"
		     ".SH DESCRIPTION\n" DESCRIPTION "\n"
		     "It lints migration files (Prisma, Flyway, golang\\-migrate, dbmate, diesel, plain SQL),\n"
		     "checks a change against its git history and replays it on a shadow database,\n"
		     "and compares live databases with what their migrations build.\n"
		     "Settings come from the defaults, then \\fIgatekeeper.yml\\fR, then the command line.\n"
		     ".SH COMMANDS\n",
		GK_VERSION);
	const gk_opt *shared[8] = {0};
	size_t n_shared = 0;
	for (const gk_cmd *const *c = gk_commands; *c; c++) {
		const gk_cmd *cmd = *c;
		fprintf(out, ".SS \"gatekeeper %s ", cmd->name);
		roffs(out, cmd->usage);
		fputs("\"\n", out);
		roffs(out, cmd->summary);
		fputs(strchr(".?", cmd->summary[strlen(cmd->summary) - 1]) ? "\n" : ".\n", out);
		for (const gk_opt *o = cmd->opts; o && o->name; o++)
			man_option(out, o);
		if (!cmd->shared)
			continue;
		size_t i = 0;
		while (i < n_shared && shared[i] != cmd->shared)
			i++;
		if (i == n_shared && n_shared < sizeof shared / sizeof *shared)
			shared[n_shared++] = cmd->shared;
		fprintf(out, ".PP\nAnd the options of \\fBREPORT OPTIONS%s\\fR.\n", i == 0 ? "" : " (2)");
	}
	for (size_t i = 0; i < n_shared; i++) {
		fprintf(out, ".SH \"REPORT OPTIONS%s\"\nShared by ", i == 0 ? "" : " (2)");
		man_sharers(out, shared[i]);
		fputs(".\n", out);
		for (const gk_opt *o = shared[i]; o->name; o++)
			man_option(out, o);
	}
	fputs(".SH \"EXIT STATUS\"\n"
	      ".TP\n.B 0\npass: nothing at or above the fail level\n"
	      ".TP\n.B 1\nthe gate failed: a blocking finding (also when an infrastructure error happened too;\n"
	      "the report keeps that error)\n"
	      ".TP\n.B 2\nusage or configuration error: a bad option or setting, a path that does not exist,\n"
	      "a database URL with a wrong password or a database that does not exist\n"
	      ".TP\n.B 3\ninfrastructure error worth a retry: a server unreachable, a timeout, an interruption\n"
	      ".TP\n.B 4\ninternal error\n"
	      ".SH ENVIRONMENT\n"
	      ".TP\n.B DATABASE_URL\nthe live database of \\fBstatus\\fR, \\fBdrift\\fR and \\fBgate\\fR when "
	      "\\fB\\-\\-database\\fR is not given\n"
	      ".TP\n.B SHADOW_DATABASE_URL\nthe server replays run on when \\fB\\-\\-shadow\\-url\\fR is not given "
	      "(else a private cluster)\n"
	      ".TP\n.B GITHUB_BASE_REF\nthe base branch of a pull request, for \\fBcheck\\fR\n"
	      ".TP\n.B NO_COLOR\nno colour in the text report\n"
	      ".TP\n.B XDG_CACHE_HOME\nwhere the replay cache is kept\n"
	      ".SH FILES\n"
	      ".TP\n.I gatekeeper.yml\nsettings, looked for upward from the working folder up to the repository root "
	      "(also \\fIgatekeeper.yaml\\fR)\n"
	      ".SH \"SEE ALSO\"\n"
	      "\\fBgatekeeper rules\\fR lists every rule; \\fBgatekeeper explain\\fR \\fIRULE\\fR documents one.\n",
	      out);
}

/* ---- completions ------------------------------------------------------- */

static void put_commands(FILE *out, char sep)
{
	for (const gk_cmd *const *c = gk_commands; *c; c++)
		fprintf(out, "%s%s", c == gk_commands ? "" : (char[]){sep, 0}, (*c)->name);
}

static void put_rules(FILE *out, char sep)
{
	for (size_t i = 0; i < gk_rules_count(); i++)
		fprintf(out, "%s%s", i ? (char[]){sep, 0} : "", gk_rule_at(i)->id);
}

/* The words a command's arguments complete to, for bash and zsh word lists. */
static bool args_words(FILE *out, const gk_cmd *cmd, char sep)
{
	switch (cmd->args) {
	case GK_ARGS_RULE: put_rules(out, sep); return true;
	case GK_ARGS_COMMAND: put_commands(out, sep); return true;
	case GK_ARGS_SHELL: fprintf(out, "bash%czsh%cfish", sep, sep); return true;
	default: return false;
	}
}

static void bash_command(FILE *out, const gk_cmd *cmd)
{
	fprintf(out, "\t%s)\n\t\tcase $prev in\n", cmd->name);
	FOR_EACH_OPT(cmd, o) {
		enum value_kind k = value_kind(o);
		if (k == VALUE_NONE)
			continue;
		fprintf(out, "\t\t--%s", o->name);
		if (o->short_name)
			fprintf(out, "|-%c", o->short_name);
		if (k == VALUE_FILE)
			fputs(") COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n", out);
		else if (k == VALUE_DIR)
			fputs(") COMPREPLY=($(compgen -d -- \"$cur\")); return ;;\n", out);
		else if (k == VALUE_WORDS)
			put_words_in(out, ") COMPREPLY=($(compgen -W '", o->arg, "' -- \"$cur\")); return ;;\n");
		else
			fputs(") return ;;\n", out);
	}
	fputs("\t\tesac\n\t\tif [[ $cur == -* ]]; then\n\t\t\tCOMPREPLY=($(compgen -W '--help", out);
	FOR_EACH_OPT(cmd, o) {
		fprintf(out, " --%s", o->name);
		if (negatable(o))
			fprintf(out, " --no-%s", o->name);
		if (o->short_name)
			fprintf(out, " -%c", o->short_name);
	}
	fputs("' -- \"$cur\"))\n\t\t\treturn\n\t\tfi\n", out);
	switch (cmd->args) {
	case GK_ARGS_FILES: fputs("\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n", out); break;
	case GK_ARGS_DIRS: fputs("\t\tCOMPREPLY=($(compgen -d -- \"$cur\"))\n", out); break;
	case GK_ARGS_NONE: break;
	default:
		fputs("\t\tCOMPREPLY=($(compgen -W '", out);
		args_words(out, cmd, ' ');
		fputs("' -- \"$cur\"))\n", out);
	}
	fputs("\t\t;;\n", out);
}

static void print_bash(FILE *out)
{
	fputs("# bash completion for gatekeeper, generated by `gatekeeper completion bash`\n"
	      "_gatekeeper() {\n"
	      "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
	      "\t# --opt=value: bash splits the word at '='\n"
	      "\t[[ $prev == = && $COMP_CWORD -gt 2 ]] && prev=${COMP_WORDS[COMP_CWORD-2]}\n"
	      "\tCOMPREPLY=()\n"
	      "\tif [[ $COMP_CWORD -eq 1 ]]; then\n"
	      "\t\tCOMPREPLY=($(compgen -W '",
	      out);
	put_commands(out, ' ');
	fputs(" --help --version -V' -- \"$cur\"))\n\t\treturn\n\tfi\n\tcase ${COMP_WORDS[1]} in\n", out);
	for (const gk_cmd *const *c = gk_commands; *c; c++)
		bash_command(out, *c);
	fputs("\tesac\n}\ncomplete -o filenames -F _gatekeeper gatekeeper\n", out);
}

/* A description inside an _arguments spec's [...] or a _describe item. */
static void zsh_desc(FILE *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '[' || s[i] == ']' || s[i] == ':' || s[i] == '\\')
			fputc('\\', out);
		if (s[i] == '\'')
			fputs("'\\''", out);
		else
			fputc(s[i], out);
	}
}

static void zsh_option(FILE *out, const gk_opt *o, bool negated)
{
	enum value_kind k = value_kind(o);
	/* '*': every option may be given again (the last one wins, or it adds). */
	fputs("\t\t\t'*", out);
	if (o->short_name && !negated)
		fprintf(out, "'{-%c,--%s}'", o->short_name, o->name);
	else
		fprintf(out, "--%s%s", negated ? "no-" : "", o->name);
	if (k != VALUE_NONE)
		fputs(o->short_name ? "" : "=", out);
	fputc('[', out);
	if (negated)
		fputs("not\\: ", out);
	zsh_desc(out, o->help, short_help(o->help));
	fputc(']', out);
	if (k == VALUE_FILE)
		fputs(":file:_files", out);
	else if (k == VALUE_DIR)
		fputs(":folder:_files -/", out);
	else if (k == VALUE_WORDS)
		put_words_in(out, ":value:(", o->arg, ")");
	else if (k == VALUE_OTHER) {
		fputc(':', out);
		zsh_desc(out, o->arg, strlen(o->arg));
		fputs(": ", out);
	}
	fputs("' \\\n", out);
}

static void print_zsh(FILE *out)
{
	fputs("#compdef gatekeeper\n"
	      "# zsh completion for gatekeeper, generated by `gatekeeper completion zsh`\n"
	      "_gatekeeper() {\n"
	      "\tlocal -a commands\n"
	      "\tcommands=(\n",
	      out);
	for (const gk_cmd *const *c = gk_commands; *c; c++) {
		fprintf(out, "\t\t'%s:", (*c)->name);
		zsh_desc(out, (*c)->summary, short_help((*c)->summary));
		fputs("'\n", out);
	}
	fputs("\t)\n"
	      "\tif (( CURRENT == 2 )); then\n"
	      "\t\t_describe -t commands 'gatekeeper command' commands\n"
	      "\t\treturn\n"
	      "\tfi\n"
	      "\tlocal cmd=${words[2]}\n"
	      "\tshift words\n"
	      "\t(( CURRENT-- ))\n"
	      "\tcase $cmd in\n",
	      out);
	for (const gk_cmd *const *c = gk_commands; *c; c++) {
		const gk_cmd *cmd = *c;
		fprintf(out, "\t%s)\n\t\t_arguments -s \\\n\t\t\t'(-)'{-h,--help}'[show the options]' \\\n", cmd->name);
		FOR_EACH_OPT(cmd, o) {
			zsh_option(out, o, false);
			if (negatable(o))
				zsh_option(out, o, true);
		}
		switch (cmd->args) {
		case GK_ARGS_FILES: fputs("\t\t\t'*:file or folder:_files'\n", out); break;
		case GK_ARGS_DIRS: fputs("\t\t\t'*:migrations folder:_files -/'\n", out); break;
		case GK_ARGS_NONE: fputs("\t\t\t&& return\n", out); break;
		default:
			fputs("\t\t\t'1:argument:(", out);
			args_words(out, cmd, ' ');
			fputs(")'\n", out);
		}
		fputs("\t\t;;\n", out);
	}
	fputs("\tesac\n}\n_gatekeeper \"$@\"\n", out);
}

/* `s` inside single quotes of fish: \ and ' are escaped. */
static void fish_quoted(FILE *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' || s[i] == '\'')
			fputc('\\', out);
		fputc(s[i], out);
	}
}

static void fish_option(FILE *out, const gk_cmd *cmd, const gk_opt *o, bool negated)
{
	enum value_kind k = value_kind(o);
	fprintf(out, "complete -c gatekeeper -n '__fish_seen_subcommand_from %s'", cmd->name);
	if (o->short_name && !negated)
		fprintf(out, " -s %c", o->short_name);
	fprintf(out, " -l %s%s", negated ? "no-" : "", o->name);
	if (k == VALUE_FILE)
		fputs(" -r -F", out);
	else if (k == VALUE_DIR)
		fputs(" -x -a '(__fish_complete_directories)'", out);
	else if (k == VALUE_WORDS)
		put_words_in(out, " -x -a '", o->arg, "'");
	else if (k == VALUE_OTHER)
		fputs(" -x", out);
	fputs(" -d '", out);
	if (negated)
		fputs("not: ", out);
	fish_quoted(out, o->help, short_help(o->help));
	fputs("'\n", out);
}

static void print_fish(FILE *out)
{
	fputs("# fish completion for gatekeeper, generated by `gatekeeper completion fish`\n"
	      "complete -c gatekeeper -f\n"
	      "complete -c gatekeeper -n __fish_use_subcommand -s V -l version -d 'print the version'\n"
	      "complete -c gatekeeper -s h -l help -d 'show the options'\n",
	      out);
	for (const gk_cmd *const *c = gk_commands; *c; c++) {
		fprintf(out, "complete -c gatekeeper -n __fish_use_subcommand -a %s -d '", (*c)->name);
		fish_quoted(out, (*c)->summary, short_help((*c)->summary));
		fputs("'\n", out);
	}
	for (const gk_cmd *const *c = gk_commands; *c; c++) {
		const gk_cmd *cmd = *c;
		FOR_EACH_OPT(cmd, o) {
			fish_option(out, cmd, o, false);
			if (negatable(o))
				fish_option(out, cmd, o, true);
		}
		const char *cond = "complete -c gatekeeper -n '__fish_seen_subcommand_from ";
		switch (cmd->args) {
		case GK_ARGS_FILES: fprintf(out, "%s%s' -F\n", cond, cmd->name); break;
		case GK_ARGS_DIRS: fprintf(out, "%s%s' -a '(__fish_complete_directories)'\n", cond, cmd->name); break;
		case GK_ARGS_NONE: break;
		default:
			fprintf(out, "%s%s' -a '", cond, cmd->name);
			args_words(out, cmd, ' ');
			fputs("'\n", out);
		}
	}
}

/* ---- the commands ------------------------------------------------------- */

enum { OPT_MAN = 1 };

static const gk_opt help_opts[] = {
	{"man", 0, GK_OPT_BOOL, NULL, "print the manual page gatekeeper(1) (roff) instead", OPT_MAN},
	{0},
};

static int apply_help(void *ctx, const gk_opt *o, const char *v)
{
	(void)o;
	*(bool *)ctx = strcmp(v, "1") == 0;
	return 0;
}

static int help_main(int argc, char **argv)
{
	bool man = false;
	char **pos = NULL;
	int npos = 0;
	int rc = gk_opts_parse(&gk_cmd_help, argc, argv, apply_help, &man, &pos, &npos);
	if (rc == 0 && (npos > 1 || (man && npos > 0)))
		rc = gk_usage_error("help: name at most one command (or --man alone)");
	const gk_cmd *cmd = rc == 0 && npos == 1 ? gk_command_find(pos[0]) : NULL;
	if (rc == 0 && npos == 1 && !cmd) {
		char hint[128];
		gk_command_hint(hint, sizeof hint, pos[0]);
		rc = gk_usage_error("help: unknown command '%s'%s (see 'gatekeeper help')", pos[0], hint);
	}
	free(pos);
	if (rc)
		return rc;
	if (man)
		print_man(stdout);
	else if (cmd)
		gk_cmd_print_help(cmd, stdout);
	else
		gk_usage(stdout);
	return fflush(stdout) == 0 ? GK_EXIT_PASS : GK_EXIT_INTERNAL;
}

static int completion_main(int argc, char **argv)
{
	char **pos = NULL;
	int npos = 0;
	int rc = gk_opts_parse(&gk_cmd_completion, argc, argv, NULL, NULL, &pos, &npos);
	const char *shell = rc == 0 && npos == 1 ? pos[0] : NULL;
	if (rc == 0 && !shell)
		rc = gk_usage_error("completion: name one shell: bash, zsh or fish");
	else if (shell && strcmp(shell, "bash") && strcmp(shell, "zsh") && strcmp(shell, "fish"))
		rc = gk_usage_error("completion: the shells are bash, zsh and fish, not '%s'", shell);
	if (rc == 0)
		(strcmp(shell, "bash") == 0 ? print_bash : strcmp(shell, "zsh") == 0 ? print_zsh : print_fish)(stdout);
	free(pos);
	if (rc)
		return rc;
	return fflush(stdout) == 0 ? GK_EXIT_PASS : GK_EXIT_INTERNAL;
}

const gk_cmd gk_cmd_help = {
	.name = "help",
	.summary = "show the commands, one command's options, or the manual page",
	.usage = "[COMMAND] [--man]",
	.opts = help_opts,
	.run = help_main,
	.args = GK_ARGS_COMMAND,
};

const gk_cmd gk_cmd_completion = {
	.name = "completion",
	.summary = "print the shell completion script for bash, zsh or fish",
	.usage = "bash|zsh|fish",
	.run = completion_main,
	.args = GK_ARGS_SHELL,
};
