"""Numpy frames as Qt images."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage


def to_qimage(rgb: np.ndarray) -> QImage:
    """An 8-bit RGB QImage copy of an HxWx3 (or HxW grey) uint8 or uint16 array."""
    if rgb.dtype == np.uint16:
        rgb = (rgb >> 8).astype(np.uint8)
    if rgb.ndim == 2:
        rgb = np.repeat(rgb[..., None], 3, axis=2)
    rgb = np.ascontiguousarray(rgb)
    height, width, _ = rgb.shape
    return QImage(rgb.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()


def to_dtype(rgb: np.ndarray, dtype) -> np.ndarray:
    """``rgb`` rescaled to ``dtype`` (uint8 <-> uint16) when they differ."""
    if rgb.dtype == dtype:
        return rgb
    if dtype == np.uint16:
        return rgb.astype(np.uint16) * 257
    return np.round(rgb / 257).astype(np.uint8)
