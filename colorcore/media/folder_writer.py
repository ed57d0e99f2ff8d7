"""FolderWriter: one image file per frame, the folder appearing only when complete."""

from __future__ import annotations

import os
import secrets
import shutil
from fractions import Fraction
from pathlib import Path

import numpy as np

from colorcore.errors import InputError
from colorcore.media.images import encode_image
from colorcore.media.writer import FrameWriter


def frame_file_name(i: int, frame_count: int | None, extension: str = ".png", first_number: int = 0) -> str:
    """File name of the ``i``-th frame written (0-based) to a folder of ``frame_count``
    frames numbered from ``first_number`` (the source frame of the first one written):
    frame_000000.png, ..., zero-padded to at least 6 digits."""
    first = max(0, int(first_number))
    digits = max(6, len(str(max(0, first + (frame_count or 0) - 1))))
    return f"frame_{first + i:0{digits}d}{extension}"


class FolderWriter(FrameWriter):
    """Writes frame_000000.png, frame_000001.png, ... (or .tif) into a folder; numbering
    starts at ``first_number`` (the source frame of the first frame written, so a partial
    render's files carry the source's frame numbers).

    Frames go into a hidden sibling folder '.<name>.partial-<random>' that close()
    renames to the output; an existing output folder (empty, or any when overwrite is
    allowed) is replaced only then. 16-bit frames are stored as 16-bit PNG or TIFF.
    Use open_writer rather than this constructor.
    """

    def __init__(
        self,
        path: Path,
        frame_rate: Fraction,
        width: int,
        height: int,
        bit_depth: int,
        *,
        extension: str = ".png",
        frame_count: int | None = None,
        overwrite: bool = False,
        first_number: int = 0,
    ):
        super().__init__(path, frame_rate, width, height, bit_depth)
        self._ext = extension
        self._frame_count = frame_count
        self._first = first_number
        self._overwrite = overwrite
        self._tmp = path.with_name(f".{path.name}.partial-{secrets.token_hex(4)}")
        try:
            self._tmp.mkdir()
        except OSError as exc:
            self._state = "aborted"
            reason = exc.strerror or exc
            raise InputError(f"cannot create a folder beside '{path}': {reason}") from None

    def frame_name(self, i: int) -> str:
        """File name of the ``i``-th frame written (0-based) inside the output folder."""
        return frame_file_name(i, self._frame_count, self._ext, self._first)

    def _write(self, rgb: np.ndarray) -> None:
        data = encode_image(rgb, self._ext)
        (self._tmp / self.frame_name(self.frames_written)).write_bytes(data)

    def _finish(self) -> None:
        old = None
        if self.path.exists():
            if not self.path.is_dir():
                raise InputError(f"output '{self.path}' exists and is not a folder")
            if not self._overwrite and any(self.path.iterdir()):
                raise InputError(f"output folder '{self.path}' is not empty (allow overwriting to replace it)")
            # Move the old folder aside first, so the new one is complete before the old
            # one is deleted, and a failure leaves at least one of them whole.
            old = self.path.with_name(f".{self.path.name}.old-{secrets.token_hex(4)}")
            os.replace(self.path, old)
        try:
            os.replace(self._tmp, self.path)
        except BaseException:
            if old is not None:
                os.replace(old, self.path)
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)

    def _discard(self) -> None:
        shutil.rmtree(self._tmp, ignore_errors=True)
