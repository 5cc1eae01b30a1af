#!/usr/bin/env bash
# Set up proofdesk in ./.venv, build the demo set from scikit-image's photos (demo/SOURCE.md) and run
# the pipeline on it with embedded defaults.
# PROOFDESK_QUICKSTART_PYTHON=/path/to/python: use that interpreter (proofdesk already installed in
# it) instead; no .venv is created and nothing is installed (the quickstart test runs it this way).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${PROOFDESK_QUICKSTART_PYTHON:-}" ]; then
  python=("$PROOFDESK_QUICKSTART_PYTHON")
  proofdesk=("$PROOFDESK_QUICKSTART_PYTHON" -m proofdesk.apps)
else
  if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
  fi
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e '.[test,ml,demo]'
  python=(.venv/bin/python)
  proofdesk=(.venv/bin/proofdesk)
fi
if [ ! -f /usr/share/opencv4/quality/brisque_model_live.yml ]; then
  if [ -z "${PROOFDESK_QUICKSTART_PYTHON:-}" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq opencv-data
  else
    echo "note: BRISQUE scores fall back to a formula until opencv-data is installed (sudo apt-get install opencv-data)"
  fi
fi
demo=("${proofdesk[@]}" --config demo/proofdesk.toml)
# The demo set (git-ignored): six JPEGs with capture time, camera and GPS, the same bytes every time.
"${python[@]}" -m proofdesk.apps.demo demo/sets/2019-10-12_lucca
# Stages 1-7 on the demo set (offline captioner: no model server needed). Exit 3 would mean some
# rows are blocked by the proof; the review desk is where a person fixes them.
"${demo[@]}" run demo/sets/2019-10-12_lucca --no-review
# What a reviewer does in `proofdesk review`, done here by script: approve what the proof accepted,
# then publish the approved rows to the local gallery (a folder and a SQLite gallery table).
"${demo[@]}" approve --all-accepted
"${demo[@]}" publish --yes
"${demo[@]}" status
echo
echo "Published demo gallery: demo/.proofdesk-demo/published/ (images + thumbs/) and demo/.proofdesk-demo/gallery.sqlite"
echo "Open the review desk: ${demo[*]} review"
