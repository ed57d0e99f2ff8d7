"""The network: a compact U-Net from (luma, hints, prior) to chroma.

Inputs, stacked as 7 channels of an Nx7xHxW float tensor (see :func:`pack_inputs`):
luma (0..1), hint chroma I, Q and hint mask (0/1), prior chroma I, Q and prior confidence
(0..1). Output: Nx2xHxW chroma (I, Q).

The network predicts a correction to the prior, and its last layer starts at zero, so an
untrained network returns the prior wherever there is one and grey where there is none:
it learns to do better than copying what propagation carried (training makes the
prior's confidence mean how near the truth it is, :func:`.data.simulate_prior`). Hinted pixels are then set to their hint (:func:`honour_hints`), so
hints are kept exactly whatever the weights.

Four scales (1, 1/2, 1/4, 1/8) and dilated convolutions at 1/16 give each output pixel a
view of about 200 pixels, enough to recognise a region that no hint or track reaches.
No normalisation layers: adaptation fine-tunes on batches of a few crops.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

IN_CHANNELS = 7
#: Default channel widths per scale; stored in each weights file's metadata.
WIDTHS = (16, 24, 48, 64, 96)
#: H and W are padded to a multiple of this (four halvings).
MULTIPLE = 16
# Chroma spans about -0.6..0.6; the network sees it scaled to about -1..1.
CHROMA_SCALE = 2.0
# A prior of confidence 1/PRIOR_RAMP or more counts in full in the network's starting point.
PRIOR_RAMP = 10.0


def _conv(cin: int, cout: int, stride: int = 1, dilation: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride, padding=dilation, dilation=dilation), nn.LeakyReLU(0.1, inplace=True)
    )


class ScribbleNet(nn.Module):
    """U-Net over 7 input channels; ``widths`` are the channels at scales 1 .. 1/16."""

    #: How the weights were made (set by :func:`.weights.load_network` and adaptation).
    info: dict[str, Any]

    def __init__(self, widths: tuple[int, ...] = WIDTHS) -> None:
        super().__init__()
        if len(widths) != 5:
            raise ValueError(f"widths must give 5 scales, not {widths}")
        w0, w1, w2, w3, w4 = widths
        self.widths = tuple(int(w) for w in widths)
        self.enc0 = nn.Sequential(_conv(IN_CHANNELS, w0), _conv(w0, w0))
        self.enc1 = nn.Sequential(_conv(w0, w1, 2), _conv(w1, w1))
        self.enc2 = nn.Sequential(_conv(w1, w2, 2), _conv(w2, w2))
        self.enc3 = nn.Sequential(_conv(w2, w3, 2), _conv(w3, w3))
        self.mid = nn.Sequential(_conv(w3, w4, 2), _conv(w4, w4, dilation=2), _conv(w4, w4, dilation=4), _conv(w4, w4))
        self.dec3 = nn.Sequential(_conv(w4 + w3, w3), _conv(w3, w3))
        self.dec2 = nn.Sequential(_conv(w3 + w2, w2), _conv(w2, w2))
        self.dec1 = nn.Sequential(_conv(w2 + w1, w1), _conv(w1, w1))
        self.dec0 = nn.Sequential(_conv(w1 + w0 + IN_CHANNELS, w0), _conv(w0, w0))
        self.head = nn.Conv2d(w0, 2, 3, padding=1)
        nn.init.zeros_(self.head.weight)
        assert self.head.bias is not None  # Conv2d is built with bias=True (the default)
        nn.init.zeros_(self.head.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Nx7xHxW inputs (H, W multiples of :data:`MULTIPLE`) -> Nx2xHxW chroma (I, Q)."""
        feats = torch.cat(
            [
                (x[:, :1] - 0.5) * 2.0,
                x[:, 1:3] * CHROMA_SCALE,
                x[:, 3:4],
                x[:, 4:6] * CHROMA_SCALE,
                x[:, 6:7],
            ],
            1,
        )
        e0 = self.enc0(feats)
        e1 = self.enc1(e0)
        e2 = self.enc2(e1)
        e3 = self.enc3(e2)
        m = self.mid(e3)
        d3 = self.dec3(torch.cat([_up(m, e3), e3], 1))
        d2 = self.dec2(torch.cat([_up(d3, e2), e2], 1))
        d1 = self.dec1(torch.cat([_up(d2, e1), e1], 1))
        d0 = self.dec0(torch.cat([_up(d1, e0), e0, feats], 1))
        # The prior wherever there is one (a weak prior is still the best guess of its
        # colour; scaling it by its confidence would only grey it); the network corrects it.
        base = x[:, 4:6] * (x[:, 6:7] * PRIOR_RAMP).clamp(max=1.0)
        return base + self.head(d0) / CHROMA_SCALE


def _up(x: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    return F.interpolate(x, size=like.shape[-2:], mode="bilinear", align_corners=False)


def parameter_count(model: nn.Module) -> int:
    """Number of trainable numbers in ``model``."""
    return sum(p.numel() for p in model.parameters())


def pack_inputs(
    luma: np.ndarray | torch.Tensor,
    hint_chroma: np.ndarray | torch.Tensor,
    hint_mask: np.ndarray | torch.Tensor,
    prior_chroma: np.ndarray | torch.Tensor,
    prior_confidence: np.ndarray | torch.Tensor,
) -> torch.Tensor:
    """Stack one frame's inputs (numpy or torch) into a 1x7xHxW float32 tensor.

    Args:
        luma: HxW 0..1.
        hint_chroma: HxWx2 YIQ chroma (I, Q) at hinted pixels (anything elsewhere).
        hint_mask: HxW bool.
        prior_chroma: HxWx2 chroma (I, Q).
        prior_confidence: HxW 0..1.
    """

    def as_t(a: np.ndarray | torch.Tensor) -> torch.Tensor:
        return torch.as_tensor(a, dtype=torch.float32)

    mask = as_t(hint_mask)
    planes = [
        as_t(luma)[None],
        as_t(hint_chroma).permute(2, 0, 1) * mask[None],
        mask[None],
        as_t(prior_chroma).permute(2, 0, 1),
        as_t(prior_confidence).clamp(0.0, 1.0)[None],
    ]
    return torch.cat(planes, 0)[None].contiguous()


def honour_hints(chroma: torch.Tensor, inputs: torch.Tensor) -> torch.Tensor:
    """Nx2xHxW chroma with the hinted pixels of Nx7xHxW ``inputs`` set to their hint."""
    mask = inputs[:, 3:4] > 0.5
    return torch.where(mask, inputs[:, 1:3], chroma)
