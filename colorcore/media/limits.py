"""Limits on what Keyhue decodes, checked before any pixel is allocated, and the check
that an input is a regular file (a named pipe would block a read forever).

- An image or a video frame may be at most ``MAX_SIDE`` pixels wide or high and hold at
  most ``MAX_PIXELS`` pixels (16384 and 64 megapixels: 8K UHD, 7680x4320, is 33 MP).
  A decoded 16-bit RGB frame at the limit is 384 MiB; the engine's working arrays for
  one frame are a few times that, so the limit keeps one frame's memory to a few GiB.
- A project file may be at most ``MAX_PROJECT_BYTES`` (256 MiB) long.
"""

from __future__ import annotations

import os
import stat
import struct
from pathlib import Path

from colorcore.errors import InputError

MAX_SIDE = 16384
MAX_PIXELS = 64 * 2**20
MAX_PROJECT_BYTES = 256 * 2**20


def check_frame_size(width: int, height: int, what: str) -> None:
    """Refuse a frame or image of ``width`` x ``height`` beyond the limits (or empty).

    Args:
        what: names the image in the message, e.g. "'photo.png'" or "frame 12".

    Raises:
        InputError: one line naming ``what``, its size and the limit.
    """
    if width < 1 or height < 1:
        raise InputError(f"{what} has no pixels ({width}x{height})")
    if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise InputError(
            f"{what} is {width}x{height}; Keyhue handles images up to {MAX_SIDE} pixels a side and "
            f"{MAX_PIXELS // 2**20} megapixels"
        )


def png_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG's header bytes, or None when ``data`` is not a PNG."""
    if len(data) >= 24 and data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR":
        return struct.unpack(">II", data[16:24])
    return None


def check_regular_file(path: str | os.PathLike, what: str = "input") -> os.stat_result:
    """Refuse anything but a regular file (or a symbolic link to one) at ``path``.

    Named pipes, sockets and devices are refused: reading one can block forever or
    never end.

    Returns:
        The file's stat (size in ``st_size``).

    Raises:
        InputError: missing, unreadable, a folder, or not a regular file.
    """
    path = Path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputError(f"cannot open {what} '{path}': no such file") from None
    except OSError as exc:
        raise InputError(f"cannot open {what} '{path}': {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"cannot open {what} '{path}': it is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        kind = "a named pipe" if stat.S_ISFIFO(info.st_mode) else "not a regular file"
        raise InputError(f"cannot open {what} '{path}': it is {kind}; give a file on disk")
    return info
