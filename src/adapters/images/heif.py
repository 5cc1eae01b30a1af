"""HEIC/HEIF for Pillow: registered once, when the optional pillow-heif is installed (used by the
inspector, the processor and the EXIF reader)."""

from __future__ import annotations

_heif_registered: bool | None = None


def register_heif() -> bool:
    """Let Pillow open HEIC/HEIF when pillow-heif is installed (optional)."""
    global _heif_registered
    if _heif_registered is None:
        try:
            from pillow_heif import register_heif_opener  # type: ignore[import-not-found]

            register_heif_opener()
            _heif_registered = True
        except ImportError:
            _heif_registered = False
    return _heif_registered
