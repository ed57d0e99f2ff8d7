"""The colour model: source luma is kept, only chroma is invented.

Keyhue works in YIQ (NTSC), as Levin et al. do: Y = 0.299 R + 0.587 G + 0.114 B is the
luma, I and Q are the chroma that the solvers produce. Turning Y + solved chroma back
into stored RGB goes through two steps that never touch luma:

1. Gamut mapping at constant luma. A YIQ triple can fall outside the RGB cube; clipping
   each channel (what most tools do) changes Y. Here the chroma vector is shortened
   towards the grey of the same luma until every channel fits. Grey (Y, Y, Y) is always
   inside the cube, so a scale in [0, 1] exists for every pixel.
2. Luma-exact quantisation. Rounding R, G and B each to the nearest level moves luma by up
   to half a level. Instead R and B are rounded and G takes the level that puts luma
   nearest the source's; where that G would leave the range (near black or white), each
   channel is rounded down or up, whichever of the eight combinations is nearest.

Guarantee, for 8-bit (levels 0..255) and 16-bit (0..65535) output alike: for every pixel,
``|0.299 R + 0.587 G + 0.114 B - Y_source| <= 0.3`` of one level, so the output's luma
rounded to the nearest level equals the source level exactly. For an integer grey source
that is the grey value; for a colour source it is its rounded BT.601 luma. This holds for
the arrays the engine returns and for lossless files (PNG, TIFF, FFV1); lossy codecs
(H.264, ProRes) add their own error on top.
"""

from __future__ import annotations

import itertools

import numpy as np

LUMA_WEIGHTS = np.array([0.299, 0.587, 0.114])

# MATLAB's rgb2ntsc matrix, the one Levin's code uses; rows give Y, I, Q.
RGB_TO_YIQ = np.array(
    [
        [0.299, 0.587, 0.114],
        [0.596, -0.274, -0.322],
        [0.211, -0.523, 0.312],
    ]
)
YIQ_TO_RGB = np.linalg.inv(RGB_TO_YIQ)
# How I and Q move R, G, B at fixed Y: columns 1 and 2 of the inverse (shape 3x2).
_CHROMA_TO_RGB = YIQ_TO_RGB[:, 1:]

# The eight ways of rounding (R, G, B) down (0) or up (1).
_ROUNDINGS = np.array(list(itertools.product((0, 1), repeat=3)), dtype=np.float64)


def max_level(dtype: np.dtype) -> int:
    """Largest level of an unsigned integer image dtype: 255 for uint8, 65535 for uint16."""
    dtype = np.dtype(dtype)
    if dtype not in (np.dtype(np.uint8), np.dtype(np.uint16)):
        raise TypeError(f"images are uint8 or uint16, not {dtype}")
    return int(np.iinfo(dtype).max)


def luma_of(image: np.ndarray) -> np.ndarray:
    """Luma of an image on a 0..1 scale.

    Args:
        image: HxW grey or HxWx3 RGB, uint8 or uint16. An RGB image with equal channels
            gives exactly its grey.

    Returns:
        HxW float64 in [0, 1]: Y = 0.299 R + 0.587 G + 0.114 B divided by the top level.
    """
    scale = max_level(image.dtype)
    if image.ndim == 2:
        return image.astype(np.float64) / scale
    if image.ndim == 3 and image.shape[2] == 3:
        if np.array_equal(image[..., 0], image[..., 1]) and np.array_equal(image[..., 0], image[..., 2]):
            return image[..., 0].astype(np.float64) / scale
        return image.astype(np.float64) @ LUMA_WEIGHTS / scale
    raise ValueError(f"expected an HxW or HxWx3 image, got shape {image.shape}")


def chroma_of(rgb: np.ndarray) -> np.ndarray:
    """I and Q chroma of an RGB image.

    Args:
        rgb: HxWx3 RGB, uint8 or uint16.

    Returns:
        HxWx2 float64: I in about [-0.596, 0.596] and Q in about [-0.523, 0.523].
    """
    scaled = rgb.astype(np.float64) / max_level(rgb.dtype)
    return scaled @ RGB_TO_YIQ[1:].T


def gamut_scale(luma: np.ndarray, chroma: np.ndarray) -> np.ndarray:
    """Largest factor t in [0, 1] such that (Y, t*I, t*Q) lies inside the RGB cube.

    Args:
        luma: HxW float in [0, 1].
        chroma: HxWx2 float (I, Q).

    Returns:
        HxW float64 in [0, 1].
    """
    luma = np.asarray(luma, dtype=np.float64)
    return _gamut_scale(luma, _chroma_offsets(np.asarray(chroma, dtype=np.float64)))


def _chroma_offsets(chroma: np.ndarray) -> list[np.ndarray]:
    """The R, G and B offsets from grey (three HxW, chroma's float dtype) that chroma HxWx2 makes."""
    i, q = chroma[..., 0], chroma[..., 1]
    return [a * i + b * q for a, b in _CHROMA_TO_RGB]


def _gamut_scale(luma: np.ndarray, offsets: list[np.ndarray]) -> np.ndarray:
    scale = np.ones_like(luma)
    with np.errstate(divide="ignore", invalid="ignore"):
        for delta in offsets:
            # Room towards white where the channel rises, towards black where it falls.
            room = np.where(delta > 0, 1.0 - luma, luma) / np.abs(delta)
            np.fmin(scale, room, out=scale)  # fmin ignores the NaN of 0/0
    return np.clip(scale, 0.0, 1.0)


def compose(luma: np.ndarray, chroma: np.ndarray, dtype=np.uint8) -> np.ndarray:
    """Stored RGB from luma and chroma, keeping luma exact (see the module docstring).

    Args:
        luma: HxW float in [0, 1], the source luma.
        chroma: HxWx2 float (I, Q), any magnitude; out-of-gamut chroma is shortened.
        dtype: uint8 or uint16, the output's levels.

    Returns:
        HxWx3 RGB of ``dtype`` whose luma is within 0.3 of a level of ``luma``.
    """
    top = max_level(dtype)
    # float32 keeps 8-bit levels to about 2e-5 of a level; 16-bit output needs float64.
    work = np.float32 if top <= 255 else np.float64
    luma = np.asarray(luma, dtype=work)
    chroma = np.asarray(chroma, dtype=work)
    out = np.empty(luma.shape + (3,), dtype=dtype)
    # Row bands bound the 8-candidate scratch arrays (about 200 bytes a pixel).
    for top_row in range(0, luma.shape[0], _BAND_ROWS):
        band = slice(top_row, top_row + _BAND_ROWS)
        out[band] = _compose_band(luma[band], chroma[band], top)
    return out


_BAND_ROWS = 256


def _compose_band(luma: np.ndarray, chroma: np.ndarray, top: int) -> np.ndarray:
    luma = np.clip(luma, 0.0, 1.0)
    offsets = _chroma_offsets(chroma)
    scale = _gamut_scale(luma, offsets)
    target = luma * top
    rgb = np.empty(luma.shape + (3,), dtype=luma.dtype)
    for c, delta in enumerate(offsets):
        np.clip(target + delta * scale * top, 0.0, top, out=rgb[..., c])
    # Fast path: round R and B, then pick the G level that brings luma nearest the
    # target; that leaves at most 0.587 / 2 of a level of luma error.
    out = np.rint(rgb)
    green = (target - LUMA_WEIGHTS[0] * out[..., 0] - LUMA_WEIGHTS[2] * out[..., 2]) / LUMA_WEIGHTS[1]
    out[..., 1] = np.rint(green)
    bad = (out[..., 1] < 0) | (out[..., 1] > top)
    if bad.any():  # near black or white: search all down/up roundings instead
        out[bad] = _nearest_luma_rounding(rgb[bad], target[bad], top)
    return out


def _nearest_luma_rounding(rgb: np.ndarray, target: np.ndarray, top: int) -> np.ndarray:
    """Nx3 levels, each channel rounded down or up, with luma nearest ``target`` (N)."""
    low = np.floor(rgb)
    error = np.abs((low @ LUMA_WEIGHTS)[:, None] + _ROUNDINGS @ LUMA_WEIGHTS - target[:, None])
    blocked = np.any((low[:, None, :] >= top) & (_ROUNDINGS == 1), axis=-1)
    error[blocked] = np.inf
    return low + _ROUNDINGS[np.argmin(error, axis=-1)]
