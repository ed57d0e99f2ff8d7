"""Where the shared research test data lies: ``$KEYHUE_TESTDATA``, else ``../shared/testdata``
beside the checkout. Tests that need it skip when it is absent (it is never committed)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

TESTDATA = Path(os.environ.get("KEYHUE_TESTDATA") or Path(__file__).resolve().parents[3] / "shared" / "testdata")


def require_testdata(*parts: str) -> Path:
    """Path inside the shared test data, or skip the test when it is absent."""
    path = TESTDATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is not present")
    return path
