"""A progress bar for the command line: one line on stderr, redrawn in place."""

from __future__ import annotations

import sys
import time


class ProgressBar:
    """Callable progress(fraction) that draws ``label [#####     ]  42%  ETA 0:13``.

    Draws only when stderr is a terminal, at most ten times a second; ``finish()`` ends
    the line. Use as a context manager so the line is ended even on an error.
    """

    def __init__(self, label: str, stream=None):
        self._label = label
        self._stream = stream or sys.stderr
        self._enabled = self._stream.isatty()
        self._start = time.monotonic()
        self._last_draw = 0.0
        self._drawn = False

    def __call__(self, fraction: float) -> None:
        """Show ``fraction`` (0..1) done."""
        now = time.monotonic()
        if not self._enabled or (now - self._last_draw < 0.1 and fraction < 1.0):
            return
        self._last_draw = now
        elapsed = now - self._start
        eta = elapsed * (1.0 - fraction) / fraction if fraction > 0.01 else None
        filled = int(round(fraction * 30))
        eta_text = f"ETA {int(eta) // 60}:{int(eta) % 60:02d}" if eta is not None else "ETA --:--"
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
