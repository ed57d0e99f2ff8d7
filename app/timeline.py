"""The timeline of one clip: ruler with timecode, markers, thumbnails, per-frame state, playhead.

The widget paints and takes input; its parts live beside it: the time axis's arithmetic
and the frame states in :mod:`keyhue.timeline_model` (Qt-free), playback timing in
:mod:`keyhue.playback`, thumbnails on the worker pattern in :mod:`keyhue.thumbnails`.

``Timeline`` is the widget the main window places under the picture. It knows nothing about
colour: the window tells it the clip's length and rate, where the keyframes, references and
shot cuts are, and what state each frame is in; it reports the frame the user picks
(``frameChanged``) and whether it is playing (``playingChanged``).

Thumbnails come from a callable the window gives (frame index -> QImage or None). It is
called on a worker thread, only for frames in view, and its results are kept in a bounded
cache, so a long film never blocks the interface nor fills memory.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QScrollBar,
    QSizePolicy,
    QSlider,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from keyhue.playback import Playback
from keyhue.thumbnails import ThumbnailLoader
from keyhue.timeline_model import MAX_PIXELS_PER_FRAME, FrameState, TimeAxis, nominal_rate, timecode

__all__ = ["STATE_COLOURS", "FrameState", "Timeline", "nominal_rate", "timecode"]


# Colours: greys only, except a muted amber for stale frames, so the chrome never tints
# the colourist's judgement of the picture above it.
_BACKGROUND = QColor(30, 30, 30)
_RULER = QColor(40, 40, 40)
_TICK = QColor(110, 110, 110)
_LABEL = QColor(170, 170, 170)
_LABEL_DIM = QColor(115, 115, 115)
_STRIP = QColor(24, 24, 24)
_THUMB_PLACEHOLDER = QColor(45, 45, 45)
_PLAYHEAD = QColor(235, 235, 235)
_CUT = QColor(150, 150, 150)
_KEYFRAME = QColor(215, 215, 215)
_REFERENCE = QColor(140, 152, 165)  # a slightly cool grey, distinct from keyframes
#: Colours of the state band, by state.
STATE_COLOURS = {
    FrameState.PENDING: QColor(58, 58, 58),
    FrameState.PROPAGATED: QColor(150, 150, 150),
    FrameState.STALE: QColor(150, 122, 64),
}
_THUMB_CACHE_SIZE = 400


class _TimelineCanvas(QWidget):
    """The painted part of the timeline; all state lives in the owning Timeline."""

    RULER_H = 30
    MARKER_H = 14
    THUMB_H = 46
    BAND_H = 6

    def __init__(self, timeline: Timeline):
        super().__init__(timeline)
        self.timeline = timeline
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setMinimumHeight(self.RULER_H + self.MARKER_H + self.THUMB_H + self.BAND_H + 4)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._dragging = False

    def sizeHint(self) -> QSize:
        return QSize(800, self.minimumHeight())

    # Rows, top to bottom.
    def ruler_rect(self) -> QRectF:
        return QRectF(0, 0, self.width(), self.RULER_H)

    def marker_rect(self) -> QRectF:
        return QRectF(0, self.RULER_H, self.width(), self.MARKER_H)

    def thumb_rect(self) -> QRectF:
        return QRectF(0, self.RULER_H + self.MARKER_H, self.width(), self.THUMB_H)

    def band_rect(self) -> QRectF:
        top = self.RULER_H + self.MARKER_H + self.THUMB_H + 2
        return QRectF(0, top, self.width(), self.BAND_H)

    def paintEvent(self, event):
        painter = QPainter(self)
        try:
            self.timeline._paint(painter, self)
        finally:
            painter.end()

    def mousePressEvent(self, event):
        if event.button() == Qt.MouseButton.LeftButton:
            self._dragging = True
            self.timeline.setFocus(Qt.FocusReason.MouseFocusReason)
            self.timeline._scrub_to_x(event.position().x())
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event):
        if self._dragging:
            self.timeline._scrub_to_x(event.position().x())

    def mouseReleaseEvent(self, event):
        self._dragging = False

    def wheelEvent(self, event):
        self.timeline._wheel(event)

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self.timeline._layout_changed()


class Timeline(QWidget):
    """The timeline of one clip (frames are numbered from 0).

    Shows, top to bottom: a readout (frame number, timecode, play button, zoom slider), a
    ruler with frame numbers and SMPTE timecode, keyframe diamonds and reference markers,
    a thumbnail strip, and a thin band with each frame's state (dark grey: pending, light
    grey: propagated, muted amber: stale). Shot cuts are vertical lines through all rows;
    the playhead is a thin light-grey line.

    Mouse: press or drag on any row to scrub; the wheel scrolls the time axis, Ctrl+wheel
    zooms around the pointer.

    Keys (when the timeline has focus; as in common editing applications):
        Left / Right          one frame back / forward
        Shift+Left / Right    ten frames
        Home / End            first / last frame
        Up / Down             previous / next keyframe (also [ and ])
        Space                 play / pause (K pauses)
        Ctrl+= / Ctrl+-       zoom in / out;  backslash: fit the whole clip

    Signals:
        frameChanged(int): the current frame changed, by the user (scrubbing, keys),
            by playback, or by ``set_current`` with a different frame (as QSlider's
            valueChanged); never emitted for an unchanged frame.
        playingChanged(bool): playback started (True) or stopped (False).
        visibleRangeChanged(float, float): the range in view changed (zoom, scroll,
            resize); see ``visible_range``. E.g. to align a plot under the timeline.
    """

    frameChanged = Signal(int)
    playingChanged = Signal(bool)
    visibleRangeChanged = Signal(float, float)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._count = 0
        self._fps = 24.0
        self._current = 0
        self._states = np.zeros(0, np.int8)
        self._keyframes: list[int] = []
        self._references: list[int] = []
        self._cuts: list[int] = []
        self.axis = TimeAxis()  # frames <-> pixels: zoom, scroll, fit
        self._thumbs: OrderedDict[int, QImage] = OrderedDict()
        self._thumb_source: Callable[[int], QImage | None] | None = None
        self._thumb_aspect = 16 / 9
        self._loader = ThumbnailLoader(self)
        self._loader.loaded.connect(self._thumbnail_loaded)
        self._generation = self._loader.reset(None, _TimelineCanvas.THUMB_H)
        self.playback = Playback(self)
        self.playback.tick.connect(self._play_tick)
        self._visible = (0.0, 0.0)

        self.play_button = QToolButton(self)
        self.play_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.play_button.setAutoRaise(True)
        self.play_button.setToolTip("Play / pause (Space)")
        self.play_button.clicked.connect(self.toggle_playback)
        self.readout = QLabel(self)
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.TypeWriter)
        self.readout.setFont(mono)
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.zoom_slider = QSlider(Qt.Orientation.Horizontal, self)
        self.zoom_slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.zoom_slider.setRange(0, 1000)
        self.zoom_slider.setFixedWidth(140)
        self.zoom_slider.setToolTip("Zoom the time axis (Ctrl+wheel; \\ fits the clip)")
        self.zoom_slider.valueChanged.connect(self._zoom_slider_moved)
        self.canvas = _TimelineCanvas(self)
        self.scrollbar = QScrollBar(Qt.Orientation.Horizontal, self)
        self.scrollbar.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.scrollbar.valueChanged.connect(self._scrolled)

        header = QHBoxLayout()
        header.setContentsMargins(6, 2, 6, 2)
        header.addWidget(self.play_button)
        header.addWidget(self.readout)
        header.addStretch(1)
        zoom_label = QLabel("Zoom", self)
        header.addWidget(zoom_label)
        header.addWidget(self.zoom_slider)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(header)
        layout.addWidget(self.canvas)
        layout.addWidget(self.scrollbar)
        self._update_play_button()
        self._update_readout()

    # -- clip ------------------------------------------------------------------------

    def set_clip(
        self,
        frame_count: int,
        fps: float,
        thumbnail: Callable[[int], QImage | None] | None = None,
    ) -> None:
        """Show a clip of ``frame_count`` frames at ``fps`` frames per second.

        ``thumbnail(i)`` returns frame i as a QImage of any size (or None); it is called
        on a worker thread, so it must be thread-safe (``Clip.rgb`` is). Markers are
        cleared, every frame becomes PENDING, the playhead goes to frame 0 and the whole
        clip is fitted into view.
        """
        self.pause()
        self._count = max(0, int(frame_count))
        self._fps = float(fps) if fps and fps > 0 else 24.0
        self._states = np.zeros(self._count, np.int8)
        self._keyframes, self._references, self._cuts = [], [], []
        self._thumbs.clear()
        self._thumb_source = thumbnail
        self._thumb_aspect = 16 / 9
        self._generation = self._loader.reset(thumbnail, _TimelineCanvas.THUMB_H)
        self._current = 0
        self.axis.fit = True
        self._layout_changed()
        self._update_readout()
        self.canvas.update()

    def frame_count(self) -> int:
        """Number of frames of the clip (0 before ``set_clip``)."""
        return self._count

    def fps(self) -> float:
        """Frames per second of the clip."""
        return self._fps

    def invalidate_thumbnails(self, frames: list[int] | None = None) -> None:
        """Fetch the thumbnails of ``frames`` (all when None) again, e.g. once colourised."""
        if frames is None:
            self._thumbs.clear()
        else:
            for frame in frames:
                self._thumbs.pop(int(frame), None)
        self._request_thumbnails()
        self.canvas.update()

    # -- current frame -----------------------------------------------------------------

    def current(self) -> int:
        """The frame under the playhead (0-based)."""
        return self._current

    def set_current(self, i: int) -> None:
        """Move the playhead to frame ``i`` (clamped); emits frameChanged if it moved."""
        if self._count == 0:
            return
        i = min(max(int(i), 0), self._count - 1)
        if i == self._current:
            return
        self._current = i
        self._ensure_visible(i)
        self._update_readout()
        self.canvas.update()
        self.frameChanged.emit(i)

    # -- markers and states ------------------------------------------------------------

    def set_markers(self, keyframes: list[int], references: list[int], cuts: list[int]) -> None:
        """Frames with scribbles (diamonds), with references (flags), and starting a shot (lines)."""
        self._keyframes = sorted({int(k) for k in keyframes})
        self._references = sorted({int(r) for r in references})
        self._cuts = sorted({int(c) for c in cuts})
        self.canvas.update()

    def keyframes(self) -> list[int]:
        """The keyframes, sorted."""
        return list(self._keyframes)

    def next_keyframe(self) -> int | None:
        """Move to the first keyframe after the current frame; returns it (None: no move)."""
        later = [k for k in self._keyframes if self._current < k < self._count]
        if not later:
            return None
        self.set_current(later[0])
        return later[0]

    def previous_keyframe(self) -> int | None:
        """Move to the last keyframe before the current frame; returns it (None: no move)."""
        earlier = [k for k in self._keyframes if 0 <= k < self._current]
        if not earlier:
            return None
        self.set_current(earlier[-1])
        return earlier[-1]

    def set_frame_state(self, i: int, state: FrameState) -> None:
        """Set the state of frame ``i`` (ignored outside the clip)."""
        if 0 <= i < self._count:
            self._states[i] = state.value
            self.canvas.update()

    def set_states(self, states: np.ndarray) -> None:
        """Every frame's state at once (an array of FrameState values, one per frame)."""
        self._states = np.asarray(states, np.int8).copy()
        self.canvas.update()

    def set_all_states(self, state: FrameState) -> None:
        """Set every frame to ``state``."""
        self._states[:] = state.value
        self.canvas.update()

    def frame_state(self, i: int) -> FrameState:
        """The state of frame ``i``."""
        return FrameState(int(self._states[i]))

    # -- playback ----------------------------------------------------------------------

    def play(self) -> None:
        """Play from the current frame at the clip's fps, one frame per tick, none skipped.

        From the last frame, playback starts again at frame 0. It stops at the end.
        """
        if self._count < 2 or self.is_playing():
            return
        if self._current >= self._count - 1:
            self.set_current(0)
        self.playback.start(self._fps)
        self._update_play_button()
        self.playingChanged.emit(True)

    def pause(self) -> None:
        """Stop playback (the playhead stays where it is)."""
        if not self.is_playing():
            return
        self.playback.stop()
        self._update_play_button()
        self.playingChanged.emit(False)

    def is_playing(self) -> bool:
        """True while playing."""
        return self.playback.is_running()

    def toggle_playback(self) -> None:
        """Play if paused, pause if playing."""
        if self.is_playing():
            self.pause()
        else:
            self.play()

    def _play_tick(self) -> None:
        # The playback timer is already re-armed, so is_playing() holds for frameChanged's receivers.
        if self._current >= self._count - 1:
            self.playback.stop()
            self._update_play_button()
            self.playingChanged.emit(False)
            return
        self._current += 1
        self._ensure_visible(self._current)
        self._update_readout()
        self.canvas.update()
        self.frameChanged.emit(self._current)
        if self._current >= self._count - 1:
            self.playback.stop()
            self._update_play_button()
            self.playingChanged.emit(False)

    # -- zoom and scroll ---------------------------------------------------------------

    def pixels_per_frame(self) -> float:
        """Current zoom: width of one frame in pixels."""
        return self.axis.ppf

    def set_pixels_per_frame(self, ppf: float, anchor_x: float | None = None) -> None:
        """Zoom so one frame is ``ppf`` pixels wide, keeping content under ``anchor_x`` (canvas
        x; default: the playhead) in place."""
        self.axis.width = max(self.canvas.width(), 1)
        ppf = min(max(float(ppf), self.axis.fit_ppf()), MAX_PIXELS_PER_FRAME)
        if anchor_x is None:
            anchor_x = self.frame_x(self._current)
            if not 0 <= anchor_x <= self.canvas.width():
                anchor_x = self.canvas.width() / 2
        anchor_frame = (anchor_x + self.axis.offset) / self.axis.ppf
        self.axis.ppf = ppf
        self.axis.fit = math.isclose(ppf, self.axis.fit_ppf())
        self._set_offset(anchor_frame * ppf - anchor_x)
        self._sync_zoom_slider()
        self.canvas.update()

    def zoom_in(self) -> None:
        """Double the zoom."""
        self.set_pixels_per_frame(self.axis.ppf * 2)

    def zoom_out(self) -> None:
        """Halve the zoom."""
        self.set_pixels_per_frame(self.axis.ppf / 2)

    def zoom_to_fit(self) -> None:
        """Fit the whole clip into the width."""
        self.axis.fit = True
        self._layout_changed()

    def visible_range(self) -> tuple[float, float]:
        """The x range in view, in frames, frame i's centre being at i (so -0.5 .. n-0.5
        when the whole clip is in view)."""
        return self._visible

    def frame_x(self, i: int) -> float:
        """Canvas x of the centre of frame ``i`` (where the playhead is drawn)."""
        return self.axis.frame_x(i)

    def frame_at(self, x: float) -> int:
        """The frame under canvas x, clamped to the clip."""
        return self.axis.frame_at(x)

    def state_band_rect(self) -> QRectF:
        """The state band's rectangle in the canvas's coordinates (``self.canvas``)."""
        return self.canvas.band_rect()

    def _layout_changed(self) -> None:
        self.axis.width = max(self.canvas.width(), 1)
        self.axis.count = self._count
        self.axis.relayout()
        self._set_offset(self.axis.offset)
        self._sync_zoom_slider()

    def _set_offset(self, offset: float) -> None:
        self.axis.width = max(self.canvas.width(), 1)
        self.axis.offset = self.axis.clamp_offset(offset)
        limit = self.axis.limit()
        self.scrollbar.blockSignals(True)
        self.scrollbar.setRange(0, int(math.ceil(limit)))
        self.scrollbar.setPageStep(max(1, self.canvas.width()))
        self.scrollbar.setSingleStep(max(1, int(self.axis.ppf)))
        self.scrollbar.setValue(int(round(self.axis.offset)))
        self.scrollbar.blockSignals(False)
        self.scrollbar.setVisible(limit > 0)
        self._view_changed()

    def _scrolled(self, value: int) -> None:
        self.axis.offset = float(value)
        self._view_changed()

    def _view_changed(self) -> None:
        visible = self.axis.visible()
        if visible != self._visible:
            self._visible = visible
            self.visibleRangeChanged.emit(*visible)
        self._request_thumbnails()
        self.canvas.update()

    def _ensure_visible(self, i: int) -> None:
        # Page-wise, as editing applications do during playback: when the playhead leaves
        # the view, the view jumps so it is near the left edge again.
        x = self.frame_x(i)
        margin = min(40.0, self.canvas.width() / 10)
        if x < margin or x > self.canvas.width() - margin:
            self._set_offset((i + 0.5) * self.axis.ppf - margin)

    def _zoom_slider_value(self) -> int:
        return self.axis.zoom_value()

    def _sync_zoom_slider(self) -> None:
        self.zoom_slider.blockSignals(True)
        self.zoom_slider.setValue(self._zoom_slider_value())
        self.zoom_slider.setEnabled(self.axis.fit_ppf() < MAX_PIXELS_PER_FRAME)
        self.zoom_slider.blockSignals(False)

    def _zoom_slider_moved(self, value: int) -> None:
        self.set_pixels_per_frame(self.axis.ppf_for_value(value))

    def _wheel(self, event) -> None:
        delta = event.angleDelta().y() or event.angleDelta().x()
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            factor = 2 ** (delta / 240)  # one notch: x1.41
            self.set_pixels_per_frame(self.axis.ppf * factor, anchor_x=event.position().x())
        else:
            self._set_offset(self.axis.offset - delta / 120 * self.canvas.width() / 8)
        event.accept()

    # -- input -------------------------------------------------------------------------

    def _scrub_to_x(self, x: float) -> None:
        if self._count == 0:
            return
        self.pause()
        self.set_current(self.frame_at(x))

    def keyPressEvent(self, event):
        if self._count == 0:
            super().keyPressEvent(event)
            return
        key, mods = event.key(), event.modifiers()
        step = 10 if mods & Qt.KeyboardModifier.ShiftModifier else 1
        ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
        K = Qt.Key
        if key in (K.Key_Left, K.Key_Right):
            self.pause()
            self.set_current(self._current + (step if key == K.Key_Right else -step))
        elif key == K.Key_Home:
            self.pause()
            self.set_current(0)
        elif key == K.Key_End:
            self.pause()
            self.set_current(self._count - 1)
        elif key in (K.Key_Up, K.Key_BracketLeft):
            self.pause()
            self.previous_keyframe()
        elif key in (K.Key_Down, K.Key_BracketRight):
            self.pause()
            self.next_keyframe()
        elif key == K.Key_Space:
            self.toggle_playback()
        elif key == K.Key_K:
            self.pause()
        elif ctrl and key in (K.Key_Equal, K.Key_Plus):
            self.zoom_in()
        elif ctrl and key == K.Key_Minus:
            self.zoom_out()
        elif key == K.Key_Backslash:
            self.zoom_to_fit()
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    # -- readout -----------------------------------------------------------------------

    def _update_readout(self) -> None:
        if self._count == 0:
            self.readout.setText("No clip")
            return
        digits = len(str(self._count - 1))
        self.readout.setText(
            f"Frame {self._current:>{digits}d} / {self._count - 1}   "
            f"{timecode(self._current, self._fps)}   {self._fps:.3f} fps"
        )

    def _update_play_button(self) -> None:
        icon = QStyle.StandardPixmap.SP_MediaPause if self.is_playing() else QStyle.StandardPixmap.SP_MediaPlay
        self.play_button.setIcon(self.style().standardIcon(icon))

    # -- thumbnails --------------------------------------------------------------------

    def _thumb_slots(self) -> tuple[float, list[tuple[float, int]]]:
        """Slot width and (canvas x, frame) of each thumbnail slot in view."""
        slot_w = max(8.0, _TimelineCanvas.THUMB_H * self._thumb_aspect)
        if self._count == 0:
            return slot_w, []
        first_slot = int(self.axis.offset // slot_w)
        last_slot = int((self.axis.offset + self.canvas.width()) // slot_w)
        content_w = self.axis.ppf * self._count
        slots = []
        for k in range(first_slot, last_slot + 1):
            content_x = k * slot_w
            if content_x >= content_w:
                break
            slots.append((content_x - self.axis.offset, self.frame_at(content_x - self.axis.offset)))
        return slot_w, slots

    def _request_thumbnails(self) -> None:
        if self._thumb_source is None:
            return
        _, slots = self._thumb_slots()
        missing = [frame for _, frame in slots if frame not in self._thumbs]
        # Nearest to the playhead first: what the user looks at fills in first.
        missing.sort(key=lambda f: abs(f - self._current))
        self._loader.request(missing)

    def _thumbnail_loaded(self, generation: int, frame: int, image: QImage) -> None:
        if generation != self._generation:
            return  # from a previous clip
        if not image.isNull() and not self._thumbs:
            aspect = image.width() / max(image.height(), 1)
            if abs(aspect - self._thumb_aspect) > 0.01:
                self._thumb_aspect = aspect
                self._request_thumbnails()
        self._thumbs[frame] = image
        self._thumbs.move_to_end(frame)
        while len(self._thumbs) > _THUMB_CACHE_SIZE:
            self._thumbs.popitem(last=False)
        self.canvas.update()

    def closeEvent(self, event):
        self._loader.stop()
        super().closeEvent(event)

    def hideEvent(self, event):
        self.pause()
        super().hideEvent(event)

    # -- painting ----------------------------------------------------------------------

    def _paint(self, p: QPainter, canvas: _TimelineCanvas) -> None:
        p.fillRect(canvas.rect(), _BACKGROUND)
        p.fillRect(canvas.ruler_rect(), _RULER)
        p.fillRect(canvas.thumb_rect(), _STRIP)
        if self._count == 0:
            return
        self._paint_ruler(p, canvas)
        self._paint_thumbnails(p, canvas)
        self._paint_states(p, canvas)
        self._paint_markers(p, canvas)
        self._paint_playhead(p, canvas)

    def _tick_steps(self) -> tuple[int, int]:
        """(minor, major) tick spacing in frames for the current zoom."""
        return self.axis.tick_steps(self._fps)

    def _paint_ruler(self, p: QPainter, canvas: _TimelineCanvas) -> None:
        minor, major = self._tick_steps()
        first = int(self.axis.offset / self.axis.ppf) // minor * minor
        last = int((self.axis.offset + canvas.width()) / self.axis.ppf) + 1
        height = canvas.RULER_H
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1.5))
        p.setFont(font)
        metrics = QFontMetrics(font)
        p.setPen(QPen(_TICK, 1))
        for frame in range(first, min(last, self._count) + 1, minor):
            x = round(self.frame_x(frame) - self.axis.ppf / 2) + 0.5  # frame's left edge
            tall = frame % major == 0
            p.drawLine(QPointF(x, height - (10 if tall else 4)), QPointF(x, height))
        for frame in range(first - first % major, min(last, self._count), major):
            x = round(self.frame_x(frame) - self.axis.ppf / 2) + 3
            p.setPen(_LABEL)
            p.drawText(QPointF(x, metrics.ascent() + 1), timecode(frame, self._fps))
            p.setPen(_LABEL_DIM)
            p.drawText(QPointF(x, 2 * metrics.ascent() + 1), str(frame))
        p.setPen(QPen(QColor(55, 55, 55), 1))
        p.drawLine(QPointF(0, height - 0.5), QPointF(canvas.width(), height - 0.5))

    def _paint_thumbnails(self, p: QPainter, canvas: _TimelineCanvas) -> None:
        rect = canvas.thumb_rect()
        content_right = self.axis.ppf * self._count - self.axis.offset
        p.save()
        p.setClipRect(QRectF(rect.left(), rect.top(), min(rect.width(), content_right), rect.height()))
        slot_w, slots = self._thumb_slots()
        for x, frame in slots:
            image = self._thumbs.get(frame)
            target = QRectF(x, rect.top(), slot_w - 1, rect.height())
            if image is None or image.isNull():
                p.fillRect(target.adjusted(0, 1, 0, -1), _THUMB_PLACEHOLDER)
            else:
                p.drawImage(target, image)
        p.restore()

    def _state_columns(self, width: int) -> list[tuple[int, int, FrameState]]:
        """Runs (x0, x1, state) of the state band over pixel columns 0..width."""
        self.axis.width = width
        return self.axis.state_columns(self._states)

    def _paint_states(self, p: QPainter, canvas: _TimelineCanvas) -> None:
        band = canvas.band_rect()
        for x0, x1, state in self._state_columns(canvas.width()):
            p.fillRect(QRectF(x0, band.top(), max(1, x1 - x0), band.height()), STATE_COLOURS[state])

    def _visible_frames(self, frames: list[int], canvas: _TimelineCanvas) -> list[tuple[int, float]]:
        return [(f, self.frame_x(f)) for f in frames if -10 <= self.frame_x(f) <= canvas.width() + 10]

    def _paint_markers(self, p: QPainter, canvas: _TimelineCanvas) -> None:
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        pen = QPen(_CUT, 1, Qt.PenStyle.DashLine)
        p.setPen(pen)
        for frame, _ in self._visible_frames(self._cuts, canvas):
            x = round(self.frame_x(frame) - self.axis.ppf / 2) + 0.5  # a cut is between frames
            p.drawLine(QPointF(x, canvas.RULER_H), QPointF(x, canvas.band_rect().bottom()))
        lane = canvas.marker_rect()
        mid = lane.center().y()
        for _, x in self._visible_frames(self._references, canvas):
            flag = QPainterPath()
            flag.moveTo(x - 4, lane.top() + 2)
            flag.lineTo(x + 4, lane.top() + 2)
            flag.lineTo(x + 4, lane.bottom() - 5)
            flag.lineTo(x, lane.bottom() - 1)
            flag.lineTo(x - 4, lane.bottom() - 5)
            flag.closeSubpath()
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(_REFERENCE)
            p.drawPath(flag)
        for _, x in self._visible_frames(self._keyframes, canvas):
            r = 5.0
            diamond = QPolygonF([QPointF(x, mid - r), QPointF(x + r, mid), QPointF(x, mid + r), QPointF(x - r, mid)])
            p.setPen(QPen(QColor(20, 20, 20), 1))
            p.setBrush(_KEYFRAME)
            p.drawPolygon(diamond)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)

    def _paint_playhead(self, p: QPainter, canvas: _TimelineCanvas) -> None:
        x = self.frame_x(self._current)
        if self.axis.ppf >= 4:  # the current frame's cell, when frames are wide enough to see
            p.fillRect(QRectF(x - self.axis.ppf / 2, 0, self.axis.ppf, canvas.RULER_H), QColor(255, 255, 255, 28))
        xi = round(x) + 0.5
        p.setPen(QPen(_PLAYHEAD, 1))
        p.drawLine(QPointF(xi, 0), QPointF(xi, canvas.height()))
        head = QPolygonF([QPointF(xi - 5, 0), QPointF(xi + 5, 0), QPointF(xi, 6)])
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setBrush(_PLAYHEAD)
        p.setPen(Qt.PenStyle.NoPen)
        p.drawPolygon(head)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
