"""A long run's scan computed ahead, in chunks, on other workers while one worker solves it.

A run between keyframes is one work unit, and its solves are sequential: each carries the
previous output frame. Its scan (:class:`colorcore.video.propagate.FrameScanner`: decode,
cut test, DIS flows both ways, exemplar hints) depends on the source frames alone, and on
854x480 frames it is about two thirds of the work. So the unit's task, which solves the
run, hands the scan to chunk tasks (``scan_chunk_task``, CHUNK frames each) on the other
workers and consumes their :class:`~colorcore.video.propagate.ScannedFrame` lists in
order through the object store (``colorize_clip(scan=...)``), keeping a bounded window
of chunks in flight ahead of the one it reads: memory holds a few chunks, never the run.
The frames are the serial pass's bit for bit (each chunk compares its first frame with
the frame before it, exactly as the whole scan does).

While the unit's task waits for a chunk, Ray lends its CPU to another task (a blocked
``ray.get`` releases it), so on 2 CPUs both scan at the start, and later one worker solves
while the other scans.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from colorcore.errors import CancelledError, InputError
from colorcore.video.propagate import FrameScanner, ScannedFrame

#: Frames per chunk task: long enough that a chunk's set-up (decoding the frame before
#: it, seeking into the source) is small beside its scan, short enough that the first
#: solve starts soon and a window of chunks stays small (about 40 MiB a chunk at 854x480).
CHUNK = 24
#: Runs whose scan is shorter than this are scanned in place by the unit's own task.
MIN_FRAMES = 2 * CHUNK
#: Chunks in flight beyond the one being read, at most: a frame's scan is about twice its
#: solves, so two or three workers scanning keep one solving busy; more would only hold
#: memory (up to MAX_AHEAD + 1 chunks per long unit: about 200 MiB at 854x480).
MAX_AHEAD = 4


def scan_span(frames: range, before: int | None, after: int | None) -> range:
    """The frames a unit's propagation scans to render ``frames``: from the keyframe
    ``before`` it (or frame 0) to the keyframe ``after`` it (or the unit's end), as
    :func:`colorcore.video.propagate.colorize_clip` does."""
    start = before if before is not None else 0
    stop = after + 1 if after is not None else frames.stop
    return range(start, stop)


def scan_chunk_task(spec, start: int, stop: int, origin: int, board, job_key) -> dict:
    """Scan frames ``start`` .. ``stop - 1`` of a scan that began at frame ``origin``.

    Args:
        spec: the output's :class:`colorcore.farm.tasks.RenderSpec`.
        start, stop: the chunk (clip frame indices, origin <= start < stop).
        origin: the scan's first frame; a chunk after it compares its first frame with
            the frame before (:meth:`FrameScanner.frames`).
        board, job_key: the driver's progress board and the output's key on it; a chunk
            of an output that was stopped does not start (None: no board).

    Returns:
        {"frames": [ScannedFrame, ...]}; with "input_error" (one line) too when a frame
        could not be decoded (``frames`` then holds the frames before it); or
        {"stopped": True}.
    """
    from colorcore.farm.tasks import _clip

    if board is not None:
        import ray

        if ray.get(board.is_stopped.remote(job_key)):
            return {"stopped": True}
    scanner = FrameScanner(_clip(spec.source), spec.guidance, spec.settings)
    scanned: list[ScannedFrame] = []
    try:
        for frame in scanner.frames(start, stop, origin if start > origin else None):
            scanned.append(frame)
    except InputError as exc:
        return {"frames": scanned, "input_error": str(exc)}
    return {"frames": scanned}


class ScanAhead:
    """A scan source for :func:`colorcore.video.propagate.colorize_clip` (``scan=``) that
    reads one unit's scan from chunk tasks.

    The chunks tile the unit's scan span from its first frame, CHUNK frames each; when
    frame j is read, the chunks up to ``ahead`` beyond j's are submitted, and the chunks
    before j's are let go (the object store frees them).

    Args:
        span: the unit's scan span (:func:`scan_span`).
        submit: ``submit(start, stop, origin)`` -> the object ref of a chunk task.
        get: resolves such a ref (``ray.get``).
        ahead: chunks kept in flight beyond the one being read.
        chunk: frames per chunk.
    """

    def __init__(self, span: range, submit: Callable[[int, int, int], Any], get, ahead: int, chunk: int = CHUNK):
        self.span = span
        self.chunk = chunk
        self.ahead = ahead
        self._submit = submit
        self._get = get
        self._refs: dict[int, Any] = {}  # chunk number -> ref, submitted and not yet read
        self._current: tuple[int, dict] | None = None  # the chunk being read and its result
        self.chunks_submitted = 0
        self.waited = 0.0  # seconds spent waiting for chunks

    def __call__(self, start: int, stop: int) -> Iterator[ScannedFrame]:
        """Frames ``start`` .. ``stop - 1`` (inside the span, at or after the frames read
        so far), as :meth:`FrameScanner.frames` gives them.

        Raises:
            InputError: a chunk could not decode a frame (as the serial scan would).
            CancelledError: the output was stopped.
        """
        for j in range(start, min(stop, self.span.stop)):
            yield self._frame(j)

    def _frame(self, j: int) -> ScannedFrame:
        k = (j - self.span.start) // self.chunk
        for later in range(k, k + self.ahead + 1):
            self._ensure(later)
        if self._current is None or self._current[0] != k:
            self._current = None  # let the last chunk go before waiting for the next
            began = time.monotonic()
            result = self._get(self._refs.pop(k))
            self.waited += time.monotonic() - began
            for done in [n for n in self._refs if n < k]:
                del self._refs[done]
            if result.get("stopped"):
                raise CancelledError("the output was stopped")
            self._current = (k, result)
        number, result = self._current
        frames = result["frames"]
        i = j - (self.span.start + number * self.chunk)
        if i >= len(frames):
            raise InputError(result.get("input_error") or f"the scan of frame {j} is missing")
        return frames[i]

    def _ensure(self, k: int) -> None:
        """Submit chunk k when it lies in the span and was not submitted yet."""
        first = self.span.start + k * self.chunk
        if first >= self.span.stop or k in self._refs or (self._current is not None and self._current[0] >= k):
            return
        self._refs[k] = self._submit(first, min(first + self.chunk, self.span.stop), self.span.start)
        self.chunks_submitted += 1
