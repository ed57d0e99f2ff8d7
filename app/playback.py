"""Playback timing: one tick per frame at the clip's rate, timed from the start of
playback so that integer-millisecond timers do not drift (29.97 fps stays 29.97)."""

from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, QObject, Qt, QTimer, Signal


class Playback(QObject):
    """Emits ``tick`` once per frame while running.

    Signals:
        tick(): time for the next frame. The timer is already re-armed when it is emitted,
            so ``is_running()`` holds for its receivers; call ``stop()`` to end.
    """

    tick = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._fire)
        self._clock = QElapsedTimer()
        self._ticks = 0
        self._fps = 24.0

    def start(self, fps: float) -> None:
        """Start ticking at ``fps`` frames per second."""
        self._fps = float(fps) if fps and fps > 0 else 24.0
        self._ticks = 0
        self._clock.start()
        self._timer.start(self._next_ms())

    def stop(self) -> None:
        """Stop ticking."""
        self._timer.stop()

    def is_running(self) -> bool:
        """True between start and stop."""
        return self._timer.isActive()

    def _next_ms(self) -> int:
        due = (self._ticks + 1) * 1000.0 / self._fps
        return max(0, int(round(due - self._clock.elapsed())))

    def _fire(self) -> None:
        self._ticks += 1
        self._timer.start(self._next_ms())
        self.tick.emit()
