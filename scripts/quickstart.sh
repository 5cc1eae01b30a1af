#!/usr/bin/env bash
# Set up proofdesk in ./.venv and run the pipeline on the bundled demo set with embedded defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'
.venv/bin/proofdesk --config demo/proofdesk.toml run demo/sets/2008-10-22_arezzo --no-review
.venv/bin/proofdesk --config demo/proofdesk.toml status
echo
echo "Demo queue in demo/.proofdesk-demo/. Next: .venv/bin/proofdesk --config demo/proofdesk.toml rows --json"
