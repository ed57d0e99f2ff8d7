"""Still images: read and write single frames, list a folder of frames.

OpenCV does the coding (8- and 16-bit PNG and TIFF, BMP, JPEG). Files are read into
memory and decoded with ``cv2.imdecode`` rather than ``cv2.imread`` so that a missing
file, an unreadable one and a corrupt one give different messages, and so that non-ASCII
paths work on every platform. Arrays are RGB; OpenCV's BGR never leaves this module.
"""

from __future__ import annotations

import base64
import contextlib
import io
import os
import re
import struct
import zlib
from pathlib import Path

import cv2
import numpy as np

from colorcore.errors import InputError
from colorcore.media.limits import check_frame_size, check_regular_file, png_size
from colorcore.media.pixels import SUPPORTED_DTYPES

#: Extensions (lower case) that count as frames in a folder and that write_image accepts.
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp")
_EIGHT_BIT_ONLY = (".jpg", ".jpeg", ".bmp")

_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"BM", "BMP"),
)


def natural_key(name: str) -> tuple:
    """Sort key that orders digit runs by value: 'frame2' < 'frame10'; case-insensitive.

    The name itself is the final tie-break, so the order is total and repeatable.
    """
    parts = re.split(r"(\d+)", name)
    # re.split with a group alternates text, digits, text...; position keeps types apart.
    return tuple(int(p) if i % 2 else p.casefold() for i, p in enumerate(parts)), name


def list_image_files(folder: str | os.PathLike) -> list[Path]:
    """Image files directly inside ``folder`` (see IMAGE_EXTENSIONS), in natural order.

    Hidden files (name starting with '.') and sub-folders are skipped.
    """
    folder = Path(folder)
    files = [
        p
        for p in folder.iterdir()
        if not p.name.startswith(".") and p.suffix.lower() in IMAGE_EXTENSIONS and p.is_file()
    ]
    return sorted(files, key=lambda p: natural_key(p.name))


@contextlib.contextmanager
def _quiet_opencv():
    # OpenCV prints its own errors for bad files on stderr; ours is the one line the user
    # should see.
    logging = getattr(getattr(cv2, "utils", None), "logging", None)
    if logging is None:
        yield
        return
    level = logging.getLogLevel()
    logging.setLogLevel(logging.LOG_LEVEL_SILENT)
    try:
        yield
    finally:
        logging.setLogLevel(level)


def _kind(data: bytes) -> str | None:
    for signature, kind in _SIGNATURES:
        if data.startswith(signature):
            return kind
    return None


def _png_chunks_intact(data: bytes) -> bool:
    # libpng prints its own line on stderr for a damaged chunk before OpenCV gives up;
    # checking every chunk's length and CRC first (zlib.crc32 runs at GB/s) keeps the
    # user's view to our one line.
    pos = 8
    end = len(data)
    while pos + 12 <= end:
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        stop = pos + 12 + length
        if stop > end:
            return False
        chunk = data[pos + 4 : pos + 8 + length]
        if zlib.crc32(chunk) != struct.unpack(">I", data[pos + 8 + length : stop])[0]:
            return False
        if chunk[:4] == b"IEND":
            return True
        pos = stop
    return False


def _looks_truncated(data: bytes, kind: str | None) -> bool:
    # Some OpenCV builds return a half-grey picture for a cut JPEG, with only a warning.
    if kind == "PNG":
        return not _png_chunks_intact(data)
    if kind == "JPEG":
        # Entropy-coded data never holds a bare FFD9, so the main image's end-of-image
        # marker must follow its last start-of-scan marker.
        return data.rfind(b"\xff\xd9") < data.rfind(b"\xff\xda")
    return False


def _read_bytes(path: Path) -> bytes:
    if path.exists() and not path.is_dir():
        check_regular_file(path, "image")  # a named pipe would block forever
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"cannot open '{path}': no such file") from None
    except IsADirectoryError:
        raise InputError(f"cannot open '{path}': it is a folder, not an image file") from None
    except OSError as exc:
        raise InputError(f"cannot read '{path}': {exc.strerror or exc}") from None
    if not data:
        raise InputError(f"cannot read '{path}': the file is empty")
    return data


def read_image(path: str | os.PathLike) -> np.ndarray:
    """Read a still image as stored.

    Args:
        path: a PNG, JPEG, TIFF or BMP file (anything OpenCV decodes).

    Returns:
        HxW (grey) or HxWx3 (RGB order) array, uint8 (0..255) or uint16 (0..65535) as the
        file stores it. An alpha channel is dropped; a palette image comes back as RGB.

    Raises:
        InputError: the file is missing, empty, not a regular file (a named pipe), not an
            image, truncated or corrupt, larger than colorcore.media.limits allow
            (checked from the header, before decoding), or holds samples other than 8-
            or 16-bit unsigned integers.
    """
    path = Path(path)
    data = _read_bytes(path)
    kind = _kind(data)
    truncated = _looks_truncated(data, kind)
    if not truncated:
        _check_declared_size(data, f"'{path}'")
    image = None
    if not truncated:
        with _quiet_opencv():
            try:
                image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
            except cv2.error:
                image = None
    if image is None:
        if kind is None:
            raise InputError(f"cannot read '{path}': not a PNG, JPEG, TIFF or BMP image")
        raise InputError(f"cannot read '{path}': the {kind} data is truncated or corrupt")
    if image.dtype not in SUPPORTED_DTYPES:
        raise InputError(f"cannot read '{path}': it has {image.dtype} samples; only 8- and 16-bit images are supported")
    if image.ndim == 3:
        channels = image.shape[2]
        if channels in (1, 2):  # grey, or grey + alpha
            image = image[:, :, 0]
        elif channels == 3:
            image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        elif channels == 4:
            image = cv2.cvtColor(image, cv2.COLOR_BGRA2RGB)
        else:
            raise InputError(f"cannot read '{path}': {channels} colour channels are not supported")
    return np.ascontiguousarray(image)


def _check_declared_size(data: bytes, what: str) -> None:
    """Refuse an image whose header declares a size beyond the limits, before decoding."""
    try:
        size = _header_size(io.BytesIO(data))
    except (struct.error, ValueError):
        size = None
    if size is not None:
        check_frame_size(size[0], size[1], what)


def image_size(path: str | os.PathLike) -> tuple[int, int]:
    """(width, height) of an image file, from its header when possible (no decoding).

    PNG, JPEG, BMP and classic TIFF headers are parsed directly, which makes checking a
    folder of thousands of frames quick; other files are decoded.

    Raises:
        InputError: as read_image, when the header cannot be parsed and decoding fails.
    """
    path = Path(path)
    try:
        with open(path, "rb") as f:
            size = _header_size(f)
    except (OSError, struct.error, ValueError):
        size = None
    if size is not None and size[0] > 0 and size[1] > 0:
        return size
    image = read_image(path)
    return image.shape[1], image.shape[0]


def _header_size(f) -> tuple[int, int] | None:
    head = f.read(32)
    if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR":
        return struct.unpack(">II", head[16:24])
    if head.startswith(b"BM"):
        header_size = struct.unpack("<I", head[14:18])[0]
        if header_size == 12:  # OS/2 BITMAPCOREHEADER
            return struct.unpack("<HH", head[18:22])
        width, height = struct.unpack("<ii", head[18:26])
        return width, abs(height)  # negative height means top-down rows
    if head.startswith(b"\xff\xd8"):
        return _jpeg_size(f)
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return _tiff_size(f, "<" if head[:2] == b"II" else ">")
    return None


def _jpeg_size(f) -> tuple[int, int] | None:
    f.seek(2)
    while True:
        byte = f.read(1)
        if not byte:
            return None
        if byte != b"\xff":
            continue
        marker = f.read(1)
        while marker == b"\xff":  # fill bytes
            marker = f.read(1)
        if not marker:
            return None
        m = marker[0]
        if m in (0x01, 0xD8) or 0xD0 <= m <= 0xD7:  # markers without a length
            continue
        (length,) = struct.unpack(">H", f.read(2))
        if 0xC0 <= m <= 0xCF and m not in (0xC4, 0xC8, 0xCC):  # start of frame
            _precision, height, width = struct.unpack(">BHH", f.read(5))
            return width, height
        f.seek(length - 2, os.SEEK_CUR)


def _tiff_size(f, order: str) -> tuple[int, int] | None:
    f.seek(4)
    (offset,) = struct.unpack(order + "I", f.read(4))
    f.seek(offset)
    (count,) = struct.unpack(order + "H", f.read(2))
    found = {}
    for _ in range(count):
        tag, kind, _n, value = struct.unpack(order + "HHI4s", f.read(12))
        if tag in (256, 257):
            fmt = "H" if kind == 3 else "I"
            found[tag] = struct.unpack(order + fmt, value[: struct.calcsize(fmt)])[0]
    if 256 in found and 257 in found:
        return found[256], found[257]
    return None


def encode_image(array: np.ndarray, extension: str) -> bytes:
    """Encode an RGB (or RGBA, or grey) array into the bytes of an image file.

    Args:
        array: HxW, HxWx3 RGB or HxWx4 RGBA (PNG and TIFF only), uint8 or uint16.
        extension: '.png', '.tif'/'.tiff' (8 or 16 bit), '.bmp', '.jpg'/'.jpeg' (8 bit).

    Raises:
        InputError: unsupported extension, or 16-bit data for an 8-bit-only format.
        ValueError: the array has the wrong shape or dtype (a programming error).
    """
    ext = extension.lower()
    if ext not in IMAGE_EXTENSIONS:
        raise InputError(f"cannot write a '{extension}' image: use .png, .tif/.tiff, .bmp or .jpg/.jpeg")
    array = np.asarray(array)
    if array.dtype not in SUPPORTED_DTYPES:
        raise ValueError(f"images are uint8 or uint16, not {array.dtype}")
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    alpha = array.ndim == 3 and array.shape[2] == 4 and ext in (".png", ".tif", ".tiff")
    if not (array.ndim == 2 or (array.ndim == 3 and array.shape[2] == 3) or alpha):
        raise ValueError(f"expected an HxW or HxWx3 image (or HxWx4 for PNG/TIFF), got shape {array.shape}")
    if array.dtype == np.uint16 and ext in _EIGHT_BIT_ONLY:
        raise InputError(f"'{ext}' images hold 8 bits per sample; use .png or .tif for 16-bit")
    if array.ndim == 3:
        array = cv2.cvtColor(np.ascontiguousarray(array), cv2.COLOR_RGBA2BGRA if alpha else cv2.COLOR_RGB2BGR)
    params: list[int] = []
    if ext == ".png":
        params = [cv2.IMWRITE_PNG_COMPRESSION, 3]  # good size for little time
    elif ext in (".jpg", ".jpeg"):
        params = [cv2.IMWRITE_JPEG_QUALITY, 95]
    ok, buffer = cv2.imencode(ext, np.ascontiguousarray(array), params)
    if not ok:
        raise RuntimeError(f"OpenCV could not encode a {array.shape} {array.dtype} image as {ext}")
    return buffer.tobytes()


def png_text(array: np.ndarray) -> str:
    """An HxWx3 RGB or HxWx4 RGBA uint8/uint16 image as base64 text of a PNG (lossless),
    for embedding in JSON files."""
    return base64.b64encode(encode_image(array, ".png")).decode("ascii")


def image_from_png_text(text: str, channels: int, what: str) -> np.ndarray:
    """The image of :func:`png_text`: HxWx``channels`` (3: RGB, 4: RGBA) uint8/uint16.

    Raises:
        InputError: ``text`` is not base64 of a PNG with that many channels; the message
            starts with ``what`` (e.g. "the project file is damaged: reference 2").
    """
    try:
        raw = base64.b64decode(text, validate=True)
    except (ValueError, TypeError):
        raise InputError(f"{what} is not valid base64") from None
    size = png_size(raw)
    if size is None or not _png_chunks_intact(raw):
        raise InputError(f"{what} is not an {'RGBA' if channels == 4 else 'RGB'} PNG image")
    check_frame_size(size[0], size[1], what)
    data = np.frombuffer(raw, dtype=np.uint8)
    with _quiet_opencv():
        image = cv2.imdecode(data, cv2.IMREAD_UNCHANGED) if data.size else None
    if image is None or image.ndim != 3 or image.shape[2] != channels:
        raise InputError(f"{what} is not an {'RGBA' if channels == 4 else 'RGB'} PNG image")
    return cv2.cvtColor(image, cv2.COLOR_BGRA2RGBA if channels == 4 else cv2.COLOR_BGR2RGB)


def write_image(path: str | os.PathLike, array: np.ndarray) -> None:
    """Write an image atomically; the extension picks the format.

    Args:
        path: target file; '.png', '.tif'/'.tiff' (8 or 16 bit), '.bmp' or '.jpg'/'.jpeg'
            (8 bit, quality 95). An existing file is replaced.
        array: HxW grey or HxWx3 RGB, uint8 (0..255) or uint16 (0..65535).

    The data goes to a temporary file in the same folder that is renamed over ``path``
    only once complete, so readers never see half an image.

    Raises:
        InputError: the folder does not exist, ``path`` is a folder, the extension is not
            supported, or 16-bit data is given for JPEG or BMP.
    """
    path = Path(path)
    parent = path.parent
    if not parent.is_dir():
        raise InputError(f"cannot write '{path}': folder '{parent}' does not exist")
    if path.is_dir():
        raise InputError(f"cannot write '{path}': it is a folder")
    data = encode_image(array, path.suffix)
    try:
        write_bytes_atomic(path, data)
    except OSError as exc:
        raise InputError(f"cannot write '{path}': {exc.strerror or exc}") from None


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary sibling of ``path``, then rename it onto ``path``.

    The sibling is named by :func:`colorcore.media.leftovers.partial_file` (with this
    process's id), so a save killed halfway is swept at the next start.

    Raises:
        OSError: the file cannot be written; the temporary sibling is removed.
    """
    from colorcore.media.leftovers import partial_file

    tmp = partial_file(path)
    try:
        # 'xb' rather than mkstemp: the file gets the usual permissions (umask), not 0600.
        with open(tmp, "xb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        # The first error is the one to report; the start-up sweep removes what is left.
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise
