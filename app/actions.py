"""Every command of the editor, declared as data: name, text, keys, icon, tip, handler.

The window builds its QActions, menus and toolbar from :data:`ACTIONS`, :data:`MENUS` and
:data:`TOOLBAR`, so a shortcut is declared once and the shortcut list, the menus and the
tooltips agree. Keys are written out (not Qt's StandardKey, which on some platforms
already holds a second binding: Redo was Ctrl+Shift+Z twice on Linux and so did nothing).
:func:`ambiguous_shortcuts` finds a key bound twice; a test keeps it empty.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ActionSpec:
    """One command.

    Attributes:
        name: the window attribute is ``<name>_action``.
        text: menu text (with & for the mnemonic).
        run: ``run(window)`` for a plain action, ``run(window, checked)`` for a checkable one.
        keys: shortcuts, in QKeySequence's portable text ("Ctrl+Shift+Z").
        icon: theme icon name.
        tip: tooltip (the text without & by default); the keys are appended.
        checkable: a toggle.
        group: checkable actions of one group exclude each other.
    """

    name: str
    text: str
    run: Callable
    keys: tuple[str, ...] = ()
    icon: str | None = None
    tip: str | None = None
    checkable: bool = False
    group: str | None = None


def _on(method: str, *args):
    """run(window[, checked]) calling ``window.<method>(*args)``."""
    return lambda window, *_checked: getattr(window, method)(*args)


def _when_checked(method: str, *args):
    """run(window, checked) calling ``window.<method>(*args)`` when checked."""
    return lambda window, checked: getattr(window, method)(*args) if checked else None


ACTIONS: tuple[ActionSpec, ...] = (
    # File
    ActionSpec("open", "&Open…", _on("ask_open"), ("Ctrl+O",), "open", "Open a project, video file or frame folder"),
    ActionSpec("open_folder", "Open Frame &Folder…", _on("ask_open_folder"), ("Ctrl+Shift+O",)),
    ActionSpec("save", "&Save", _on("save"), ("Ctrl+S",), "save", "Save the project"),
    ActionSpec("save_as", "Save &As…", _on("save_as"), ("Ctrl+Shift+S",)),
    ActionSpec("export", "&Export…", _on("export"), ("Ctrl+E",), "export", "Export the colourised clip"),
    ActionSpec("quit", "&Quit", _on("close"), ("Ctrl+Q",)),
    # Edit
    ActionSpec("undo", "&Undo", _on("undo"), ("Ctrl+Z",), "undo"),
    ActionSpec("redo", "&Redo", _on("redo"), ("Ctrl+Shift+Z", "Ctrl+Y"), "redo"),
    ActionSpec("clear", "Clear Strokes on Frame", _on("clear_frame"), ("Ctrl+Shift+Backspace",)),
    ActionSpec("delete_stroke", "&Delete Selected Stroke", _on("delete_selected_stroke"), ("Delete",)),
    ActionSpec("stroke_colour", "Selected Stroke: Colour", _on("set_selected_kind", "colour"), ("Shift+B",)),
    ActionSpec("stroke_neutral", "Selected Stroke: Neutral", _on("set_selected_kind", "neutral"), ("Shift+N",)),
    ActionSpec("stroke_erase", "Selected Stroke: Eraser", _on("set_selected_kind", "erase"), ("Shift+E",)),
    ActionSpec("brush", "&Brush", _when_checked("set_tool", "brush"), ("B",), "brush", "Colour brush", True, "tool"),
    ActionSpec(
        "eraser",
        "&Eraser",
        _when_checked("set_tool", "eraser"),
        ("E",),
        "eraser",
        "Eraser: removes hints under it",
        True,
        "tool",
    ),
    ActionSpec(
        "neutral",
        "&Neutral",
        _when_checked("set_tool", "neutral"),
        ("N",),
        "neutral",
        "Neutral hint: keep this grey",
        True,
        "tool",
    ),
    ActionSpec(
        "eyedropper",
        "Eye&dropper",
        _when_checked("set_tool", "eyedropper"),
        ("I",),
        "eyedropper",
        "Pick a colour from the picture",
        True,
        "tool",
    ),
    ActionSpec(
        "select",
        "&Select Stroke",
        _when_checked("set_tool", "select"),
        ("V",),
        "select",
        "Click a stroke to select it",
        True,
        "tool",
    ),
    ActionSpec("choose_colour", "Choose &Colour…", _on("choose_colour"), ("C",)),
    ActionSpec("smaller", "Smaller Brush", _on("brush_smaller"), (",",)),
    ActionSpec("larger", "Larger Brush", _on("brush_larger"), (".",)),
    # View
    ActionSpec(
        "show_strokes",
        "Show &Scribbles",
        lambda window, on: window.canvas.set_show_strokes(on),
        ("H",),
        "scribbles",
        "Show or hide scribbles",
        True,
    ),
    ActionSpec(
        "view_grey",
        "&Grey Source",
        _when_checked("set_view", "grey"),
        ("1",),
        "view-grey",
        "View the grey source",
        True,
        "view",
    ),
    ActionSpec(
        "view_colour",
        "&Colour Result",
        _when_checked("set_view", "colour"),
        ("2",),
        "view-colour",
        "View the colour result",
        True,
        "view",
    ),
    ActionSpec(
        "view_split",
        "S&plit Wipe",
        _when_checked("set_view", "split"),
        ("3",),
        "view-split",
        "Split wipe: grey left, colour right",
        True,
        "view",
    ),
    ActionSpec(
        "compare_previous",
        "Compare with &Previous Propagation",
        _when_checked("set_compare", "previous"),
        ("4",),
        None,
        "Wipe: the previous propagation of this frame left, the current result right",
        True,
        "view",
    ),
    ActionSpec(
        "compare_reference",
        "Compare with &Reference Still",
        _when_checked("set_compare", "reference"),
        ("5",),
        None,
        "Wipe: the selected reference still left, the current result right",
        True,
        "view",
    ),
    ActionSpec("fit", "Zoom to &Fit", lambda w: w.canvas.fit(), ("Ctrl+0", "F"), "zoom-fit"),
    ActionSpec("actual", "Zoom &100%", lambda w: w.canvas.actual_size(), ("Ctrl+1",), "zoom-100"),
    ActionSpec("zoom_in", "Zoom &In", lambda w: w.canvas.zoom_by(1.25), ("Ctrl++", "Ctrl+=")),
    ActionSpec("zoom_out", "Zoom &Out", lambda w: w.canvas.zoom_by(0.8), ("Ctrl+-",)),
    # Frame
    ActionSpec("play", "&Play", lambda w: w.timeline.toggle_playback(), ("Space",), "play", "Play / pause"),
    ActionSpec("next_frame", "Next Frame", _on("step", 1), ("Right",)),
    ActionSpec("previous_frame", "Previous Frame", _on("step", -1), ("Left",)),
    ActionSpec("first_frame", "First Frame", _on("go_to", 0), ("Home",)),
    ActionSpec("last_frame", "Last Frame", _on("go_to_end"), ("End",)),
    ActionSpec("next_key", "Next &Keyframe", lambda w: w.timeline.next_keyframe(), ("Down", "]"), "keyframe-next"),
    ActionSpec(
        "previous_key",
        "Previous K&eyframe",
        lambda w: w.timeline.previous_keyframe(),
        ("Up", "["),
        "keyframe-previous",
    ),
    # Colour
    ActionSpec(
        "propagate",
        "&Propagate",
        _on("propagate"),
        ("Ctrl+P",),
        "propagate",
        "Colour the frames that need it from the keyframes",
    ),
    ActionSpec("propagate_shot", "Propagate &Shot", _on("propagate_shot"), ("Ctrl+Shift+P",)),
    ActionSpec("cancel", "Cancel Propagation", _on("cancel_propagation"), ("Esc",)),
    ActionSpec(
        "learn_film",
        "&Learn This Film",
        _on("learn_film"),
        ("Ctrl+L",),
        tip="Adapt the deep network to this film's keyframes, references and exemplars",
    ),
)

#: Menu title -> action names; "-" is a separator, "@name" a submenu the window fills.
MENUS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("&File", ("open", "open_folder", "@recent", "-", "save", "save_as", "-", "export", "-", "quit")),
    (
        "&Edit",
        (
            "undo",
            "redo",
            "-",
            "brush",
            "eraser",
            "neutral",
            "eyedropper",
            "select",
            "choose_colour",
            "smaller",
            "larger",
            "-",
            "delete_stroke",
            "stroke_colour",
            "stroke_neutral",
            "stroke_erase",
            "clear",
        ),
    ),
    (
        "&View",
        (
            "view_grey",
            "view_colour",
            "view_split",
            "compare_previous",
            "compare_reference",
            "-",
            "show_strokes",
            "-",
            "fit",
            "actual",
            "zoom_in",
            "zoom_out",
            "-",
            "@docks",
        ),
    ),
    (
        "F&rame",
        ("play", "next_frame", "previous_frame", "first_frame", "last_frame", "next_key", "previous_key"),
    ),
    ("&Colour", ("propagate", "propagate_shot", "cancel", "learn_film", "-", "@settings")),
    ("&Help", ("@help",)),
)

TOOLBAR: tuple[str, ...] = (
    "open",
    "save",
    "-",
    "undo",
    "redo",
    "-",
    "brush",
    "eraser",
    "neutral",
    "eyedropper",
    "select",
    "show_strokes",
    "-",
    "view_grey",
    "view_colour",
    "view_split",
    "-",
    "fit",
    "actual",
    "-",
    "previous_key",
    "play",
    "next_key",
    "-",
    "propagate",
    "export",
)

#: Render settings offered in the Colour menu: key, menu title, (value, text)...
SETTINGS: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    (
        "solver",
        "&Solver",
        (("fast", "Fast (multigrid)"), ("exact", "Exact (reference, slow)"), ("deep", "Deep network (learned)")),
    ),
    ("device", "&Device", (("auto", "Automatic"), ("cpu", "CPU"), ("cuda", "GPU (CUDA)"))),
)


def ambiguous_shortcuts(bindings: list[tuple[str, str]]) -> list[str]:
    """Keys bound more than once among (keys, action name) pairs (keys as portable text)."""
    counts = Counter(keys for keys, _ in bindings)
    return sorted(k for k, n in counts.items() if n > 1)
