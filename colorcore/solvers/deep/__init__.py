"""The deep scribble network: a learned per-frame solver beside Levin's equation.

It takes what Levin's solver takes (luma, hard hints, the soft prior that propagation
carries) and returns chroma; the output is joined to the source luma by
:func:`colorcore.colorspace.compose`, so luma stays the source's. Modules:

- :mod:`.model`: the network (a compact U-Net, torch).
- :mod:`.weights`: versioned safetensors files; the shipped base weights.
- :mod:`.infer`: device choice, half precision and batches on a GPU, tiling, and
  :func:`solve_deep`, the per-frame solve.
- :mod:`.data`: training material (image folders, video files, synthetic images) and the
  simulation of hints and priors.
- :mod:`.train`: ``colorcore train``'s loop (checkpoints, resume, seed, validation).
- :mod:`.adapt`: fine-tuning on one clip's keyframes, references and exemplars.

torch is imported only here and only when the deep solver is used; without it
:func:`require_torch` says which extra to install.
"""

from __future__ import annotations

import importlib.util
from types import ModuleType

from colorcore.errors import InputError

TORCH_MISSING = "the deep solver needs torch, which is not installed: pip install 'keyhue[torch]'"


def require_torch() -> ModuleType:
    """The torch module, or an InputError naming the extra to install."""
    try:
        import torch
    except ImportError:
        raise InputError(TORCH_MISSING) from None
    return torch


def torch_installed() -> bool:
    """True when torch can be imported (found without importing it: importing takes seconds)."""
    try:
        return importlib.util.find_spec("torch") is not None
    except ValueError:  # a module named torch without a spec
        return False
