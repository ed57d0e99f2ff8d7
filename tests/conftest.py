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
