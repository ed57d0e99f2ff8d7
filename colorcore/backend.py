"""Array backends: the fast solver runs the same code on numpy (CPU) or torch (CPU or GPU).

The solver code uses only slicing, arithmetic operators and the few functions below, so one
implementation serves both. The in-place ones (``copy``, ``multiply``, ``add_product``,
``sub_product``) write into preallocated arrays: on the CPU, allocating a fresh
megabyte-sized temporary for every product costs as much as the product itself. torch is imported only when a torch backend is asked for:
importing colorcore, or solving on the CPU with numpy, never loads it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from .bands import run_in_bands

DEVICES = ("auto", "cpu", "cuda")


class NumpyBackend:
    """numpy in float32: the default CPU path."""

    name = "numpy"
    device = "cpu"

    def __init__(self, dtype=np.float32):
        self.dtype = np.dtype(dtype)

    def asarray(self, a) -> np.ndarray:
        return np.ascontiguousarray(a, dtype=self.dtype)

    def zeros(self, shape) -> np.ndarray:
        return np.zeros(shape, dtype=self.dtype)

    def to_numpy(self, a) -> np.ndarray:
        return np.asarray(a, dtype=np.float64)

    exp = staticmethod(np.exp)
    maximum = staticmethod(np.maximum)
    minimum = staticmethod(np.minimum)

    @staticmethod
    def contiguous(a):
        return np.ascontiguousarray(a)

    @staticmethod
    def norm(a) -> float:
        return float(np.sqrt(np.sum(np.square(a, dtype=np.float64))))

    @staticmethod
    def copy(dst, src) -> None:
        np.copyto(dst, src)

    @staticmethod
    def multiply(a, b, out) -> None:
        np.multiply(a, b, out=out)

    @staticmethod
    def add(a, b, out) -> None:
        np.add(a, b, out=out)

    @staticmethod
    def subtract(a, b, out) -> None:
        np.subtract(a, b, out=out)

    @staticmethod
    def add_product(acc, a, b, scratch) -> None:
        """acc += a * b; ``scratch`` is a buffer of acc's shape."""
        np.multiply(a, b, out=scratch)
        np.add(acc, scratch, out=acc)

    @staticmethod
    def sub_product(acc, a, b, scratch) -> None:
        """acc -= a * b; ``scratch`` is a buffer of acc's shape."""
        np.multiply(a, b, out=scratch)
        np.subtract(acc, scratch, out=acc)

    @staticmethod
    def bands(work, rows: int, elements_per_row: int) -> None:
        """Run ``work(row_slice)`` over row bands on the CPU's cores (:mod:`colorcore.bands`)."""
        run_in_bands(work, rows, elements_per_row)


class TorchBackend:
    """torch in float32 on a given device ("cpu" or "cuda")."""

    name = "torch"

    def __init__(self, device: str):
        import torch  # deferred: torch takes seconds to import

        self.torch = torch
        self.device = device
        self.dtype = torch.float32

    def asarray(self, a):
        if isinstance(a, self.torch.Tensor):
            return a.to(device=self.device, dtype=self.dtype).contiguous()
        return self.torch.as_tensor(np.ascontiguousarray(a), dtype=self.dtype, device=self.device)

    def zeros(self, shape):
        return self.torch.zeros(shape, dtype=self.dtype, device=self.device)

    def to_numpy(self, a) -> np.ndarray:
        return a.detach().to("cpu", self.torch.float64).numpy()

    def exp(self, a, out=None):
        return self.torch.exp(a, out=out)

    def maximum(self, a, b, out=None):
        return self.torch.maximum(a, self._like(b, a), out=out)

    def minimum(self, a, b, out=None):
        return self.torch.minimum(a, self._like(b, a), out=out)

    @staticmethod
    def contiguous(a):
        return a.contiguous()

    def norm(self, a) -> float:
        return float(self.torch.linalg.vector_norm(a.double()))

    @staticmethod
    def copy(dst, src) -> None:
        dst.copy_(src)

    def multiply(self, a, b, out) -> None:
        self.torch.mul(a, b, out=out)

    def add(self, a, b, out) -> None:
        self.torch.add(a, b, out=out)

    def subtract(self, a, b, out) -> None:
        self.torch.sub(a, b, out=out)

    @staticmethod
    def add_product(acc, a, b, scratch) -> None:
        """acc += a * b, fused; ``scratch`` is unused."""
        acc.addcmul_(a, b)

    @staticmethod
    def sub_product(acc, a, b, scratch) -> None:
        """acc -= a * b, fused; ``scratch`` is unused."""
        acc.addcmul_(a, b, value=-1.0)

    @staticmethod
    def bands(work, rows: int, elements_per_row: int) -> None:
        """One band: torch parallelises each operation itself (threads on CPU, a GPU)."""
        work(slice(0, rows))

    def _like(self, value, ref):
        if isinstance(value, self.torch.Tensor):
            return value
        return self.torch.tensor(value, dtype=self.dtype, device=ref.device)


@dataclass(frozen=True)
class DeviceChoice:
    """Where a solve runs: ``kind`` is "cpu" or "cuda"."""

    kind: str


def resolve_device(device: str) -> DeviceChoice:
    """Turn a user's device request into where the solve will run.

    Args:
        device: "auto" (GPU if torch sees one, else CPU), "cpu" or "cuda". "cuda" with no
            usable GPU falls back to the CPU with a warning.

    Returns:
        The chosen device. "auto" only imports torch if it is installed.
    """
    if device not in DEVICES:
        raise ValueError(f"device must be one of {', '.join(DEVICES)}, not {device!r}")
    if device == "cpu":
        return DeviceChoice("cpu")
    available = cuda_available()
    if available:
        return DeviceChoice("cuda")
    if device == "cuda":
        warnings.warn("no CUDA GPU is available (or torch is not installed with CUDA); solving on the CPU", stacklevel=3)
    return DeviceChoice("cpu")


def cuda_available() -> bool:
    """True if torch is installed and sees a CUDA device.

    torch is imported only when both torch and an NVIDIA driver are present, so the
    command line on a CPU-only machine does not pay torch's start-up time.
    """
    import importlib.util
    import os

    if importlib.util.find_spec("torch") is None:
        return False
    if not (os.path.exists("/proc/driver/nvidia/version") or os.path.exists("/dev/nvidia0") or os.name == "nt"):
        return False
    import torch

    return bool(torch.cuda.is_available())


def backend_for(choice: DeviceChoice) -> Any:
    """The array backend for a device: numpy on the CPU, torch on a GPU."""
    if choice.kind == "cuda":
        return TorchBackend("cuda")
    return NumpyBackend()
