#!/usr/bin/env bash
# The GitHub Action's files, the example workflows and the README's snippets
# validated with @action-validator/cli from npm (SKIP without npm), and what
# they and the GitLab template ask of gatekeeper checked against action.yml
# and --help (test_workflows.py).
set -euo pipefail
root=$(cd ../../.. && pwd)
python3 -c 'import yaml' 2>/dev/null || { echo "SKIP: python3-yaml is missing (ci/install-deps.sh installs it)"; exit 0; }
python3 test_workflows.py "$GK"

build=$(dirname "$GK")
[ -d "$build" ] && [ -w "$build" ] || build=$TMP
mkdir -p "$TMP/readme"
python3 test_workflows.py --readme-workflows "$TMP/readme"
files=("$root/action.yml" "$root/ci/github/comment/action.yml" "$root"/ci/github/*.yml "$TMP"/readme/*.yml)
rc=0
"$root/ci/action-validator.sh" "$build" "${files[@]}" || rc=$?
if [ "$rc" -eq 77 ]; then
	echo "SKIP: @action-validator/cli needs node and npm, which are missing"
	exit 0
fi
[ "$rc" -eq 0 ] || exit 1
# The validator rejects what it should: a misspelt key, an action without runs.image.
printf 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n        whith: {fetch-depth: 0}\n' >"$TMP/bad.yml"
mkdir -p "$TMP/bad"
sed 's/^  image: Dockerfile$/  imag: Dockerfile/' "$root/action.yml" >"$TMP/bad/action.yml"
for bad in "$TMP/bad.yml" "$TMP/bad/action.yml"; do
	if "$root/ci/action-validator.sh" "$build" "$bad" >/dev/null; then
		echo "the validator accepted $bad"
		exit 1
	fi
done
echo "action-workflows: ${#files[@]} files valid"
