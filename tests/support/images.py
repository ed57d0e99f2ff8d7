"""Synthetic test images."""

from __future__ import annotations

import numpy as np


def synthetic_photo(height: int = 96, width: int = 128, seed: int = 0) -> np.ndarray:
    """HxWx3 uint8 RGB: smooth colour regions with sharp edges and some texture."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width] / max(height, width)
    rgb = np.zeros((height, width, 3))
    rgb[...] = (0.25 + 0.2 * xx[..., None]) * np.array([0.4, 0.7, 1.0])  # sky-blue ramp
    disc = (yy - 0.45) ** 2 + (xx - 0.35) ** 2 < 0.05
    rgb[disc] = [0.85, 0.25, 0.15]  # red disc
    box = (yy > 0.55) & (xx > 0.6)
    rgb[box] = [0.2, 0.6, 0.25]  # green block
    rgb += rng.normal(0, 0.015, rgb.shape)
    return np.round(np.clip(rgb, 0, 1) * 255).astype(np.uint8)
