"""Live preview: re-solve the current keyframe in a worker thread after each edit.

Each request gets a generation number; a newer request supersedes every older one. A
request is solved twice: first small (about QUICK_PIXELS pixels, e.g. half size for an
854x480 frame; shown at once, composed with the full-resolution luma), then at full
size. Work for a superseded request is skipped before each stage starts and its results
are dropped, so the UI only ever shows the newest edit and never waits for a solve. (A
solve already running is not interrupted; it finishes unseen in its worker thread.)
"""

from __future__ import annotations

import threading

import numpy as np
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from colorcore.guidance.references import Guidance
from colorcore.render import preview_frame

#: Pixel count of the quick first solve: about 100 ms on one core of a laptop CPU.
QUICK_PIXELS = 110_000


def quick_scale(width: int, height: int) -> float:
    """Scale of the quick solve for a width x height frame (1.0: solve it full size only)."""
    scale = (QUICK_PIXELS / (width * height)) ** 0.5
    return 1.0 if scale > 0.8 else scale


class PreviewSolver(QObject):
    """Solves one frame's preview off the UI thread.

    Signals:
        ready(int, int, object, bool): generation, frame, HxWx3 RGB array (same dtype as
            the grey frame) or None when the frame has no hints, and True for the
            full-size result (False for the quick small one).
        failed(int, str): generation and a one-line reason.
    """

    ready = Signal(int, int, object, bool)
    failed = Signal(int, str)

    def __init__(self, parent: QObject | None = None, solver: str = "fast", device: str = "auto"):
        super().__init__(parent)
        self.solver = solver
        self.device = device
        self.pool = QThreadPool(self)
        # Two threads: a new edit's quick solve need not wait for an older full solve.
        self.pool.setMaxThreadCount(2)
        self._generation = 0
        self._lock = threading.Lock()

    def request(self, gray: np.ndarray, guidance: Guidance, frame: int) -> int:
        """Start solving ``frame`` (grey source ``gray``) with a snapshot of ``guidance``.

        Returns the request's generation; older requests are superseded.
        """
        with self._lock:
            self._generation += 1
            generation = self._generation
        # A snapshot: the UI may edit the lists while the worker reads them.
        snapshot = Guidance(
            hints=None if guidance.hints is None else guidance.hints.for_frame(frame),
            references=[r for r in guidance.references if r.frame == frame],
        )
        self.pool.start(_Job(self, generation, gray, snapshot, frame))
        return generation

    def is_current(self, generation: int) -> bool:
        """True while no newer request was made."""
        return generation == self._generation

    def wait(self, msecs: int = 30000) -> bool:
        """Block until all started solves finished (for tests and shutdown)."""
        return self.pool.waitForDone(msecs)


class _Job(QRunnable):
    def __init__(self, owner: PreviewSolver, generation: int, gray, guidance, frame: int):
        super().__init__()
        self.owner, self.generation, self.gray, self.guidance, self.frame = owner, generation, gray, guidance, frame

    def run(self):
        owner = self.owner
        try:
            height, width = self.gray.shape[:2]
            for scale in sorted({quick_scale(width, height), 1.0}):
                if not owner.is_current(self.generation):
                    return
                rgb = preview_frame(self.gray, self.guidance, self.frame, scale, owner.solver, owner.device)
                if not owner.is_current(self.generation):
                    return
                owner.ready.emit(self.generation, self.frame, rgb, scale == 1.0)
                if rgb is None:
                    return
        except Exception as exc:
            owner.failed.emit(self.generation, f"{type(exc).__name__}: {exc}")
