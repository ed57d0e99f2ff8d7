"""Carry keyframe colours through a clip: tracks to keyframes, then one Levin solve per frame.

Design
------
A clip is cut into shots (:mod:`colorcore.shots`); colour never crosses a cut. Inside a
shot, *keyframes* are frames with strokes or an aligned reference. A keyframe is exactly
what its own hints say: it is solved at full size from its strokes (hard constraints) or
its reference (every pixel fixed), plus exemplar hints, and nothing carried from
elsewhere.

Every other frame f is solved with Levin's equation (:mod:`colorcore.levin`) under a soft,
confidence-weighted prior: row r becomes ``(U_r - sum_s w_rs U_s) + weight_r (U_r -
prior_r) = 0``. Solving each frame keeps colours inside that frame's own luma edges. The
prior mixes, each with a per-pixel weight:

- the keyframe a before f, read through a *track*: where each pixel of f lies in a,
  found by composing optical flow (DIS on luma, :mod:`colorcore.flow`) frame to frame.
  Composing positions rather than warping colours reads each colour from the keyframe
  once, so resampling blur does not pile up. The track's confidence is the product of
  the forward-backward consistency of every step (occlusions and mismatches fall to 0)
  and the keyframe's own confidence at the tracked point (1 for a reference; for
  strokes, falling with the distance from them, since the rest of a stroke keyframe is
  only Levin's guess);
- the keyframe b after f, tracked the same way in a backward pass;
- the previous output, carried one step by flow (``steadiness``), which steadies what
  the keyframes do not reach, such as newly revealed areas;
- exemplars (:class:`colorcore.exemplar.ExemplarMatcher`) where the match is good, and
  where an exemplar registers with the frame (:mod:`colorcore.video.registration`), its
  colours warped into place, trusted like a reference's;
- keyframes with an aligned reference, registered with the frame the same way: on a
  pan the static background reads the reference directly, without the drift of
  chained tracks (the luma check withdraws it where something moved).
- where all of these lack (tracks lost on fast or repetitive texture, long gaps,
  areas no track reaches), the keyframes a and b themselves, as exemplars of their own
  shot: the pixel is found again in them by texture
  (:meth:`colorcore.video.exemplar.ExemplarMatcher.of_keyframes`, one search in both,
  each weighted by its share) and re-anchored to the colour found (``reanchor``;
  what came in from outside the picture only at the border's trust).
  Without it such pixels take whatever colour the carried output or Levin's equation
  brings, which drifts: a grey car turns olive beside a hedge, water loses its blue.

Two checks keep tracks honest. A pixel that flow brings in from outside the picture (a
pan) continues the track of the nearest border pixel at half trust (``border_trust``),
as a plain flow-warping tool replicates the border, instead of being left to Levin's
equation, which fills it with whatever colour is nearest across weak edges. And a
track's colour counts less where the pixel's luma differs from the luma of the point it
tracks to (``luma_mismatch``): flow that is consistent both ways can still be wrong,
e.g. smooth over water that a moving subject drags along.

Between keyframes a < f < b, a and b are weighted by their shares s_a = (b - f)/(b - a)
and s_b = (f - a)/(b - a) times their confidences, so each keyframe dominates near
itself and the two fade into each other; before a shot's first keyframe only b applies,
after its last only a. Near a keyframe its whole solve is trusted, not only the stroked
parts (the keyframe's confidence is at least its share squared), and the carried output
gives way to b (its weight times 1 - s_b^2): the frames next to a keyframe look like it,
so colours arrive at b instead of jumping there (on the demo clip the frame-to-frame
change into the last keyframe fell twelvefold, to the clip's median).

Between keyframes, flow and the solve run at half size in each direction (chroma at
4:2:0 resolution, as video codecs store it; ``chroma_scale``), but on no fewer than 240
lines, so a small picture keeps enough pixels for flow to follow; the chroma is upsampled
and joined to the full-resolution luma by :func:`colorcore.colorspace.compose`, so the
output's luma is the source's.

Streaming
---------
Frames are produced in order. For each run of frames up to the next keyframe (or cut, or
end), one scan decodes them and computes flows, the backward pass tracks them to the
keyframe that closes the run, then the forward pass solves and yields them; a run that
no keyframe closes (after a shot's last keyframe, or a shot without one) is solved frame
by frame as it is scanned. Flows and backward tracks of the run wait in a
:class:`colorcore.frame_store.FrameStore` on disk, so memory holds a handful of frames
whatever the clip length or keyframe distance.

The scan (:class:`FrameScanner`: decode, cut test, flows, exemplar hints) depends on the
source frames alone, never on an output, while the solves carry the previous output
frame to frame. So the scan can be computed ahead, elsewhere, and fed in
(``colorize_clip(scan=...)``): the farm scans a long run in chunks on other workers while
one worker solves it in order, and the frames are the serial pass's bit for bit.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

import cv2
import numpy as np

from colorcore.colorspace import chroma_of, compose, luma_of
from colorcore.errors import CancelledError, InputError
from colorcore.guidance.hints import HintRaster
from colorcore.guidance.references import Guidance
from colorcore.solvers.colorize import solve_chroma
from colorcore.solvers.ownership import stroke_ownership
from colorcore.video.flow import FlowEstimator, consistency, warp
from colorcore.video.frame_store import FrameStore
from colorcore.video.registration import frame_features
from colorcore.video.shots import CutDetector


@dataclass(frozen=True)
class PropagationSettings:
    """Tuning of :func:`colorize_clip`.

    Attributes:
        carry_weight: strength of carried chroma against Levin's smoothness term (a
            weight of 1 on a pixel counts as much as its neighbours together).
        exemplar_weight: the same for exemplar hints (times the match confidence).
        flow_preset: OpenCV DIS preset, "ultrafast" | "fast" | "medium".
        on_damaged: "warn" repeats the previous frame for a frame that cannot be decoded
            and says so; "stop" raises InputError naming the frame.
        chroma_scale: flow and the solves of frames between keyframes run at 1/scale of
            the frame size in each direction (2: chroma at 4:2:0 resolution, as video
            codecs store it), but on at least 240 lines (:data:`MIN_WORK_LINES`); the
            solved chroma is upsampled and joined to the full-resolution luma. Keyframes
            are always solved at full size.
        steadiness: weight of the previous output, carried by flow, beside the colours
            tracked from keyframes (times the flow's confidence): it steadies what the
            keyframes do not reach, such as newly revealed areas.
        stroke_reach: how far (a fraction of the frame width) a stroke keyframe's solved
            colours are trusted when carried to other frames; 0 trusts them everywhere.
        stroke_ownership: on a keyframe that also has an exemplar's colours, how far (a
            fraction of the frame width) a stroke's colour fills the region it lies in,
            bounded by luma edges, against the exemplar's
            (:mod:`colorcore.solvers.ownership`): a red stroke across a cap makes the
            cap red, not a red line on it. 0: the exemplar keeps every pixel the stroke
            does not touch.
        tolerance: the fast solver's stopping error (RMS chroma). Tighter than a single
            image needs: errors that differ from frame to frame show as flicker.
        border_trust: a pixel that flow brings in from outside the picture (a pan)
            continues the colour of the nearest border pixel, as plain flow-warping tools
            do, trusted this much (times that pixel's own reliability); 0 leaves it to
            Levin's equation alone.
        luma_mismatch: a keyframe colour carried by a track counts less where the pixel's
            luma differs from its tracked point's in the keyframe (blurred, 0..1 scale):
            by 1/e at this difference; 0 turns the check off.
        register_keyframes: frames are also registered with the aligned references of
            their keyframes (as with exemplars); where they register, the reference's
            colours count beside the tracked ones.
        register_exemplars: also try to put each exemplar in register with each frame
            (:mod:`colorcore.video.registration`); where it registers, its colours count
            like an aligned reference's.
        reanchor: where the tracks to the keyframes around a frame are lost or weak (fast
            or repetitive texture, long gaps, newly revealed areas), its pixels are
            matched by texture (:class:`colorcore.video.exemplar.ExemplarMatcher`) against
            those keyframes, which act as exemplars of their own shot; the colours found
            count this much, times the match's confidence, the keyframe's share and how
            much the tracks lack (and times ``border_trust`` for what came in from
            outside the picture, which the keyframes never showed). 0 turns it off; the
            default 0.5 is the measured setting (README).
    """

    carry_weight: float = 1.0
    exemplar_weight: float = 0.5
    flow_preset: str = "fast"
    on_damaged: str = "warn"
    chroma_scale: int = 2
    steadiness: float = 1.0
    stroke_reach: float = 0.1
    stroke_ownership: float = 0.3
    tolerance: float = 5e-4
    border_trust: float = 0.5
    luma_mismatch: float = 0.1
    register_exemplars: bool = True
    register_keyframes: bool = True
    reanchor: float = 0.5


Progress = Callable[[float], None]

# Pixels whose tracks lack less than this (their summed weight is above 1 minus it) are
# not re-anchored: the texture search is the costly part, and its weight there is tiny.
_REANCHOR_MIN_LACK = 0.05


def colorize_clip(
    clip,
    guidance: Guidance,
    *,
    solver: str = "fast",
    device: str = "auto",
    frames: range | None = None,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
    settings: PropagationSettings | None = None,
    network=None,
    keyframe_chroma: Mapping[int, np.ndarray] | None = None,
    on_cut: Callable[[int], None] | None = None,
    scan: ScanSource | None = None,
) -> Generator[tuple[int, np.ndarray], None, None]:
    """Colourise the frames of a clip from its keyframes, references and exemplars.

    Args:
        clip: a :class:`colorcore.media.Clip` (video file or frame folder).
        guidance: strokes, references and exemplars; their frame indices refer to
            ``clip`` and references must have its frame size.
        solver, device: as :func:`colorcore.colorize.solve_chroma`.
        frames: the frames to produce (a range with step 1); the whole clip by default.
            Colours still come from keyframes outside it, so a part renders exactly as
            it does inside a whole-clip render.
        progress: called with the fraction of the work done, 0..1.
        cancel: polled between frames; when it returns True, CancelledError is raised
            and the scratch files are removed.
        settings: tuning; :class:`PropagationSettings` defaults when None.
        network: with ``solver="deep"``, the network (a weights path or a
            :class:`colorcore.solvers.deep.infer.DeepSolver`, e.g. from
            :func:`colorcore.solvers.deep.adapt.adapt_network`); the base weights when None.
        keyframe_chroma: keyframes already solved by :func:`solve_keyframe` (frame ->
            HxWx2 float32 full-size YIQ chroma), used instead of solving them again: the
            farm solves each keyframe once for the two runs that share it.
        on_cut: called with the first frame of every new shot the run finds (a cut
            between that frame and the one before it), as it is found: the farm names
            shots in its failure messages.
        scan: where the scan's results come from, ``scan(start, stop)`` as
            :meth:`FrameScanner.frames` (default: a :class:`FrameScanner` of ``clip``
            computing them in place). The farm passes one that computes them ahead, in
            chunks, on other workers; the frames are the same, since the scan depends on
            the source frames only.

    Yields:
        ``(index, rgb)`` in increasing index order over ``frames``; ``rgb`` is HxWx3 of
        the clip's dtype whose luma equals the source frame's (see
        :mod:`colorcore.colorspace`).

    Raises:
        InputError: a keyframe or reference outside the clip, a reference of the wrong
            size, ``frames`` outside the clip, or (with ``on_damaged="stop"``) a frame
            that cannot be decoded.
    """
    count = len(clip)
    wanted = _check_range(frames, count)
    _check_guidance(guidance, count, (clip.width, clip.height))
    run = _Propagation(
        clip, guidance, solver, device, settings or PropagationSettings(), progress, cancel, network, scan
    )
    run.solved_keyframes = dict(keyframe_chroma or {})
    run.on_cut = on_cut
    return run.frames(wanted)


def solve_keyframe(
    clip,
    guidance: Guidance,
    frame: int,
    *,
    solver: str = "fast",
    device: str = "auto",
    settings: PropagationSettings | None = None,
) -> np.ndarray:
    """Keyframe ``frame`` solved alone, exactly as :func:`colorize_clip` solves it.

    A keyframe depends on its own hints, references and exemplars only, so the runs on
    either side of it can share one solve (``colorize_clip(keyframe_chroma=...)``).

    Returns:
        HxWx2 float32 YIQ chroma at the clip's full size.

    Raises:
        InputError: as :func:`colorize_clip`, or ``frame`` is not a keyframe.
    """
    _check_guidance(guidance, len(clip), (clip.width, clip.height))
    if frame not in guidance.keyframes():
        raise InputError(f"frame {frame} is not a keyframe")
    return keyframe_chroma(clip.luma(frame), guidance, frame, solver=solver, device=device, settings=settings)


# The fewest lines (short side) flow and the solves between keyframes run on. Half size
# suits a 480p frame (240 lines) and larger; a smaller picture halved leaves flow too few
# pixels to follow (a 432x240 clip tracked at 216x120 lost 1.3 dB under protocol 1 against
# full size), so it is worked at 240 lines, or whole when it has fewer.
MIN_WORK_LINES = 240


def working_size(width: int, height: int, settings: PropagationSettings | None = None) -> tuple[int, int]:
    """(W, H) in pixels at which flow and the solves between keyframes run for a ``width`` x
    ``height`` clip: 1/``chroma_scale`` of it, rounded up, but never below
    :data:`MIN_WORK_LINES` on the short side (nor above the frame). Default settings when None."""
    settings = settings or PropagationSettings()
    scale = max(1, int(settings.chroma_scale))
    short = min(width, height)
    if -(-short // scale) >= MIN_WORK_LINES:
        return -(-width // scale), -(-height // scale)
    factor = min(1.0, MIN_WORK_LINES / short)
    return max(1, round(width * factor)), max(1, round(height * factor))


def _check_range(frames: range | None, count: int) -> range:
    if frames is None:
        return range(count)
    if frames.step != 1 or len(frames) == 0 or frames.start < 0 or frames.stop > count:
        raise InputError(f"frames {frames.start}..{frames.stop - 1} are not a range inside the clip's 0..{count - 1}")
    return frames


def _check_guidance(guidance: Guidance, count: int, size: tuple[int, int]) -> None:
    for frame in guidance.keyframes():
        if not 0 <= frame < count:
            raise InputError(f"keyframe {frame} is outside the clip (frames 0..{count - 1})")
    for reference in guidance.references:
        height, width = reference.rgb.shape[:2]
        if (width, height) != size:
            name = f"'{reference.source}'" if reference.source else f"of frame {reference.frame}"
            raise InputError(f"reference {name} is {width}x{height} but the clip's frames are {size[0]}x{size[1]}")


@dataclass
class _Track:
    """Where each pixel of a frame lies in a keyframe, and how sure that is.

    ``points`` is HxWx2 float32: (x, y) in the keyframe's working-size pixel grid;
    ``reliability`` HxW float32 in 0..1, the product of the round-trip confidences of
    the flows followed (0 where the track was lost); ``seen`` HxW float32 in 0..1, 0
    where the track came in from outside the picture (the keyframe never showed that
    content, even where the border's track continues it). Following flows composes motion
    rather than resampling colours, so a colour is read from the keyframe once, without
    the blur of frame-to-frame warping.
    """

    points: np.ndarray
    reliability: np.ndarray
    seen: np.ndarray

    @classmethod
    def identity(cls, shape: tuple[int, int]) -> _Track:
        """The keyframe itself (HxW): every pixel where it is, fully reliable."""
        height, width = shape
        xs, ys = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
        return cls(np.dstack([xs, ys]), np.ones(shape, np.float32), np.ones(shape, np.float32))

    def follow(self, flow_to_tracked: np.ndarray, round_trip_ok: np.ndarray, border_trust: float = 0.0) -> _Track:
        """The track of a neighbouring frame.

        Args:
            flow_to_tracked: HxWx2 flow from the neighbour to this track's frame.
            round_trip_ok: that flow's forward-backward confidence, HxW 0..1 (0 where
                the flow leaves the picture).
            border_trust: a pixel whose flow leaves the picture (it came in from outside,
                as on a pan) takes the track of the nearest border pixel, with that
                track's reliability times this; 0 marks it lost.
        """
        flow = flow_to_tracked.astype(np.float32)
        points = warp(self.points, flow, border_value=-1.0)
        reliability = warp(self.reliability, flow) * round_trip_ok.astype(np.float32)
        # A point interpolated between one that left the frame (-1) and a live one lies nowhere.
        lost = warp((self.points[..., 0] >= 0).astype(np.float32), flow) < 0.999
        reliability[lost] = 0.0
        if border_trust > 0:
            outside = ~_inside(flow)
            if outside.any():
                nearest = warp(self.points, flow, border=cv2.BORDER_REPLICATE)
                points[outside] = nearest[outside]
                nearest_reliability = warp(self.reliability, flow, border=cv2.BORDER_REPLICATE)
                reliability[outside] = border_trust * nearest_reliability[outside]
        return _Track(points, reliability, warp(self.seen, flow))

    def sample(self, key_image: np.ndarray) -> np.ndarray:
        """A keyframe's HxW[xC] float32 image (its chroma, its confidence) read at the tracked points (bilinear)."""
        return cv2.remap(
            key_image, self.points[..., 0], self.points[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
        )


def _inside(flow: np.ndarray) -> np.ndarray:
    """HxW bool: where ``x + flow(x)`` lies inside the picture (bilinear samples fully inside)."""
    height, width = flow.shape[:2]
    xs = np.arange(width, dtype=np.float32)[None, :] + flow[..., 0]
    ys = np.arange(height, dtype=np.float32)[:, None] + flow[..., 1]
    return (xs >= 0) & (xs <= width - 1) & (ys >= 0) & (ys <= height - 1)


# -- the scan: what a run needs of each frame, from the source frames alone ----------


@dataclass
class ScannedFrame:
    """What the scan finds for one frame. It depends on the source frames only, never on
    an output, so it can be computed ahead of the solves, elsewhere (the farm does).

    Attributes:
        index: the frame.
        luma: HxW full-size luma as ``Clip.luma`` gives it (uint8 0..255 or uint16).
        small: the same at the working size (area average), same dtype.
        cut: a cut lies between the frame before and this one (then there are no flows).
        flows: with the frame before, at the working size (empty for the first frame of
            a scan and after a cut): "fwd" (flow index-1 -> index) and "bwd" (index ->
            index-1), HxWx2 float16 pixels; "fwd_ok" and "bwd_ok", their round-trip
            confidences, HxW float16 0..1.
        extras: where exemplars apply (never on keyframes), at the working size:
            "exemplar_chroma" HxWx2 float16 YIQ chroma and "exemplar_weight" HxW float16
            0..1 (:func:`exemplar_hints`); "registered_chroma" and "registered_weight",
            the same for exemplars in register with the frame.
        damaged: why the frame could not be decoded when it repeats the frame before
            (``on_damaged="warn"``), else None.
    """

    index: int
    luma: np.ndarray
    small: np.ndarray
    cut: bool = False
    flows: dict[str, np.ndarray] = field(default_factory=dict)
    extras: dict[str, np.ndarray] = field(default_factory=dict)
    damaged: str | None = None


#: ``scan(start, stop)``: the :class:`ScannedFrame` of frames start, start+1, ... in order,
#: as :meth:`FrameScanner.frames`; the propagation stops reading at a cut or a keyframe.
ScanSource = Callable[[int, int], Iterator[ScannedFrame]]


class FrameScanner:
    """The scan of a clip's frames: decode, the cut test, DIS flows both ways at the
    working size and their round-trip confidences, exemplar hints.

    Every result is a function of the source frames (and the guidance's exemplars), so a
    later part of a scan computed apart (``frames(start, stop, origin=...)``) equals the
    same frames of the whole scan, bit for bit: DIS and OpenCV's resizing give the same
    results at any thread count and from a fresh estimator (checked for the farm's
    one-thread workers). One instance per thread (the flow estimator keeps state).
    """

    def __init__(self, clip, guidance: Guidance, settings: PropagationSettings, matchers=None):
        """``matchers``: :func:`exemplar_matchers` of ``guidance`` to share (built when None)."""
        self.clip = clip
        self.keyframes = set(guidance.keyframes())
        self.settings = settings
        self.work_size = working_size(clip.width, clip.height, settings)
        self._estimator = FlowEstimator(settings.flow_preset)
        self._matchers = exemplar_matchers(guidance) if matchers is None else matchers
        self._registrations = []
        if settings.register_exemplars and guidance.exemplars:
            from colorcore.video.registration import ExemplarRegistration

            self._registrations = [(e, ExemplarRegistration(e.rgb)) for e in guidance.exemplars]
        self._last_good: np.ndarray | None = None

    def frames(self, start: int, stop: int, origin: int | None = None) -> Iterator[ScannedFrame]:
        """Frames ``start`` .. ``stop - 1`` scanned in order, each compared with the one before.

        Args:
            start, stop: clip frame indices.
            origin: None: frame ``start`` begins a scan (compared with nothing). Else the
                first frame (< start) of the scan this is a later part of: frame start - 1
                is decoded first (or, if damaged, the last frame from ``origin`` on that
                decodes, as the whole scan would repeat it), so that frame ``start`` is
                compared with it exactly as in the whole scan.

        Raises:
            InputError: a frame cannot be decoded and ``on_damaged`` is "stop", or there
                is no earlier frame of the scan to repeat.
        """
        cuts = CutDetector()  # the shot list's own test, so both see the same shots
        previous = None
        if origin is not None and origin < start:
            self._last_good = self._last_decodable(start - 1, origin)
            cuts.start(self._last_good)
            previous = self._shrink(self._last_good)
        for j in range(start, stop):
            full, damaged = self._luma(j)
            small = self._shrink(full)
            scanned = ScannedFrame(j, full, small, extras=self._extras(j, small), damaged=damaged)
            if previous is None:
                cuts.start(full)
            elif cuts.cut_before(full):
                scanned.cut = True
            else:
                forward = self._estimator(previous, small)
                backward = self._estimator(small, previous)
                scanned.flows = {
                    "fwd": forward.astype(np.float16),
                    "fwd_ok": consistency(forward, backward).astype(np.float16),
                    "bwd": backward.astype(np.float16),
                    "bwd_ok": consistency(backward, forward).astype(np.float16),
                }
            previous = small
            yield scanned

    def _shrink(self, luma: np.ndarray) -> np.ndarray:
        if luma.shape[1] == self.work_size[0]:
            return luma
        return cv2.resize(luma, self.work_size, interpolation=cv2.INTER_AREA)

    def _luma(self, f: int) -> tuple[np.ndarray, str | None]:
        """Frame f's luma and None, or the last good frame's and why f could not be decoded."""
        try:
            luma = self.clip.luma(f)
        except InputError as exc:
            if self.settings.on_damaged == "stop" or self._last_good is None:
                raise
            return self._last_good, str(exc)
        self._last_good = luma
        return luma, None

    def _last_decodable(self, f: int, origin: int) -> np.ndarray:
        """The luma frame f has in a scan from ``origin``: its own, or the last good one's before it."""
        for g in range(f, origin - 1, -1):
            try:
                return self.clip.luma(g)
            except InputError:
                if self.settings.on_damaged == "stop" or g == origin:
                    raise
        raise AssertionError("unreachable: the loop returns or raises at origin")

    def _extras(self, f: int, luma: np.ndarray) -> dict[str, np.ndarray]:
        if f in self.keyframes:
            return {}  # a keyframe is solved alone, by keyframe_chroma (as the editor's preview is)
        extras = {}
        hints = exemplar_hints(self._matchers, f, luma)
        if hints is not None:
            extras["exemplar_chroma"], extras["exemplar_weight"] = hints
        registrations = [r for exemplar, r in self._registrations if exemplar.applies_to(f)]
        if registrations:
            # An exemplar in register with the frame is a partial aligned reference.
            y = luma_of(luma).astype(np.float32)
            features = frame_features(y)
            chroma = np.zeros(y.shape + (2,), np.float32)
            weight = np.zeros(y.shape, np.float32)
            for registration in registrations:
                registered = registration.register(y, features)
                if registered is not None:
                    chroma += registered[0] * registered[1][..., None]
                    weight += registered[1]
            if weight.any():
                extras["registered_chroma"] = (chroma / np.maximum(weight, 1e-6)[..., None]).astype(np.float16)
                extras["registered_weight"] = np.minimum(weight, 1.0).astype(np.float16)
        return extras


class _Scan:
    """One run's scan: frames t, t+1, ... put into the run's store as its scan source
    gives them, up to the next keyframe, a cut or ``stop``. Iterating stores them one at
    a time and yields each frame once stored; :meth:`finish` stores them all. ``end`` is
    the last frame stored, ``cut_after`` whether a cut follows it."""

    def __init__(self, run: _Propagation, store: FrameStore, t: int, stop: int):
        self.end = t
        self.cut_after = False
        self._frames = self._store(run, store, t, stop)

    def __iter__(self) -> Iterator[int]:
        return self._frames

    def finish(self) -> None:
        for _ in self._frames:
            pass

    def _store(self, run: _Propagation, store: FrameStore, t: int, stop: int) -> Iterator[int]:
        source = run.scan(t, stop)
        try:
            for scanned in source:
                j = scanned.index
                if j > t:
                    run._check_cancel()
                if scanned.damaged is not None:
                    warnings.warn(f"{scanned.damaged}; frame {j} repeats frame {j - 1}", stacklevel=2)
                    run._damaged.add(j)
                if j > t and scanned.cut:
                    if run.on_cut is not None:
                        run.on_cut(j)
                    self.cut_after = True
                    return
                store.put("luma", j, scanned.luma)
                store.put("small", j, scanned.small)
                # Frame j keeps the flows between j-1 and j and their round-trip confidences.
                arrays = {**scanned.flows, **scanned.extras} if j > t else scanned.extras
                for name, array in arrays.items():
                    store.put(name, j, array)
                self.end = j
                if j > t:
                    run._advance()
                yield j
                if j > t and j in run.keyframes:
                    return
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()


class _Propagation:
    """One propagation run; see the module docstring for the method."""

    def __init__(
        self,
        clip,
        guidance: Guidance,
        solver: str,
        device: str,
        settings: PropagationSettings,
        progress,
        cancel,
        network=None,
        scan: ScanSource | None = None,
    ):
        self.clip = clip
        self.network = network
        self.guidance = guidance
        self.solver = solver
        self.device = device
        self.settings = settings
        self.keyframes = set(guidance.keyframes())
        self.size = (clip.width, clip.height)
        self.work_size = working_size(clip.width, clip.height, settings)
        self._progress = progress
        self._cancel = cancel
        self._matchers = exemplar_matchers(guidance)
        self.scan: ScanSource = scan or FrameScanner(clip, guidance, settings, self._matchers).frames
        self._work_done = 0
        self._work_total = 1
        self._damaged: set[int] = set()
        self._confidences: dict[int, np.ndarray] = {}
        self._key_lumas: dict[int, np.ndarray] = {}
        self._registrations: dict = {}
        self._key_matchers: dict = {}
        self.solved_keyframes: dict[int, np.ndarray] = {}
        self.on_cut: Callable[[int], None] | None = None

    # -- the run -----------------------------------------------------------------

    def frames(self, wanted: range) -> Generator[tuple[int, np.ndarray], None, None]:
        before = [k for k in self.keyframes if k <= wanted.start]
        after = [k for k in self.keyframes if k >= wanted.stop - 1]
        # Frames before a shot's first keyframe hear from the clip's start (the output is
        # carried forward for steadiness); frames after the last keyframe hear nothing later.
        start = max(before) if before else 0
        stop = min(after) + 1 if after else wanted.stop
        self._work_total = 3 * (stop - start)
        if not self.keyframes and not self.guidance.exemplars:
            warnings.warn(
                "there are no keyframes, references or exemplars: the output is the grey source", stacklevel=3
            )
        store = FrameStore()
        try:
            yield from self._run(store, start, stop, wanted)
        finally:
            store.close()
        self._report(self._work_total)

    def _run(self, store: FrameStore, start: int, stop: int, wanted: range) -> Iterator[tuple[int, np.ndarray]]:
        forward: _Track | None = None  # where this frame's pixels were in keyframe a
        key_a = None  # keyframe a's chroma at the working size
        previous = None  # the previous frame's chroma at the working size
        a: int | None = None
        t = start
        while t < stop:
            scan = _Scan(self, store, t, stop)
            closing = min((k for k in self.keyframes if t < k < stop), default=None)
            b = None
            frames: Iterable[int] = scan  # each frame solved as soon as it is scanned
            if closing is not None:
                # The backward pass from a closing keyframe needs the whole run scanned first.
                scan.finish()
                b = closing if scan.end == closing and not scan.cut_after else None
                frames = range(t, b if b is not None else scan.end + 1)
            key_b = self._backward(store, t, b) if b is not None else None
            grey = a is None and b is None and t not in self.keyframes and self.keyframes and not self._matchers
            for f in frames:
                self._check_cancel()
                if f in self.keyframes:
                    a, full = f, self._key_chroma(store, f)
                    key_a = previous = self._shrink(full)
                    forward = _Track.identity(key_a.shape[:2])
                elif f in self._damaged and previous is not None:
                    pass  # the previous frame again, exactly
                else:
                    if forward is not None:
                        forward = forward.follow(
                            store.get("bwd", f), store.get("bwd_ok", f), self.settings.border_trust
                        )
                    previous = self._between(store, f, a, b, forward, key_a, key_b, previous)
                    full = self._enlarge(previous)
                if f in wanted:
                    yield f, compose(luma_of(store.get("luma", f)), full, dtype=self.clip.dtype)
                self._advance()
            last = b - 1 if b is not None else scan.end
            if grey:
                warnings.warn(
                    f"frames {t}..{last} are a shot with no keyframe or reference: they stay grey", stacklevel=3
                )
            store.drop_before(last)
            if scan.cut_after:
                forward = key_a = previous = a = None
            t = last + 1

    # -- the three kinds of frame --------------------------------------------------

    def _key_chroma(self, store: FrameStore, f: int) -> np.ndarray:
        """A keyframe's full-size chroma: its own strokes or reference (hard), plus exemplars (soft)."""
        if f in self.solved_keyframes:
            return self.solved_keyframes[f]
        if not store.has("key_chroma", f):
            solved = keyframe_chroma(
                store.get("luma", f),
                self.guidance,
                f,
                solver=self.solver,
                device=self.device,
                settings=self.settings,
                matchers=self._matchers,
                network=self.network,
            )
            store.put("key_chroma", f, solved)
        return store.get("key_chroma", f)

    def _backward(self, store: FrameStore, t: int, b: int) -> np.ndarray:
        """Track frames b-1 down to t back to keyframe b; store the tracks; return b's
        chroma at the working size."""
        track = _Track.identity(self.work_size[::-1])
        for f in range(b - 1, t - 1, -1):
            if f in self.keyframes:
                break
            self._check_cancel()
            track = track.follow(store.get("fwd", f + 1), store.get("fwd_ok", f + 1), self.settings.border_trust)
            store.put("back_points", f, track.points)
            store.put("back_reliability", f, track.reliability.astype(np.float16))
            store.put("back_seen", f, track.seen.astype(np.float16))
            self._advance()
        return self._shrink(self._key_chroma(store, b))

    def _key_confidence(self, f: int) -> np.ndarray:
        """How much keyframe f's colours are worth carrying, at the working size (HxW 0..1).

        A reference fixes every pixel: 1 everywhere. Strokes fix only what they cover; the
        rest of the keyframe is Levin's guess from them, which is worth less the farther it
        is from a stroke (each frame's own solve re-spreads the strokes' colours better
        than a carried guess): 1 under strokes, falling as a Gaussian of the distance.
        """
        if f not in self._confidences:
            if len(self._confidences) >= 4:  # only keyframes a and b are in use at a time
                self._confidences.pop(next(iter(self._confidences)))
            self._confidences[f] = self._stroke_confidence(f)
        return self._confidences[f]

    def _stroke_confidence(self, f: int) -> np.ndarray:
        shape = self.work_size[::-1]
        if self.guidance.reference_at(f) is not None or self.settings.stroke_reach <= 0:
            return np.ones(shape, np.float32)
        covered = keyframe_hints(self.guidance, f, self.work_size).mask
        if not covered.any():
            return np.ones(shape, np.float32)
        distance = cv2.distanceTransform((~covered).astype(np.uint8), cv2.DIST_L2, 5)
        reach = self.settings.stroke_reach * self.work_size[0]
        return np.exp(-((distance / reach) ** 2)).astype(np.float32)

    def _key_registration(self, store: FrameStore, k: int | None):
        """Keyframe k, when it has an aligned reference, as an exemplar to register frames
        with (:mod:`colorcore.video.registration`): on a pan, the static background
        registers with it directly, without the drift of chained tracks. None otherwise."""
        if k is None:
            return None
        reference = self.guidance.reference_at(k)
        if reference is None:
            return None
        if k not in self._registrations:
            if len(self._registrations) >= 2:  # only keyframes a and b are in use at a time
                self._registrations.pop(next(iter(self._registrations)))
            from colorcore.video.registration import ExemplarRegistration

            rgb = reference.rgb
            self._registrations[k] = ExemplarRegistration(
                cv2.resize(rgb, self.work_size, interpolation=cv2.INTER_AREA), mirrored=False
            )
        return self._registrations[k]

    @staticmethod
    def _smoothed(luma: np.ndarray) -> np.ndarray:
        """Luma lightly blurred, for comparing tracked points (HxW float32 0..1)."""
        return cv2.GaussianBlur(luma, (0, 0), 1.5)

    def _likeness(self, store: FrameStore, track: _Track, k: int, luma: np.ndarray | None) -> np.ndarray | float:
        """How much a frame's pixels look like the keyframe points they track to (HxW 0..1).

        Flow can be consistent both ways and still wrong, e.g. smooth over water dragged
        along by a moving subject; then the pixel's luma differs from its tracked point's,
        and the keyframe's colour there is not its colour."""
        if luma is None:
            return 1.0
        if k not in self._key_lumas:
            if len(self._key_lumas) >= 4:  # only keyframes a and b are in use at a time
                self._key_lumas.pop(next(iter(self._key_lumas)))
            self._key_lumas[k] = self._smoothed(luma_of(store.get("small", k)).astype(np.float32))
        difference = luma - track.sample(self._key_lumas[k])
        return np.exp(-((difference / self.settings.luma_mismatch) ** 2)).astype(np.float32)

    def _between(self, store, f: int, a, b, forward, key_a, key_b, previous) -> np.ndarray:
        """Chroma (working size) of a frame that is not a keyframe: blend, then solve."""
        # The frame's working-size luma, loaded once: tracks, registration and
        # re-anchoring all compare it.
        small_luma = luma_of(store.get("small", f)).astype(np.float32)
        keyed, seen = self._keyframe_colours(store, f, a, b, forward, key_a, key_b, small_luma)
        shares = _shares(f, a, b)
        weighed = _at_shares(keyed, shares)
        sources = list(weighed)
        if self.settings.reanchor > 0:
            sources += self._reanchored(store, small_luma, sources, seen, ((a, shares[0]), (b, shares[1])))
        if previous is not None and self.settings.steadiness > 0:
            flow = store.get("bwd", f).astype(np.float32)
            carried = warp(previous, flow, border=cv2.BORDER_REPLICATE)
            # The keyframes' blend moves with time alone (their shares), and the carried
            # output must move with it, or it drags the frame back towards keyframe a and
            # the change from a's colours to b's bunches up near b. Only the change due
            # to time is added: one due to a track lost since the last frame is what the
            # carried output is there to steady.
            between = a is not None and b is not None
            if between:
                carried += _blend(weighed) - _blend(_at_shares(keyed, _shares(f - 1, a, b)))
            # Towards keyframe b the carried output gives way to b itself, so that the
            # colours arrive at b instead of jumping there. What came in from outside the
            # picture continues the nearest border colour, with less trust.
            weight = store.get("bwd_ok", f).astype(np.float32)
            weight = np.where(_inside(flow), weight, self.settings.border_trust)
            weight *= self.settings.steadiness * (1.0 - shares[1] ** 2 if between else 1.0)
            sources.append((carried, weight))
        initial = sources[0][0] if sources else None
        return self._solve(store, f, sources, initial=initial)

    def _keyframe_colours(self, store, f: int, a, b, forward, key_a, key_b, small_luma):
        """The colours of keyframes a and b at frame f's pixels, by track and by
        registration, before they are weighed by the frame's place between them.

        Returns:
            ([(HxWx2 chroma, HxW weight, HxW confidence, side 0 for a or 1 for b)], HxW
            ``seen``: whether the tracks stayed inside the picture). A source weighs
            ``weight * max(confidence, share**2) * share`` (:func:`_at_shares`).
        """
        keyed = []
        seen = np.zeros(self.work_size[::-1], np.float32)
        luma = self._smoothed(small_luma) if self.settings.luma_mismatch > 0 else None
        if forward is not None:
            seen = np.maximum(seen, forward.seen)
            weight = forward.reliability * self._likeness(store, forward, a, luma)
            keyed.append((forward.sample(key_a), weight, forward.sample(self._key_confidence(a)), 0))
        if b is not None and store.has("back_points", f):
            back = _Track(
                store.get("back_points", f),
                store.get("back_reliability", f).astype(np.float32),
                store.get("back_seen", f).astype(np.float32),
            )
            seen = np.maximum(seen, back.seen)
            weight = back.reliability * self._likeness(store, back, b, luma)
            keyed.append((back.sample(key_b), weight, back.sample(self._key_confidence(b)), 1))
        if self.settings.register_keyframes:
            features = None
            for side, k in enumerate((a, b)):
                registration = self._key_registration(store, k)
                if registration is None:
                    continue
                if features is None:
                    features = frame_features(small_luma)
                registered = registration.register(small_luma, features)
                if registered is not None:
                    keyed.append((registered[0], registered[1], 1.0, side))
        return keyed, seen

    def _reanchored(
        self, store: FrameStore, luma: np.ndarray, tracked, seen: np.ndarray, keyframes
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """A frame's pixels found again in its keyframes by texture, where tracks lack.

        Content the keyframes showed counts fully. What a pan brings in from outside the
        picture was never in them, and the nearest texture found for it is often another
        colour (new graffiti further along a painted wall): it counts only as much as the
        border's continued colour does (``border_trust``).

        Args:
            luma: HxW float32 0..1, the frame's luma at the working size.
            tracked: the sources [(chroma, HxW weight)] tracked or registered so far; their
                summed weight (capped at 1) is how well a pixel is already known.
            seen: HxW 0..1, whether the tracks to the keyframes stayed inside the picture.
            keyframes: [(keyframe or None, its share)], the keyframes before and after f.

        Returns:
            [(HxWx2 chroma, HxW weight)] at the working size: none, or the one source found.
        """
        keyframes = [(k, share) for k, share in keyframes if k is not None and share > 0]
        if not keyframes:
            return []
        known = np.zeros(self.work_size[::-1], np.float32)
        for _, weight in tracked:
            known += weight
        # What came in from outside is trusted as the border's continued colour is.
        lacking = (1.0 - np.minimum(known, 1.0)) * (seen + self.settings.border_trust * (1.0 - seen))
        where = lacking > _REANCHOR_MIN_LACK
        matcher = self._key_matcher(store, tuple(k for k, _ in keyframes))
        if matcher is None or not where.any():
            return []
        # One search in both keyframes at once; each counts by its share (relative to the
        # nearer one's), so the colours found move from a's to b's as the frame does.
        nearest = max(share for _, share in keyframes)
        chroma, confidence = matcher.match(luma, where, weights=[share / nearest for _, share in keyframes])
        return [(chroma, self.settings.reanchor * confidence * lacking)]

    def _key_matcher(self, store: FrameStore, keys: tuple[int, ...]):
        """Keyframes ``keys`` as exemplars of their shot
        (:meth:`colorcore.video.exemplar.ExemplarMatcher.of_keyframes`) at the working
        size; None when they are all grey. The last pair is kept for the frames of a run."""
        if keys not in self._key_matchers:
            from colorcore.video.exemplar import ExemplarMatcher

            frames = [
                compose(luma_of(store.get("small", k)), self._shrink(self._key_chroma(store, k)), dtype=np.uint16)
                for k in keys
            ]
            self._key_matchers.clear()
            try:
                self._key_matchers[keys] = ExemplarMatcher.of_keyframes(frames)
            except InputError:  # keyframes coloured grey: nothing to find
                self._key_matchers[keys] = None
        return self._key_matchers[keys]

    # -- one solve -------------------------------------------------------------------

    def _solve(self, store: FrameStore, f: int, sources, initial=None) -> np.ndarray:
        """Solve frame f (not a keyframe: see :func:`keyframe_chroma`) at the working size
        with soft ``sources`` [(chroma, weight)] and the exemplar hints stored for it."""
        luma = luma_of(store.get("small", f))
        if store.has("registered_chroma", f):
            registered = store.get("registered_chroma", f).astype(np.float32)
            sources = [*sources, (registered, store.get("registered_weight", f).astype(np.float32))]
        exemplar = None
        if store.has("exemplar_chroma", f):
            exemplar = (store.get("exemplar_chroma", f), store.get("exemplar_weight", f))
        return _solve_frame(
            luma,
            self._hard_hints(f, luma.shape),
            sources,
            exemplar,
            self.settings,
            self.solver,
            self.device,
            initial,
            self.network,
            frame=f,
        )

    def _hard_hints(self, f: int, shape: tuple[int, int]) -> HintRaster:
        """Frame f's strokes or reference at ``shape`` (H, W); none for other frames."""
        if f in self.keyframes:
            return keyframe_hints(self.guidance, f, shape[::-1])
        return HintRaster(mask=np.zeros(shape, bool), chroma=np.zeros(shape + (2,)))

    def _shrink(self, image: np.ndarray) -> np.ndarray:
        """A full-size HxW[xC] image at the working size (area average)."""
        if image.shape[1] == self.work_size[0]:
            return image
        return cv2.resize(image, self.work_size, interpolation=cv2.INTER_AREA)

    def _enlarge(self, image: np.ndarray) -> np.ndarray:
        """A working-size HxW[xC] float image at the full size (bilinear)."""
        if image.shape[1] == self.size[0]:
            return image
        return cv2.resize(image, self.size, interpolation=cv2.INTER_LINEAR)

    # -- progress and cancellation ---------------------------------------------------

    def _advance(self) -> None:
        self._work_done += 1
        self._report(self._work_done)

    def _report(self, done: int) -> None:
        if self._progress is not None:
            self._progress(min(1.0, done / self._work_total))

    def _check_cancel(self) -> None:
        if self._cancel is not None and self._cancel():
            raise CancelledError("propagation cancelled")


def exemplar_matchers(guidance: Guidance) -> list:
    """(exemplar, :class:`colorcore.video.exemplar.ExemplarMatcher`) for each exemplar of
    ``guidance``; build them once and pass them to :func:`colorize_keyframe` calls."""
    if not guidance.exemplars:
        return []
    from colorcore.video.exemplar import ExemplarMatcher

    return [(exemplar, ExemplarMatcher(exemplar.rgb)) for exemplar in guidance.exemplars]


def exemplar_hints(matchers, frame: int, small_luma: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Exemplar chroma hints of ``frame`` at the working size, or None when no exemplar applies.

    Args:
        matchers: as :func:`exemplar_matchers` returns.
        small_luma: the frame's luma at the working size, HxW uint8/uint16 (or float 0..1).

    Returns:
        (HxWx2 float16 YIQ chroma, HxW float16 confidence 0..1). float16 is what the
        propagation stores, so every caller sees the same rounded values.
    """
    matchers = [m for exemplar, m in matchers if exemplar.applies_to(frame)]
    if not matchers:
        return None
    y = luma_of(small_luma).astype(np.float32)
    total_chroma = np.zeros(y.shape + (2,), np.float32)
    total_weight = np.zeros(y.shape, np.float32)
    for matcher in matchers:
        chroma, confidence = matcher.match(y)
        total_chroma += chroma * confidence[..., None]
        total_weight += confidence
    chroma = total_chroma / np.maximum(total_weight, 1e-6)[..., None]
    return chroma.astype(np.float16), np.minimum(total_weight, 1.0).astype(np.float16)


def _solve_frame(
    luma,
    hard: HintRaster,
    sources,
    exemplar,
    settings: PropagationSettings,
    solver,
    device,
    initial=None,
    network=None,
    frame=None,
):
    """One Levin solve of frame ``frame`` (named in warnings): HxW float ``luma``, hard hints at its size, soft
    ``sources`` [(HxWx2 chroma, HxW weight)] and ``exemplar`` hints (of any size: they are
    resized to the luma's). Returns HxWx2 float32 chroma."""
    prior = _stroked_prior(luma, hard, _prior(sources, exemplar, settings, luma.shape), settings, solver, device)
    if hard.count == 0 and prior is None:
        return np.zeros(luma.shape + (2,), np.float32)
    chroma = solve_chroma(
        luma,
        hard,
        solver=solver,
        device=device,
        prior=prior,
        initial=initial,
        tolerance=settings.tolerance,
        network=network,
        frame=frame,
    )
    return chroma.astype(np.float32)


def _stroked_prior(luma, hard: HintRaster, prior, settings: PropagationSettings, solver, device):
    """``prior`` (chroma, weight) with its weight lowered where the strokes of ``hard``
    own the pixels (:mod:`colorcore.solvers.ownership`); unchanged without strokes."""
    if prior is None or hard.count == 0 or settings.stroke_ownership <= 0:
        return prior
    length = settings.stroke_ownership * luma.shape[1]
    owned = stroke_ownership(luma, hard, length, solver=solver, device=device)
    return prior[0], prior[1] * (1.0 - owned)


def _prior(sources, exemplar, settings: PropagationSettings, shape: tuple[int, int]):
    """The soft prior of a solve at ``shape`` (H, W): ``sources`` [(HxWx2 chroma, HxW weight)]
    and ``exemplar`` hints (any size; resized) mixed, or None when there is neither."""
    sources = list(sources)
    height, width = shape
    if exemplar is not None:
        chroma = exemplar[0].astype(np.float32)
        weight = exemplar[1].astype(np.float32) * settings.exemplar_weight
        if chroma.shape[:2] != (height, width):
            chroma = cv2.resize(chroma, (width, height), interpolation=cv2.INTER_LINEAR)
            weight = cv2.resize(weight, (width, height), interpolation=cv2.INTER_LINEAR)
        sources.append((chroma, weight))
    return _mix(sources, settings.carry_weight) if sources else None


def keyframe_chroma(
    luma: np.ndarray,
    guidance: Guidance,
    frame: int,
    *,
    solver: str = "fast",
    device: str = "auto",
    settings: PropagationSettings | None = None,
    matchers=None,
    network=None,
    scale: float = 1.0,
) -> np.ndarray:
    """The one keyframe solve: a keyframe's chroma from its strokes or reference (hard) and
    the exemplars that apply to it (soft), solved alone. :func:`colorize_clip` (serial and
    the farm's :func:`solve_keyframe`) and the editor's preview (:func:`colorize_keyframe`)
    all call this, so a keyframe is the same frame everywhere.

    Args:
        luma: the keyframe's luma, HxW uint8/uint16 as ``Clip.luma`` gives it.
        guidance: the clip's guidance.
        frame: the keyframe's index.
        solver, device, network: as :func:`colorcore.solvers.colorize.solve_chroma`.
        settings: the propagation's settings (defaults when None).
        matchers: :func:`exemplar_matchers` of ``guidance``, to reuse them across calls.
        scale: in (0, 1]; below 1 a quicker, softer preview solved at that fraction of the
            size. Only scale 1 equals :func:`colorize_clip`'s frame.

    Returns:
        HxWx2 float32 YIQ chroma at ``luma``'s full size.
    """
    settings = settings or PropagationSettings()
    height, width = luma.shape[:2]
    size = (width, height)
    if scale < 1.0:
        size = (max(2, round(width * scale)), max(2, round(height * scale)))
    solve_luma, hard, exemplar = _frame_guidance(luma, guidance, frame, settings, matchers, size)
    chroma = _solve_frame(solve_luma, hard, [], exemplar, settings, solver, device, network=network, frame=frame)
    if size != (width, height):
        chroma = cv2.resize(chroma, (width, height), interpolation=cv2.INTER_LINEAR)
    return chroma


def network_chroma(
    luma: np.ndarray,
    guidance: Guidance,
    frame: int,
    *,
    network=None,
    device: str = "auto",
    settings: PropagationSettings | None = None,
    matchers=None,
) -> np.ndarray:
    """The chroma the deep network predicts for one frame from that frame's own guidance,
    given to it as :func:`keyframe_chroma` gives it with ``solver="deep"``. Unlike a
    keyframe solve it runs on any frame: with no guidance there, the network guesses from
    the luma alone (near grey with the base weights, which do not invent a colour nothing
    supports; a network adapted to the film knows its palette). The editor's picker
    suggests colours from it.

    Args:
        luma: the frame's luma, HxW uint8/uint16 as ``Clip.luma`` gives it.
        guidance: the clip's guidance.
        frame: the frame's index.
        network: a :class:`colorcore.solvers.deep.infer.DeepSolver`, a weights path, or
            None for the shipped base weights.
        device: "auto" | "cpu" | "cuda" (for a path or None).
        settings: the propagation's settings (defaults when None): the exemplars' weight.
        matchers: :func:`exemplar_matchers` of ``guidance``, to reuse them across calls.

    Returns:
        HxWx2 float32 YIQ chroma (I, Q) at the frame's size; hinted pixels equal their hints.

    Raises:
        InputError: torch is not installed, or the weights cannot be read.
    """
    from colorcore.solvers.deep.infer import solve_deep

    settings = settings or PropagationSettings()
    full, hard, exemplar = _frame_guidance(luma, guidance, frame, settings, matchers, luma.shape[1::-1])
    prior = _stroked_prior(full, hard, _prior([], exemplar, settings, full.shape), settings, "fast", device)
    return solve_deep(full, hard, prior=prior, device=device, network=network).astype(np.float32)


def _frame_guidance(luma, guidance: Guidance, frame: int, settings: PropagationSettings, matchers, size):
    """What a frame's own guidance gives its solve at ``size`` (W, H): (HxW float luma at
    that size, the hard hints there, the exemplar hints at the working size or None)."""
    if matchers is None:
        matchers = exemplar_matchers(guidance)
    height, width = luma.shape[:2]
    work_size = working_size(width, height, settings)
    small = luma if work_size == (width, height) else cv2.resize(luma, work_size, interpolation=cv2.INTER_AREA)
    exemplar = exemplar_hints(matchers, frame, small)
    full = luma_of(luma)
    solve_luma = full if size == (width, height) else cv2.resize(full, size, interpolation=cv2.INTER_AREA)
    return solve_luma, keyframe_hints(guidance, frame, size), exemplar


def colorize_keyframe(
    luma: np.ndarray,
    guidance: Guidance,
    frame: int,
    *,
    solver: str = "fast",
    device: str = "auto",
    settings: PropagationSettings | None = None,
    matchers=None,
    scale: float = 1.0,
    network=None,
) -> np.ndarray:
    """One keyframe exactly as :func:`colorize_clip` produces it (:func:`keyframe_chroma`,
    composed with the frame's luma). The editor's preview uses this, so what the canvas
    shows on a keyframe is what the export writes.

    Args:
        luma: the keyframe's luma, HxW uint8/uint16 as ``Clip.luma`` gives it.
        guidance, frame, solver, device, settings, matchers, scale, network: as
            :func:`keyframe_chroma`.

    Returns:
        HxWx3 RGB of ``luma``'s dtype whose luma equals ``luma``.
    """
    chroma = keyframe_chroma(
        luma,
        guidance,
        frame,
        solver=solver,
        device=device,
        settings=settings,
        matchers=matchers,
        scale=scale,
        network=network,
    )
    return compose(luma_of(luma), chroma, dtype=luma.dtype)


def keyframe_hints(guidance: Guidance, frame: int, size: tuple[int, int]) -> HintRaster:
    """The hard hints of a keyframe at ``size`` (W, H): its aligned reference when it has
    one (every pixel fixed to the reference's chroma), else its strokes and marked images.
    An empty raster for a frame with neither."""
    width, height = size
    reference = guidance.reference_at(frame)
    if reference is not None:
        rgb = reference.rgb
        if rgb.shape[:2] != (height, width):
            rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
        return HintRaster(mask=np.ones((height, width), bool), chroma=chroma_of(rgb))
    if guidance.hints is not None:
        return guidance.hints.rasterize(frame=frame, size=size)
    return HintRaster(mask=np.zeros((height, width), bool), chroma=np.zeros((height, width, 2)))


def _shares(f: int, a: int | None, b: int | None) -> tuple[float, float]:
    """How much frame f belongs to keyframes a and b: (b - f) / (b - a) and (f - a) / (b - a)
    between two keyframes; 1 and 1 when one of them is missing (nothing to share)."""
    if a is None or b is None:
        return 1.0, 1.0
    return (b - f) / (b - a), (f - a) / (b - a)


def _at_shares(keyed, shares: tuple[float, float]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Keyframe colours (:meth:`_Propagation._keyframe_colours`) weighed for a frame with
    ``shares`` of keyframes a and b: [(HxWx2 chroma, HxW weight)].

    A keyframe's colours count by the frame's share of it; where the keyframe's own
    confidence is low (far from its strokes) they count at least as the square of that
    share, so that beside a keyframe its whole solve counts (the frames next to it look
    like it) while halfway mainly the stroked parts do. With one keyframe only (shares
    1, 1) the confidence alone decides.
    """
    between = shares != (1.0, 1.0)
    return [
        (chroma, weight * np.maximum(confidence, shares[side] ** 2 if between else 0.0) * shares[side])
        for chroma, weight, confidence, side in keyed
    ]


def _blend(sources) -> np.ndarray | float:
    """The weighted mean chroma of ``sources`` [(HxWx2, HxW)]: zero where none has weight
    (the number 0.0 when there are no sources)."""
    if not sources:
        return 0.0
    return _mix(sources, 1.0)[0]


def _mix(sources, strength: float) -> tuple[np.ndarray, np.ndarray]:
    """Weighted mean chroma of ``sources`` [(HxWx2, HxW)] and its weight (sum, capped at 1) x strength."""
    total = sum(w for _, w in sources)
    chroma = sum(c * w[..., None] for c, w in sources) / np.maximum(total, 1e-6)[..., None]
    return chroma.astype(np.float32), (np.minimum(total, 1.0) * strength).astype(np.float32)
