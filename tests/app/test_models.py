"""The editor's Qt-free parts: session staleness, autosave and recovery, the action table,
and the worker pattern's warnings and error log."""

import gc
import threading
import warnings

import numpy as np
import pytest
from PySide6.QtGui import QKeySequence

from colorcore.errors import InputError
from colorcore.guidance.hints import Stroke
from colorcore.guidance.project import Project
from colorcore.media import open_clip
from keyhue import errorlog
from keyhue.actions import ACTIONS, ambiguous_shortcuts
from keyhue.autosave import Autosave, project_key
from keyhue.result_cache import ResultCache
from keyhue.session import Session, fingerprint
from keyhue.timeline_model import FrameState
from keyhue.workers import Worker
from tests.support.qt import make_grey_clip


class _Doc:
    def __init__(self, project):
        self.project = project


@pytest.fixture
def project(tmp_path):
    path = make_grey_clip(tmp_path / "clip.mkv", 12)
    with open_clip(path) as clip:
        project = Project.for_clip(clip)
    return project


def session_on(project, tmp_path, cache=None):
    session = Session()
    clip = open_clip(project.media.path)
    session.open(_Doc(project), clip, cache or ResultCache(folder=tmp_path / "cache"))
    return session


def stroke(frame):
    return Stroke([(5, 5), (20, 5)], color=(0.9, 0.2, 0.1), width=4, frame=frame)


def test_an_edit_marks_stale_only_its_shot_and_keyframe_run(project, tmp_path):
    project.hints.strokes += [stroke(1), stroke(8)]
    session = session_on(project, tmp_path)
    session.set_cuts([6])  # shots 0..5 and 6..11
    session.states[:] = FrameState.PROPAGATED.value
    project.hints.strokes.append(stroke(3))  # shot 1, after keyframe 1
    assert session.guidance_edited([3]) == [2, 3, 4, 5]
    assert [session.state(f) for f in (0, 1, 6, 11)] == [FrameState.PROPAGATED] * 4
    project.hints.strokes.append(stroke(10))  # shot 2, after keyframe 8
    assert session.affected_frames([10]) == [9, 10, 11]
    assert session.affected_frames([7]) == [6, 7]  # before the shot's first keyframe
    assert session.runs_to_propagate() == [range(2, 6)]
    assert session.affected_frames([]) == list(range(12))  # exemplars, settings: every frame


def test_propagated_frames_persist_for_the_same_guidance_only(project, tmp_path):
    session = session_on(project, tmp_path)
    rgb = np.full((48, 64, 3), 90, np.uint8)
    session.results.put(4, rgb)
    session.frame_propagated(4, current=True)
    session.close()
    again = session_on(project, tmp_path)
    assert again.frames_in(FrameState.PROPAGATED) == [4]
    assert np.array_equal(again.results.get(4), rgb)
    again.close()
    project.hints.strokes.append(stroke(2))  # edited elsewhere: the kept frames are not its frames
    third = session_on(project, tmp_path)
    assert third.frames_in(FrameState.PROPAGATED) == [] and len(third.results) == 0
    assert fingerprint(project) != ""


def test_frames_kept_by_another_engine_version_are_not_reused(project, tmp_path, monkeypatch):
    import colorcore

    session = session_on(project, tmp_path)
    session.results.put(4, np.full((48, 64, 3), 90, np.uint8))
    session.frame_propagated(4, current=True)
    session.close()
    monkeypatch.setattr(colorcore, "__version__", colorcore.__version__ + ".next")  # Keyhue was upgraded
    again = session_on(project, tmp_path)
    assert again.frames_in(FrameState.PROPAGATED) == [] and len(again.results) == 0
    again.close()


def test_autosave_round_trip_and_a_damaged_copy_is_refused_in_one_line(project, tmp_path):
    autosave = Autosave(tmp_path / "autosave")
    assert autosave.candidate(project) is None
    project.hints.strokes.append(stroke(2))
    path = autosave.write(project)
    candidate = autosave.candidate(project)
    assert candidate is not None and candidate.path == path
    recovered = autosave.recover(candidate, project)
    assert len(recovered.hints.strokes) == 1 and recovered.path == project.path
    path.write_text('{"version": 1, "hints": [[[[[' + "[" * 60000)
    with pytest.raises(InputError):
        autosave.recover(autosave.candidate(project), project)
    autosave.discard(project_key(project))
    assert not path.exists()


def test_no_shortcut_is_bound_twice_and_redo_has_both_usual_keys():
    bindings = [(QKeySequence(k).toString(), spec.name) for spec in ACTIONS for k in spec.keys]
    assert ambiguous_shortcuts(bindings) == []
    assert ambiguous_shortcuts([("Ctrl+Z", "undo"), ("Ctrl+Z", "other")]) == ["Ctrl+Z"]
    redo = next(spec for spec in ACTIONS if spec.name == "redo")
    assert set(redo.keys) == {"Ctrl+Shift+Z", "Ctrl+Y"}


def _warns_then_fails(task):
    warnings.warn("frames 40..55 are a shot with no keyframe or reference: they stay grey", stacklevel=1)
    task.progress(1, 2)
    raise ZeroDivisionError("boom")


def test_a_worker_delivers_engine_warnings_and_logs_a_bug_with_its_traceback(qtbot, tmp_path):
    log = errorlog.install(tmp_path / "logs")
    worker = Worker(_warns_then_fails, name="test job")
    seen = {"warnings": [], "progress": [], "failed": []}
    worker.warning.connect(seen["warnings"].append)
    worker.progressed.connect(lambda d, t: seen["progress"].append((d, t)))
    worker.failed.connect(lambda m, d: seen["failed"].append((m, d)))
    with qtbot.waitSignal(worker.ended, timeout=5000):
        worker.start()
    assert seen["warnings"] == ["frames 40..55 are a shot with no keyframe or reference: they stay grey"]
    assert seen["progress"] == [(1, 2)]
    ((message, details),) = seen["failed"]
    assert message == "ZeroDivisionError: boom" and "Traceback" in details
    text = log.read_text()
    assert "test job failed" in text and "ZeroDivisionError" in text and "stay grey" in text


def test_an_input_error_is_the_users_problem_not_a_logged_bug(qtbot, tmp_path):
    log = errorlog.install(tmp_path / "logs2")

    def refuse(task):
        raise InputError("frames 10..5 are not a range")

    worker = Worker(refuse, name="refusal")
    with qtbot.waitSignal(worker.failed, timeout=5000) as blocker:
        worker.start()
    assert blocker.args == ["frames 10..5 are not a range", ""]
    assert "refusal" not in (log.read_text() if log.exists() else "")


class _Cycle:
    """A reference cycle (like a closed dialog whose slots refer back to it) that records
    the thread which collected it."""

    def __init__(self, collected: list):
        self.me = self
        self.collected = collected

    def __del__(self):
        self.collected.append(threading.current_thread())


def _allocate(task):
    kept = [[i] for i in range(50_000)]  # passes the collector's first threshold many times
    return len(kept)


def test_reference_cycles_are_collected_on_the_gui_thread_never_a_workers(qtbot):
    # A widget destroyed on a worker thread crashes Qt (seen: a segfault in QMenu's destructor).
    gc.collect()
    collected: list = []
    _Cycle(collected)
    worker = Worker(_allocate, name="allocation")
    with qtbot.waitSignal(worker.ended, timeout=5000):
        worker.start()
    assert not gc.isenabled()
    kept = [[i] for i in range(5_000)]  # garbage builds up: the GUI thread's timer collects
    qtbot.waitUntil(lambda: bool(collected), timeout=5000)
    assert collected == [threading.main_thread()] and kept
