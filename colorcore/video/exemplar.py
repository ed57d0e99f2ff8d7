"""Exemplar matching: where an unaligned colour photograph's colours belong in a grey frame.

An exemplar shows the same scene or subject as the clip but is not aligned with any
frame (other framing, scale, moment). :class:`ExemplarMatcher` turns it into chroma hints
with a confidence for each frame; Levin's equation then spreads confident hints inside
edges, and the video propagation weighs them against colours carried from keyframes.

Method (Welsh, Ashikhmin and Mueller 2002, "Transferring color to greyscale images",
with a nearest-neighbour search and explicit rejection of ambiguous matches):

1. Working rasters. The frame is resized (area average) so its long side is
   ``work_size`` pixels; the exemplar is resized to that long side and to two more
   scales around it, so that a subject shown up to 1.6 times larger or smaller than in
   the frame still finds its texture at its own scale.
2. Features per working pixel: luma smoothed at two radii, local standard deviation at
   two radii, mean gradient magnitude and the coherence of the structure tensor
   (stripes versus isotropic texture), all unchanged by rotation and mirroring; and the
   vertical position with a small weight (sky tends to stay above ground). Each is
   divided by its typical spread over photographs and weighted, so distances mean the
   same for every exemplar.
3. Luminance remapping. Welsh et al. map the exemplar's luma to the frame's mean and
   standard deviation; here the frame is mapped to the exemplar's instead, so the
   exemplar's search tree is built once. Global statistics mislead when much of the
   frame has no counterpart in the exemplar (a sky the photograph lacks), so three
   mappings (none, mean only, mean and deviation) are tried on a sparse sample of
   pixels and the one with the most close matches is used.
4. Matching. An approximate k-d tree search (scipy ``cKDTree``) gives the k nearest
   exemplar pixels of each frame pixel; their chroma, weighted by feature distance, is
   the match's chroma.
5. Confidence: high only when the nearest match is close in feature space (a texture
   or luma with no counterpart in the exemplar gives none) and the k neighbours agree on
   the colour (the features do not determine the colour otherwise; no hint beats a
   wrong one).
6. Cleanup and upsampling. A 5x5 median of the chroma over confident neighbours removes
   isolated outliers; a pixel that disagrees with that median, or a confident pixel
   alone among unconfident ones, loses confidence. Chroma and confidence are upsampled
   bilinearly, and confidence is lowered where the frame has detail the working raster
   does not resolve (an edge) next to a change of hinted colour, so hints stay on their
   side of edges.

Keyframes as exemplars (:meth:`ExemplarMatcher.of_keyframes`): the propagation finds
pixels whose tracks were lost again in the coloured keyframes of their own shot. There
the exposure matches, so no luma remapping is needed; several keyframes share one
search tree, and each is weighted at match time (by its distance in time).

Cost, at the default ``work_size`` of 128 on one 854x480 frame: about 35 ms of CPU time
for :meth:`ExemplarMatcher.match` (the search runs on all cores); the constructor takes
about 10 ms for a 480p exemplar and under 0.1 s for a 20-megapixel one.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
from scipy.spatial import cKDTree

from colorcore.colorspace import LUMA_WEIGHTS, RGB_TO_YIQ
from colorcore.errors import InputError

# (scale relative to the frame's working size, grid step) of each exemplar raster. The
# larger raster's neighbouring pixels are near duplicates: every second one is enough.
EXEMPLAR_SCALES = ((0.625, 1), (1.0, 1), (1.6, 2))
# Feature weights: luma, wide luma, fine std, wide std, gradient, coherence, height.
FEATURE_WEIGHTS = np.array([1.0, 0.7, 0.8, 0.6, 0.6, 0.35, 0.25], dtype=np.float32)
NEIGHBOURS = 6
# Approximate search: each distance found is within (1 + eps) of the exact one. At 2 the
# search is about 2.5 times faster, with no measurable change in the hints on DAVIS clips.
SEARCH_EPS = 2.0
# Nearest-match distance (weighted feature units) at which the distance term of the
# confidence falls to 1/e.
DISTANCE_SCALE = 0.35
# Spread of the k neighbours' chroma (weighted RMS, YIQ units) at which the agreement
# term of the confidence falls to 1/e.
CHROMA_SPREAD_SCALE = 0.04
# Upsampled hints are distrusted where the frame has detail the working raster lacks
# (|luma - its upsampled working raster|) and the hint's chroma changes nearby (its
# range over 3x3 working pixels); confidence is zero where detail / EDGE_DETAIL times
# range / CHROMA_RANGE reaches 1.
EDGE_DETAIL = 0.06
CHROMA_RANGE = 0.03
# Confidence below this is set to 0: such a match is no hint at all.
CONFIDENCE_FLOOR = 0.05
# Below this chroma (RMS over the exemplar, YIQ units) the exemplar is taken as grey.
MIN_EXEMPLAR_CHROMA = 0.01


class ExemplarMatcher:
    """Chroma hints for grey frames from one unaligned colour exemplar.

    Args:
        exemplar_rgb: HxWx3 uint8 or uint16 RGB (not BGR), any size of at least 8x8.
        work_size: long side, in pixels, of the raster the frame is matched at (and of
            the exemplar's middle scale); larger is finer and slower.

    Raises:
        InputError: the exemplar is not an HxWx3 uint8/uint16 image, is smaller than
            8x8, or has no colour.
    """

    def __init__(self, exemplar_rgb: np.ndarray, *, work_size: int = 128):
        self._build([exemplar_rgb], work_size, remap=True)

    @classmethod
    def of_keyframes(cls, keyframes_rgb: Sequence[np.ndarray], *, work_size: int = 128) -> ExemplarMatcher:
        """A matcher whose exemplars are coloured frames of the matched frames' own shot.

        The exposure there keeps its level, so frames are matched without luma
        remapping; the scales stay (a subject nears the camera, waves look finer as the
        camera tilts), and :meth:`match` can weigh each keyframe (e.g. by its distance in
        time).

        Args:
            keyframes_rgb: one or more HxWx3 uint8/uint16 RGB frames.
            work_size: as for the constructor.

        Raises:
            InputError: as for the constructor; "no colour" only when every frame is grey.
        """
        matcher = cls.__new__(cls)
        matcher._build(list(keyframes_rgb), work_size, remap=False)
        return matcher

    def _build(self, images: list[np.ndarray], work_size: int, remap: bool) -> None:
        if work_size < 16:
            raise ValueError(f"work_size must be at least 16, not {work_size}")
        self.work_size = int(work_size)
        self._remap = remap
        features, chroma, source = [], [], []
        colour = 0.0
        # A large photograph is first reduced to twice the largest raster's size: the
        # statistics keep their meaning and the constructor stays fast.
        largest = 2 * self.work_size * max(scale for scale, _ in EXEMPLAR_SCALES)
        for number, image in enumerate(images):
            rgb = _checked(image)
            if max(rgb.shape[:2]) > largest:
                rgb = cv2.resize(rgb, _work_shape(rgb.shape[:2], largest)[::-1], interpolation=cv2.INTER_AREA)
            full = rgb.astype(np.float32) / np.float32(np.iinfo(rgb.dtype).max)
            chroma_full = full @ _RGB_TO_IQ
            colour = max(colour, float(np.sqrt(np.mean(chroma_full**2))))
            luma_full = full @ _LUMA
            if number == 0:  # remapping is for a single photograph
                self._mean = float(luma_full.mean())
                self._std = max(float(luma_full.std()), 1e-3)
            for scale, step in EXEMPLAR_SCALES:
                size = _work_shape(rgb.shape[:2], self.work_size * scale)
                luma = _resize(luma_full, size)
                features.append(_features(luma)[::step, ::step].reshape(-1, _DIMENSIONS))
                chroma.append(_resize(chroma_full, size)[::step, ::step].reshape(-1, 2))
                source.append(np.full(len(features[-1]), number, np.intp))
        if colour < MIN_EXEMPLAR_CHROMA:
            raise InputError("the exemplar has no colour; give a colour photograph")
        self._chroma = np.concatenate(chroma).astype(np.float32)
        self._source = np.concatenate(source)
        self._tree = cKDTree(np.concatenate(features) * _FEATURE_SCALE, balanced_tree=False, compact_nodes=False)

    def _remapped(self, feats: np.ndarray, luma: np.ndarray) -> np.ndarray:
        """The frame's features (N x D) under the luma mapping that matches the exemplar best.

        Candidates: none, Welsh et al.'s mean and deviation matching, and mean matching
        alone. Global statistics mislead when a large area of the frame has no
        counterpart in the exemplar (a bright sky missing from it), so each candidate is
        tried on a sparse sample of pixels and the one with most close matches wins.
        """
        mean, std = (float(v[0, 0]) for v in cv2.meanStdDev(luma))
        # Statistics at full size: reduction blurs texture and would bias the spread. A
        # limited gain keeps a nearly flat frame from being stretched into noise.
        gain = float(np.clip(self._std / max(std, 1e-3), 1 / 3, 3))
        best, best_score = feats, -1.0
        sample = slice(None, None, _REMAP_SAMPLE_STRIDE)
        for g, offset in ((1.0, 0.0), (1.0, self._mean - mean), (gain, self._mean - mean * gain)):
            # Luma features move with the mapping, spreads and gradients scale with the
            # gain; coherence and position do not change.
            mapped = feats * np.array([g, g, g, g, g, 1, 1], np.float32) + np.array(
                [offset, offset, 0, 0, 0, 0, 0], np.float32
            )
            distance, _ = self._tree.query(mapped[sample] * _FEATURE_SCALE, k=1, eps=SEARCH_EPS)
            score = float(np.mean(np.exp(-((distance / DISTANCE_SCALE) ** 2))))
            if score > best_score:
                best, best_score = mapped, score
        return best

    def match(
        self, luma: np.ndarray, where: np.ndarray | None = None, weights: Sequence[float] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Chroma hints and their confidence for one grey frame.

        Args:
            luma: HxW float (float32 preferred) on 0..1, the frame's luma, any size.
            where: optional HxW bool, the pixels that need a hint; the search (the
                costly part) runs only for working pixels that cover one of them, and
                the others get confidence 0. None: every pixel.
            weights: with several exemplars (:meth:`of_keyframes`), how much each counts
                (>= 0, one per exemplar): a neighbour found in exemplar e has its pull and
                its confidence scaled by ``weights[e]``. None: all count fully.

        Returns:
            ``(chroma, confidence)``: HxWx2 float32 YIQ chroma (I, Q), as
            :func:`colorcore.colorspace.chroma_of` gives, and HxW float32 confidence in
            [0, 1], 0 where there is no trustworthy match (chroma there is still the best
            guess, but should not be used).

        Raises:
            ValueError: ``luma`` is not a 2-D array of at least 2x2, or ``where`` has
                another shape.
        """
        luma = np.asarray(luma)
        if luma.ndim != 2 or min(luma.shape) < 2:
            raise ValueError(f"luma must be an HxW array, got shape {luma.shape}")
        if where is not None and where.shape != luma.shape:
            raise ValueError(f"where must be {luma.shape}, got {where.shape}")
        luma = np.ascontiguousarray(luma, dtype=np.float32)
        small = _resize(luma, _work_shape(luma.shape, self.work_size))
        feats = _features(small).reshape(-1, _DIMENSIONS)
        chroma = np.zeros((feats.shape[0], 2), np.float32)
        confidence = np.zeros(feats.shape[0], np.float32)
        wanted: slice | np.ndarray = slice(None)
        if where is not None:
            wanted = (_resize(where.astype(np.float32), small.shape) > 0).ravel()
        searched = feats[wanted]
        if searched.size:
            if self._remap:
                searched = self._remapped(searched, luma)
            chroma[wanted], confidence[wanted] = self._nearest_chroma(searched * _FEATURE_SCALE, weights)
        chroma, confidence = _clean(chroma.reshape(small.shape + (2,)), confidence.reshape(small.shape))
        return _upsample(chroma, confidence, small, luma)

    def _nearest_chroma(self, feats: np.ndarray, weights: Sequence[float] | None) -> tuple[np.ndarray, np.ndarray]:
        """Nx2 float32 chroma and N float32 confidence of N weighted feature vectors."""
        distance, index = self._tree.query(feats, k=NEIGHBOURS, eps=SEARCH_EPS, workers=-1)
        neighbours = self._chroma[index]  # N x k x 2
        closeness = np.exp(-((distance.astype(np.float32) / DISTANCE_SCALE) ** 2))
        if weights is not None:
            closeness *= np.asarray(weights, np.float32)[self._source[index]]
        pull = closeness + 1e-6
        pull /= pull.sum(axis=1, keepdims=True)
        chroma = np.einsum("nk,nkc->nc", pull, neighbours)
        spread = np.sqrt(np.einsum("nk,nk->n", pull, ((neighbours - chroma[:, None]) ** 2).sum(axis=2)))
        # Close to some exemplar pixel, and the near ones agree on the colour.
        confidence = closeness.max(axis=1) * np.exp(-((spread / CHROMA_SPREAD_SCALE) ** 2))
        return chroma, confidence


def _checked(image: np.ndarray) -> np.ndarray:
    """An exemplar as a contiguous HxWx3 uint8/uint16 array, or InputError saying what is wrong."""
    rgb = np.ascontiguousarray(image)
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise InputError(f"the exemplar must be an RGB colour image (HxWx3), got shape {rgb.shape}")
    if rgb.dtype not in (np.uint8, np.uint16):
        raise InputError(f"the exemplar must be 8- or 16-bit, not {rgb.dtype}")
    if min(rgb.shape[:2]) < 8:
        raise InputError(f"the exemplar is too small ({rgb.shape[1]}x{rgb.shape[0]}); it needs at least 8x8 pixels")
    return rgb


# RGB (0..1, float32) @ these give luma and (I, Q), as colorcore.colorspace does.
_LUMA = LUMA_WEIGHTS.astype(np.float32)
_RGB_TO_IQ = RGB_TO_YIQ[1:].T.astype(np.float32)
_DIMENSIONS = len(FEATURE_WEIGHTS)
_REMAP_SAMPLE_STRIDE = 7  # every 7th working pixel tries the candidate luma mappings
# Typical spread of each feature over a photograph (measured on natural images at the
# working size); dividing by it puts the features on one footing for any exemplar.
_FEATURE_UNITS = np.array([0.15, 0.13, 0.05, 0.05, 0.03, 0.25, 0.29], dtype=np.float32)
_FEATURE_SCALE = FEATURE_WEIGHTS / _FEATURE_UNITS


def _work_shape(shape: tuple[int, int], long_side: float) -> tuple[int, int]:
    """(height, width) with the given long side, aspect kept (at least 4 pixels a side)."""
    height, width = shape
    factor = long_side / max(height, width)
    return max(4, round(height * factor)), max(4, round(width * factor))


def _resize(image: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Area-average when shrinking, bilinear when enlarging; float32 out."""
    height, width = shape
    shrink = height * width < image.shape[0] * image.shape[1]
    return cv2.resize(
        image.astype(np.float32, copy=False),
        (width, height),
        interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR,
    )


def _features(luma: np.ndarray) -> np.ndarray:
    """HxWx7 float32 texture features of an HxW float32 luma (see the module docstring)."""
    height = luma.shape[0]
    fine = cv2.GaussianBlur(luma, (0, 0), 1.0)
    wide = cv2.GaussianBlur(luma, (0, 0), 3.0)
    fine_std = _local_std(luma, 5)
    wide_std = _local_std(luma, 11)
    gx = cv2.Sobel(luma, cv2.CV_32F, 1, 0, ksize=3) / 8
    gy = cv2.Sobel(luma, cv2.CV_32F, 0, 1, ksize=3) / 8
    gradient = cv2.blur(np.sqrt(gx * gx + gy * gy), (5, 5))
    # Structure tensor coherence: 1 for parallel stripes, 0 for isotropic or flat areas.
    jxx = cv2.blur(gx * gx, (7, 7))
    jyy = cv2.blur(gy * gy, (7, 7))
    jxy = cv2.blur(gx * gy, (7, 7))
    coherence = np.sqrt((jxx - jyy) ** 2 + 4 * jxy**2) / (jxx + jyy + 1e-4)
    rows = np.broadcast_to(np.linspace(0, 1, height, dtype=np.float32)[:, None], luma.shape)
    return np.dstack([fine, wide, fine_std, wide_std, gradient, coherence, rows])


def _local_std(luma: np.ndarray, size: int) -> np.ndarray:
    mean = cv2.blur(luma, (size, size))
    square = cv2.blur(luma * luma, (size, size))
    return np.sqrt(np.maximum(square - mean * mean, 0.0))


def _clean(chroma: np.ndarray, confidence: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """5x5 median of chroma over confident neighbours; outliers lose confidence.

    Args:
        chroma: hxwx2 float32; confidence: hxw float32 in [0, 1].
    """
    # Unconfident pixels take the confidence-weighted mean of their surroundings so that
    # they do not drag the median towards their own (untrusted) colour.
    weight = cv2.blur(confidence, (5, 5)) + 1e-6
    filled = cv2.blur(chroma * confidence[..., None], (5, 5)) / weight[..., None]
    trusted = confidence[..., None] > 0.5
    median = cv2.medianBlur(np.where(trusted, chroma, filled).astype(np.float32), 5)
    disagreement = np.sqrt(((chroma - median) ** 2).sum(axis=2))
    confidence = confidence * np.exp(-((disagreement / CHROMA_SPREAD_SCALE) ** 2))
    # An isolated confident pixel among unconfident ones is more likely luck than a match.
    confidence = np.minimum(confidence, cv2.blur(confidence, (3, 3)) * 2.0)
    return median, confidence


def _upsample(
    chroma: np.ndarray, confidence: np.ndarray, small: np.ndarray, luma: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Working-raster chroma (hxwx2) and confidence (hxw) at the frame's size HxW.

    ``small`` is the frame's working raster (hxw), ``luma`` the frame (HxW), both float32.
    Returns HxWx2 float32 chroma and HxW float32 confidence in [0, 1].
    """
    height, width = luma.shape
    kernel = np.ones((3, 3), np.uint8)
    chroma_range = np.sqrt(((cv2.dilate(chroma, kernel) - cv2.erode(chroma, kernel)) ** 2).sum(axis=2))

    def up(image: np.ndarray) -> np.ndarray:
        return cv2.resize(image, (width, height), interpolation=cv2.INTER_LINEAR)

    # Where the frame has detail the working raster cannot see (an edge, a thin line) and
    # the hint's colour changes nearby, the upsampled hint may belong to the other side.
    detail = np.abs(luma - up(small))
    confidence = up(confidence) * np.clip(1.0 - (detail / EDGE_DETAIL) * (up(chroma_range) / CHROMA_RANGE), 0.0, 1.0)
    confidence = np.clip(confidence, 0.0, 1.0)
    confidence[confidence < CONFIDENCE_FLOOR] = 0.0
    return up(chroma), confidence
