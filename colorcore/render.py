"""Render a project to an output: the one code path shared by ``colorcore render`` and
the editor's export.

:func:`project_frames` colours a project's frames (``colorcore.propagate.colorize_clip``
with the project's guidance and settings); :func:`write_frames` writes such frames with
:func:`colorcore.media.open_writer`, which is atomic: an error, a cancel or Ctrl-C leaves
no half-written output. :func:`render_project` is the two together.
:func:`preview_frame` is the editor's live preview of one keyframe, the same frame as
:func:`project_frames` gives for it.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from colorcore.colorspace import luma_of
from colorcore.guidance.project import Project

if TYPE_CHECKING:
    from colorcore.solvers.deep.infer import DeepSolver


def project_frames(
    project: Project,
    clip,
    frames: range | None = None,
    progress: Callable[[float], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    graded: bool = True,
) -> Iterator[tuple[int, np.ndarray]]:
    """Colourised frames of a project, in increasing order, with the project's per-shot
    grades applied (:func:`colorcore.grade.apply_grade`).

    Args:
        project: the project (its guidance and its ``solver``/``device`` settings).
        clip: the project's open clip (see :meth:`Project.open_clip`).
        frames: the frames to colour (the whole clip by default).
        progress: called with the fraction done, 0..1.
        cancel: polled; when it returns True the iterator raises
            :class:`colorcore.errors.CancelledError`.
        graded: apply the grades (the editor keeps ungraded frames and grades them for
            display and export with the same function).

    Yields:
        (frame index, HxWx3 RGB of the clip's dtype), luma equal to the source's.
    """
    from colorcore.grade import apply_grade, grade_for
    from colorcore.video.propagate import colorize_clip

    solver = project.settings.get("solver", "fast")
    check_solver_available(solver)
    network: DeepSolver | None = None
    if project.settings.get("solver") == "deep":
        from colorcore.solvers.deep.adapt import network_for_project

        # Learning the film (project setting "adapt") takes the first fifth of the progress.
        outer = progress
        if int(project.settings.get("adapt") or 0) > 0 and outer is not None:
            report = outer  # bound once, non-None: the callbacks below keep calling it
            network = network_for_project(project, clip, progress=lambda f: report(0.2 * f), cancel=cancel)
            progress = lambda f: report(0.2 + 0.8 * f)  # noqa: E731
        else:
            network = network_for_project(project, clip, progress=None, cancel=cancel)
    produced = colorize_clip(
        clip,
        project.guidance(),
        solver=solver,
        device=project.settings.get("device", "auto"),
        frames=frames,
        progress=progress,
        cancel=cancel,
        network=network,
    )
    grades = list(project.grades) if graded else []
    if not grades:
        return produced
    return ((i, apply_grade(rgb, grade_for(grades, i))) for i, rgb in produced)


def check_solver_available(solver: str) -> None:
    """Refuse, in one line, a solver a project may name but this installation lacks
    ("deep" needs the colorcore.solvers.deep package)."""
    from colorcore.errors import InputError

    if solver == "deep" and importlib.util.find_spec("colorcore.solvers.deep") is None:
        raise InputError(
            "the project asks for the 'deep' solver, which this Keyhue does not include; use --solver fast"
        )


def write_frames(
    frames: Iterable[tuple[int, np.ndarray]],
    output: str | os.PathLike,
    clip,
    *,
    span: range,
    audio: bool = True,
    overwrite: bool = False,
    image_format: str = "png",
) -> Path:
    """Write colourised frames of ``clip`` to ``output`` atomically; return the output path.

    Args:
        frames: (index, HxWx3 RGB) pairs as :func:`project_frames` yields them.
        output: .mp4 / .mov / .mkv file or a folder for an image sequence.
        clip: the source clip (frame rate, size, bit depth and audio come from it).
        span: the frames coming (their count sizes the frame files' zero padding; the
            audio of a video output starts at ``span.start``'s time, in sync).
        audio: copy the source's audio into a video output.
        overwrite: replace an existing output once the new one is complete.
        image_format: "png" (the clip's bit depth) or "tiff" (16-bit) for a folder.

    Raises:
        InputError: the output cannot be written (see ``open_writer``).
        CancelledError / KeyboardInterrupt: passed on; the partial output is removed.
    """
    with open_output(output, clip, span=span, audio=audio, overwrite=overwrite, image_format=image_format) as writer:
        for _, rgb in frames:
            writer.write(rgb if writer.bit_depth == clip.bit_depth else rgb.astype(np.uint16) * 257)
    return writer.path


def open_output(
    output: str | os.PathLike,
    clip,
    *,
    span: range,
    audio: bool = True,
    overwrite: bool = False,
    image_format: str = "png",
):
    """An atomic writer for frames ``span`` of ``clip`` (see :func:`write_frames` for the
    arguments): the clip's rate and size, 16 bits for TIFF, and the audio of a video output
    starting at ``span.start``'s time so that a partial render stays in sync.

    Returns:
        A :class:`colorcore.media.FrameWriter` (``bit_depth`` tells what it expects).
    """
    from colorcore.media import VideoClip, check_output_path, open_writer, output_kind
    from colorcore.media.video_writer import VideoFileWriter

    bit_depth = 16 if image_format == "tiff" else clip.bit_depth
    with_audio = audio and clip.has_audio and output_kind(output) != "folder"
    if with_audio and span.start > 0 and isinstance(clip, VideoClip):
        # open_writer takes the audio from the clip's start; a later first frame needs
        # the audio from its own time, which the writer class takes as an origin.
        target = check_output_path(output, [clip], overwrite=overwrite)
        return VideoFileWriter(
            target,
            output_kind(target),
            clip.frame_rate,
            clip.width,
            clip.height,
            bit_depth,
            audio_from=clip.path,
            audio_origin=clip.start_time + clip.frame_time(span.start),
        )
    return open_writer(
        output,
        fps=clip.frame_rate,
        width=clip.width,
        height=clip.height,
        bit_depth=bit_depth,
        audio_from=clip if with_audio else None,
        overwrite=overwrite,
        image_format=image_format,
        frame_count=len(span),
        first_number=span.start,
        inputs=[clip],
    )


def render_project(
    project: Project,
    output: str | os.PathLike,
    *,
    frames: range | None = None,
    audio: bool = True,
    overwrite: bool = False,
    progress: Callable[[float], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> Path:
    """Colour a project and write it to ``output`` (see :func:`write_frames`).

    ``frames`` limits the render to a range of frames (the audio of a video output then
    starts at the first frame's time, in sync with the picture).

    Raises:
        InputError: media missing or changed (see :meth:`Project.open_clip`: its size and
            hash are checked), an output that cannot be written (one line: read-only
            folder, full disk, path too long, device gone), a frame range outside the
            clip, a solver this installation lacks, a frame too large for the exact solver.
        CancelledError: ``cancel`` returned True; nothing is left at ``output``.
    """
    from colorcore.errors import InputError

    with project.open_clip() as clip:
        span = frames if frames is not None else range(len(clip))
        if len(span) == 0 or span.start < 0 or span.stop > len(clip):
            raise InputError(f"frame range {span.start}:{span.stop} is not inside the clip's 0:{len(clip)}")
        return write_frames(
            project_frames(project, clip, span, progress, cancel),
            output,
            clip,
            span=span,
            audio=audio,
            overwrite=overwrite,
            image_format=project.settings.get("image_format", "png"),
        )


def preview_frame(
    gray: np.ndarray,
    guidance,
    frame: int,
    scale: float = 1.0,
    solver: str = "fast",
    device: str = "auto",
    matchers=None,
    network=None,
) -> np.ndarray | None:
    """The editor's live preview of one keyframe: at ``scale`` 1 exactly the frame
    :func:`project_frames` yields for it (:func:`colorcore.video.propagate.colorize_keyframe`:
    its strokes or reference and the exemplars that apply to it).

    Solving at ``scale`` < 1 is much faster (the half-size solve of an 854x480 frame takes
    about a tenth of the full one); the chroma is then resized to the full frame and
    composed with the full-resolution luma, so the luma stays exact and only colour edges
    are softer.

    Args:
        gray: HxW uint8/uint16 source luma as ``Clip.luma`` gives it (or HxWx3 RGB).
        guidance: the clip's guidance.
        frame: frame index.
        scale: solve size as a fraction of the frame size, in (0, 1].
        solver, device: as :func:`colorcore.solvers.colorize.solve_chroma`.
        matchers: :func:`colorcore.video.propagate.exemplar_matchers` of ``guidance``
            (built here when None).
        network: ``solver="deep"`` only: the network the export uses (see
            :func:`colorcore.solvers.colorize.solve_chroma`); the base weights when None.

    Returns:
        HxWx3 RGB of ``gray``'s dtype, or None when the frame is not a keyframe.
    """
    from colorcore.video.propagate import colorize_keyframe

    if frame not in guidance.keyframes():
        return None
    if gray.ndim == 3:
        top = np.iinfo(gray.dtype).max
        gray = np.round(luma_of(gray) * top).astype(gray.dtype)
    return colorize_keyframe(
        gray, guidance, frame, solver=solver, device=device, matchers=matchers, scale=scale, network=network
    )
