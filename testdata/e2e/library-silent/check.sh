#!/usr/bin/env bash
# The library prints nothing: a diagnostic becomes a report note, an error
# or a message through the log of the job's options (gk_log), which the
# command line writes to stderr.  No source of the library (src/, tests
# aside) names stdout or stderr or calls perror, printf, puts or putchar
# (comments aside); renderers write to the FILE they are given.
set -uo pipefail
root=$(cd ../../.. && pwd)
cd "$root" || exit 1
hits=$(find src -name '*.c' ! -name '*_test.c' | sort | xargs awk '
	FNR == 1 { incomment = 0 }
	{
		line = $0
		if (incomment) { if (sub(/.*\*\//, "", line)) incomment = 0; else next }
		gsub(/\/\*([^*]|\*[^\/])*\*\//, "", line)
		if (sub(/\/\*.*/, "", line)) incomment = 1
		sub(/\/\/.*/, "", line)
		gsub(/format *\( *printf/, "", line)
		if (line ~ /(^|[^_a-zA-Z0-9])(stdout|stderr|perror|printf|puts|putchar)([^_a-zA-Z0-9]|$)/)
			print FILENAME ":" FNR ": " $0
	}')
if [ -n "$hits" ]; then
	echo "library code that prints (use a report note or the log of the job's options):"
	printf '%s\n' "$hits"
	exit 1
fi
