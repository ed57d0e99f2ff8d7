"""The manifest of a Keyhue frame folder, and the rule for replacing an existing folder.

Every frame folder Keyhue writes holds a small hidden file, ``.keyhue-frames.json``::

    {"format": "keyhue-frames", "version": 1, "files": ["frame_000000.png", ...]}

It is what lets a later export replace the folder: a folder is replaced only when it
holds nothing but a previous Keyhue frame sequence, that is the manifest and the files
it lists. Anything else (a user's files, sub-folders, a frame folder from another tool)
is refused, whatever an ``overwrite`` flag says: Keyhue never deletes what it did not
create.
"""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

from colorcore.errors import InputError

MANIFEST_NAME = ".keyhue-frames.json"
MANIFEST_FORMAT = "keyhue-frames"
_FRAME_NAME = re.compile(r"^frame_\d+\.(png|tif)$")
# A manifest lists frame names only; a bigger file is not one of ours.
_MAX_MANIFEST_BYTES = 64 * 2**20


def manifest_bytes(files: list[str]) -> bytes:
    """The manifest listing ``files`` (frame names inside the folder), as file content."""
    return json.dumps({"format": MANIFEST_FORMAT, "version": 1, "files": files}).encode("utf-8")


def read_manifest(folder: str | os.PathLike) -> list[str] | None:
    """The frame names listed by ``folder``'s manifest, or None when there is no valid one."""
    path = Path(folder) / MANIFEST_NAME
    try:
        info = path.lstat()
        if not stat.S_ISREG(info.st_mode) or info.st_size > _MAX_MANIFEST_BYTES:
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
        return None
    files = data.get("files")
    if not isinstance(files, list) or not all(isinstance(f, str) and _FRAME_NAME.match(f) for f in files):
        return None
    return files


def replace_refusal(folder: str | os.PathLike) -> str | None:
    """Why the existing ``folder`` may not be replaced by a frame sequence, or None if it may.

    A folder may be replaced when it does not exist, is empty, or holds only a previous
    Keyhue frame sequence: its manifest and regular files the manifest lists (frames
    listed but missing are fine). The reason is one line, naming the folder and the
    first entry that is not Keyhue's.

    Never raises for a missing or unreadable folder: an unreadable one is refused.
    """
    folder = Path(folder)
    try:
        info = folder.lstat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"cannot inspect '{folder}': {exc.strerror or exc}"
    if stat.S_ISLNK(info.st_mode):
        return f"'{folder}' is a symbolic link; Keyhue replaces only a folder it wrote itself"
    if not stat.S_ISDIR(info.st_mode):
        return f"'{folder}' exists and is not a folder"
    try:
        with os.scandir(folder) as it:
            entries = list(it)
    except OSError as exc:
        return f"cannot list '{folder}': {exc.strerror or exc}"
    if not entries:
        return None
    listed = read_manifest(folder)
    if listed is None:
        return (
            f"output folder '{folder}' is not empty and is not a Keyhue frame sequence; "
            "Keyhue replaces only a folder it wrote (choose an empty or new folder)"
        )
    allowed = set(listed) | {MANIFEST_NAME}
    for entry in sorted(entries, key=lambda e: e.name):
        if entry.name not in allowed or not entry.is_file(follow_symlinks=False):
            return (
                f"output folder '{folder}' holds '{entry.name}', which Keyhue did not write; "
                "Keyhue replaces only its own frame sequence (move that file or choose another folder)"
            )
    return None


def check_replaceable(folder: str | os.PathLike) -> None:
    """Raise InputError (one line, see :func:`replace_refusal`) unless ``folder`` may be
    replaced by a new Keyhue frame sequence."""
    reason = replace_refusal(folder)
    if reason is not None:
        raise InputError(reason)


def remove_sequence(folder: str | os.PathLike) -> None:
    """Delete a Keyhue frame sequence: the files its manifest lists, the manifest, then the
    folder if that left it empty. Files not listed are never touched (if any appeared, the
    folder stays with them). Errors are passed on as OSError."""
    folder = Path(folder)
    listed = read_manifest(folder) or []
    for name in [*listed, MANIFEST_NAME]:
        path = folder / name
        try:
            if stat.S_ISREG(path.lstat().st_mode):
                path.unlink()
        except FileNotFoundError:
            pass
    try:
        folder.rmdir()
    except OSError:
        if any(folder.iterdir()):
            return  # someone put something there: it stays
        raise
