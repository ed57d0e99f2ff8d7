"""Colour-quality metrics: how close an output is to true colour, and how steady it is.

Every function takes 8-bit RGB frames: HxWx3 uint8 (0..255) in RGB channel order. A
uint16 frame (0..65535) is accepted too and first brought to 8 bits as ``round(v / 257)``
(see :func:`to_rgb8`), so that 8- and 16-bit results compare directly.

- Fidelity to the true colour, per frame: :func:`psnr`, :func:`ssim`.
- Vividness: :func:`colourfulness` (Hasler and Suesstrunk 2003).
- Steadiness over time: :func:`cdc`, the colour-distribution consistency of Liu et al.
  (TCVC), built from :func:`channel_histograms` and :func:`js_divergence`; and
  :func:`warp_error` (Lai et al. 2018), built from :func:`frame_warp_error`.
- :class:`ClipEvaluator` computes all of them over a clip one frame at a time, keeping
  only the few frames it needs, so memory does not grow with the clip's length.

numpy and OpenCV only (no torch), so the command line, the GUI's quality plot and the
benchmarks run the same code anywhere.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field

import cv2
import numpy as np

from colorcore.media.pixels import rgb_to_luma
from colorcore.video.flow import FlowEstimator, consistency, warp

#: Frame distances whose histogram divergences CDC averages, each with weight 1/3.
CDC_DILATIONS = (1, 2, 4)

# SSIM as Wang et al. (2004) define it: an 11x11 Gaussian window of sigma 1.5, and the
# constants (K1 L)^2 and (K2 L)^2 for the dynamic range L = 255.
SSIM_WINDOW = 11
SSIM_SIGMA = 1.5
_SSIM_C1 = (0.01 * 255) ** 2
_SSIM_C2 = (0.03 * 255) ** 2

#: A pixel takes part in the warp error where flow consistency exceeds this.
CONSISTENT = 0.5


def to_rgb8(rgb: np.ndarray) -> np.ndarray:
    """An RGB frame as 8-bit.

    Args:
        rgb: HxWx3 uint8 (0..255) or uint16 (0..65535).

    Returns:
        HxWx3 uint8: the input itself when it is already uint8, else ``round(v / 257)``
        (exact in integers; v / 257 never falls on a half).

    Raises:
        ValueError: not an HxWx3 uint8 or uint16 array.
    """
    rgb = np.asarray(rgb)
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected an HxWx3 RGB frame, got shape {rgb.shape}")
    if rgb.dtype == np.uint8:
        return rgb
    if rgb.dtype == np.uint16:
        return ((rgb.astype(np.uint32) + 128) // 257).astype(np.uint8)
    raise ValueError(f"frames are uint8 or uint16, not {rgb.dtype}")


def _pair(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a, b = to_rgb8(a), to_rgb8(b)
    if a.shape != b.shape:
        raise ValueError(f"frames differ in size: {a.shape} and {b.shape}")
    return a, b


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """Peak signal-to-noise ratio of two RGB frames, in dB.

    Args:
        a, b: HxWx3 RGB frames of one size, uint8 (or uint16, see :func:`to_rgb8`).

    Returns:
        ``10 log10(255^2 / MSE)`` with the mean squared error over every pixel and
        channel on the 0..255 scale; ``inf`` for identical frames. Higher is closer.
    """
    a, b = _pair(a, b)
    mse = np.mean((a.astype(np.float64) - b) ** 2)
    if mse == 0:
        return math.inf
    return float(10.0 * np.log10(255.0**2 / mse))


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Structural similarity (Wang, Bovik, Sheikh and Simoncelli 2004) of two RGB frames.

    Local means, variances and covariance come from an 11x11 Gaussian window of sigma
    1.5 (population statistics), with C1 = (0.01 * 255)^2 and C2 = (0.03 * 255)^2. The
    SSIM map is averaged over the pixels whose window lies inside the frame (5 pixels
    are left off each edge, like Wang's 'valid' filtering and scikit-image's
    ``structural_similarity(..., gaussian_weights=True, sigma=1.5,
    use_sample_covariance=False, data_range=255)``), per R, G, B channel, and the three
    channel means are averaged.

    Args:
        a, b: HxWx3 RGB frames of one size, at least 11x11, uint8 (or uint16, see
            :func:`to_rgb8`).

    Returns:
        A float in [-1, 1]; 1 for identical frames.
    """
    a, b = _pair(a, b)
    return SsimReference(b).score(a)


class SsimReference:
    """:func:`ssim` against one fixed frame, with that frame's local statistics made once.

    ``SsimReference(truth).score(output) == ssim(output, truth)``; a benchmark scoring
    several outputs against the same true frame saves two of five Gaussian blurs each.

    Args:
        reference: HxWx3 RGB frame, at least 11x11, uint8 (or uint16, see :func:`to_rgb8`).
    """

    def __init__(self, reference: np.ndarray):
        b = to_rgb8(reference)
        height, width = b.shape[:2]
        if height < SSIM_WINDOW or width < SSIM_WINDOW:
            raise ValueError(f"SSIM needs frames of at least {SSIM_WINDOW}x{SSIM_WINDOW}, not {width}x{height}")
        self._b = b.astype(np.float64)
        self._mu_b = _ssim_blur(self._b)
        self._var_b = _ssim_blur(self._b * self._b) - self._mu_b * self._mu_b

    def score(self, frame: np.ndarray) -> float:
        """SSIM of an HxWx3 RGB ``frame`` (uint8 or uint16) of the reference's size against it."""
        a = to_rgb8(frame)
        if a.shape != self._b.shape:
            raise ValueError(f"frames differ in size: {a.shape} and {self._b.shape}")
        a = a.astype(np.float64)
        mu_a, mu_b = _ssim_blur(a), self._mu_b
        var_a = _ssim_blur(a * a) - mu_a * mu_a
        cov = _ssim_blur(a * self._b) - mu_a * mu_b
        ssim_map = ((2 * mu_a * mu_b + _SSIM_C1) * (2 * cov + _SSIM_C2)) / (
            (mu_a * mu_a + mu_b * mu_b + _SSIM_C1) * (var_a + self._var_b + _SSIM_C2)
        )
        edge = SSIM_WINDOW // 2  # where the window reaches past the frame, the border rule would count
        # Every channel has the same number of pixels: the overall mean is the mean of channel means.
        return float(ssim_map[edge:-edge, edge:-edge].mean())


def _ssim_blur(x: np.ndarray) -> np.ndarray:
    return cv2.GaussianBlur(x, (SSIM_WINDOW, SSIM_WINDOW), SSIM_SIGMA, borderType=cv2.BORDER_REFLECT)


def colourfulness(rgb: np.ndarray) -> float:
    """Colourfulness of an RGB frame (Hasler and Suesstrunk 2003).

    With rg = R - G and yb = (R + G) / 2 - B on the 0..255 scale:
    ``sqrt(std_rg^2 + std_yb^2) + 0.3 * sqrt(mean_rg^2 + mean_yb^2)`` (population
    standard deviations over the frame's pixels).

    Args:
        rgb: HxWx3 RGB, uint8 (or uint16, see :func:`to_rgb8`).

    Returns:
        A float >= 0: 0 for any grey frame; about 15 is 'slightly colourful', 33
        'moderately', 59 'quite', 82 'highly' on the authors' scale.
    """
    rgb = to_rgb8(rgb).astype(np.float64)
    rg = rgb[..., 0] - rgb[..., 1]
    yb = 0.5 * (rgb[..., 0] + rgb[..., 1]) - rgb[..., 2]
    spread = math.hypot(rg.std(), yb.std())
    offset = math.hypot(rg.mean(), yb.mean())
    return float(spread + 0.3 * offset)


def channel_histograms(rgb: np.ndarray) -> np.ndarray:
    """Normalised 256-bin histograms of the R, G and B channels of a frame.

    Args:
        rgb: HxWx3 RGB, uint8 (or uint16, see :func:`to_rgb8`).

    Returns:
        (3, 256) float64: row c, bin v is the fraction of pixels whose channel c equals
        v; each row sums to 1.
    """
    rgb = to_rgb8(rgb)
    pixels = rgb.shape[0] * rgb.shape[1]
    counts = [np.bincount(rgb[..., c].ravel(), minlength=256) for c in range(3)]
    return np.stack(counts).astype(np.float64) / pixels


def js_divergence(h1: np.ndarray, h2: np.ndarray) -> float:
    """Jensen-Shannon divergence between two frames' histograms, natural log.

    For each channel, with m = (p + q) / 2: ``JS = KL(p || m) / 2 + KL(q || m) / 2``,
    taking 0 log 0 = 0. The result is the mean over channels.

    Args:
        h1, h2: histograms of one shape, (3, 256) as :func:`channel_histograms` gives
            (any (C, K) or (K,) works): non-negative, each row summing to 1.

    Returns:
        A float in [0, ln 2]: 0 for equal histograms, ln 2 when they share no bin. It is
        symmetric in h1 and h2.
    """
    p = np.asarray(h1, dtype=np.float64)
    q = np.asarray(h2, dtype=np.float64)
    if p.shape != q.shape:
        raise ValueError(f"histograms differ in shape: {p.shape} and {q.shape}")
    if (p < 0).any() or (q < 0).any():
        raise ValueError("histograms must be non-negative")
    m = 0.5 * (p + q)
    divergence = 0.5 * _kl_to_mean(p, m) + 0.5 * _kl_to_mean(q, m)
    # Rounding can leave a tiny negative where the histograms are equal.
    return float(np.clip(np.mean(divergence), 0.0, math.log(2.0)))


def _kl_to_mean(p: np.ndarray, m: np.ndarray) -> np.ndarray:
    """KL(p || m) per row, where m > 0 wherever p > 0 (m is a mean that includes p)."""
    ratio = np.ones_like(p)
    np.divide(p, m, out=ratio, where=p > 0)  # bins with p = 0 add 0 log(.) = 0
    return (p * np.log(ratio)).sum(axis=-1)


class _CdcAccumulator:
    """CDC fed one histogram at a time; keeps the last max(CDC_DILATIONS) histograms."""

    def __init__(self):
        self._recent: deque[np.ndarray] = deque(maxlen=max(CDC_DILATIONS))
        self._sums = dict.fromkeys(CDC_DILATIONS, 0.0)
        self._counts = dict.fromkeys(CDC_DILATIONS, 0)

    def add(self, histogram: np.ndarray) -> float:
        """Take the next frame's histograms; return its divergence from the previous frame's (nan for the first)."""
        to_previous = math.nan
        for d in CDC_DILATIONS:
            if len(self._recent) >= d:
                divergence = js_divergence(self._recent[-d], histogram)
                self._sums[d] += divergence
                self._counts[d] += 1
                if d == 1:
                    to_previous = divergence
        self._recent.append(histogram)
        return to_previous

    def value(self) -> float:
        used = [d for d in CDC_DILATIONS if self._counts[d]]
        if not used:
            return math.nan
        return float(sum(self._sums[d] / self._counts[d] for d in used) / len(used))


def cdc(histograms: Iterable[np.ndarray]) -> float:
    """Colour-distribution consistency of a clip (Liu et al., TCVC). Lower is steadier.

    For each distance d in (1, 2, 4), the mean of ``js_divergence(h[i], h[i + d])`` over
    the pairs that exist, i = 0 .. N - 1 - d (so frames near the end are only the second
    member of their pairs); the clip's CDC is the mean of these three means (weights
    1/3). A distance with no pair at all (a clip of d frames or fewer) is left out and
    the others share its weight: a clip of 2 frames gives the d = 1 mean alone, one of
    3 or 4 frames the mean over d = 1 and 2.

    Args:
        histograms: the frames' (3, 256) histograms in order, as
            :func:`channel_histograms` gives; any iterable (consumed once).

    Returns:
        A float in [0, ln 2]; nan for fewer than 2 frames.
    """
    accumulator = _CdcAccumulator()
    for histogram in histograms:
        accumulator.add(histogram)
    return accumulator.value()


def reliable_flow(luma_a: np.ndarray, luma_b: np.ndarray, estimator: FlowEstimator) -> tuple[np.ndarray, np.ndarray]:
    """Flow from frame a to frame b and where it can be trusted.

    Args:
        luma_a, luma_b: HxW luma of two consecutive frames (uint8, uint16 or float 0..1).
        estimator: the :class:`colorcore.flow.FlowEstimator` to use.

    Returns:
        ``(flow_ab, valid)``: HxWx2 float32 flow in pixels (colorcore.flow's
        convention) and an HxW bool mask, True where the forward-backward
        :func:`colorcore.flow.consistency` of the two flows exceeds 0.5 (not occluded,
        and the point stays inside frame b).
    """
    flow_ab = estimator(luma_a, luma_b)
    flow_ba = estimator(luma_b, luma_a)
    return flow_ab, consistency(flow_ab, flow_ba) > CONSISTENT


def frame_warp_error(prev_rgb: np.ndarray, next_rgb: np.ndarray, flow: np.ndarray, valid: np.ndarray) -> float:
    """Warp error between two consecutive frames (Lai et al. 2018).

    The next frame is warped back onto the previous one along ``flow``
    (``colorcore.flow.warp``, bilinear), and the squared difference on a 0..1 scale is
    averaged over R, G, B and over the pixels where ``valid`` is True.

    Args:
        prev_rgb, next_rgb: HxWx3 RGB frames t and t + 1, uint8 (or uint16, see
            :func:`to_rgb8`).
        flow: HxWx2 float32 flow from frame t to frame t + 1 (see colorcore.flow).
        valid: HxW bool, the pixels of frame t to compare (not occluded), as
            :func:`reliable_flow` gives.

    Returns:
        A float in [0, 1]; nan when no pixel is valid.
    """
    prev, nxt = _pair(prev_rgb, next_rgb)
    count = int(np.count_nonzero(valid))
    if count == 0:
        return math.nan
    difference = warp(nxt.astype(np.float32) / 255.0, flow) - prev.astype(np.float32) / 255.0
    squared = (difference * difference).sum(axis=2, dtype=np.float64)
    return float(squared[valid].sum() / (3 * count))


def warp_error(
    frames_rgb: Iterable[np.ndarray], guide: Iterable[np.ndarray] | None = None, preset: str = "medium"
) -> float:
    """Warp error of a clip (Lai et al. 2018): how much colour moves against the motion.

    For each pair of consecutive frames t, t + 1, the flow is estimated between the
    guide's frames t and t + 1 (DIS on luma, :func:`reliable_flow`), forward and
    backward; pixels whose forward-backward consistency is 0.5 or less count as occluded
    and are left out; :func:`frame_warp_error` gives the pair's error. The clip's value
    is the mean over pairs (pairs with no valid pixel are skipped). In evaluation the
    guide is the input (the true-colour clip's luma), so the output is judged on the
    true motion, not on motion its own flicker might suggest.

    Args:
        frames_rgb: the clip's HxWx3 RGB frames in order (uint8, or uint16 see
            :func:`to_rgb8`); any iterable, consumed once, two frames held at a time.
        guide: frames of the same clip whose motion defines the flow: HxW luma or
            HxWx3 RGB (uint8 or uint16), as many as ``frames_rgb``; by default the
            frames themselves.
        preset: DIS preset, 'ultrafast', 'fast' or 'medium'.

    Returns:
        A float in [0, 1] (lower is steadier); nan for fewer than 2 frames.
    """
    estimator = FlowEstimator(preset)
    errors = []
    previous = None
    guides = iter(guide) if guide is not None else None
    for frame in frames_rgb:
        frame = to_rgb8(frame)
        if guides is None:
            luma = rgb_to_luma(frame)
        else:
            guide_frame = next(guides, None)
            if guide_frame is None:
                raise ValueError("the guide has fewer frames than the clip")
            luma = rgb_to_luma(guide_frame) if guide_frame.ndim == 3 else guide_frame
        if previous is not None:
            flow, valid = reliable_flow(previous[1], luma, estimator)
            errors.append(frame_warp_error(previous[0], frame, flow, valid))
        previous = (frame, luma)
    return nan_mean(errors)


def nan_mean(values: Sequence[float]) -> float:
    """Mean of the values that are not nan; nan when none is (inf stays inf)."""
    kept = [v for v in values if not math.isnan(v)]
    return float(np.mean(kept)) if kept else math.nan


@dataclass(frozen=True)
class FrameScores:
    """One frame's scores (output frame against the true-colour frame).

    Attributes:
        index: frame number: ClipEvaluator's first_index (0 by default) for the first frame
            added, then counting up.
        psnr: dB, inf for an identical frame.
        ssim: in [-1, 1].
        colourfulness_output, colourfulness_truth: Hasler-Suesstrunk, >= 0.
        js_output, js_truth: Jensen-Shannon divergence (0..ln 2) between this frame's
            channel histograms and the previous frame's, the d = 1 term of CDC; nan for
            the first frame.
        warp_error_output, warp_error_truth: :func:`frame_warp_error` of the previous
            frame and this one (0..1), on the true motion; nan for the first frame or
            when no pixel's flow is reliable.
    """

    index: int
    psnr: float
    ssim: float
    colourfulness_output: float
    colourfulness_truth: float
    js_output: float
    js_truth: float
    warp_error_output: float
    warp_error_truth: float


@dataclass(frozen=True)
class EvalResult:
    """Scores of a clip: means over frames, clip-level CDC, and every frame's scores.

    Attributes:
        frame_count: frames evaluated.
        psnr: mean of the per-frame values over the frames that differ from their
            truth (an identical frame's inf would swamp the mean); inf when all are
            identical.
        identical_frames: how many frames are identical to their truth (left out of
            the mean PSNR).
        ssim: mean of the per-frame values.
        colourfulness_output, colourfulness_truth: means over frames.
        cdc_output, cdc_truth: :func:`cdc` of the output and of the true colour (the
            truth's is the floor set by the real scene's changes); nan for 1 frame.
        warp_error_output, warp_error_truth: :func:`warp_error` of the output and of the
            true colour on the true motion (the truth's shows what flow errors and
            lighting changes alone give); nan for 1 frame.
        frames: one :class:`FrameScores` per frame, in order.
    """

    frame_count: int
    psnr: float
    identical_frames: int
    ssim: float
    colourfulness_output: float
    colourfulness_truth: float
    cdc_output: float
    cdc_truth: float
    warp_error_output: float
    warp_error_truth: float
    frames: list[FrameScores] = field(default_factory=list)

    def to_dict(self) -> dict:
        """The result as plain JSON-ready data: every nan or inf becomes None."""
        return json_safe(asdict(self))


def json_safe(value):
    """``value`` (nested dicts, lists, tuples, numbers) ready for JSON: numpy numbers as
    Python ones, dict keys as strings, nan and inf as None."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, (np.floating, float)):
        return float(value) if np.isfinite(value) else None
    if isinstance(value, (np.integer, np.bool_)):
        return value.item()
    return value


class ClipEvaluator:
    """Scores an output clip against its true colour one frame at a time.

    Usage::

        evaluator = ClipEvaluator()
        for out, truth in zip(output_frames, truth_frames):
            scores = evaluator.add(out, truth)   # FrameScores, e.g. for a live plot
        result = evaluator.result()              # EvalResult

    Memory stays constant whatever the clip's length: besides a few numbers per frame,
    it keeps the last four frames' histograms (for CDC) and the previous frame (for the
    warp error). Flow is estimated on the true colour's luma (see :func:`warp_error`).
    Not thread-safe; one evaluator per clip.
    """

    def __init__(self, flow_preset: str = "medium", first_index: int = 0):
        """Args: flow_preset: DIS preset of the warp error's flow ('ultrafast', 'fast',
        'medium'); first_index: the frame number that the first added frame gets."""
        self._first_index = first_index
        self._estimator = FlowEstimator(flow_preset)
        self._cdc_output = _CdcAccumulator()
        self._cdc_truth = _CdcAccumulator()
        self._previous: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # output, truth, luma
        self._frames: list[FrameScores] = []

    def add(self, output_rgb: np.ndarray, truth_rgb: np.ndarray) -> FrameScores:
        """Score the next frame.

        Args:
            output_rgb, truth_rgb: HxWx3 RGB frames of one size (the size of every
                earlier frame), uint8 (or uint16, see :func:`to_rgb8`).

        Returns:
            This frame's :class:`FrameScores`.
        """
        output, truth = _pair(output_rgb, truth_rgb)
        if self._previous is not None and output.shape != self._previous[0].shape:
            raise ValueError(f"frame size changed from {self._previous[0].shape} to {output.shape}")
        luma = rgb_to_luma(truth)
        warp_output = warp_truth = math.nan
        if self._previous is not None:
            previous_output, previous_truth, previous_luma = self._previous
            flow, valid = reliable_flow(previous_luma, luma, self._estimator)
            warp_output = frame_warp_error(previous_output, output, flow, valid)
            warp_truth = frame_warp_error(previous_truth, truth, flow, valid)
        scores = FrameScores(
            index=self._first_index + len(self._frames),
            psnr=psnr(output, truth),
            ssim=ssim(output, truth),
            colourfulness_output=colourfulness(output),
            colourfulness_truth=colourfulness(truth),
            js_output=self._cdc_output.add(channel_histograms(output)),
            js_truth=self._cdc_truth.add(channel_histograms(truth)),
            warp_error_output=warp_output,
            warp_error_truth=warp_truth,
        )
        # Copies: the caller may reuse or free its buffers (a clip's cache, a decoder's).
        self._previous = (output.copy(), truth.copy(), luma)
        self._frames.append(scores)
        return scores

    def result(self) -> EvalResult:
        """Scores of the frames added so far (ValueError if none was)."""
        if not self._frames:
            raise ValueError("no frame was added")
        frames = list(self._frames)

        def mean_of(name):
            return nan_mean([getattr(f, name) for f in frames])

        finite_psnr = [f.psnr for f in frames if math.isfinite(f.psnr)]
        return EvalResult(
            frame_count=len(frames),
            psnr=nan_mean(finite_psnr) if finite_psnr else math.inf,
            identical_frames=len(frames) - len(finite_psnr),
            ssim=mean_of("ssim"),
            colourfulness_output=mean_of("colourfulness_output"),
            colourfulness_truth=mean_of("colourfulness_truth"),
            cdc_output=self._cdc_output.value(),
            cdc_truth=self._cdc_truth.value(),
            warp_error_output=mean_of("warp_error_output"),
            warp_error_truth=mean_of("warp_error_truth"),
            frames=frames,
        )
