"""FolderWriter: one image file per frame, the folder appearing only when complete."""

from __future__ import annotations

import contextlib
import os
from fractions import Fraction
from pathlib import Path

import numpy as np

from colorcore.errors import InputError
from colorcore.media.images import encode_image
from colorcore.media.leftovers import old_folder, partial_folder, remove_tree_quietly
from colorcore.media.manifest import MANIFEST_NAME, check_replaceable, manifest_bytes, remove_sequence
from colorcore.media.writer import FrameWriter


def frame_file_name(i: int, frame_count: int | None, extension: str = ".png", first_number: int = 0) -> str:
    """File name of the ``i``-th frame written (0-based) to a folder of ``frame_count``
    frames numbered from ``first_number`` (the source frame of the first one written):
    frame_000000.png, ..., zero-padded to at least 6 digits."""
    first = max(0, int(first_number))
    digits = max(6, len(str(max(0, first + (frame_count or 0) - 1))))
    return f"frame_{first + i:0{digits}d}{extension}"


def install_folder(filled: Path, path: Path, names: list[str], *, overwrite: bool) -> None:
    """Move a complete frame folder ``filled`` (holding the frame files ``names``, in
    order) to ``path``, with its manifest: the last step of every frame folder output (the
    serial writer's and the farm's).

    An existing ``path`` is replaced only when empty, or with ``overwrite`` when it holds
    nothing but a previous Keyhue frame sequence; it is moved aside first, so that one of
    the two is whole at every moment, and then only the files its manifest lists are
    deleted.

    Raises:
        InputError: ``path`` exists and may not be replaced (see above).
    """
    (filled / MANIFEST_NAME).write_bytes(manifest_bytes(names))
    old = None
    if path.exists() or path.is_symlink():
        if not path.is_dir() or path.is_symlink():
            raise InputError(f"output '{path}' exists and is not a folder")
        if not overwrite and any(path.iterdir()):
            raise InputError(f"output folder '{path}' is not empty (allow overwriting to replace it)")
        # Checked again now: files may have appeared since open_writer looked.
        check_replaceable(path)
        # Move the old folder aside first, so the new one is complete before the old
        # one is deleted, and a failure leaves at least one of them whole.
        old = old_folder(path)
        os.replace(path, old)
    try:
        os.replace(filled, path)
    except BaseException:
        if old is not None:
            os.replace(old, path)
        raise
    if old is not None:
        # The new output is in place; if this fails, a later start-up sweep removes the rest.
        with contextlib.suppress(OSError):
            remove_sequence(old)


class FolderWriter(FrameWriter):
    """Writes frame_000000.png, frame_000001.png, ... (or .tif) into a folder; numbering
    starts at ``first_number`` (the source frame of the first frame written, so a partial
    render's files carry the source's frame numbers).

    Frames go into a hidden sibling folder '.<name>.partial-<pid>-<random>' that close()
    renames to the output, with a manifest ('.keyhue-frames.json') listing the frames.
    An existing output folder is replaced only then, and only when it is empty or holds
    nothing but a previous Keyhue frame sequence (see colorcore.media.manifest); only the
    files its manifest lists are deleted. 16-bit frames are stored as 16-bit PNG or TIFF.
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
        self._names: list[str] = []
        self._tmp = partial_folder(path)
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
        name = self.frame_name(self.frames_written)
        (self._tmp / name).write_bytes(data)
        self._names.append(name)

    def _finish(self) -> None:
        install_folder(self._tmp, self.path, self._names, overwrite=self._overwrite)

    def _discard(self) -> None:
        remove_tree_quietly(self._tmp)
