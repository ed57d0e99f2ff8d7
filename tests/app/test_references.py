"""The reference panel in the editor: load, assign, pick colours, promote, bad images."""

import warnings

import numpy as np
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent

from colorcore.media import write_image
from keyhue.reference_placer import ReferencePlacer
from tests.support.images import synthetic_photo
from tests.support.qt import drag, make_grey_clip


def with_clip(make_window, tmp_path):
    window = make_window()
    assert window.open_path(make_grey_clip(tmp_path / "clip.mkv"))
    return window


def drop(widget, path):
    """Drag ``path`` over ``widget`` and drop it (the handlers a real drag calls)."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    buttons, modifiers = Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier
    with warnings.catch_warnings():  # PySide6 marks the only constructor deprecated
        warnings.simplefilter("ignore", DeprecationWarning)
        enter = QDragEnterEvent(QPoint(5, 5), Qt.DropAction.CopyAction, mime, buttons, modifiers)
    widget.dragEnterEvent(enter)
    assert enter.isAccepted()
    widget.dropEvent(QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, mime, buttons, modifiers))


def test_load_assign_reference_and_pick_its_colour(qtbot, make_window, tmp_path):
    window = with_clip(make_window, tmp_path)
    photo = synthetic_photo(48, 64)
    write_image(tmp_path / "ref.png", photo)
    panel = window.references
    drop(panel, tmp_path / "ref.png")
    assert len(panel.loaded) == 1 and panel.selected()[2] is None
    window.go_to(2)
    panel.reference_button.click()
    project = window.document.project
    assert [r.frame for r in project.references] == [2] and np.array_equal(project.references[0].rgb, photo)
    assert window.timeline.keyframes() == [2]
    qtbot.waitUntil(lambda: 2 in window.previews, timeout=10000)
    # Click the red disc in the panel's view: the brush takes its colour.
    view = panel.view
    origin, scale = view._target()
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=(origin + QPointF(22, 28) * scale).toPoint())
    colour = window.brush.colour
    assert colour.red() > 180 and colour.green() < 100
    window.undo_action.trigger()
    assert project.references == [] and window.timeline.keyframes() == []


def test_exemplar_promote_and_remove(qtbot, make_window, tmp_path):
    window = with_clip(make_window, tmp_path)
    write_image(tmp_path / "scene.png", synthetic_photo(30, 40))
    assert window.references.load_file(tmp_path / "scene.png")
    window.references.exemplar_button.click()
    project = window.document.project
    assert len(project.exemplars) == 1 and project.exemplars[0].frames is None
    window.brush.set_size(5)
    drag(qtbot, window.canvas, [(10, 10), (40, 10)])
    qtbot.waitUntil(lambda: 0 in window.previews, timeout=10000)
    window.references.promote_button.click()
    assert [r.frame for r in project.references] == [0]
    assert np.array_equal(project.references[0].rgb, window.previews.get(0, project.references[0].rgb))
    panel = window.references
    panel.list.setCurrentRow(0)  # project items come first: the reference of frame 0
    assert panel.remove_button.isEnabled()
    panel.remove_button.click()
    assert project.references == [] and len(project.exemplars) == 1


def test_unusable_references_show_dialogs(make_window, tmp_path, dialogs, monkeypatch):
    window = with_clip(make_window, tmp_path)
    panel = window.references
    (tmp_path / "notes.png").write_text("not an image")
    write_image(tmp_path / "grey.png", np.full((48, 64), 100, np.uint8))
    write_image(tmp_path / "big.png", synthetic_photo(96, 128))
    assert not panel.load_file(tmp_path / "notes.png")
    assert not panel.load_file(tmp_path / "grey.png")
    assert panel.load_file(tmp_path / "big.png")
    monkeypatch.setattr(ReferencePlacer, "exec", lambda self: ReferencePlacer.DialogCode.Rejected)
    panel.reference_button.click()  # 128x96 on a 64x48 clip: the placer opens; cancelled here
    titles = [t for t, _ in dialogs.warnings]
    assert titles == ["Cannot load reference", "Not a colour reference"]
    assert window.document.project.references == []
    assert not window.promote_frame() and dialogs.warnings[-1][0] == "Nothing to promote"
    assert window.isVisible()


def test_dropping_media_on_the_window_opens_it(make_window, tmp_path):
    window = make_window()
    drop(window, make_grey_clip(tmp_path / "dropped.mkv"))
    assert window.clip is not None and window.clip.path.name == "dropped.mkv"


def test_exemplar_for_the_current_shot_only(qtbot, make_window, tmp_path):
    window = with_clip(make_window, tmp_path)
    qtbot.waitUntil(lambda: window.cut_finder.outcome is not None)
    qtbot.wait(20)  # let its (empty) result arrive before standing in for real cuts
    window.session.set_cuts([2, 4])
    window.go_to(3)
    write_image(tmp_path / "scene.png", synthetic_photo(30, 40))
    assert window.references.load_file(tmp_path / "scene.png")
    window.references.shot_only.setChecked(True)
    window.references.exemplar_button.click()
    assert window.document.project.exemplars[0].frames == (2, 4)
    assert "frames 2–3" in window.references.list.item(0).text()


def test_a_reference_of_another_size_is_placed_from_an_automatic_alignment(qtbot, make_window, tmp_path, monkeypatch):
    import cv2

    from colorcore.colorspace import luma_of
    from colorcore.guidance.project import Project
    from tests.support.media import write_clip

    photo = synthetic_photo(120, 160)
    grey = np.round(luma_of(photo) * 255).astype(np.uint8)
    write_clip(tmp_path / "wide.mkv", [np.repeat(grey[..., None], 3, axis=2)] * 3)
    window = make_window()
    assert window.open_path(tmp_path / "wide.mkv")
    # The same picture at 1.5x, with a black border: another size and another framing.
    reference = np.zeros((200, 270, 3), np.uint8)
    reference[12:192, 20:260] = cv2.resize(photo, (240, 180), interpolation=cv2.INTER_LINEAR)
    placer = window.open_placer(reference, "scan.png")
    qtbot.addWidget(placer)
    placement = placer.placement()
    assert abs(placement.scale - 2 / 3) < 0.02 and abs(placement.x + 13.3) < 2 and abs(placement.y + 8) < 2
    placer.opacity.setValue(80)  # the onion skin follows
    assert placer.onion.opacity == 0.8 and placer.onion.placed is not None
    monkeypatch.setattr(ReferencePlacer, "exec", lambda self: ReferencePlacer.DialogCode.Accepted)
    assert window.assign_reference(reference, "scan.png")
    (stored,) = window.document.project.references
    assert stored.rgb.shape == photo.shape and np.abs(stored.rgb.astype(int) - photo).mean() < 6
    window.document.project.save(tmp_path / "p.keyhue")
    assert np.array_equal(Project.load(tmp_path / "p.keyhue").references[0].rgb, stored.rgb)
    window.undo()
    assert window.document.project.references == []
