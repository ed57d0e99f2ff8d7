"""Shared fixtures."""

import numpy as np
import pytest

from .helpers import synthetic_photo


@pytest.fixture
def photo() -> np.ndarray:
    """A small synthetic colour photograph (96x128 RGB uint8)."""
    return synthetic_photo()
