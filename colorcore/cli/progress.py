"""Progress for the command line: on a terminal one line on stderr, redrawn in place;
otherwise (a log file, a pipe, a job scheduler) plain lines at each tenth done, so a
long run is never silent."""

from __future__ import annotations

import sys
import time


class ProgressBar:
    """Callable progress(fraction) that draws ``label [#####     ]  42%  ETA 0:13``.

    On a terminal it redraws at most ten times a second; elsewhere it prints a plain
    line ``label: 40% (ETA 0:13)`` at each tenth done. ``finish()`` ends the line. Use as
    a context manager so the line is ended even on an error.
    """

    def __init__(self, label: str, stream=None):
        self._label = label
        self._stream = stream or sys.stderr
        self._enabled = self._stream.isatty()
        self._start = time.monotonic()
        self._last_draw = 0.0
        self._drawn = False
        self._next_tenth = 1

    def __call__(self, fraction: float) -> None:
        """Show ``fraction`` (0..1) done."""
        now = time.monotonic()
        elapsed = now - self._start
        eta = elapsed * (1.0 - fraction) / fraction if fraction > 0.01 else None
        eta_text = f"ETA {int(eta) // 60}:{int(eta) % 60:02d}" if eta is not None else "ETA --:--"
        if not self._enabled:
            if fraction * 10 >= self._next_tenth:
                self._next_tenth = int(fraction * 10) + 1
                self._stream.write(f"{self._label}: {int(fraction * 100)}% ({eta_text})\n")
                self._stream.flush()
            return
        if now - self._last_draw < 0.1 and fraction < 1.0:
            return
        self._last_draw = now
        filled = int(round(fraction * 30))
        line = f"\r{self._label} [{'#' * filled}{' ' * (30 - filled)}] {fraction * 100:5.1f}%  {eta_text}"
        self._stream.write(line)
        self._stream.flush()
        self._drawn = True

    def frames(self, status) -> None:
        """Show a farm job's progress (a :class:`colorcore.farm.FarmProgress`):
        ``label [#####     ]  120/300 frames  6.5 frames/s  ETA 0:27``."""
        now = time.monotonic()
        if not self._enabled or (now - self._last_draw < 0.1 and status.done < status.total):
            return
        self._last_draw = now
        left = status.seconds_left
        eta_text = f"ETA {int(left) // 60}:{int(left) % 60:02d}" if left is not None else "ETA --:--"
        filled = int(round(status.fraction * 30))
        line = (
            f"\r{self._label} [{'#' * filled}{' ' * (30 - filled)}] {status.done}/{status.total} frames"
            f"  {status.frames_per_second:.1f} frames/s  {eta_text}"
        )
        self._stream.write(line)
        self._stream.flush()
        self._drawn = True

    def finish(self) -> None:
        """End the line (if anything was drawn)."""
        if self._drawn:
            self._stream.write("\n")
            self._stream.flush()
            self._drawn = False

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc) -> None:
        self.finish()
