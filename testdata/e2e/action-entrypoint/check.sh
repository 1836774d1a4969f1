#!/usr/bin/env bash
# The GitHub Action's entrypoint: inputs to argv without a shell, the switch
# to the workspace's owner, the outputs (test_entrypoint.py).
set -euo pipefail
python3 test_entrypoint.py
