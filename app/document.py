"""The open project as the editor sees it: a :class:`colorcore.project.Project` plus its
undo stack. Every change to the guidance goes through an undoable command here, so undo
and redo cover every edit and the window only listens to ``changed``.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from colorcore.guidance.hints import Stroke
from colorcore.guidance.project import Project
from colorcore.guidance.references import Exemplar, Reference


class Document(QObject):
    """A project being edited.

    Signals:
        changed(list): the frames whose guidance changed (strokes or references); an
            empty list when something that concerns every frame changed (exemplars,
            settings).
        gradeChanged(int, int): the grade of frames start..stop-1 changed (a grade applies
            after propagation: nothing needs propagating again).
    """

    changed = Signal(list)
    gradeChanged = Signal(int, int)

    def __init__(self, project: Project, parent: QObject | None = None):
        super().__init__(parent)
        self.project = project
        self.undo = QUndoStack(self)

    def is_dirty(self) -> bool:
        """True when there are edits since the last save (or since opening)."""
        return not self.undo.isClean()

    def mark_saved(self) -> None:
        """Record that the project on disk matches this state."""
        self.undo.setClean()

    def strokes_on(self, frame: int) -> list[Stroke]:
        """The strokes of ``frame`` in painting order."""
        return [s for s in self.project.hints.strokes if s.frame == frame]

    # -- edits ------------------------------------------------------------------------

    def add_stroke(self, stroke: Stroke) -> None:
        """Append a stroke (undoable)."""
        names = {"colour": "Paint", "neutral": "Neutral hint", "erase": "Erase"}
        self.undo.push(
            _ListEdit(self, names[stroke.kind], self.project.hints.strokes, add=[stroke], frames=[stroke.frame])
        )

    def remove_stroke(self, stroke: Stroke) -> None:
        """Delete one stroke (undoable)."""
        self.undo.push(
            _ListEdit(self, "Delete stroke", self.project.hints.strokes, remove=[stroke], frames=[stroke.frame])
        )

    def edit_stroke(self, stroke: Stroke, **changes) -> Stroke:
        """Replace ``stroke`` by a copy with ``changes`` (color, width, kind...) in the same
        place of the painting order (undoable); returns the new stroke."""
        import dataclasses

        new = dataclasses.replace(stroke, **changes)
        self.undo.push(
            _ListEdit(self, "Edit stroke", self.project.hints.strokes, replace={id(stroke): new}, frames=[stroke.frame])
        )
        return new

    def clear_strokes(self, frame: int) -> None:
        """Remove every stroke of ``frame`` (undoable)."""
        strokes = self.strokes_on(frame)
        if strokes:
            self.undo.push(_ListEdit(self, "Clear strokes", self.project.hints.strokes, remove=strokes, frames=[frame]))

    def set_reference(self, frame: int, rgb: np.ndarray, source: str) -> None:
        """Make ``rgb`` (HxWx3, the clip's size and dtype) the aligned reference of ``frame``,
        replacing any it had (undoable)."""
        old = [r for r in self.project.references if r.frame == frame]
        new = Reference(frame=frame, rgb=rgb, source=source)
        self.undo.push(_ListEdit(self, "Set reference", self.project.references, add=[new], remove=old, frames=[frame]))

    def remove_reference(self, reference: Reference) -> None:
        """Remove an aligned reference (undoable)."""
        self.undo.push(
            _ListEdit(self, "Remove reference", self.project.references, remove=[reference], frames=[reference.frame])
        )

    def add_exemplar(self, rgb: np.ndarray, source: str, frames: tuple[int, int] | None = None) -> None:
        """Add a colour photograph that guides ``frames`` (None: the whole clip) (undoable)."""
        exemplar = Exemplar(rgb=rgb, frames=frames, source=source)
        self.undo.push(_ListEdit(self, "Add exemplar", self.project.exemplars, add=[exemplar], frames=[]))

    def set_setting(self, key: str, value) -> None:
        """Change one of the project's render settings, e.g. "solver" (undoable)."""
        if self.project.settings.get(key) != value:
            self.undo.push(_SettingEdit(self, key, value))

    def set_grade(self, start: int, stop: int, saturation: float, hue: float) -> None:
        """Grade the shot start..stop-1 (undoable; consecutive changes of one shot's grade,
        as a slider moves, merge into one undo step)."""
        from colorcore.grade import ShotGrade

        grade = ShotGrade(int(start), int(stop), float(saturation), float(hue))
        old = [g for g in self.project.grades if (g.start, g.stop) == (grade.start, grade.stop)]
        add = [] if grade.is_identity() else [grade]
        if old == add:
            return
        self.undo.push(_GradeEdit(self, grade, add, old))

    def grade_of(self, start: int, stop: int):
        """The grade of shot start..stop-1, or None."""
        found = [g for g in self.project.grades if (g.start, g.stop) == (start, stop)]
        return found[-1] if found else None

    def set_swatch(self, name: str, rgb: tuple[float, float, float]) -> list[int]:
        """Add palette colour ``name`` or change it to ``rgb`` (0..1); every stroke using it
        is recoloured, across the film, in one undoable edit. Returns the frames changed."""
        import dataclasses

        rgb = tuple(float(v) for v in rgb)
        strokes = self.project.hints.strokes
        replace = {id(s): dataclasses.replace(s, color=rgb) for s in strokes if s.swatch == name}
        frames = sorted({s.frame for s in strokes if s.swatch == name})
        self.undo.push(_SwatchEdit(self, name, rgb, replace, frames))
        return frames

    def remove_exemplar(self, exemplar: Exemplar) -> None:
        """Remove an exemplar (undoable)."""
        self.undo.push(_ListEdit(self, "Remove exemplar", self.project.exemplars, remove=[exemplar], frames=[]))


class _ListEdit(QUndoCommand):
    """Adds and removes items of one of the project's lists; undo restores the list."""

    def __init__(self, document: Document, text: str, items: list, *, add=(), remove=(), replace=None, frames=()):
        super().__init__(text)
        self.document, self.items, self.frames = document, items, list(frames)
        self.add, self.remove = list(add), list(remove)
        self.replace = dict(replace or {})  # id(old item) -> new item, kept in place
        self.before: list | None = None

    def redo(self):
        self.before = list(self.items)
        removed = {id(x) for x in self.remove}
        kept = [self.replace.get(id(x), x) for x in self.items if id(x) not in removed]
        self.items[:] = kept + self.add
        self.document.changed.emit(self.frames)

    def undo(self):
        self.items[:] = self.before
        self.document.changed.emit(self.frames)


class _SettingEdit(QUndoCommand):
    """Sets one key of the project's settings; undo restores the old value."""

    def __init__(self, document: Document, key: str, value):
        super().__init__(f"Set {key}")
        self.document, self.key, self.value = document, key, value
        self.old = document.project.settings.get(key)

    def redo(self):
        self.document.project.settings[self.key] = self.value
        self.document.changed.emit([])

    def undo(self):
        self.document.project.settings[self.key] = self.old
        self.document.changed.emit([])


class _GradeEdit(QUndoCommand):
    """Replaces one shot's grade; successive edits of the same shot merge."""

    ID = 1001

    def __init__(self, document: Document, grade, add: list, remove: list):
        super().__init__("Grade shot")
        self.document, self.span = document, (grade.start, grade.stop)
        self.before = list(document.project.grades)
        self.after = [g for g in self.before if (g.start, g.stop) != self.span] + add

    def id(self):
        return self.ID

    def mergeWith(self, other):
        if not isinstance(other, _GradeEdit) or other.span != self.span:
            return False
        self.after = other.after
        return True

    def redo(self):
        self.document.project.grades[:] = self.after
        self.document.gradeChanged.emit(*self.span)

    def undo(self):
        self.document.project.grades[:] = self.before
        self.document.gradeChanged.emit(*self.span)


class _SwatchEdit(QUndoCommand):
    """Sets one palette colour and recolours the strokes that use it; undo restores both."""

    def __init__(self, document: Document, name: str, rgb, replace: dict, frames: list[int]):
        super().__init__(f"Swatch {name}")
        self.document, self.name, self.rgb, self.frames = document, name, rgb, frames
        self.old = document.project.palette.get(name)
        self.strokes = _ListEdit(document, "", document.project.hints.strokes, replace=replace, frames=frames)

    def redo(self):
        self.document.project.palette[self.name] = self.rgb
        self.strokes.redo()  # emits changed(frames): those frames go stale

    def undo(self):
        if self.old is None:
            self.document.project.palette.pop(self.name, None)
        else:
            self.document.project.palette[self.name] = self.old
        self.strokes.undo()
