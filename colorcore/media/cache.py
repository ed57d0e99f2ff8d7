"""A bounded least-recently-used cache of decoded frames."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np


class CachedFrame:
    """What is known of one frame: any of its decoded form, its RGB and its luma.

    ``decoded`` is the decoder's own picture (an ``av.VideoFrame``, YUV, not converted
    yet: frames decoded on the way to a seek target are kept in this cheaper form and
    converted only if asked for), ``rgb`` an HxWx3 array and ``luma`` an HxW array, both
    read-only and of the clip's dtype. At least one of the three is set.
    """

    __slots__ = ("decoded", "luma", "rgb")

    def __init__(self, decoded=None, rgb: np.ndarray | None = None, luma: np.ndarray | None = None):
        self.decoded = decoded
        self.rgb = rgb
        self.luma = luma

    @property
    def nbytes(self) -> int:
        """Memory held by this entry, in bytes."""
        total = 0
        if self.rgb is not None:
            total += self.rgb.nbytes
        if self.luma is not None:
            total += self.luma.nbytes
        if self.decoded is not None:
            total += sum(plane.buffer_size for plane in self.decoded.planes)
        return total


class FrameCache:
    """LRU map from frame index to CachedFrame, bounded by entry count and by bytes.

    The most recently used entry is always kept, even when it alone is over the byte
    budget, so the frame just asked for is never thrown away.
    """

    def __init__(self, max_frames: int = 32, max_bytes: int = 256 * 2**20):
        if max_frames < 1:
            raise ValueError("max_frames must be at least 1")
        self.max_frames = max_frames
        self.max_bytes = max_bytes
        self._entries: OrderedDict[int, CachedFrame] = OrderedDict()
        self._sizes: dict[int, int] = {}
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, index: int) -> bool:
        return index in self._entries

    @property
    def nbytes(self) -> int:
        """Bytes held by all entries."""
        return self._bytes

    def get(self, index: int) -> CachedFrame | None:
        """The entry for ``index`` (now the most recently used), or None."""
        entry = self._entries.get(index)
        if entry is not None:
            self._entries.move_to_end(index)
        return entry

    def put(self, index: int, entry: CachedFrame) -> None:
        """Store (or replace) the entry for ``index`` and evict what no longer fits."""
        self._entries[index] = entry
        self._entries.move_to_end(index)
        self.update(index)

    def update(self, index: int) -> None:
        """Re-measure the entry for ``index`` after it changed, then evict as needed."""
        entry = self._entries.get(index)
        if entry is None:
            return
        size = entry.nbytes
        self._bytes += size - self._sizes.get(index, 0)
        self._sizes[index] = size
        while len(self._entries) > 1 and (len(self._entries) > self.max_frames or self._bytes > self.max_bytes):
            old, _ = self._entries.popitem(last=False)
            self._bytes -= self._sizes.pop(old)

    def clear(self) -> None:
        """Drop every entry."""
        self._entries.clear()
        self._sizes.clear()
        self._bytes = 0
