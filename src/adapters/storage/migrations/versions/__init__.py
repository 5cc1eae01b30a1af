"""One file per queue-schema revision; each names its `down_revision` (ADR 0012)."""
