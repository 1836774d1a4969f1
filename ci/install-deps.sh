#!/usr/bin/env bash
# Install the Debian packages gatekeeper needs to build and test, when
# missing.  Idempotent and fast when everything is present; uses sudo when
# not root.
set -euo pipefail

packages=(
	build-essential pkg-config
	libpg-query-dev libprotobuf-c-dev libpq-dev libgit2-dev libxml2-dev libxml2-utils
	libjansson-dev libyaml-dev libssl-dev libcmocka-dev
	postgresql procps python3 python3-jsonschema git
	clang libclang-rt-dev
	# An untrusted language, so that the sandbox tests prove the replay
	# role cannot create one (Debian 12's PostgreSQL is 15).
	postgresql-plpython3-15
	# make valgrind (ci/valgrind-e2e.sh) and the release checklist's
	# ci/fresh-debian.sh.
	valgrind debootstrap
	# GitHub's Markdown parser: the e2e case github-hostile renders the
	# pull request comment and the job summary with it.
	cmark-gfm
	# The GitHub Action's tests: the comment step's tools (GitHub's runners
	# have them) and the YAML of action.yml and the workflows.
	curl jq python3-yaml
	# testdata/e2e/make-install runs the installed fish completion and
	# checks the zsh one's syntax.
	zsh fish
	# make check runs the unit tests that declare no server and no git
	# under strace, so that make quick's list stays true (ci/run-unit.sh).
	strace
)
# The report tests validate SARIF and GitLab Code Quality output with ajv,
# which ci/json-validator.sh installs from the npm registry: Debian's node
# and npm, unless a node is already on the PATH.
command -v node >/dev/null || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
	sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
