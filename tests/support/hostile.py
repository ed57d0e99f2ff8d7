"""Helpers of the hostile-input suite: a tally of cases tried and how each ended, the
one-line check, and small tmpfs mounts (a full disk, a read-only folder)."""

from __future__ import annotations

import collections
import contextlib
import re
import subprocess
from pathlib import Path

import pytest

#: (suite part, outcome) -> count; outcome is "refused" (one line, exit 2 / InputError),
#: "accepted" (valid input that ran), "interrupted" (a signal stopped it cleanly).
TALLY: collections.Counter = collections.Counter()


def record(part: str, outcome: str) -> None:
    """Count one hostile case of ``part`` that ended in ``outcome``."""
    TALLY[(part, outcome)] += 1


def assert_one_line(stderr: str) -> str:
    """The error line of a refused command: exactly one line, no traceback."""
    lines = [line for line in stderr.splitlines() if line.strip() and "warning:" not in line]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr and re.match(r"colorcore( [a-z]+)*: error: ", lines[0]), stderr
    return lines[0]


@contextlib.contextmanager
def tmpfs(folder: Path, options: str):
    """Mount a tmpfs with ``options`` (e.g. 'size=2m' or 'ro,size=64k') on ``folder``;
    skip the test where mounting is not permitted."""
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True, check=False
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.decode(errors='replace').strip()})")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)
