"""Names of Keyhue's temporary files, and the start-up sweep that removes the ones a dead
Keyhue process left behind.

Every temporary thing Keyhue makes carries the id of the process that made it:

- partial outputs beside the target: ``.<name>.partial-<pid>-<hex>`` (a frame folder),
  ``.<stem>.partial-<pid>-<hex><ext>`` (a video file), ``.<name>.<pid>-<hex>.partial``
  (an image or project saved atomically);
- a previous output folder moved aside while its replacement is renamed in:
  ``.<name>.old-<pid>-<hex>``;
- scratch folders in the temporary directory: ``keyhue-[<word>-]pid<pid>-<random>``;
- a render farm job's staging beside its output: ``.<name>.farm-<pid>-<hex>``, with an
  ``owner`` file naming the driver's host (its workers may run elsewhere; only the
  driver's host can tell whether the driver lives).

A process that ends normally, by an error, Ctrl-C, SIGTERM or SIGHUP removes its own.
One killed outright (SIGKILL, a power cut) cannot: :func:`sweep_leftovers` removes them
the next time Keyhue starts, but only those whose owner process is gone, and only when
their content is what Keyhue puts there.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import shutil
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

# The pid field is what makes a name Keyhue's: without it nothing is ever swept.
_PARTIAL_DIR = re.compile(r"^\.(?P<name>.+)\.partial-(?P<pid>\d+)-[0-9a-f]{8}$")
_PARTIAL_VIDEO = re.compile(r"^\.(?P<stem>.+)\.partial-(?P<pid>\d+)-[0-9a-f]{8}(?P<ext>\.(mp4|mov|mkv))$")
_PARTIAL_FILE = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)-[0-9a-f]{8}\.partial$")
_OLD_DIR = re.compile(r"^\.(?P<name>.+)\.old-(?P<pid>\d+)-[0-9a-f]{8}$")
_FARM_DIR = re.compile(r"^\.(?P<name>.+)\.farm-(?P<pid>\d+)-[0-9a-f]{8}$")
_SCRATCH = re.compile(r"^keyhue-(?:[a-z]+-)*pid(?P<pid>\d+)-[A-Za-z0-9_]+$")
# What a partial or old frame folder may hold: frames and the manifest.
_FRAME_FILE = re.compile(r"^(frame_\d+\.(png|tif)|\.keyhue-frames\.json)$")
_SCRATCH_FILE = re.compile(r"^[A-Za-z0-9_.-]+\.npy$")
# What a farm staging folder may hold: its owner file, staged units (and their partials),
# and the output being assembled (a frame folder, or a video and its partial).
_FARM_FILE = re.compile(r"^(owner|\.?unit-\d+\.raw(\.[0-9a-f]{8})?|frames|\.?[^/]+\.(mp4|mov|mkv))$")
_FARM_FRAME_OR_MANIFEST = re.compile(r"^(\.?frame_\d+\.(png|tif)(\.[0-9a-f]{8})?|\.keyhue-frames\.json)$")


def _tag() -> str:
    return f"{os.getpid()}-{secrets.token_hex(4)}"


def partial_folder(path: Path) -> Path:
    """The hidden sibling a frame folder ``path`` is written into before its rename."""
    return path.with_name(f".{path.name}.partial-{_tag()}")


def partial_video(path: Path) -> Path:
    """The hidden sibling a video file ``path`` is written to before its rename (same extension)."""
    return path.with_name(f".{path.stem}.partial-{_tag()}{path.suffix}")


def partial_file(path: Path) -> Path:
    """The hidden sibling a small file (image, project) is written to before its rename."""
    return path.with_name(f".{path.name}.{_tag()}.partial")


def farm_staging(path: Path) -> Path:
    """The hidden sibling where a render farm job stages output ``path`` (not created)."""
    return path.with_name(f".{path.name}.farm-{_tag()}")


def old_folder(path: Path) -> Path:
    """Where a replaced output folder ``path`` waits while the new one is renamed in."""
    return path.with_name(f".{path.name}.old-{_tag()}")


def scratch_folder(word: str = "") -> Path:
    """Create a private scratch folder in the temporary directory and return it.

    Its name, ``keyhue-[word-]pid<pid>-<random>``, lets :func:`sweep_leftovers` remove it
    if this process dies without cleaning up. ``word`` is lower-case letters (or empty).
    """
    if not re.fullmatch(r"[a-z]*", word):
        raise ValueError(f"scratch word must be lower-case letters, not {word!r}")
    prefix = f"keyhue-{word + '-' if word else ''}pid{os.getpid()}-"
    return Path(tempfile.mkdtemp(prefix=prefix))


def process_alive(pid: int) -> bool:
    """True when a process with id ``pid`` exists (or may exist: when in doubt, alive)."""
    if pid <= 0:
        return True
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    except OSError:
        return True
    return True


def sweep_leftovers(folders: Iterable[str | os.PathLike] = (), *, temp: bool = True) -> list[Path]:
    """Remove what Keyhue processes that are gone left behind; return what was removed.

    Looks directly inside each of ``folders`` (e.g. the output's folder, the project's
    folder; not recursively) and, when ``temp`` is True, in the temporary directory. An
    entry is removed only when ALL of these hold:

    - its name has one of Keyhue's temporary patterns (see the module docstring), which
      carry the creating process's id;
    - that process no longer exists (a live process, ours included, is never touched;
      when liveness cannot be decided it is taken as alive);
    - it belongs to the current user and is not a symbolic link;
    - its content is what Keyhue puts there: a partial or old frame folder holds only
      ``frame_N.png``/``.tif`` files and the manifest, a scratch folder only ``.npy``
      files, a partial video or file is a regular file.

    A previous output folder moved aside (``.<name>.old-...``) is put back under its name
    when nothing is there (the process died between the two renames), else removed.

    Errors (a folder that cannot be listed, a file that cannot be removed) are skipped
    silently: the sweep never fails and never raises.

    Returns:
        The paths removed or restored.
    """
    places = [Path(f) for f in folders]
    if temp:
        places.append(Path(tempfile.gettempdir()))
    done: list[Path] = []
    seen = set()
    for place in places:
        try:
            key = os.path.realpath(place)
            if key in seen:
                continue
            seen.add(key)
            entries = list(os.scandir(place))
        except OSError:
            continue
        for entry in entries:
            try:
                if _sweep_entry(Path(entry.path), entry.name):
                    done.append(Path(entry.path))
            except OSError:
                continue
    return done


def _sweep_entry(path: Path, name: str) -> bool:
    for pattern, kind in (  # noqa: B007 (kind is read after the loop)
        (_PARTIAL_VIDEO, "file"),
        (_PARTIAL_FILE, "file"),
        (_PARTIAL_DIR, "frames"),
        (_OLD_DIR, "old"),
        (_FARM_DIR, "farm"),
        (_SCRATCH, "scratch"),
    ):
        match = pattern.match(name)
        if match:
            break
    else:
        return False
    if process_alive(int(match["pid"])):
        return False
    info = path.lstat()
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return False
    if kind == "file":
        if not stat.S_ISREG(info.st_mode):
            return False
        path.unlink()
        return True
    if not stat.S_ISDIR(info.st_mode):
        return False
    if kind == "farm":
        if not _farm_staging_of_this_host(path):
            return False
        shutil.rmtree(path)
        return True
    allowed = _SCRATCH_FILE if kind == "scratch" else _FRAME_FILE
    if not _only_files_matching(path, allowed):
        return False
    if kind == "old":
        target = path.with_name(match["name"])
        if not os.path.lexists(target):
            os.rename(path, target)
            return True
    _remove_files_then_folder(path)
    return True


def _farm_staging_of_this_host(folder: Path) -> bool:
    import socket

    try:
        host = (folder / "owner").read_text(encoding="utf-8").split()[0]
    except (OSError, ValueError, IndexError):
        return False
    if host != socket.gethostname():
        return False
    with os.scandir(folder) as entries:
        for entry in entries:
            if not _FARM_FILE.match(entry.name) or entry.is_symlink():
                return False
            if entry.is_dir() and not _only_files_matching(Path(entry.path), _FARM_FRAME_OR_MANIFEST):
                return False
    return True


def _only_files_matching(folder: Path, allowed: re.Pattern) -> bool:
    with os.scandir(folder) as entries:
        for entry in entries:
            if not allowed.match(entry.name) or not entry.is_file(follow_symlinks=False):
                return False
    return True


def _remove_files_then_folder(folder: Path) -> None:
    # File by file, not rmtree: what appeared since the check is left, and so is the folder.
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
    try:
        os.rmdir(folder)
    except OSError as exc:
        if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
            raise


def remove_tree_quietly(folder: Path) -> None:
    """Remove a folder this process created (a scratch or partial folder), ignoring errors."""
    shutil.rmtree(folder, ignore_errors=True)
