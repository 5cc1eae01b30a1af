"""Loading an open_clip model from local files only, shared by the aesthetic scorer and the
zero-shot classifier. `pretrained` is always an existing file, so open_clip never downloads."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class ClipUnavailable(Exception):
    """Why the model cannot be loaded (a message for the stage log and `doctor`)."""


@dataclass
class LoadedClip:
    torch: Any
    open_clip: Any
    model: Any
    preprocess: Any
    architecture: str
    device: str


def check_model_files(model_name: str, weights: str | None, weights_key: str = "scoring.clip_weights") -> None:
    if ":" in model_name.split("/")[0] and not Path(model_name).exists():
        raise ClipUnavailable(
            f"scoring.clip_model {model_name!r}: hub models are not downloaded; give a built-in name or a config file"
        )
    if not weights:
        raise ClipUnavailable(f"{weights_key} is not set (path of an open_clip checkpoint file)")
    if not Path(weights).is_file():
        raise ClipUnavailable(f"{weights_key} file {weights} does not exist")


def architecture_name(open_clip: Any, model_name: str) -> str:
    """A built-in architecture name, or the name of a model-config JSON file registered here."""
    if model_name.endswith(".json"):
        config = Path(model_name)
        if not config.is_file():
            raise ClipUnavailable(f"scoring.clip_model config file {config} does not exist")
        open_clip.add_model_config(config)
        return config.stem
    return model_name


def load_open_clip(model_name: str, weights: str | None, device: str = "cpu", threads: int = 0,
                   weights_key: str = "scoring.clip_weights") -> LoadedClip:
    check_model_files(model_name, weights, weights_key)
    try:
        import open_clip
        import torch
    except ImportError as exc:
        raise ClipUnavailable(f"torch/open_clip are not installed ({exc}); install proofdesk[ml]") from None
    torch.set_num_threads(threads if threads > 0 else max(1, os.cpu_count() or 1))
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    try:
        architecture = architecture_name(open_clip, model_name)
        model, _, preprocess = open_clip.create_model_and_transforms(architecture, pretrained=weights, device=device)
        model.eval()
    except (RuntimeError, ValueError, KeyError, OSError) as exc:
        raise ClipUnavailable(f"cannot load CLIP model {model_name} from {weights}: {exc}") from None
    return LoadedClip(torch, open_clip, model, preprocess, architecture, device)
