"""Exemplar registration: an exemplar that shows the frame's own scene, put in register with it.

Texture matching (:mod:`colorcore.video.exemplar`) guesses colours from local statistics;
it cannot tell a red beak from a grey stone of the same texture. Often, though, an
exemplar is a photograph of the very scene (a production still, a colour frame of the
same shot, a crop of it, mirrored in printing). Then the geometry can be found, and the
exemplar becomes a partial aligned reference:

1. SIFT keypoints (Lowe 2004) of the exemplar, and of its mirror image (SIFT is not
   invariant to mirroring), found once.
2. For a frame: SIFT keypoints, nearest-neighbour matches with Lowe's ratio test, and a
   RANSAC homography per exemplar orientation; the orientation with more inliers wins.
   Too few inliers, or a homography that folds or shrinks the picture absurdly, means
   no registration: the exemplar then only gives texture-matched hints.
3. The exemplar's chroma is warped into the frame. Confidence is where the warped
   exemplar lies inside its own picture (eased at its rim) and its luma agrees with the
   frame's after a global gain and offset (a homography fits the dominant plane; where
   something moved or parallax breaks it, lumas disagree and the hint is withdrawn),
   times how well the homography is supported (inlier count).

Cost at 427x240 (the propagation's working size), on one core: about 60 ms a frame for
its keypoints (:func:`frame_features`, shared by every exemplar and keyframe registered
with it), then about 15 ms per exemplar orientation to match and warp.
"""

from __future__ import annotations

import cv2
import numpy as np

from colorcore.colorspace import LUMA_WEIGHTS, RGB_TO_YIQ

# Lowe's ratio test: a match is kept when its distance is below this share of the second best.
RATIO = 0.75
# RANSAC reprojection threshold, in pixels of the frame's raster.
RANSAC_PIXELS = 3.0
# Fewer inliers than this: no registration. Confidence reaches 1 at FULL_SUPPORT inliers.
MIN_INLIERS = 15
FULL_SUPPORT = 60
# Luma disagreement (0..1, after gain and offset, on 2 px blurred luma) at which
# confidence falls to 1/e.
LUMA_TOLERANCE = 0.05
# Pixels of the warped exemplar's rim over which confidence rises from 0 to 1.
RIM = 4
# A homography whose area scale (determinant of its linear part) leaves this range is
# taken as a false registration.
SCALE_RANGE = (0.1, 10.0)
# Keypoints are found on images with this long side at most (pixels), the strongest
# KEYPOINTS of them kept: matching cost grows with the product of the two counts.
DETECT_SIZE = 640
KEYPOINTS = 500


class ExemplarRegistration:
    """Register one colour exemplar with grey frames of the same scene.

    Args:
        exemplar_rgb: HxWx3 uint8 or uint16 RGB (not BGR).
        mirrored: also try the exemplar mirrored left to right (a printed photograph
            may be); False for a frame of the clip itself.
    """

    def __init__(self, exemplar_rgb: np.ndarray, mirrored: bool = True):
        rgb = np.asarray(exemplar_rgb)
        scale = min(1.0, DETECT_SIZE / max(rgb.shape[:2]))
        if scale < 1.0:
            size = (round(rgb.shape[1] * scale), round(rgb.shape[0] * scale))
            rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
        full = rgb.astype(np.float32) / np.float32(np.iinfo(rgb.dtype).max)
        self._luma = full @ LUMA_WEIGHTS.astype(np.float32)
        self._chroma = full @ RGB_TO_YIQ[1:].T.astype(np.float32)
        self._sift = cv2.SIFT.create(KEYPOINTS)
        self._matcher = cv2.BFMatcher(cv2.NORM_L2)
        self._views = []  # (mirrored, keypoint positions N x 2, descriptors)
        for mirror in (False, True) if mirrored else (False,):
            luma = self._luma[:, ::-1] if mirror else self._luma
            points, descriptors = self._keypoints(luma)
            if descriptors is not None and len(points) >= MIN_INLIERS:
                if mirror:  # positions in the unmirrored exemplar
                    points[:, 0] = self._luma.shape[1] - 1 - points[:, 0]
                self._views.append((mirror, points, descriptors))

    def _keypoints(self, luma: np.ndarray):
        return _keypoints(self._sift, luma)

    def register(self, luma: np.ndarray, features=None) -> tuple[np.ndarray, np.ndarray] | None:
        """The exemplar's chroma put in register with one grey frame.

        Args:
            luma: HxW float luma on 0..1 (float32 preferred).
            features: the frame's :func:`frame_features`, when several exemplars are
                registered with one frame (found here otherwise).

        Returns:
            ``(chroma, confidence)``: HxWx2 float32 YIQ chroma and HxW float32 confidence
            in [0, 1] (0 where the exemplar does not cover the frame or disagrees with
            it); None when the exemplar cannot be registered with this frame.
        """
        luma = np.asarray(luma, dtype=np.float32)
        height, width = luma.shape
        points, descriptors, scale = features if features is not None else frame_features(luma)
        if descriptors is None or len(points) < MIN_INLIERS:
            return None
        best = None
        for _, exemplar_points, exemplar_descriptors in self._views:
            pairs = self._matcher.knnMatch(descriptors, exemplar_descriptors, k=2)
            good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < RATIO * p[1].distance]
            if len(good) < MIN_INLIERS:
                continue
            source = np.array([points[m.queryIdx] for m in good], dtype=np.float32)
            target = np.array([exemplar_points[m.trainIdx] for m in good], dtype=np.float32)
            # Frame pixel -> exemplar pixel: warping the exemplar onto the frame's grid.
            homography, inliers = cv2.findHomography(source, target, cv2.RANSAC, RANSAC_PIXELS / scale)
            if homography is None:
                continue
            count = int(inliers.sum())
            if count >= MIN_INLIERS and _plausible(homography) and (best is None or count > best[1]):
                best = (homography, count)
        if best is None:
            return None
        homography, count = best
        flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
        chroma = cv2.warpPerspective(self._chroma, homography, (width, height), flags=flags)
        warped_luma = cv2.warpPerspective(self._luma, homography, (width, height), flags=flags)
        inside = cv2.warpPerspective(
            np.ones(self._luma.shape, np.uint8),
            homography,
            (width, height),
            flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP,
        )
        rim = cv2.distanceTransform(np.pad(inside, 1), cv2.DIST_L2, 3)[1:-1, 1:-1]
        coverage = np.clip(rim / RIM, 0.0, 1.0)
        agreement = _luma_agreement(luma, warped_luma, inside.astype(bool))
        confidence = coverage * agreement * min(1.0, count / FULL_SUPPORT)
        return chroma.astype(np.float32), confidence.astype(np.float32)


def frame_features(luma: np.ndarray):
    """A grey frame's SIFT keypoints for :meth:`ExemplarRegistration.register`.

    Args:
        luma: HxW float luma on 0..1.

    Returns:
        ``(points N x 2 float32 in frame pixels, descriptors N x 128 float32 or None,
        scale of the detection raster)``.
    """
    luma = np.asarray(luma, dtype=np.float32)
    height, width = luma.shape
    scale = min(1.0, DETECT_SIZE / max(height, width))
    if scale < 1.0:
        luma = cv2.resize(luma, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
    points, descriptors = _keypoints(cv2.SIFT.create(KEYPOINTS), luma)
    return points / scale, descriptors, scale


def _keypoints(sift, luma: np.ndarray):
    image = np.ascontiguousarray(np.clip(luma * 255 + 0.5, 0, 255).astype(np.uint8))
    keypoints, descriptors = sift.detectAndCompute(image, None)
    return np.array([k.pt for k in keypoints], np.float32).reshape(-1, 2), descriptors


def _plausible(homography: np.ndarray) -> bool:
    """False for a homography that folds the picture or scales it absurdly."""
    determinant = float(np.linalg.det(homography[:2, :2]))
    return SCALE_RANGE[0] <= abs(determinant) <= SCALE_RANGE[1]


def _luma_agreement(luma: np.ndarray, warped: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """HxW 0..1: where the warped exemplar's luma matches the frame's (after a global gain
    and offset fitted over the overlap), on lightly blurred lumas."""
    if inside.sum() < 16:
        return np.zeros(luma.shape, np.float32)
    a = cv2.GaussianBlur(luma, (0, 0), 2.0)
    b = cv2.GaussianBlur(warped, (0, 0), 2.0)
    gain = float(np.clip(a[inside].std() / max(b[inside].std(), 1e-3), 0.5, 2.0))
    offset = float(a[inside].mean() - gain * b[inside].mean())
    difference = a - (gain * b + offset)
    return (np.exp(-((difference / LUMA_TOLERANCE) ** 2)) * inside).astype(np.float32)
