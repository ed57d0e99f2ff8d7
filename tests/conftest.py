"""Shared fixtures; Qt tests run on the offscreen platform unless told otherwise."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest

from tests.support.images import synthetic_photo


@pytest.fixture
def photo() -> np.ndarray:
    """A small synthetic colour photograph (96x128 RGB uint8)."""
    return synthetic_photo()


def pytest_terminal_summary(terminalreporter):
    """The hostile-input suite's counts (tests/support/hostile.py), when any ran."""
    from tests.support.hostile import TALLY

    if not TALLY:
        return
    terminalreporter.section("hostile-input suite")
    parts = sorted({part for part, _ in TALLY})
    for part in parts:
        counts = {outcome: n for (p, outcome), n in TALLY.items() if p == part}
        tried = sum(counts.values())
        detail = ", ".join(f"{outcome} {n}" for outcome, n in sorted(counts.items()))
        terminalreporter.write_line(f"{part}: tried {tried} ({detail})")
    terminalreporter.write_line(f"total tried {sum(TALLY.values())}; failures are the failed tests above")
