"""Running the scribble network: device choice, GPU batches in half precision, tiling, the per-frame solve.

:func:`solve_deep` is the deep engine's counterpart of Levin's solve
(:func:`colorcore.colorize.solve_chroma` calls it for ``solver="deep"``): the same
inputs, HxWx2 chroma out. The network runs on frames of at most
:data:`WORK_PIXELS` pixels (854x480 runs at half size in each direction, chroma at
4:2:0 resolution as video codecs store it); its chroma is enlarged bilinearly and the
hinted pixels are then set to their hints at full size, so hints are kept exactly.

On a GPU the network runs in half precision and takes several frames at once
(:meth:`DeepSolver.predict`); a frame that does not fit in GPU memory is cut into
overlapping tiles, and if even a tile does not fit, the CPU takes over with a warning.

A frame with strokes and no prior (a stroked keyframe, a still image) is given Levin's
spread of its strokes as the prior, trusted where the strokes reach (their regions,
bounded by luma edges; :mod:`colorcore.solvers.ownership`), and beyond that reach its
output is the network's own for the frame alone: the network corrects the spread
rather than guessing a frame's colours from a few strokes alone, where it painted far
regions in the strokes' colours and fell below the grey output (protocol 2: 23.4 dB
against Levin's 28.1 and grey's 23.4 over nine DAVIS clips, five clips below grey).
"""

from __future__ import annotations

import math
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np
import numpy.typing as npt

from colorcore.errors import InputError
from colorcore.solvers.deep import require_torch

if TYPE_CHECKING:
    import torch

    from colorcore.guidance.hints import HintRaster
    from colorcore.solvers.deep.model import ScribbleNet

#: The network's working size: frames larger than this are shrunk by an integer factor.
WORK_PIXELS = 432 * 244
# How far (a fraction of the frame width) Levin's spread of a frame's strokes is trusted
# as the network's prior (colorcore.solvers.ownership), as propagation's stroke ownership.
SPREAD_REACH = 0.3
# Below this reach the spread is no prior at all: the network judges such pixels alone.
SPREAD_FLOOR = 0.05
#: Tiles for frames that do not fit in GPU memory (pixels per side, and overlap).
TILE, TILE_OVERLAP = 512, 64

#: One frame for :meth:`DeepSolver.predict`: (luma, hint chroma, hint mask, prior chroma or None,
#: prior confidence or None).
Frame = tuple[npt.ArrayLike, npt.ArrayLike, npt.ArrayLike, npt.ArrayLike | None, npt.ArrayLike | None]
#: The full-size pieces :func:`_finish` needs: (hint mask HxW, hint chroma HxWx2, (width, height)).
_Full = tuple[np.ndarray, np.ndarray, tuple[int, int]]


def choose_device(device: str = "auto") -> torch.device:
    """A torch device for ``device`` ("auto" | "cpu" | "cuda"); "cuda" with no GPU warns and gives the CPU."""
    torch = require_torch()
    if device not in ("auto", "cpu", "cuda"):
        raise ValueError(f"device must be auto, cpu or cuda, not {device!r}")
    if device == "cpu":
        return torch.device("cpu")
    if torch.cuda.is_available():
        return torch.device("cuda")
    if device == "cuda":
        warnings.warn(
            "no CUDA GPU is available (or torch was installed without CUDA); the deep solver runs on the CPU",
            stacklevel=3,
        )
    return torch.device("cpu")


def work_factor(height: int, width: int) -> int:
    """The integer factor by which an HxW frame is shrunk for the network (1 for small frames)."""
    return max(1, math.ceil(math.sqrt(height * width / WORK_PIXELS) - 1e-9))


class DeepSolver:
    """The network on a device, ready to colour frames.

    Args:
        model: a :class:`~.model.ScribbleNet` (e.g. :func:`.weights.load_network`), or None
            for the base weights.
        device: "auto" | "cpu" | "cuda".
        batch: frames per GPU call in :meth:`predict`.
        refine: 0 for the network alone; a positive weight runs one Levin solve after the
            network, with the network's chroma as its prior at that weight (colour edges
            then follow luma edges exactly, at the cost of a Levin solve per frame).
    """

    def __init__(
        self, model: ScribbleNet | None = None, device: str = "auto", batch: int = 8, refine: float = 0.0
    ) -> None:
        torch = require_torch()
        from colorcore.solvers.deep.weights import load_network

        self.device = choose_device(device)
        self.model = (model if model is not None else load_network()).to(self.device).eval()
        self.half = self.device.type == "cuda"
        if self.half:
            self.model = self.model.half()
        self.batch = max(1, int(batch))
        self.refine = float(refine)
        self._lock = threading.Lock()  # one forward at a time per solver (the editor's preview thread and a render)
        self._torch = torch

    def solve(
        self,
        luma: npt.ArrayLike,
        hints_chroma: npt.ArrayLike,
        hints_mask: npt.ArrayLike,
        prior_chroma: npt.ArrayLike | None = None,
        prior_confidence: npt.ArrayLike | None = None,
    ) -> np.ndarray:
        """Chroma of one frame; see :func:`solve_deep` for the arguments. Returns HxWx2 float32."""
        return self.predict([(luma, hints_chroma, hints_mask, prior_chroma, prior_confidence)])[0]

    def predict(self, frames: Sequence[Frame]) -> list[np.ndarray]:
        """Chroma for several frames of the same size, ``batch`` at a time.

        Args:
            frames: a list of (luma HxW 0..1, hint chroma HxWx2, hint mask HxW bool,
                prior chroma HxWx2 or None, prior confidence HxW 0..1 or None).

        Returns:
            One HxWx2 float32 YIQ chroma per frame; hinted pixels equal their hints.
        """
        spread = [self._with_spread(*frame) for frame in frames]
        out = self._predict([frame for frame, _ in spread])
        # Beyond the strokes' reach the network judges the frame as it would alone.
        alone = [(i, reach[..., None]) for i, (_, reach) in enumerate(spread) if reach is not None]
        for (i, reach), own in zip(alone, self._predict([frames[i] for i, _ in alone])):
            mask = np.asarray(frames[i][2], bool)
            out[i] = reach * out[i] + (1.0 - reach) * own
            out[i][mask] = np.asarray(frames[i][1], np.float32)[mask]  # exactly, not to rounding
        return out

    def _predict(self, frames: Sequence[Frame]) -> list[np.ndarray]:
        """:meth:`predict` without the strokes' spread: the network on the frames as given."""
        out: list[np.ndarray] = []
        for start in range(0, len(frames), self.batch):
            group = frames[start : start + self.batch]
            prepared = [_prepare(*f) for f in group]
            small = np.stack([p[0] for p in prepared])
            with self._lock:
                chroma = self._run(small)
            for (_, full), c, frame in zip(prepared, chroma, group):
                c = _finish(c, full)
                out.append(self._refined(frame[0], full, c) if self.refine > 0 else c)
        return out

    def _with_spread(
        self,
        luma: npt.ArrayLike,
        hints_chroma: npt.ArrayLike,
        hints_mask: npt.ArrayLike,
        prior_chroma: npt.ArrayLike | None,
        prior_confidence: npt.ArrayLike | None,
    ) -> tuple[Frame, np.ndarray | None]:
        """(the frame, with Levin's spread of its hints as the prior when it has hints and no
        prior; HxW float32 0..1 how far the hints reach, or None when nothing was added)."""
        if (prior_chroma is not None and prior_confidence is not None) or not np.asarray(hints_mask).any():
            return (luma, hints_chroma, hints_mask, prior_chroma, prior_confidence), None
        mask = np.asarray(hints_mask, bool)
        from colorcore.guidance.hints import HintRaster
        from colorcore.solvers.colorize import solve_chroma
        from colorcore.solvers.ownership import stroke_ownership

        grey = np.asarray(luma, np.float64)
        raster = HintRaster(mask=mask, chroma=np.asarray(hints_chroma, np.float64))
        device = "cuda" if self.device.type == "cuda" else "cpu"
        spread = solve_chroma(grey, raster, solver="fast", device=device)
        # Trusted where the strokes reach (their regions, bounded by luma edges): a lone
        # stroke spreads over the whole frame in Levin's solution, but what it does not
        # reach is still the network's to judge (near grey where nothing supports a hue).
        reach = stroke_ownership(grey, raster, SPREAD_REACH * grey.shape[1], device=device)
        # Where it is not trusted the prior is missing, as propagation leaves it and as the
        # network was trained: confidence 0 and chroma 0.
        spread[reach < SPREAD_FLOOR] = 0.0
        return (luma, hints_chroma, hints_mask, spread, reach), reach

    def _refined(self, luma: npt.ArrayLike, full: _Full, chroma: np.ndarray) -> np.ndarray:
        """Levin's equation with the hints fixed and the network's chroma as a soft prior."""
        from colorcore.guidance.hints import HintRaster
        from colorcore.solvers.colorize import solve_chroma

        mask, hint_chroma, _ = full
        weight = np.full(mask.shape, self.refine, np.float32)
        device = "cuda" if self.device.type == "cuda" else "cpu"
        raster = HintRaster(mask=mask, chroma=hint_chroma)
        return solve_chroma(
            np.asarray(luma, np.float64),
            raster,
            solver="fast",
            device=device,
            prior=(chroma, weight),
            initial=chroma,
            tolerance=5e-4,
        ).astype(np.float32)

    def _run(self, inputs: np.ndarray) -> np.ndarray:
        """Nx7xhxw float32 -> Nxhxwx2 float32 network chroma, tiling or falling back on OOM."""
        torch = self._torch
        try:
            return self._forward(inputs, self.device, self.half)
        except torch.cuda.OutOfMemoryError:
            torch.cuda.empty_cache()
        warnings.warn("the frame does not fit in GPU memory; the deep solver colours it in tiles", stacklevel=4)
        try:
            return np.stack([self._tiled(x[None], self.device, self.half)[0] for x in inputs])
        except torch.cuda.OutOfMemoryError:
            torch.cuda.empty_cache()
        warnings.warn("even a tile does not fit in GPU memory; the deep solver runs on the CPU", stacklevel=4)
        cpu_model = self.model.float().cpu()
        try:
            return self._forward(inputs, torch.device("cpu"), False, cpu_model)
        finally:
            self.model = self.model.to(self.device).half()

    def _forward(
        self, inputs: np.ndarray, device: torch.device, half: bool, model: ScribbleNet | None = None
    ) -> np.ndarray:
        torch = self._torch
        from colorcore.solvers.deep.model import MULTIPLE

        model = model or self.model
        _, _, h, w = inputs.shape
        ph, pw = -h % MULTIPLE, -w % MULTIPLE
        x = torch.from_numpy(np.pad(inputs, ((0, 0), (0, 0), (0, ph), (0, pw)), mode="edge")).to(device)
        with torch.inference_mode():
            y = model(x.half() if half else x).float()
        return y[:, :, :h, :w].permute(0, 2, 3, 1).cpu().numpy()

    def _tiled(self, inputs: np.ndarray, device: torch.device, half: bool) -> np.ndarray:
        """The network over overlapping tiles, blended with linear ramps (1x7xhxw -> 1xhxwx2)."""
        _, _, h, w = inputs.shape
        total = np.zeros((h, w, 2), np.float32)
        weight = np.zeros((h, w, 1), np.float32)
        step = TILE - TILE_OVERLAP
        for y0 in range(0, max(h - TILE_OVERLAP, 1), step):
            for x0 in range(0, max(w - TILE_OVERLAP, 1), step):
                y1, x1 = min(y0 + TILE, h), min(x0 + TILE, w)
                tile = self._forward(inputs[:, :, y0:y1, x0:x1], device, half)[0]
                ramp = _ramp(y1 - y0, x1 - x0)
                total[y0:y1, x0:x1] += tile * ramp
                weight[y0:y1, x0:x1] += ramp
        return (total / np.maximum(weight, 1e-6))[None]


def _ramp(h: int, w: int) -> np.ndarray:
    ry = np.minimum(np.arange(h) + 1, np.arange(h)[::-1] + 1).clip(max=TILE_OVERLAP) / TILE_OVERLAP
    rx = np.minimum(np.arange(w) + 1, np.arange(w)[::-1] + 1).clip(max=TILE_OVERLAP) / TILE_OVERLAP
    return (ry[:, None] * rx[None, :])[..., None].astype(np.float32)


def _prepare(
    luma: npt.ArrayLike,
    hint_chroma: npt.ArrayLike,
    hint_mask: npt.ArrayLike,
    prior_chroma: npt.ArrayLike | None,
    prior_confidence: npt.ArrayLike | None,
) -> tuple[np.ndarray, _Full]:
    """(7xhxw float32 network inputs at the working size, full-size pieces for :func:`_finish`)."""
    luma = np.asarray(luma, np.float32)
    height, width = luma.shape
    mask = np.asarray(hint_mask, bool)
    hint_chroma = np.asarray(hint_chroma, np.float32)
    if prior_chroma is None or prior_confidence is None:
        prior_chroma = np.zeros((height, width, 2), np.float32)
        prior_confidence = np.zeros((height, width), np.float32)
    prior_chroma = np.asarray(prior_chroma, np.float32)
    prior_confidence = np.clip(np.asarray(prior_confidence, np.float32), 0.0, 1.0)
    factor = work_factor(height, width)
    small_size = (-(-width // factor), -(-height // factor))
    hinted = hint_chroma * mask[..., None]
    if factor > 1:
        shrink = lambda a: cv2.resize(a, small_size, interpolation=cv2.INTER_AREA)  # noqa: E731
        coverage = shrink(mask.astype(np.float32))
        small_mask = coverage > 0.2  # keep thin strokes: a pixel a fifth covered is a hint
        small_hint = shrink(hinted) / np.maximum(coverage, 1e-6)[..., None]
        small_luma, small_prior, small_conf = (
            shrink(luma),
            shrink(prior_chroma * prior_confidence[..., None]),
            shrink(prior_confidence),
        )
        small_prior = small_prior / np.maximum(small_conf, 1e-6)[..., None]
    else:
        small_mask, small_hint, small_luma, small_prior, small_conf = (
            mask,
            hinted,
            luma,
            prior_chroma,
            prior_confidence,
        )
    inputs = np.concatenate(
        [
            small_luma[None],
            np.moveaxis(small_hint * small_mask[..., None], 2, 0),
            small_mask[None].astype(np.float32),
            np.moveaxis(small_prior, 2, 0),
            small_conf[None],
        ]
    ).astype(np.float32)
    return inputs, (mask, hint_chroma, (width, height))


def _finish(chroma: np.ndarray, full: _Full) -> np.ndarray:
    """Network chroma (hxwx2) at the frame's size, hinted pixels set to their hints."""
    mask, hint_chroma, size = full
    if chroma.shape[1] != size[0] or chroma.shape[0] != size[1]:
        chroma = cv2.resize(chroma, size, interpolation=cv2.INTER_LINEAR)
    chroma = np.array(chroma, np.float32)
    chroma[mask] = hint_chroma[mask]
    return chroma


#: Most networks kept loaded by :func:`solver_for` (base, project weights, an adapted film, ...).
KEEP_SOLVERS = 4
_SOLVERS: dict[tuple, DeepSolver] = {}  # oldest first
_SOLVERS_LOCK = threading.Lock()


def weights_stamp(weights: Path | str | None) -> tuple[str, int | None, int | None, int | None]:
    """(resolved path, mtime in ns, size in bytes, inode) of a weights file: what tells one
    version of the file from another (weights are written to a temporary name and renamed,
    so a rewrite gets a new inode even where timestamps are coarse). The base weights when
    ``weights`` is None; (path, None, None, None) for a file that is not there."""
    from colorcore.solvers.deep.weights import BASE_WEIGHTS

    path = Path(weights if weights is not None else BASE_WEIGHTS).resolve()
    try:
        stat = path.stat()
    except OSError:
        return str(path), None, None, None
    return str(path), stat.st_mtime_ns, stat.st_size, stat.st_ino


def solver_for(device: str = "auto", weights: Path | str | None = None) -> DeepSolver:
    """A shared :class:`DeepSolver` with ``weights`` (the base weights when None) on ``device``.

    Loaded once per (device, weights file, the file's mtime, size and inode) and kept (the
    :data:`KEEP_SOLVERS` most recently used): a clip's frames and the editor's repeated
    previews do not reload the network, and a file rewritten since it was loaded (new
    adapted weights after "learn this film") is loaded again, its older version dropped.

    Raises:
        InputError: the file is missing, damaged, foreign or of another model version
            (:func:`.weights.load_network`).
    """
    stamp = weights_stamp(weights)
    key = (device, *stamp)
    with _SOLVERS_LOCK:
        solver = _SOLVERS.pop(key, None)
        if solver is None:
            from colorcore.solvers.deep.weights import load_network

            solver = DeepSolver(load_network(Path(stamp[0])), device=device)
            for stale in [k for k in _SOLVERS if k[:2] == key[:2]]:  # older versions of this file
                del _SOLVERS[stale]
            while len(_SOLVERS) >= KEEP_SOLVERS:
                _SOLVERS.pop(next(iter(_SOLVERS)))
        _SOLVERS[key] = solver  # most recently used last
        return solver


def solve_deep(
    luma: np.ndarray,
    hints: HintRaster,
    prior: tuple[np.ndarray, np.ndarray] | None = None,
    device: str = "auto",
    network: DeepSolver | Path | str | None = None,
) -> np.ndarray:
    """One frame's chroma from the scribble network (the deep engine's :func:`solve_chroma`).

    Args:
        luma: HxW float on 0..1.
        hints: a :class:`colorcore.hints.HintRaster` at HxW (mask and chroma).
        prior: None, or (prior chroma HxWx2 float (I, Q), weight HxW float >= 0), as
            propagation passes to Levin's solve; the weight, capped at 1, is the
            network's confidence input.
        device: "auto" | "cpu" | "cuda".
        network: a :class:`DeepSolver`, a weights path, or None for the base weights.

    Returns:
        HxWx2 float64 chroma (I, Q); hinted pixels equal their hints.
    """
    if isinstance(network, DeepSolver):
        solver = network
    else:
        solver = solver_for(device, network)
    prior_chroma, weight = prior if prior is not None else (None, None)
    if luma.ndim != 2:
        raise InputError(f"luma must be HxW, not {luma.shape}")
    return solver.solve(luma, hints.chroma, hints.mask, prior_chroma, weight).astype(np.float64)
