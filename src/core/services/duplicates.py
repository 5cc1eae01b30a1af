"""The duplicate index over the queue and the gallery, shared by the caption stage and the review."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from proofdesk.core.domain.models import Row, RowStatus
from proofdesk.core.domain.proof.config import ProofConfig
from proofdesk.core.domain.proof.duplicates import DuplicateIndex


def build_duplicate_index(
    rows: Sequence[Row], exclude: set[tuple[str, str]], gallery_names: Sequence[str], config: ProofConfig,
    scene_threshold: float | None = None,
) -> DuplicateIndex:
    """The duplicate index over the queue's rows (rejected ones and `exclude` left out) plus the
    gallery's published file names (owned by `gallery:<name>`, never reused by another image).
    Every row's scene is known to it, so a keeper is also checked across its scene at
    `scene_threshold` (when lower than `config`'s)."""
    index = DuplicateIndex(threshold=config.near_duplicate_threshold, lock=threading.RLock(),
                           scene_threshold=scene_threshold)
    entries: list[tuple[str, str, str | None]] = []
    own_names = {row.file_name for row in rows if row.remote_id}
    # a row renamed after publishing still holds its old name until the rename is published
    own_names |= {row.published_file_name for row in rows if row.published_file_name}
    for row in rows:
        if row.scene_id:
            index.set_scene(row.key_text, row.scene_id, keeper=bool(row.keeper))
        if row.key in exclude or row.status == RowStatus.REJECTED:
            continue
        if row.cull_suggested and not row.caption:
            continue  # a frame its scene's keeper speaks for claims nothing until it is captioned
        for name in ("caption", "alt_text", "file_name"):
            entries.append((row.key_text, name, getattr(row, name)))
    for name in gallery_names:
        if name not in own_names:  # a published row already owns its own gallery name
            entries.append((f"gallery:{name}", "file_name", name))
    index.load(entries)
    return index
