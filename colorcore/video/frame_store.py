"""A scratch store of per-frame arrays on disk, so memory does not grow with a segment.

Propagation keeps flows and backward-pass chroma for every frame between two keyframes.
Held in memory they would grow with the keyframe distance (about 7 MB a frame at 480p);
here each array is a small file in a private temporary folder, removed on close.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from colorcore.media.leftovers import scratch_folder


class FrameStore:
    """Arrays keyed by (name, frame index), kept as .npy files in a temporary folder."""

    def __init__(self, prefix: str = "keyhue-"):
        # The folder's name carries our process id, so that a start-up sweep removes it if
        # this process is killed (colorcore.media.leftovers).
        word = prefix.removeprefix("keyhue").strip("-")
        self._folder = scratch_folder(word if word.isalpha() and word.islower() else "")

    def put(self, name: str, frame: int, array: np.ndarray) -> None:
        """Store ``array`` (any shape and dtype) under (name, frame), replacing any earlier one."""
        np.save(self._path(name, frame), array, allow_pickle=False)

    def get(self, name: str, frame: int) -> np.ndarray:
        """The array stored under (name, frame); KeyError if there is none."""
        path = self._path(name, frame)
        if not path.exists():
            raise KeyError((name, frame))
        return np.load(path, allow_pickle=False)

    def has(self, name: str, frame: int) -> bool:
        """True when (name, frame) is stored."""
        return self._path(name, frame).exists()

    def drop_before(self, frame: int) -> None:
        """Delete every array of frames before ``frame`` (they will not be read again)."""
        for path in self._folder.glob("*.npy"):
            if int(path.stem.rsplit("-", 1)[1]) < frame:
                path.unlink()

    def close(self) -> None:
        """Delete the folder and everything in it."""
        shutil.rmtree(self._folder, ignore_errors=True)

    def __enter__(self) -> FrameStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _path(self, name: str, frame: int) -> Path:
        return self._folder / f"{name}-{frame}.npy"
