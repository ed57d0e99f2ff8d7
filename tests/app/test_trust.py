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
    assert window.shot_list.list.count() == 2 and "3–5" in window.shot_list.list.item(1).text()
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
    window.brush.set_size(11)
    window.stroke_neutral_action.trigger()
    (stroke,) = window.document.project.hints.strokes
    assert stroke.width == 11 and stroke.kind == "neutral"
    window.undo()
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
    assert [title for title, _ in dialogs.warnings] == ["Cannot open project"] * 3, dialogs.warnings
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


def test_a_shot_grade_recolours_without_propagating_and_export_equals_render(qtbot, make_window, tmp_path):
    from keyhue.export_dialog import ExportSettings

    window = opened(make_window, tmp_path)
    window.document.add_stroke(red_stroke(0))
    propagated(qtbot, window)
    window.go_to(3)
    before = window.current_colour().copy()
    for value in (120, 140, 160):  # a slider drag: one undo step
        window.grade_panel.saturation.setValue(value)
    window.grade_panel.hue.setValue(25)
    assert window.worker is None and window.timeline.frame_state(3) == FrameState.PROPAGATED
    after = window.current_colour()
    assert not np.array_equal(before, after)
    assert np.array_equal(np.round(luma_of(before) * 255), np.round(luma_of(after) * 255))
    assert window.document.project.grades[0].saturation == 1.6
    window.undo()
    assert window.document.project.grades == []  # the whole drag was one step
    window.redo()
    assert window._save_to(tmp_path / "graded.keyhue")
    settings = ExportSettings(tmp_path / "exported", "png", 0, 6, audio=False)
    assert window.start_export(settings)
    qtbot.waitUntil(lambda: window.export_job is None, timeout=60000)
    assert colorcore_main(["render", str(tmp_path / "graded.keyhue"), "-o", str(tmp_path / "rendered")]) == 0
    for name in ("frame_000000.png", "frame_000003.png"):
        exported = cv2.imread(str(tmp_path / "exported" / name), cv2.IMREAD_UNCHANGED)
        rendered = cv2.imread(str(tmp_path / "rendered" / name), cv2.IMREAD_UNCHANGED)
        assert np.array_equal(exported, rendered), name


def test_the_picker_offers_only_colours_with_the_pixels_luma(qtbot, make_window, tmp_path):
    window = opened(make_window, tmp_path)
    window.document.add_exemplar(synthetic_photo(60, 80, seed=3), "photo.png")
    window.document.add_stroke(red_stroke(0))
    qtbot.waitUntil(lambda: window._preview_final.get(0) is True, timeout=20000)
    x, y = 30, 25
    dialog = window.open_picker(x, y)
    qtbot.addWidget(dialog)
    level = int(window.grey[y, x])
    offered = dialog.rgb[dialog.possible]
    assert len(offered) > 100 and not dialog.possible.all()  # some chroma does not fit this luma
    assert np.array_equal(np.round(luma_of(offered[None]) * 255)[0], np.full(len(offered), level))
    impossible = np.argwhere(~dialog.possible)[0]
    assert not dialog.pick_cell(int(impossible[1]), int(impossible[0]))
    possible = np.argwhere(dialog.possible)[len(offered) // 3]
    assert dialog.pick_cell(int(possible[1]), int(possible[0]))
    chosen = np.round(np.array(dialog.chosen) * 255).astype(np.uint8)
    assert round(float(luma_of(chosen[None, None])[0, 0]) * 255) == level
    labels = [b.text() for b in dialog.suggestion_buttons]
    assert labels[0] == "Current result" and any(label.startswith("Exemplar") for label in labels)


def test_recolouring_a_swatch_changes_its_strokes_on_three_keyframes_in_one_undo_step(qtbot, make_window, tmp_path):
    window = opened(make_window, tmp_path, frames=8)
    window.brush.set_colour(QColor(200, 60, 40))
    window.add_swatch("coat")
    assert window.active_swatch == "coat" and "coat" in window.document.project.palette
    for frame in (0, 3, 6):
        window.go_to(frame)
        window._stroke_finished([(8.0, 20.0), (40.0, 20.0)], "brush")
    window.palette.choose(None)
    window._stroke_finished([(8.0, 30.0), (40.0, 30.0)], "brush")  # not tied to the swatch
    strokes = window.document.project.hints.strokes
    assert [s.swatch for s in strokes] == ["coat", "coat", "coat", None]
    propagated(qtbot, window)
    window.brush.set_colour(QColor(40, 90, 210))
    depth = window.document.undo.count()
    assert window.recolour_swatch("coat") == [0, 3, 6]
    assert window.document.undo.count() == depth + 1
    strokes = window.document.project.hints.strokes
    assert all(s.color[2] > 0.8 for s in strokes[:3]) and strokes[3].color[0] > 0.7
    assert window.session.frames_in(FrameState.PROPAGATED) == []  # every affected run is stale
    window.undo()
    assert all(s.color[0] > 0.7 for s in window.document.project.hints.strokes)
    assert window.document.project.palette["coat"][0] > 0.7


def test_export_replaces_only_a_folder_keyhue_wrote(qtbot, make_window, tmp_path, dialogs):
    from PySide6.QtWidgets import QMessageBox

    from keyhue.export_dialog import ExportSettings

    window = opened(make_window, tmp_path)
    documents = tmp_path / "Documents"
    documents.mkdir()
    (documents / "thesis.odt").write_text("years of work")
    dialog = ExportDialog(None, 6, 24.0, False, str(documents), settings=window.settings)
    qtbot.addWidget(dialog)
    dialog.set_format("png")
    dialog.path_edit.setText(str(documents))
    dialog.accept()
    assert dialog.result() != ExportDialog.DialogCode.Accepted
    title, text = dialogs.warnings[-1]
    assert title == "Cannot export" and "Keyhue" in text and "\n" not in text.split("\n\n")[0]
    assert (documents / "thesis.odt").read_text() == "years of work"
    # A folder holding a previous Keyhue export may be replaced, after asking.
    window.document.add_stroke(red_stroke(0))
    assert window.start_export(ExportSettings(tmp_path / "frames", "png", 0, 3, audio=False))
    qtbot.waitUntil(lambda: window.export_job is None, timeout=60000)
    again = ExportDialog(None, 6, 24.0, False, str(tmp_path / "frames"), settings=window.settings)
    qtbot.addWidget(again)
    again.set_format("png")
    again.path_edit.setText(str(tmp_path / "frames"))
    dialogs.answers.append(QMessageBox.StandardButton.Yes)
    again.accept()
    assert again.result() == ExportDialog.DialogCode.Accepted and again.settings().overwrite


def test_compare_wipes_against_the_previous_propagation_and_a_reference_still(qtbot, make_window, tmp_path):
    window = opened(make_window, tmp_path)
    window.document.add_stroke(red_stroke(0))
    propagated(qtbot, window)
    window.go_to(3)
    first = window.current_colour().copy()
    window.go_to(0)
    window.document.add_stroke(Stroke([(8, 40), (40, 40)], color=(0.1, 0.3, 0.9), width=4, frame=0))
    propagated(qtbot, window)
    window.go_to(3)
    window.compare_previous_action.trigger()
    assert window.canvas.view == "split" and window.canvas.compare is not None
    assert window.canvas.compare_label == "previous propagation"
    shown = window.canvas.compare.convertToFormat(window.canvas.compare.Format.Format_RGB888)
    left = np.frombuffer(shown.constBits(), np.uint8).reshape(shown.height(), shown.bytesPerLine())[
        :, : 3 * shown.width()
    ]
    assert np.array_equal(left.reshape(shown.height(), shown.width(), 3), first)
    assert not np.array_equal(first, window.current_colour())
    window.compare_reference_action.trigger()
    assert window.canvas.compare is None and "select a reference" in window.canvas.compare_label
    window.view_colour_action.trigger()
    assert window.canvas.compare is None and window.canvas.view == "colour"


def test_a_damaged_autosave_is_offered_for_discard_and_the_project_opens(make_window, tmp_path, dialogs):
    from PySide6.QtWidgets import QMessageBox

    window = opened(make_window, tmp_path)
    window.document.add_stroke(red_stroke(0))
    assert window._save_to(tmp_path / "p.keyhue")
    window.document.add_stroke(red_stroke(1))
    copy = window.autosave()
    window.document.mark_saved()
    window.close()
    copy.write_text('{"format": "keyhue-project", "version": 1, "source": {"frames": 1e999}}')
    again = make_window()
    dialogs.answers += [QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.Discard]  # recover; discard
    assert again.open_path(tmp_path / "p.keyhue")
    assert [title for title, _ in dialogs.questions][-2:] == ["Recover unsaved work?", "Cannot recover"]
    assert "source" in dialogs.questions[-1][1]  # the damaged field is named
    assert len(again.document.project.hints.strokes) == 1 and not copy.exists()
