"""Choose an output by its extension, check the path, open the writer.

- ``.mp4``: H.264 (libx264, yuv420p, CRF 16, preset medium): for viewing and sharing.
- ``.mov``: ProRes 422 HQ (prores_ks, yuv422p10le): for editing.
- ``.mkv``: FFV1 level 3, lossless RGB (bgr0 / gbrp16le): for the archive.
- anything else: a folder, one PNG (or TIFF) per frame, frame_000000.png, ...
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path

import numpy as np

from colorcore.errors import InputError
from colorcore.media.audio import has_audio
from colorcore.media.clip import Clip, as_frame_rate
from colorcore.media.folder_writer import FolderWriter
from colorcore.media.images import IMAGE_EXTENSIONS
from colorcore.media.manifest import check_replaceable
from colorcore.media.pixels import dtype_for_depth
from colorcore.media.video_clip import VideoClip
from colorcore.media.video_writer import VideoFileWriter
from colorcore.media.writer import FrameWriter

#: Output extensions that make a video file, and the kind each makes.
VIDEO_OUTPUTS = {".mp4": "mp4", ".mov": "mov", ".mkv": "mkv"}
# Extensions that look like a media file we do not write: refused rather than taken as a
# folder name, which would surprise.
_REFUSED_OUTPUTS = (
    ".avi",
    ".webm",
    ".m4v",
    ".mpg",
    ".mpeg",
    ".ts",
    ".mts",
    ".m2ts",
    ".wmv",
    ".flv",
    ".ogv",
    ".gif",
    ".mxf",
    ".dv",
    ".3gp",
    ".y4m",
)
_IMAGE_FORMATS = {"png": ".png", "tiff": ".tif", "tif": ".tif"}


def output_kind(path: str | os.PathLike) -> str:
    """What an output path makes: 'mp4', 'mov', 'mkv' or 'folder'.

    Raises:
        InputError: the extension names a video or image format that is not written
            (e.g. '.avi', '.png': a frame sequence is written to a folder).
    """
    suffix = Path(path).suffix.lower()
    if suffix in VIDEO_OUTPUTS:
        return VIDEO_OUTPUTS[suffix]
    if suffix in _REFUSED_OUTPUTS:
        raise InputError(
            f"cannot write '{path}': '{suffix}' output is not supported; use .mkv "
            "(lossless), .mov (ProRes), .mp4 (H.264) or a folder name"
        )
    if suffix in IMAGE_EXTENSIONS:
        raise InputError(
            f"cannot write a clip to '{path}': give a folder name (frames are written as "
            "one image per frame) or a .mp4/.mov/.mkv file"
        )
    return "folder"


def _source_path(source) -> Path:
    return Path(source.path) if isinstance(source, Clip) else Path(source)


def _same_path(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return os.path.normcase(os.path.realpath(a)) == os.path.normcase(os.path.realpath(b))


def _is_inside(child: Path, folder: Path) -> bool:
    child_real = os.path.normcase(os.path.realpath(child))
    folder_real = os.path.normcase(os.path.realpath(folder))
    return child_real.startswith(folder_real.rstrip(os.sep) + os.sep)


def check_output_path(
    output: str | os.PathLike,
    inputs: Iterable[str | os.PathLike | Clip] = (),
    *,
    overwrite: bool = False,
) -> Path:
    """Check that ``output`` can be written without harming anything; return it as a Path.

    Args:
        output: a .mp4/.mov/.mkv file or a folder for frames (see ``output_kind``).
        inputs: the paths (or Clips) being read; none may be the output, and none may lie
            inside an output folder (replacing the folder would delete it).
        overwrite: allow replacing an existing file, or a non-empty folder that holds
            only a previous Keyhue frame sequence (see colorcore.media.manifest: any
            other non-empty folder is refused even with overwrite).

    Raises:
        InputError: unsupported extension; parent folder missing; output equal to an
            input or an output folder containing one; the output exists (a file, or a
            non-empty folder) and overwrite is False; a non-empty folder that is not a
            Keyhue frame sequence; a file where a folder is wanted or the reverse.
    """
    out = Path(output)
    try:
        return _check_output_path(out, inputs, overwrite)
    except OSError as exc:  # a path too long, a folder that cannot be read, a device gone
        raise InputError(f"cannot write '{out}': {exc.strerror or exc}") from None


def _check_output_path(out: Path, inputs, overwrite: bool) -> Path:
    kind = output_kind(out)
    parent = out.parent
    if not parent.is_dir():
        raise InputError(f"cannot write '{out}': folder '{parent}' does not exist")
    for source in inputs:
        if source is None:
            continue
        src = _source_path(source)
        if _same_path(out, src):
            raise InputError(f"output '{out}' is the input '{src}': choose another output")
        if kind == "folder" and _is_inside(src, out):
            raise InputError(f"output folder '{out}' contains the input '{src}': choose another output")
    if kind == "folder":
        if out.exists() and not out.is_dir():
            raise InputError(f"output '{out}' exists and is not a folder")
        if out.is_dir() and not overwrite and any(out.iterdir()):
            raise InputError(f"output folder '{out}' is not empty (allow overwriting to replace it)")
        if overwrite:
            check_replaceable(out)
    else:
        if out.is_dir():
            raise InputError(f"output '{out}' is a folder, not a {kind} file")
        if out.exists() and not overwrite:
            raise InputError(f"output '{out}' already exists (allow overwriting to replace it)")
    return out


def open_writer(
    path: str | os.PathLike,
    *,
    fps: float | Fraction,
    width: int,
    height: int,
    bit_depth: int = 8,
    audio_from: str | os.PathLike | Clip | None = None,
    overwrite: bool = False,
    image_format: str = "png",
    frame_count: int | None = None,
    first_number: int = 0,
    inputs: Iterable[str | os.PathLike | Clip] = (),
) -> FrameWriter:
    """Open a writer for a video file or a frame folder, chosen by ``path``'s extension.

    Args:
        path: '.mp4' (H.264), '.mov' (ProRes 422 HQ), '.mkv' (FFV1, lossless RGB) or a
            folder (created if missing; its parent must exist) for one image per frame.
        fps: frame rate (a Fraction such as ``clip.frame_rate`` keeps NTSC rates exact).
        width, height: frame size in pixels (H.264 and ProRes need even sizes).
        bit_depth: 8 (uint8 frames) or 16 (uint16). 16-bit is kept by .mkv and by PNG/TIFF
            folders; .mov stores 10 bits; .mp4 stores 8 bits.
        audio_from: a Clip or video path whose first audio stream is copied into the
            output (re-encoded to AAC only when the container cannot hold its codec).
            Frame folders have no audio: it is skipped with a warning.
        overwrite: replace an existing file or non-empty folder (only once the new output
            is complete).
        image_format: 'png' or 'tiff' for frame folders.
        frame_count: expected number of frames, used to size the zero-padding of frame
            names (at least 6 digits).
        first_number: for a folder, the number of the first frame's file (the source
            frame it is), so that frame files keep the source's numbering.
        inputs: paths or Clips being read, which the output must not overwrite
            (``audio_from`` is always included).

    Returns:
        A FrameWriter; use it in a ``with`` block, or call close() (or abort()).

    Raises:
        InputError: see check_output_path; an odd size for .mp4/.mov; an unknown
            image_format; an audio source that cannot be opened.
        ValueError: bad width, height or bit_depth (a programming error).
    """
    sizes_ok = all(isinstance(n, (int, np.integer)) and n >= 1 for n in (width, height))
    if not sizes_ok:
        raise ValueError(f"width and height must be positive integers, not {width!r}x{height!r}")
    width, height = int(width), int(height)
    dtype_for_depth(bit_depth)
    rate = as_frame_rate(fps)
    out = check_output_path(path, [*inputs, *([audio_from] if audio_from is not None else [])], overwrite=overwrite)
    kind = output_kind(out)
    if kind == "folder":
        ext = _IMAGE_FORMATS.get(str(image_format).lower())
        if ext is None:
            raise InputError(f"image format must be 'png' or 'tiff', not {image_format!r}")
        if audio_from is not None and _has_audio(audio_from):
            source = _source_path(audio_from)
            warnings.warn(
                f"frame folders hold no audio: the audio of '{source}' is not copied",
                stacklevel=2,
            )
        return FolderWriter(
            out,
            rate,
            width,
            height,
            bit_depth,
            extension=ext,
            frame_count=frame_count,
            first_number=first_number,
            overwrite=overwrite,
        )
    return VideoFileWriter(
        out,
        kind,
        rate,
        width,
        height,
        bit_depth,
        audio_from=None if audio_from is None else _source_path(audio_from),
        audio_origin=audio_from.start_time if isinstance(audio_from, VideoClip) else None,
    )


def _has_audio(source) -> bool:
    if isinstance(source, Clip):
        return source.has_audio
    return has_audio(Path(source))
