"""The farm's parts that need no cluster: planning, stale staging, the install hint."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from colorcore.farm.plan import plan_units, scan_origin
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


def test_a_failing_unit_is_named_by_its_shot_from_the_cuts_found_before_it():
    unit = plan_units([4, 9, 17, 30], range(36))[3]  # frames 17..29
    assert unit.describe() == "frames 17..29"
    assert unit.describe({14}, 0) == "shot 2 (from frame 14), frames 17..29"
    assert unit.describe({14, 26}, 0) == "shot 2 (frames 14..25), frames 17..29"
    assert unit.describe(set(), 0) == "shot 1 (from frame 0), frames 17..29"
    assert unit.describe({5, 14, 26}, 9) == "the shot of frames 14..25, frames 17..29"  # frames before 9 not scanned
    assert unit.describe({26}, 9) == "frames 17..29"  # its shot's start was not seen
    assert scan_origin(plan_units([4, 9], range(6, 12))) == 4 and scan_origin(plan_units([9], range(2, 12))) == 0


def test_a_unit_reports_the_cuts_its_scan_found(tmp_path):
    """What names the shot in a failure: the cuts a unit's own scan finds."""
    from colorcore.farm.tasks import RenderSpec, frames_folder, render_unit_task
    from colorcore.guidance.references import Guidance
    from colorcore.media import open_writer
    from tests.support.clips import several_shots_clip, stroke_guidance

    frames = several_shots_clip((10, 10))  # a cut at frame 10
    source = tmp_path / "clip"
    with open_writer(source, fps=25, width=96, height=72) as writer:
        for frame in frames:
            writer.write(frame)
    guidance: Guidance = stroke_guidance(frames, [3])
    frames_folder(tmp_path).mkdir()
    spec = RenderSpec(source=source, guidance=guidance, span=range(20))
    head, tail = plan_units([3], range(20))
    assert render_unit_task(spec, head, str(tmp_path), None, None)["cuts"] == []
    with pytest.warns(UserWarning, match="frames 10..19 are a shot with no keyframe"):
        assert render_unit_task(spec, tail, str(tmp_path), None, None)["cuts"] == [10]


def test_a_project_with_an_adapted_network_is_refused_in_one_line(tmp_path):
    """The farm's tasks solve with the base network: a project whose network is adapted to
    the film would come out different, so the farm says so instead of rendering it."""
    from colorcore.errors import InputError
    from colorcore.farm import farm_limit
    from colorcore.farm.api import project_job
    from colorcore.guidance.project import Project
    from colorcore.media import open_clip, open_writer
    from tests.support.clips import several_shots_clip

    frames = several_shots_clip((3,))
    with open_writer(tmp_path / "clip", fps=25, width=96, height=72) as writer:
        for frame in frames:
            writer.write(frame)
    with open_clip(tmp_path / "clip") as source:
        project = Project.for_clip(source)
    assert farm_limit(project.settings) is None
    project.settings.update(solver="deep", adapt=40)
    with pytest.raises(InputError) as refused:
        project_job(project, tmp_path / "out.mkv")
    assert "\n" not in str(refused.value) and "adapted" in str(refused.value)
    assert project_job(project, tmp_path / "out.mkv", overrides={"solver": "fast"}).spec.solver == "fast"


def test_a_long_runs_scan_read_ahead_in_chunks_gives_the_serial_frames(long_run):
    import warnings

    import numpy as np

    from colorcore.farm.scan_ahead import CHUNK, ScanAhead, scan_chunk_task, scan_span
    from colorcore.farm.tasks import RenderSpec
    from colorcore.media import open_clip
    from colorcore.video.propagate import colorize_clip

    folder, guidance, serial = long_run
    spec = RenderSpec(source=folder, guidance=guidance)
    span = scan_span(range(len(serial)), 0, None)
    waiting: list[int] = []  # chunks submitted and not yet read
    most = []

    def submit(start, stop, origin):  # computed at once, in this process
        waiting.append(start)
        most.append(len(waiting))
        return scan_chunk_task(spec, start, stop, origin, None, None)

    def get(result):
        waiting.pop(0)
        return result

    scan = ScanAhead(span, submit, get, ahead=1)
    with open_clip(folder) as clip, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ahead = dict(colorize_clip(clip, guidance, scan=scan))
    assert scan.chunks_submitted == -(-len(serial) // CHUNK) == 3
    assert max(most) == 2  # the window: the chunk being read and 1 ahead, never the whole run
    assert ahead.keys() == serial.keys()
    for i in serial:
        assert np.array_equal(ahead[i], serial[i]), f"frame {i}"
    messages = [str(w.message) for w in caught]
    assert sum("frame 30 repeats frame 29" in m for m in messages) == 1, messages


def test_a_run_closed_by_a_far_keyframe_is_scanned_in_chunks_then_tracked_back_as_serial(long_run):
    import warnings

    import numpy as np

    from colorcore.farm.scan_ahead import ScanAhead, scan_chunk_task, scan_span
    from colorcore.farm.tasks import RenderSpec
    from colorcore.guidance.references import Guidance
    from colorcore.media import open_clip
    from colorcore.video.propagate import colorize_clip
    from tests.farm.conftest import LONG_SHOTS
    from tests.support.clips import several_shots_clip, stroke_guidance

    folder, one_keyframe, _ = long_run
    strokes = stroke_guidance(several_shots_clip(LONG_SHOTS), [0, 55])
    guidance = Guidance(hints=strokes.hints, exemplars=one_keyframe.exemplars)
    unit = range(0, 55)  # the farm's unit [0, 55): its scan spans frames 0..55
    spec = RenderSpec(source=folder, guidance=guidance)
    scan = ScanAhead(scan_span(unit, 0, 55), lambda *chunk: scan_chunk_task(spec, *chunk, None, None), lambda r: r, 1)
    with open_clip(folder) as clip, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the damaged frames
        ahead = dict(colorize_clip(clip, guidance, frames=unit, scan=scan))
        serial = dict(colorize_clip(clip, guidance, frames=unit))
    assert scan.chunks_submitted == 3 and ahead.keys() == serial.keys() == set(unit)
    for i in unit:
        assert np.array_equal(ahead[i], serial[i]), f"frame {i}"
