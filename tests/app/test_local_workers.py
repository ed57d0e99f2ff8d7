"""The editor on local workers (the farm, a real local Ray cluster started by the job
itself): Export and Propagate give the frames of the editor's own process; Cancel leaves
nothing of an export and keeps the frames a propagation handed over; without Ray it works
in this process and says so in one line; the Workers setting is remembered."""

import sys

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QPushButton

from colorcore.grade import ShotGrade
from colorcore.guidance.hints import Stroke
from colorcore.media import open_clip
from keyhue.export_dialog import WORKERS_KEY, ExportDialog, ExportSettings
from keyhue.export_job import FarmExportJob
from keyhue.propagation import FARM_MIN_FRAMES, propagate_runs, propagate_runs_on_workers
from keyhue.timeline import FrameState
from tests.support.qt import make_grey_clip


def keyed(make_window, tmp_path, frames):
    """A window on a 64x48 grey clip with keyframes 0 and 8 and a grade on frames 4..11."""
    window = make_window()
    assert window.open_path(make_grey_clip(tmp_path / "clip.mkv", frames))
    document = window.document
    document.add_stroke(Stroke([(5, 40), (60, 40)], color=(0.2, 0.3, 0.9), width=4, frame=0))
    document.add_stroke(Stroke([(10, 10), (30, 12)], color=(0.9, 0.2, 0.1), width=4, frame=0))
    document.add_stroke(Stroke([(5, 20), (60, 25)], color=(0.8, 0.7, 0.1), width=4, frame=8))
    document.project.grades.append(ShotGrade(4, 12, 1.4, 20.0))
    return window


def export(qtbot, window, settings):
    assert window.start_export(settings)
    job = window.export_job
    seen = []
    job.figures.connect(seen.append)
    qtbot.waitUntil(lambda: window.export_job is None, timeout=120000)
    return job, seen


def _frames(path):
    with open_clip(path) as clip:
        return [clip.rgb(i) for i in range(len(clip))]


@pytest.mark.slow
def test_export_on_two_workers_writes_the_serial_exports_frames(qtbot, make_window, tmp_path):
    pytest.importorskip("ray")
    window = keyed(make_window, tmp_path, frames=20)
    serial, _ = export(qtbot, window, ExportSettings(tmp_path / "serial.mkv", "mkv", 2, 18, audio=False))
    before = set(tmp_path.iterdir())
    farm, figures = export(qtbot, window, ExportSettings(tmp_path / "farm.mkv", "mkv", 2, 18, audio=False, workers=2))
    assert type(serial) is not FarmExportJob and isinstance(farm, FarmExportJob)
    assert farm.worker.outcome == "finished", farm.worker.failure
    ours, theirs = _frames(tmp_path / "farm.mkv"), _frames(tmp_path / "serial.mkv")
    assert len(ours) == len(theirs) == 16
    assert all(np.array_equal(a, b) for a, b in zip(ours, theirs))  # FFV1: lossless, so exactly
    assert figures and figures[-1].done == figures[-1].total == 16 and figures[-1].frames_per_second > 0
    assert "Exported" in window.statusBar().currentMessage()
    assert set(tmp_path.iterdir()) - before == {tmp_path / "farm.mkv"}  # and no staging left


@pytest.mark.slow
def test_cancel_during_an_export_on_workers_leaves_nothing(qtbot, make_window, tmp_path):
    ray = pytest.importorskip("ray")
    window = keyed(make_window, tmp_path, frames=40)
    assert window.start_export(ExportSettings(tmp_path / "farm.mkv", "mkv", 0, 40, audio=False, workers=2))
    dialog, job = window.export_dialog, window.export_job
    assert dialog.labelText().startswith("Starting 2 local workers")
    button = dialog.findChild(QPushButton)
    assert button.text() == "Cancel"

    def click(figures):  # as the user would, once the cluster is up and the units are submitted
        if not job.is_cancelled():
            qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    job.figures.connect(click)
    qtbot.waitUntil(lambda: window.export_job is None, timeout=120000)
    assert job.worker.outcome == "cancelled"
    assert not [p.name for p in tmp_path.iterdir() if "farm" in p.name]  # no output, no staging
    assert not window.export_dialog.isVisible() and not window.statusBar().currentMessage().startswith("Exported")
    assert not ray.is_initialized()  # the export's cluster is gone with its tasks


def test_without_ray_an_export_on_workers_renders_here_and_says_so(qtbot, make_window, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # as if keyhue[cluster] were not installed
    window = keyed(make_window, tmp_path, frames=10)
    job, figures = export(qtbot, window, ExportSettings(tmp_path / "out.mkv", "mkv", 0, 4, audio=False, workers=2))
    assert not isinstance(job, FarmExportJob) and job.worker.outcome == "finished", job.worker.failure
    assert len(_frames(tmp_path / "out.mkv")) == 4 and figures[-1].done == 4
    [line] = [m for m in window.messages_seen if "workers" in m]
    assert "\n" not in line and "keyhue[cluster]" in line and "in this process" in line


def test_an_export_of_propagated_frames_writes_them_here_from_the_cache(qtbot, make_window, tmp_path):
    """Nothing is left for workers to render: no cluster is started for it, and the frames
    are the propagated ones (what the export in this process writes)."""
    window = keyed(make_window, tmp_path, frames=12)
    assert window.propagate()
    qtbot.waitUntil(lambda: window.worker is None, timeout=60000)
    job, _ = export(qtbot, window, ExportSettings(tmp_path / "out.mkv", "mkv", 0, 12, audio=False, workers=2))
    assert type(job) is not FarmExportJob and job.worker.outcome == "finished", job.worker.failure
    assert not [m for m in window.messages_seen if "workers" in m]
    written = _frames(tmp_path / "out.mkv")
    assert all(np.array_equal(written[i], window.colour(i)) for i in range(12))  # graded as shown


def test_the_workers_setting_defaults_to_the_cores_and_is_remembered(qtbot, tmp_path, monkeypatch):
    import os

    from PySide6.QtCore import QSettings

    memory = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    clip = make_grey_clip(tmp_path / "clip.mkv", 3)
    dialog = ExportDialog(None, 3, 24, False, tmp_path / "out.mkv", source_path=clip, settings=memory)
    qtbot.addWidget(dialog)
    assert dialog.settings().workers == (os.cpu_count() or 1)
    dialog.set_workers(1)
    monkeypatch.setattr(QDialog, "accept", lambda self: None)
    dialog.accept()
    assert int(memory.value(WORKERS_KEY)) == 1
    again = ExportDialog(None, 3, 24, False, tmp_path / "out.mkv", source_path=clip, settings=memory)
    qtbot.addWidget(again)
    assert again.settings().workers == 1
    again.set_workers(1000)  # no more than the machine's cores
    assert again.settings().workers == (os.cpu_count() or 1)


def painted(make_window, clip, keyframes):
    """A window on ``clip`` with strokes on ``keyframes``."""
    window = make_window()
    assert window.open_path(clip)
    for k in keyframes:
        window.document.add_stroke(Stroke([(5, 40), (60, 38)], color=(0.2, 0.3, 0.9), width=4, frame=k))
        window.document.add_stroke(Stroke([(10, 10), (30, 12)], color=(0.9, 0.2, 0.1), width=4, frame=k))
    return window


KEYFRAMES = (0, 8, 60, 110)


@pytest.mark.slow
def test_a_long_propagation_on_two_workers_gives_this_process_frames(qtbot, make_window, tmp_path, dialogs):
    pytest.importorskip("ray")
    clip = make_grey_clip(tmp_path / "clip.mkv", FARM_MIN_FRAMES)
    here = painted(make_window, clip, KEYFRAMES)
    here.settings.setValue(WORKERS_KEY, 1)
    assert here.propagate() and here.worker._call[0] is propagate_runs
    qtbot.waitUntil(lambda: here.worker is None, timeout=120000)
    here.settings.setValue(WORKERS_KEY, 2)
    copy = tmp_path / "copy.mkv"  # another name: its own result cache
    copy.write_bytes(clip.read_bytes())
    there = painted(make_window, copy, KEYFRAMES)
    assert there.propagate() and there.worker._call[0] is propagate_runs_on_workers
    assert "on 2 local workers" in there.statusBar().currentMessage()
    qtbot.waitUntil(lambda: there.worker is None, timeout=120000)
    assert there.statusBar().currentMessage() == "Propagation finished", dialogs.warnings
    frames = range(FARM_MIN_FRAMES)
    assert sorted(there.results) == list(frames)
    assert all(np.array_equal(there.results.get(i), here.results.get(i)) for i in frames)
    assert all(np.allclose(there.quality.values(i), here.quality.values(i), equal_nan=True) for i in frames)
    assert all(there.timeline.frame_state(i) == FrameState.PROPAGATED for i in frames)
    assert not [p for p in there.results.folder.iterdir() if "farm" in p.name]  # no staging left


@pytest.mark.slow
def test_cancel_of_a_propagation_on_workers_keeps_the_frames_handed_over(qtbot, make_window, tmp_path):
    pytest.importorskip("ray")
    window = painted(make_window, make_grey_clip(tmp_path / "clip.mkv", FARM_MIN_FRAMES), KEYFRAMES)
    window.settings.setValue(WORKERS_KEY, 2)
    assert window.propagate()
    worker = window.worker
    # Cancel on the worker's own thread as the first unit (frames 0..7) is handed over: the
    # farm hears it before it hands over the next unit.
    worker.result.connect(lambda _: worker.cancel(), Qt.ConnectionType.DirectConnection)
    qtbot.waitUntil(lambda: window.worker is None, timeout=120000)
    assert worker.outcome == "cancelled" and "cancelled" in window.statusBar().currentMessage()
    assert sorted(window.results) == list(range(8))
    assert [window.timeline.frame_state(i) == FrameState.PROPAGATED for i in range(10)] == [True] * 8 + [False] * 2
    assert not [p for p in window.results.folder.iterdir() if "farm" in p.name]


def test_propagate_uses_workers_only_when_long_and_says_why_not_without_ray(qtbot, make_window, tmp_path, monkeypatch):
    window = painted(make_window, make_grey_clip(tmp_path / "clip.mkv", FARM_MIN_FRAMES + 20), KEYFRAMES)
    window.settings.setValue(WORKERS_KEY, 2)
    assert window.propagate(range(0, 20))  # short: this process, whatever the setting
    assert window.worker._call[0] is propagate_runs and not window.messages_seen
    qtbot.waitUntil(lambda: window.worker is None, timeout=60000)
    monkeypatch.setitem(sys.modules, "ray", None)  # as if keyhue[cluster] were not installed
    assert window.propagate()
    assert window.worker._call[0] is propagate_runs
    [line] = window.messages_seen
    assert "\n" not in line and "keyhue[cluster]" in line and "propagating in this process" in line
    window.cancel_propagation()
    qtbot.waitUntil(lambda: window.worker is None, timeout=60000)


@pytest.mark.slow
def test_one_job_at_a_time_uses_the_local_workers(qtbot, make_window, tmp_path):
    """A job's local cluster ends with it: a propagation started during an export on
    workers runs in this process (and says why) rather than share that cluster."""
    pytest.importorskip("ray")
    window = painted(make_window, make_grey_clip(tmp_path / "clip.mkv", FARM_MIN_FRAMES), KEYFRAMES)
    window.settings.setValue(WORKERS_KEY, 2)
    assert window.start_export(ExportSettings(tmp_path / "farm.mkv", "mkv", 0, 20, audio=False, workers=2))
    assert isinstance(window.export_job, FarmExportJob)
    assert window.propagate() and window.worker._call[0] is propagate_runs
    [line] = window.messages_seen
    assert line == "propagating in this process, not on 2 workers: the local workers are busy with an export"
    qtbot.waitUntil(lambda: window.worker is None and window.export_job is None, timeout=120000)
    assert (tmp_path / "farm.mkv").exists() and len(window.results) == FARM_MIN_FRAMES


@pytest.mark.slow
def test_an_export_on_workers_takes_the_propagated_units_from_the_cache(qtbot, make_window, tmp_path):
    """Frames 0..7 (the run between keyframes 0 and 8) are propagated: the farm renders
    only the run from 8 on and writes the first from the cache, graded, in frame order."""
    pytest.importorskip("ray")
    window = keyed(make_window, tmp_path, frames=30)
    assert window.propagate(range(0, 8))
    qtbot.waitUntil(lambda: window.worker is None, timeout=60000)
    here, _ = export(qtbot, window, ExportSettings(tmp_path / "here.mkv", "mkv", 0, 30, audio=False))
    farm, figures = export(qtbot, window, ExportSettings(tmp_path / "farm.mkv", "mkv", 0, 30, audio=False, workers=2))
    assert type(here) is not FarmExportJob and here.worker.outcome == "finished", here.worker.failure
    assert isinstance(farm, FarmExportJob) and farm.worker.outcome == "finished", farm.worker.failure
    assert len(farm.farm_job.units) == 2 and farm.farm_job.units_rendered == 1
    ours, theirs = _frames(tmp_path / "farm.mkv"), _frames(tmp_path / "here.mkv")
    assert len(ours) == len(theirs) == 30
    assert all(np.array_equal(a, b) for a, b in zip(ours, theirs))  # FFV1: lossless, so exactly
    assert figures[-1].done == figures[-1].total == 30
