"""Propagated frames: the most recent in memory, every one on disk, kept across sessions.

A propagated clip at 1080p and 16 bits is gigabytes. The editor keeps the frames it used
last in memory, up to a byte budget, and writes every frame to a folder as it arrives
(lossless PNG, the clip's bit depth). The folder lives in the user's cache folder, one
per project (:func:`cache_folder`), with an index of which frames were propagated for
which guidance (a fingerprint of the project), so a reopened project shows its frames
without propagating again. The cache folders together are kept under a byte budget
(:func:`prune`), oldest first.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path

import cv2
import numpy as np

#: Memory for propagated frames; older ones are read back from disk.
MEMORY_BYTES = 1 << 30
#: Disk for all projects' cached frames together.
DISK_BYTES = 20 << 30
_INDEX = "index.json"


def cache_folder(root: Path, key: str) -> Path:
    """The cache folder of the project identified by ``key`` (its path or its media's)."""
    return Path(root) / hashlib.sha1(key.encode()).hexdigest()[:16]


def prune(root: Path, max_bytes: int = DISK_BYTES, keep: Path | None = None) -> None:
    """Delete whole project caches under ``root``, least recently used first, until they
    take at most ``max_bytes`` (``keep`` is never deleted)."""
    root = Path(root)
    if not root.is_dir():
        return
    folders = []
    for folder in root.iterdir():
        if folder.is_dir() and (folder / _INDEX).exists():
            size = sum(f.stat().st_size for f in folder.iterdir() if f.is_file())
            folders.append(((folder / _INDEX).stat().st_mtime, folder, size))
    total = sum(size for _, _, size in folders)
    for _, folder, size in sorted(folders):
        if total <= max_bytes:
            break
        if keep is not None and folder.resolve() == Path(keep).resolve():
            continue
        shutil.rmtree(folder, ignore_errors=True)
        total -= size


class ResultCache:
    """Frame index -> HxWx3 RGB result. Thread-safe (the propagation worker writes it, the
    timeline's thumbnail thread reads it).

    Args:
        memory_bytes: budget for the frames held in memory (at least one is always held).
        folder: where frames are kept across sessions; None: a private temporary folder
            removed by :meth:`close`.
    """

    def __init__(self, memory_bytes: int = MEMORY_BYTES, folder: Path | None = None):
        self.memory_bytes = memory_bytes
        self._memory: OrderedDict[int, np.ndarray] = OrderedDict()
        self._on_disk: set[int] = set()
        self._lock = threading.Lock()
        self._temporary = folder is None
        self.folder = Path(tempfile.mkdtemp(prefix="keyhue-results-")) if folder is None else Path(folder)

    def _path(self, frame: int) -> Path:
        return self.folder / f"{frame:07d}.png"

    def put(self, frame: int, rgb: np.ndarray) -> None:
        """Keep ``rgb`` (HxWx3 uint8/uint16) as ``frame``'s result, replacing any earlier one.
        It is written to disk here: call it from a worker thread for large frames."""
        self.folder.mkdir(parents=True, exist_ok=True)
        ok, data = cv2.imencode(".png", np.ascontiguousarray(rgb[..., ::-1]))
        if ok:
            path = self._path(frame)
            partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.partial")
            partial.write_bytes(data.tobytes())
            os.replace(partial, path)
        with self._lock:
            if ok:
                self._on_disk.add(frame)
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
        bgr = cv2.imread(str(self._path(frame)), cv2.IMREAD_UNCHANGED)
        if bgr is None:
            with self._lock:
                self._on_disk.discard(frame)
            return None
        rgb = np.ascontiguousarray(bgr[..., ::-1])
        with self._lock:
            self._memory[frame] = rgb
            self._evict()
        return rgb

    def discard(self, frames) -> None:
        """Forget the results of ``frames`` (their files too)."""
        with self._lock:
            for frame in frames:
                self._memory.pop(frame, None)
                if frame in self._on_disk:
                    self._on_disk.discard(frame)
                    self._path(frame).unlink(missing_ok=True)

    def frames(self) -> list[int]:
        """Every frame with a result, in increasing order."""
        with self._lock:
            return sorted(self._memory.keys() | self._on_disk)

    def in_memory(self) -> int:
        """Bytes of results held in memory."""
        with self._lock:
            return sum(rgb.nbytes for rgb in self._memory.values())

    # -- across sessions -----------------------------------------------------------------

    def save_index(self, fingerprint: str, propagated: list[int], stale: list[int]) -> None:
        """Record which frames on disk are propagated (and which stale) for the guidance
        whose fingerprint is ``fingerprint`` (see :func:`keyhue.session.fingerprint`)."""
        if self._temporary:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        on_disk = set(self.frames())
        index = {
            "fingerprint": fingerprint,
            "propagated": sorted(int(f) for f in propagated if f in on_disk),
            "stale": sorted(int(f) for f in stale if f in on_disk),
        }
        partial = self.folder / f".{_INDEX}.partial"
        partial.write_text(json.dumps(index))
        os.replace(partial, self.folder / _INDEX)

    def load_index(self, fingerprint: str) -> tuple[list[int], list[int]]:
        """(propagated, stale) frames kept from an earlier session for this fingerprint;
        with another fingerprint (the project changed elsewhere) the files are dropped."""
        try:
            index = json.loads((self.folder / _INDEX).read_text())
            propagated, stale = list(index["propagated"]), list(index["stale"])
            valid = index["fingerprint"] == fingerprint
        except (OSError, ValueError, KeyError, TypeError):
            return [], []
        if not valid:
            self.clear()
            return [], []
        present = {int(p.stem) for p in self.folder.glob("*.png") if p.stem.isdigit()}
        with self._lock:
            self._on_disk |= present
        return [f for f in propagated if f in present], [f for f in stale if f in present]

    def moved_to(self, folder: Path) -> ResultCache:
        """This cache's frames in ``folder`` (after Save As gave the project a new key);
        this cache is left empty. Returns the new cache."""
        other = ResultCache(self.memory_bytes, folder)
        for frame in self.frames():
            rgb = self.get(frame)
            if rgb is not None:
                other.put(frame, rgb)
        self.clear()
        return other

    def clear(self) -> None:
        """Forget every result and delete its files."""
        with self._lock:
            self._memory.clear()
            self._on_disk.clear()
            if self.folder.exists():
                shutil.rmtree(self.folder, ignore_errors=True)

    def close(self) -> None:
        """Release memory; a temporary folder is deleted, a project's folder kept."""
        if self._temporary:
            self.clear()
        else:
            with self._lock:
                self._memory.clear()

    def __contains__(self, frame: int) -> bool:
        with self._lock:
            return frame in self._memory or frame in self._on_disk

    def __len__(self) -> int:
        return len(self.frames())

    def __iter__(self):
        return iter(self.frames())

    def _evict(self) -> None:
        """Drop the least recently used frames from memory (they are on disk)."""
        total = sum(rgb.nbytes for rgb in self._memory.values())
        while len(self._memory) > 1 and total > self.memory_bytes:
            frame, rgb = self._memory.popitem(last=False)
            total -= rgb.nbytes
            if frame not in self._on_disk:  # could not be written: keep it
                self._memory[frame] = rgb
                break
