#!/bin/sh
# The entrypoint of the GitHub Action's image (action.yml, Dockerfile):
# builds gatekeeper's command line from the action's inputs and runs it as
# the owner of the workspace.
#
# Every input arrives in an environment variable (action.yml's runs.env maps
# each input to one of the GK_* below) and becomes whole arguments of
# gatekeeper's argv: no value is ever evaluated by a shell, split on spaces
# or expanded as a glob, so quotes, $(...), `...`, ';' or '*' in an input are
# only text.  Lists are one item per line.
#
#   GK_COMMAND              check (default), drift, gate or status
#   GK_PATHS                the migration folders, one per line (default: gatekeeper's own discovery)
#   GK_BASE                 check: the base ref (--base)
#   GK_FAIL_LEVEL           error (default), warning, info or never
#   GK_DATABASE_URL_SECRET  status, drift, gate: the name of the environment variable that holds
#                           the database URL (default DATABASE_URL); the URL reaches gatekeeper
#                           as $DATABASE_URL, never on its command line
#   GK_JSON, GK_JUNIT       report files (--json, --junit; empty: none)
#   GK_SARIF                SARIF file (--sarif; empty: none)
#   GK_COMMENT              true: write the pull-request comment's body (--markdown GK_COMMENT_FILE)
#   GK_COMMENT_FILE         that file (default gatekeeper-comment.md)
#   GK_CACHE_DIR            check, drift, gate: the replay cache (--cache-dir; empty: gatekeeper's default)
#   GK_WORKING_DIRECTORY    where gatekeeper runs, relative to the workspace (default .)
#   GK_ARGS                 further arguments, one per line, placed before the folders
#   GATEKEEPER              the program (default: gatekeeper on the PATH)
#
# Report paths are relative to the working directory.  After the run the
# outputs comment-file and sarif name the files written, relative to the
# workspace; gatekeeper itself writes verdict, exit-code, findings and
# blocking to $GITHUB_OUTPUT.  The exit code is gatekeeper's; 2 when an
# input is invalid (gatekeeper does not run then).
set -u

die() {
	# Messages hold no input value (a value could start a workflow command).
	if [ "${GITHUB_ACTIONS:-}" = true ]; then
		printf '::error title=gatekeeper-action::%s\n' "$1"
	else
		printf 'gatekeeper-action: %s\n' "$1" >&2
	fi
	exit 2
}

note() {
	printf 'gatekeeper-action: %s\n' "$1"
}

# Leading and trailing blanks of one line.
trim() {
	t=$1
	t=${t#"${t%%[![:space:]]*}"}
	t=${t%"${t##*[![:space:]]}"}
	printf '%s' "$t"
}

# Append KEY=VALUE to $GITHUB_OUTPUT in the heredoc form, with a delimiter
# nobody can guess, so a value cannot end the entry and add others.
output() {
	[ -n "${GITHUB_OUTPUT:-}" ] || return 0
	delim="gatekeeper_$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
	printf '%s<<%s\n%s\n%s\n' "$1" "$delim" "$2" "$delim" >>"$GITHUB_OUTPUT"
}

# ---- the inputs -------------------------------------------------------------
command=${GK_COMMAND:-check}
case $command in
check | drift | gate | status) ;;
*) die "the input command must be check, drift, gate or status" ;;
esac

fail_level=${GK_FAIL_LEVEL:-error}
case $fail_level in
error | warning | info | never) ;;
*) die "the input fail-level must be error, warning, info or never" ;;
esac

comment=${GK_COMMENT:-false}
case $comment in
true | false) ;;
*) die "the input comment must be true or false" ;;
esac
comment_file=${GK_COMMENT_FILE:-gatekeeper-comment.md}

workspace=${GITHUB_WORKSPACE:-$PWD}
workdir=${GK_WORKING_DIRECTORY:-.}
cd "$workspace" 2>/dev/null || die "the workspace (\$GITHUB_WORKSPACE) is not a directory"
case $workdir in
-*) workdir=./$workdir ;; # a folder, never an option of cd
esac
cd "$workdir" 2>/dev/null || die "the input working-directory is not a directory of the workspace"

if [ "$command" != check ]; then
	name=${GK_DATABASE_URL_SECRET:-DATABASE_URL}
	case $name in
	[A-Za-z_]*) ;;
	*) die "the input database-url-secret must be the name of an environment variable (letters, digits, _)" ;;
	esac
	case $name in
	*[!A-Za-z0-9_]*) die "the input database-url-secret must be the name of an environment variable (letters, digits, _)" ;;
	esac
	# printenv reads the variable by its name: nothing is evaluated.
	url=$(printenv "$name") || url=""
	[ -n "$url" ] || die "gatekeeper $command needs the database URL in the environment variable $name: set it from a secret in the step's env:"
	DATABASE_URL=$url
	export DATABASE_URL
	unset url
fi

# ---- the command line ---------------------------------------------------------
set -f # no glob expansion of any value below
nl='
'
set -- "$command" --fail-level "$fail_level"
[ "$command" = check ] && [ -n "${GK_BASE:-}" ] && set -- "$@" --base "$GK_BASE"
[ -n "${GK_JSON:-}" ] && set -- "$@" --json "$GK_JSON"
[ -n "${GK_JUNIT:-}" ] && set -- "$@" --junit "$GK_JUNIT"
[ -n "${GK_SARIF:-}" ] && set -- "$@" --sarif "$GK_SARIF"
[ "$comment" = true ] && set -- "$@" --markdown "$comment_file"
if [ -n "${GK_CACHE_DIR:-}" ] && [ "$command" != status ]; then
	set -- "$@" --cache-dir "$GK_CACHE_DIR"
fi
IFS=$nl
for line in ${GK_ARGS:-}; do
	line=$(trim "$line")
	[ -n "$line" ] && set -- "$@" "$line"
done
set -- "$@" --
for line in ${GK_PATHS:-}; do
	line=$(trim "$line")
	[ -n "$line" ] && set -- "$@" "$line"
done
unset IFS

# ---- who runs it ----------------------------------------------------------------
# GitHub starts the container as root.  gatekeeper runs as the owner of the
# workspace instead: git refuses a repository owned by another user, the
# reports and $GITHUB_OUTPUT must stay writable by the runner's own steps,
# and the private PostgreSQL cluster then runs as that user.
gatekeeper=${GATEKEEPER:-gatekeeper}
run_as=""
if [ "$(id -u)" = 0 ]; then
	uid=$(stat -c %u "$workspace") || die "cannot read the owner of the workspace"
	gid=$(stat -c %g "$workspace") || die "cannot read the owner of the workspace"
	if [ "$uid" = 0 ]; then
		note "the workspace belongs to root: gatekeeper runs as root (its private PostgreSQL cluster as the postgres user)"
	else
		# initdb and the server need a user name for the uid.
		if ! getent group "$gid" >/dev/null; then
			groupadd --gid "$gid" "gatekeeper-$gid" || die "cannot add a group for the workspace's owner"
		fi
		if ! getent passwd "$uid" >/dev/null; then
			useradd --uid "$uid" --gid "$gid" --create-home --home-dir "/home/gatekeeper-$uid" \
				--shell /bin/sh "gatekeeper-$uid" || die "cannot add a user for the workspace's owner"
		fi
		# The cache's default folder is under $HOME: it must be the user's.
		if [ "$(stat -c %u "${HOME:-/}" 2>/dev/null)" != "$uid" ]; then
			HOME=$(getent passwd "$uid" | cut -d: -f6)
			export HOME
		fi
		run_as=$uid:$gid
	fi
fi

if [ -n "$run_as" ]; then
	setpriv --reuid="${run_as%%:*}" --regid="${run_as#*:}" --clear-groups -- "$gatekeeper" "$@"
else
	"$gatekeeper" "$@"
fi
rc=$?

# ---- outputs ----------------------------------------------------------------------
relative() {
	case $1 in
	/*) printf '%s' "$1" ;;
	*) if [ "$workdir" = . ]; then printf '%s' "$1"; else printf '%s/%s' "${workdir%/}" "$1"; fi ;;
	esac
}
if [ "$comment" = true ] && [ -f "$comment_file" ]; then
	output comment-file "$(relative "$comment_file")"
fi
if [ -n "${GK_SARIF:-}" ] && [ -f "$GK_SARIF" ]; then
	output sarif "$(relative "$GK_SARIF")"
fi
exit "$rc"
