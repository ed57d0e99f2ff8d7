"""Keyhue's main window: canvas, timeline, quality plot, brush and reference panels.

The window owns the open clip and the :class:`app.document.Document` (project + undo
stack). It turns canvas strokes into undoable edits, asks the preview solver for a new
picture after each edit, runs propagation and export in worker threads, and keeps the
timeline's markers and frame states in step. Every problem the user can cause (bad media,
a damaged project, moved media, an unusable reference, a failed export) is shown in a
dialog through :mod:`app.dialogs`; the window keeps running and no edit is lost.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import QByteArray, QSettings, QStandardPaths, Qt, QThread, QTimer
from PySide6.QtGui import QAction, QActionGroup, QColor, QImage, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from colorcore.colorspace import luma_of
from colorcore.errors import InputError
from colorcore.guidance.hints import Stroke
from colorcore.guidance.project import PROJECT_SUFFIX, MediaChangedError, MediaMissingError, Project
from colorcore.media import open_clip
from colorcore.render import project_frames
from keyhue.brush_panel import BrushPanel
from keyhue.canvas import Canvas
from keyhue.dialogs import Button, ask, show_problem
from keyhue.document import Document
from keyhue.export_dialog import ExportDialog
from keyhue.export_job import ExportJob, ExportProgressDialog
from keyhue.imaging import to_qimage
from keyhue.preview import PreviewSolver
from keyhue.propagation import CutFinder, PropagationWorker
from keyhue.quality_plot import QualityPlot
from keyhue.reference_panel import ReferencePanel
from keyhue.result_cache import ResultCache
from keyhue.theme import icon
from keyhue.timeline import FrameState, Timeline

RECENT_MAX = 10
AUTOSAVE_MS = 60_000
_TOOL_KIND = {"brush": "colour", "eraser": "erase", "neutral": "neutral"}


def default_autosave_dir() -> Path:
    """Where autosaves go: the platform's application data folder, ``autosave/``."""
    return Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)) / "autosave"


class MainWindow(QMainWindow):
    """The editor. ``open_path`` opens media or a project; see the module docstring.

    Args:
        settings: where layout, recent files and brush settings persist (QSettings).
        autosave_dir: folder for crash-recovery copies of unsaved work.
    """

    def __init__(self, settings: QSettings | None = None, autosave_dir: Path | None = None):
        super().__init__()
        self.settings = settings or QSettings()
        self.autosave_dir = Path(autosave_dir) if autosave_dir is not None else default_autosave_dir()
        self.clip = None
        self.document: Document | None = None
        self.frame = 0
        self.grey: np.ndarray | None = None  # the current frame's luma as HxW uint8/uint16
        self.results = ResultCache()  # propagated frames
        self.previews: dict[int, np.ndarray] = {}  # keyframes solved alone
        self.worker: PropagationWorker | None = None
        self.cut_finder: CutFinder | None = None
        self.export_job: ExportJob | None = None
        self.last_preview_latency: float | None = None  # seconds from pen-up to picture
        self._pen_up: float | None = None  # when the edit being previewed was made
        self.cuts: list[int] = []  # frames that start a shot, found in the background on opening
        self.guidance_version = 0  # counts edits, so frames from an older propagation show as stale
        self.preview = PreviewSolver(self)
        self.preview.ready.connect(self._preview_ready)
        self.preview.failed.connect(self._preview_failed)
        self.setWindowTitle("Keyhue")
        self.setWindowIcon(icon("keyhue"))
        self.setAcceptDrops(True)
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowTabbedDocks)
        self._build_widgets()
        self._build_actions()
        self._build_menus_and_toolbar()
        self.autosave_timer = QTimer(self, interval=AUTOSAVE_MS, timeout=self.autosave)
        self.autosave_timer.start()
        self._restore_settings()
        self._update_enabled()
        self._show_settings()

    # -- construction -----------------------------------------------------------------

    def _build_widgets(self) -> None:
        self.canvas = Canvas()
        self.canvas.strokeFinished.connect(self._stroke_finished)
        self.canvas.colourPicked.connect(self._colour_picked)
        self.canvas.zoomChanged.connect(lambda z: self.zoom_label.setText(f"{z * 100:.0f}%"))
        self.canvas.hovered.connect(self._show_pixel)
        self.timeline = Timeline()
        self.timeline.frameChanged.connect(self.show_frame)
        self.timeline.playingChanged.connect(self._playing_changed)
        self.quality = QualityPlot()
        self.quality.frameClicked.connect(self.go_to)
        self.timeline.visibleRangeChanged.connect(self.quality.set_x_range)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.setSpacing(0)
        lower_layout.addWidget(self.timeline)
        lower_layout.addWidget(self.quality)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.canvas)
        self.splitter.addWidget(lower)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 0)
        self.splitter.setChildrenCollapsible(False)
        self.setCentralWidget(self.splitter)

        self.brush = BrushPanel()
        self.brush.colourChanged.connect(self._brush_colour_changed)
        self.brush.sizeChanged.connect(self._brush_size_changed)
        self.brush.hardnessChanged.connect(self._brush_hardness_changed)
        self.references = ReferencePanel()
        self.references.referenceRequested.connect(self.assign_reference)
        self.references.exemplarRequested.connect(self.add_exemplar)
        self.references.promoteRequested.connect(self.promote_frame)
        self.references.removeRequested.connect(self._remove_guidance)
        self.references.colourPicked.connect(self._colour_picked)
        self.brush_dock = self._dock("Brush", self.brush, "brush")
        self.reference_dock = self._dock("References", self.references, "references")

        self.progress = QProgressBar(maximum=1000, textVisible=True)
        self.progress.setFixedWidth(220)
        self.progress.hide()
        self.cancel_button = QToolButton(icon=icon("cancel"), toolTip="Cancel propagation (Esc)")
        self.cancel_button.clicked.connect(self.cancel_propagation)
        self.cancel_button.hide()
        self.pixel_label = QLabel()
        self.pixel_label.setObjectName("muted")
        self.zoom_label = QLabel("100%")
        self.zoom_label.setObjectName("muted")
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(self.cancel_button)
        self.statusBar().addPermanentWidget(self.pixel_label)
        self.statusBar().addPermanentWidget(self.zoom_label)

    def _dock(self, title: str, widget: QWidget, name: str) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        return dock

    def _action(
        self,
        text: str,
        slot,
        shortcut=None,
        icon_name: str | None = None,
        tip: str | None = None,
        checkable: bool = False,
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcuts(shortcut if isinstance(shortcut, list) else [QKeySequence(shortcut)])
        if icon_name:
            action.setIcon(icon(icon_name))
        keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        action.setToolTip(f"{tip or text.replace('&', '').rstrip('…')}" + (f" ({keys})" if keys else ""))
        action.setCheckable(checkable)
        (action.toggled if checkable else action.triggered).connect(slot)
        self.addAction(action)  # shortcuts work whichever widget has focus
        return action

    def _build_actions(self) -> None:
        std = QKeySequence.StandardKey
        self.open_action = self._action(
            "&Open…", self._ask_open, std.Open, "open", "Open a project, video file or frame folder"
        )
        self.open_folder_action = self._action("Open Frame &Folder…", self._ask_open_folder, "Ctrl+Shift+O")
        self.save_action = self._action("&Save", self.save, std.Save, "save", "Save the project")
        self.save_as_action = self._action("Save &As…", self.save_as, std.SaveAs)
        self.export_action = self._action("&Export…", self.export, "Ctrl+E", "export", "Export the colourised clip")
        self.quit_action = self._action("&Quit", self.close, std.Quit)
        self.undo_action = self._action("&Undo", self._undo, std.Undo, "undo")
        self.redo_action = self._action(
            "&Redo", self._redo, [QKeySequence(std.Redo), QKeySequence("Ctrl+Shift+Z")], "redo"
        )
        self.clear_action = self._action("Clear Strokes on Frame", self._clear_frame, "Ctrl+Shift+Backspace")
        self.tool_actions = {
            "brush": self._action("&Brush", self._tool_toggled("brush"), "B", "brush", "Colour brush", True),
            "eraser": self._action(
                "&Eraser", self._tool_toggled("eraser"), "E", "eraser", "Eraser: removes hints under it", True
            ),
            "neutral": self._action(
                "&Neutral", self._tool_toggled("neutral"), "N", "neutral", "Neutral hint: keep this grey", True
            ),
            "eyedropper": self._action(
                "Eye&dropper",
                self._tool_toggled("eyedropper"),
                "I",
                "eyedropper",
                "Pick a colour from the picture",
                True,
            ),
        }
        self.tool_group = QActionGroup(self)
        for action in self.tool_actions.values():
            self.tool_group.addAction(action)
        self.tool_actions["brush"].setChecked(True)
        self.choose_colour_action = self._action("Choose &Colour…", self.brush.choose, "C")
        self.smaller_action = self._action("Smaller Brush", lambda: self.brush.set_size(self.brush.size / 1.25), ",")
        self.larger_action = self._action(
            "Larger Brush", lambda: self.brush.set_size(self.brush.size * 1.25 + 0.5), "."
        )
        self.show_strokes_action = self._action(
            "Show &Scribbles", self.canvas.set_show_strokes, "H", "scribbles", "Show or hide scribbles", True
        )
        self.show_strokes_action.setChecked(True)
        self.view_actions = {
            "grey": self._action(
                "&Grey Source", self._view_toggled("grey"), "1", "view-grey", "View the grey source", True
            ),
            "colour": self._action(
                "&Colour Result", self._view_toggled("colour"), "2", "view-colour", "View the colour result", True
            ),
            "split": self._action(
                "S&plit Wipe",
                self._view_toggled("split"),
                "3",
                "view-split",
                "Split wipe: grey left, colour right",
                True,
            ),
        }
        self.view_group = QActionGroup(self)
        for action in self.view_actions.values():
            self.view_group.addAction(action)
        self.view_actions["colour"].setChecked(True)
        self.fit_action = self._action(
            "Zoom to &Fit", self.canvas.fit, [QKeySequence("Ctrl+0"), QKeySequence("F")], "zoom-fit"
        )
        self.actual_action = self._action("Zoom &100%", self.canvas.actual_size, "Ctrl+1", "zoom-100")
        self.zoom_in_action = self._action("Zoom &In", lambda: self.canvas.zoom_by(1.25), std.ZoomIn)
        self.zoom_out_action = self._action("Zoom &Out", lambda: self.canvas.zoom_by(0.8), std.ZoomOut)
        self.play_action = self._action("&Play", self.timeline.toggle_playback, "Space", "play", "Play / pause")
        self.next_frame_action = self._action("Next Frame", lambda: self.go_to(self.frame + 1), "Right")
        self.previous_frame_action = self._action("Previous Frame", lambda: self.go_to(self.frame - 1), "Left")
        self.first_frame_action = self._action("First Frame", lambda: self.go_to(0), "Home")
        self.last_frame_action = self._action(
            "Last Frame", lambda: self.go_to(len(self.clip) - 1 if self.clip else 0), "End"
        )
        self.next_key_action = self._action(
            "Next &Keyframe", self.timeline.next_keyframe, [QKeySequence("Down"), QKeySequence("]")], "keyframe-next"
        )
        self.previous_key_action = self._action(
            "Previous K&eyframe",
            self.timeline.previous_keyframe,
            [QKeySequence("Up"), QKeySequence("[")],
            "keyframe-previous",
        )
        self.propagate_action = self._action(
            "&Propagate", self.propagate, "Ctrl+P", "propagate", "Colour the whole clip from the keyframes"
        )
        self.cancel_action = self._action("Cancel Propagation", self.cancel_propagation, "Esc")

    def _tool_toggled(self, tool: str):
        def toggled(on: bool) -> None:
            if on:
                self.set_tool(tool)

        return toggled

    def _view_toggled(self, view: str):
        def toggled(on: bool) -> None:
            if on:
                self.set_view(view)

        return toggled

    def _build_menus_and_toolbar(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addActions([self.open_action, self.open_folder_action])
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addSeparator()
        file_menu.addActions([self.save_action, self.save_as_action])
        file_menu.addSeparator()
        file_menu.addAction(self.export_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit_menu = bar.addMenu("&Edit")
        edit_menu.addActions([self.undo_action, self.redo_action])
        edit_menu.addSeparator()
        edit_menu.addActions(list(self.tool_actions.values()))
        edit_menu.addActions([self.choose_colour_action, self.smaller_action, self.larger_action])
        edit_menu.addSeparator()
        edit_menu.addAction(self.clear_action)
        view_menu = bar.addMenu("&View")
        view_menu.addActions(list(self.view_actions.values()))
        view_menu.addSeparator()
        view_menu.addAction(self.show_strokes_action)
        view_menu.addSeparator()
        view_menu.addActions([self.fit_action, self.actual_action, self.zoom_in_action, self.zoom_out_action])
        view_menu.addSeparator()
        view_menu.addActions([self.brush_dock.toggleViewAction(), self.reference_dock.toggleViewAction()])
        frame_menu = bar.addMenu("F&rame")
        frame_menu.addActions([self.play_action, self.next_frame_action, self.previous_frame_action])
        frame_menu.addActions(
            [self.first_frame_action, self.last_frame_action, self.next_key_action, self.previous_key_action]
        )
        colour_menu = bar.addMenu("&Colour")
        colour_menu.addActions([self.propagate_action, self.cancel_action])
        colour_menu.addSeparator()
        self.setting_actions: dict[tuple[str, str], QAction] = {}
        for key, title, choices in (
            ("solver", "&Solver", (("fast", "Fast (multigrid)"), ("exact", "Exact (reference, slow)"))),
            ("device", "&Device", (("auto", "Automatic"), ("cpu", "CPU"), ("cuda", "GPU (CUDA)"))),
        ):
            menu = colour_menu.addMenu(title)
            group = QActionGroup(self)
            for value, text in choices:
                action = menu.addAction(text)
                action.setCheckable(True)
                action.triggered.connect(lambda _checked=False, k=key, v=value: self._choose_setting(k, v))
                group.addAction(action)
                self.setting_actions[key, value] = action

        help_menu = bar.addMenu("&Help")
        help_menu.addAction("&Keyboard Shortcuts", self.show_shortcuts)
        help_menu.addAction("&About Keyhue", self._about)

        tools = self.addToolBar("Tools")
        tools.setObjectName("tools")
        tools.setMovable(False)
        tools.addActions([self.open_action, self.save_action])
        tools.addSeparator()
        tools.addActions([self.undo_action, self.redo_action])
        tools.addSeparator()
        tools.addActions(list(self.tool_actions.values()))
        tools.addAction(self.show_strokes_action)
        tools.addSeparator()
        tools.addActions(list(self.view_actions.values()))
        tools.addSeparator()
        tools.addActions([self.fit_action, self.actual_action])
        tools.addSeparator()
        tools.addActions([self.previous_key_action, self.play_action, self.next_key_action])
        tools.addSeparator()
        tools.addActions([self.propagate_action, self.export_action])

    # -- opening ----------------------------------------------------------------------

    def open_path(self, path: str | Path) -> bool:
        """Open a ``.keyhue`` project, a video file or a frame folder. True if opened."""
        path = Path(path)
        if path.suffix.lower() == PROJECT_SUFFIX:
            return self.open_project(path)
        return self.open_media(path)

    def open_media(self, path: str | Path) -> bool:
        """Start a new project on a video file or frame folder; a dialog explains bad media."""
        if not self._confirm_discard():
            return False
        try:
            clip = open_clip(path)
            project = Project.for_clip(clip)
        except InputError as exc:
            show_problem(
                self, "Cannot open media", str(exc), "Choose a video file or a folder of frames (PNG, TIFF, JPEG)."
            )
            return False
        recovered = self._recover(project, key=str(project.media.path))
        self._install(recovered or project, clip, dirty=recovered is not None)
        self._remember_recent(Path(path))
        return True

    def open_project(self, path: str | Path) -> bool:
        """Open a ``.keyhue`` project: recovers autosaved work, offers to locate moved media."""
        if not self._confirm_discard():
            return False
        try:
            project = Project.load(path)
        except InputError as exc:
            show_problem(
                self,
                "Cannot open project",
                str(exc),
                "Check that this is a Keyhue project file; your other work is unchanged.",
            )
            return False
        recovered = self._recover(project, key=str(project.path))
        if recovered is not None:
            recovered.path = project.path
            project = recovered
        recorded_media = project.media.path
        clip = self._open_project_clip(project)
        if clip is None:
            return False
        self._install(project, clip, dirty=recovered is not None or project.media.path != recorded_media)
        self._remember_recent(Path(path))
        return True

    def _open_project_clip(self, project: Project):
        """The project's clip; when the media moved, ask the user to locate it."""
        while True:
            try:
                return project.open_clip()
            except (MediaMissingError, MediaChangedError) as exc:
                answer = ask(
                    self,
                    "Source media not found",
                    f"{exc}\n\nLocate the source media now?",
                    Button.Yes | Button.Cancel,
                    Button.Yes,
                )
                if answer != Button.Yes:
                    return None
                located = self._ask_media_location(project.media.path)
                if not located:
                    return None
                try:
                    project.relocate(located)
                except InputError as relocate_error:
                    show_problem(
                        self,
                        "Not the project's media",
                        str(relocate_error),
                        "Choose the file or folder the project was made on.",
                    )
            except InputError as exc:
                show_problem(
                    self,
                    "Cannot open the project's media",
                    str(exc),
                    "The media may be damaged; the project file is unchanged.",
                )
                return None

    def _ask_media_location(self, expected: Path) -> str:
        if expected.suffix:
            path, _ = QFileDialog.getOpenFileName(
                self, f"Locate {expected.name}", str(expected.parent), f"{expected.name};;All files (*)"
            )
            return path
        return QFileDialog.getExistingDirectory(self, f"Locate folder {expected.name}", str(expected.parent))

    def _stop_background_work(self) -> None:
        """Stop propagation and export of the current clip and wait for them to end."""
        if self.worker is not None:
            worker, self.worker = self.worker, None
            for signal in (worker.frameDone, worker.progress, worker.done):
                signal.disconnect()
            worker.cancel()
            worker.wait()
            worker.deleteLater()
            self.progress.hide()
            self.cancel_button.hide()
        if self.export_job is not None:
            self.export_job.cancel()
            self.export_job.wait()
            self.export_job = None
        if self.cut_finder is not None:
            self.cut_finder.found.disconnect()
            self.cut_finder.cancel()
            self.cut_finder.wait()
            self.cut_finder.deleteLater()
            self.cut_finder = None
        self.preview.wait()

    def _install(self, project: Project, clip, dirty: bool) -> None:
        self._stop_background_work()
        if self.clip is not None:
            self.clip.close()
        self.clip = clip
        if self.document is not None:
            self.document.deleteLater()
        self.document = Document(project, self)
        self.document.changed.connect(self._guidance_changed)
        self.document.undo.cleanChanged.connect(self._update_title)
        self.document.undo.canUndoChanged.connect(self.undo_action.setEnabled)
        self.document.undo.canRedoChanged.connect(self.redo_action.setEnabled)
        if dirty:
            # Recovered or relocated work is not on disk yet: no state of the stack is clean.
            self.document.undo.resetClean()
        self.results.clear()
        self.previews.clear()
        self.cuts = []
        self.quality.clear()
        self.quality.set_frame_count(len(clip))
        self.timeline.set_clip(len(clip), clip.fps, self._thumbnail)
        self.frame = -1
        self.show_frame(0)
        self._refresh_markers()
        self.references.set_project_items(project.references, project.exemplars)
        self._update_title()
        self._update_enabled()
        self._show_settings()
        self.canvas.fit()
        self.cut_finder = CutFinder(clip, self)
        self.cut_finder.found.connect(self._cuts_found)
        self.cut_finder.start(QThread.Priority.LowPriority)
        self.statusBar().showMessage(
            f"{clip.path.name}: {len(clip)} frames, {clip.width}x{clip.height}, {clip.fps:.3f} fps, {clip.bit_depth}-bit",
            8000,
        )

    # -- frames -----------------------------------------------------------------------

    def go_to(self, frame: int) -> None:
        """Make ``frame`` current (clamped to the clip)."""
        if self.clip is None:
            return
        self.timeline.set_current(min(max(int(frame), 0), len(self.clip) - 1))
        self.show_frame(self.timeline.current())

    def show_frame(self, frame: int) -> None:
        """Show ``frame``: its grey source, its best colour result and its strokes."""
        if self.clip is None or frame == self.frame:
            return
        try:
            rgb = self.clip.rgb(frame)
        except InputError as exc:
            self.statusBar().showMessage(str(exc))
            return
        self.frame = frame
        self.timeline.set_current(frame)
        self.quality.set_current(frame)
        self.grey = _grey_levels(rgb)
        self.canvas.set_frame(to_qimage(self.grey), self._colour_image(frame))
        self.canvas.set_strokes(self.document.strokes_on(frame))
        if frame in self._keyframes() and frame not in self.previews and not self.timeline.is_playing():
            self._request_preview()

    def _colour_image(self, frame: int) -> QImage | None:
        rgb = self.previews.get(frame)
        if rgb is None:
            rgb = self.results.get(frame)
        return None if rgb is None else to_qimage(rgb)

    def current_colour(self) -> np.ndarray | None:
        """The current frame's colour result (preview or propagated), HxWx3, or None."""
        rgb = self.previews.get(self.frame)
        return rgb if rgb is not None else self.results.get(self.frame)

    def _thumbnail(self, frame: int) -> QImage | None:
        # Runs on the timeline's loader thread: clip.rgb is thread-safe.
        rgb = self.previews.get(frame)
        if rgb is None:
            rgb = self.results.get(frame)
        if rgb is None:
            rgb = self.clip.rgb(frame) if self.clip is not None else None
        if rgb is None:
            return None
        step = max(1, rgb.shape[0] // 64)
        return to_qimage(np.ascontiguousarray(rgb[::step, ::step]))

    def _keyframes(self) -> list[int]:
        return self.document.project.keyframes() if self.document is not None else []

    # -- painting ---------------------------------------------------------------------

    def set_tool(self, tool: str) -> None:
        """Choose the canvas tool: 'brush', 'eraser', 'neutral' or 'eyedropper'."""
        self.canvas.set_tool(tool)
        self.tool_actions[tool].setChecked(True)

    def set_view(self, view: str) -> None:
        """Show the 'grey' source, the 'colour' result or a 'split' wipe."""
        self.canvas.set_view(view)
        self.view_actions[view].setChecked(True)

    def _stroke_finished(self, points: list, tool: str) -> None:
        if self.document is None:
            return
        self._pen_up = time.perf_counter()
        colour = self.brush.colour
        stroke = Stroke(
            points=points,
            color=(colour.redF(), colour.greenF(), colour.blueF()),
            width=self.brush.size,
            frame=self.frame,
            kind=_TOOL_KIND[tool],
            hardness=self.brush.hardness,
        )
        self.document.add_stroke(stroke)
        if tool == "brush":
            self.brush.remember(colour)

    def _colour_picked(self, rgb: tuple) -> None:
        self.brush.set_colour(QColor.fromRgbF(*rgb))
        if self.canvas.tool == "eyedropper":
            self.set_tool("brush")

    def _brush_colour_changed(self, colour: QColor) -> None:
        self.canvas.brush_colour = colour
        self.canvas.update()

    def _brush_size_changed(self, size: float) -> None:
        self.canvas.brush_size = size
        self.canvas.update()

    def _show_pixel(self, x: int, y: int) -> None:
        """Readout of the pixel under the pointer: position, source luma, colour result."""
        if self.grey is None or x < 0:
            self.pixel_label.setText("")
            return
        top = np.iinfo(self.grey.dtype).max
        text = f"x {x}  y {y}   Y {self.grey[y, x] / top:.3f}"
        rgb = self.current_colour()
        if rgb is not None:
            r, g, b = (int(v) * 255 // top for v in rgb[y, x])
            text += f"   RGB {r} {g} {b}"
        self.pixel_label.setText(text)

    def _brush_hardness_changed(self, hardness: float) -> None:
        self.canvas.brush_hardness = hardness

    def _undo(self) -> None:
        if self.document is not None:
            self._pen_up = time.perf_counter()
            self.document.undo.undo()

    def _redo(self) -> None:
        if self.document is not None:
            self._pen_up = time.perf_counter()
            self.document.undo.redo()

    def _clear_frame(self) -> None:
        if self.document is not None:
            self.document.clear_strokes(self.frame)

    def _guidance_changed(self, frames: list) -> None:
        """After any edit: redraw strokes, mark propagated frames stale, re-preview."""
        for frame in frames:
            self.previews.pop(frame, None)
        self.canvas.set_strokes(self.document.strokes_on(self.frame))
        self.guidance_version += 1
        for frame in self.results.frames():
            self.timeline.set_frame_state(frame, FrameState.STALE)
        self._refresh_markers()
        project = self.document.project
        self.references.set_project_items(project.references, project.exemplars)
        self._show_settings()
        if not frames or self.frame in frames:
            self._request_preview()

    def _request_preview(self) -> None:
        if self.clip is None or self.grey is None:
            return
        self.preview.solver = self.document.project.settings.get("solver", "fast")
        self.preview.device = self.document.project.settings.get("device", "auto")
        self.preview.request(self.grey, self.document.project.guidance(), self.frame)

    def _preview_ready(self, generation: int, frame: int, rgb, final: bool) -> None:
        if not self.preview.is_current(generation) or self.document is None:
            return
        if rgb is None:
            self.previews.pop(frame, None)
        else:
            self.previews[frame] = rgb
        if frame == self.frame:
            self.canvas.set_colour(self._colour_image(frame))
            if self._pen_up is not None:
                self.last_preview_latency = time.perf_counter() - self._pen_up
                self._pen_up = None
        if final and rgb is not None:
            self.timeline.invalidate_thumbnails([frame])

    def _preview_failed(self, _generation: int, message: str) -> None:
        self.statusBar().showMessage(f"Preview failed: {message}", 8000)

    # -- references -------------------------------------------------------------------

    def assign_reference(self, rgb: np.ndarray, source: str) -> bool:
        """Make ``rgb`` the current frame's aligned reference; a dialog if it does not fit."""
        if self.document is None:
            show_problem(
                self, "No clip open", "A reference belongs to a frame of a clip.", "Open a video or a project first."
            )
            return False
        height, width = rgb.shape[:2]
        if (width, height) != (self.clip.width, self.clip.height):
            show_problem(
                self,
                "Reference does not fit",
                f"'{Path(source).name}' is {width}x{height} but the clip's frames are {self.clip.width}x{self.clip.height}.",
                "An aligned reference must have the frame's size and framing. Use it as an exemplar instead, or resize it.",
            )
            return False
        self.document.set_reference(self.frame, _to_dtype(rgb, self.clip.dtype), source)
        return True

    def add_exemplar(self, rgb: np.ndarray, source: str, shot_only: bool = False) -> bool:
        """Add ``rgb`` as an exemplar for the whole clip, or for the current shot only."""
        if self.document is None:
            show_problem(
                self, "No clip open", "An exemplar guides the frames of a clip.", "Open a video or a project first."
            )
            return False
        frames = self.shot_range() if shot_only else None
        self.document.add_exemplar(_to_dtype(rgb, self.clip.dtype), source, frames)
        return True

    def shot_range(self) -> tuple[int, int]:
        """(start, stop) of the shot holding the current frame, from the cuts found so far."""
        starts = [0] + [c for c in self.cuts if 0 < c < len(self.clip)]
        start = max(c for c in starts if c <= self.frame)
        stop = min([c for c in self.cuts if c > self.frame] + [len(self.clip)])
        return start, stop

    def promote_frame(self) -> bool:
        """Make the current frame's colour result its aligned reference."""
        rgb = self.current_colour() if self.document is not None else None
        if rgb is None:
            show_problem(
                self,
                "Nothing to promote",
                "This frame has no colour result yet.",
                "Paint it or propagate the clip, then promote it.",
            )
            return False
        self.document.set_reference(self.frame, rgb.copy(), f"frame {self.frame} (promoted)")
        return True

    def _remove_guidance(self, item) -> None:
        from colorcore.guidance.references import Reference

        if isinstance(item, Reference):
            self.document.remove_reference(item)
        else:
            self.document.remove_exemplar(item)

    def _refresh_markers(self) -> None:
        if self.document is None:
            return
        project = self.document.project
        references = sorted({r.frame for r in project.references})
        self.timeline.set_markers(project.keyframes(), references, self.cuts)

    # -- propagation ------------------------------------------------------------------

    def propagate(self) -> bool:
        """Colour the whole clip in a worker thread; frames appear as they finish."""
        if self.document is None or self.worker is not None:
            return False
        project = self.document.project
        if not project.keyframes() and not project.exemplars:
            show_problem(
                self,
                "Nothing to propagate",
                "No frame has strokes or a reference yet.",
                "Paint a keyframe or give a reference first.",
            )
            return False
        self.worker = PropagationWorker(project, self.clip, parent=self)
        self.worker.version = self.guidance_version
        self.worker.frameDone.connect(self._frame_propagated)
        self.worker.progress.connect(lambda f: self.progress.setValue(int(f * 1000)))
        self.worker.done.connect(self._propagation_done)
        self.quality.clear()
        self.progress.setValue(0)
        self.progress.show()
        self.cancel_button.show()
        self.statusBar().showMessage("Propagating…")
        self._update_enabled()
        self.worker.start()
        return True

    def _cuts_found(self, cuts: list) -> None:
        self.cuts = list(cuts)
        self._refresh_markers()

    def cancel_propagation(self) -> None:
        """Stop a running propagation (frames already done are kept)."""
        if self.worker is not None:
            self.worker.cancel()

    def _frame_propagated(self, frame: int, rgb, colourfulness: float, change: float) -> None:
        self.results.put(frame, rgb)
        current = self.worker is not None and self.worker.version == self.guidance_version
        self.timeline.set_frame_state(frame, FrameState.PROPAGATED if current else FrameState.STALE)
        self.timeline.invalidate_thumbnails([frame])
        self.quality.set_values(frame, colourfulness, change)
        if frame == self.frame and frame not in self.previews:
            self.canvas.set_colour(to_qimage(rgb))

    def _propagation_done(self, outcome: str, message: str) -> None:
        worker, self.worker = self.worker, None
        worker.wait()
        worker.deleteLater()
        self.progress.hide()
        self.cancel_button.hide()
        self._update_enabled()
        if outcome == "failed":
            show_problem(
                self,
                "Propagation failed",
                message,
                "Your strokes and references are unchanged; fix the problem and propagate again.",
            )
        texts = {
            "finished": "Propagation finished",
            "cancelled": "Propagation cancelled; finished frames are kept",
            "failed": "Propagation failed",
        }
        self.statusBar().showMessage(texts[outcome], 8000)

    # -- export -----------------------------------------------------------------------

    def export(self) -> bool:
        """Ask for export settings and export in the background with a progress dialog."""
        if self.document is None or self.export_job is not None:
            return False
        project = self.document.project
        base = (
            project.path.with_suffix("") if project.path else self.clip.path.with_name(self.clip.path.stem + "-colour")
        )
        dialog = ExportDialog(
            self,
            len(self.clip),
            self.clip.fps,
            self.clip.has_audio,
            str(base) + ".mkv",
            source_path=self.clip.path,
            frame_size=(self.clip.width, self.clip.height),
        )
        if dialog.exec() != ExportDialog.DialogCode.Accepted:
            return False
        return self.start_export(dialog.settings())

    def start_export(self, settings) -> bool:
        """Export with ``settings`` (an ExportSettings) in the background."""
        import copy

        snapshot = copy.deepcopy(self.document.project)
        clip = self.clip

        def frames(span, progress, cancel):
            return project_frames(snapshot, clip, span, progress, cancel)

        self.export_job = ExportJob(settings, clip, frames)
        self.export_dialog = ExportProgressDialog(self.export_job, self)
        for signal in (self.export_job.finished, self.export_job.failed, self.export_job.cancelled):
            signal.connect(self._export_done)
        self.export_job.finished.connect(lambda path: self.statusBar().showMessage(f"Exported {path}", 10000))
        self.export_job.start()
        self.export_dialog.show()
        return True

    def _export_done(self, *_args) -> None:
        job, self.export_job = self.export_job, None
        if job is not None:
            job.wait()

    # -- saving -----------------------------------------------------------------------

    def save(self) -> bool:
        """Save the project (asks for a name the first time). True if saved."""
        if self.document is None:
            return False
        if self.document.project.path is None:
            return self.save_as()
        return self._save_to(self.document.project.path)

    def save_as(self) -> bool:
        """Save the project under a new name."""
        if self.document is None:
            return False
        project = self.document.project
        suggested = project.path or project.media.path.with_suffix(PROJECT_SUFFIX)
        path, _ = QFileDialog.getSaveFileName(
            self, "Save project", str(suggested), f"Keyhue project (*{PROJECT_SUFFIX})"
        )
        if not path:
            return False
        if not path.endswith(PROJECT_SUFFIX):
            path += PROJECT_SUFFIX
        return self._save_to(Path(path))

    def _save_to(self, path: Path) -> bool:
        project = self.document.project
        old_key = self._autosave_path(project)
        try:
            project.save(path)
        except InputError as exc:
            show_problem(
                self,
                "Cannot save project",
                str(exc),
                "Save it somewhere else (File ▸ Save As); your work is still open.",
            )
            return False
        old_key.unlink(missing_ok=True)
        self._autosave_path(project).unlink(missing_ok=True)
        self.document.mark_saved()
        self._remember_recent(path)
        self._update_title()
        self.statusBar().showMessage(f"Saved {path}", 5000)
        return True

    def _autosave_path(self, project: Project) -> Path:
        key = str(project.path) if project.path is not None else str(project.media.path)
        return self.autosave_dir / (hashlib.sha1(key.encode()).hexdigest()[:16] + PROJECT_SUFFIX)

    def autosave(self) -> Path | None:
        """Write unsaved work to the autosave folder (not over the project); return the file."""
        if self.document is None or not self.document.is_dirty():
            return None
        project = self.document.project
        target = self._autosave_path(project)
        try:
            self.autosave_dir.mkdir(parents=True, exist_ok=True)
            from colorcore.media.images import write_bytes_atomic

            # Absolute media path: the autosave lives elsewhere than the project.
            write_bytes_atomic(target, project.to_json(None).encode("utf-8"))
        except OSError as exc:
            self.statusBar().showMessage(f"Autosave failed: {exc.strerror or exc}", 8000)
            return None
        return target

    def _recover(self, project: Project, key: str) -> Project | None:
        """An autosaved version newer than ``project`` the user chose to recover, or None."""
        candidate = self.autosave_dir / (hashlib.sha1(key.encode()).hexdigest()[:16] + PROJECT_SUFFIX)
        if not candidate.exists():
            return None
        if (
            project.path is not None
            and project.path.exists()
            and candidate.stat().st_mtime <= project.path.stat().st_mtime
        ):
            candidate.unlink(missing_ok=True)
            return None
        stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime(candidate.stat().st_mtime))
        answer = ask(
            self,
            "Recover unsaved work?",
            f"Keyhue has unsaved work on this {'project' if project.path else 'clip'} from {stamp} "
            "(Keyhue did not close normally).\n\nRecover it?",
            Button.Yes | Button.No,
            Button.Yes,
        )
        if answer != Button.Yes:
            candidate.unlink(missing_ok=True)
            return None
        try:
            recovered = Project.load(candidate)
        except InputError as exc:
            show_problem(
                self, "Cannot recover", str(exc), "The autosaved copy is damaged; opening the last saved version."
            )
            return None
        recovered.path = project.path
        return recovered

    def _confirm_discard(self) -> bool:
        """Ask to save unsaved changes; False if the user cancels."""
        if self.document is None or not self.document.is_dirty():
            return True
        answer = ask(
            self,
            "Unsaved changes",
            "The project has unsaved changes. Save them first?",
            Button.Save | Button.Discard | Button.Cancel,
            Button.Save,
        )
        if answer == Button.Save:
            return self.save()
        if answer == Button.Discard:
            self._autosave_path(self.document.project).unlink(missing_ok=True)
            return True
        return False

    # -- window -----------------------------------------------------------------------

    def shortcut_lines(self) -> list[str]:
        """'Keys  action' for every action with a shortcut, in menu order."""
        lines = []
        for action in self.actions():
            keys = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts())
            if keys:
                lines.append(f"{keys:<22} {action.text().replace('&', '').rstrip('…')}")
        return lines

    def show_shortcuts(self) -> None:
        """A window listing the keyboard shortcuts."""
        box = QMessageBox(QMessageBox.Icon.NoIcon, "Keyboard shortcuts", "", parent=self)
        box.setText(
            "<pre>" + "\n".join(self.shortcut_lines()) + "</pre>"
            "<p>Mouse on the picture: left button paints, middle button or Ctrl+drag pans, "
            "the wheel zooms, drag the wipe line in split view.</p>"
        )
        box.open()

    def _about(self) -> None:
        QMessageBox.about(
            self,
            "About Keyhue",
            "<b>Keyhue</b><br>Colour black-and-white film: scribbles and references on keyframes, "
            "carried through the shot by Levin et al.'s optimisation. The source's luminance is kept exactly.",
        )

    def _choose_setting(self, key: str, value: str) -> None:
        if self.document is not None:
            self.document.set_setting(key, value)

    def _show_settings(self) -> None:
        settings = self.document.project.settings if self.document is not None else {}
        for (key, value), action in self.setting_actions.items():
            action.setChecked(settings.get(key) == value)
            action.setEnabled(self.document is not None)

    def _update_title(self, *_clean) -> None:
        if self.document is None:
            self.setWindowTitle("Keyhue")
            return
        project = self.document.project
        name = project.path.name if project.path else f"{project.media.path.name} (unsaved project)"
        self.setWindowTitle(f"{name}[*] — Keyhue")
        self.setWindowModified(self.document.is_dirty())

    def _update_enabled(self) -> None:
        has = self.document is not None
        busy = self.worker is not None
        for action in (self.save_action, self.save_as_action, self.export_action, self.clear_action, self.play_action):
            action.setEnabled(has)
        self.propagate_action.setEnabled(has and not busy)
        self.cancel_action.setEnabled(busy)
        self.undo_action.setEnabled(has and self.document.undo.canUndo())
        self.redo_action.setEnabled(has and self.document.undo.canRedo())

    def _playing_changed(self, playing: bool) -> None:
        self.play_action.setIcon(icon("pause" if playing else "play"))

    def _ask_open(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Open project or video",
            self.settings.value("last_folder", ""),
            f"Projects and videos (*{PROJECT_SUFFIX} *.mp4 *.mov *.mkv *.avi *.webm *.mxf);;All files (*)",
        )
        if path:
            self.settings.setValue("last_folder", str(Path(path).parent))
            self.open_path(path)

    def _ask_open_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Open a folder of frames", self.settings.value("last_folder", ""))
        if path:
            self.open_media(path)

    def recent_files(self) -> list[str]:
        """Recently opened projects and media, newest first."""
        value = self.settings.value("recent", [])
        return [value] if isinstance(value, str) else list(value or [])

    def _remember_recent(self, path: Path) -> None:
        path = str(Path(path).resolve())
        recent = [path] + [p for p in self.recent_files() if p != path]
        self.settings.setValue("recent", recent[:RECENT_MAX])

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for path in self.recent_files():
            self.recent_menu.addAction(Path(path).name, lambda p=path: self.open_path(p)).setToolTip(path)
        if self.recent_menu.isEmpty():
            self.recent_menu.addAction("(none)").setEnabled(False)

    def _restore_settings(self) -> None:
        geometry = self.settings.value("geometry")
        if not (isinstance(geometry, QByteArray) and self.restoreGeometry(geometry)):
            # First launch: the whole screen, as colour work wants the largest picture.
            self.setGeometry(self.screen().availableGeometry())
            self.setWindowState(Qt.WindowState.WindowMaximized)
        state = self.settings.value("state")
        if not (isinstance(state, QByteArray) and self.restoreState(state)):
            # Brush settings are short; the reference images get the rest of the column.
            self.resizeDocks([self.brush_dock, self.reference_dock], [200, 10_000], Qt.Orientation.Vertical)
            self.resizeDocks([self.brush_dock], [300], Qt.Orientation.Horizontal)
        splitter = self.settings.value("splitter")
        if isinstance(splitter, QByteArray):
            self.splitter.restoreState(splitter)
        else:
            # The timeline and plot take about a quarter of the height, within limits.
            lower = min(max(int(self.height() * 0.27), 190), 300)
            self.splitter.setSizes([max(self.height() - lower, 200), lower])
        self.brush.set_size(float(self.settings.value("brush_size", 8)))
        self.canvas.brush_size = self.brush.size
        for name in reversed(self.settings.value("recent_colours", []) or []):
            self.brush.remember(QColor(name))
        colour = self.settings.value("brush_colour")
        if colour:
            self.brush.set_colour(QColor(colour))

    def _save_settings(self) -> None:
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("state", self.saveState())
        self.settings.setValue("splitter", self.splitter.saveState())
        self.settings.setValue("brush_size", self.brush.size)
        self.settings.setValue("brush_colour", self.brush.colour.name())
        self.settings.setValue("recent_colours", [c.name() for c in self.brush.recent])
        self.settings.sync()

    def dragEnterEvent(self, event):
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event):
        from colorcore.media import IMAGE_EXTENSIONS

        urls = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        event.acceptProposedAction()
        for path in urls:
            if Path(path).suffix.lower() in IMAGE_EXTENSIONS and self.document is not None:
                self.references.load_file(path)
            else:
                self.open_path(path)
                break

    def closeEvent(self, event):
        if self.export_job is not None:
            answer = ask(
                self,
                "Export running",
                "An export is still running. Stop it and quit? (Nothing of it will be left on disk.)",
                Button.Yes | Button.Cancel,
                Button.Cancel,
            )
            if answer != Button.Yes:
                event.ignore()
                return
        if not self._confirm_discard():
            event.ignore()
            return
        self.timeline.pause()
        self._stop_background_work()
        self._save_settings()
        self.results.close()
        if self.clip is not None:
            self.clip.close()
        super().closeEvent(event)


def _grey_levels(rgb: np.ndarray) -> np.ndarray:
    """The frame's luma as HxW of its own dtype: what the archivist judges and paints on."""
    if rgb.ndim == 2:
        return rgb
    top = np.iinfo(rgb.dtype).max
    return np.round(luma_of(rgb) * top).astype(rgb.dtype)


def _to_dtype(rgb: np.ndarray, dtype) -> np.ndarray:
    """``rgb`` rescaled to ``dtype`` (uint8 <-> uint16) when they differ."""
    if rgb.dtype == dtype:
        return rgb
    if dtype == np.uint16:
        return rgb.astype(np.uint16) * 257
    return np.round(rgb / 257).astype(np.uint8)
