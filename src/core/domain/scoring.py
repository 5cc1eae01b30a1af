"""Stages 5 and 6 as pure facts: where files live, the documented fallback formulas, the options."""

from __future__ import annotations

import math

from proofdesk.core.domain.models import Row
from pydantic import BaseModel, ConfigDict, Field

BRISQUE_FALLBACK_ENGINE = "fallback-detail-noise-v2"


AESTHETIC_FALLBACK_ENGINE = "fallback-contrast-saturation-sharpness-v2"


def fallback_sharpness(laplacian_var: float, noise_sigma: float) -> float:
    """Detail the eye reads as sharp, with noise taken out: s = d / (1 + n / 3), where
    n = the luma noise sigma (Immerkaer's estimator) and d = sqrt(max(0, Var(L) - 20 n^2)) the
    Laplacian's spread without the part white noise of sigma n adds (20 n^2 for the 4-neighbour
    kernel). Blur lowers d; noise raises n more than it raises d, so neither scores as detail."""
    noise = max(0.0, noise_sigma)
    detail = math.sqrt(max(0.0, laplacian_var - 20.0 * noise * noise))
    return detail / (1.0 + noise / 3.0)


def brisque_fallback(sharpness: float) -> float:
    """BRISQUE-like fallback in (0, 100], lower = better: 100 * 10 / (10 + s)."""
    return round(100.0 * 10.0 / (10.0 + max(0.0, sharpness)), 4)


def aesthetic_fallback(luma_std: float, mean_saturation: float, sharpness: float = 0.0) -> float:
    """Aesthetic fallback in [1, 10]: 1 + 9 * (0.4 * min(c/128, 1) + 0.2 * min(m/255, 1) + 0.4 * s/(s+8))
    from global contrast c, colourfulness m and the noise-corrected sharpness s."""
    contrast = min(max(luma_std, 0.0) / 128.0, 1.0)
    colour = min(max(mean_saturation, 0.0) / 255.0, 1.0)
    sharp = max(0.0, sharpness)
    return round(1.0 + 9.0 * (0.4 * contrast + 0.2 * colour + 0.4 * sharp / (sharp + 8.0)), 4)


class ScoringOptions(BaseModel):
    """What the scoring and resize stages need from the settings."""

    model_config = ConfigDict(frozen=True)

    long_edge: int = Field(default=1024, ge=64, le=8192)
    jpeg_quality: int = Field(default=90, ge=1, le=100)
    batch_size: int = Field(default=16, ge=1, le=1024)
    workers: int = Field(default=2, ge=1, le=64)
    handover_bytes: int = Field(default=256 * 1024 * 1024, ge=0)


def incoming_layout(set_name: str, sha256: str, name: str) -> str:
    """Where an original lives in the incoming area: `<set>/<first 12 of its sha256>/<name>` (the one
    definition of the layout: stage 2 copies there, later stages read from there)."""
    return f"{set_name}/{sha256[:12]}/{name}"


def incoming_relpath(row: Row) -> str:
    """The row's original in the incoming area (as stage 2 stored it)."""
    return incoming_layout(row.set_name, row.sha256, row.original_name)


def model_relpath(row: Row) -> str:
    """Where the model-ready JPEG lives in the work area: model/<set>/<sha12>/<stem>.jpg."""
    stem = row.original_name.rsplit(".", 1)[0] if "." in row.original_name else row.original_name
    return f"model/{row.set_name}/{row.sha256[:12]}/{stem}.jpg"
