"""Upload temp names: a dot-prefixed name in the same folder, renamed into place when complete."""

from __future__ import annotations

import posixpath
import secrets

from proofdesk.core.ports.publishing import TEMP_PREFIX


def temp_name_for(remote_path: str) -> str:
    """The temp path an upload to `remote_path` is written under before its rename."""
    folder, name = posixpath.split(remote_path)
    return posixpath.join(folder, f"{TEMP_PREFIX}{secrets.token_hex(4)}-{name}")
