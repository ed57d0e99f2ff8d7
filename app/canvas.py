"""The scribble canvas: one frame, zoomable and pannable, with strokes drawn as vectors.

The canvas shows the grey source, the colourised result, or a split wipe between them
(grey left of the wipe, colour right of it; drag the wipe line to move it). Painting
collects a polyline in frame pixels; on pen-up ``strokeFinished`` carries it to the
window, which turns it into a :class:`colorcore.hints.Stroke` on the undo stack. The
canvas never edits the project itself.

Mouse: left button paints (or picks a colour with the eyedropper), middle button or
Ctrl + left button pans, the wheel zooms about the cursor.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QWidget

from colorcore.guidance.hints import Stroke

TOOLS = ("brush", "eraser", "neutral", "eyedropper", "select")
VIEWS = ("grey", "colour", "split")
ZOOM_RANGE = (0.05, 32.0)
_WIPE_GRAB = 6  # widget pixels either side of the wipe line that grab it
SURROUND = QColor(64, 64, 64)  # neutral mid-dark grey around the frame


class Canvas(QWidget):
    """Shows a frame and its strokes; turns mouse input into strokes and picked colours.

    Signals:
        strokeFinished(list, str): the polyline [(x, y), ...] in frame pixels and the tool
            ("brush", "eraser" or "neutral") on pen-up.
        colourPicked(tuple): (r, g, b) in 0..1 under the eyedropper.
        zoomChanged(float): the new zoom factor (1.0 is 100%).
        hovered(int, int): the frame pixel under the pointer ((-1, -1) outside the frame).
        strokeClicked(int): with the select tool, the index (in painting order on this
            frame) of the stroke under the click, or -1 for none.
    """

    strokeFinished = Signal(list, str)
    colourPicked = Signal(tuple)
    zoomChanged = Signal(float)
    hovered = Signal(int, int)
    strokeClicked = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(320, 200)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.grey: QImage | None = None
        self.colour: QImage | None = None
        self.view = "colour"
        self.wipe = 0.5  # split position as a fraction of the frame's width
        self.tool = "brush"
        self.brush_size = 8.0  # diameter in frame pixels
        self.brush_colour = QColor(200, 120, 60)
        self.brush_hardness = 1.0
        self.strokes: list[Stroke] = []
        self.show_strokes = True
        self.zoom = 1.0
        self.offset = QPointF(0, 0)  # widget position of the frame's top-left corner
        self._fit_pending = True
        self._drawing: list[tuple[float, float]] | None = None
        self._panning: QPointF | None = None
        self._dragging_wipe = False
        self._hover: QPointF | None = None
        self.selected: int | None = None  # index of the selected stroke on this frame
        self.notice = ""  # what the canvas says about the colour shown (a pending solve, stale)
        self.compare: QImage | None = None  # left of the wipe instead of the grey source
        self.compare_label = ""

    # -- content ----------------------------------------------------------------------

    def set_frame(self, grey: QImage, colour: QImage | None) -> None:
        """Show a new frame: its grey source and its colour version (None if not solved)."""
        resized = self.grey is None or self.grey.size() != grey.size()
        self.grey, self.colour = grey, colour
        if resized:
            self._fit_pending = True
        self.update()

    def set_colour(self, colour: QImage | None) -> None:
        """Replace the colour version of the current frame (a new preview)."""
        self.colour = colour
        self.update()

    def set_strokes(self, strokes: list[Stroke]) -> None:
        """The strokes of the current frame, drawn over the picture."""
        self.strokes = list(strokes)
        self.update()

    def select_stroke(self, index: int | None) -> None:
        """Highlight the stroke ``index`` of this frame (None: none)."""
        self.selected = index
        self.update()

    def set_notice(self, text: str) -> None:
        """A line shown over the picture's top-left corner ("" hides it)."""
        if text != self.notice:
            self.notice = text
            self.update()

    def set_compare(self, image: QImage | None, label: str = "") -> None:
        """Show ``image`` left of the wipe instead of the grey source (None: the grey
        source again); ``label`` names it on the picture."""
        self.compare, self.compare_label = image, label
        self.update()

    def stroke_at(self, point: QPointF) -> int | None:
        """Index of the topmost stroke whose painted area holds frame point ``point``."""
        for index in range(len(self.strokes) - 1, -1, -1):
            stroke = self.strokes[index]
            reach = (stroke.width / 2 + 2 / self.zoom) ** 2
            points = stroke.points
            for (x0, y0), (x1, y1) in zip(points, points[1:] or points):
                dx, dy = x1 - x0, y1 - y0
                length = dx * dx + dy * dy
                t = 0.0 if length == 0 else max(0.0, min(1.0, ((point.x() - x0) * dx + (point.y() - y0) * dy) / length))
                if (x0 + t * dx - point.x()) ** 2 + (y0 + t * dy - point.y()) ** 2 <= reach:
                    return index
        return None

    def set_view(self, view: str) -> None:
        """'grey', 'colour' or 'split'."""
        if view not in VIEWS:
            raise ValueError(f"view must be one of {VIEWS}")
        self.view = view
        self.update()

    def set_tool(self, tool: str) -> None:
        """'brush', 'eraser', 'neutral' or 'eyedropper'."""
        if tool not in TOOLS:
            raise ValueError(f"tool must be one of {TOOLS}")
        self.tool = tool
        self.update()

    def set_show_strokes(self, show: bool) -> None:
        """Show or hide the strokes (they stay in the project)."""
        self.show_strokes = show
        self.update()

    # -- geometry ---------------------------------------------------------------------

    def frame_size(self) -> tuple[int, int]:
        """(width, height) of the shown frame, (0, 0) when none."""
        return (self.grey.width(), self.grey.height()) if self.grey is not None else (0, 0)

    def to_frame(self, point: QPointF) -> QPointF:
        """Widget coordinates to frame pixels."""
        return (point - self.offset) / self.zoom

    def to_widget(self, point: QPointF) -> QPointF:
        """Frame pixels to widget coordinates."""
        return point * self.zoom + self.offset

    def fit(self) -> None:
        """Zoom so that the whole frame fits, centred."""
        width, height = self.frame_size()
        if not width:
            return
        margin = 16
        zoom = min((self.width() - margin) / width, (self.height() - margin) / height)
        self._set_zoom(max(zoom, ZOOM_RANGE[0]), None)
        self._centre()

    def actual_size(self) -> None:
        """Zoom to 100% (one frame pixel per screen pixel), centred."""
        self._set_zoom(1.0, None)
        self._centre()

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        """Multiply the zoom by ``factor`` keeping ``anchor`` (widget point) still."""
        self._set_zoom(self.zoom * factor, anchor or QPointF(self.width() / 2, self.height() / 2))

    def _set_zoom(self, zoom: float, anchor: QPointF | None) -> None:
        zoom = min(max(zoom, ZOOM_RANGE[0]), ZOOM_RANGE[1])
        if anchor is not None:
            under = self.to_frame(anchor)
            self.offset = anchor - under * zoom
        self.zoom = zoom
        self._fit_pending = False
        self.zoomChanged.emit(zoom)
        self.update()

    def _centre(self) -> None:
        width, height = self.frame_size()
        self.offset = QPointF((self.width() - width * self.zoom) / 2, (self.height() - height * self.zoom) / 2)
        self.update()

    def _wipe_x(self) -> float:
        return self.offset.x() + self.wipe * self.frame_size()[0] * self.zoom

    # -- painting ---------------------------------------------------------------------

    def paintEvent(self, event):
        if self._fit_pending and self.grey is not None:
            self.fit()
        painter = QPainter(self)
        painter.fillRect(self.rect(), SURROUND)
        if self.grey is None:
            painter.setPen(QColor(150, 150, 150))
            painter.drawText(
                self.rect(),
                Qt.AlignmentFlag.AlignCenter,
                "Open a video file or a folder of frames\n(File ▸ Open, or drop it here)",
            )
            return
        width, height = self.frame_size()
        target = QRectF(self.offset.x(), self.offset.y(), width * self.zoom, height * self.zoom)
        smooth = self.zoom < 1.0
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, smooth)
        shown = self.colour if (self.view != "grey" and self.colour is not None) else self.grey
        painter.drawImage(target, shown)
        if self.view == "split" and self.colour is not None:
            left = QRectF(0, 0, width * self.wipe, height)
            before = self.grey
            if self.compare is not None:
                before = self.compare
                if self.compare.size() != self.grey.size():
                    before = self.compare.scaled(self.grey.size())
            painter.drawImage(QRectF(target.topLeft(), left.size() * self.zoom), before, left)
            x = self._wipe_x()
            painter.setPen(QPen(QColor(235, 235, 235), 1.5))
            painter.drawLine(QPointF(x, target.top()), QPointF(x, target.bottom()))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.translate(self.offset)
        painter.scale(self.zoom, self.zoom)
        if self.show_strokes:
            for stroke in self.strokes:
                self._paint_stroke(
                    painter, stroke.points, stroke.kind, stroke.width, QColor.fromRgbF(*stroke.color), stroke.hardness
                )
        if self.show_strokes and self.selected is not None and self.selected < len(self.strokes):
            stroke = self.strokes[self.selected]
            outline = QPainterPath(QPointF(*stroke.points[0]))
            for x, y in stroke.points[1:]:
                outline.lineTo(x, y)
            painter.setPen(
                QPen(QColor(255, 255, 255, 230), 1.5 / self.zoom, Qt.PenStyle.DashLine, Qt.PenCapStyle.RoundCap)
            )
            painter.drawPath(outline)
            for x, y in (stroke.points[0], stroke.points[-1]):
                painter.drawEllipse(QPointF(x, y), stroke.width / 2, stroke.width / 2)
        if self._drawing:
            kind = {"brush": "colour", "eraser": "erase", "neutral": "neutral"}[self.tool]
            self._paint_stroke(painter, self._drawing, kind, self.brush_size, self.brush_colour, self.brush_hardness)
        painter.resetTransform()
        self._paint_labels(painter, target)
        self._paint_cursor(painter)

    def _paint_labels(self, painter: QPainter, target: QRectF) -> None:
        """The notice (top left) and, in a compare wipe, what is left of the line."""
        texts = []
        if self.notice:
            texts.append((self.notice, QPointF(target.left() + 8, target.top() + 8)))
        if self.view == "split" and self.compare_label and self.colour is not None:
            texts.append((self.compare_label, QPointF(target.left() + 8, target.bottom() - 28)))
        metrics = painter.fontMetrics()
        for text, at in texts:
            box = QRectF(at, metrics.size(0, text)).adjusted(-6, -3, 6, 3)
            painter.fillRect(box, QColor(20, 20, 20, 190))
            painter.setPen(QColor(230, 230, 230))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)

    def _paint_stroke(
        self, painter: QPainter, points, kind: str, width: float, colour: QColor, hardness: float = 1.0
    ) -> None:
        path = QPainterPath(QPointF(*points[0]))
        for x, y in points[1:]:
            path.lineTo(x, y)
        if len(points) == 1:
            path.lineTo(points[0][0] + 0.01, points[0][1])
        cap = Qt.PenCapStyle.RoundCap
        join = Qt.PenJoinStyle.RoundJoin
        if kind == "erase":
            # An erase stroke is a hole: a dark outline with a dashed light core.
            painter.setPen(QPen(QColor(0, 0, 0, 150), width, Qt.PenStyle.SolidLine, cap, join))
            painter.drawPath(path)
            painter.setPen(
                QPen(QColor(230, 230, 230, 200), max(width / 6, 1 / self.zoom), Qt.PenStyle.DashLine, cap, join)
            )
            painter.drawPath(path)
            return
        # A thin dark rim keeps any colour readable on any picture.
        painter.setPen(QPen(QColor(0, 0, 0, 160), width + 2 / self.zoom, Qt.PenStyle.SolidLine, cap, join))
        painter.drawPath(path)
        fill = QColor(128, 128, 128) if kind == "neutral" else QColor(colour)
        if hardness < 1.0:
            # A soft brush: a translucent rim around the core that counts as a hint.
            rim = QColor(fill)
            rim.setAlpha(110)
            painter.setPen(QPen(rim, width, Qt.PenStyle.SolidLine, cap, join))
            painter.drawPath(path)
            width *= 0.5 + 0.5 * hardness
        painter.setPen(QPen(fill, width, Qt.PenStyle.SolidLine, cap, join))
        painter.drawPath(path)
        if kind == "neutral":
            painter.setPen(
                QPen(QColor(255, 255, 255, 200), max(width / 5, 1 / self.zoom), Qt.PenStyle.DotLine, cap, join)
            )
            painter.drawPath(path)

    def _paint_cursor(self, painter: QPainter) -> None:
        if self._hover is None or self.tool in ("eyedropper", "select") or self._panning is not None:
            return
        radius = self.brush_size * self.zoom / 2
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(QColor(0, 0, 0, 200), 2.5))
        painter.drawEllipse(self._hover, radius, radius)
        painter.setPen(QPen(QColor(255, 255, 255, 220), 1))
        painter.drawEllipse(self._hover, radius, radius)

    # -- input ------------------------------------------------------------------------

    def _near_wipe(self, pos: QPointF) -> bool:
        return self.view == "split" and self.colour is not None and abs(pos.x() - self._wipe_x()) <= _WIPE_GRAB

    def mousePressEvent(self, event):
        pos = event.position()
        if self.grey is None:
            return
        ctrl = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        if event.button() == Qt.MouseButton.MiddleButton or (event.button() == Qt.MouseButton.LeftButton and ctrl):
            self._panning = pos
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
            return
        if event.button() != Qt.MouseButton.LeftButton:
            return
        if self._near_wipe(pos):
            self._dragging_wipe = True
            return
        point = self.to_frame(pos)
        if self.tool == "eyedropper":
            self._pick(point)
            return
        if self.tool == "select":
            found = self.stroke_at(point)
            self.strokeClicked.emit(-1 if found is None else found)
            return
        self._drawing = [(point.x(), point.y())]
        self.update()

    def _drag_to(self, pos: QPointF) -> None:
        if self._panning is not None:
            self.offset += pos - self._panning
            self._panning = pos
        elif self._dragging_wipe:
            width = self.frame_size()[0] * self.zoom
            self.wipe = min(max((pos.x() - self.offset.x()) / width, 0.0), 1.0) if width else 0.5

    def mouseMoveEvent(self, event):
        pos = event.position()
        self._hover = pos
        point = self.to_frame(pos)
        width, height = self.frame_size()
        inside = 0 <= point.x() < width and 0 <= point.y() < height
        self.hovered.emit(int(point.x()) if inside else -1, int(point.y()) if inside else -1)
        if self._panning is not None or self._dragging_wipe:
            self._drag_to(pos)
        elif self._drawing is not None:
            point = self.to_frame(pos)
            last = self._drawing[-1]
            # Skip points closer than a quarter brush: the stroke stays a short vector.
            if (point.x() - last[0]) ** 2 + (point.y() - last[1]) ** 2 >= (self.brush_size / 4) ** 2:
                self._drawing.append((point.x(), point.y()))
        self.setCursor(Qt.CursorShape.SplitHCursor if self._near_wipe(pos) else self._tool_cursor())
        self.update()

    def mouseReleaseEvent(self, event):
        if self._panning is not None or self._dragging_wipe:
            self._drag_to(event.position())
            self._panning, self._dragging_wipe = None, False
            self.setCursor(self._tool_cursor())
            self.update()
            return
        if self._drawing is None or event.button() != Qt.MouseButton.LeftButton:
            return
        point = self.to_frame(event.position())
        points = self._drawing
        if (point.x(), point.y()) != points[-1]:
            points.append((point.x(), point.y()))
        self._drawing = None
        self.update()
        self.strokeFinished.emit(points, self.tool)

    def leaveEvent(self, event):
        self._hover = None
        self.update()

    def wheelEvent(self, event):
        steps = event.angleDelta().y() / 120
        if steps:
            self.zoom_by(1.25**steps, event.position())

    def resizeEvent(self, event):
        super().resizeEvent(event)
        if self._fit_pending:
            self.update()

    def _tool_cursor(self) -> Qt.CursorShape:
        if self.tool == "select":
            return Qt.CursorShape.ArrowCursor
        return Qt.CursorShape.PointingHandCursor if self.tool == "eyedropper" else Qt.CursorShape.CrossCursor

    def _pick(self, point: QPointF) -> None:
        x, y = int(point.x()), int(point.y())
        width, height = self.frame_size()
        if not (0 <= x < width and 0 <= y < height):
            return
        split_grey = self.view == "split" and x < self.wipe * width
        source = self.colour if (self.colour is not None and self.view != "grey" and not split_grey) else self.grey
        colour = source.pixelColor(x, y)
        self.colourPicked.emit((colour.redF(), colour.greenF(), colour.blueF()))
