"""Projects in the editor: save and reopen, autosave recovery, unsaved changes, bad files."""

import json

import numpy as np
from PySide6.QtWidgets import QFileDialog, QMessageBox

from colorcore.guidance.project import Project
from tests.support.qt import drag, make_grey_clip

Yes, No, Cancel = QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No, QMessageBox.StandardButton.Cancel
Save, Discard = QMessageBox.StandardButton.Save, QMessageBox.StandardButton.Discard


def painted(qtbot, make_window, tmp_path):
    window = make_window()
    assert window.open_path(make_grey_clip(tmp_path / "clip.mkv"))
    drag(qtbot, window.canvas, [(10, 10), (30, 12)])
    window.go_to(3)
    drag(qtbot, window.canvas, [(40, 30), (50, 40)])
    reference = np.zeros((48, 64, 3), np.uint8)
    reference[..., 1] = 160
    window.assign_reference(reference, "green.png")
    return window


def save_as(window, monkeypatch, path):
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))
    return window.save_action.trigger()


def test_save_close_reopen_gives_the_same_project(qtbot, make_window, tmp_path, monkeypatch):
    window = painted(qtbot, make_window, tmp_path)
    assert window.isWindowModified()
    save_as(window, monkeypatch, tmp_path / "film")  # the suffix is added
    saved = tmp_path / "film.keyhue"
    assert saved.exists() and not window.isWindowModified() and "film.keyhue" in window.windowTitle()
    before = window.document.project.to_dict(tmp_path)
    window.close()
    again = make_window()
    assert again.open_path(saved)
    assert again.document.project.to_dict(tmp_path) == before
    assert again.timeline.keyframes() == [0, 3] and not again.isWindowModified()
    again.go_to(3)
    assert len(again.canvas.strokes) == 1


def test_autosave_is_recovered_after_a_crash(qtbot, make_window, tmp_path, monkeypatch, dialogs):
    window = painted(qtbot, make_window, tmp_path)
    save_as(window, monkeypatch, tmp_path / "p.keyhue")
    drag(qtbot, window.canvas, [(5, 40), (20, 44)])  # an edit after saving...
    autosaved = window.autosave()
    assert autosaved is not None and autosaved.parent == tmp_path / "autosave"
    # ...then the process dies: no close, no save. A new window opens the project.
    dialogs.answers = [Yes]
    again = make_window()
    assert again.open_path(tmp_path / "p.keyhue")
    assert dialogs.questions[-1][0] == "Recover unsaved work?"
    assert len(again.document.project.hints.strokes) == 3 and again.isWindowModified()
    assert again.document.project.path == (tmp_path / "p.keyhue").resolve()
    window.document.mark_saved()  # let the first window close quietly


def test_declined_recovery_opens_the_saved_version(qtbot, make_window, tmp_path, monkeypatch, dialogs):
    window = make_window()
    window.open_path(make_grey_clip(tmp_path / "clip.mkv"))
    drag(qtbot, window.canvas, [(10, 10), (30, 12)])
    assert window.autosave() is not None  # an unsaved project, keyed by its media
    dialogs.answers = [No]
    again = make_window()
    assert again.open_path(tmp_path / "clip.mkv")
    assert again.document.project.hints.strokes == [] and not list((tmp_path / "autosave").iterdir())
    window.document.mark_saved()


def test_unsaved_changes_prompt_on_close(qtbot, make_window, tmp_path, monkeypatch, dialogs):
    window = painted(qtbot, make_window, tmp_path)
    dialogs.answers = [Cancel]
    assert not window.close()
    assert window.isVisible() and dialogs.questions[-1][0] == "Unsaved changes"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "kept.keyhue"), ""))
    dialogs.answers = [Save]
    assert window.close()
    assert len(Project.load(tmp_path / "kept.keyhue").hints.strokes) == 2


def test_corrupt_and_newer_projects_show_dialogs(make_window, tmp_path, dialogs):
    window = make_window()
    (tmp_path / "corrupt.keyhue").write_text('{"format": "keyhue-project", "version": 1, "source": ')
    (tmp_path / "newer.keyhue").write_text(json.dumps({"format": "keyhue-project", "version": 7}))
    assert not window.open_path(tmp_path / "corrupt.keyhue")
    assert not window.open_path(tmp_path / "newer.keyhue")
    titles = [t for t, _ in dialogs.warnings]
    assert titles == ["Cannot open project", "Cannot open project"]
    assert "not valid JSON" in dialogs.warnings[0][1] and "newer Keyhue" in dialogs.warnings[1][1]
    assert window.document is None and window.isVisible()


def test_moved_media_offers_to_locate_it(qtbot, make_window, tmp_path, monkeypatch, dialogs):
    window = painted(qtbot, make_window, tmp_path)
    save_as(window, monkeypatch, tmp_path / "p.keyhue")
    window.close()
    (tmp_path / "moved").mkdir()
    (tmp_path / "clip.mkv").rename(tmp_path / "moved" / "clip.mkv")
    again = make_window()
    dialogs.answers = [Cancel]
    assert not again.open_path(tmp_path / "p.keyhue")
    assert dialogs.questions[-1][0] == "Source media not found" and "is missing" in dialogs.questions[-1][1]
    # Locating the wrong file is refused with a dialog; then the right one is accepted.
    other = make_grey_clip(tmp_path / "other.mkv", frames=4)
    choices = iter([str(other), str(tmp_path / "moved" / "clip.mkv")])
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (next(choices), ""))
    dialogs.answers = [Yes, Yes]
    assert again.open_path(tmp_path / "p.keyhue")
    assert dialogs.warnings[-1][0] == "Not the project's media"
    assert again.clip.path.parent.name == "moved" and again.isWindowModified()
    assert again.save()
    assert json.loads((tmp_path / "p.keyhue").read_text())["source"]["path"] == "moved/clip.mkv"


def test_save_to_an_unwritable_place_shows_a_dialog(qtbot, make_window, tmp_path, monkeypatch, dialogs):
    window = painted(qtbot, make_window, tmp_path)
    save_as(window, monkeypatch, tmp_path / "missing-folder" / "p.keyhue")
    assert dialogs.warnings[-1][0] == "Cannot save project" and window.isWindowModified()
    assert len(window.document.project.hints.strokes) == 2


def test_the_bundled_demo_opens_with_two_keyframes(make_window, dialogs):
    from keyhue.main import DEMO_PROJECT

    window = make_window()
    assert window.open_path(DEMO_PROJECT)
    assert window.timeline.keyframes() == [0, 47] and len(window.clip) == 48
    assert not window.isWindowModified() and not dialogs.warnings
