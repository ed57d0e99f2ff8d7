"""Timeline thumbnails on the editor's worker pattern (:mod:`keyhue.workers`).

One long-lived worker serves requests newest first; it ends by itself after a few idle
seconds and is started again on the next request, so no thread outlives its use.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QImage

from keyhue.workers import Task, Worker

_IDLE_SECONDS = 3.0


class ThumbnailLoader(QObject):
    """Produces thumbnails off the GUI thread.

    ``loaded(generation, frame, image)`` is delivered on the GUI thread; results of an
    older generation (a previous clip) are for the receiver to drop.
    """

    loaded = Signal(int, int, QImage)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._condition = threading.Condition()
        self._wanted: list[int] = []
        self._source: Callable[[int], QImage | None] | None = None
        self._height = 48
        self._generation = 0
        self._worker: Worker | None = None
        self._stopped = False

    def reset(self, source: Callable[[int], QImage | None] | None, height: int) -> int:
        """Forget pending requests and serve ``source`` from now on; returns the new generation."""
        with self._condition:
            self._wanted = []
            self._source = source
            self._height = height
            self._generation += 1
            return self._generation

    def request(self, frames: list[int]) -> None:
        """Replace the pending requests by ``frames`` (first ones first)."""
        with self._condition:
            self._wanted = list(frames)
            if frames and not self._stopped and (self._worker is None or not self._worker.is_running()):
                self._worker = Worker(self._serve, name="thumbnails", parent=self)
                self._worker.result.connect(self._deliver)
                self._worker.start()
            self._condition.notify()

    def stop(self) -> None:
        """End the worker after its current thumbnail."""
        with self._condition:
            self._stopped = True
            self._wanted = []
            self._condition.notify()
        if self._worker is not None:
            self._worker.cancel()

    def _deliver(self, item) -> None:
        self.loaded.emit(*item)

    def _serve(self, task: Task) -> None:
        while True:
            with self._condition:
                if not self._wanted and not self._stopped:
                    self._condition.wait(_IDLE_SECONDS)
                if self._stopped or task.cancelled() or not self._wanted:
                    return
                frame = self._wanted.pop(0)
                source, height, generation = self._source, self._height, self._generation
            image = None
            try:
                image = source(frame) if source is not None else None
                if image is not None and not image.isNull():
                    image = image.scaledToHeight(height, Qt.TransformationMode.SmoothTransformation)
            except Exception:  # a frame that cannot be decoded shows as a placeholder
                image = None
            task.emit((generation, frame, image if image is not None else QImage()))
