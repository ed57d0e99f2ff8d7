"""Clip: a video file or a folder of frames, as numbered frames with random access.

``open_clip`` picks the implementation (VideoClip for files PyAV decodes, FolderClip for
folders of still images). Both share the frame cache and the RGB/luma conversions here.
"""

from __future__ import annotations

import operator
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from colorcore.errors import InputError
from colorcore.media.cache import CachedFrame, FrameCache
from colorcore.media.pixels import frozen, grey_to_rgb, rgb_to_luma

#: Frame rate given to a folder of frames when the caller names none.
DEFAULT_FOLDER_FPS = 24.0


@dataclass(frozen=True)
class AudioInfo:
    """The first audio stream of a video file.

    Attributes:
        codec: FFmpeg codec name, e.g. 'aac', 'pcm_s16le'.
        sample_rate: samples per second, e.g. 48000.
        channels: channel count.
        duration: seconds, or None when the container does not say.
        stream_index: index of the stream in its container.
    """

    codec: str
    sample_rate: int
    channels: int
    duration: float | None
    stream_index: int


class Clip:
    """Numbered frames of a video file or frame folder, with random access.

    Attributes:
        path: the file or folder (``pathlib.Path``).
        frame_count: number of frames (also ``len(clip)``).
        fps: frames per second (float); ``frame_rate`` is the same as an exact Fraction.
        width, height: frame size in pixels.
        bit_depth: 8 (frames are uint8, 0..255) or 16 (uint16, 0..65535; any source
            deeper than 8 bits is scaled to the full 16-bit range).
        dtype: ``np.uint8`` or ``np.uint16`` to match bit_depth.
        audio: AudioInfo of the first audio stream, or None (always None for folders).

    ``rgb(i)`` and ``luma(i)`` are frame-accurate and cached (a bounded LRU cache, see
    ``open_clip``); the arrays they return are shared with the cache and therefore
    read-only: copy one before changing it. Iterating (``for rgb in clip`` or
    ``clip.frames(...)``) decodes sequentially, bypasses the cache and yields fresh
    arrays. Random access is thread-safe; each iterator has its own decoder.
    """

    path: Path
    frame_count: int
    frame_rate: Fraction
    width: int
    height: int
    bit_depth: int
    audio: AudioInfo | None = None

    def __init__(self, cache_frames: int, cache_bytes: int):
        self._cache = FrameCache(cache_frames, cache_bytes)
        self._lock = threading.RLock()
        self._closed = False

    # -- properties ------------------------------------------------------------------

    @property
    def fps(self) -> float:
        """Frames per second, as a float (see ``frame_rate`` for the exact value)."""
        return float(self.frame_rate)

    @property
    def dtype(self) -> np.dtype:
        """Sample type of every frame: uint8 for 8-bit clips, uint16 for 16-bit."""
        return np.dtype(np.uint16 if self.bit_depth == 16 else np.uint8)

    @property
    def has_audio(self) -> bool:
        """True when the source has an audio stream (see ``audio``)."""
        return self.audio is not None

    @property
    def audio_stream_info(self) -> AudioInfo | None:
        """Same as ``audio``."""
        return self.audio

    @property
    def duration(self) -> float:
        """Length in seconds: frame_count / fps."""
        return self.frame_count / self.fps

    @property
    def closed(self) -> bool:
        """True once close() was called."""
        return self._closed

    def __len__(self) -> int:
        return self.frame_count

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} '{self.path}' {self.frame_count} frames "
            f"{self.width}x{self.height} {self.bit_depth}-bit {self.fps:g} fps>"
        )

    # -- frame access ----------------------------------------------------------------

    def rgb(self, i: int) -> np.ndarray:
        """Frame ``i`` (0-based) as RGB.

        Returns:
            HxWx3 array of ``self.dtype`` (uint8 0..255 or uint16 0..65535), read-only.
            A grey source gives three equal channels.

        Raises:
            IndexError: ``i`` is outside 0..frame_count-1.
            InputError: the frame cannot be decoded (the message names the frame).
        """
        i = self._check_index(i)
        with self._lock:
            entry = self._entry(i)
            if entry.rgb is None:
                if entry.decoded is not None:
                    entry.rgb = frozen(self._decoded_to_rgb(entry.decoded, i))
                    entry.decoded = None  # the RGB replaces it
                else:
                    assert entry.luma is not None  # an entry holds at least one form
                    entry.rgb = frozen(grey_to_rgb(entry.luma))
                self._cache.update(i)
            return entry.rgb

    def luma(self, i: int) -> np.ndarray:
        """Luma of frame ``i``: ``round(0.299 R + 0.587 G + 0.114 B)`` of ``rgb(i)``.

        Returns:
            HxW array of ``self.dtype``, read-only. For a grey source (an HxW image, or
            RGB with equal channels) this is exactly the grey value. For YUV video it is
            the BT.601 luma of the decoded full-range RGB, so for limited-range video a
            Y code of 16..235 appears as 0..255 (see VideoClip).

        Raises:
            IndexError, InputError: as ``rgb``.
        """
        i = self._check_index(i)
        with self._lock:
            entry = self._entry(i)
            if entry.luma is None:
                rgb = self.rgb(i)  # leaves entry.rgb set (entry is the same object)
                entry.luma = frozen(rgb_to_luma(rgb))
                self._cache.update(i)
            return entry.luma

    def frames(self, kind: str = "rgb", start: int = 0, stop: int | None = None) -> Iterator[np.ndarray]:
        """Iterate over frames ``start .. stop-1`` in order, decoding sequentially.

        Args:
            kind: 'rgb' (HxWx3) or 'luma' (HxW); dtype as ``self.dtype``.
            start, stop: frame range (stop defaults to frame_count).

        Memory stays at a few frames whatever the length; the random-access cache is not
        touched. Raises InputError naming the frame when one cannot be decoded.
        """
        if kind not in ("rgb", "luma"):
            raise ValueError(f"kind must be 'rgb' or 'luma', not {kind!r}")
        stop = self.frame_count if stop is None else min(stop, self.frame_count)
        start = max(0, start)
        self._check_open()
        return self._iterate(kind, start, stop)

    def __iter__(self) -> Iterator[np.ndarray]:
        """Every frame as RGB, in order (see ``frames``)."""
        return self.frames("rgb")

    def frame_time(self, i: int) -> float:
        """Presentation time of frame ``i`` in seconds, counted from frame 0."""
        return self._check_index(i) / self.fps

    # -- lifetime --------------------------------------------------------------------

    def close(self) -> None:
        """Release files and the cache; calls after this raise ValueError."""
        with self._lock:
            self._closed = True
            self._cache.clear()
            self._close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- for subclasses --------------------------------------------------------------

    def _entry(self, i: int) -> CachedFrame:
        entry = self._cache.get(i)
        if entry is None:
            entry = self._load(i)
            self._cache.put(i, entry)
        return entry

    def _check_open(self) -> None:
        if self._closed:
            raise ValueError(f"clip '{self.path}' is closed")

    def _check_index(self, i) -> int:
        self._check_open()
        i = operator.index(i)
        if not 0 <= i < self.frame_count:
            raise IndexError(f"frame {i} is outside 0..{self.frame_count - 1} of '{self.path}'")
        return i

    def _load(self, i: int) -> CachedFrame:
        """Decode frame i (may also cache neighbours decoded on the way)."""
        raise NotImplementedError

    def _decoded_to_rgb(self, decoded, i: int) -> np.ndarray:
        raise NotImplementedError

    def _iterate(self, kind: str, start: int, stop: int) -> Iterator[np.ndarray]:
        raise NotImplementedError

    def _close(self) -> None:
        pass


def as_frame_rate(fps: float | int | Fraction) -> Fraction:
    """Exact frame rate for ``fps``: 23.976 -> 24000/1001, 29.97 -> 30000/1001, 25 -> 25.

    A Fraction is kept as it is. A float within 0.002 of an NTSC rate (n * 1000/1001) or
    of an integer becomes that; any other float is approximated with a denominator of
    at most 10000.

    Raises:
        InputError: fps is not a positive finite number.
    """
    if isinstance(fps, Fraction):
        rate = fps
    else:
        try:
            value = float(fps)
        except (TypeError, ValueError):
            raise InputError(f"frame rate must be a number, not {fps!r}") from None
        if not (value > 0 and value < float("inf")):
            raise InputError(f"frame rate must be positive, not {fps!r}")
        whole = round(value)
        ntsc = Fraction(round(value * 1.001) * 1000, 1001)
        if abs(value - whole) < 0.002 and whole > 0:
            rate = Fraction(whole)
        elif abs(value - float(ntsc)) < 0.002 and ntsc > 0:
            rate = ntsc
        else:
            rate = Fraction(value).limit_denominator(10000)
    if rate <= 0:
        raise InputError(f"frame rate must be positive, not {fps!r}")
    return rate
