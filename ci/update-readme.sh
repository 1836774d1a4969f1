#!/usr/bin/env bash
# Regenerate the generated sections of README.md from the binary:
#   rules       <- gatekeeper rules --format markdown
#   lint-help   <- gatekeeper lint --help
#   gate-help   <- gatekeeper gate --help
# testdata/e2e/readme-sync fails when they drift.
set -euo pipefail
cd "$(dirname "$0")/.."
gk=${1:-build}/gatekeeper
replace() { # section, file with the new content
	python3 - "$1" "$2" <<'PY'
import sys, re
section, src = sys.argv[1], sys.argv[2]
body = open(src).read()
readme = open("README.md").read()
begin, end = f"<!-- {section}:begin -->\n", f"<!-- {section}:end -->"
a = readme.index(begin) + len(begin)
b = readme.index(end)
open("README.md", "w").write(readme[:a] + body + readme[b:])
PY
}
tmp=$(mktemp)
"$gk" rules --format markdown >"$tmp"
replace rules "$tmp"
{ echo '```'; "$gk" lint --help; echo '```'; } >"$tmp"
replace lint-help "$tmp"
{ echo '```'; "$gk" gate --help; echo '```'; } >"$tmp"
replace gate-help "$tmp"
rm -f "$tmp"
