"""The main window's painting commands: tools, strokes and their selection, colours
(luminance-aware picker, palette swatches), undo, references and exemplars. A mixin of
:class:`keyhue.window.MainWindow`; every edit goes through the window's
:class:`keyhue.document.Document`."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from PySide6.QtGui import QColor

from colorcore.guidance.hints import Stroke
from keyhue import network_suggestion
from keyhue.dialogs import show_problem
from keyhue.imaging import to_dtype
from keyhue.picker import LumaPicker
from keyhue.reference_placer import ReferencePlacer

_TOOL_KIND = {"brush": "colour", "eraser": "erase", "neutral": "neutral"}


class PaintCommands:
    """Methods of MainWindow (see the module docstring)."""

    def set_tool(self, tool: str) -> None:
        """Choose the canvas tool: 'brush', 'eraser', 'neutral', 'eyedropper' or 'select'."""
        self.canvas.set_tool(tool)
        self.tool_actions[tool].setChecked(True)

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
            swatch=self.active_swatch if tool == "brush" else None,
        )
        self.document.add_stroke(stroke)
        if tool == "brush":
            self.brush.remember(colour)

    def _stroke_clicked(self, index: int) -> None:
        self.canvas.select_stroke(index if index >= 0 else None)
        if index >= 0:
            stroke = self.document.strokes_on(self.frame)[index]
            self.statusBar().showMessage(
                f"Stroke {index + 1} of frame {self.frame}: {stroke.kind}, width {stroke.width:.0f}; "
                "Delete removes it, choosing a colour recolours it",
                8000,
            )

    def selected_stroke(self) -> Stroke | None:
        """The stroke selected on the canvas, or None."""
        index = self.canvas.selected
        strokes = self.document.strokes_on(self.frame) if self.document is not None else []
        return strokes[index] if index is not None and index < len(strokes) else None

    def delete_selected_stroke(self) -> None:
        """Delete the selected stroke (undoable)."""
        stroke = self.selected_stroke()
        if stroke is not None:
            self.canvas.select_stroke(None)
            self.document.remove_stroke(stroke)

    def choose_colour(self) -> None:
        """The luminance-aware picker at the pixel last under the pointer (the frame's
        centre before any); with a stroke selected, its colour changes too (undoable)."""
        dialog = self.open_picker(*self._last_pixel) if self.grey is not None else None
        if dialog is None:
            self.brush.choose_rgb()
            return
        if dialog.exec() == LumaPicker.DialogCode.Accepted and dialog.chosen is not None:
            self.brush.set_colour(QColor.fromRgbF(*dialog.chosen))
        dialog.deleteLater()  # and with it its wait for the network's suggestion

    def open_picker(self, x: int, y: int) -> LumaPicker | None:
        """A luminance-aware picker (not yet shown) for frame pixel (x, y), with suggestions
        from the current result, the frame's reference, the exemplars matched there, the
        deep network (filled in when its prediction for this frame is ready) and the
        recent colours."""
        if self.grey is None:
            return None
        height, width = self.grey.shape
        x, y = min(max(int(x), 0), width - 1), min(max(int(y), 0), height - 1)
        top = np.iinfo(self.grey.dtype).max
        luma = float(self.grey[y, x]) / top
        suggestions = []
        rgb = self.current_colour()
        if rgb is not None:
            suggestions.append(("Current result", tuple(float(v) / top for v in rgb[y, x])))
        project = self.document.project
        reference = project.guidance().reference_at(self.frame)
        if reference is not None:
            ref_top = np.iinfo(reference.rgb.dtype).max
            suggestions.append(("Reference", tuple(float(v) / ref_top for v in reference.rgb[y, x])))
        suggestions += self._exemplar_suggestions(x, y)
        key = self._network_key(project)
        kept = self.network_suggestions.kept(key) if key is not None else None
        network = network_suggestion.LABEL
        if kept is not None:
            chroma, adapted = kept
            network = network_suggestion.ADAPTED_LABEL if adapted else network
            suggestions.append((network, network_suggestion.suggestion_at(chroma, luma, x, y)))
        elif key is not None:
            suggestions.append((network, None))  # a placeholder until it is predicted
        for n, colour in enumerate(self.brush.recent[:6]):
            suggestions.append((f"Recent {n + 1}", (colour.redF(), colour.greenF(), colour.blueF())))
        colour = self.brush.colour
        dialog = LumaPicker(luma, suggestions, (colour.redF(), colour.greenF(), colour.blueF()), self)
        if key is not None:
            dialog.suggestion_button(network).setToolTip(network_suggestion.TIP)
        if key is not None and kept is None:
            delivery = network_suggestion.Delivery(dialog, key, x, y)
            self.network_suggestions.ready.connect(delivery.deliver)
            self.network_suggestions.request(key, self.grey, project, self.frame)
        return dialog

    def _network_key(self, project) -> str | None:
        """The key of the current frame's network prediction; None without torch or weights
        (then the picker has no network suggestion)."""
        if not network_suggestion.network_usable(project):
            return None
        return self.network_suggestions.key(self.grey, project, self.frame)

    def _exemplar_suggestions(self, x: int, y: int) -> list:
        """The colour each exemplar's match gives pixel (x, y) of the current frame."""
        from colorcore.colorspace import YIQ_TO_RGB

        exemplars = [e for e in self.document.project.exemplars if e.applies_to(self.frame)]
        if not exemplars:
            return []
        out = []
        top = np.iinfo(self.grey.dtype).max
        luma = self.grey.astype(np.float32) / top
        for n, (_, matcher) in enumerate(self.preview._matchers_for(exemplars)):
            chroma, confidence = matcher.match(luma)
            if confidence[y, x] > 0.05:
                yiq = np.array([luma[y, x], *chroma[y, x]])
                rgb = np.clip(YIQ_TO_RGB @ yiq, 0, 1)
                out.append((f"Exemplar {n + 1}", tuple(float(v) for v in rgb)))
        return out

    def brush_smaller(self) -> None:
        self.brush.set_size(self.brush.size / 1.25)

    def brush_larger(self) -> None:
        self.brush.set_size(self.brush.size * 1.25 + 0.5)

    def add_swatch(self, name: str) -> None:
        """A new palette colour ``name``, the brush's colour (undoable); painting uses it."""
        if self.document is None:
            return
        colour = self.brush.colour
        self.document.set_swatch(name, (colour.redF(), colour.greenF(), colour.blueF()))
        self.palette.choose(name)

    def recolour_swatch(self, name: str) -> list[int]:
        """Give swatch ``name`` the brush's colour: every stroke using it, in every frame,
        changes in one undoable edit. Returns the frames changed."""
        if self.document is None:
            return []
        colour = self.brush.colour
        return self.document.set_swatch(name, (colour.redF(), colour.greenF(), colour.blueF()))

    def _swatch_chosen(self, name: str) -> None:
        self.active_swatch = name or None
        if self.active_swatch and self.document is not None:
            rgb = self.document.project.palette.get(self.active_swatch)
            if rgb is not None:
                self._setting_swatch_colour = True
                self.brush.set_colour(QColor.fromRgbF(*rgb))
                self._setting_swatch_colour = False

    def _refresh_palette(self) -> None:
        if self.document is None:
            self.palette.set_palette({}, {})
            return
        uses: dict[str, int] = {}
        for stroke in self.document.project.hints.strokes:
            if stroke.swatch is not None:
                uses[stroke.swatch] = uses.get(stroke.swatch, 0) + 1
        self.palette.set_palette(self.document.project.palette, uses)

    def _colour_picked(self, rgb: tuple) -> None:
        self.brush.set_colour(QColor.fromRgbF(*rgb))
        if self.canvas.tool == "eyedropper":
            self.set_tool("brush")

    def _brush_colour_changed(self, colour: QColor) -> None:
        self.canvas.brush_colour = colour
        self.canvas.update()
        if not getattr(self, "_setting_swatch_colour", False) and self.active_swatch is not None:
            # A colour chosen by hand is not the swatch's: new strokes no longer use it.
            self.palette.choose(None)
        stroke = self.selected_stroke()
        if stroke is not None and stroke.kind == "colour":
            from_swatch = getattr(self, "_setting_swatch_colour", False)
            self.document.edit_stroke(
                stroke,
                color=(colour.redF(), colour.greenF(), colour.blueF()),
                swatch=self.active_swatch if from_swatch else None,
            )

    def _brush_size_changed(self, size: float) -> None:
        self.canvas.brush_size = size
        self.canvas.update()
        stroke = self.selected_stroke()
        if stroke is not None and abs(stroke.width - size) > 1e-6:
            self.document.edit_stroke(stroke, width=float(size))

    def set_selected_kind(self, kind: str) -> None:
        """Make the selected stroke 'colour', 'neutral' or 'erase' (undoable)."""
        stroke = self.selected_stroke()
        if stroke is not None and stroke.kind != kind:
            self.document.edit_stroke(stroke, kind=kind)

    def _brush_hardness_changed(self, hardness: float) -> None:
        self.canvas.brush_hardness = hardness

    def undo(self) -> None:
        """Undo the last edit."""
        if self.document is not None:
            self._pen_up = time.perf_counter()
            self.document.undo.undo()

    def redo(self) -> None:
        """Redo the last undone edit."""
        if self.document is not None:
            self._pen_up = time.perf_counter()
            self.document.undo.redo()

    def clear_frame(self) -> None:
        """Remove every stroke of the current frame (undoable)."""
        if self.document is not None:
            self.document.clear_strokes(self.frame)

    def assign_reference(self, rgb: np.ndarray, source: str) -> bool:
        """Make ``rgb`` the current frame's aligned reference (undoable). A reference of
        another size is placed first (scale, crop, offset over an onion skin, from an
        automatic alignment: :class:`keyhue.reference_placer.ReferencePlacer`)."""
        if self.document is None:
            show_problem(
                self, "No clip open", "A reference belongs to a frame of a clip.", "Open a video or a project first."
            )
            return False
        height, width = rgb.shape[:2]
        if (width, height) != (self.clip.width, self.clip.height):
            placer = self.open_placer(rgb, source)
            if placer.exec() != ReferencePlacer.DialogCode.Accepted:
                return False
            rgb = placer.placed()
        self.document.set_reference(self.frame, to_dtype(rgb, self.clip.dtype), source)
        return True

    def open_placer(self, rgb: np.ndarray, source: str) -> ReferencePlacer:
        """A dialog (not yet shown) placing ``rgb`` (any size) on the current frame, started
        from the automatic alignment."""
        return ReferencePlacer(self.grey, to_dtype(rgb, self.clip.dtype), Path(source).name or "reference", self)

    def add_exemplar(self, rgb: np.ndarray, source: str, shot_only: bool = False) -> bool:
        """Add ``rgb`` as an exemplar for the whole clip, or for the current shot only."""
        if self.document is None:
            show_problem(
                self, "No clip open", "An exemplar guides the frames of a clip.", "Open a video or a project first."
            )
            return False
        frames = self.shot_range() if shot_only else None
        self.document.add_exemplar(to_dtype(rgb, self.clip.dtype), source, frames)
        return True

    def shot_range(self) -> tuple[int, int]:
        """(start, stop) of the shot holding the current frame, from the cuts found so far."""
        return self.session.shot_range(self.frame)

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
