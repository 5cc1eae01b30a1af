"""`python -m proofdesk.apps` runs the CLI (used by tests that need a real process)."""

from proofdesk.apps.cli import main

main()
