#!/usr/bin/env bash
# The sticky pull-request comment step against a local recording API
# (test_comment.py); needs curl and jq, which GitHub's runners have.
set -euo pipefail
for tool in curl jq python3; do
	command -v "$tool" >/dev/null || { echo "SKIP: $tool is missing (ci/install-deps.sh installs it)"; exit 0; }
done
python3 test_comment.py
