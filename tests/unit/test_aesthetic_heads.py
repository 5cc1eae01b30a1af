"""The four LAION aesthetic heads load with their own architecture and give the upstream module's
output. The reference modules below are written from the upstream definitions:

- LAION-AI/aesthetic-predictor: `sa_0_4_vit_b_32_linear.pth` = nn.Linear(512, 1),
  `sa_0_4_vit_l_14_linear.pth` = nn.Linear(768, 1) (on L2-normalised CLIP image embeddings);
- christophschuhmann/improved-aesthetic-predictor `MLP.layers` (simple_inference.py):
  Linear(768,1024) Dropout(0.2) Linear(1024,128) Dropout(0.2) Linear(128,64) Dropout(0.1)
  Linear(64,16) Linear(16,1) (`sac+logos+ava1-l14-linearMSE.pth`), and the same with a ReLU after
  each of the first four Linears (`ava+logos-l14-reluMSE.pth`).

State dicts use the upstream key names and shapes with random weights.
"""

from __future__ import annotations

from typing import Any

import pytest

torch = pytest.importorskip("torch")
from proofdesk.adapters.scoring.clip_aesthetic import build_head, head_input_size  # noqa: E402
from torch import nn  # noqa: E402


class UpstreamMLP(nn.Module):  # improved-aesthetic-predictor, linearMSE
    def __init__(self, input_size: int) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            nn.Linear(input_size, 1024), nn.Dropout(0.2),
            nn.Linear(1024, 128), nn.Dropout(0.2),
            nn.Linear(128, 64), nn.Dropout(0.1),
            nn.Linear(64, 16),
            nn.Linear(16, 1),
        )

    def forward(self, x: Any) -> Any:
        return self.layers(x)


class UpstreamReluMLP(nn.Module):  # improved-aesthetic-predictor with its ReLUs (reluMSE)
    def __init__(self, input_size: int) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            nn.Linear(input_size, 1024), nn.ReLU(), nn.Dropout(0.2),
            nn.Linear(1024, 128), nn.ReLU(), nn.Dropout(0.2),
            nn.Linear(128, 64), nn.ReLU(), nn.Dropout(0.1),
            nn.Linear(64, 16), nn.ReLU(),
            nn.Linear(16, 1),
        )

    def forward(self, x: Any) -> Any:
        return self.layers(x)


def _reference(name: str) -> tuple[nn.Module, int]:
    torch.manual_seed(sum(map(ord, name)))
    if name == "sa_0_4_vit_b_32_linear":
        return nn.Linear(512, 1), 512
    if name == "sa_0_4_vit_l_14_linear":
        return nn.Linear(768, 1), 768
    if name == "sac+logos+ava1-l14-linearMSE":
        return UpstreamMLP(768), 768
    return UpstreamReluMLP(768), 768


HEADS = ["sa_0_4_vit_b_32_linear", "sa_0_4_vit_l_14_linear", "sac+logos+ava1-l14-linearMSE", "ava+logos-l14-reluMSE"]


@pytest.mark.parametrize("name", HEADS)
def test_each_laion_head_matches_its_upstream_module(name: str) -> None:
    reference, width = _reference(name)
    reference.eval()
    state = reference.state_dict()
    if isinstance(reference, nn.Linear):
        assert set(state) == {"weight", "bias"}
    else:
        # the file holds the MLP's own state dict (`layers.N.*`), as upstream saves it
        assert all(key.startswith("layers.") for key in state)
    head = build_head({key: value.clone() for key, value in state.items()}).eval()
    assert head_input_size(head) == width
    embeddings = torch.randn(32, width)
    embeddings = embeddings / embeddings.norm(dim=-1, keepdim=True)
    with torch.inference_mode():
        expected = reference(embeddings)
        actual = head(embeddings)
    assert actual.shape == expected.shape
    assert torch.allclose(actual, expected, atol=1e-5), (actual - expected).abs().max()


def test_the_relu_head_keeps_its_relus() -> None:
    reference, _ = _reference("ava+logos-l14-reluMSE")
    head = build_head(reference.state_dict())
    assert sum(isinstance(module, nn.ReLU) for module in head) == 4


@pytest.mark.parametrize("keys", [
    ["layers.0.weight", "layers.0.bias", "layers.5.weight", "layers.5.bias"],  # gaps are not dropout by guess
    ["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"],
    ["fc.weight", "fc.bias"],
])
def test_an_unknown_layout_is_refused_naming_its_keys(keys: list[str]) -> None:
    state = {key: torch.zeros(1, 1) if key.endswith("weight") else torch.zeros(1) for key in keys}
    with pytest.raises(ValueError, match="unknown aesthetic head layout") as error:
        build_head(state)
    assert all(key in str(error.value) for key in keys)
