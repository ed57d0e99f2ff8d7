"""The farm's parts that need no cluster: planning, stale staging, the install hint."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from colorcore.farm.plan import plan_units
from colorcore.media.leftovers import sweep_leftovers

ROOT = Path(__file__).resolve().parents[2]


def test_units_split_at_every_keyframe_and_cover_the_span_once():
    units = plan_units([30, 4, 9, 17, 0], range(36))
    assert [(u.frames.start, u.frames.stop) for u in units] == [(0, 4), (4, 9), (9, 17), (17, 30), (30, 36)]
    assert [u.keyframes for u in units] == [(0, 4), (4, 9), (9, 17), (17, 30), (30,)]
    part = plan_units([0, 10, 20], range(5, 15))
    assert [(u.frames.start, u.frames.stop, u.before, u.after) for u in part] == [(5, 10, 0, 10), (10, 15, 10, 20)]
    assert [(u.frames, u.keyframes) for u in plan_units([], range(8))] == [(range(8), ())]


def test_staging_of_a_dead_driver_is_swept_and_a_live_ones_kept(tmp_path):
    import socket

    dead = int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True).stdout)
    stale = tmp_path / f".film.mkv.farm-{dead}-0badcafe"
    live = tmp_path / f".film.mkv.farm-{os.getpid()}-0badcafe"
    elsewhere = tmp_path / f".reel.mkv.farm-{dead}-0badcafe"  # its driver ran on another host
    foreign = tmp_path / f".reel2.mkv.farm-{dead}-0badcafe"  # holds something Keyhue does not put there
    for folder, host in ((stale, None), (live, None), (elsewhere, "render-node-7"), (foreign, None)):
        (folder / "frames").mkdir(parents=True)
        (folder / "owner").write_text(f"{host or socket.gethostname()} 1\n")
        (folder / "unit-000000.raw").write_bytes(b"x")
        (folder / "frames" / "frame_000000.png").write_bytes(b"x")
    (foreign / "notes.txt").write_text("mine")
    assert sweep_leftovers([tmp_path], temp=False) == [stale]
    assert not stale.exists() and live.exists() and elsewhere.exists() and foreign.exists()


def test_workers_without_ray_is_one_line_naming_the_extra(tmp_path):
    script = (
        "import sys; sys.modules['ray'] = None\n"
        "from colorcore.cli import main\n"
        f"sys.exit(main(['video', {str(tmp_path)!r}, '-o', {str(tmp_path / 'o.mkv')!r}, '--workers', '2']))\n"
    )
    (tmp_path / "frame_0.png").write_bytes(b"")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=ROOT)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "keyhue[cluster]" in done.stderr, done.stderr
