"""The editor's canvas and main window on a real clip: painting, preview, undo, navigation."""

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor

from colorcore.guidance.hints import Stroke
from tests.support.qt import SIZE, drag, make_grey_clip, widget_point


def opened(make_window, tmp_path, frames=6):
    window = make_window()
    assert window.open_path(make_grey_clip(tmp_path / "clip.mkv", frames))
    return window


def test_open_media_shows_the_first_frame(make_window, tmp_path):
    window = opened(make_window, tmp_path)
    assert window.frame == 0 and window.canvas.frame_size() == SIZE
    assert window.timeline.frame_count() == 6
    assert "clip.mkv" in window.windowTitle()
    assert window.recent_files()[0].endswith("clip.mkv")


def test_painting_a_stroke_stores_it_and_updates_the_preview(qtbot, make_window, tmp_path):
    window = opened(make_window, tmp_path)
    window.go_to(2)
    window.brush.set_colour(QColor(220, 40, 30))
    window.brush.set_size(6)
    assert window.canvas.colour is None
    drag(qtbot, window.canvas, [(10, 10), (20, 12), (30, 14)])
    strokes = window.document.project.hints.strokes
    assert len(strokes) == 1
    stroke = strokes[0]
    assert stroke.frame == 2 and stroke.kind == "colour" and stroke.width == 6
    assert abs(stroke.points[0][0] - 10) < 1.5 and abs(stroke.points[-1][1] - 14) < 1.5
    assert stroke.color[0] > 0.8 and stroke.color[1] < 0.2
    qtbot.waitUntil(lambda: 2 in window.previews and window.canvas.colour is not None, timeout=10000)
    preview = window.previews[2]
    assert preview.shape == (SIZE[1], SIZE[0], 3)
    assert preview[12, 20, 0] > preview[12, 20, 2] + 30  # red where painted
    assert window.last_preview_latency is not None
    assert window.isWindowModified() and window.timeline.keyframes() == [2]
    assert window.brush.recent[0].name() == "#dc281e"


def test_eraser_and_neutral_tools_make_their_kinds(qtbot, make_window, tmp_path):
    window = opened(make_window, tmp_path)
    for key, kind in ((Qt.Key.Key_E, "erase"), (Qt.Key.Key_N, "neutral")):
        qtbot.keyClick(window.canvas, key)
        drag(qtbot, window.canvas, [(5, 5), (15, 5)])
        assert window.document.project.hints.strokes[-1].kind == kind


def test_undo_and_redo_every_edit(qtbot, make_window, tmp_path):
    window = opened(make_window, tmp_path)
    drag(qtbot, window.canvas, [(10, 10), (30, 10)])
    drag(qtbot, window.canvas, [(10, 30), (30, 30)])
    strokes = window.document.project.hints.strokes
    assert len(strokes) == 2
    qtbot.keyClick(window.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(strokes) == 1 and len(window.canvas.strokes) == 1
    qtbot.keyClick(window.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert strokes == [] and window.timeline.keyframes() == []
    qtbot.keyClick(window.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert len(strokes) == 1 and window.timeline.keyframes() == [0]
    window.clear_action.trigger()
    assert strokes == []
    window.undo_action.trigger()
    assert len(strokes) == 1
    assert not window.isWindowModified() or window.document.is_dirty()


def test_keyframe_navigation_with_keys(qtbot, make_window, tmp_path):
    window = opened(make_window, tmp_path, frames=8)
    for frame in (2, 6):
        window.document.add_stroke(Stroke([(5, 5), (20, 5)], color=(0.9, 0.1, 0.1), width=4, frame=frame))
    window.go_to(0)
    qtbot.keyClick(window.canvas, Qt.Key.Key_Down)
    assert window.frame == 2
    qtbot.keyClick(window.canvas, Qt.Key.Key_BracketRight)
    assert window.frame == 6
    qtbot.keyClick(window.canvas, Qt.Key.Key_Up)
    assert window.frame == 2
    qtbot.keyClick(window.canvas, Qt.Key.Key_Right)
    assert window.frame == 3
    qtbot.keyClick(window.canvas, Qt.Key.Key_End)
    assert window.frame == 7
    qtbot.keyClick(window.canvas, Qt.Key.Key_Home)
    assert window.frame == 0 and window.canvas.strokes == []
    window.go_to(6)
    assert len(window.canvas.strokes) == 1


def test_zoom_pan_and_views(qtbot, make_window, tmp_path):
    window = opened(make_window, tmp_path)
    canvas = window.canvas
    window.actual_action.trigger()
    assert canvas.zoom == 1.0
    anchor = widget_point(canvas, 32, 24)
    canvas.zoom_by(2.0, QPointF(anchor))
    assert canvas.zoom == 2.0
    assert (canvas.to_widget(QPointF(32, 24)) - QPointF(anchor)).manhattanLength() < 1.5  # zoomed about the pointer
    before = QPointF(canvas.offset)
    qtbot.mousePress(canvas, Qt.MouseButton.MiddleButton, pos=anchor)
    qtbot.mouseRelease(canvas, Qt.MouseButton.MiddleButton, pos=anchor + QPoint(30, 20))
    assert (
        canvas.offset == before + QPointF(30, 20) and not window.document.project.hints.strokes
    )  # panned, not painted
    window.fit_action.trigger()
    assert canvas.zoom > 2.0  # a 64x48 frame fits far larger than 100%
    qtbot.keyClick(canvas, Qt.Key.Key_3)
    assert canvas.view == "split"
    qtbot.keyClick(canvas, Qt.Key.Key_1)
    assert canvas.view == "grey"
    qtbot.keyClick(canvas, Qt.Key.Key_H)
    assert not canvas.show_strokes


def test_eyedropper_picks_from_the_colour_result_and_split_wipe_moves(qtbot, make_window, tmp_path):
    window = opened(make_window, tmp_path)
    window.brush.set_colour(QColor(30, 60, 220))
    drag(qtbot, window.canvas, [(5, 40), (60, 40)])
    qtbot.waitUntil(lambda: 0 in window.previews, timeout=10000)
    window.brush.set_colour(QColor(128, 128, 128))
    window.set_tool("eyedropper")
    qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=widget_point(window.canvas, 30, 40))
    picked = window.brush.colour
    assert picked.blue() > picked.red() + 30 and window.canvas.tool == "brush"
    window.set_view("split")
    x = window.canvas._wipe_x()
    y = widget_point(window.canvas, 0, 24).y()
    qtbot.mousePress(window.canvas, Qt.MouseButton.LeftButton, pos=QPoint(int(x), y))
    qtbot.mouseRelease(window.canvas, Qt.MouseButton.LeftButton, pos=widget_point(window.canvas, 48, 24))
    assert 0.7 < window.canvas.wipe < 0.8 and len(window.document.project.hints.strokes) == 1


def test_bad_media_shows_a_dialog_and_keeps_running(make_window, tmp_path, dialogs):
    window = make_window()
    (tmp_path / "junk.mp4").write_text("not a video")
    assert not window.open_path(tmp_path / "junk.mp4")
    assert dialogs.warnings and dialogs.warnings[0][0] == "Cannot open media" and "junk.mp4" in dialogs.warnings[0][1]
    assert window.clip is None and window.isVisible()
    assert window.open_path(make_grey_clip(tmp_path / "clip.mkv"))


def test_layout_and_brush_are_remembered(make_window, tmp_path):
    window = make_window()
    window.brush.set_size(23)
    window.brush.remember(QColor(10, 200, 30))
    window.resize(900, 640)
    window.close()
    again = make_window()
    assert again.brush.size == 23 and again.brush.recent[0].name() == "#0ac81e"
    assert again.restoreGeometry(again.settings.value("geometry"))
    assert again.splitter.restoreState(again.settings.value("splitter"))


def test_brush_size_keys_and_soft_strokes(qtbot, make_window, tmp_path):
    window = opened(make_window, tmp_path)
    window.brush.set_size(8)
    qtbot.keyClick(window.canvas, Qt.Key.Key_Period)
    assert window.brush.size == 10 and window.canvas.brush_size == 10
    qtbot.keyClick(window.canvas, Qt.Key.Key_Comma)
    assert window.brush.size == 8
    window.brush.hardness_slider.setValue(40)
    drag(qtbot, window.canvas, [(10, 10), (30, 10)])
    assert window.document.project.hints.strokes[-1].hardness == 0.4


def test_pixel_readout_under_the_pointer(qtbot, make_window, tmp_path):
    window = opened(make_window, tmp_path)
    qtbot.mouseMove(window.canvas, widget_point(window.canvas, 10.5, 20.5))
    qtbot.waitUntil(lambda: window.pixel_label.text().startswith("x 10  y 20"))
    luma = window.grey[20, 10] / 255
    assert f"Y {luma:.3f}" in window.pixel_label.text() and "RGB" not in window.pixel_label.text()


def test_shot_cuts_are_found_in_the_background(qtbot, make_window, tmp_path):
    from colorcore.media import open_writer
    from tests.support.images import synthetic_photo

    shots = [synthetic_photo(48, 64, seed=0)[..., 1], np.flipud(255 - synthetic_photo(48, 64, seed=1)[..., 0])]
    with open_writer(tmp_path / "two-shots.mkv", fps=24, width=64, height=48) as writer:
        for i in range(8):
            writer.write(np.roll(shots[i // 4], i, axis=1))
    window = make_window()
    assert window.open_path(tmp_path / "two-shots.mkv")
    qtbot.waitUntil(lambda: window.cuts == [4], timeout=10000)


def test_solver_setting_is_an_undoable_project_edit(make_window, tmp_path):
    window = opened(make_window, tmp_path)
    assert window.setting_actions["solver", "fast"].isChecked()
    window.setting_actions["solver", "exact"].trigger()
    assert window.document.project.settings["solver"] == "exact" and window.isWindowModified()
    window.undo_action.trigger()
    assert window.document.project.settings["solver"] == "fast"
    assert window.setting_actions["solver", "fast"].isChecked()


def test_ctrl_drag_pans_and_shortcuts_are_listed(qtbot, make_window, tmp_path):
    window = opened(make_window, tmp_path)
    canvas = window.canvas
    before = QPointF(canvas.offset)
    start = widget_point(canvas, 20, 20)
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier, start)
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier, start + QPoint(-15, 10))
    assert canvas.offset == before + QPointF(-15, 10) and not window.document.project.hints.strokes
    lines = window.shortcut_lines()
    assert any(line.startswith("B ") and "Brush" in line for line in lines)
    assert any("Ctrl+Z" in line and "Undo" in line for line in lines)


def test_a_newer_preview_request_supersedes_older_ones(qtbot):
    from colorcore.guidance.hints import Hints
    from colorcore.guidance.references import Guidance
    from keyhue.preview import PreviewSolver
    from tests.support.images import synthetic_photo

    grey = synthetic_photo(360, 640)[..., 1].copy()  # large enough for a quick small solve first
    hints = Hints(canvas_size=(640, 360))
    solver = PreviewSolver()
    seen = []
    solver.ready.connect(lambda generation, frame, rgb, final: seen.append((generation, final, rgb is None)))
    for n in range(3):
        hints.strokes.append(Stroke([(40 + 160 * n, 60), (120 + 160 * n, 300)], color=(0.9, 0.2, 0.1), width=9))
        last = solver.request(grey, Guidance(hints=hints), 0)
    qtbot.waitUntil(lambda: (last, True, False) in seen, timeout=10000)
    assert solver.wait()
    assert {generation for generation, _, _ in seen} == {last}
    assert [final for _, final, _ in seen] == [False, True]  # quick, then full size
