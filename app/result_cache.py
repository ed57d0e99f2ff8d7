"""Propagated frames kept for viewing: the most recent in memory, every one on disk.

A propagated clip at 1080p and 16 bits is gigabytes. The editor keeps the frames it
used last in memory, up to a byte budget, and moves older ones to a scratch
:class:`colorcore.frame_store.FrameStore`, so every propagated frame can be shown again
without propagating again while memory does not grow with the clip's length.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from colorcore.video.frame_store import FrameStore

#: Memory for propagated frames; older ones wait on disk.
MEMORY_BYTES = 1 << 30


class ResultCache:
    """Frame index -> HxWx3 RGB result. Thread-safe (the timeline's thumbnail thread reads it).

    Args:
        memory_bytes: budget for the frames held in memory (at least one is always held).
    """

    def __init__(self, memory_bytes: int = MEMORY_BYTES):
        self.memory_bytes = memory_bytes
        self._memory: OrderedDict[int, np.ndarray] = OrderedDict()
        self._on_disk: set[int] = set()  # frames whose latest result is in the store
        self._store: FrameStore | None = None
        self._lock = threading.Lock()

    def put(self, frame: int, rgb: np.ndarray) -> None:
        """Keep ``rgb`` as ``frame``'s result, replacing any earlier one."""
        with self._lock:
            self._on_disk.discard(frame)
            self._memory[frame] = rgb
            self._memory.move_to_end(frame)
            self._evict()

    def get(self, frame: int) -> np.ndarray | None:
        """``frame``'s result (read back from disk if need be), or None."""
        with self._lock:
            rgb = self._memory.get(frame)
            if rgb is not None:
                self._memory.move_to_end(frame)
                return rgb
            if frame not in self._on_disk:
                return None
            rgb = self._store.get("rgb", frame)
            self._memory[frame] = rgb
            self._evict()
            return rgb

    def frames(self) -> list[int]:
        """Every frame with a result, in increasing order."""
        with self._lock:
            return sorted(self._memory.keys() | self._on_disk)

    def in_memory(self) -> int:
        """Bytes of results held in memory."""
        with self._lock:
            return sum(rgb.nbytes for rgb in self._memory.values())

    def clear(self) -> None:
        """Forget every result and delete the scratch files."""
        with self._lock:
            self._memory.clear()
            self._on_disk.clear()
            if self._store is not None:
                self._store.close()
                self._store = None

    close = clear

    def __contains__(self, frame: int) -> bool:
        with self._lock:
            return frame in self._memory or frame in self._on_disk

    def __len__(self) -> int:
        return len(self.frames())

    def __iter__(self):
        return iter(self.frames())

    def _evict(self) -> None:
        """Move the least recently used frames to disk until memory is within budget."""
        total = sum(rgb.nbytes for rgb in self._memory.values())
        while len(self._memory) > 1 and total > self.memory_bytes:
            frame, rgb = self._memory.popitem(last=False)
            total -= rgb.nbytes
            if frame not in self._on_disk:
                if self._store is None:
                    self._store = FrameStore(prefix="keyhue-results-")
                self._store.put("rgb", frame, rgb)
                self._on_disk.add(frame)
