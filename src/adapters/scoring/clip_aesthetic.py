"""CLIP aesthetic score: an open_clip image embedding, L2-normalised, through a LAION-style head.

- `model`: an open_clip built-in architecture name (`ViT-L-14`, `ViT-B-32`, ...) or the path of
  an open_clip model-config JSON file (registered under its file stem). Hub schemas
  (`hf-hub:`, `local-dir:`) are refused: proofdesk never downloads weights.
- `weights`: the open_clip checkpoint FILE (state dict) for that architecture.
- `head`: the aesthetic head's state dict (`torch.save(head.state_dict())`), either a linear layer
  (`weight`, `bias`: LAION's `sa_0_4_*_linear.pth`) or the improved-aesthetic-predictor MLP
  (`layers.N.weight/bias`, Linear layers with dropout between them). Its input size must equal the
  model's embedding size. The output is the LAION predictor's scale: roughly 1 (worst) to 10 (best).

Missing or unloadable files give the documented fallback (`fallback=True`) with the reason in
`describe()`. torch and open_clip are imported on first use, never when the module is imported.
Inference runs under `torch.inference_mode()` in batches of `batch_size`, with `threads` intra-op
threads (0 = one per core).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from proofdesk.adapters.scoring.fallback import (
    FallbackAestheticScorer,
    LoadOnceOrFallBack,
)
from proofdesk.adapters.scoring.open_clip_loader import (
    ClipUnavailable,
    check_model_files,
    load_open_clip,
)
from proofdesk.core.ports.media import AestheticScorer, DecodedImage, Score

ENGINE_PREFIX = "open_clip"


# The LAION aesthetic heads, by the layer indices of their state dicts (nn.Sequential positions):
# `layers.N` is a Linear; the positions between are Dropout (identity at inference) or ReLU.
#   improved-aesthetic-predictor MLP (sac+logos+ava1-l14-linearMSE, ava+logos-l14-linearMSE):
#     Linear(d,1024) Dropout(.2) Linear(1024,128) Dropout(.2) Linear(128,64) Dropout(.1) Linear(64,16) Linear(16,1)
#   its ReLU variant (ava+logos-l14-reluMSE): a ReLU after each of the first four Linears.
_MLP_LAYOUTS: dict[tuple[int, ...], tuple[str, ...]] = {
    (0, 2, 4, 6, 7): ("linear", "dropout", "linear", "dropout", "linear", "dropout", "linear", "linear"),
    (0, 3, 6, 9, 11): ("linear", "relu", "dropout", "linear", "relu", "dropout", "linear", "relu", "dropout",
                       "linear", "relu", "linear"),
}


def build_head(state: dict[str, Any]) -> Any:
    """The head module for a state dict, by its known layout: `nn.Linear` (`weight`, `bias`: LAION's
    `sa_0_4_vit_*_linear`) or one of the improved-aesthetic-predictor MLPs (`layers.N.weight/bias`),
    with its own activations. Any other layout is refused, naming its keys."""
    from torch import nn

    keys = sorted(state)
    if set(keys) == {"weight", "bias"}:
        weight = state["weight"]
        head = nn.Linear(weight.shape[1], weight.shape[0])
        head.load_state_dict(state)
        return head
    indices: set[int] = set()
    for key in keys:
        parts = key.split(".")
        if len(parts) != 3 or parts[0] != "layers" or not parts[1].isdigit() or parts[2] not in ("weight", "bias"):
            indices = set()
            break
        indices.add(int(parts[1]))
    layout = _MLP_LAYOUTS.get(tuple(sorted(indices)))
    if layout is None or len(keys) != 2 * len(indices):
        raise ValueError(
            "unknown aesthetic head layout: expected weight/bias (LAION linear head) or the layers.N.weight/bias "
            "of the improved-aesthetic-predictor MLP (Linear layers at 0,2,4,6,7; with ReLUs at 0,3,6,9,11); "
            f"got keys {', '.join(keys)}"
        )
    modules: list[nn.Module] = []
    for position, kind in enumerate(layout):
        if kind == "linear":
            weight = state[f"layers.{position}.weight"]
            modules.append(nn.Linear(weight.shape[1], weight.shape[0]))
        else:
            modules.append(nn.ReLU() if kind == "relu" else nn.Identity())  # dropout: identity at inference
    holder = nn.Module()
    holder.layers = nn.Sequential(*modules)
    holder.load_state_dict(state)
    return holder.layers


def head_input_size(head: Any) -> int:
    from torch import nn

    first = head if isinstance(head, nn.Linear) else next(m for m in head if isinstance(m, nn.Linear))
    return int(first.in_features)


class OpenClipAestheticScorer(LoadOnceOrFallBack, AestheticScorer):
    fallback_type = FallbackAestheticScorer

    def __init__(
        self,
        model: str,
        weights: str | None,
        head: str | None,
        batch_size: int = 16,
        threads: int = 0,
        device: str = "cpu",
    ) -> None:
        self.model_name = model
        self.weights = weights
        self.head_path = head
        self.batch_size = max(1, batch_size)
        self.threads = threads
        self.device = device
        self._init_loading()
        self._model: Any = None
        self._head: Any = None
        self._preprocess: Any = None
        self._torch: Any = None
        self.embedding_size: int | None = None
        self.embedding_mismatch: str | None = None  # the head's input width vs the model's embedding

    # ---- loading

    def _try_load(self) -> str | None:
        if self.head_path is not None and not Path(self.head_path).is_file():
            return f"scoring.aesthetic_head file {self.head_path} does not exist"
        try:
            check_model_files(self.model_name, self.weights)
            if not self.head_path:
                return "scoring.aesthetic_head is not set (path of the aesthetic head's state dict)"
            loaded = load_open_clip(self.model_name, self.weights, self.device, self.threads)
        except ClipUnavailable as exc:
            return str(exc)
        torch, model = loaded.torch, loaded.model
        try:
            state = torch.load(self.head_path, map_location="cpu", weights_only=True)
            if isinstance(state, dict) and "state_dict" in state:
                state = state["state_dict"]
            head = build_head(state).to(loaded.device).eval()
        except (RuntimeError, ValueError, KeyError, OSError) as exc:
            return f"cannot load CLIP model {self.model_name} from {self.weights} / head {self.head_path}: {exc}"
        embedding = int(getattr(model.visual, "output_dim", 0) or model.text_projection.shape[1])
        if head_input_size(head) != embedding:
            self.embedding_mismatch = (
                f"the aesthetic head takes {head_input_size(head)}-d embeddings, {self.model_name} gives {embedding}-d "
                "(the L/14 heads need ViT-L-14 with QuickGELU, the B/32 head ViT-B-32)"
            )
            return (
                f"scoring.aesthetic_head {self.head_path} takes {head_input_size(head)}-d embeddings but "
                f"{self.model_name} gives {embedding}-d ones; use the head trained for this model"
            )
        self._torch, self._model, self._head, self._preprocess = torch, model, head, loaded.preprocess
        self.embedding_size = embedding
        self.device = loaded.device
        return None

    def _model_files(self) -> tuple[str | None, ...]:
        config = self.model_name if self.model_name.endswith(".json") else None
        return (config, self.weights, self.head_path)

    # ---- AestheticScorer

    @property
    def engine(self) -> str:
        if self.load():
            return f"{ENGINE_PREFIX}:{Path(self.model_name).stem if self.model_name.endswith('.json') else self.model_name}"
        assert self._fallback is not None
        return self._fallback.engine

    def describe(self) -> str:
        if self.load():
            return f"{self.engine} (weights {self.weights}, head {self.head_path}, batch {self.batch_size}, {self.device})"
        assert self._fallback is not None
        return self._fallback.describe()

    def embed(self, images: Sequence[DecodedImage]) -> Any:
        """L2-normalised image embeddings, shape (len(images), embedding_size)."""
        from PIL import Image

        torch = self._torch
        outputs = []
        with torch.inference_mode():
            for start in range(0, len(images), self.batch_size):
                chunk = images[start : start + self.batch_size]
                pictures = [Image.frombuffer("RGB", (image.width, image.height), image.rgb, "raw", "RGB", 0, 1)
                            for image in chunk]
                batch = torch.stack(self._prepared(pictures)).to(self.device)
                features = self._model.encode_image(batch)
                outputs.append(features / features.norm(dim=-1, keepdim=True))
        return torch.cat(outputs) if outputs else torch.empty((0, self.embedding_size or 0))

    def _prepared(self, pictures: list[Any]) -> list[Any]:
        """The model's preprocessing of each picture (resize, crop, normalise), on one thread per core:
        Pillow's resize lets go of the GIL, and the same function runs on each picture as before."""
        workers = min(len(pictures), self.threads or os.cpu_count() or 1)
        if workers < 2:
            return [self._preprocess(picture) for picture in pictures]
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="proofdesk-clip-prep") as pool:
            return list(pool.map(self._preprocess, pictures))

    def score_batch(self, images: Sequence[DecodedImage]) -> list[Score]:
        if not self.load():
            assert self._fallback is not None
            return self._fallback.score_batch(images)
        if not images:
            return []
        torch = self._torch
        engine = self.engine
        with torch.inference_mode():
            values = self._head(self.embed(images).float()).reshape(-1).tolist()
        return [Score(float(value), False, engine) for value in values]
