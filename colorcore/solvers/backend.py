"""Array backends: the fast solver runs the same code on numpy (CPU) or torch (CPU or GPU).

The solver code uses only slicing, arithmetic operators and the few functions below, so one
implementation serves both. The in-place ones (``copy``, ``multiply``, ``add_product``,
``sub_product``) write into preallocated arrays: on the CPU, allocating a fresh
megabyte-sized temporary for every product costs as much as the product itself. torch is imported only when a torch backend is asked for:
importing colorcore, or solving on the CPU with numpy, never loads it.
"""

from __future__ import annotations

import threading
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

DEVICES = ("auto", "cpu", "cuda")


class _BufferPool:
    """The arrays of the last solve on this thread, lent out again to the next one.

    Touching freshly allocated memory costs a page fault per 4 KiB; on a virtual machine
    that is as slow as computing on the memory. Solves of one frame after another at
    the same size (a clip) need the same arrays, so the next solve takes them back,
    zeroed. Only the last solve's arrays are kept: memory does not grow with the number
    of solves or of sizes seen.
    """

    def __init__(self):
        self.free: dict[tuple, list[np.ndarray]] = {}
        self.lent: list[np.ndarray] = []

    def take(self, shape, dtype, zeroed: bool = True) -> np.ndarray:
        stack = self.free.get((tuple(shape), dtype))
        array = stack.pop() if stack else None
        reused = array is not None
        if not reused:
            array = np.zeros(shape, dtype=dtype)
        self.lent.append(array)
        if reused and zeroed:
            array.fill(0)
        return array

    def take_back(self) -> None:
        """All lent arrays become free; arrays the last solve did not use are dropped."""
        self.free = {}
        for array in self.lent:
            self.free.setdefault((array.shape, array.dtype), []).append(array)
        self.lent = []


_POOLS = threading.local()


class NumpyBackend:
    """numpy in float32: the default CPU path."""

    name = "numpy"
    device = "cpu"

    def __init__(self, dtype=np.float32):
        self.dtype = np.dtype(dtype)
        self._pool: _BufferPool | None = None

    def asarray(self, a) -> np.ndarray:
        return np.ascontiguousarray(a, dtype=self.dtype)

    def zeros(self, shape) -> np.ndarray:
        return np.zeros(shape, dtype=self.dtype)

    def buffer(self, shape, zeroed: bool = True) -> np.ndarray:
        """A solver's working array: zeros, or (``zeroed=False``) values never read before
        being written. Within :meth:`reused_buffers` it is lent from the pool."""
        if self._pool is not None:
            return self._pool.take(shape, self.dtype, zeroed)
        return np.zeros(shape, dtype=self.dtype) if zeroed else np.empty(shape, dtype=self.dtype)

    @contextmanager
    def reused_buffers(self):
        """Within this block, ``buffer`` lends the arrays of the previous such block on this
        thread (see :class:`_BufferPool`). No array from ``buffer`` may outlive the block."""
        if not hasattr(_POOLS, "pool"):
            _POOLS.pool = _BufferPool()
        self._pool = _POOLS.pool
        try:
            yield
        finally:
            self._pool = None
            _POOLS.pool.take_back()

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
        # float32 sums (einsum's own loop, no BLAS threads): a relative error near 1e-5,
        # ample for the solver's stop test, without a float64 copy.
        flat = a.reshape(-1)
        return float(np.sqrt(np.einsum("i,i->", flat, flat)))

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
    def add_product(acc, a, b, scratch, base=None) -> None:
        """acc = (base, or acc) + a * b; ``scratch`` is a buffer of acc's shape."""
        np.multiply(a, b, out=scratch)
        np.add(acc if base is None else base, scratch, out=acc)

    @staticmethod
    def sub_product(acc, a, b, scratch, base=None) -> None:
        """acc = (base, or acc) - a * b; ``scratch`` is a buffer of acc's shape."""
        np.multiply(a, b, out=scratch)
        np.subtract(acc if base is None else base, scratch, out=acc)

    @staticmethod
    def inner(basis, v) -> np.ndarray:
        """Inner products of the rows of ``basis`` (k, N) with ``v`` (N,): float64 (k,)."""
        return np.asarray(basis @ v, dtype=np.float64)

    def add_combination(self, v, basis, coeffs) -> None:
        """v += coeffs @ basis, in place: ``basis`` (k, N), ``coeffs`` (k,) numbers."""
        v += np.asarray(coeffs, dtype=self.dtype) @ basis

    @staticmethod
    def bands(work, rows: int, elements_per_row: int) -> None:
        """Run ``work(row_slice)`` over all rows, as one band.

        Splitting rows across threads measured no faster on two cores and, with the
        thread-local buffer pools, gave results that changed from run to run; so one
        solve runs on one thread (independent solves may still run on several)."""
        work(slice(0, rows))


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

    def buffer(self, shape, zeroed: bool = True):
        """A solver's working array (see :meth:`NumpyBackend.buffer`)."""
        if zeroed:
            return self.zeros(shape)
        return self.torch.empty(shape, dtype=self.dtype, device=self.device)

    @contextmanager
    def reused_buffers(self):
        """No pooling here: torch's own allocator already caches GPU memory."""
        yield

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

    def add_product(self, acc, a, b, scratch, base=None) -> None:
        """acc = (base, or acc) + a * b, fused; ``scratch`` is unused."""
        self.torch.addcmul(acc if base is None else base, a, b, out=acc)

    def sub_product(self, acc, a, b, scratch, base=None) -> None:
        """acc = (base, or acc) - a * b, fused; ``scratch`` is unused."""
        self.torch.addcmul(acc if base is None else base, a, b, value=-1.0, out=acc)

    @staticmethod
    def inner(basis, v) -> np.ndarray:
        """Inner products of the rows of ``basis`` (k, N) with ``v`` (N,): float64 (k,)."""
        return (basis @ v).double().cpu().numpy()

    def add_combination(self, v, basis, coeffs) -> None:
        """v += coeffs @ basis, in place: ``basis`` (k, N), ``coeffs`` (k,) numbers."""
        v.add_(self.asarray(coeffs) @ basis)

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
        warnings.warn(
            "no CUDA GPU is available (or torch is not installed with CUDA); solving on the CPU", stacklevel=3
        )
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
