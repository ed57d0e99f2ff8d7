"""The farm's Python API: one project or one clip rendered on a Ray cluster.

For the editor: ``render_distributed(project, output, workers=os.cpu_count(),
progress=..., cancel=...)`` runs the export on local workers; ``progress`` receives a
:class:`colorcore.farm.FarmProgress` (frames done, total, frames/s, seconds left) about
four times a second, from the calling thread; ``cancel`` is polled as often and, when it
returns True, every task stops and :class:`colorcore.errors.CancelledError` is raised with
nothing left at the output. Call it from a worker thread, not the GUI thread.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path

from colorcore.errors import InputError
from colorcore.farm.job import FarmProgress, OutputJob, run_jobs
from colorcore.farm.tasks import RenderSpec
from colorcore.video.propagate import PropagationSettings


class FarmError(InputError):
    """A farm render failed: one line naming the output and the frames (e.g. a unit that
    kept failing on every retry). An InputError so that the command line reports it in
    one line with exit status 2."""


def render_distributed(
    project,
    output: str | os.PathLike,
    *,
    frames: range | None = None,
    workers: int | None = None,
    address: str | None = None,
    audio: bool = True,
    overwrite: bool = False,
    progress: Callable[[FarmProgress], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> Path:
    """Render a project on a Ray cluster: the frames of :func:`colorcore.render.render_project`.

    Args:
        project: a :class:`colorcore.guidance.project.Project` or a .keyhue path.
        output: .mp4 / .mov / .mkv file or a folder for frames.
        frames: a range of frames (default: the whole clip).
        workers: start a local cluster of this many workers for the job; address: use
            an existing cluster ("auto" or "HOST:PORT"); neither: the present connection
            (or a local cluster of the machine's cores).
        audio, overwrite: as :func:`colorcore.render.render_project`.
        progress: called with :class:`FarmProgress`; cancel: polled, True stops the job.

    Returns:
        The output path, complete.

    Raises:
        InputError: bad input (media missing, output not writable, Ray not installed).
        FarmError: the render failed (one line naming the frames).
        CancelledError: cancelled; nothing was written.
    """
    job = project_job(project, Path(output), frames=frames, audio=audio, overwrite=overwrite)
    return run_job(job, workers, address, progress, cancel)


def colorize_distributed(
    source: str | os.PathLike,
    guidance,
    output: str | os.PathLike,
    *,
    solver: str = "fast",
    device: str = "auto",
    settings: PropagationSettings | None = None,
    frames: range | None = None,
    image_format: str = "png",
    workers: int | None = None,
    address: str | None = None,
    audio: bool = True,
    overwrite: bool = False,
    progress: Callable[[FarmProgress], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> Path:
    """Colour a clip on a Ray cluster: the frames of
    :func:`colorcore.video.propagate.colorize_clip` written as
    :func:`colorcore.render.write_frames` writes them (arguments as there and as
    :func:`render_distributed`)."""
    job = clip_job(
        source,
        guidance,
        Path(output),
        solver=solver,
        device=device,
        settings=settings,
        frames=frames,
        image_format=image_format,
        audio=audio,
        overwrite=overwrite,
    )
    return run_job(job, workers, address, progress, cancel)


def clip_job(
    source: str | os.PathLike,
    guidance,
    output: Path,
    *,
    solver: str = "fast",
    device: str = "auto",
    settings: PropagationSettings | None = None,
    frames: range | None = None,
    image_format: str = "png",
    audio: bool = True,
    overwrite: bool = False,
) -> OutputJob:
    """The farm job of a clip and its guidance (arguments as :func:`colorize_distributed`),
    for :func:`colorcore.farm.job.run_jobs`; the media and the guidance checked."""
    from colorcore.media import open_clip

    with open_clip(source) as clip:
        spec = _spec(clip, Path(source), guidance, frames, solver, device, settings, image_format, output)
    return OutputJob(Path(source).name, spec, output, audio=audio, overwrite=overwrite, image_format=image_format)


def farm_limit(settings: Mapping) -> str | None:
    """Why the farm cannot render a project with these settings (``Project.settings``) as
    the serial render does, in one line, or None when it can. The farm's tasks solve with
    the base network: a deep network adapted to the film or given its own weights is not
    shipped to them."""
    if settings.get("solver") == "deep" and (int(settings.get("adapt") or 0) > 0 or settings.get("weights")):
        return "the render farm cannot yet use a deep network adapted to the film or its own weights"
    return None


def colorize_units_distributed(
    source: str | os.PathLike,
    guidance,
    frames: range,
    on_frames: Callable[[range, list[Path]], None],
    scratch: str | os.PathLike,
    *,
    solver: str = "fast",
    device: str = "auto",
    settings: PropagationSettings | None = None,
    workers: int | None = None,
    address: str | None = None,
    progress: Callable[[FarmProgress], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> None:
    """Colour ``frames`` of a clip on a Ray cluster and hand them over unit by unit, in
    frame order, writing no output (the editor's propagation fills its own cache so).

    Args:
        source, guidance, solver, device, settings: as :func:`colorize_distributed`.
        frames: the frames to colour (step 1, inside the clip).
        on_frames: ``on_frames(indices, paths)``, called from the calling thread as each
            unit is complete: its frame indices (a range) and one PNG per frame, the
            frame of :func:`colorcore.video.propagate.colorize_clip` stored losslessly
            (HxWx3 at the clip's bit depth: :func:`colorcore.media.images.read_image`
            gives it back exactly). The files are deleted after the call.
        scratch: a path whose folder holds the staging (a hidden folder beside it, removed
            at the end); nothing is written at ``scratch`` itself.
        workers, address, progress, cancel: as :func:`colorize_distributed`.

    Raises:
        InputError, FarmError, CancelledError: as :func:`colorize_distributed`; units
        handed over before a cancel or a failure stay handed over.
    """
    from colorcore.media import open_clip

    with open_clip(source) as clip:
        spec = _spec(clip, Path(source), guidance, frames, solver, device, settings, "png", Path(scratch))
    name = Path(source).name
    job = OutputJob(name, replace(spec, kind="folder"), Path(scratch), audio=False, sink=on_frames)
    run_job(job, workers, address, progress, cancel)


def project_job(
    project,
    output: Path,
    *,
    frames: range | None = None,
    audio: bool = True,
    overwrite: bool = False,
    overrides: dict | None = None,
) -> OutputJob:
    """The farm job of a project (a Project or a .keyhue path), its media checked."""
    from colorcore.guidance.project import Project

    if not isinstance(project, Project):
        project = Project.load(project)
    settings = {**project.settings, **(overrides or {})}
    limit = farm_limit(settings)
    if limit is not None:
        raise InputError(f"{limit}; render without --workers/--ray")
    image_format = settings.get("image_format", "png")
    name = project.path.name if project.path is not None else project.media.path.name
    with project.open_clip() as clip:
        spec = _spec(
            clip,
            project.media.path,
            project.guidance(),
            frames,
            settings.get("solver", "fast"),
            settings.get("device", "auto"),
            None,
            image_format,
            output,
            tuple(project.grades),
        )
    return OutputJob(name, spec, output, audio=audio, overwrite=overwrite, image_format=image_format)


def _spec(clip, source, guidance, frames, solver, device, settings, image_format, output, grades=()) -> RenderSpec:
    from colorcore.media import output_kind
    from colorcore.media.outputs import _IMAGE_FORMATS
    from colorcore.video.propagate import _check_guidance, _check_range

    span = _check_range(frames, len(clip))
    _check_guidance(guidance, len(clip), (clip.width, clip.height))
    ext = _IMAGE_FORMATS.get(str(image_format).lower())
    if ext is None:
        raise InputError(f"image format must be 'png' or 'tiff', not {image_format!r}")
    return RenderSpec(
        source=Path(source).resolve(),
        guidance=guidance,
        solver=solver,
        device=device,
        settings=settings or PropagationSettings(),
        kind="folder" if output_kind(output) == "folder" else "video",
        image_ext=ext,
        bit_depth=16 if image_format == "tiff" else clip.bit_depth,
        span=span,
        grades=grades,
    )


def run_job(
    job: OutputJob,
    workers: int | None = None,
    address: str | None = None,
    progress: Callable[[FarmProgress], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> Path:
    """Run one job (:func:`project_job`, :func:`clip_job`) and return its output path;
    arguments and errors as :func:`render_distributed`. The job keeps its figures
    (``units_rendered``, ``scan_chunks``, ``seconds``)."""
    if workers is None and address is None:
        workers = os.cpu_count() or 1
    run_jobs([job], workers=workers, address=address, progress=progress, cancel=cancel)
    if job.error is not None:
        raise FarmError(f"{job.name}: {job.error}")
    assert job.path is not None  # a job ends with a path or an error
    return job.path
