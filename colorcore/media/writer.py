"""FrameWriter: the base of every output, written atomically.

Outputs appear only when complete: a video is written under a temporary name beside the
target and renamed onto it by close(); a frame folder is filled as a hidden sibling and
renamed into place. abort(), or an exception inside ``with``, removes the partial output
and leaves whatever was at the target untouched.
"""

from __future__ import annotations

import contextlib
from fractions import Fraction
from pathlib import Path

import numpy as np

from colorcore.errors import InputError
from colorcore.media.pixels import dtype_for_depth, grey_to_rgb


def output_error(path: Path, exc: OSError) -> InputError:
    """The one-line InputError for an OSError met while writing the output ``path``."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    hints = {28: " (the disk is full)", 122: " (the disk quota is exceeded)", 5: " (was the device removed?)"}
    hint = hints.get(exc.errno, "") if exc.errno is not None else ""
    return InputError(f"cannot write '{path}': {reason}{hint}")


class FrameWriter:
    """Writes a clip one RGB frame at a time; a context manager.

    Attributes:
        path: the final output (file or folder), present only after a successful close().
        width, height: frame size in pixels.
        frame_rate: exact frames per second (Fraction); ``fps`` as a float.
        bit_depth: 8 (frames must be uint8) or 16 (uint16).
        frames_written: frames accepted so far.

    Frames are encoded and written as they come: memory does not grow with their number.
    Leaving a ``with`` block normally closes (finishes) the output; leaving it by an
    exception aborts it, removing the partial output. Create writers with open_writer().
    """

    def __init__(self, path: Path, frame_rate: Fraction, width: int, height: int, bit_depth: int):
        self.path = path
        self.frame_rate = frame_rate
        self.width = width
        self.height = height
        self.bit_depth = bit_depth
        self.dtype = dtype_for_depth(bit_depth)
        self.frames_written = 0
        self._state = "open"

    @property
    def fps(self) -> float:
        """Frames per second as a float."""
        return float(self.frame_rate)

    @property
    def closed(self) -> bool:
        """True once close() or abort() ran."""
        return self._state != "open"

    def write(self, rgb: np.ndarray) -> None:
        """Append one frame.

        Args:
            rgb: HxWx3 RGB (or HxW grey) of the writer's size, uint8 for bit_depth 8,
                uint16 for bit_depth 16 (full 0..65535 range).

        Raises:
            ValueError: wrong shape or dtype, or the writer is closed.
            InputError: the output cannot be written (full disk, read-only folder, device
                gone, ...): one line; the partial output is removed.
        """
        if self._state != "open":
            raise ValueError(f"writer for '{self.path}' is closed")
        frame = np.asarray(rgb)
        if frame.ndim == 2:
            frame = grey_to_rgb(frame)
        if frame.shape != (self.height, self.width, 3) or frame.dtype != self.dtype:
            raise ValueError(
                f"expected a {self.height}x{self.width}x3 {self.dtype} frame, got {frame.shape} {frame.dtype}"
            )
        try:
            self._write(np.ascontiguousarray(frame))
        except OSError as exc:
            self.abort()
            raise output_error(self.path, exc) from None
        except BaseException:
            self.abort()
            raise
        self.frames_written += 1

    def close(self) -> None:
        """Finish the output and move it into place. Does nothing if already closed.

        Raises:
            ValueError: no frame was written (the partial output is removed).
            InputError: the output cannot be finished (full disk, read-only folder, a
                folder that may not be replaced, ...); the partial output is removed.
        """
        if self._state != "open":
            return
        if self.frames_written == 0:
            self.abort()
            raise ValueError(f"no frames were written to '{self.path}'")
        try:
            self._finish()
        except OSError as exc:
            self.abort()
            raise output_error(self.path, exc) from None
        except BaseException:
            self.abort()
            raise
        self._state = "closed"

    def abort(self) -> None:
        """Discard the partial output; the target path is left as it was. Idempotent."""
        if self._state != "open":
            return
        self._state = "aborted"
        # Never hide the error that made us abort behind one from the clean-up (on a
        # read-only or vanished folder); the start-up sweep removes what is left.
        with contextlib.suppress(OSError):
            self._discard()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def __del__(self):
        # A writer dropped without close() must not leave temporary files behind.
        if getattr(self, "_state", None) == "open":
            with contextlib.suppress(Exception):
                self.abort()

    # -- for subclasses --------------------------------------------------------------

    def _write(self, rgb: np.ndarray) -> None:
        raise NotImplementedError

    def _finish(self) -> None:
        raise NotImplementedError

    def _discard(self) -> None:
        raise NotImplementedError
