#!/usr/bin/env bash
# `make install` copies the binary the tests run to $DESTDIR$PREFIX/bin, and
# the copy runs (the README's CI steps expect `gatekeeper` on the PATH).  It
# also installs the manual page and the bash, zsh and fish completions,
# which the binary writes from the option tables of --help: each must be
# what the binary prints, and each must know every command and every
# option --help lists (the bash and fish ones are run to complete).
set -uo pipefail
root=$(cd ../../.. && pwd)
build=$(basename "$(dirname "$GK")")
status=0
fail() { echo "$@"; status=1; }
make -s -C "$root" BUILD="$build" DESTDIR="$TMP/inst" PREFIX=/opt/gk install >"$TMP/make.out" 2>&1 ||
	{ echo "make install failed:"; cat "$TMP/make.out"; exit 1; }
bin="$TMP/inst/opt/gk/bin/gatekeeper"
[ -x "$bin" ] || { echo "$bin is missing or not executable"; exit 1; }
cmp -s "$bin" "$root/$build/gatekeeper" || { echo "$bin is not the binary that was built"; exit 1; }
"$bin" --version | grep -q "^gatekeeper " || { echo "the installed binary does not run"; exit 1; }

share="$TMP/inst/opt/gk/share"
man="$share/man/man1/gatekeeper.1"
bash_c="$share/bash-completion/completions/gatekeeper"
zsh_c="$share/zsh/site-functions/_gatekeeper"
fish_c="$share/fish/vendor_completions.d/gatekeeper.fish"
cmp -s "$man" <("$GK" help --man) || fail "$man is not what 'gatekeeper help --man' prints"
cmp -s "$bash_c" <("$GK" completion bash) || fail "$bash_c is not what 'gatekeeper completion bash' prints"
cmp -s "$zsh_c" <("$GK" completion zsh) || fail "$zsh_c is not what 'gatekeeper completion zsh' prints"
cmp -s "$fish_c" <("$GK" completion fish) || fail "$fish_c is not what 'gatekeeper completion fish' prints"

# The commands of the usage, and each one's options from its --help.
commands=$("$GK" help | sed -n '/^commands:/,/^$/p' | awk 'NF > 1 {print $1}')
[ "$(echo "$commands" | wc -w)" -ge 10 ] || fail "help lists too few commands: $commands"
opts_of() { "$GK" "$1" --help | grep -oE '^  (-[A-Za-z], )? *--[a-z0-9-]+' | grep -oE -- '--[a-z0-9-]+'; }

# bash: run the completion function as bash would on <TAB>.
complete_bash() { # words... (the last one is being completed)
	bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _gatekeeper; printf "%s\n" "${COMPREPLY[@]}"' \
		_ "$bash_c" "$@"
}
# (grep -q on a here-string: in a pipe under pipefail, its early exit would fail the writer)
has() { grep -qx -- "$2" <<<"$1"; }
has "$(complete_bash gatekeeper li)" lint || fail "bash: 'gatekeeper li' does not complete to lint"
complete_bash gatekeeper lint --fail-level "" | sort | tr '\n' ' ' | grep -qx 'error info never warning ' ||
	fail "bash: --fail-level does not offer its levels: $(complete_bash gatekeeper lint --fail-level '')"
has "$(complete_bash gatekeeper check --runner = per)" per-file || fail "bash: --runner=per does not complete"
has "$(complete_bash gatekeeper explain drop-tab)" drop-table || fail "bash: explain does not complete rule ids"
has "$(complete_bash gatekeeper help ga)" gate || fail "bash: help does not complete commands"
has "$(complete_bash gatekeeper completion "")" fish || fail "bash: completion does not offer the shells"
has "$(complete_bash gatekeeper lint --no-col)" --no-color || fail "bash: --no-color is not offered"

have_fish=0
if command -v fish >/dev/null; then
	have_fish=1
	fish -n "$fish_c" || fail "fish: $fish_c has a syntax error"
	complete_fish() { fish -c 'source $argv[1]; complete -C $argv[2]' "$fish_c" "$1" | cut -f1; }
	has "$(complete_fish "gatekeeper li")" lint || fail "fish: 'gatekeeper li' does not complete to lint"
	has "$(complete_fish "gatekeeper gate --fail-level ")" never || fail "fish: --fail-level does not offer never"
else
	echo "SKIP: fish is not installed (ci/install-deps.sh installs it): the fish completion is not run"
fi
if command -v zsh >/dev/null; then
	zsh -n "$zsh_c" || fail "zsh: $zsh_c has a syntax error"
	# Completed in an interactive zsh: "WORDS|what the completion shows".
	# A completion that works shows at once, so the bound only costs time
	# when one is broken; it is generous because an interactive zsh that
	# runs compinit took over 10 s on a machine under heavy load.
	for c in "gat|gatekeeper gate" "lint --fail-level |never" "lint --fail-l|--fail-level" "check --runner |per-file" \
		"explain drop-tab|drop-table" "lint --no-col|--no-color" "gate --pg-b|--pg-bin"; do
		timeout 60 zsh -f ./zsh-complete.zsh "$(dirname "$zsh_c")" "${c%|*}" "${c#*|}" >/dev/null 2>&1 ||
			fail "zsh: 'gatekeeper ${c%|*}<TAB>' does not show '${c#*|}'"
	done
	# The control: a completion that cannot appear is not found.
	timeout 5 zsh -f ./zsh-complete.zsh "$(dirname "$zsh_c")" "lint --frob" "--frobnicate" >/dev/null 2>&1 &&
		fail "zsh: the completion test finds what cannot be there"
else
	echo "SKIP: zsh is not installed (ci/install-deps.sh installs it): the zsh completion is not checked for syntax"
fi
if command -v groff >/dev/null; then
	warnings=$(groff -man -ww -z "$man" 2>&1)
	[ -z "$warnings" ] || fail "groff warns about the manual page: $warnings"
else
	echo "SKIP: groff is not installed: the manual page is not checked for roff warnings"
fi

# Which options of list $2 (one per line) are not in list $3; fail naming them as $1.
missing() {
	local gone
	gone=$(grep -vxF -f <(printf '%s\n' "$3") <<<"$2")
	[ -z "$gone" ] || fail "$1:" $gone
}
man_opts=$(grep -oE '\\fB(\\-)+[a-z0-9\\-]+\\fR' "$man" | sed -e 's/\\fB//' -e 's/\\fR//' -e 's/\\-/-/g' | sort -u)
for cmd in $commands; do
	grep -q "^\.SS \"gatekeeper $cmd " "$man" || fail "man: no section for $cmd"
	grep -q "^complete -c gatekeeper -n __fish_use_subcommand -a $cmd " "$fish_c" || fail "fish: $cmd is not offered"
	grep -q "^		'$cmd:" "$zsh_c" || fail "zsh: $cmd is not offered"
	opts=$(opts_of "$cmd")
	[ -n "$opts" ] || [ "$cmd" = completion ] || [ "$cmd" = explain ] || fail "no options found in '$cmd --help'"
	bash_opts=$(complete_bash gatekeeper "$cmd" --)
	has "$bash_opts" --help || fail "bash: $cmd --help is not offered"
	[ -n "$opts" ] || continue
	missing "man: options of $cmd missing" "$opts" "$man_opts"
	missing "bash: options of $cmd not offered" "$opts" "$bash_opts"
	[ $have_fish = 0 ] || missing "fish: options of $cmd not offered" "$opts" "$(complete_fish "gatekeeper $cmd --")"
	zsh_opts=$(sed -n "/^	$cmd)\$/,/^		;;\$/p" "$zsh_c" | grep -oE -- "[*{,]--[a-z0-9-]+" | cut -c2-)
	missing "zsh: options of $cmd missing" "$opts" "$zsh_opts"
done
exit $status
