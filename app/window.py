"""Keyhue's main window: thin widgets around the :class:`keyhue.session.Session` model.

This module builds the window and keeps the views in step; its commands are grouped by
role in :mod:`keyhue.window_files` (open, save, recover), :mod:`keyhue.window_paint`
(strokes, colours, references) and :mod:`keyhue.window_colour` (propagate, export, grade).

The session holds what is open and the state of every frame; the
:class:`keyhue.document.Document` holds the project and its undo stack. The window builds
its commands from the table in :mod:`keyhue.actions`, turns canvas strokes into undoable
edits, runs every long job on the worker pattern of :mod:`keyhue.workers` (preview,
propagation, export, cut detection, thumbnails), and keeps the widgets (canvas,
timeline, quality plot, scopes, shot list, panels) in step with the session's events.
Every problem the user can cause (bad media, a damaged project, moved media, an unusable
reference, a failed export) is shown in a dialog through :mod:`keyhue.dialogs`; engine
warnings appear in the status bar and the Messages panel; unexpected errors are written
to the error log (:mod:`keyhue.errorlog`) and the dialog names it. The window keeps
running and no edit is lost.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import QByteArray, QSettings, QStandardPaths, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QColor, QImage, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QListWidget,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from colorcore.errors import InputError
from colorcore.grade import apply_grade, grade_for
from colorcore.guidance.project import Project
from colorcore.media.leftovers import sweep_leftovers
from keyhue import errorlog
from keyhue.actions import ACTIONS, MENUS, SETTINGS, TOOLBAR
from keyhue.autosave import Autosave, project_key
from keyhue.brush_panel import BrushPanel
from keyhue.canvas import Canvas
from keyhue.dialogs import Button, ask, show_problem
from keyhue.document import Document
from keyhue.export_job import ExportJob
from keyhue.grade_panel import GradePanel
from keyhue.imaging import to_qimage
from keyhue.network_suggestion import NetworkSuggestions, network_snapshot
from keyhue.palette_panel import PalettePanel
from keyhue.preview import PreviewSolver
from keyhue.propagation import shot_cuts
from keyhue.quality_plot import QualityPlot
from keyhue.reference_panel import ReferencePanel
from keyhue.result_cache import ResultCache, cache_folder, prune
from keyhue.scopes import Scopes
from keyhue.session import Session
from keyhue.shot_list import ShotList
from keyhue.theme import icon
from keyhue.timeline import FrameState, Timeline
from keyhue.window_colour import ColourCommands
from keyhue.window_files import FileCommands
from keyhue.window_paint import PaintCommands
from keyhue.workers import Worker

AUTOSAVE_MS = 60_000


def _data_dir() -> Path:
    return Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation))


def default_autosave_dir() -> Path:
    """Where autosaves go: the platform's application data folder, ``autosave/``."""
    return _data_dir() / "autosave"


def default_cache_dir() -> Path:
    """Where propagated frames are kept between sessions: the user's cache folder."""
    return Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.CacheLocation)) / "results"


class MainWindow(FileCommands, PaintCommands, ColourCommands, QMainWindow):
    """The editor. ``open_path`` opens media or a project; see the module docstring.

    Args:
        settings: where layout, recent files and brush settings persist (QSettings).
        autosave_dir: folder for crash-recovery copies of unsaved work.
        cache_dir: folder for propagated frames kept between sessions.
        log_dir: folder of the error log (the application data folder by default).
    """

    def __init__(
        self,
        settings: QSettings | None = None,
        autosave_dir: Path | None = None,
        cache_dir: Path | None = None,
        log_dir: Path | None = None,
    ):
        super().__init__()
        self.settings = settings or QSettings()
        self.autosaves = Autosave(Path(autosave_dir) if autosave_dir is not None else default_autosave_dir())
        self.autosave_dir = self.autosaves.folder
        self.cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        self.log_path = errorlog.install(Path(log_dir) if log_dir is not None else _data_dir())
        # Partial autosaves of a Keyhue that was killed while writing one.
        sweep_leftovers([self.autosave_dir], temp=False)
        self.session = Session()
        self.worker: Worker | None = None  # propagation
        self.cut_finder: Worker | None = None
        self.export_job: ExportJob | None = None
        self.grey: np.ndarray | None = None  # the current frame's luma as HxW uint8/uint16
        self.previous_results: dict[int, np.ndarray] = {}  # the propagation before the last, for compare
        self.last_preview_latency: float | None = None  # seconds from pen-up to picture
        self._pen_up: float | None = None  # when the edit being previewed was made
        self.guidance_version = 0  # counts edits, so frames from an older propagation show as stale
        self.messages_seen: list[str] = []
        self.compare: str | None = None
        self._last_pixel = (0, 0)  # the frame pixel last under the pointer, for the picker
        self._preview_final: dict[int, bool] = {}  # keyframe -> its shown preview is full size
        self.preview = PreviewSolver(self)
        self.preview.ready.connect(self._preview_ready)
        self.preview.failed.connect(self._preview_failed)
        self.preview.warning.connect(self.report_warning)
        self.network_suggestions = NetworkSuggestions(self)  # the picker's network suggestion
        self.setWindowTitle("Keyhue")
        self.setWindowIcon(icon("keyhue"))
        self.setAcceptDrops(True)
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowTabbedDocks)
        self._build_widgets()
        self._build_actions()
        self._build_menus_and_toolbar()
        self._connect_session()
        self.autosave_timer = QTimer(self, interval=AUTOSAVE_MS, timeout=self.autosave)
        self.autosave_timer.start()
        self._restore_settings()
        self._update_enabled()
        self._show_settings()

    # -- the session's state, as attributes (tests and panels read these) --------------

    @property
    def document(self) -> Document | None:
        return self.session.document

    @property
    def clip(self):
        return self.session.clip

    @property
    def frame(self) -> int:
        return self.session.frame

    @property
    def results(self) -> ResultCache:
        return self.session.results

    @property
    def previews(self) -> dict[int, np.ndarray]:
        return self.session.previews

    @property
    def cuts(self) -> list[int]:
        return self.session.cuts

    # -- construction -----------------------------------------------------------------

    def _build_widgets(self) -> None:
        self.canvas = Canvas()
        self.canvas.strokeFinished.connect(self._stroke_finished)
        self.canvas.colourPicked.connect(self._colour_picked)
        self.canvas.strokeClicked.connect(self._stroke_clicked)
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
        self.brush.chooser = self.choose_colour
        self.references = ReferencePanel()
        self.references.referenceRequested.connect(self.assign_reference)
        self.references.exemplarRequested.connect(self.add_exemplar)
        self.references.promoteRequested.connect(self.promote_frame)
        self.references.removeRequested.connect(self._remove_guidance)
        self.references.colourPicked.connect(self._colour_picked)
        self.scopes = Scopes()
        self.palette = PalettePanel()
        self.palette.swatchChosen.connect(self._swatch_chosen)
        self.palette.addRequested.connect(self.add_swatch)
        self.palette.recolourRequested.connect(self.recolour_swatch)
        self.active_swatch: str | None = None  # strokes painted now use this swatch
        self.grade_panel = GradePanel()
        self.grade_panel.gradeEdited.connect(self._grade_edited)
        self.shot_list = ShotList()
        self.shot_list.shotActivated.connect(lambda start: self.go_to(start))
        self.shot_list.propagateRequested.connect(self.propagate_shot)
        self.shot_list.exportRequested.connect(self.export_shot)
        self.messages = QListWidget()
        self.messages.setWordWrap(True)
        self.shots_dock = self._dock("Shots", self.shot_list, "shots", Qt.DockWidgetArea.LeftDockWidgetArea)
        self.brush_dock = self._dock("Brush", self.brush, "brush")
        self.reference_dock = self._dock("References", self.references, "references")
        self.scopes_dock = self._dock("Scopes", self.scopes, "scopes")
        self.grade_dock = self._dock("Shot Grade", self.grade_panel, "grade")
        self.palette_dock = self._dock("Palette", self.palette, "palette")
        # Brush, grade and references share one tabbed area; the scopes get the rest of
        # the column, as they are read all the time.
        self.tabifyDockWidget(self.brush_dock, self.palette_dock)
        self.tabifyDockWidget(self.palette_dock, self.grade_dock)
        self.tabifyDockWidget(self.grade_dock, self.reference_dock)
        self.brush_dock.raise_()
        self.messages_dock = self._dock("Messages", self.messages, "messages", Qt.DockWidgetArea.LeftDockWidgetArea)
        self.splitDockWidget(self.shots_dock, self.messages_dock, Qt.Orientation.Vertical)

        self.progress = QProgressBar(maximum=1, textVisible=True)
        self.progress.setFormat("%v / %m frames")
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

    def _dock(self, title: str, widget: QWidget, name: str, area=Qt.DockWidgetArea.RightDockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.addDockWidget(area, dock)
        return dock

    def _build_actions(self) -> None:
        """QActions from the table in :mod:`keyhue.actions`, as ``<name>_action`` attributes."""
        self.action_by_name: dict[str, QAction] = {}
        groups: dict[str, QActionGroup] = {}
        for spec in ACTIONS:
            action = QAction(spec.text, self)
            action.setShortcuts([QKeySequence(k) for k in spec.keys])
            if spec.icon:
                action.setIcon(icon(spec.icon))
            keys = ", ".join(QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText) for k in spec.keys)
            tip = spec.tip or spec.text.replace("&", "").rstrip("…")
            action.setToolTip(tip + (f" ({keys})" if keys else ""))
            action.setCheckable(spec.checkable)
            run = spec.run
            if spec.checkable:
                action.toggled.connect(lambda checked, run=run: run(self, checked))
            else:
                action.triggered.connect(lambda _checked=False, run=run: run(self))
            if spec.group is not None:
                groups.setdefault(spec.group, QActionGroup(self)).addAction(action)
            self.addAction(action)  # shortcuts work whichever widget has focus
            self.action_by_name[spec.name] = action
            setattr(self, f"{spec.name}_action", action)
        self.tool_actions = {t: self.action_by_name[t] for t in ("brush", "eraser", "neutral", "eyedropper", "select")}
        self.view_actions = {
            "grey": self.view_grey_action,
            "colour": self.view_colour_action,
            "split": self.view_split_action,
        }
        self.brush_action.setChecked(True)
        self.show_strokes_action.setChecked(True)
        self.view_colour_action.setChecked(True)

    def _build_menus_and_toolbar(self) -> None:
        bar = self.menuBar()
        self.setting_actions: dict[tuple[str, str], QAction] = {}
        for title, names in MENUS:
            menu = bar.addMenu(title)
            for name in names:
                if name == "-":
                    menu.addSeparator()
                elif name == "@recent":
                    self.recent_menu = menu.addMenu("Open &Recent")
                    self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
                elif name == "@docks":
                    for dock in (
                        self.brush_dock,
                        self.reference_dock,
                        self.scopes_dock,
                        self.grade_dock,
                        self.palette_dock,
                        self.shots_dock,
                        self.messages_dock,
                    ):
                        menu.addAction(dock.toggleViewAction())
                elif name == "@settings":
                    self._add_setting_menus(menu)
                elif name == "@help":
                    menu.addAction("&Keyboard Shortcuts", self.show_shortcuts)
                    menu.addAction("Show Error &Log", self.show_log)
                    menu.addAction("&About Keyhue", self._about)
                else:
                    menu.addAction(self.action_by_name[name])
        tools = self.addToolBar("Tools")
        tools.setObjectName("tools")
        tools.setMovable(False)
        for name in TOOLBAR:
            if name == "-":
                tools.addSeparator()
            else:
                tools.addAction(self.action_by_name[name])

    def _add_setting_menus(self, menu) -> None:
        for key, title, choices in SETTINGS:
            submenu = menu.addMenu(title)
            group = QActionGroup(self)
            for value, text in choices:
                action = submenu.addAction(text)
                action.setCheckable(True)
                action.triggered.connect(lambda _checked=False, k=key, v=value: self._choose_setting(k, v))
                group.addAction(action)
                self.setting_actions[key, value] = action

    def _connect_session(self) -> None:
        session = self.session
        session.states_changed.connect(self._states_changed)
        session.cuts_changed.connect(lambda _cuts: (self._refresh_markers(), self._refresh_shots()))

    # -- messages from the work -------------------------------------------------------

    def report_warning(self, text: str) -> None:
        """An engine warning: in the status bar and, kept, in the Messages panel."""
        self.messages_seen.append(text)
        self.messages.addItem(f"{time.strftime('%H:%M:%S')}  {text}")
        self.messages.scrollToBottom()
        self.statusBar().showMessage(f"Warning: {text}", 15000)

    def report_failure(self, title: str, message: str, details: str, todo: str) -> None:
        """A failed job: a dialog; for a bug (``details`` holds its traceback) the dialog
        names the error log, where the traceback was written."""
        if details:
            todo += f"\n\nThis is a bug in Keyhue. The details were written to {self.log_path}; please send that file."
        self.messages.addItem(f"{time.strftime('%H:%M:%S')}  {title}: {message}")
        show_problem(self, title, message, todo)

    def report_unexpected(self, message: str) -> None:
        """An error that escaped a slot (already logged with its traceback)."""
        self.report_failure("Something went wrong", message, "logged", "Your work is still open; save it.")

    def show_log(self) -> None:
        """Tell where the error log is."""
        QMessageBox.information(self, "Error log", f"Unexpected errors are written to:\n{self.log_path}")

    # -- opening ----------------------------------------------------------------------

    def _stop_background_work(self) -> None:
        """Stop propagation, export and cut detection of the current clip and wait for them."""
        if self.worker is not None:
            worker, self.worker = self.worker, None
            for signal in (worker.result, worker.progressed, worker.ended):
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
            self.cut_finder.finished.disconnect()
            self.cut_finder.cancel()
            self.cut_finder.wait()
            self.cut_finder.deleteLater()
            self.cut_finder = None
        self.preview.wait()
        self.network_suggestions.wait()

    def _install(self, project: Project, clip, dirty: bool) -> None:
        self._stop_background_work()
        self.session.close()
        if self.clip is not None:
            self.clip.close()
        if self.document is not None:
            self.document.deleteLater()
        document = Document(project, self)
        document.changed.connect(self._guidance_changed)
        document.gradeChanged.connect(self._grade_changed)
        document.undo.cleanChanged.connect(self._update_title)
        document.undo.canUndoChanged.connect(self.undo_action.setEnabled)
        document.undo.canRedoChanged.connect(self.redo_action.setEnabled)
        if dirty:
            # Recovered or relocated work is not on disk yet: no state of the stack is clean.
            document.undo.resetClean()
        folder = cache_folder(self.cache_dir, project_key(project))
        prune(self.cache_dir, keep=folder)
        self.previous_results = {}
        self.session.open(document, clip, ResultCache(folder=folder))
        self.quality.clear()
        self.quality.set_frame_count(len(clip))
        self.timeline.set_clip(len(clip), clip.fps, self._thumbnail)
        self._states_changed(None)
        self.show_frame(0)
        self._refresh_markers()
        self._refresh_shots()
        self.references.set_project_items(project.references, project.exemplars)
        self.active_swatch = None
        self._refresh_palette()
        self._update_title()
        self._update_enabled()
        self._show_settings()
        self.canvas.fit()
        self.cut_finder = Worker(shot_cuts, clip, name="cut detection", parent=self)
        self.cut_finder.finished.connect(self.session.set_cuts)
        self.cut_finder.warning.connect(self.report_warning)
        self.cut_finder.start()
        kept = len(self.session.frames_in(FrameState.PROPAGATED))
        self.statusBar().showMessage(
            f"{clip.path.name}: {len(clip)} frames, {clip.width}x{clip.height}, {clip.fps:.3f} fps, {clip.bit_depth}-bit"
            + (f"; {kept} propagated frames kept from the last session" if kept else ""),
            8000,
        )

    # -- frames -----------------------------------------------------------------------

    def go_to(self, frame: int) -> None:
        """Make ``frame`` current (clamped to the clip)."""
        if self.clip is None:
            return
        self.timeline.set_current(min(max(int(frame), 0), len(self.clip) - 1))
        self.show_frame(self.timeline.current())

    def go_to_end(self) -> None:
        """Make the last frame current."""
        self.go_to(len(self.clip) - 1 if self.clip else 0)

    def step(self, frames: int) -> None:
        """Move ``frames`` frames forward (negative: back)."""
        self.go_to(self.frame + frames)

    def show_frame(self, frame: int) -> None:
        """Show ``frame``: its grey source, its best colour result and its strokes."""
        if self.clip is None or frame == self.frame:
            return
        try:
            luma = self.clip.luma(frame)
        except InputError as exc:
            self.statusBar().showMessage(str(exc))
            return
        self.session.set_frame(frame)
        self.timeline.set_current(frame)
        self.quality.set_current(frame)
        self.grey = luma
        self.canvas.set_frame(to_qimage(self.grey), self._colour_image(frame))
        self.canvas.set_strokes(self.document.strokes_on(frame))
        self.canvas.select_stroke(None)
        self._update_compare()
        self._update_notice()
        self._update_scopes()
        self.shot_list.set_current(frame)
        self._show_grade()
        if frame in self._keyframes() and frame not in self.previews and not self.timeline.is_playing():
            self._request_preview()

    def colour(self, frame: int) -> np.ndarray | None:
        """``frame``'s colour as the export writes it: its preview or propagated result
        with its shot's grade (:func:`colorcore.grade.apply_grade`), HxWx3, or None."""
        rgb = self.session.colour(frame)
        if rgb is None or self.document is None:
            return rgb
        return apply_grade(rgb, grade_for(list(self.document.project.grades), frame))

    def _colour_image(self, frame: int) -> QImage | None:
        rgb = self.colour(frame)
        return None if rgb is None else to_qimage(rgb)

    def current_colour(self) -> np.ndarray | None:
        """The current frame's colour as exported (preview or propagated, graded), or None."""
        return self.colour(self.frame)

    def _thumbnail(self, frame: int) -> QImage | None:
        # Runs on the thumbnail worker's thread: the cache and clip.rgb are thread-safe.
        rgb = self.colour(frame)
        if rgb is None:
            rgb = self.clip.rgb(frame) if self.clip is not None else None
        if rgb is None:
            return None
        step = max(1, rgb.shape[0] // 64)
        return to_qimage(np.ascontiguousarray(rgb[::step, ::step]))

    def _keyframes(self) -> list[int]:
        return self.session.keyframes()

    def _states_changed(self, frames) -> None:
        states = self.session.states
        if frames is None:
            self.timeline.set_states(states)
        else:
            for frame in frames:
                self.timeline.set_frame_state(frame, FrameState(int(states[frame])))
        if frames is None or self.frame in frames:
            self._update_notice()
        self._refresh_shots()

    def _update_notice(self) -> None:
        """What the canvas says about the colour it shows (a pending solve, a stale frame)."""
        if self.document is None or self.frame < 0:
            self.canvas.set_notice("")
            return
        frame = self.frame
        if frame in self._keyframes():
            pending = frame not in self.previews or self._preview_final.get(frame) is False
            self.canvas.set_notice("Solving the full frame…" if pending else "")
            return
        state = self.session.state(frame)
        if state == FrameState.STALE:
            self.canvas.set_notice("Stale: an edit changed this frame's guidance; Propagate to update")
        elif state == FrameState.PENDING:
            self.canvas.set_notice("Not propagated yet" if self._keyframes() or self.document.project.exemplars else "")
        else:
            self.canvas.set_notice("")

    def _update_scopes(self) -> None:
        if self.grey is None or not self.scopes.isVisible():
            self.scopes.set_image(None)
            return
        rgb = self.current_colour()
        if rgb is None:
            rgb = np.repeat(self.grey[..., None], 3, axis=2)
        self.scopes.set_image(rgb)

    def _refresh_shots(self) -> None:
        if self.document is None:
            self.shot_list.set_shots([], {}, {})
            return
        keys = self._keyframes()
        counts, states = {}, {}
        for start, stop in self.session.shots():
            counts[start] = sum(1 for k in keys if start <= k < stop)
            part = self.session.states[start:stop]
            if (part == FrameState.PROPAGATED.value).all():
                states[start] = "propagated"
            elif (part == FrameState.STALE.value).any():
                states[start] = "stale"
            elif (part == FrameState.PROPAGATED.value).any():
                states[start] = "partly propagated"
            else:
                states[start] = "pending"
        self.shot_list.set_shots(self.session.shots(), counts, states, self._thumbnail)
        self.shot_list.set_current(self.frame)

    # -- painting ---------------------------------------------------------------------

    def set_view(self, view: str) -> None:
        """Show the 'grey' source, the 'colour' result or a 'split' wipe."""
        self.compare = None
        self.canvas.set_compare(None)
        self.canvas.set_view(view)
        self.view_actions[view].setChecked(True)

    def set_compare(self, what: str) -> None:
        """Wipe the current result against 'previous' (the propagation before the last) or
        'reference' (the still selected in the References panel)."""
        self.compare = what
        self.canvas.set_view("split")
        self._update_compare()

    def _update_compare(self) -> None:
        what = getattr(self, "compare", None)
        if what is None:
            self.canvas.set_compare(None)
            return
        image = None
        if what == "previous":
            rgb = self.previous_results.get(self.frame)
            image = None if rgb is None else to_qimage(rgb)
            label = "previous propagation" if image is not None else "no previous propagation of this frame"
        else:
            selected = self.references.selected()
            image = None if selected is None else to_qimage(np.ascontiguousarray(selected[0]))
            label = "reference still" if image is not None else "select a reference still to compare"
        self.canvas.set_compare(image, label)

    def _show_pixel(self, x: int, y: int) -> None:
        """Readout of the pixel under the pointer: position, source luma, colour result."""
        if self.grey is None or x < 0:
            self.pixel_label.setText("")
            return
        self._last_pixel = (x, y)
        top = np.iinfo(self.grey.dtype).max
        text = f"x {x}  y {y}   Y {self.grey[y, x] / top:.3f}"
        rgb = self.current_colour()
        if rgb is not None:
            r, g, b = (int(v) * 255 // top for v in rgb[y, x])
            text += f"   RGB {r} {g} {b}"
        self.pixel_label.setText(text)

    def _guidance_changed(self, frames: list) -> None:
        """After any edit: redraw strokes, mark the frames it can change stale, re-preview."""
        self.canvas.set_strokes(self.document.strokes_on(self.frame))
        self.guidance_version += 1
        self.session.guidance_edited(frames)
        self._refresh_markers()
        project = self.document.project
        self.references.set_project_items(project.references, project.exemplars)
        self._refresh_palette()
        self._show_settings()
        if not frames or self.frame in frames:
            self._request_preview()
        self._update_notice()

    def _request_preview(self) -> None:
        if self.clip is None or self.grey is None:
            return
        self.preview.solver = self.document.project.settings.get("solver", "fast")
        self.preview.device = self.document.project.settings.get("device", "auto")
        if self.frame in self._keyframes():
            self._preview_final[self.frame] = False
        project = self.document.project
        # The deep solver's preview uses the network the export uses (a snapshot: the
        # worker reads it while the UI edits the project).
        snapshot = network_snapshot(project) if self.preview.solver == "deep" else None
        self.preview.request(self.grey, project.guidance(), self.frame, snapshot)

    def _preview_ready(self, generation: int, frame: int, rgb, final: bool) -> None:
        if not self.preview.is_current(generation) or self.document is None:
            return
        self._preview_final[frame] = final
        self.session.set_preview(frame, rgb)
        if frame == self.frame:
            self.canvas.set_colour(self._colour_image(frame))
            self._update_notice()
            self._update_scopes()
            if self._pen_up is not None:
                self.last_preview_latency = time.perf_counter() - self._pen_up
                self._pen_up = None
        if final and rgb is not None:
            self.timeline.invalidate_thumbnails([frame])

    def _preview_failed(self, _generation: int, message: str) -> None:
        self.statusBar().showMessage(f"Preview failed: {message}", 8000)

    # -- references -------------------------------------------------------------------

    def _refresh_markers(self) -> None:
        if self.document is None:
            return
        project = self.document.project
        references = sorted({r.frame for r in project.references})
        self.timeline.set_markers(project.keyframes(), references, self.cuts)

    # -- propagation ------------------------------------------------------------------

    # -- export -----------------------------------------------------------------------

    # -- saving -----------------------------------------------------------------------

    # -- window -----------------------------------------------------------------------

    def shortcut_lines(self) -> list[str]:
        """'Keys  action' for every action with a shortcut, each once, in table order."""
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
        self.propagate_shot_action.setEnabled(has and not busy)
        self.learn_film_action.setEnabled(has and not busy)
        self.delete_stroke_action.setEnabled(has)
        self.cancel_action.setEnabled(busy)
        self.undo_action.setEnabled(has and self.document.undo.canUndo())
        self.redo_action.setEnabled(has and self.document.undo.canRedo())

    def _playing_changed(self, playing: bool) -> None:
        self.play_action.setIcon(icon("pause" if playing else "play"))

    def _restore_settings(self) -> None:
        geometry = self.settings.value("geometry")
        if not (isinstance(geometry, QByteArray) and self.restoreGeometry(geometry)):
            # First launch: the whole screen, as colour work wants the largest picture.
            self.setGeometry(self.screen().availableGeometry())
            self.setWindowState(Qt.WindowState.WindowMaximized)
        state = self.settings.value("state")
        if not (isinstance(state, QByteArray) and self.restoreState(state)):
            # Brush settings are short; the reference images get the rest of the column.
            self.resizeDocks([self.brush_dock, self.scopes_dock], [330, 10_000], Qt.Orientation.Vertical)
            self.resizeDocks([self.brush_dock, self.shots_dock], [380, 250], Qt.Orientation.Horizontal)
            self.resizeDocks([self.shots_dock, self.messages_dock], [10_000, 150], Qt.Orientation.Vertical)
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
        self.session.close()
        if self.clip is not None:
            self.clip.close()
        super().closeEvent(event)
