"""Live preview: re-solve the current keyframe after each edit, on the worker pattern.

The preview of a keyframe is :func:`colorcore.render.preview_frame`, which at full size is
the very frame the export writes (its strokes or reference and the exemplars that apply,
one code path). Each request gets a generation number; a newer request supersedes every
older one. A request is solved twice: first small (about QUICK_PIXELS pixels; shown at
once, composed with the full-resolution luma, marked as pending), then at full size.
Work for a superseded request is skipped before each stage starts and its results are
dropped, so the UI only ever shows the newest edit and never waits for a solve.
"""

from __future__ import annotations

import threading

import numpy as np
from PySide6.QtCore import QObject, Signal

from colorcore.guidance.references import Guidance
from colorcore.render import preview_frame
from colorcore.video.propagate import exemplar_matchers
from keyhue.network_suggestion import network_now
from keyhue.workers import Task, Worker

#: Pixel count of the quick first solve: about 100 ms on one core of a laptop CPU.
QUICK_PIXELS = 110_000


def quick_scale(width: int, height: int) -> float:
    """Scale of the quick solve for a width x height frame (1.0: solve it full size only)."""
    scale = (QUICK_PIXELS / (width * height)) ** 0.5
    return 1.0 if scale > 0.8 else scale


class PreviewSolver(QObject):
    """Solves one keyframe's preview off the UI thread.

    Signals:
        ready(int, int, object, bool): generation, frame, HxWx3 RGB array (same dtype as
            the grey frame) or None when the frame is not a keyframe, and True for the
            full-size result (False for the quick small one).
        failed(int, str): generation and a one-line reason.
        warning(str): an engine warning raised by a solve.
    """

    ready = Signal(int, int, object, bool)
    failed = Signal(int, str)
    warning = Signal(str)

    def __init__(self, parent: QObject | None = None, solver: str = "fast", device: str = "auto"):
        super().__init__(parent)
        self.solver = solver
        self.device = device
        self._generation = 0
        self._lock = threading.Lock()
        self._workers: set[Worker] = set()
        self._matchers: tuple[tuple, list] = ((), [])  # exemplars' ids, their matchers

    def request(self, luma: np.ndarray, guidance: Guidance, frame: int, project=None) -> int:
        """Start solving ``frame`` (its luma, HxW as ``Clip.luma`` gives it) with a snapshot
        of ``guidance``. Returns the request's generation; older requests are superseded.
        With the deep solver, ``project`` (a snapshot) names the network the export uses:
        the one adapted to this film when there is one (never trained here)."""
        with self._lock:
            self._generation += 1
            generation = self._generation
        # A snapshot: the UI may edit the lists while the worker reads them.
        snapshot = Guidance(
            hints=None if guidance.hints is None else guidance.hints.for_frame(frame),
            references=[r for r in guidance.references if r.frame == frame],
            exemplars=list(guidance.exemplars),
        )
        worker = Worker(self._solve, generation, luma, snapshot, frame, project, name="preview", parent=self)
        worker.result.connect(lambda item: self.ready.emit(*item))
        worker.failed.connect(lambda message, _details: self.failed.emit(generation, message))
        worker.warning.connect(self.warning)
        worker.ended.connect(lambda: self._workers.discard(worker))
        self._workers.add(worker)
        worker.start()
        return generation

    def is_current(self, generation: int) -> bool:
        """True while no newer request was made."""
        return generation == self._generation

    def wait(self, msecs: int = 30000) -> bool:
        """Block until all started solves finished (for tests and shutdown)."""
        return all(worker.wait(msecs) for worker in list(self._workers))

    def _matchers_for(self, exemplars: list) -> list:
        # Exemplar matchers are built once per set of exemplars, not per stroke.
        key = tuple(id(e.rgb) for e in exemplars)
        with self._lock:
            if self._matchers[0] == key:
                return self._matchers[1]
        matchers = exemplar_matchers(Guidance(exemplars=exemplars))
        with self._lock:
            self._matchers = (key, matchers)
        return matchers

    def _solve(self, task: Task, generation: int, luma: np.ndarray, guidance: Guidance, frame: int, project) -> None:
        height, width = luma.shape[:2]
        matchers = self._matchers_for(guidance.exemplars)
        network = network_now(project)[0] if self.solver == "deep" and project is not None else None
        for scale in sorted({quick_scale(width, height), 1.0}):
            if not self.is_current(generation):
                return
            rgb = preview_frame(
                luma, guidance, frame, scale, self.solver, self.device, matchers=matchers, network=network
            )
            if not self.is_current(generation):
                return
            task.emit((generation, frame, rgb, scale == 1.0))
            if rgb is None:
                return
