"""Propagation and export from the editor, on a real clip, through the real engine."""

import numpy as np

from colorcore.guidance.hints import Stroke
from colorcore.media import open_clip
from keyhue.export_dialog import ExportSettings
from keyhue.timeline import FrameState
from tests.support.qt import make_grey_clip


def keyed(make_window, tmp_path, frames=6):
    window = make_window()
    assert window.open_path(make_grey_clip(tmp_path / "clip.mkv", frames))
    window.document.add_stroke(Stroke([(5, 40), (60, 40)], color=(0.2, 0.3, 0.9), width=4, frame=0))
    window.document.add_stroke(Stroke([(10, 10), (30, 12)], color=(0.9, 0.2, 0.1), width=4, frame=0))
    return window


def test_propagate_fills_the_timeline_and_an_edit_makes_it_stale(qtbot, make_window, tmp_path):
    window = keyed(make_window, tmp_path)
    assert window.propagate()
    assert not window.propagate_action.isEnabled() and window.progress.isVisible()
    qtbot.waitUntil(lambda: window.worker is None, timeout=60000)
    assert sorted(window.results) == list(range(6))
    assert window.statusBar().currentMessage() == "Propagation finished"
    assert all(window.timeline.frame_state(i) == FrameState.PROPAGATED for i in range(6))
    colourfulness, _ = window.quality.values(3)
    assert colourfulness > 0
    window.go_to(4)
    colour = window.canvas.colour
    assert colour is not None and colour.pixelColor(30, 40).blue() > colour.pixelColor(30, 40).red()
    window.document.add_stroke(Stroke([(40, 20)], color=(0.1, 0.8, 0.2), width=4, frame=2))
    # Keyframe 0 is solved from its own strokes: only the frames after it can change.
    assert window.timeline.frame_state(0) == FrameState.PROPAGATED
    assert all(window.timeline.frame_state(i) == FrameState.STALE for i in range(1, 6))


def test_frames_beyond_the_memory_budget_wait_on_disk_and_show_again(qtbot, make_window, tmp_path):
    window = keyed(make_window, tmp_path)
    frame_bytes = 64 * 48 * 3
    window.results.memory_bytes = 2 * frame_bytes
    assert window.propagate()
    qtbot.waitUntil(lambda: window.worker is None, timeout=60000)
    assert window.results.frames() == list(range(6)) and window.results.in_memory() <= 2 * frame_bytes
    assert all(window.timeline.frame_state(i) == FrameState.PROPAGATED for i in range(6))
    window.go_to(1)  # long out of memory: read back from disk
    colour = window.canvas.colour
    assert colour is not None and colour.pixelColor(30, 40).blue() > colour.pixelColor(30, 40).red()
    assert window.results.in_memory() <= 2 * frame_bytes


def test_cancel_stops_propagation_and_keeps_finished_frames(qtbot, make_window, tmp_path):
    window = keyed(make_window, tmp_path, frames=30)
    assert window.propagate()
    window.cancel_action.trigger()
    qtbot.waitUntil(lambda: window.worker is None, timeout=60000)
    assert len(window.results) < 30
    assert "cancelled" in window.statusBar().currentMessage()
    assert window.propagate_action.isEnabled() and not window.progress.isVisible()
    assert all(window.timeline.frame_state(i) == FrameState.PENDING for i in range(30) if i not in window.results)


def test_nothing_to_propagate_says_so(make_window, tmp_path, dialogs):
    window = make_window()
    window.open_path(make_grey_clip(tmp_path / "clip.mkv"))
    assert not window.propagate()
    assert dialogs.warnings[-1][0] == "Nothing to propagate"


def test_export_writes_a_clip_that_decodes_with_the_right_frames(qtbot, make_window, tmp_path):
    window = keyed(make_window, tmp_path)
    out = tmp_path / "out.mkv"
    settings = ExportSettings(path=out, format="mkv", start=1, stop=5, audio=False)
    assert window.start_export(settings)
    qtbot.waitUntil(lambda: window.export_job is None, timeout=60000)
    with open_clip(out) as clip, open_clip(tmp_path / "clip.mkv") as source:
        assert len(clip) == 4 and (clip.width, clip.height) == (64, 48)
        rgb = clip.rgb(0).astype(int)
        assert np.abs(rgb[..., 0] - rgb[..., 2]).max() > 20
        assert np.abs(clip.luma(0).astype(int) - source.luma(1).astype(int)).max() <= 1


def test_export_to_a_vanished_folder_shows_a_dialog_and_leaves_nothing(qtbot, make_window, tmp_path, dialogs):
    window = keyed(make_window, tmp_path)
    (tmp_path / "gone").mkdir()
    settings = ExportSettings(path=tmp_path / "gone" / "out.mp4", format="mp4", start=0, stop=6, audio=False)
    (tmp_path / "gone").rmdir()  # the folder disappears after the dialog checked it
    assert window.start_export(settings)
    qtbot.waitUntil(lambda: window.export_job is None, timeout=60000)
    assert dialogs.warnings and dialogs.warnings[-1][0] == "Export failed"
    assert not (tmp_path / "gone").exists() and window.isVisible()


def test_opening_another_clip_stops_a_running_propagation(qtbot, make_window, tmp_path):
    window = keyed(make_window, tmp_path, frames=30)
    assert window.propagate()
    assert window.open_path(make_grey_clip(tmp_path / "next.mkv", frames=3))
    assert window.worker is None and len(window.results) == 0 and not window.progress.isVisible()
    qtbot.wait(200)  # nothing from the old run arrives late
    assert len(window.results) == 0 and window.clip.path.name == "next.mkv"


def test_export_through_the_dialog_as_a_png_sequence(qtbot, make_window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QDialog

    from keyhue.export_dialog import ExportDialog

    window = keyed(make_window, tmp_path, frames=4)
    seen = {}

    def accept(dialog):
        seen["suggested"] = dialog.settings().path
        dialog.set_format("png")
        dialog.set_range(1, 3)
        dialog.set_workers(1)  # in this process; the farm's export: tests/app/test_local_workers.py
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ExportDialog, "exec", accept)
    assert window.export()
    assert seen["suggested"] == tmp_path / "clip-colour.mkv"
    qtbot.waitUntil(lambda: window.export_job is None, timeout=60000)
    frames = sorted((tmp_path / "clip-colour").glob("frame_*"))
    assert [f.suffix for f in frames] == [".png", ".png"]
    assert "Exported" in window.statusBar().currentMessage()


def test_quitting_during_an_export_asks_and_leaves_nothing(qtbot, make_window, tmp_path, dialogs):
    from PySide6.QtWidgets import QMessageBox

    window = keyed(make_window, tmp_path, frames=30)
    window.document.mark_saved()
    assert window.start_export(ExportSettings(path=tmp_path / "long.mkv", format="mkv", start=0, stop=30, audio=False))
    dialogs.answers = [QMessageBox.StandardButton.Cancel]
    assert not window.close() and window.export_job is not None
    dialogs.answers = [QMessageBox.StandardButton.Yes]
    assert window.close()
    assert window.export_job is None and not (tmp_path / "long.mkv").exists()
    assert [t for t, _ in dialogs.questions] == ["Export running", "Export running"]
