"""Open a clip: a video file, a folder of frames or a single image, chosen by the path."""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

from colorcore.errors import InputError
from colorcore.media.clip import Clip
from colorcore.media.folder_clip import FolderClip
from colorcore.media.images import IMAGE_EXTENSIONS
from colorcore.media.limits import check_regular_file
from colorcore.media.video_clip import VideoClip


def open_clip(
    path: str | os.PathLike,
    fps: float | Fraction | None = None,
    *,
    cache_frames: int = 32,
    cache_bytes: int = 256 * 2**20,
) -> Clip:
    """Open a video file or a folder of frames.

    Args:
        path: a video file (mp4, mov, mkv, avi, ... anything PyAV decodes), a folder of
            PNG/JPEG/TIFF/BMP frames taken in natural name order (frame2 before frame10),
            or a single such image (a one-frame clip).
        fps: frame rate of a folder or image (default 24.0); ignored for video files,
            whose rate comes from the stream.
        cache_frames, cache_bytes: bounds of the random-access cache of decoded frames.

    Returns:
        A Clip (VideoClip or FolderClip); use it as a context manager or close() it.

    Raises:
        InputError (one line naming the path): missing path; not a video or image file; no
            video stream; no decodable frame; a named pipe or other non-regular file;
            frames larger than colorcore.media.limits allow; truncated video; a folder with no frames or
            with frames of different sizes (naming the first one that differs).
    """
    path = Path(path)
    try:
        exists = path.exists()
    except OSError as exc:  # a name too long, a device gone
        raise InputError(f"cannot open '{path}': {exc.strerror or exc}") from None
    if not exists:
        raise InputError(f"cannot open '{path}': no such file or folder")
    if not path.is_dir():
        check_regular_file(path, "clip")
    if path.is_dir() or path.suffix.lower() in IMAGE_EXTENSIONS:
        # A single still image is a one-frame clip, read like a folder's frames.
        return FolderClip(path, fps=fps, cache_frames=cache_frames, cache_bytes=cache_bytes)
    return VideoClip(path, cache_frames=cache_frames, cache_bytes=cache_bytes)
