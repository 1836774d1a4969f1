#!/usr/bin/env bash
# Validate GitHub Actions files with @action-validator/cli from the npm
# registry (the JSON schemas of SchemaStore for workflows and action.yml):
# a file named action.yml is read as an action, any other as a workflow.
#
#   ci/action-validator.sh BUILD_DIR FILE...
#
# The tool is installed once into BUILD_DIR/npm/action-validator (pinned
# versions; never committed).  Exit 0 when every file is valid, 1 when one is
# not (its errors printed), 77 when npm or node is missing (a test skips).
set -uo pipefail
version=0.6.0
build=${1:?usage: ci/action-validator.sh BUILD_DIR FILE...}
shift
for tool in node npm; do
	command -v "$tool" >/dev/null || { echo "action-validator: $tool is missing"; exit 77; }
done
dir="$build/npm/action-validator"
bin="$dir/node_modules/.bin/action-validator"
if [ ! -x "$bin" ] || [ "$(cat "$dir/version" 2>/dev/null)" != "$version" ]; then
	rm -rf "$dir" && mkdir -p "$dir" || exit 1
	if ! npm install --prefix "$dir" --no-audit --no-fund --no-save --loglevel=error \
		"@action-validator/cli@$version" "@action-validator/core@$version" >"$dir/install.log" 2>&1; then
		echo "action-validator: npm install failed:"
		tail -n 20 "$dir/install.log"
		exit 1
	fi
	echo "$version" >"$dir/version"
fi
status=0
for f in "$@"; do
	if out=$("$bin" "$f" 2>&1); then
		echo "action-validator: valid: $f"
	else
		echo "action-validator: INVALID: $f"
		printf '%s\n' "$out" | sed 's/^/    /'
		status=1
	fi
done
exit "$status"
