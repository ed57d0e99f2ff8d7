"""The timeline widget, driven by real mouse, key and wheel events (pytest-qt, offscreen)."""

import threading
import time

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QImage, QWheelEvent
from PySide6.QtWidgets import QApplication

from colorcore.media import open_clip, open_writer
from keyhue.timeline import STATE_COLOURS, FrameState, Timeline, nominal_rate, timecode


@pytest.fixture
def timeline(qtbot):
    widget = Timeline()
    qtbot.addWidget(widget)
    widget.resize(800, 150)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def emitted(signal) -> list:
    values = []
    signal.connect(values.append)
    return values


def pixel(widget, x: float, y: float) -> QColor:
    image = widget.grab().toImage()
    return image.pixelColor(int(x), int(y))


def test_timecode_counts_nominal_frames():
    assert timecode(0, 24) == "00:00:00:00"
    assert timecode(24 * 3661 + 5, 24) == "01:01:01:05"
    assert nominal_rate(29.97) == 30 and nominal_rate(23.976) == 24
    assert timecode(30, 30000 / 1001) == "00:00:01:00"
    assert timecode(1439, 24000 / 1001) == "00:00:59:23"


def test_mouse_press_and_drag_scrub_to_the_frame_under_the_pointer(qtbot, timeline):
    timeline.set_clip(100, 25.0)
    frames = emitted(timeline.frameChanged)
    canvas = timeline.canvas
    y = int(canvas.thumb_rect().center().y())
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(int(timeline.frame_x(40)), y))
    assert frames == [40] and timeline.current() == 40
    qtbot.mouseMove(canvas, QPoint(int(timeline.frame_x(70)), y))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(int(timeline.frame_x(70)), y))
    assert frames == [40, 70]
    assert timeline.hasFocus()  # so the keys work right after clicking
    assert "Frame 70" in timeline.readout.text() and "00:00:02:20" in timeline.readout.text()
    # Pressing on the frame already current, or setting it, emits nothing.
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(int(timeline.frame_x(70)), y))
    timeline.set_current(70)
    assert frames == [40, 70]


def test_keys_step_jump_and_follow_keyframes(qtbot, timeline):
    timeline.set_clip(200, 24.0)
    timeline.set_markers(keyframes=[20, 75, 150], references=[5], cuts=[100])
    frames = emitted(timeline.frameChanged)
    timeline.setFocus()
    K, shift = Qt.Key, Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(timeline, K.Key_Right)
    qtbot.keyClick(timeline, K.Key_Right, shift)
    qtbot.keyClick(timeline, K.Key_Left)
    assert frames == [1, 11, 10]
    qtbot.keyClick(timeline, K.Key_Down)  # next keyframe
    qtbot.keyClick(timeline, K.Key_BracketRight)
    qtbot.keyClick(timeline, K.Key_Up)  # previous keyframe
    assert frames[3:] == [20, 75, 20]
    qtbot.keyClick(timeline, K.Key_End)
    assert timeline.current() == 199
    assert timeline.next_keyframe() is None and timeline.current() == 199
    assert timeline.previous_keyframe() == 150
    qtbot.keyClick(timeline, K.Key_Home)
    qtbot.keyClick(timeline, K.Key_Left)  # already at the start: no signal
    assert frames[-1] == 0 and frames.count(0) == 1
    assert timeline.previous_keyframe() is None


def test_playback_runs_at_the_clip_rate_without_skipping(qtbot, timeline):
    timeline.set_clip(30, 50.0)
    frames = emitted(timeline.frameChanged)
    playing = emitted(timeline.playingChanged)
    timeline.setFocus()
    started = time.perf_counter()
    qtbot.keyClick(timeline, Qt.Key.Key_Space)
    assert timeline.is_playing()
    qtbot.waitUntil(lambda: not timeline.is_playing(), timeout=5000)
    elapsed = time.perf_counter() - started
    assert frames == list(range(1, 30))  # every frame, in order, and it stops at the end
    assert playing == [True, False]
    assert 0.45 < elapsed < 2.0  # 29 frames at 50 fps: 0.58 s (tolerant of a busy machine)
    timeline.play()  # from the last frame, playback starts over
    assert timeline.current() == 0 and timeline.is_playing()
    timeline.pause()
    assert playing == [True, False, True, False]


def test_state_band_shows_each_frames_state(qtbot, timeline):
    timeline.set_clip(100, 24.0)
    timeline.set_all_states(FrameState.PROPAGATED)
    timeline.set_frame_state(30, FrameState.STALE)
    for i in range(60, 70):
        timeline.set_frame_state(i, FrameState.PENDING)
    band = timeline.state_band_rect()
    y = band.center().y()
    for frame, state in [(10, FrameState.PROPAGATED), (30, FrameState.STALE), (65, FrameState.PENDING)]:
        assert timeline.frame_state(frame) == state
        assert pixel(timeline.canvas, timeline.frame_x(frame), y) == STATE_COLOURS[state]


def test_one_stale_frame_stays_visible_on_a_long_clip(qtbot, timeline):
    timeline.set_clip(20000, 24.0)  # many frames per pixel column
    assert timeline.pixels_per_frame() < 0.1
    timeline.set_all_states(FrameState.PROPAGATED)
    timeline.set_frame_state(12345, FrameState.STALE)
    y = timeline.state_band_rect().center().y()
    x = int(timeline.frame_x(12345))
    assert pixel(timeline.canvas, x, y) == STATE_COLOURS[FrameState.STALE]
    assert pixel(timeline.canvas, x - 20, y) == STATE_COLOURS[FrameState.PROPAGATED]


def wheel(widget, x: float, delta: int, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    pos = QPointF(x, 10)
    event = QWheelEvent(
        pos,
        widget.mapToGlobal(pos),
        QPoint(0, 0),
        QPoint(0, delta),
        Qt.MouseButton.NoButton,
        modifiers,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def test_ctrl_wheel_zooms_around_the_pointer_and_the_playhead_stays_in_view(qtbot, timeline):
    timeline.set_clip(5000, 24.0)
    fitted = timeline.pixels_per_frame()
    x = 300.0
    under = timeline.frame_at(x)
    for _ in range(8):
        wheel(timeline.canvas, x, 120, Qt.KeyboardModifier.ControlModifier)
    assert timeline.pixels_per_frame() > 10 * fitted
    assert abs(timeline.frame_at(x) - under) <= 1  # the frame under the pointer stayed there
    first, last = timeline.visible_range()
    assert last - first < 5000 / 10 and timeline.scrollbar.isVisible()
    timeline.set_current(4000)  # far outside the view
    assert 0 <= timeline.frame_x(4000) <= timeline.canvas.width()
    before = timeline.visible_range()[0]
    wheel(timeline.canvas, x, 120)  # a plain wheel scrolls back in time
    assert timeline.visible_range()[0] < before
    assert timeline.pixels_per_frame() > 10 * fitted
    timeline.zoom_to_fit()
    assert timeline.pixels_per_frame() == pytest.approx(fitted)
    assert timeline.visible_range() == pytest.approx((-0.5, 4999.5))


def to_qimage(rgb: np.ndarray) -> QImage:
    height, width, _ = rgb.shape
    return QImage(np.ascontiguousarray(rgb).data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()


def test_thumbnails_of_a_real_clip_come_from_a_worker_thread_for_visible_frames(qtbot, timeline, tmp_path):
    with open_writer(tmp_path / "c.mkv", fps=24, width=64, height=36) as writer:
        for i in range(300):
            writer.write(np.full((36, 64, 3), (i * 7) % 256, np.uint8))
    requested, threads = [], set()

    with open_clip(tmp_path / "c.mkv") as clip:

        def thumbnail(i):
            requested.append(i)
            threads.add(threading.get_ident())
            return to_qimage(clip.rgb(i))

        timeline.set_clip(len(clip), clip.fps, thumbnail)
        timeline.set_pixels_per_frame(20)  # about 40 frames in view
        first, last = timeline.visible_range()
        slot_frame = timeline.frame_at(0)
        qtbot.waitUntil(lambda: slot_frame in requested and len(requested) >= 5, timeout=5000)
        qtbot.wait(200)
        assert threading.get_ident() not in threads
        assert all(first - 1 <= i <= last + 1 for i in requested)  # only what is in view
        assert len(requested) < 15  # one per thumbnail slot, not one per frame
        # The first slot shows its frame's picture (frame grey level, FFV1 is lossless).
        qtbot.waitUntil(lambda: slot_frame in timeline._thumbs, timeout=5000)
        rect = timeline.canvas.thumb_rect()
        colour = pixel(timeline.canvas, 5, rect.center().y())
        assert colour.red() == (slot_frame * 7) % 256
        timeline.set_clip(0, 24.0)  # stop asking before the clip closes
