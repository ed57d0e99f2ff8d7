"""Weights files of the scribble network: safetensors (no code can run on load), versioned.

A weights file holds the network's tensors and string metadata::

    format  = "keyhue-deep"       # what the file is
    version = "1"                 # MODEL_VERSION: the inputs, outputs and layer names
    widths  = "16,24,48,64,96"     # channels per scale (the architecture)
    info    = "{...}"             # JSON: how it was trained (steps, data, validation score)

:func:`load_network` checks all of it and says in one line what is wrong with a missing,
truncated, corrupt or foreign file, or one of another model version. The shipped base
weights live in ``resources/weights/`` (sources and licences in ``SOURCE.md`` there).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from colorcore.errors import InputError
from colorcore.resources import resource_path
from colorcore.solvers.deep import require_torch

if TYPE_CHECKING:
    import torch

    from colorcore.solvers.deep.model import ScribbleNet

WEIGHTS_FORMAT = "keyhue-deep"
#: Bump when the inputs, outputs or layer names change: older files are refused.
MODEL_VERSION = 1
BASE_WEIGHTS = resource_path("weights", "keyhue-deep-base.safetensors")
#: Largest weights file accepted (the issue's bound on the model size).
MAX_BYTES = 50 * 1024 * 1024


def _require_safetensors() -> None:
    try:
        import safetensors  # noqa: F401
    except ImportError:
        raise InputError(
            "the deep solver needs safetensors, which is not installed: pip install 'keyhue[torch]'"
        ) from None


def save_network(model: ScribbleNet, path: Path, info: dict[str, Any] | None = None) -> Path:
    """Write ``model``'s weights (float32) to ``path`` atomically (temporary name, then rename).

    Args:
        model: a :class:`~.model.ScribbleNet`.
        path: the .safetensors file to write; its folder must exist.
        info: JSON-able facts about the training, kept in the metadata.
    """
    _require_safetensors()
    from safetensors.torch import save_file

    path = Path(path)
    if not path.parent.is_dir():
        raise InputError(f"cannot write '{path}': folder '{path.parent}' does not exist")
    tensors = {k: v.detach().float().cpu().contiguous() for k, v in model.state_dict().items()}
    metadata = {
        "format": WEIGHTS_FORMAT,
        "version": str(MODEL_VERSION),
        "widths": ",".join(str(w) for w in model.widths),
        "info": json.dumps(info or {}, sort_keys=True),
    }
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(handle)
    try:
        save_file(tensors, temporary, metadata=metadata)
        os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide shipped weights from other users
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def read_metadata(path: Path) -> dict[str, str]:
    """The metadata of a weights file (``format``, ``version``, ``widths``, ``info``).

    Raises:
        InputError: the file is missing, unreadable, not safetensors, or too large.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"no network weights at '{path}'")
    if path.stat().st_size > MAX_BYTES:
        raise InputError(
            f"'{path}' is {path.stat().st_size // 2**20} MB; network weights are at most {MAX_BYTES // 2**20} MB"
        )
    _require_safetensors()
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="pt") as handle:
            return dict(handle.metadata() or {})
    except Exception:  # safetensors raises several kinds on a damaged header
        raise InputError(f"'{path}' is not a readable weights file (truncated or corrupt)") from None


_LOADS = 0


def load_count() -> int:
    """How many weights files :func:`load_network` has read in this process (caches, such
    as :func:`.infer.solver_for`, are judged by it)."""
    return _LOADS


def load_network(path: Path | None = None, device: str | torch.device = "cpu") -> ScribbleNet:
    """A :class:`~.model.ScribbleNet` with the weights of ``path`` (the base weights by default), in eval mode.

    Raises:
        InputError: torch missing (naming the extra to install), or the file missing,
            truncated, corrupt, not Keyhue's, of another model version, or with tensors
            that do not fit the network.
    """
    global _LOADS
    torch = require_torch()
    _require_safetensors()
    from safetensors.torch import load_file

    from colorcore.solvers.deep.model import ScribbleNet

    path = Path(path) if path is not None else BASE_WEIGHTS
    _LOADS += 1
    meta = read_metadata(path)
    if meta.get("format") != WEIGHTS_FORMAT:
        raise InputError(f"'{path}' holds no Keyhue network weights (format {meta.get('format')!r})")
    if meta.get("version") != str(MODEL_VERSION):
        raise InputError(
            f"'{path}' holds weights of network version {meta.get('version')}; this Keyhue reads version {MODEL_VERSION}"
        )
    try:
        widths = tuple(int(w) for w in meta["widths"].split(","))
        model = ScribbleNet(widths)
    except (KeyError, ValueError):
        raise InputError(f"'{path}' does not say its network's layout (widths)") from None
    try:
        tensors = load_file(str(path))
    except Exception:
        raise InputError(f"'{path}' is not a readable weights file (truncated or corrupt)") from None
    try:
        model.load_state_dict(tensors, strict=True)
    except RuntimeError:
        raise InputError(
            f"'{path}' has tensors that do not fit the network it names (damaged or edited file)"
        ) from None
    if not all(bool(torch.isfinite(t).all()) for t in tensors.values()):
        raise InputError(f"'{path}' holds non-finite weights (damaged file)")
    model.info = json.loads(meta.get("info") or "{}")
    return model.to(device).eval()
