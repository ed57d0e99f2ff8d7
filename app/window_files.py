"""The main window's file commands: opening media and projects (with crash recovery and
moved media), saving, autosave, recent files, drag and drop. A mixin of
:class:`keyhue.window.MainWindow`; the state it touches lives in the window's
:class:`keyhue.session.Session` and :class:`keyhue.document.Document`."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QFileDialog,
)

from colorcore.errors import InputError
from colorcore.guidance.project import PROJECT_SUFFIX, MediaChangedError, MediaMissingError, Project
from colorcore.media import open_clip
from colorcore.media.leftovers import sweep_leftovers
from keyhue.autosave import project_key
from keyhue.dialogs import Button, ask, show_problem
from keyhue.project_io import load_project
from keyhue.result_cache import cache_folder

RECENT_MAX = 10


class FileCommands:
    """Methods of MainWindow (see the module docstring)."""

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
        recovered = self._recover(project)
        self._install(recovered or project, clip, dirty=recovered is not None)
        self._remember_recent(Path(path))
        return True

    def open_project(self, path: str | Path) -> bool:
        """Open a ``.keyhue`` project: recovers autosaved work, offers to locate moved media.
        A damaged project is refused with a dialog; the editor keeps running."""
        if not self._confirm_discard():
            return False
        try:
            project = load_project(path)
        except InputError as exc:
            show_problem(
                self,
                "Cannot open project",
                str(exc),
                "Check that this is a Keyhue project file; your other work is unchanged.",
            )
            return False
        sweep_leftovers([Path(path).parent], temp=False)  # a save killed half-way left a partial file
        recovered = self._recover(project)
        if recovered is not None:
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
        old_key = project_key(project)
        old_cache = self.results.folder
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
        self.autosaves.discard(old_key)
        self.autosaves.discard(project_key(project))
        self.document.mark_saved()
        new_cache = cache_folder(self.cache_dir, project_key(project))
        if new_cache != old_cache:
            self.session.results = self.session.results.moved_to(new_cache)
        self.session.save_index()
        self._remember_recent(path)
        self._update_title()
        self.statusBar().showMessage(f"Saved {path}", 5000)
        return True

    def autosave(self) -> Path | None:
        """Write unsaved work to the autosave folder (not over the project); return the file."""
        if self.document is None or not self.document.is_dirty():
            return None
        try:
            return self.autosaves.write(self.document.project)
        except OSError as exc:
            self.statusBar().showMessage(f"Autosave failed: {exc.strerror or exc}", 8000)
            return None

    def _recover(self, project: Project) -> Project | None:
        """An autosaved version newer than ``project`` the user chose to recover, or None.
        A damaged copy is reported and offered for discard; the saved version opens."""
        candidate = self.autosaves.candidate(project)
        if candidate is None:
            return None
        answer = ask(
            self,
            "Recover unsaved work?",
            f"Keyhue has unsaved work on this {'project' if project.path else 'clip'} from {candidate.stamp} "
            "(Keyhue did not close normally).\n\nRecover it?",
            Button.Yes | Button.No,
            Button.Yes,
        )
        if answer != Button.Yes:
            candidate.path.unlink(missing_ok=True)
            return None
        try:
            return self.autosaves.recover(candidate, project)
        except InputError as exc:
            answer = ask(
                self,
                "Cannot recover",
                f"The autosaved copy is damaged: {exc}\n\nDiscard it? (The last saved version opens either way.)",
                Button.Discard | Button.Cancel,
                Button.Discard,
            )
            if answer == Button.Discard:
                candidate.path.unlink(missing_ok=True)
            return None

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
            self.autosaves.discard(project_key(self.document.project))
            return True
        return False

    def ask_open(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Open project or video",
            self.settings.value("last_folder", ""),
            f"Projects and videos (*{PROJECT_SUFFIX} *.mp4 *.mov *.mkv *.avi *.webm *.mxf);;All files (*)",
        )
        if path:
            self.settings.setValue("last_folder", str(Path(path).parent))
            self.open_path(path)

    def ask_open_folder(self) -> None:
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
