"""A tiny open_clip model for tests: random weights with a fixed seed, saved as the files a real
model is configured with (model-config JSON, checkpoint, aesthetic head), so tests load it through
the same code path as real weights."""

from __future__ import annotations

import json
from pathlib import Path

import open_clip
import torch
from proofdesk.adapters.scoring.clip_aesthetic import OpenClipAestheticScorer

TINY_EMBED = 24
TINY_CONFIG = {
    "embed_dim": TINY_EMBED,
    "vision_cfg": {"image_size": 32, "layers": 2, "width": 48, "head_width": 24, "patch_size": 8},
    "text_cfg": {"context_length": 8, "vocab_size": 64, "width": 24, "heads": 2, "layers": 1},
}


class TinyClip:
    def __init__(self, root: Path) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.config = root / "proofdesk-tiny-clip.json"
        self.config.write_text(json.dumps(TINY_CONFIG))
        open_clip.add_model_config(self.config)
        torch.manual_seed(1234)
        model = open_clip.create_model("proofdesk-tiny-clip")
        self.weights = root / "tiny-clip.pt"
        torch.save(model.state_dict(), self.weights)
        linear = torch.nn.Linear(TINY_EMBED, 1)
        self.linear_head = root / "head-linear.pth"
        torch.save(linear.state_dict(), self.linear_head)
        # The LAION improved-aesthetic-predictor layout: Linear, Dropout, Linear, Dropout, ..., Linear, Linear.
        mlp = torch.nn.Sequential(
            torch.nn.Linear(TINY_EMBED, 16), torch.nn.Dropout(0.2), torch.nn.Linear(16, 8), torch.nn.Dropout(0.2),
            torch.nn.Linear(8, 4), torch.nn.Dropout(0.1), torch.nn.Linear(4, 2), torch.nn.Linear(2, 1),
        )
        holder = torch.nn.Module()
        holder.layers = mlp
        self.mlp_head = root / "head-mlp.pth"
        torch.save(holder.state_dict(), self.mlp_head)
        wrong = torch.nn.Linear(TINY_EMBED + 1, 1)
        self.wrong_head = root / "head-wrong.pth"
        torch.save(wrong.state_dict(), self.wrong_head)

    def scorer(self, head: Path | None = None, batch_size: int = 3) -> OpenClipAestheticScorer:
        return OpenClipAestheticScorer(
            model=str(self.config), weights=str(self.weights), head=str(head or self.linear_head),
            batch_size=batch_size, threads=2,
        )
