"""The farm's driver process killed, and interrupted like Ctrl-C on a terminal: the real
``colorcore video --workers 2`` in a child process with its own local cluster. A killed
driver's cluster processes all end (its reaper ends what Ray leaves)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from colorcore.farm.reaper import cluster_processes
from colorcore.media import open_clip, open_writer, write_image
from tests.support.clips import several_shots_clip

pytest.importorskip("ray")
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
KEYFRAMES = (0, 30, 60, 90)


def _command(tmp_path: Path) -> list[str]:
    frames = several_shots_clip((40, 40, 40), height=240, width=320)
    with open_writer(tmp_path / "clip", fps=25, width=320, height=240) as writer:
        for frame in frames:
            writer.write(frame)
    argv = [sys.executable, "-m", "colorcore", "video", str(tmp_path / "clip"), "-o", str(tmp_path / "out.mkv")]
    with open_clip(tmp_path / "clip") as clip:
        for k in KEYFRAMES:
            marked = np.repeat(clip.luma(k)[..., None], 3, axis=2)
            marked[50:60, 50:120] = frames[k][55, 80]
            write_image(tmp_path / f"marked{k}.png", marked)
            argv += ["--keyframe", f"{k}:{tmp_path / f'marked{k}.png'}"]
    return [*argv, "--workers", "2"]


def _start(argv):
    # A session of its own: the driver's cluster processes are its group, to be cleaned up by id.
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(argv, env=env, start_new_session=True, stderr=subprocess.PIPE, text=True)


def _wait_for_segments(folder: Path, ignore: set[Path]) -> Path:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        for staging in set(folder.glob(".out.mkv.farm-*")) - ignore:
            # A unit being written (".unit-*.raw.<token>") or written: the job is mid-way. The
            # partial files live as long as a worker renders, the finished ones only until
            # the driver encodes them, which a fast machine does between two looks.
            if list(staging.glob("*unit-*.raw*")):
                return staging
        time.sleep(0.02)
    raise AssertionError("no unit was staged in time")


def _still_running(processes: dict[int, int], within: float) -> dict[int, str]:
    """Those of ``processes`` (pid -> start time) still running after up to ``within``
    seconds: pid -> their command line."""
    deadline = time.monotonic() + within
    while True:
        left = {pid for pid, start in processes.items() if cluster_processes([pid]).get(pid) == start}
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    titles = {}
    for pid in left:
        with contextlib.suppress(OSError):
            titles[pid] = (
                Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
            )
    return titles


def test_a_killed_driver_leaves_no_output_its_staging_is_swept_and_ctrl_c_stops_cleanly(tmp_path):
    argv = _command(tmp_path)
    driver = _start(argv)
    try:
        stale = _wait_for_segments(tmp_path, set())
        cluster = cluster_processes([driver.pid])  # GCS, raylet, agents, workers, reaper
        del cluster[driver.pid]
        os.kill(driver.pid, signal.SIGKILL)
        driver.wait(timeout=30)
        left = _still_running(cluster, within=30)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(driver.pid, signal.SIGKILL)  # what the dead driver's cluster left, if anything
    assert not (tmp_path / "out.mkv").exists() and stale.is_dir()
    assert len(cluster) >= 4 and not left, left  # Ray's processes and the reaper, all gone

    # The next job for that output sweeps the dead driver's staging; Ctrl-C (SIGINT to the
    # terminal's process group) then stops it with one line, leaving nothing behind.
    driver = _start(argv)
    try:
        _wait_for_segments(tmp_path, {stale})
        assert not stale.exists()
        os.killpg(driver.pid, signal.SIGINT)
        _, err = driver.communicate(timeout=120)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(driver.pid, signal.SIGKILL)
    assert driver.returncode == 130, err
    assert "interrupted; no output was written" in err.strip().splitlines()[-1]
    assert not (tmp_path / "out.mkv").exists()
    assert not list(tmp_path.glob(".out.mkv*"))
