"""Keyhue projects: one clip and everything the archivist told the engine about it.

A project is stored as a ``.keyhue`` file, a versioned JSON document::

    {
      "format": "keyhue-project", "version": 1,
      "source": {"path": "film.mp4",            # relative to the project file's folder
                 "size": 123456,                # bytes (a folder: sum of its files)
                 "hash": "sha256:...",          # see media_fingerprint()
                 "frames": 250, "width": 854, "height": 480,
                 "fps": "24000/1001", "bit_depth": 8},
      "hints": {...},                           # colorcore.hints.Hints.to_dict(): strokes as vectors
      "references": [{"frame": 12, "png": "<base64>", "source": "ref.png"}],
      "exemplars": [{"frames": [0, 100] | null, "png": "<base64>", "source": "photo.jpg"}],
      "settings": {"solver": "fast", "device": "auto", ...},
      "grades": [{"frames": [0, 48], "saturation": 1.1, "hue": -4.0}],  # optional
      "palette": {"sky": [0.45, 0.62, 0.85]}    # optional: named colours strokes use
    }

Reference and exemplar images are embedded as lossless PNG (base64), so a project file is
self-contained: it can be moved or mailed beside its media, and the images it was made
from may be deleted. Only the source media is referenced by path; when it is not where the
project says, :meth:`Project.open_clip` raises :class:`MediaMissingError` (an InputError)
so that a GUI can offer to locate it, and :meth:`Project.relocate` points the project at
the new place after checking the fingerprint.

Saving is atomic (temporary file renamed into place); loading a corrupt file or one
written by a newer Keyhue raises an InputError with a one-line message.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from colorcore.errors import InputError
from colorcore.grade import ShotGrade
from colorcore.guidance.hints import Hints, RasterHint, Stroke
from colorcore.guidance.references import Exemplar, Guidance, Reference
from colorcore.guidance.schema import PROJECT_FORMAT, PROJECT_VERSION, parse_project_text, validate_project_data
from colorcore.media.images import image_from_png_text, png_text
from colorcore.media.limits import MAX_PROJECT_BYTES, check_regular_file

PROJECT_SUFFIX = ".keyhue"
#: Settings a new project starts with; unknown keys in a file are kept as they are.
DEFAULT_SETTINGS = {"solver": "fast", "device": "auto", "image_format": "png"}

# Bytes hashed from each end of a large file: enough to tell two films apart without
# reading gigabytes when a project opens.
_HASH_SPAN = 4 * 1024 * 1024


class MediaMissingError(InputError):
    """The project's source media is not where the project file says.

    Attributes:
        expected: the absolute path the project looked for.
    """

    def __init__(self, message: str, expected: Path):
        super().__init__(message)
        self.expected = expected


class MediaChangedError(InputError):
    """A file was found where the source should be, but it is not the same media."""


def media_fingerprint(path: str | os.PathLike) -> tuple[int, str]:
    """Size and content hash of a video file or frame folder.

    A file is fingerprinted by its size and the SHA-256 of its first and last 4 MiB (the
    whole file when smaller), so that opening a project never reads a whole film. A
    folder by the sorted names and sizes of its files and the first and last 4 MiB of
    its first and last file (by name).

    Returns:
        (size in bytes, "sha256:<hex>").

    Raises:
        InputError: the path cannot be read.
    """
    path = Path(path)
    digest = hashlib.sha256()
    try:
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
            size = 0
            for item in files:
                item_size = item.stat().st_size
                size += item_size
                digest.update(f"{item.name}\0{item_size}\n".encode())
            for item in files[:1] + files[-1:]:
                _hash_ends(item, digest)
        else:
            size = path.stat().st_size
            _hash_ends(path, digest)
    except OSError as exc:
        raise InputError(f"cannot read '{path}': {exc.strerror}") from None
    return size, "sha256:" + digest.hexdigest()


def _hash_ends(path: Path, digest) -> None:
    size = path.stat().st_size
    with open(path, "rb") as handle:
        digest.update(handle.read(_HASH_SPAN))
        if size > 2 * _HASH_SPAN:
            handle.seek(size - _HASH_SPAN)
            digest.update(handle.read(_HASH_SPAN))
        elif size > _HASH_SPAN:
            digest.update(handle.read())


@dataclass
class MediaInfo:
    """What a project records about its source media.

    Attributes:
        path: absolute path of the video file or frame folder.
        size: bytes (see :func:`media_fingerprint`); hash: "sha256:<hex>".
        frames: frame count; width, height: pixels; fps: exact frame rate;
        bit_depth: 8 or 16.
    """

    path: Path
    size: int
    hash: str
    frames: int
    width: int
    height: int
    fps: Fraction
    bit_depth: int = 8

    @classmethod
    def of_clip(cls, clip) -> MediaInfo:
        """The description of an open :class:`colorcore.media.Clip`."""
        size, digest = media_fingerprint(clip.path)
        return cls(
            path=Path(clip.path).resolve(),
            size=size,
            hash=digest,
            frames=len(clip),
            width=clip.width,
            height=clip.height,
            fps=Fraction(clip.frame_rate),
            bit_depth=clip.bit_depth,
        )


@dataclass
class Project:
    """A clip, its guidance (strokes, references, exemplars) and render settings.

    Attributes:
        media: the source media (:class:`MediaInfo`).
        hints: vector strokes (and raster hints) on the clip's frame grid.
        references: aligned colour frames (HxWx3 uint8/uint16 RGB, the clip's size).
        exemplars: colour photographs matched to frames (any size).
        settings: solver, device and other render options (JSON values).
        grades: per-shot grades applied after propagation (:class:`colorcore.grade.ShotGrade`).
        palette: named colours, name -> (r, g, b) 0..1, that strokes refer to (``Stroke.swatch``).
        path: where the project was last saved or loaded from; None if never saved.
    """

    media: MediaInfo
    hints: Hints
    references: list[Reference] = field(default_factory=list)
    exemplars: list[Exemplar] = field(default_factory=list)
    settings: dict = field(default_factory=lambda: dict(DEFAULT_SETTINGS))
    grades: list[ShotGrade] = field(default_factory=list)
    palette: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    path: Path | None = None

    @classmethod
    def for_clip(cls, clip) -> Project:
        """A new, empty project over an open clip."""
        return cls(media=MediaInfo.of_clip(clip), hints=Hints(canvas_size=(clip.width, clip.height)))

    def guidance(self) -> Guidance:
        """Everything the engine colours from, as a :class:`colorcore.guidance.Guidance`."""
        return Guidance(hints=self.hints, references=list(self.references), exemplars=list(self.exemplars))

    def keyframes(self) -> list[int]:
        """Sorted frames that carry strokes or an aligned reference."""
        return self.guidance().keyframes()

    # -- media ------------------------------------------------------------------------

    def open_clip(self):
        """Open the source media.

        Raises:
            MediaMissingError: nothing is at ``media.path`` (the GUI offers to locate it).
            MediaChangedError: the media there is not the one the project was made on:
                its fingerprint (size in bytes and hash, see :func:`media_fingerprint`),
                frame count or frame size differ.
            InputError: the media cannot be decoded.
        """
        from colorcore.media import open_clip

        if not self.media.path.exists():
            raise MediaMissingError(
                f"the source media '{self.media.path}' is missing (moved or renamed?); locate it to continue",
                self.media.path,
            )
        clip = open_clip(self.media.path)
        try:
            self._check_same_media(clip)
        except InputError:
            clip.close()
            raise
        return clip

    def relocate(self, new_path: str | os.PathLike) -> None:
        """Point the project at media that moved, after checking it is the same media.

        Raises:
            MediaChangedError: the file's fingerprint, frame count or size differ.
            InputError: it cannot be read.
        """
        from colorcore.media import open_clip

        new_path = Path(new_path).resolve()
        size, digest = media_fingerprint(new_path)
        if (size, digest) != (self.media.size, self.media.hash):
            raise MediaChangedError(
                f"'{new_path}' is not the project's source media (its content differs); choose the original file"
            )
        with open_clip(new_path) as clip:
            self._check_same_media(clip)
        self.media.path = new_path

    def _check_same_media(self, clip) -> None:
        m = self.media
        size, digest = media_fingerprint(clip.path)
        if (size, digest) != (m.size, m.hash):
            raise MediaChangedError(
                f"'{clip.path}' is not the media this project was made on (its size or content differs: "
                f"{size} bytes, the project's source had {m.size}); locate the original media"
            )
        if (len(clip), clip.width, clip.height) != (m.frames, m.width, m.height):
            raise MediaChangedError(
                f"'{clip.path}' has {len(clip)} frames of {clip.width}x{clip.height}, but the project was made on "
                f"{m.frames} frames of {m.width}x{m.height}; locate the original media"
            )

    # -- files ------------------------------------------------------------------------

    def to_dict(self, base: Path | None = None) -> dict:
        """The project as JSON-ready data; the source path is made relative to ``base``."""
        source = str(self.media.path)
        if base is not None:
            # On another drive (Windows) there is no relative path: it stays absolute.
            with contextlib.suppress(ValueError):
                source = os.path.relpath(self.media.path, base)
        return {
            "format": PROJECT_FORMAT,
            "version": PROJECT_VERSION,
            "source": {
                "path": Path(source).as_posix(),
                "size": self.media.size,
                "hash": self.media.hash,
                "frames": self.media.frames,
                "width": self.media.width,
                "height": self.media.height,
                "fps": f"{self.media.fps.numerator}/{self.media.fps.denominator}",
                "bit_depth": self.media.bit_depth,
            },
            "hints": self.hints.to_dict(),
            "references": [{"frame": r.frame, "png": png_text(r.rgb), "source": r.source} for r in self.references],
            "exemplars": [
                {"frames": list(e.frames) if e.frames else None, "png": png_text(e.rgb), "source": e.source}
                for e in self.exemplars
            ],
            "settings": dict(self.settings),
            **({"grades": [g.to_dict() for g in self.grades]} if self.grades else {}),
            **({"palette": {k: list(v) for k, v in self.palette.items()}} if self.palette else {}),
        }

    @classmethod
    def from_dict(cls, data: dict, base: Path) -> Project:
        """A project from :meth:`to_dict`'s data; relative source paths resolve against ``base``.

        Every field is checked first (:func:`colorcore.guidance.schema.validate_project_data`).

        Raises:
            InputError: not a Keyhue project, a newer format version, or a field that is
                missing or invalid; one line naming the field, e.g. "project field
                'hints.strokes[3].width': must be a finite number > 0, not inf".
        """
        data = validate_project_data(data)
        src = data["source"]
        try:
            path = (base / Path(src["path"])).resolve()
        except (OSError, ValueError, RuntimeError) as exc:
            raise InputError(f"project field 'source.path': not a usable path ({exc})") from None
        media = MediaInfo(
            path=path,
            size=src["size"],
            hash=src["hash"],
            frames=src["frames"],
            width=src["width"],
            height=src["height"],
            fps=Fraction(src["fps"]),
            bit_depth=src["bit_depth"],
        )
        h = data["hints"]
        hints = Hints(
            canvas_size=tuple(h["canvas_size"]),
            strokes=[
                Stroke(
                    points=[tuple(p) for p in st["points"]],
                    color=tuple(st["color"]),
                    width=st["width"],
                    frame=st["frame"],
                    kind=st["kind"],
                    hardness=st["hardness"],
                    swatch=st["swatch"],
                )
                for st in h["strokes"]
            ],
            rasters=[],
        )
        for i, r in enumerate(h["rasters"]):
            rgba = image_from_png_text(r["png"], 4, f"project field 'hints.rasters[{i}].png'")
            hints.rasters.append(RasterHint(mask=rgba[..., 3] > 0, rgb=rgba[..., :3].copy(), frame=r["frame"]))
        references = []
        for i, r in enumerate(data["references"]):
            what = f"project field 'references[{i}].png'"
            rgb = image_from_png_text(r["png"], 3, what)
            if rgb.shape[:2] != (media.height, media.width):
                raise InputError(
                    f"{what}: the image is {rgb.shape[1]}x{rgb.shape[0]} but the clip is {media.width}x{media.height}"
                )
            references.append(Reference(frame=r["frame"], rgb=rgb, source=r["source"]))
        exemplars = [
            Exemplar(
                rgb=image_from_png_text(e["png"], 3, f"project field 'exemplars[{i}].png'"),
                frames=tuple(e["frames"]) if e["frames"] else None,
                source=e["source"],
            )
            for i, e in enumerate(data["exemplars"])
        ]
        settings = {**DEFAULT_SETTINGS, **data["settings"]}
        grades = [ShotGrade(g["frames"][0], g["frames"][1], g["saturation"], g["hue"]) for g in data["grades"]]
        palette = {name: tuple(rgb) for name, rgb in data["palette"].items()}
        return cls(
            media=media,
            hints=hints,
            references=references,
            exemplars=exemplars,
            settings=settings,
            grades=grades,
            palette=palette,
        )

    def to_json(self, base: Path | None = None) -> str:
        """:meth:`to_dict` as a JSON document."""
        return json.dumps(self.to_dict(base), indent=1)

    def save(self, path: str | os.PathLike | None = None) -> Path:
        """Write the project atomically to ``path`` (or where it was last saved); return it.

        Raises:
            InputError: no path was ever given, or the folder cannot be written.
        """
        from colorcore.media.images import write_bytes_atomic

        target = Path(path) if path is not None else self.path
        if target is None:
            raise InputError("the project has never been saved: choose a file name")
        target = target.resolve()
        try:
            write_bytes_atomic(target, self.to_json(target.parent).encode("utf-8"))
        except OSError as exc:
            raise InputError(f"cannot save '{target}': {exc.strerror or exc}") from None
        self.path = target
        return target

    @classmethod
    def load(cls, path: str | os.PathLike) -> Project:
        """Read a ``.keyhue`` file, checking every field. The media is not opened (see
        :meth:`open_clip`).

        Raises:
            InputError (one line; never another exception for any file content): missing,
                unreadable, not a regular file, larger than MAX_PROJECT_BYTES, not JSON,
                nested too deeply, not a project, a newer version, or a field that is
                invalid (the message names it; see colorcore.guidance.schema).
        """
        path = Path(path)
        info = check_regular_file(path, "project")  # a named pipe would block forever
        if info.st_size > MAX_PROJECT_BYTES:
            raise InputError(
                f"'{path}' is {info.st_size // 2**20} MiB; a Keyhue project is at most {MAX_PROJECT_BYTES // 2**20} MiB"
            )
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise InputError(f"'{path}' is not a Keyhue project file (not text)") from None
        except OSError as exc:
            raise InputError(f"cannot read project '{path}': {exc.strerror}") from None
        data = parse_project_text(text, f"'{path}'")
        project = cls.from_dict(data, path.resolve().parent)
        project.path = path.resolve()
        return project
