"""FolderClip: a folder of still images (or one image) as a clip."""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import numpy as np

from colorcore.errors import InputError
from colorcore.media.cache import CachedFrame
from colorcore.media.clip import DEFAULT_FOLDER_FPS, Clip, as_frame_rate
from colorcore.media.images import IMAGE_EXTENSIONS, image_size, list_image_files, read_image
from colorcore.media.pixels import depth_of, frozen, grey_to_rgb, rgb_to_luma


class FolderClip(Clip):
    """Frames stored as image files, one per frame, in natural name order.

    Every frame must have the size of the first (checked from the file headers when the
    clip is opened) and its bit depth (checked when the frame is read). Grey files give
    ``luma(i)`` exactly as stored; colour files give the rounded BT.601 luma of their RGB.
    ``files`` lists the frames' paths in order. Use ``open_clip`` rather than this
    constructor.
    """

    def __init__(
        self,
        path: Path,
        fps: float | Fraction | None = None,
        *,
        cache_frames: int = 32,
        cache_bytes: int = 256 * 2**20,
    ):
        super().__init__(cache_frames, cache_bytes)
        self.path = Path(path)
        if self.path.is_dir():
            try:
                self.files = list_image_files(self.path)
            except OSError as exc:
                raise InputError(f"cannot list '{self.path}': {exc.strerror or exc}") from None
            if not self.files:
                kinds = ", ".join(e.lstrip(".") for e in IMAGE_EXTENSIONS)
                raise InputError(f"folder '{self.path}' holds no image files ({kinds})")
        else:
            self.files = [self.path]
        self.frame_rate = as_frame_rate(DEFAULT_FOLDER_FPS if fps is None else fps)
        self.frame_count = len(self.files)

        first = read_image(self.files[0])
        self.height, self.width = first.shape[:2]
        self.bit_depth = depth_of(first.dtype)
        for file in self.files[1:]:
            size = image_size(file)
            if size != (self.width, self.height):
                raise InputError(
                    f"'{file}' is {size[0]}x{size[1]} but '{self.files[0].name}' is "
                    f"{self.width}x{self.height}: all frames of a folder must have one size"
                )
        self._cache.put(0, self._entry_for(first))

    def frame_path(self, i: int) -> Path:
        """The image file of frame ``i``."""
        return self.files[self._check_index(i)]

    def _read(self, i: int) -> np.ndarray:
        file = self.files[i]
        try:
            image = read_image(file)
        except InputError as exc:
            raise InputError(f"frame {i}: {exc}") from None
        if image.shape[:2] != (self.height, self.width):
            raise InputError(
                f"frame {i} ('{file}') is {image.shape[1]}x{image.shape[0]} but the clip is {self.width}x{self.height}"
            )
        if image.dtype != self.dtype:
            raise InputError(
                f"frame {i} ('{file}') is {depth_of(image.dtype)}-bit but the first frame is {self.bit_depth}-bit"
            )
        return image

    @staticmethod
    def _entry_for(image: np.ndarray) -> CachedFrame:
        if image.ndim == 2:
            return CachedFrame(luma=frozen(image))
        return CachedFrame(rgb=frozen(image))

    def _load(self, i: int) -> CachedFrame:
        return self._entry_for(self._read(i))

    def _iterate(self, kind: str, start: int, stop: int) -> Iterator[np.ndarray]:
        for i in range(start, stop):
            image = self._read(i)
            if kind == "luma":
                yield image if image.ndim == 2 else rgb_to_luma(image)
            else:
                yield grey_to_rgb(image) if image.ndim == 2 else image
