"""Small pixel helpers shared by the readers and writers (plain numpy, no I/O)."""

from __future__ import annotations

import numpy as np

# The only sample types the media layer hands out or accepts.
SUPPORTED_DTYPES = (np.dtype(np.uint8), np.dtype(np.uint16))


def dtype_for_depth(bit_depth: int) -> np.dtype:
    """Array dtype for a bit depth: 8 -> uint8, 16 -> uint16 (anything else: ValueError)."""
    if bit_depth == 8:
        return np.dtype(np.uint8)
    if bit_depth == 16:
        return np.dtype(np.uint16)
    raise ValueError(f"bit_depth must be 8 or 16, not {bit_depth!r}")


def depth_of(dtype: np.dtype) -> int:
    """Bit depth of an image dtype: uint8 -> 8, uint16 -> 16 (anything else: ValueError)."""
    dtype = np.dtype(dtype)
    if dtype == np.uint8:
        return 8
    if dtype == np.uint16:
        return 16
    raise ValueError(f"images are uint8 or uint16, not {dtype}")


def rgb_to_luma(rgb: np.ndarray) -> np.ndarray:
    """BT.601 luma of an RGB image, rounded to the nearest level.

    Args:
        rgb: HxWx3 RGB, uint8 (0..255) or uint16 (0..65535).

    Returns:
        HxW array of the same dtype: ``round(0.299 R + 0.587 G + 0.114 B)``, halves
        rounded up. Computed in integers, so it is exact: an image with R = G = B gives
        that grey back unchanged.
    """
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected an HxWx3 RGB image, got shape {rgb.shape}")
    depth_of(rgb.dtype)
    # (299 R + 587 G + 114 B + 500) // 1000 fits uint32 for 16-bit input (< 2**26).
    acc = rgb[..., 0].astype(np.uint32)
    acc *= 299
    acc += rgb[..., 1].astype(np.uint32) * 587
    acc += rgb[..., 2].astype(np.uint32) * 114
    acc += 500
    acc //= 1000
    return acc.astype(rgb.dtype)


def grey_to_rgb(grey: np.ndarray) -> np.ndarray:
    """Repeat an HxW grey image into HxWx3 RGB (a new, contiguous array, same dtype)."""
    if grey.ndim != 2:
        raise ValueError(f"expected an HxW grey image, got shape {grey.shape}")
    return np.repeat(grey[:, :, None], 3, axis=2)


def frozen(array: np.ndarray) -> np.ndarray:
    """Mark an array read-only and return it (cached frames are shared, never edited)."""
    array.flags.writeable = False
    return array
