"""Array backends: the fast solver runs the same code on numpy (CPU) or torch (CPU or GPU).

:class:`ArrayBackend` is the contract: the multigrid code uses slicing, arithmetic
operators and these methods only, so one implementation serves numpy
(:class:`NumpyBackend`) and torch (:class:`TorchBackend`). The in-place operations
(``copy``, ``multiply``, ``add_product``, ...) write into preallocated arrays: on the CPU,
allocating a fresh megabyte-sized temporary for every product costs as much as the
product itself. torch is imported only when a torch backend is asked for: importing
colorcore, or solving on the CPU with numpy, never loads it.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, runtime_checkable

import numpy as np
import numpy.typing as npt

DEVICES = ("auto", "cpu", "cuda")

# An array of a backend: numpy.ndarray for NumpyBackend, torch.Tensor for TorchBackend.
# The solver code uses only what both share (slicing, views, arithmetic operators), which
# no static type spells out; the contract is the backend's methods.
Array: TypeAlias = Any


@runtime_checkable
class ArrayBackend(Protocol):
    """What the multigrid solver needs from an array library (float32 unless stated).

    Shapes are tuples of ints; ``out``/``dst``/``acc`` arguments are arrays of the
    backend's type that are written in place (views included); ``b`` may be a number
    where the docstring says "array or number".
    """

    def asarray(self, a: Any) -> Array:
        """``a`` (numpy array, tensor or nested sequence) as a contiguous array of the backend's dtype."""
        ...

    def zeros(self, shape: tuple[int, ...]) -> Array:
        """A fresh zero array."""
        ...

    def buffer(self, shape: tuple[int, ...], zeroed: bool = True) -> Array:
        """A solver's working array: zeros, or (``zeroed=False``) values never read before written."""
        ...

    def reused_buffers(self) -> AbstractContextManager[None]:
        """A block within which ``buffer`` may lend the previous block's arrays again."""
        ...

    def to_numpy(self, a: Array) -> np.ndarray:
        """A float64 numpy copy (or view) of ``a``."""
        ...

    def exp(self, a: Array, out: Array | None = None) -> Array:
        """Elementwise exp, into ``out`` if given."""
        ...

    def maximum(self, a: Array, b: Array | float, out: Array | None = None) -> Array:
        """Elementwise maximum of ``a`` and ``b`` (array or number), into ``out`` if given."""
        ...

    def minimum(self, a: Array, b: Array | float, out: Array | None = None) -> Array:
        """Elementwise minimum of ``a`` and ``b`` (array or number), into ``out`` if given."""
        ...

    def norm(self, a: Array) -> float:
        """Euclidean norm of all elements."""
        ...

    def copy(self, dst: Array, src: Array) -> None:
        """dst[...] = src (broadcast)."""
        ...

    def multiply(self, a: Array, b: Array | float, out: Array) -> None:
        """out = a * b (``b`` array or number)."""
        ...

    def add(self, a: Array, b: Array, out: Array) -> None:
        """out = a + b."""
        ...

    def subtract(self, a: Array, b: Array, out: Array) -> None:
        """out = a - b."""
        ...

    def add_product(self, acc: Array, a: Array, b: Array, scratch: Array, base: Array | None = None) -> None:
        """acc = (base, or acc) + a * b; ``scratch`` is a buffer of acc's shape."""
        ...

    def sub_product(self, acc: Array, a: Array, b: Array, scratch: Array, base: Array | None = None) -> None:
        """acc = (base, or acc) - a * b; ``scratch`` is a buffer of acc's shape."""
        ...

    def inner(self, basis: Array, v: Array) -> np.ndarray:
        """Inner products of the rows of ``basis`` (k, N) with ``v`` (N,): float64 numpy (k,)."""
        ...

    def add_combination(self, v: Array, basis: Array, coeffs: npt.ArrayLike) -> None:
        """v += coeffs @ basis, in place: ``basis`` (k, N), ``coeffs`` (k,) numbers."""
        ...


class _BufferPool:
    """The arrays of the last solve on this thread, lent out again to the next one.

    Touching freshly allocated memory costs a page fault per 4 KiB; on a virtual machine
    that is as slow as computing on the memory. Solves of one frame after another at
    the same size (a clip) need the same arrays, so the next solve takes them back,
    zeroed. Only the last solve's arrays are kept: memory does not grow with the number
    of solves or of sizes seen.
    """

    def __init__(self) -> None:
        self.free: dict[tuple[tuple[int, ...], np.dtype], list[np.ndarray]] = {}
        self.lent: list[np.ndarray] = []

    def take(self, shape: tuple[int, ...], dtype: np.dtype, zeroed: bool = True) -> np.ndarray:
        """An array of this shape and dtype: the last solve's if there is one (zeroed if
        ``zeroed``), else fresh zeros."""
        stack = self.free.get((tuple(shape), dtype))
        if stack:
            array = stack.pop()
            if zeroed:
                array.fill(0)
        else:
            array = np.zeros(shape, dtype=dtype)
        self.lent.append(array)
        return array

    def take_back(self) -> None:
        """All lent arrays become free; arrays the last solve did not use are dropped."""
        self.free = {}
        for array in self.lent:
            self.free.setdefault((array.shape, array.dtype), []).append(array)
        self.lent = []


_POOLS = threading.local()


class NumpyBackend:
    """numpy in float32 (or ``dtype``): the default CPU path."""

    def __init__(self, dtype: npt.DTypeLike = np.float32):
        self.dtype = np.dtype(dtype)
        self._pool: _BufferPool | None = None

    def asarray(self, a: Any) -> np.ndarray:
        return np.ascontiguousarray(a, dtype=self.dtype)

    def zeros(self, shape: tuple[int, ...]) -> np.ndarray:
        return np.zeros(shape, dtype=self.dtype)

    def buffer(self, shape: tuple[int, ...], zeroed: bool = True) -> np.ndarray:
        """A solver's working array: zeros, or (``zeroed=False``) values never read before
        being written. Within :meth:`reused_buffers` it is lent from the pool."""
        if self._pool is not None:
            return self._pool.take(shape, self.dtype, zeroed)
        return np.zeros(shape, dtype=self.dtype) if zeroed else np.empty(shape, dtype=self.dtype)

    @contextmanager
    def reused_buffers(self) -> Iterator[None]:
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

    def to_numpy(self, a: np.ndarray) -> np.ndarray:
        return np.asarray(a, dtype=np.float64)

    @staticmethod
    def exp(a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        return np.exp(a, out=out)

    @staticmethod
    def maximum(a: np.ndarray, b: np.ndarray | float, out: np.ndarray | None = None) -> np.ndarray:
        return np.maximum(a, b, out=out)

    @staticmethod
    def minimum(a: np.ndarray, b: np.ndarray | float, out: np.ndarray | None = None) -> np.ndarray:
        return np.minimum(a, b, out=out)

    @staticmethod
    def norm(a: np.ndarray) -> float:
        # float32 sums (einsum's own loop, no BLAS threads): a relative error near 1e-5,
        # ample for the solver's stop test, without a float64 copy.
        flat = a.reshape(-1)
        return float(np.sqrt(np.einsum("i,i->", flat, flat)))

    @staticmethod
    def copy(dst: np.ndarray, src: np.ndarray) -> None:
        np.copyto(dst, src)

    @staticmethod
    def multiply(a: np.ndarray, b: np.ndarray | float, out: np.ndarray) -> None:
        np.multiply(a, b, out=out)

    @staticmethod
    def add(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
        np.add(a, b, out=out)

    @staticmethod
    def subtract(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
        np.subtract(a, b, out=out)

    @staticmethod
    def add_product(
        acc: np.ndarray, a: np.ndarray, b: np.ndarray, scratch: np.ndarray, base: np.ndarray | None = None
    ) -> None:
        """acc = (base, or acc) + a * b; ``scratch`` is a buffer of acc's shape."""
        np.multiply(a, b, out=scratch)
        np.add(acc if base is None else base, scratch, out=acc)

    @staticmethod
    def sub_product(
        acc: np.ndarray, a: np.ndarray, b: np.ndarray, scratch: np.ndarray, base: np.ndarray | None = None
    ) -> None:
        """acc = (base, or acc) - a * b; ``scratch`` is a buffer of acc's shape."""
        np.multiply(a, b, out=scratch)
        np.subtract(acc if base is None else base, scratch, out=acc)

    # einsum's own loops, not BLAS: a threaded BLAS splits the sums by its thread count,
    # so a farm worker (one thread) and the editor (several) would round differently and
    # the same frame would come out a level apart here and there.

    @staticmethod
    def inner(basis: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Inner products of the rows of ``basis`` (k, N) with ``v`` (N,): float64 (k,)."""
        return np.asarray(np.einsum("kn,n->k", basis, v), dtype=np.float64)

    def add_combination(self, v: np.ndarray, basis: np.ndarray, coeffs: npt.ArrayLike) -> None:
        """v += coeffs @ basis, in place: ``basis`` (k, N), ``coeffs`` (k,) numbers."""
        v += np.einsum("k,kn->n", np.asarray(coeffs, dtype=self.dtype), basis)


class TorchBackend:
    """torch in float32 on a given device ("cpu" or "cuda")."""

    def __init__(self, device: str):
        import torch  # deferred: torch takes seconds to import

        self.torch: Any = torch
        self.device = device
        self.dtype = torch.float32

    def asarray(self, a: Any) -> Array:
        if isinstance(a, self.torch.Tensor):
            return a.to(device=self.device, dtype=self.dtype).contiguous()
        return self.torch.as_tensor(np.ascontiguousarray(a), dtype=self.dtype, device=self.device)

    def zeros(self, shape: tuple[int, ...]) -> Array:
        return self.torch.zeros(shape, dtype=self.dtype, device=self.device)

    def buffer(self, shape: tuple[int, ...], zeroed: bool = True) -> Array:
        """A solver's working array (see :meth:`NumpyBackend.buffer`)."""
        if zeroed:
            return self.zeros(shape)
        return self.torch.empty(shape, dtype=self.dtype, device=self.device)

    @contextmanager
    def reused_buffers(self) -> Iterator[None]:
        """No pooling here: torch's own allocator already caches GPU memory."""
        yield

    def to_numpy(self, a: Array) -> np.ndarray:
        return a.detach().to("cpu", self.torch.float64).numpy()

    def exp(self, a: Array, out: Array | None = None) -> Array:
        return self.torch.exp(a, out=out)

    def maximum(self, a: Array, b: Array | float, out: Array | None = None) -> Array:
        return self.torch.maximum(a, self._like(b, a), out=out)

    def minimum(self, a: Array, b: Array | float, out: Array | None = None) -> Array:
        return self.torch.minimum(a, self._like(b, a), out=out)

    def norm(self, a: Array) -> float:
        return float(self.torch.linalg.vector_norm(a.double()))

    @staticmethod
    def copy(dst: Array, src: Array) -> None:
        dst.copy_(src)

    def multiply(self, a: Array, b: Array | float, out: Array) -> None:
        self.torch.mul(a, b, out=out)

    def add(self, a: Array, b: Array, out: Array) -> None:
        self.torch.add(a, b, out=out)

    def subtract(self, a: Array, b: Array, out: Array) -> None:
        self.torch.sub(a, b, out=out)

    def add_product(self, acc: Array, a: Array, b: Array, scratch: Array, base: Array | None = None) -> None:
        """acc = (base, or acc) + a * b, fused; ``scratch`` is unused."""
        self.torch.addcmul(acc if base is None else base, a, b, out=acc)

    def sub_product(self, acc: Array, a: Array, b: Array, scratch: Array, base: Array | None = None) -> None:
        """acc = (base, or acc) - a * b, fused; ``scratch`` is unused."""
        self.torch.addcmul(acc if base is None else base, a, b, value=-1.0, out=acc)

    @staticmethod
    def inner(basis: Array, v: Array) -> np.ndarray:
        """Inner products of the rows of ``basis`` (k, N) with ``v`` (N,): float64 (k,)."""
        return (basis @ v).double().cpu().numpy()

    def add_combination(self, v: Array, basis: Array, coeffs: npt.ArrayLike) -> None:
        """v += coeffs @ basis, in place: ``basis`` (k, N), ``coeffs`` (k,) numbers."""
        v.add_(self.asarray(coeffs) @ basis)

    def _like(self, value: Array | float, ref: Array) -> Array:
        if isinstance(value, self.torch.Tensor):
            return value
        return self.torch.tensor(value, dtype=self.dtype, device=ref.device)


if TYPE_CHECKING:  # the type checker verifies that both backends keep the contract
    _numpy_backend: ArrayBackend = NumpyBackend()
    _torch_backend: ArrayBackend = TorchBackend("cpu")


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


def backend_for(choice: DeviceChoice) -> ArrayBackend:
    """The array backend for a device: numpy on the CPU, torch on a GPU."""
    if choice.kind == "cuda":
        return TorchBackend("cuda")
    return NumpyBackend()
