"""Worker side of the farm: solve a keyframe, render a unit into the job's staging folder.

These are plain functions (the driver wraps them as Ray tasks), so they run and test the
same without a cluster. A unit's frames are the serial render's frames
(:func:`colorcore.video.propagate.colorize_clip` over the unit's range, with the shared
keyframe solves), converted to the output's bit depth exactly as
:func:`colorcore.render.write_frames` converts them.

Staging (a folder beside the output, see :mod:`colorcore.farm.job`):

- a frame folder output: each worker writes its frames' final image files, under their
  final names, into ``<staging>/frames/``; the driver moves the complete folder into place.
- a video output: each unit is one raw file ``unit-NNNNNN.raw`` (its frames, HxWx3 uint8
  or uint16, one after the other) that the driver reads in order and encodes.

Every file appears under its name only when complete (written aside, then renamed), so a
worker killed mid-task leaves nothing the retry or the driver could mistake for output.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from colorcore.errors import CancelledError, InputError
from colorcore.farm.plan import Unit
from colorcore.guidance.references import Guidance
from colorcore.media.folder_writer import frame_file_name
from colorcore.video.propagate import PropagationSettings


@dataclass(frozen=True)
class RenderSpec:
    """Everything a task needs to know about one output (put in the object store once).

    Attributes:
        source: the clip (video file or frame folder), readable by every worker.
        guidance: strokes, references and exemplars.
        solver, device, settings: as :func:`colorcore.video.propagate.colorize_clip`.
        kind: "folder" (one image per frame) or "video" (raw segments for the driver).
        image_ext: ".png" or ".tif" for a folder.
        bit_depth: bits of the output frames (8: uint8, 16: uint16).
        span: the frames of the whole output (their count sizes the frame names; the
            first is the output's frame 0).
        grades: the project's per-shot grades (:class:`colorcore.grade.ShotGrade`),
            applied as :func:`colorcore.render.project_frames` applies them.
    """

    source: Path
    guidance: Guidance
    solver: str = "fast"
    device: str = "auto"
    settings: PropagationSettings = field(default_factory=PropagationSettings)
    kind: str = "folder"
    image_ext: str = ".png"
    bit_depth: int = 8
    span: range = range(0)
    grades: tuple = ()


def segment_path(staging: Path, unit: Unit) -> Path:
    """Where a video output's unit ``unit`` is staged."""
    return staging / f"unit-{unit.index:06d}.raw"


def frames_folder(staging: Path) -> Path:
    """Where a frame folder output is staged (it becomes the output)."""
    return staging / "frames"


# One open clip per worker process, reused by the tasks that process runs.
_open_clips: dict = {}


def _clip(path: Path):
    import cv2

    from colorcore.media import open_clip

    # A task holds one CPU of the cluster: OpenCV's own thread pool (as many threads as
    # cores) would oversubscribe the machine N times over. Results do not depend on it.
    cv2.setNumThreads(1)

    clip = _open_clips.get(path)
    if clip is None:
        for old in _open_clips.values():
            old.close()
        _open_clips.clear()
        clip = _open_clips[path] = open_clip(path)
    return clip


def solve_keyframe_task(spec: RenderSpec, frame: int) -> np.ndarray:
    """Keyframe ``frame`` solved once for the units beside it: HxWx2 float32 YIQ chroma."""
    from colorcore.video.propagate import solve_keyframe

    return solve_keyframe(
        _clip(spec.source), spec.guidance, frame, solver=spec.solver, device=spec.device, settings=spec.settings
    )


def render_unit_task(spec: RenderSpec, unit: Unit, staging: str, board, board_key, *solved: np.ndarray) -> dict:
    """Render ``unit`` into ``staging``.

    Args:
        spec: the output's :class:`RenderSpec`.
        unit: the frames to render.
        staging: the job's staging folder (shared by the driver and every worker).
        board: the driver's progress actor (``set.remote(key, frames_done)`` answers True
            when the output was stopped) or None.
        board_key: this unit's key on the board.
        solved: the chroma of ``unit.keyframes``, in that order (HxWx2 float32).

    Returns:
        {"frames": frames written, "seconds": time taken, "cuts": the shot cuts its scan
        found (first frames of new shots), "scan_chunks": chunk tasks its scan was handed
        to (0: scanned in place; see :mod:`colorcore.farm.scan_ahead`), "scan_wait":
        seconds it waited for them}; {"stopped": True} when the driver stopped
        this output (cancel, Ctrl-C, another unit failed); or {"input_error": reason,
        "cuts": ...} for a user error (a damaged frame with on_damaged="stop", ...), which
        retrying would not mend.
    """
    from colorcore.video.propagate import colorize_clip

    began = time.monotonic()
    report = _Reporter(board, board_key)
    if report(0, force=True):
        return {"stopped": True}
    folder = Path(staging)
    clip = _clip(spec.source)
    token = secrets.token_hex(4)
    done = 0
    cuts: list[int] = []
    scan = _scan_ahead(spec, unit, board, board_key)
    try:
        # Closed on every way out: a stopped unit's scratch store goes now, not when collected.
        with contextlib.closing(
            colorize_clip(
                clip,
                spec.guidance,
                solver=spec.solver,
                device=spec.device,
                frames=unit.frames,
                settings=spec.settings,
                keyframe_chroma=dict(zip(unit.keyframes, solved)),
                on_cut=cuts.append,
                scan=scan,
            )
        ) as propagated:
            frames = ((f, output_frame(spec, f, rgb)) for f, rgb in propagated)
            if spec.kind == "folder":
                out = frames_folder(folder)
                for f, rgb in frames:
                    write_image(out, f, rgb, spec, token)
                    done += 1
                    if report(done):
                        return {"stopped": True}
            else:
                target = segment_path(folder, unit)
                partial = target.with_name(f".{target.name}.{token}")
                try:
                    with open(partial, "wb") as stream:
                        for _, rgb in frames:
                            stream.write(np.ascontiguousarray(rgb).tobytes())
                            done += 1
                            if report(done):
                                return {"stopped": True}
                    os.replace(partial, target)
                finally:
                    partial.unlink(missing_ok=True)
    except InputError as exc:
        return {"input_error": str(exc), "cuts": cuts}
    except CancelledError:  # a chunk of its scan heard the stop first
        return {"stopped": True}
    report(done, force=True)
    result = {"frames": done, "seconds": time.monotonic() - began, "cuts": cuts, "scan_chunks": 0, "scan_wait": 0.0}
    if scan is not None:
        result.update(scan_chunks=scan.chunks_submitted, scan_wait=scan.waited)
    return result


def _scan_ahead(spec: RenderSpec, unit: Unit, board, board_key):
    """The unit's scan handed to chunk tasks on the other workers (a
    :class:`colorcore.farm.scan_ahead.ScanAhead`), or None to scan in place: a short run,
    no cluster (the function called directly) or a cluster of one CPU."""
    from colorcore.farm.scan_ahead import MAX_AHEAD, MIN_FRAMES, ScanAhead, scan_chunk_task, scan_span

    span = scan_span(unit.frames, unit.before, unit.after)
    if len(span) < MIN_FRAMES:
        return None
    import ray

    if not ray.is_initialized():
        return None
    cpus = int(ray.cluster_resources().get("CPU", 1))
    if cpus < 2:
        return None
    spec_ref = ray.put(spec)
    chunk = ray.remote(scan_chunk_task).options(num_cpus=1, max_retries=2, retry_exceptions=True)
    job_key = board_key[0] if board_key is not None else None

    def submit(start: int, stop: int, origin: int):
        return chunk.remote(spec_ref, start, stop, origin, board, job_key)

    # One chunk in flight per CPU beyond the one being read (up to MAX_AHEAD): the others
    # scan while this task solves, and while it waits for a chunk its CPU scans too.
    return ScanAhead(span, submit, ray.get, ahead=min(cpus, MAX_AHEAD))


def output_frame(spec: RenderSpec, frame: int, rgb: np.ndarray) -> np.ndarray:
    """Frame ``frame`` of :func:`colorcore.video.propagate.colorize_clip` (HxWx3 of the
    clip's dtype) as the output stores it: graded as
    :func:`colorcore.render.project_frames` grades it, at the output's depth as
    :func:`colorcore.render.write_frames` converts it (HxWx3 uint8, or uint16 0..65535
    for 16 bits)."""
    if spec.grades:
        from colorcore.grade import apply_grade, grade_for

        rgb = apply_grade(rgb, grade_for(spec.grades, frame))
    dtype = np.uint16 if spec.bit_depth == 16 else np.uint8
    return rgb if rgb.dtype == dtype else rgb.astype(np.uint16) * 257


def write_image(folder: Path, frame: int, rgb: np.ndarray, spec: RenderSpec, token: str) -> None:
    """Write clip frame ``frame`` into a frame folder output's staging ``folder`` under its
    final name, aside (a name with ``token``) first, then renamed.

    Args:
        rgb: HxWx3 uint8 or uint16 as :func:`output_frame` gives it, encoded as
            ``spec.image_ext`` (PNG or TIFF).
    """
    from colorcore.media.images import encode_image

    name = frame_file_name(frame - spec.span.start, len(spec.span), spec.image_ext, spec.span.start)
    partial = folder / f".{name}.{token}"
    partial.write_bytes(encode_image(rgb, spec.image_ext))
    os.replace(partial, folder / name)


class _Reporter:
    """Tells the progress board a unit's frames done, at most twice a second (the board is
    one actor for the whole cluster), and hears back whether the driver stopped the unit's
    output: the farm's cancel is cooperative (see :mod:`colorcore.farm.job`)."""

    def __init__(self, board, key):
        self.board = board
        self.key = key
        self.last = 0.0

    def __call__(self, done: int, force: bool = False) -> bool:
        """Report ``done`` frames when due; True when this unit must stop."""
        now = time.monotonic()
        if self.board is None or not (force or now - self.last >= 0.5):
            return False
        import ray

        self.last = now
        return bool(ray.get(self.board.set.remote(self.key, done)))
