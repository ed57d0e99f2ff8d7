"""What a colourist must be able to trust: the preview is the export, edits mark only what
they change, propagated frames survive reopening, redo works by keyboard, progress and
warnings tell the truth; and the tools of the trade (scopes, shot list, stroke editing)."""

from pathlib import Path

import cv2
import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QColor

from colorcore.cli import main as colorcore_main
from colorcore.colorspace import luma_of
from colorcore.guidance.hints import Stroke
from colorcore.media import open_writer
from keyhue.export_dialog import ExportDialog
from keyhue.timeline import FrameState
from tests.support.images import synthetic_photo
from tests.support.qt import SIZE, make_grey_clip, widget_point


def opened(make_window, tmp_path, frames=6):
    window = make_window()
    assert window.open_path(make_grey_clip(tmp_path / "clip.mkv", frames))
    return window


def red_stroke(frame, y=20):
    return Stroke([(8, y), (40, y)], color=(0.9, 0.2, 0.1), width=4, frame=frame)


def propagated(qtbot, window):
    assert window.propagate()
    qtbot.waitUntil(lambda: window.worker is None, timeout=60000)


def test_preview_of_a_keyframe_is_the_rendered_frame_pixel_for_pixel(qtbot, make_window, tmp_path):
    window = opened(make_window, tmp_path)
    window.document.add_exemplar(synthetic_photo(60, 80, seed=3), "photo.png")
    window.go_to(2)
    window.document.add_stroke(red_stroke(2))
    qtbot.waitUntil(lambda: window._preview_final.get(2) is True and 2 in window.previews, timeout=20000)
    assert window.canvas.notice == ""  # the full solve is shown: no "solving" notice
    preview = window.previews[2]
    project_path = tmp_path / "p.keyhue"
    window.document.project.save(project_path)
    out = tmp_path / "rendered"
    assert colorcore_main(["render", str(project_path), "-o", str(out), "--frames", "2:3", "--no-audio"]) == 0
    (png,) = sorted(out.glob("*.png"))
    rendered = cv2.imread(str(png), cv2.IMREAD_UNCHANGED)[..., ::-1]
    assert np.array_equal(preview, rendered)
    # Exemplar colours are part of it: not only the strokes.
    assert np.abs(preview[40:, :, 1].astype(int) - preview[40:, :, 0]).mean() > 1


def test_an_edit_in_shot_two_leaves_shot_one_propagated_and_propagate_redoes_only_it(qtbot, make_window, tmp_path):
    window = opened(make_window, tmp_path, frames=8)
    qtbot.waitUntil(lambda: window.cut_finder.outcome is not None)
    qtbot.wait(20)
    window.session.set_cuts([4])  # stands in for a cut the detector would find
    window.document.add_stroke(red_stroke(0))
    window.document.add_stroke(red_stroke(5))
    propagated(qtbot, window)
    assert all(window.timeline.frame_state(i) == FrameState.PROPAGATED for i in range(8))
    window.document.add_stroke(red_stroke(7, y=30))
    assert [window.timeline.frame_state(i) for i in range(8)] == [FrameState.PROPAGATED] * 6 + [FrameState.STALE] * 2
    assert window.session.runs_to_propagate() == [range(6, 8)]
    progress = []
    assert window.propagate()
    window.worker.progressed.connect(lambda done, total: progress.append((done, total)))
    qtbot.waitUntil(lambda: window.worker is None, timeout=60000)
    assert progress[-1] == (2, 2) and window.progress.maximum() == 2  # the bar counts frames
    assert all(window.timeline.frame_state(i) == FrameState.PROPAGATED for i in range(8))


def test_a_reopened_project_shows_its_propagated_frames_without_recomputing(qtbot, make_window, tmp_path):
    window = opened(make_window, tmp_path)
    window.document.add_stroke(red_stroke(0))
    propagated(qtbot, window)
    assert window._save_to(tmp_path / "p.keyhue")  # as Save As does
    frame3 = window.results.get(3).copy()
    window.close()
    again = make_window()
    assert again.open_path(tmp_path / "p.keyhue")
    assert again.worker is None
    assert all(again.timeline.frame_state(i) == FrameState.PROPAGATED for i in range(6))
    again.go_to(3)
    assert again.canvas.colour is not None and np.array_equal(again.current_colour(), frame3)
    assert not again.propagate()  # nothing to do


def test_redo_by_the_real_keys_and_no_shortcut_bound_twice(qtbot, make_window, tmp_path):
    window = opened(make_window, tmp_path)
    window.document.add_stroke(red_stroke(0))
    ctrl = Qt.KeyboardModifier.ControlModifier
    for modifiers, key in (
        (ctrl | Qt.KeyboardModifier.ShiftModifier, Qt.Key.Key_Z),
        (ctrl, Qt.Key.Key_Y),
    ):
        qtbot.keyClick(window.canvas, Qt.Key.Key_Z, ctrl)
        assert window.document.project.hints.strokes == []
        qtbot.keyClick(window.canvas, key, modifiers)
        assert len(window.document.project.hints.strokes) == 1
    keys = [k.toString() for a in window.findChildren(QAction) for k in a.shortcuts()]
    assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)
    lines = window.shortcut_lines()
    assert sum("Redo" in line for line in lines) == 1


def test_scopes_follow_the_frame_and_the_shot_list_lists_shots(qtbot, make_window, tmp_path):
    window = opened(make_window, tmp_path)
    window.scopes_dock.show()
    window.shots_dock.show()
    qtbot.waitUntil(lambda: window.cut_finder.outcome is not None)
    qtbot.wait(20)
    window.session.set_cuts([3])
    assert window.shot_list.list.count() == 2 and "frames 3–5" in window.shot_list.list.item(1).text()
    window.go_to(0)
    grey = window.scopes.data
    assert grey is not None and grey.vectorscope[64, 64] > 0.9  # a grey frame sits at the centre
    window.document.add_stroke(red_stroke(0))
    qtbot.waitUntil(lambda: window._preview_final.get(0) is True, timeout=20000)
    coloured = window.scopes.data
    assert not np.array_equal(coloured.vectorscope, grey.vectorscope)
    assert coloured.parade[0].sum() > 0 and coloured.waveform.shape == (256, SIZE[0])
    window.shot_list.list.setCurrentRow(1)
    window.shot_list.list.itemClicked.emit(window.shot_list.list.item(1))
    assert window.frame == 3


def test_click_selects_a_stroke_then_recolour_and_delete_it_undoably(qtbot, make_window, tmp_path):
    window = opened(make_window, tmp_path)
    window.document.add_stroke(red_stroke(0))
    window.set_tool("select")
    qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=widget_point(window.canvas, 20, 20))
    assert window.canvas.selected == 0 and window.selected_stroke() is not None
    window.brush.set_colour(QColor(30, 60, 220))
    (stroke,) = window.document.project.hints.strokes
    assert stroke.color[2] > 0.8
    window.delete_stroke_action.trigger()
    assert window.document.project.hints.strokes == []
    window.undo()
    assert window.document.project.hints.strokes[0].color[2] > 0.8


def test_engine_warnings_reach_the_editor(qtbot, make_window, tmp_path):
    grey = np.round(luma_of(synthetic_photo(SIZE[1], SIZE[0])) * 255).astype(np.uint8)
    other = np.round(luma_of(synthetic_photo(SIZE[1], SIZE[0], seed=9)) * 255).astype(np.uint8)
    path = tmp_path / "cut.mkv"
    with open_writer(path, fps=24, width=SIZE[0], height=SIZE[1]) as writer:
        for i in range(6):
            writer.write(np.roll(grey if i < 3 else 255 - other, i, axis=1))
    window = make_window()
    assert window.open_path(path)
    window.document.add_stroke(red_stroke(0))
    propagated(qtbot, window)
    assert any("stay grey" in text for text in window.messages_seen), window.messages_seen
    assert window.messages.count() >= 1


def test_a_damaged_project_gives_a_dialog_and_the_editor_keeps_running(make_window, tmp_path, dialogs):
    window = opened(make_window, tmp_path)
    for text in ('{"version": 1, "hints": 5}', "[" * 60000, '{"version": 1, "media": {"width": 1e999}}'):
        bad = tmp_path / "bad.keyhue"
        bad.write_text(text)
        assert not window.open_path(bad)
    assert [title for title, _ in dialogs.warnings] == ["Cannot open project"] * 3
    assert window.clip is not None and window.frame == 0


def test_export_dialog_remembers_format_and_folder(qtbot, make_window, tmp_path):
    window = opened(make_window, tmp_path)
    first = ExportDialog(None, 6, 24.0, False, str(tmp_path / "a.mkv"), settings=window.settings)
    qtbot.addWidget(first)
    first.set_format("png")
    first.path_edit.setText(str(tmp_path / "frames"))
    first.accept()
    second = ExportDialog(None, 6, 24.0, False, str(Path("/elsewhere/b.mkv")), settings=window.settings)
    qtbot.addWidget(second)
    assert second.format_key() == "png" and Path(second.path_edit.text()).parent == tmp_path


def test_quality_plot_has_a_legend_in_plain_words_and_the_timelines_frame_axis(qtbot, make_window, tmp_path):
    window = opened(make_window, tmp_path, frames=20)
    qtbot.wait(50)
    labels = [label.text for _, label in window.quality.legend.items]
    assert labels == ["colourfulness", "colour change from the previous frame"]
    view = window.quality.plot_widget.getPlotItem().vb
    canvas = window.timeline.canvas
    for frame in (0, 10, 19):
        timeline_x = canvas.mapToGlobal(canvas.rect().topLeft()).x() + window.timeline.frame_x(frame)
        plot_point = window.quality.plot_widget.mapFromScene(view.mapViewToScene(pg.Point(frame, 0)))
        plot_x = window.quality.plot_widget.mapToGlobal(plot_point).x()
        assert abs(plot_x - timeline_x) <= 2, (frame, plot_x, timeline_x)
