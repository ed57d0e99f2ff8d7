"""Many projects as one job: ``colorcore render A.keyhue B.keyhue ... -o FOLDER``.

Each project renders to its own output in FOLDER (``<project name>.<container>``, or a
frame folder ``<project name>/``), all sharing one cluster; a project that fails (missing
media, a unit that keeps failing) is reported and does not stop the others. Without a
cluster the projects render one after the other through the serial path.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from colorcore.errors import InputError
from colorcore.farm.job import FarmProgress

#: Batch output kinds: the extension of each project's output ("" = a frame folder).
CONTAINERS = {"mkv": ".mkv", "mov": ".mov", "mp4": ".mp4", "frames": ""}


@dataclass
class BatchResult:
    """How one project of a batch ended: ``output`` when written, else ``error`` (one line)."""

    project: Path
    output: Path | None
    error: str | None
    frames: int = 0
    seconds: float = 0.0


def render_batch(
    projects: list[Path],
    folder: Path,
    *,
    container: str = "mkv",
    workers: int | None = None,
    address: str | None = None,
    audio: bool = True,
    overwrite: bool = False,
    overrides: dict | None = None,
    progress: Callable[[FarmProgress], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> list[BatchResult]:
    """Render every project of ``projects`` into ``folder``; return one result per project.

    Args:
        projects: .keyhue files.
        folder: the output folder (created if missing; its parent must exist).
        container: a key of :data:`CONTAINERS`.
        workers, address: the cluster (see :func:`colorcore.farm.cluster.connect`);
            neither: the projects render one after the other on this machine.
        audio, overwrite: as :func:`colorcore.render.render_project`.
        overrides: project settings to replace (solver, device, image_format).
        progress: called with a :class:`FarmProgress` across all projects.
        cancel: polled; True stops the whole batch (CancelledError).

    Raises:
        InputError: the folder cannot be created; Ray missing or unreachable.
    """
    from colorcore.farm.api import project_job
    from colorcore.farm.job import run_jobs

    if container not in CONTAINERS:
        raise InputError(f"batch output must be one of {', '.join(CONTAINERS)}, not '{container}'")
    if not folder.parent.is_dir():
        raise InputError(f"cannot write into '{folder}': folder '{folder.parent}' does not exist")
    folder.mkdir(exist_ok=True)
    results: list[BatchResult] = []
    jobs = {}
    taken: set[Path] = set()
    for path in projects:
        output = folder / f"{Path(path).stem}{CONTAINERS[container]}"
        result = BatchResult(Path(path), None, None)
        results.append(result)
        if output in taken:
            result.error = f"another project of this batch also writes '{output.name}'"
            continue
        taken.add(output)
        try:
            jobs[id(result)] = project_job(path, output, audio=audio, overwrite=overwrite, overrides=overrides)
        except InputError as exc:
            result.error = str(exc)
    if workers is None and address is None:
        _render_serially(results, jobs, overrides or {}, progress, cancel)
        return results
    run_jobs(list(jobs.values()), workers=workers, address=address, progress=progress, cancel=cancel)
    for result in results:
        job = jobs.get(id(result))
        if job is not None:
            result.output, result.error = job.path, job.error
            result.frames, result.seconds = len(job.spec.span), job.seconds
    return results


def _render_serially(results, jobs, overrides: dict, progress, cancel) -> None:
    from colorcore.guidance.project import Project
    from colorcore.render import render_project

    total = sum(len(job.spec.span) for job in jobs.values())
    done = 0
    began = time.monotonic()
    for result in results:
        job = jobs.get(id(result))
        if job is None:
            continue
        frames = len(job.spec.span)

        def report(fraction, done=done, frames=frames, total=total):
            if progress is not None:
                now = done + fraction * frames
                rate = now / max(time.monotonic() - began, 1e-9)
                progress(FarmProgress(int(now), total, rate, (total - now) / rate if rate > 0 else None))

        start = time.monotonic()
        try:
            project = Project.load(result.project)
            project.settings.update(overrides)
            result.output = render_project(
                project, job.output, audio=job.audio, overwrite=job.overwrite, progress=report, cancel=cancel
            )
            result.frames = frames
        except InputError as exc:
            result.error = str(exc)
            total -= frames
        result.seconds = time.monotonic() - start
        done += frames if result.error is None else 0
