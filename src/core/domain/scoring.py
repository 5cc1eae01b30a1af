"""Stages 5 and 6 as pure facts: where files live, the documented fallback formulas, the options."""

from __future__ import annotations

from proofdesk.core.domain.models import Row
from pydantic import BaseModel, ConfigDict, Field

BRISQUE_FALLBACK_ENGINE = "fallback-laplacian-v1"


AESTHETIC_FALLBACK_ENGINE = "fallback-contrast-saturation-v1"


def brisque_fallback(laplacian_std: float) -> float:
    """BRISQUE-like fallback in (0, 100], lower = sharper (see the module docstring)."""
    return round(100.0 * 10.0 / (10.0 + max(0.0, laplacian_std)), 4)


def aesthetic_fallback(luma_std: float, mean_saturation: float) -> float:
    """Aesthetic fallback in [1, 10] from global contrast and colourfulness (module docstring)."""
    contrast = min(max(luma_std, 0.0) / 128.0, 1.0)
    colour = min(max(mean_saturation, 0.0) / 255.0, 1.0)
    return round(1.0 + 9.0 * (0.6 * contrast + 0.4 * colour), 4)


class ScoringOptions(BaseModel):
    """What the scoring and resize stages need from the settings."""

    model_config = ConfigDict(frozen=True)

    long_edge: int = Field(default=1024, ge=64, le=8192)
    jpeg_quality: int = Field(default=90, ge=1, le=100)
    batch_size: int = Field(default=16, ge=1, le=1024)
    workers: int = Field(default=2, ge=1, le=64)
    handover_bytes: int = Field(default=256 * 1024 * 1024, ge=0)


def incoming_relpath(row: Row) -> str:
    """The row's original in the incoming area (as stage 2 stored it)."""
    return f"{row.set_name}/{row.sha256[:12]}/{row.original_name}"


def model_relpath(row: Row) -> str:
    """Where the model-ready JPEG lives in the work area: model/<set>/<sha12>/<stem>.jpg."""
    stem = row.original_name.rsplit(".", 1)[0] if "." in row.original_name else row.original_name
    return f"model/{row.set_name}/{row.sha256[:12]}/{stem}.jpg"
