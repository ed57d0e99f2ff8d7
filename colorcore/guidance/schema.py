"""The schema of a ``.keyhue`` project file: every field checked before anything is built.

:func:`parse_project_text` turns the file's text into checked data, and
:func:`validate_project_data` checks data already parsed. Either raises
:class:`colorcore.errors.InputError` with one line that names the first bad field::

    project field 'hints.strokes[3].width': must be a finite number > 0, not inf

What is checked (version 1; see colorcore.guidance.project for the layout):

- types (an object, a list, a whole number, a finite number, text), with no JSON
  ``true``/``false`` where a number is wanted;
- ranges: frame indices inside the clip, sizes 1..MAX_SIDE pixels a side and at most
  MAX_PIXELS (colorcore.media.limits), colours and hardness in 0..1, widths and
  coordinates finite and bounded, exemplar ranges ``[start, stop]`` with start < stop;
- sizes: at most MAX_STROKES strokes, MAX_POINTS points per stroke, MAX_IMAGES
  embedded images, each at most MAX_IMAGE_TEXT characters of base64 (its pixel size is
  checked from the PNG header when it is decoded, before any pixel is allocated);
- enumerations: stroke kinds, and the settings ``solver`` (exact, fast, deep),
  ``device`` (auto, cpu, cuda) and ``image_format`` (png, tiff); other settings are
  kept as they are if they are plain JSON of small depth and size;
- JSON itself: numbers of more than 30 digits, NaN and Infinity, and nesting deeper
  than MAX_DEPTH are refused.

Older versions are migrated by :data:`MIGRATIONS` (version -> function giving the next
version's data); a newer version than this Keyhue reads is refused with a message that
says to update.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import NoReturn

from colorcore.errors import InputError
from colorcore.media.limits import MAX_PIXELS, MAX_SIDE

PROJECT_FORMAT = "keyhue-project"
PROJECT_VERSION = 1
HINTS_VERSION = 1

SOLVERS = ("exact", "fast", "deep")
DEVICES = ("auto", "cpu", "cuda")
IMAGE_FORMATS = ("png", "tiff")
STROKE_KINDS = ("colour", "neutral", "erase")

MAX_DEPTH = 32
MAX_FRAMES = 100_000_000
MAX_STROKES = 1_000_000
MAX_POINTS = 1_000_000
MAX_IMAGES = 10_000
MAX_IMAGE_TEXT = 256 * 2**20
MAX_TEXT = 4096
MAX_COORDINATE = 1e7
MAX_SETTINGS_BYTES = 64 * 1024
_MAX_DIGITS = 30

#: version -> function turning that version's data into the next version's (none yet:
#: version 1 is the first; files without a 'bit_depth' or hints 'version' get defaults).
MIGRATIONS: dict[int, Callable[[dict], dict]] = {}


class _HugeNumber:
    """A JSON integer with too many digits to be any field's value (kept to name it)."""

    def __init__(self, digits: int):
        self.digits = digits

    def __repr__(self) -> str:
        return f"a {self.digits}-digit number"


def _parse_int(text: str):
    return _HugeNumber(len(text)) if len(text) > _MAX_DIGITS else int(text)


def _parse_float(text: str):
    return _HugeNumber(len(text)) if len(text) > 4 * _MAX_DIGITS else float(text)


def parse_project_text(text: str, name: str = "the project file") -> dict:
    """Parse and check a project file's text; return data at the current version.

    Args:
        text: the file's content.
        name: how to name the file in messages (e.g. "'film.keyhue'").

    Raises:
        InputError: not JSON, nested too deeply, or any field invalid (see the module
            docstring); one line.
    """
    depth = _max_depth(text)
    if depth > MAX_DEPTH:
        raise InputError(f"{name} is damaged: its JSON is nested {depth} levels deep (at most {MAX_DEPTH})")
    try:
        data = json.loads(text, parse_int=_parse_int, parse_float=_parse_float)
    except json.JSONDecodeError as exc:
        raise InputError(f"{name} is damaged: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except (ValueError, RecursionError) as exc:
        raise InputError(f"{name} is damaged: not valid JSON ({_short(str(exc))})") from None
    return validate_project_data(data)


def _max_depth(text: str) -> int:
    # Counted on the text, outside strings, so that json never recurses deeper than this.
    stripped = re.sub(r'"(?:[^"\\]|\\.)*"', '""', text)
    depth = deepest = 0
    for char in re.findall(r"[\[\]{}]", stripped):
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def validate_project_data(data) -> dict:
    """Check parsed project data; return it migrated to the current version.

    Missing optional fields are filled with their defaults (``bit_depth`` 8, empty hints,
    references, exemplars, the default settings), so that the result can be built into a
    :class:`colorcore.guidance.project.Project` without further checks.

    Raises:
        InputError: "project field 'PATH': what it must be, not what it is" (one line),
            or a newer version, or not a Keyhue project.
    """
    if not isinstance(data, dict) or data.get("format") != PROJECT_FORMAT:
        raise InputError("not a Keyhue project file (no 'keyhue-project' format marker)")
    version = _integer(data.get("version"), "version", 0, 10**6)
    if version > PROJECT_VERSION:
        raise InputError(
            f"this project was saved by a newer Keyhue (format {version}; this one reads up to "
            f"{PROJECT_VERSION}); update Keyhue to open it"
        )
    while version < PROJECT_VERSION:
        if version not in MIGRATIONS:
            raise InputError(f"project format {version} is not supported (this Keyhue reads 1..{PROJECT_VERSION})")
        data = MIGRATIONS[version](data)
        version += 1
    out = {"format": PROJECT_FORMAT, "version": PROJECT_VERSION}
    source = _object(data.get("source"), "source")
    out["source"] = src = {
        "path": _text(source.get("path"), "source.path", allow_empty=False),
        "size": _integer(source.get("size"), "source.size", 0, 2**62),
        "hash": _hash(source.get("hash"), "source.hash"),
        "frames": _integer(source.get("frames"), "source.frames", 1, MAX_FRAMES),
        "width": _integer(source.get("width"), "source.width", 1, MAX_SIDE),
        "height": _integer(source.get("height"), "source.height", 1, MAX_SIDE),
        "fps": _fps(source.get("fps"), "source.fps"),
        "bit_depth": _choice(source.get("bit_depth", 8), "source.bit_depth", (8, 16)),
    }
    if src["width"] * src["height"] > MAX_PIXELS:
        size = f"{src['width']}x{src['height']}"
        _fail("source", f"frames of at most {MAX_PIXELS // 2**20} megapixels", None, size)
    frames = src["frames"]
    hints = data.get("hints")
    out["hints"] = (
        {"version": HINTS_VERSION, "canvas_size": [src["width"], src["height"]], "strokes": [], "rasters": []}
        if hints is None
        else _hints(hints, frames)
    )
    out["references"] = [
        {
            "frame": _integer(r.get("frame"), f"references[{i}].frame", 0, frames - 1),
            "png": _image_text(r.get("png"), f"references[{i}].png"),
            "source": _text(r.get("source", ""), f"references[{i}].source"),
        }
        for i, r in _objects(data.get("references", []), "references", MAX_IMAGES)
    ]
    out["exemplars"] = [
        {
            "frames": _frame_span(e.get("frames"), f"exemplars[{i}].frames", frames),
            "png": _image_text(e.get("png"), f"exemplars[{i}].png"),
            "source": _text(e.get("source", ""), f"exemplars[{i}].source"),
        }
        for i, e in _objects(data.get("exemplars", []), "exemplars", MAX_IMAGES)
    ]
    out["settings"] = _settings(data.get("settings", {}))
    out["grades"] = [
        {
            "frames": _grade_span(g.get("frames"), f"grades[{i}].frames", frames),
            "saturation": _number(g.get("saturation", 1.0), f"grades[{i}].saturation", 0.0, 4.0),
            "hue": _number(g.get("hue", 0.0), f"grades[{i}].hue", -180.0, 180.0),
        }
        for i, g in _objects(data.get("grades", []), "grades", MAX_IMAGES)
    ]
    palette = _object(data.get("palette", {}), "palette")
    if len(palette) > MAX_IMAGES:
        _fail("palette", f"at most {MAX_IMAGES} colours", None, f"{len(palette)}")
    out["palette"] = {
        _text(name, "palette", allow_empty=False): [
            _number(c, f"palette.{_short(name)}[{k}]", 0.0, 1.0)
            for k, c in enumerate(_list(rgb, f"palette.{_short(name)}", 3, 3))
        ]
        for name, rgb in palette.items()
    }
    return out


def _grade_span(value, where: str, frames: int) -> list[int]:
    """[start, stop] of a grade: 0 <= start < stop <= frames."""
    span = _list(value, where, 2, 2)
    start = _integer(span[0], f"{where}[0]", 0, frames - 1)
    stop = _integer(span[1], f"{where}[1]", start + 1, frames)
    return [start, stop]


def _hints(value, frames: int) -> dict:
    hints = _object(value, "hints")
    version = _integer(hints.get("version", HINTS_VERSION), "hints.version", 1, 10**6)
    if version > HINTS_VERSION:
        _fail("hints.version", f"at most {HINTS_VERSION} (update Keyhue to open this project)", version)
    size = _list(hints.get("canvas_size"), "hints.canvas_size", 2, 2)
    canvas = [_integer(v, f"hints.canvas_size[{k}]", 1, MAX_SIDE) for k, v in enumerate(size)]
    if canvas[0] * canvas[1] > MAX_PIXELS:
        _fail("hints.canvas_size", f"at most {MAX_PIXELS // 2**20} megapixels", None, f"{canvas[0]}x{canvas[1]}")
    strokes = []
    for i, stroke in _objects(hints.get("strokes", []), "hints.strokes", MAX_STROKES):
        where = f"hints.strokes[{i}]"
        points = _list(stroke.get("points"), f"{where}.points", 1, MAX_POINTS)
        strokes.append(
            {
                "frame": _integer(stroke.get("frame", 0), f"{where}.frame", 0, frames - 1),
                "kind": _choice(stroke.get("kind", "colour"), f"{where}.kind", STROKE_KINDS),
                "color": [
                    _number(c, f"{where}.color[{k}]", 0.0, 1.0)
                    for k, c in enumerate(_list(stroke.get("color", [0.5, 0.5, 0.5]), f"{where}.color", 3, 3))
                ],
                "width": _number(stroke.get("width", 5.0), f"{where}.width", 0.0, MAX_COORDINATE, low_open=True),
                "hardness": _number(stroke.get("hardness", 1.0), f"{where}.hardness", 0.0, 1.0),
                "points": [_point(p, f"{where}.points[{k}]") for k, p in enumerate(points)],
                "swatch": None
                if stroke.get("swatch") is None
                else _text(stroke.get("swatch"), f"{where}.swatch", allow_empty=False),
            }
        )
    rasters = [
        {
            "frame": _integer(r.get("frame", 0), f"hints.rasters[{i}].frame", 0, frames - 1),
            "png": _image_text(r.get("png"), f"hints.rasters[{i}].png"),
        }
        for i, r in _objects(hints.get("rasters", []), "hints.rasters", MAX_IMAGES)
    ]
    return {"version": HINTS_VERSION, "canvas_size": canvas, "strokes": strokes, "rasters": rasters}


def _settings(value) -> dict:
    settings = _object(value, "settings")
    out = {}
    for key, item in settings.items():
        where = f"settings.{_short(key)}"
        if len(key) > 100:
            _fail("settings", "keys of at most 100 characters", None, f"a {len(key)}-character key")
        if key == "solver":
            out[key] = _choice(item, where, SOLVERS)
        elif key == "device":
            out[key] = _choice(item, where, DEVICES)
        elif key == "image_format":
            out[key] = _choice(item, where, IMAGE_FORMATS)
        else:
            out[key] = _plain_json(item, where)
    if len(json.dumps(out)) > MAX_SETTINGS_BYTES:
        _fail("settings", f"at most {MAX_SETTINGS_BYTES // 1024} KiB of JSON", None, "more")
    return out


def _plain_json(value, where: str, depth: int = 0):
    if depth > 4:
        _fail(where, "plain JSON nested at most 4 deep", None, "deeper")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if isinstance(value, float) and not math.isfinite(value):
            _fail(where, "a finite number", value)
        return value
    if isinstance(value, list):
        return [_plain_json(v, f"{where}[{k}]", depth + 1) for k, v in enumerate(value)]
    if isinstance(value, dict):
        return {k: _plain_json(v, f"{where}.{_short(k)}", depth + 1) for k, v in value.items()}
    _fail(where, "plain JSON", value)


# -- field checks ---------------------------------------------------------------------


def _short(value, limit: int = 40) -> str:
    text = value if isinstance(value, str) else repr(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _describe(value) -> str:
    if isinstance(value, _HugeNumber):
        return repr(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, str):
        return repr(_short(value))
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return _short(value)


def _fail(where: str, wanted: str, value, shown: str | None = None) -> NoReturn:
    raise InputError(f"project field '{where}': must be {wanted}, not {shown or _describe(value)}")


def _object(value, where: str) -> dict:
    if not isinstance(value, dict):
        _fail(where, "an object", value)
    return value


def _list(value, where: str, low: int, high: int) -> list:
    if not isinstance(value, list):
        _fail(where, "a list", value)
    if not low <= len(value) <= high:
        wanted = f"a list of {low}" if low == high else f"a list of {low} to {high} entries"
        _fail(where, wanted, value)
    return value


def _objects(value, where: str, high: int):
    items = _list(value, where, 0, high)
    for i, item in enumerate(items):
        yield i, _object(item, f"{where}[{i}]")


def _integer(value, where: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        if isinstance(value, float) and value.is_integer() and low <= value <= high:
            return int(value)
        _fail(where, f"a whole number from {low} to {high}", value)
    return value


def _number(value, where: str, low: float, high: float, *, low_open: bool = False) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if ok:
        ok = (value > low if low_open else value >= low) and value <= high
    if not ok:
        bound = f"> {low:g}" if low_open else f"from {low:g}"
        _fail(where, f"a finite number {bound}{'' if low_open else f' to {high:g}'}", value)
    return float(value)


def _point(value, where: str) -> list[float]:
    pair = _list(value, where, 2, 2)
    return [_number(v, f"{where}[{k}]", -MAX_COORDINATE, MAX_COORDINATE) for k, v in enumerate(pair)]


def _choice(value, where: str, choices: tuple):
    if isinstance(value, bool) or value not in choices:
        _fail(where, "one of " + ", ".join(repr(c) if isinstance(c, str) else str(c) for c in choices), value)
    return value


def _text(value, where: str, *, allow_empty: bool = True) -> str:
    if not isinstance(value, str) or len(value) > MAX_TEXT or "\0" in value or (not allow_empty and not value):
        _fail(where, f"{'non-empty ' if not allow_empty else ''}text of at most {MAX_TEXT} characters", value)
    return value


def _hash(value, where: str) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"sha256:[0-9a-f]{64}", value):
        _fail(where, "'sha256:' and 64 hex digits", value)
    return value


def _fps(value, where: str) -> str:
    match = re.fullmatch(r"(\d{1,12})(?:/(\d{1,12}))?", value) if isinstance(value, str) else None
    if match is None or int(match[1]) == 0 or (match[2] is not None and int(match[2]) == 0):
        _fail(where, "a frame rate such as '25/1' or '24000/1001'", value)
    rate = int(match[1]) / int(match[2] or 1)
    if not 0.01 <= rate <= 1000:
        _fail(where, "a frame rate from 0.01 to 1000 per second", value)
    return value


def _frame_span(value, where: str, frames: int):
    if value is None or value == []:  # the whole clip
        return None
    pair = _list(value, where, 2, 2)
    start = _integer(pair[0], f"{where}[0]", 0, frames - 1)
    stop = _integer(pair[1], f"{where}[1]", start + 1, frames)
    return [start, stop]


def _image_text(value, where: str) -> str:
    if not isinstance(value, str) or not value or len(value) > MAX_IMAGE_TEXT:
        _fail(where, f"a base64 PNG of at most {MAX_IMAGE_TEXT // 2**20} MiB", value)
    return value
