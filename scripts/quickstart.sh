#!/usr/bin/env bash
# Set up proofdesk in ./.venv and run the pipeline on the bundled demo set with embedded defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test,ml]'
if [ ! -f /usr/share/opencv4/quality/brisque_model_live.yml ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq opencv-data
  else
    echo "note: BRISQUE scores fall back to a formula until opencv-data is installed (sudo apt-get install opencv-data)"
  fi
fi
.venv/bin/proofdesk --config demo/proofdesk.toml run demo/sets/2008-10-22_arezzo --no-review
.venv/bin/proofdesk --config demo/proofdesk.toml status
echo
echo "Demo queue in demo/.proofdesk-demo/. Next: .venv/bin/proofdesk --config demo/proofdesk.toml rows --json"
