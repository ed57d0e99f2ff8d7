"""The driver: plan, submit, assemble in order, report progress, cancel, fail cleanly.

One job renders one or more outputs (a batch) on one Ray connection. For each output:

1. plan units (:mod:`colorcore.farm.plan`) and create a staging folder beside the output,
   ``.<name>.farm-<pid>-<hex>`` (:func:`colorcore.media.leftovers.farm_staging`), holding
   an ``owner`` file (the driver's host); what a killed driver left there is swept by
   :func:`colorcore.media.leftovers.sweep_leftovers` when the next job for that folder
   starts (as the serial writers' partial outputs are);
2. submit keyframe solves and units in frame order, keeping a bounded window of units
   in flight ahead of the oldest one not yet assembled (every worker busy, staging on
   disk bounded, nothing of the film held in memory);
3. assemble as units finish, in frame order: a video output is encoded by the driver
   from the staged raw segments (each deleted once encoded) through the same writer as
   the serial render, audio included; a frame folder is already written by the workers;
4. move the complete output into place (the final name exists only then; a frame
   folder with its manifest and under the serial writer's overwrite rule,
   :func:`colorcore.media.folder_writer.install_folder`) and remove the staging.

Faults: Ray re-runs a task whose worker died, and a task that raised, up to ``retries``
more times; then the output fails with one line naming it, the unit's shot and its
frames (the shot from the cuts the units before it found, :func:`colorcore.farm.plan.describe_shot`). A user
error inside a task (a damaged frame with on_damaged="stop") fails the output at once.
Cancel (the callback, or Ctrl-C) and a failed output stop their tasks cooperatively: the
progress board marks the output stopped and each unit, at its next report (twice a second,
at a frame boundary), ends without writing more; the staging is removed and nothing is
left under the final names. ``ray.cancel`` is not used: in Ray (2.60 included) it races
with a task's completion reply and can abort the driver process (ray-project/ray#54527).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from colorcore.errors import CancelledError, InputError
from colorcore.farm.cluster import connect
from colorcore.farm.plan import Unit, plan_units, scan_origin
from colorcore.farm.tasks import (
    RenderSpec,
    frames_folder,
    output_frame,
    render_unit_task,
    segment_path,
    solve_keyframe_task,
    write_image,
)
from colorcore.media.folder_writer import frame_file_name, install_folder
from colorcore.media.leftovers import farm_staging, sweep_leftovers


@dataclass(frozen=True)
class FarmProgress:
    """Progress of a farm job across all workers (what the terminal bar and the editor show).

    Attributes:
        done: frames rendered so far (all outputs together).
        total: frames to render (outputs that failed no longer count).
        frames_per_second: the rate since the job's first frame was submitted.
        seconds_left: estimated time to completion, or None before a rate is known.
    """

    done: int
    total: int
    frames_per_second: float
    seconds_left: float | None

    @property
    def fraction(self) -> float:
        """``done / total``, 0..1."""
        return min(1.0, self.done / self.total) if self.total else 1.0


@dataclass(frozen=True)
class CachedFrames:
    """Frames of an output already rendered elsewhere (the editor's propagation cache):
    a unit whose frames are all here is not rendered, the driver takes them from ``read``.

    Attributes:
        frames: the clip frame indices held.
        read: ``read(frame)``: the frame of :func:`colorcore.video.propagate.colorize_clip`
            (HxWx3 of the clip's dtype, not graded: the job grades it as its tasks do),
            or None when it is no longer held.
    """

    frames: frozenset[int]
    read: Callable[[int], np.ndarray | None]


@dataclass
class OutputJob:
    """One output of a farm job; ``error`` and ``path`` tell how it ended.

    Attributes:
        name: how messages name it (the project file or source name).
        spec: what the tasks need (:class:`colorcore.farm.tasks.RenderSpec`).
        output: the final output path.
        audio, overwrite, image_format: as :func:`colorcore.render.write_frames`.
        path: the written output once complete; error: one line when it failed.
        sink: instead of writing an output (a frame folder job only): called in frame
            order as each unit is assembled, ``sink(frames, paths)`` with the unit's
            frames and their image files, which are deleted after the call; nothing is
            installed at ``output``, which only places the staging beside it. ``path`` is
            ``output`` once every frame was handed over.
        scan_chunks: chunk tasks its units' scans were handed to
            (:mod:`colorcore.farm.scan_ahead`; 0 when every unit scanned in place).
        cached: frames to take instead of rendering them (:class:`CachedFrames`), or None.
        units_rendered: units submitted to the workers (the others came from ``cached``).
        scan_wait: seconds its units' tasks waited for their scan chunks.
    """

    name: str
    spec: RenderSpec
    output: Path
    audio: bool = True
    overwrite: bool = False
    image_format: str = "png"
    path: Path | None = None
    error: str | None = None
    sink: Callable[[range, list[Path]], None] | None = None
    units: list[Unit] = field(default_factory=list)
    staging: Path | None = None
    seconds: float = 0.0
    scan_chunks: int = 0
    cached: CachedFrames | None = None
    units_rendered: int = 0
    scan_wait: float = 0.0
    _began: float = 0.0
    _writer: Any = None
    _clip: Any = None
    _spec_ref: Any = None
    _keys: dict = field(default_factory=dict)
    _cuts: set = field(default_factory=set)  # shot cuts the finished units found

    @property
    def staged(self) -> Path:
        """The staging folder (set once the job is prepared)."""
        assert self.staging is not None
        return self.staging


def run_jobs(
    jobs: list[OutputJob],
    *,
    workers: int | None = None,
    address: str | None = None,
    progress: Callable[[FarmProgress], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    retries: int = 2,
) -> list[OutputJob]:
    """Render ``jobs`` on one cluster; return them with ``path`` or ``error`` set.

    A job that fails does not stop the others. See the module docstring.

    Raises:
        InputError: Ray missing, or the cluster cannot be reached.
        CancelledError: ``cancel`` returned True (nothing is left at any output that
            was not complete before).
        KeyboardInterrupt: passed on, after the same clean-up.
    """
    from colorcore.farm.cluster import require_ray

    require_ray()
    for job in jobs:
        _prepare(job)
    live = [job for job in jobs if job.error is None]
    if not live:
        return jobs
    try:
        with connect(workers, address) as cpus:
            driver = _Driver(live, cpus, progress, cancel, retries)
            try:
                driver.run()
            except BaseException:
                driver.stop_all()  # while still connected: it tells the cluster's tasks to stop
                raise
    except BaseException:  # the cluster could not be reached or started, or the above
        for job in live:
            if job.path is None:
                _remove_staging(job)
        raise
    return jobs


def _prepare(job: OutputJob) -> None:
    """Check the output, sweep stale staging, create this job's staging, plan its units."""
    from colorcore.media import check_output_path, output_kind

    try:
        sweep_leftovers([job.output.parent], temp=False)
        if job.sink is None:
            check_output_path(job.output, [job.spec.source], overwrite=job.overwrite)
        kind = "folder" if job.sink is not None or output_kind(job.output) == "folder" else "video"
        if kind != job.spec.kind:
            raise ValueError(f"spec kind {job.spec.kind} for a {kind} output")
        job.staging = farm_staging(job.output)
        job.staging.mkdir()
        (job.staging / "owner").write_text(f"{socket.gethostname()} {os.getpid()}\n", encoding="utf-8")
        if kind == "folder":
            frames_folder(job.staging).mkdir()
        job.units = plan_units(job.spec.guidance.keyframes(), job.spec.span)
    except InputError as exc:
        job.error = str(exc)
        _remove_staging(job)
    except OSError as exc:
        job.error = f"cannot stage beside '{job.output}': {exc.strerror or exc}"
        _remove_staging(job)


def _remove_staging(job: OutputJob) -> None:
    if job.staging is not None:
        shutil.rmtree(job.staging, ignore_errors=True)


class _Driver:
    """The submit / assemble loop over the units of all jobs, in frame order."""

    def __init__(self, jobs, cpus: int, progress, cancel, retries: int):
        import ray

        self.ray = ray
        self.jobs = jobs
        self.progress = progress
        self.cancel = cancel
        self.order = [(job, unit) for job in jobs for unit in job.units]
        # Enough units in flight to keep every CPU busy while the oldest one finishes.
        self.window = 2 * max(1, cpus) + 2
        self.in_flight: deque = deque()
        options = {"max_retries": retries, "retry_exceptions": True}
        gpu = 1 if ray.cluster_resources().get("GPU") else 0
        self.solve: Any = ray.remote(solve_keyframe_task)
        self.render: Any = ray.remote(render_unit_task)
        self.options: dict = {"num_cpus": 1, **options}
        # Deep-network solves ask for a GPU where the cluster has one.
        self.gpu_options: dict = {"num_gpus": gpu} if gpu else {}
        self.board: Any = ray.remote(_Board).options(num_cpus=0).remote()
        self.total = sum(len(job.spec.span) for job in jobs)
        self.cached_done = 0  # frames taken from the jobs' caches
        self.started = time.monotonic()
        self.last_report = 0.0

    def run(self) -> None:
        ray = self.ray
        next_unit = 0
        while next_unit < len(self.order) or self.in_flight:
            while next_unit < len(self.order) and len(self.in_flight) < self.window:
                job, unit = self.order[next_unit]
                next_unit += 1
                if job.error is None:
                    # A unit whose frames are all cached needs no task (ref None).
                    ref = None if _is_cached(job, unit) else self._submit(job, unit)
                    self.in_flight.append((job, unit, ref))
            if not self.in_flight:
                continue
            job, unit, ref = self.in_flight[0]
            if ref is not None:
                ready, _ = ray.wait([ref], timeout=0.25)
                self._poll()
                if not ready:
                    continue
            self.in_flight.popleft()
            if job.error is not None:
                continue
            try:
                result = ray.get(ref) if ref is not None else {}
            except ray.exceptions.RayError as exc:
                self._fail(job, f"{self._where(job, unit)} failed after every retry: {_reason(exc)}")
                continue
            job._cuts.update(result.get("cuts", ()))
            job.scan_chunks += result.get("scan_chunks", 0)
            job.scan_wait += result.get("scan_wait", 0.0)
            if "input_error" in result:
                self._fail(job, f"{self._where(job, unit)}: {result['input_error']}")
                continue
            try:
                self._assemble(job, unit, cached=ref is None)
            except InputError as exc:
                self._fail(job, str(exc))
            except OSError as exc:
                self._fail(job, f"cannot write '{job.output}': {exc.strerror or exc}")
        self._poll(force=True)

    # -- submitting ------------------------------------------------------------------

    def _submit(self, job: OutputJob, unit: Unit):
        if job._spec_ref is None:
            job._spec_ref = self.ray.put(job.spec)
            job._began = time.monotonic()
        extra = {**self.options, **(self.gpu_options if job.spec.solver == "deep" else {})}
        solved = []
        for k in unit.keyframes:
            if k not in job._keys:
                job._keys[k] = self.solve.options(**extra).remote(job._spec_ref, k)
            solved.append(job._keys[k])
        # A keyframe is needed by the units beside it only: drop the driver's reference
        # once the last of them is submitted, so the object store can free it.
        for k in list(job._keys):
            if k < unit.frames.start:
                del job._keys[k]
        render = self.render.options(**extra)
        job.units_rendered += 1
        return render.remote(job._spec_ref, unit, str(job.staged), self.board, (id(job), unit.index), *solved)

    # -- assembling --------------------------------------------------------------------

    def _assemble(self, job: OutputJob, unit: Unit, cached: bool = False) -> None:
        frames = self._cached_frames(job, unit) if cached else None
        if job.spec.kind == "video":
            self._encode(job, unit, frames)
        else:
            if frames is not None:  # the files the unit's task would have written
                for f, rgb in zip(unit.frames, frames):
                    write_image(frames_folder(job.staged), f, rgb, job.spec, f"driver-{os.getpid()}")
                    self._poll()
            if job.sink is not None:
                paths = [frames_folder(job.staged) / self._name(job, f) for f in unit.frames]
                job.sink(unit.frames, paths)
                for path in paths:
                    path.unlink(missing_ok=True)
        if unit is job.units[-1]:
            self._finish(job)

    @staticmethod
    def _name(job: OutputJob, frame: int) -> str:
        span = job.spec.span
        return frame_file_name(frame - span.start, len(span), job.spec.image_ext, span.start)

    def _cached_frames(self, job: OutputJob, unit: Unit):
        """The unit's frames read from ``job.cached`` one at a time, as the output stores them."""
        assert job.cached is not None
        for f in unit.frames:
            rgb = job.cached.read(f)
            if rgb is None:
                raise InputError(f"frame {f} is no longer in the cache it was to be taken from; render again")
            self.cached_done += 1
            yield output_frame(job.spec, f, rgb)

    def _encode(self, job: OutputJob, unit: Unit, cached=None) -> None:
        """Encode the unit's frames: its staged segment, or ``cached`` (an iterator of frames)."""
        from colorcore.media import open_clip
        from colorcore.render import open_output

        if job._writer is None:
            job._clip = open_clip(job.spec.source)
            job._writer = open_output(
                job.staged / job.output.name,
                job._clip,
                span=job.spec.span,
                audio=job.audio,
                image_format=job.image_format,
            )
        writer = job._writer
        if cached is not None:
            for frame in cached:
                writer.write(frame)
                self._poll()
            return
        path = segment_path(job.staged, unit)
        dtype = np.uint16 if job.spec.bit_depth == 16 else np.uint8
        frames = np.memmap(path, dtype=dtype, mode="r").reshape(len(unit.frames), writer.height, writer.width, 3)
        for frame in frames:
            writer.write(np.array(frame))
            self._poll()
        del frames
        path.unlink()

    def _finish(self, job: OutputJob) -> None:
        if job._writer is not None:
            job._writer.close()
            job._clip.close()
            if job.output.exists() and not job.overwrite:
                raise InputError(f"output '{job.output}' appeared while rendering; not replaced")
            os.replace(job.staged / job.output.name, job.output)
        elif job.sink is None:
            names = [self._name(job, f) for f in job.spec.span]
            install_folder(frames_folder(job.staged), job.output, names, overwrite=job.overwrite)
        _remove_staging(job)
        job.path = job.output
        job.seconds = time.monotonic() - job._began

    # -- failure, cancel, progress ---------------------------------------------------------

    @staticmethod
    def _where(job: OutputJob, unit: Unit) -> str:
        """The unit's shot and frames: the units before it are assembled (in frame order),
        so every cut before it is known."""
        return unit.describe(job._cuts, scan_origin(job.units))

    def _fail(self, job: OutputJob, reason: str) -> None:
        job.error = reason
        self._stop(job)
        self.total -= len(job.spec.span)

    def _stop(self, job: OutputJob) -> None:
        job._keys.clear()
        # On Ctrl-C the cluster's own processes get the signal too and may be going
        # down: a board that cannot be told must not hide the interrupt or skip the clean-up.
        with contextlib.suppress(Exception):
            self.board.stop.remote(id(job))
        if job._writer is not None:
            job._writer.abort()
            job._clip.close()
        _remove_staging(job)

    def stop_all(self) -> None:
        """Tell every unfinished output's tasks to stop and remove its staging."""
        for job in self.jobs:
            if job.path is None:
                self._stop(job)

    def _poll(self, force: bool = False) -> None:
        if self.cancel is not None and self.cancel():
            raise CancelledError("render cancelled")
        now = time.monotonic()
        if self.progress is None or (not force and now - self.last_report < 0.25):
            return
        self.last_report = now
        done = min(int(self.ray.get(self.board.total.remote())) + self.cached_done, self.total)
        elapsed = now - self.started
        rate = done / elapsed if elapsed > 0 else 0.0
        left = (self.total - done) / rate if rate > 0 else None
        self.progress(FarmProgress(done, self.total, rate, left))


class _Board:
    """Frames done per unit, reported by the workers, and the outputs told to stop (a Ray
    actor; a retried unit starts again from 0, so progress never counts a frame twice)."""

    def __init__(self):
        self.done: dict = {}
        self.stopped: set = set()

    def set(self, key, frames: int) -> bool:
        """Record ``frames`` done for unit ``key`` = (job, unit); True: stop that unit."""
        if key[0] in self.stopped:  # its counts went when it was stopped; add none back
            return True
        self.done[key] = frames
        return False

    def is_stopped(self, job_key) -> bool:
        """True when output ``job_key`` was told to stop (a scan chunk asks before it starts)."""
        return job_key in self.stopped

    def stop(self, job_key) -> None:
        self.stopped.add(job_key)
        self.done = {k: v for k, v in self.done.items() if k[0] != job_key}

    def total(self) -> int:
        return sum(self.done.values())


def _is_cached(job: OutputJob, unit: Unit) -> bool:
    """True when every frame of ``unit`` is in ``job.cached``."""
    return job.cached is not None and all(f in job.cached.frames for f in unit.frames)


def _reason(exc: BaseException) -> str:
    """One line for a task's failure."""
    cause = getattr(exc, "cause", None)
    if isinstance(cause, BaseException) and not isinstance(cause, type(exc)):
        lines = str(cause).strip().splitlines()
        return f"{type(cause).__name__}: {lines[-1]}" if lines else type(cause).__name__
    name = type(exc).__name__
    if "WorkerCrashed" in name or "ActorDied" in name or "NodeDied" in name:
        return "the worker process died"
    lines = [line for line in str(exc).splitlines() if line.strip()]
    return lines[-1].strip() if lines else name
