"""Crash recovery: copies of unsaved work in an autosave folder, and finding them again.

One file per project (or per clip not yet saved as a project), named by a hash of the
project's path (or the media's), so reopening the same thing finds its copy. The editor
writes it on a timer while there are unsaved edits and deletes it on save or discard.
Qt-free; :class:`keyhue.window.MainWindow` asks the questions.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

from colorcore.guidance.project import PROJECT_SUFFIX, Project
from colorcore.media.images import write_bytes_atomic
from keyhue.project_io import load_project


def project_key(project: Project) -> str:
    """What identifies ``project``'s autosave: its path, or its media's before a first save."""
    return str(project.path) if project.path is not None else str(project.media.path)


@dataclass(frozen=True)
class Candidate:
    """An autosaved copy newer than what is on disk."""

    path: Path
    stamp: str  # when it was written, "YYYY-MM-DD HH:MM"


class Autosave:
    """The autosave folder.

    Args:
        folder: where the copies live (created on the first write).
    """

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def path_for(self, key: str) -> Path:
        """The copy's file for ``key`` (see :func:`project_key`)."""
        return self.folder / (hashlib.sha1(key.encode()).hexdigest()[:16] + PROJECT_SUFFIX)

    def write(self, project: Project) -> Path:
        """Write ``project`` atomically as its autosave copy; returns the file.

        The media path is stored absolute, since the copy lives elsewhere than the project.

        Raises:
            OSError: the folder cannot be written.
        """
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.path_for(project_key(project))
        write_bytes_atomic(target, project.to_json(None).encode("utf-8"))
        return target

    def discard(self, key: str) -> None:
        """Delete the copy for ``key`` if there is one."""
        self.path_for(key).unlink(missing_ok=True)

    def candidate(self, project: Project) -> Candidate | None:
        """A copy of ``project`` newer than its saved file, or None. A copy older than the
        saved project is stale and deleted."""
        path = self.path_for(project_key(project))
        if not path.exists():
            return None
        saved = project.path
        if saved is not None and saved.exists() and path.stat().st_mtime <= saved.stat().st_mtime:
            path.unlink(missing_ok=True)
            return None
        return Candidate(path, time.strftime("%Y-%m-%d %H:%M", time.localtime(path.stat().st_mtime)))

    @staticmethod
    def recover(candidate: Candidate, project: Project) -> Project:
        """The copy's project, standing in for ``project`` (same path).

        Raises:
            InputError: the copy is damaged (any error while reading it is reported so:
                a damaged copy is offered for discard, never crashed on).
        """
        recovered = load_project(candidate.path)
        recovered.path = project.path
        return recovered
