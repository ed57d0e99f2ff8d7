"""The render farm on a real local Ray cluster (one per module): the farm's output is the
serial render's, through a killed worker; cancel stops the cluster's tasks; a batch goes
on past a broken project."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from colorcore.errors import CancelledError
from colorcore.farm import FarmError, colorize_distributed, render_distributed
from colorcore.guidance.project import Project
from colorcore.media import open_clip
from colorcore.render import write_frames
from colorcore.video.propagate import PropagationSettings, colorize_clip
from tests.support.clips import several_shots_clip, stroke_guidance
from tests.support.media import write_clip

ray = pytest.importorskip("ray")
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SHOTS = (14, 12, 10)  # cuts after frames 13 and 25
KEYFRAMES, REFERENCES = [4, 9, 17, 30], [0]


@pytest.fixture(scope="module")
def cluster():
    """A local Ray cluster of two workers for the whole module."""
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """(frame folder, guidance, serial frames {index: RGB}): three shots, keyframes in each."""
    frames = several_shots_clip(SHOTS)
    folder = write_clip(tmp_path_factory.mktemp("farm") / "clip", frames, fps=25)
    guidance = stroke_guidance(frames, KEYFRAMES, REFERENCES)
    with open_clip(folder) as source:
        serial = dict(colorize_clip(source, guidance))
    return folder, guidance, serial


def _serial(folder, guidance, output, **kwargs):
    with open_clip(folder) as source:
        return write_frames(colorize_clip(source, guidance), output, source, span=range(len(source)), **kwargs)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _staging_left(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if ".farm-" in p.name or ".partial-" in p.name]


def test_png_and_16_bit_tiff_folders_equal_the_serial_render_byte_for_byte(cluster, clip, tmp_path):
    folder, guidance, _ = clip
    for image_format in ("png", "tiff"):
        serial = _serial(folder, guidance, tmp_path / f"serial-{image_format}", image_format=image_format)
        farm = colorize_distributed(
            folder, guidance, tmp_path / f"farm-{image_format}", image_format=image_format, workers=2
        )
        assert len(list(farm.glob("frame_*"))) == sum(SHOTS)
        assert _files(farm) == _files(serial), image_format  # the frames and the manifest
    assert not _staging_left(tmp_path)


def test_ffv1_is_lossless_identical_and_h264_within_codec_tolerance(cluster, clip, tmp_path):
    folder, guidance, serial_frames = clip
    seen = []
    out = colorize_distributed(folder, guidance, tmp_path / "farm.mkv", workers=2, progress=seen.append)
    with open_clip(out) as farm:
        assert len(farm) == sum(SHOTS)
        for i in range(len(farm)):
            assert np.array_equal(farm.rgb(i), serial_frames[i]), f"frame {i}"
    assert seen[-1].done == seen[-1].total == sum(SHOTS) and seen[-1].frames_per_second > 0
    serial_mp4 = _serial(folder, guidance, tmp_path / "serial.mp4")
    farm_mp4 = colorize_distributed(folder, guidance, tmp_path / "farm.mp4", workers=2)
    with open_clip(serial_mp4) as a, open_clip(farm_mp4) as b:
        assert len(a) == len(b) == sum(SHOTS)
        for i in range(len(a)):
            # libx264 is not bit-reproducible even between two serial encodes of the same
            # frames (its output depends on how frame delivery interleaves with encoding),
            # so the contract is the codec's tolerance: both as close to the frames.
            serial_db, farm_db = _psnr(a.rgb(i), serial_frames[i]), _psnr(b.rgb(i), serial_frames[i])
            assert farm_db > 30 and abs(farm_db - serial_db) < 1.5, (i, farm_db, serial_db)


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(float) - b.astype(float)) ** 2)
    return 99.0 if mse == 0 else float(10 * np.log10(255.0**2 / mse))


def _worker_pids(task: str) -> list[int]:
    """Processes of this machine running the Ray task ``task`` (Ray titles them ray::NAME)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                title = (entry / "cmdline").read_bytes().split(b"\0")[0].decode(errors="replace")
            except OSError:
                continue
            if title.startswith(f"ray::{task}"):
                pids.append(int(entry.name))
    return pids


@contextmanager
def _watching(look: Callable[[], bool]) -> Iterator[None]:
    """Call ``look`` every 10 ms on a thread while the block runs, until it returns True.
    Watchers look at the process table rather than at progress figures, so that they
    catch a running task however slow or fast the (shared) machine is."""
    finished = threading.Event()

    def loop():
        while not finished.is_set() and not look():
            time.sleep(0.01)

    thread = threading.Thread(target=loop)
    thread.start()
    try:
        yield
    finally:
        finished.set()
        thread.join()


def _render_killing(folder, guidance, output: Path, tasks: tuple[str, ...]) -> Path:
    """Render on the farm, killing (SIGKILL) one process of each Ray task in ``tasks`` as
    soon as it runs, in that order; returns the output after checking all were killed."""
    killed: list[str] = []

    def kill_the_next():
        pids = _worker_pids(tasks[len(killed)])
        if pids:
            os.kill(pids[0], signal.SIGKILL)
            killed.append(tasks[len(killed)])
        return len(killed) == len(tasks)

    with _watching(kill_the_next):
        farm = colorize_distributed(folder, guidance, output, workers=2)
    assert killed == list(tasks), f"killed only {killed}: no such task was running"
    return farm


def test_a_worker_killed_mid_task_is_retried_and_the_output_is_unchanged(cluster, clip, tmp_path):
    folder, guidance, _ = clip
    serial = _serial(folder, guidance, tmp_path / "serial")
    farm = _render_killing(folder, guidance, tmp_path / "farm", ("render_unit_task",))
    assert _files(farm) == _files(serial)


def _cancel_once_running(folder, guidance, output, watched: str) -> None:
    """Run a farm job and cancel it once a task named ``watched`` is seen running (however
    fast or slow the machine); then nothing may be left: no output, no staging, no task
    running, every CPU free."""
    total = ray.cluster_resources()["CPU"]
    seen = threading.Event()

    def running():
        if _worker_pids(watched):
            seen.set()
        return seen.is_set()

    with _watching(running), pytest.raises(CancelledError):
        colorize_distributed(folder, guidance, output, workers=2, cancel=seen.is_set)
    assert list(output.parent.iterdir()) == []  # no output, no staging
    busy = ("render_unit_task", "scan_chunk_task")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and (
        ray.available_resources().get("CPU", 0) < total or any(_worker_pids(t) for t in busy)
    ):
        time.sleep(0.2)
    assert ray.available_resources().get("CPU", 0) == total  # nothing left running
    assert not any(_worker_pids(t) for t in busy)


def test_cancel_stops_the_clusters_tasks_and_leaves_nothing(cluster, clip, tmp_path):
    folder, guidance, _ = clip
    _cancel_once_running(folder, guidance, tmp_path / "farm.mkv", "render_unit_task")


def test_a_unit_that_fails_names_the_output_its_shot_and_its_frames(cluster, clip, tmp_path):
    folder, guidance, _ = clip
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    for frame in sorted(folder.iterdir()):
        (damaged / frame.name).write_bytes(frame.read_bytes())
    victim = sorted(damaged.iterdir())[20]
    victim.write_bytes(victim.read_bytes()[:200])  # header intact, picture cut short
    settings = PropagationSettings(on_damaged="stop")
    with pytest.raises(FarmError) as failure:
        colorize_distributed(damaged, guidance, tmp_path / "out.mkv", settings=settings, workers=2)
    message = str(failure.value)
    assert "\n" not in message and message.startswith("damaged: shot 2 (from frame 14), frames 17..29: "), message
    assert not (tmp_path / "out.mkv").exists() and not _staging_left(tmp_path)


def _project(clip_folder: Path, guidance, path: Path) -> Path:
    with open_clip(clip_folder) as source:
        project = Project.for_clip(source)
    project.hints, project.references = guidance.hints, list(guidance.references)
    return project.save(path)


def test_a_batch_renders_every_good_project_past_a_broken_one(cluster, clip, tmp_path, capsys):
    from colorcore.cli import main

    folder, guidance, _ = clip
    good_a = _project(folder, guidance, tmp_path / "a.keyhue")
    good_b = _project(folder, guidance, tmp_path / "b.keyhue")
    moved = tmp_path / "moved"
    moved_clip = tmp_path / "clip-copy"
    moved_clip.mkdir()
    for frame in sorted(folder.iterdir()):
        (moved_clip / frame.name).write_bytes(frame.read_bytes())
    broken = _project(moved_clip, guidance, tmp_path / "broken.keyhue")
    moved_clip.rename(moved)  # its media is gone
    serial = render_distributed(good_a, tmp_path / "single.mkv", workers=2)

    out = tmp_path / "out"
    status = main(["render", str(good_a), str(broken), str(good_b), "-o", str(out), "--workers", "2"])
    text = capsys.readouterr()
    assert status == 2
    assert "FAILED  broken.keyhue: " in text.out and "missing" in text.out
    assert "2 of 3 projects rendered" in text.out
    assert sorted(p.name for p in out.iterdir()) == ["a.mkv", "b.mkv"]
    with open_clip(serial) as one, open_clip(out / "a.mkv") as a, open_clip(out / "b.mkv") as b:
        for i in range(len(one)):
            assert np.array_equal(one.rgb(i), a.rgb(i)) and np.array_equal(one.rgb(i), b.rgb(i))


def test_a_projects_shot_grades_are_applied_as_in_the_serial_render(cluster, clip, tmp_path):
    from colorcore.grade import ShotGrade
    from colorcore.render import render_project

    folder, guidance, ungraded = clip
    project = Project.load(_project(folder, guidance, tmp_path / "graded.keyhue"))
    project.grades = [ShotGrade(14, 26, 1.5, 30.0)]  # the second shot
    serial = render_project(project, tmp_path / "serial")
    farm = render_distributed(project, tmp_path / "farm", workers=2)
    assert _files(farm) == _files(serial)
    with open_clip(farm) as out:
        assert not np.array_equal(out.rgb(20), ungraded[20]) and np.array_equal(out.rgb(5), ungraded[5])


def test_a_long_run_after_one_keyframe_is_scanned_ahead_by_the_other_workers(cluster, long_run, tmp_path):
    from colorcore.farm.api import clip_job
    from colorcore.farm.job import run_jobs

    folder, guidance, serial = long_run
    job = clip_job(folder, guidance, tmp_path / "farm")
    run_jobs([job], workers=2)
    assert job.error is None and len(job.units) == 1  # one unit: the whole clip
    assert job.scan_chunks == 3  # its scan handed to chunk tasks (70 frames, 24 a chunk)
    with open_clip(job.path) as farm:
        assert len(farm) == len(serial)
        for i in range(len(farm)):
            assert np.array_equal(farm.rgb(i), serial[i]), f"frame {i}"
    assert not _staging_left(tmp_path)


def test_units_whose_frames_are_cached_are_taken_from_the_cache_not_rendered(cluster, clip, tmp_path):
    from colorcore.farm.api import clip_job
    from colorcore.farm.job import CachedFrames, run_jobs

    folder, guidance, serial_frames = clip
    serial = _serial(folder, guidance, tmp_path / "serial")
    held = frozenset([*range(0, 9), *range(17, 30), 33])  # units 0..3, 4..8, 17..29 whole; 30..35 not
    read: list[int] = []

    def from_cache(frame):
        read.append(frame)
        return serial_frames[frame]

    job = clip_job(folder, guidance, tmp_path / "farm")
    job.cached = CachedFrames(held, from_cache)
    run_jobs([job], workers=2)
    assert job.error is None and len(job.units) == 5 and job.units_rendered == 2
    assert read == [*range(0, 9), *range(17, 30)]  # in frame order, once each
    assert _files(job.path) == _files(serial)


def test_a_killed_scan_chunk_and_a_killed_solving_task_are_retried_and_the_output_is_unchanged(
    cluster, long_run, tmp_path
):
    folder, guidance, serial = long_run
    # A chunk task first, then the unit's task that consumes the chunks.
    farm = _render_killing(folder, guidance, tmp_path / "farm", ("scan_chunk_task", "render_unit_task"))
    with open_clip(farm) as out:
        assert len(out) == len(serial)
        for i in range(len(out)):
            assert np.array_equal(out.rgb(i), serial[i]), f"frame {i}"


def test_cancel_during_a_scanned_ahead_run_leaves_no_task_running(cluster, long_run, tmp_path):
    folder, guidance, _ = long_run
    _cancel_once_running(folder, guidance, tmp_path / "farm.mkv", "scan_chunk_task")
