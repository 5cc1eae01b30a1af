"""BRISQUE with OpenCV contrib's `cv2.quality.QualityBRISQUE` and a LIVE-trained model (ADR 0008).

The model and range files are Debian's `opencv-data` (`/usr/share/opencv4/quality/
brisque_{model,range}_live.yml`) unless `scoring.brisque_model` / `scoring.brisque_range` say
otherwise; nothing is downloaded. When OpenCV contrib or a model file is missing, the scorer says
why (`describe()`) and scores with the documented fallback formula (`fallback=True`).

A picture under `MIN_SIDE` pixels on a side is scored with the same marked fallback formula, since
the model cannot judge it. Measured with the LIVE model (OpenCV contrib 4.14) on every size from
1x1 to 64x64, with random, gradient and flat pictures and crops of the sample photos:
- a 1-pixel side makes `compute()` raise (`cv2.error ... inv_scale_x > 0 in function 'resize'`:
  BRISQUE halves the picture for its second scale);
- a shorter side of 2 or 3 pixels, and 4x4 to 5x5, give 0.0 ("perfect") whatever the picture shows;
- from 6x6 up the value depends on the picture (so it does at 4 or 5 by 6 or more pixels, which
  are left to the formula all the same: one rule, the shorter side).

cv2 and numpy are imported on first use, never when the module is imported.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from proofdesk.adapters.scoring.fallback import (
    FallbackQualityScorer,
    LoadOnceOrFallBack,
)
from proofdesk.core.ports.media import DecodedImage, QualityScorer, Score

DEFAULT_MODEL = "/usr/share/opencv4/quality/brisque_model_live.yml"
DEFAULT_RANGE = "/usr/share/opencv4/quality/brisque_range_live.yml"
ENGINE = "opencv-brisque"
MIN_SIDE = 6  # the smallest width and height the model judges (measured: see the module docstring)


class OpenCvBrisqueScorer(LoadOnceOrFallBack, QualityScorer):
    fallback_type = FallbackQualityScorer

    def __init__(self, model_path: str = DEFAULT_MODEL, range_path: str = DEFAULT_RANGE, threads: int = 1) -> None:
        self.model_path = str(model_path)
        self.range_path = str(range_path)
        self.threads = max(1, threads)
        self._init_loading()
        self._local = threading.local()
        self._cv2: Any = None
        self._np: Any = None
        self._too_small = FallbackQualityScorer(f"a picture under {MIN_SIDE}x{MIN_SIDE} pixels, which BRISQUE cannot judge")

    # ---- loading

    def _try_load(self) -> str | None:
        try:
            import cv2
            import numpy as np
        except ImportError as exc:
            return f"OpenCV is not installed ({exc}); install proofdesk[ml]"
        if not hasattr(cv2, "quality"):
            return "this OpenCV build has no contrib quality module; install opencv-contrib-python-headless"
        for key, path in (("scoring.brisque_model", self.model_path), ("scoring.brisque_range", self.range_path)):
            if not Path(path).is_file():
                return f"{key} file {path} does not exist (apt-get install opencv-data, or set {key})"
        self._cv2, self._np = cv2, np
        try:
            self._instance()
        except cv2.error as exc:
            return f"OpenCV cannot load the BRISQUE model {self.model_path}: {exc}"
        return None

    def _instance(self) -> Any:
        # One QualityBRISQUE per thread: the model is read once per thread, compute() runs in parallel.
        instance = getattr(self._local, "brisque", None)
        if instance is None:
            instance = self._cv2.quality.QualityBRISQUE_create(self.model_path, self.range_path)
            self._local.brisque = instance
        return instance

    def _model_files(self) -> tuple[str | None, ...]:
        return (self.model_path, self.range_path)

    # ---- QualityScorer

    @property
    def engine(self) -> str:
        if self.load():
            return ENGINE
        assert self._fallback is not None
        return self._fallback.engine

    def describe(self) -> str:
        if self.load():
            return (f"{ENGINE} (model {self.model_path}, range {self.range_path}; pictures under "
                    f"{MIN_SIDE}x{MIN_SIDE} pixels: the fallback formula)")
        assert self._fallback is not None
        return self._fallback.describe()

    def _score_one(self, image: DecodedImage) -> Score:
        if min(image.width, image.height) < MIN_SIDE:
            return self._too_small.score(image)
        pixels = self._np.frombuffer(image.rgb, dtype=self._np.uint8).reshape(image.height, image.width, 3)
        gray = self._cv2.cvtColor(pixels, self._cv2.COLOR_RGB2GRAY)
        value = self._instance().compute(gray)[0]
        return Score(float(value), False, ENGINE)

    def score_batch(self, images: Sequence[DecodedImage]) -> list[Score]:
        if not self.load():
            assert self._fallback is not None
            return self._fallback.score_batch(images)
        if self.threads == 1 or len(images) < 2:
            return [self._score_one(image) for image in images]
        with ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="proofdesk-brisque") as pool:
            return list(pool.map(self._score_one, images))
