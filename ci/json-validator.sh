#!/usr/bin/env bash
# Install, once, the JSON Schema validator the report tests use, from the
# npm registry into a folder of the build (never committed):
#   ajv 8 with ajv-draft-04 (the SARIF 2.1.0 schema is draft-04; ajv-cli
#   validates draft-07 and later only) and ajv-formats (uri, uri-reference,
#   date-time).  ci/validate-json.js runs it.
# Usage: ci/json-validator.sh DIR   (DIR e.g. build/npm)
# Prints DIR when the validator is there; otherwise prints why on stderr and
# exits 1 (no node, no npm, the registry unreachable), so that a test can
# say SKIP with the reason.
set -uo pipefail
dir=${1:?usage: ci/json-validator.sh DIR}
packages=(ajv@8 ajv-draft-04@1 ajv-formats@3)

have() { [ -f "$dir/node_modules/ajv/package.json" ] && [ -f "$dir/node_modules/ajv-draft-04/package.json" ] &&
	[ -f "$dir/node_modules/ajv-formats/package.json" ]; }

command -v node >/dev/null || { echo "node is missing (Debian: nodejs; ci/install-deps.sh installs it)" >&2; exit 1; }
if ! have; then
	command -v npm >/dev/null || { echo "npm is missing (Debian: npm; ci/install-deps.sh installs it)" >&2; exit 1; }
	mkdir -p "$dir" || exit 1
	# A lock so that two test runs sharing the build folder install once.
	exec 9>"$dir/.install.lock"
	flock 9
	if ! have && ! npm install --prefix "$dir" --no-audit --no-fund --silent "${packages[@]}" >"$dir/install.log" 2>&1; then
		echo "npm install ${packages[*]} failed (see $dir/install.log):" >&2
		tail -5 "$dir/install.log" >&2
		exit 1
	fi
fi
echo "$dir"
