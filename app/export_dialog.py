"""The export dialog: format, frame range, audio and output path, checked before export starts.

The dialog only asks; ``app.export_job.ExportJob`` writes. Everything that can be known to
fail before the first frame (a missing or read-only folder, the source as output, an
existing output the user does not want replaced) is caught here with a message that says
what to do.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from colorcore.errors import InputError
from colorcore.farm import INSTALL_HINT, ray_available
from colorcore.media import check_output_path, output_kind
from keyhue.timeline import timecode


@dataclass(frozen=True)
class ExportFormat:
    """One output format: its key, its name in the dialog, and the output's extension."""

    key: str
    label: str
    extension: str  # '' for a folder of images

    @property
    def is_sequence(self) -> bool:
        """True for a folder of one image per frame (which holds no audio)."""
        return self.extension == ""

    @property
    def kind(self) -> str:
        """What colorcore.media.output_kind calls such an output: 'folder', 'mkv', 'mov', 'mp4'."""
        return "folder" if self.is_sequence else self.key


#: The formats offered, in the dialog's order.
FORMATS = (
    ExportFormat("png", "PNG sequence (folder, source bit depth)", ""),
    ExportFormat("tiff", "16-bit TIFF sequence (folder)", ""),
    ExportFormat("mkv", "FFV1 MKV (lossless, for the archive)", ".mkv"),
    ExportFormat("mov", "ProRes 422 HQ MOV (for editing)", ".mov"),
    ExportFormat("mp4", "H.264 MP4 (for viewing and sharing)", ".mp4"),
)
FORMATS_BY_KEY = {f.key: f for f in FORMATS}
_VIDEO_EXTENSIONS = {f.extension for f in FORMATS if f.extension}


@dataclass(frozen=True)
class ExportSettings:
    """What to export.

    Attributes:
        path: output file (.mkv, .mov, .mp4) or folder (image sequences).
        format: a key of FORMATS_BY_KEY: 'png', 'tiff', 'mkv', 'mov' or 'mp4'.
        start, stop: frames start .. stop-1 (0-based; stop is exclusive).
        audio: copy the source's audio (video formats only).
        overwrite: the user agreed to replace an existing output.
        workers: local worker processes; more than 1 renders on a local Ray cluster
            started for the export (:mod:`colorcore.farm`), 1 in this process.
    """

    path: Path
    format: str
    start: int
    stop: int
    audio: bool
    overwrite: bool = False
    workers: int = 1

    @property
    def frames(self) -> range:
        """The frames to export."""
        return range(self.start, self.stop)


#: Where the editor keeps the number of local workers (its QSettings).
WORKERS_KEY = "render/workers"


def workers_setting(memory) -> int:
    """The number of local workers the editor renders with, 1 .. the machine's cores: the
    stored setting, else the cores (``os.cpu_count()``; each worker keeps one core busy,
    so more would only contend). ``memory``: the editor's QSettings, or None."""
    cores = os.cpu_count() or 1
    value = memory.value(WORKERS_KEY) if memory is not None else None
    try:
        return min(max(1, int(value)), cores) if value is not None else cores
    except (TypeError, ValueError):
        return cores


def path_for_format(path: str, key: str) -> str:
    """``path`` with the extension of format ``key`` ('.mkv' ...), or none for a folder."""
    if not path:
        return path
    target = Path(path)
    if target.suffix.lower() in _VIDEO_EXTENSIONS:
        target = target.with_suffix("")
    return str(target) + FORMATS_BY_KEY[key].extension


def _output_exists(path: Path) -> bool:
    if path.is_dir():
        return any(path.iterdir())
    return path.exists()


class ExportDialog(QDialog):
    """Asks how to export a clip; ``settings()`` gives the answer once accepted.

    Args:
        parent: parent widget (or None).
        frame_count: frames in the clip (> 0).
        fps: frames per second (for the duration readout).
        has_audio: whether the source has audio that can be copied.
        suggested_path: initial output path (its extension is made to match the format).
        source_path: the source clip, which the output must not replace.
        in_out: (start, stop) of the current in/out range, stop exclusive; the default
            range is the whole clip.
        frame_size: (width, height) of the clip, to refuse odd sizes H.264/ProRes cannot hold.
        settings: a QSettings where the dialog remembers the format, the audio choice and
            the output folder between exports (None: it remembers nothing).
    """

    def __init__(
        self,
        parent: QWidget | None,
        frame_count: int,
        fps: float,
        has_audio: bool,
        suggested_path: str | os.PathLike,
        *,
        source_path: str | os.PathLike | None = None,
        in_out: tuple[int, int] | None = None,
        frame_size: tuple[int, int] | None = None,
        settings=None,
    ):
        super().__init__(parent)
        self._memory = settings
        self.setWindowTitle("Export")
        self._count = max(1, int(frame_count))
        self._fps = float(fps)
        self._has_audio = bool(has_audio)
        self._source = Path(source_path) if source_path is not None else None
        self._frame_size = frame_size
        self._overwrite = False

        self.format_box = QComboBox()
        for fmt in FORMATS:
            self.format_box.addItem(fmt.label, fmt.key)
        self.format_box.setCurrentIndex(self.format_box.findData("mkv"))

        self.start_box = QSpinBox()
        self.end_box = QSpinBox()
        for box in (self.start_box, self.end_box):
            box.setRange(0, self._count - 1)
            box.setAccelerated(True)
        self.start_box.setToolTip("First frame to export (0-based)")
        self.end_box.setToolTip("Last frame to export (included)")
        whole = QPushButton("Whole clip")
        whole.setAutoDefault(False)
        whole.clicked.connect(lambda: self.set_range(0, self._count))
        range_row = QHBoxLayout()
        range_row.addWidget(QLabel("from"))
        range_row.addWidget(self.start_box)
        range_row.addWidget(QLabel("to"))
        range_row.addWidget(self.end_box)
        range_row.addWidget(whole)
        if in_out is not None:
            in_out_button = QPushButton("In to out")
            in_out_button.setAutoDefault(False)
            in_out_button.clicked.connect(lambda: self.set_range(*in_out))
            range_row.addWidget(in_out_button)
        range_row.addStretch(1)
        self.duration_label = QLabel()

        self.audio_box = QCheckBox("Copy the source's audio")

        self.workers_box = QSpinBox()
        self.workers_box.setRange(1, os.cpu_count() or 1)
        self.workers_box.setValue(workers_setting(settings))
        self.workers_box.setToolTip(
            "Worker processes rendering at once on this machine. 1 renders in Keyhue itself; "
            "more start a local render farm (Ray) for the export, which takes a few seconds."
        )
        self.workers_note = QLabel()
        self.workers_note.setEnabled(False)  # drawn dimmed: a remark, not a control
        self.workers_note.setWordWrap(True)
        if not ray_available():
            self.workers_note.setText(f"Renders in Keyhue itself: {INSTALL_HINT}.")

        self.path_edit = QLineEdit(str(suggested_path))
        self.path_edit.setMinimumWidth(380)
        browse = QPushButton("Browse…")
        browse.setAutoDefault(False)
        browse.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(browse)

        form = QFormLayout()
        form.addRow("Format", self.format_box)
        form.addRow("Frames", range_row)
        form.addRow("", self.duration_label)
        form.addRow("Audio", self.audio_box)
        form.addRow("Workers", self.workers_box)
        if self.workers_note.text():
            form.addRow("", self.workers_note)
        form.addRow("Output", path_row)
        self.output_note = QLabel()
        self.output_note.setEnabled(False)  # drawn dimmed: a remark, not a control
        self.output_note.setWordWrap(True)
        form.addRow("", self.output_note)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)

        self.start_box.valueChanged.connect(self._range_edited)
        self.end_box.valueChanged.connect(self._range_edited)
        self.format_box.currentIndexChanged.connect(self._format_changed)
        start, stop = in_out if in_out is not None else (0, self._count)
        self.set_range(start, stop)
        self._format_changed()
        self._recall()

    def _recall(self) -> None:
        """The last export's format, audio choice and folder (same name as suggested)."""
        if self._memory is None:
            return
        key = self._memory.value("export/format")
        if key in FORMATS_BY_KEY:
            self.set_format(key)
        folder = self._memory.value("export/folder")
        if folder and Path(folder).is_dir():
            self.path_edit.setText(str(Path(folder) / Path(self.path_edit.text().strip()).name))
        audio = self._memory.value("export/audio")
        if audio is not None and self.audio_box.isEnabled():
            self.audio_box.setChecked(str(audio).lower() == "true")

    def _remember(self) -> None:
        if self._memory is None:
            return
        chosen = self.settings()
        self._memory.setValue("export/format", chosen.format)
        self._memory.setValue("export/folder", str(chosen.path.parent))
        self._memory.setValue("export/audio", "true" if self.audio_box.isChecked() else "false")
        self._memory.setValue(WORKERS_KEY, chosen.workers)

    # -- state -----------------------------------------------------------------------

    def format_key(self) -> str:
        """The chosen format's key."""
        return self.format_box.currentData()

    def set_format(self, key: str) -> None:
        """Choose format ``key`` (see FORMATS)."""
        self.format_box.setCurrentIndex(self.format_box.findData(key))

    def set_workers(self, workers: int) -> None:
        """Render with ``workers`` local worker processes (1: in this process)."""
        self.workers_box.setValue(int(workers))

    def set_range(self, start: int, stop: int) -> None:
        """Export frames start .. stop-1 (clamped to the clip)."""
        start = min(max(int(start), 0), self._count - 1)
        last = min(max(int(stop) - 1, start), self._count - 1)
        self.start_box.setValue(start)
        self.end_box.setValue(last)

    def settings(self) -> ExportSettings:
        """The export as chosen (``overwrite`` is True once the user agreed to replace)."""
        return ExportSettings(
            path=Path(self.path_edit.text().strip()).expanduser(),
            format=self.format_key(),
            start=self.start_box.value(),
            stop=self.end_box.value() + 1,
            audio=self.audio_box.isEnabled() and self.audio_box.isChecked(),
            overwrite=self._overwrite,
            workers=self.workers_box.value(),
        )

    # -- validation ------------------------------------------------------------------

    def problem(self) -> str | None:
        """Why the export as chosen cannot run (one or two sentences), or None."""
        text = self.path_edit.text().strip()
        if not text:
            return "Choose where to write the export."
        out = Path(text).expanduser()
        fmt = FORMATS_BY_KEY[self.format_key()]
        parent = out.parent
        if not parent.is_dir():
            return f"The folder '{parent}' does not exist. Choose an existing folder or create it first."
        if not os.access(parent, os.W_OK):
            return f"The folder '{parent}' is read-only. Choose a folder you can write to."
        if self._source is not None and (
            out.resolve() == self._source.resolve()
            or (fmt.is_sequence and self._source.resolve().is_relative_to(out.resolve()))
        ):
            return f"'{out.name}' is the source being exported. Choose another name so the source is kept."
        try:
            kind = output_kind(out)
        except InputError as exc:
            return f"{exc}."
        if kind != fmt.kind:
            wanted = "a folder name without extension" if fmt.is_sequence else f"a name ending in {fmt.extension}"
            return f"'{out.name}' does not suit {fmt.label.split(' (')[0]}: give {wanted}."
        if fmt.key in ("mp4", "mov") and self._frame_size is not None:
            width, height = self._frame_size
            if width % 2 or (fmt.key == "mp4" and height % 2):
                return (
                    f"{fmt.label.split(' (')[0]} needs an even frame size, and this clip is "
                    f"{width}x{height}. Choose FFV1 MKV or an image sequence."
                )
        try:
            check_output_path(out, [self._source] if self._source else [], overwrite=True)
        except InputError as exc:
            return f"{exc}."
        return None

    def accept(self) -> None:
        """Validate; ask before replacing an existing output; close if all is well."""
        message = self.problem()
        if message:
            QMessageBox.warning(self, "Cannot export", message)
            return
        out = self.settings().path
        if _output_exists(out):
            what = "folder" if out.is_dir() else "file"
            answer = QMessageBox.question(
                self,
                "Replace existing output?",
                f"The {what} '{out.name}' already exists in '{out.parent}'.\n\n"
                f"Replace it? It is only replaced once the export has finished.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
            self._overwrite = True
        else:
            self._overwrite = False
        self._remember()
        super().accept()

    # -- reactions -------------------------------------------------------------------

    def _range_edited(self) -> None:
        # Keep start <= end whichever box moved.
        if self.sender() is self.start_box and self.end_box.value() < self.start_box.value():
            self.end_box.setValue(self.start_box.value())
        elif self.sender() is self.end_box and self.start_box.value() > self.end_box.value():
            self.start_box.setValue(self.end_box.value())
        frames = self.end_box.value() - self.start_box.value() + 1
        self.duration_label.setText(
            f"{frames} frame{'s' if frames != 1 else ''}, {timecode(frames, self._fps)} "
            f"(from {timecode(self.start_box.value(), self._fps)})"
        )

    def _format_changed(self) -> None:
        fmt = FORMATS_BY_KEY[self.format_key()]
        self.path_edit.setText(path_for_format(self.path_edit.text().strip(), fmt.key))
        if fmt.is_sequence:
            self.output_note.setText("A new folder, one image per frame (frame_000000…); it appears when complete.")
        else:
            self.output_note.setText("Written under a temporary name and renamed when complete.")
        can_audio = self._has_audio and not fmt.is_sequence
        self.audio_box.setEnabled(can_audio)
        self.audio_box.setChecked(can_audio)
        if not self._has_audio:
            self.audio_box.setToolTip("The source has no audio.")
        elif fmt.is_sequence:
            self.audio_box.setToolTip("Image sequences hold no audio; choose a video format to keep it.")
        else:
            self.audio_box.setToolTip("")

    def _browse(self) -> None:
        fmt = FORMATS_BY_KEY[self.format_key()]
        current = self.path_edit.text().strip()
        if fmt.is_sequence:
            caption, file_filter = "Name of the folder to create for the frames", "Folder (*)"
        else:
            caption, file_filter = "Export to", f"{fmt.label} (*{fmt.extension})"
        path, _ = QFileDialog.getSaveFileName(
            self, caption, current, file_filter, options=QFileDialog.Option.DontConfirmOverwrite
        )
        if path:  # the overwrite question is asked once, by accept()
            self.path_edit.setText(path_for_format(path, fmt.key))
