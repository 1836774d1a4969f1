# zsh -f zsh-complete.zsh FPATH_DIR WORDS PATTERN
# Types "gatekeeper WORDS<TAB>" in an interactive zsh (on a pseudo-terminal,
# compinit loading _gatekeeper from FPATH_DIR) and waits for PATTERN in what
# the completion prints; the caller bounds the wait with timeout(1).
zmodload zsh/zpty || exit 2
zpty z 'TERM=xterm zsh -f -i' # a dumb or missing TERM turns the line editor off
zpty -w z "PS1='> '; fpath=(${(q)1} \$fpath); autoload -Uz compinit; compinit -u -D; setopt no_beep; print READY"
zpty -r z junk '*READY*'
zpty -w -n z "gatekeeper $2"$'\t'
zpty -r z out "*$3*"
rc=$?
zpty -d z
exit $rc
