"""Placing a reference of another size or framing onto a frame: scale, crop and offset it
over an onion skin of the grey frame, starting from an automatic alignment.

:func:`auto_align` finds the scale and offset by matching ORB features between the
reference's luma and the frame's (a similarity transform, RANSAC), and falls back to a
centred "cover" fit when too few features agree. :func:`place` resamples the reference
into the frame's grid; the result is an ordinary aligned reference (undoable, saved in
the project). Frame pixels the placed reference does not cover take the frame's own grey
(no colour is invented there).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from colorcore.colorspace import luma_of
from keyhue.imaging import to_qimage


@dataclass(frozen=True)
class Placement:
    """How a reference lies on the frame: crop (pixels off each side of the reference),
    then scale, then the cropped reference's top-left corner at (x, y) frame pixels."""

    scale: float = 1.0
    x: float = 0.0
    y: float = 0.0
    crop_left: int = 0
    crop_top: int = 0
    crop_right: int = 0
    crop_bottom: int = 0


def _grey8(image: np.ndarray) -> np.ndarray:
    return np.round(luma_of(image) * 255).astype(np.uint8)


def cover_fit(reference_size: tuple[int, int], frame_size: tuple[int, int]) -> Placement:
    """The reference scaled to cover the frame, centred. Sizes are (width, height)."""
    (rw, rh), (fw, fh) = reference_size, frame_size
    scale = max(fw / rw, fh / rh)
    return Placement(scale, (fw - rw * scale) / 2, (fh - rh * scale) / 2)


def auto_align(frame_luma: np.ndarray, reference: np.ndarray) -> tuple[Placement, bool]:
    """A placement of ``reference`` (HxWx3 RGB) on the frame (HxW luma uint8/uint16).

    Returns:
        (placement, matched): ``matched`` is False when features did not agree and the
        placement is the cover fit.
    """
    frame = _grey8(frame_luma)
    ref = _grey8(reference)
    fallback = cover_fit((ref.shape[1], ref.shape[0]), (frame.shape[1], frame.shape[0]))
    orb = cv2.ORB_create(nfeatures=1500, edgeThreshold=8, patchSize=15)
    kp_ref, des_ref = orb.detectAndCompute(ref, None)
    kp_frame, des_frame = orb.detectAndCompute(frame, None)
    if des_ref is None or des_frame is None or len(kp_ref) < 8 or len(kp_frame) < 8:
        return fallback, False
    matches = cv2.BFMatcher(cv2.NORM_HAMMING, crossCheck=True).match(des_ref, des_frame)
    if len(matches) < 8:
        return fallback, False
    src = np.float32([kp_ref[m.queryIdx].pt for m in matches])
    dst = np.float32([kp_frame[m.trainIdx].pt for m in matches])
    matrix, inliers = cv2.estimateAffinePartial2D(src, dst, method=cv2.RANSAC, ransacReprojThreshold=3.0)
    if matrix is None or inliers is None or int(inliers.sum()) < 8:
        return fallback, False
    scale = float(np.hypot(matrix[0, 0], matrix[1, 0]))
    if not 0.05 < scale < 20:
        return fallback, False
    return Placement(scale, float(matrix[0, 2]), float(matrix[1, 2])), True


def place(reference: np.ndarray, placement: Placement, frame_luma: np.ndarray) -> np.ndarray:
    """The reference resampled onto the frame grid: HxWx3 of ``reference``'s dtype and the
    frame's size; uncovered pixels are the frame's grey."""
    height, width = frame_luma.shape
    p = placement
    h, w = reference.shape[:2]
    cropped = reference[
        p.crop_top : max(p.crop_top + 1, h - p.crop_bottom), p.crop_left : max(p.crop_left + 1, w - p.crop_right)
    ]
    matrix = np.float32([[p.scale, 0, p.x], [0, p.scale, p.y]])
    interpolation = cv2.INTER_AREA if p.scale < 1 else cv2.INTER_LINEAR
    warped = cv2.warpAffine(np.ascontiguousarray(cropped), matrix, (width, height), flags=interpolation)
    covered = cv2.warpAffine(np.ones(cropped.shape[:2], np.uint8), matrix, (width, height), flags=cv2.INTER_NEAREST)
    top = np.iinfo(reference.dtype).max
    grey = np.round(luma_of(frame_luma) * top).astype(reference.dtype)
    out = np.repeat(grey[..., None], 3, axis=2)
    out[covered > 0] = warped[covered > 0]
    return out


class _Onion(QWidget):
    """The grey frame with the placed reference over it at an adjustable opacity."""

    def __init__(self, grey: QImage, parent=None):
        super().__init__(parent)
        self.grey = grey
        self.placed: QImage | None = None
        self.opacity = 0.5
        self.setMinimumSize(480, 270)

    def paintEvent(self, event):
        painter = QPainter(self)
        painter.fillRect(self.rect(), Qt.GlobalColor.black)
        scale = min(self.width() / self.grey.width(), self.height() / self.grey.height())
        w, h = self.grey.width() * scale, self.grey.height() * scale
        target = QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)
        painter.drawImage(target, self.grey)
        if self.placed is not None:
            painter.setOpacity(self.opacity)
            painter.drawImage(target, self.placed)
        painter.end()


class ReferencePlacer(QDialog):
    """Scale, crop and offset a reference onto the current frame; ``placed()`` gives the
    aligned reference once accepted.

    Args:
        frame_luma: HxW luma of the frame (uint8/uint16).
        reference: HxWx3 RGB of any size.
    """

    def __init__(self, frame_luma: np.ndarray, reference: np.ndarray, name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"Place {name} on the frame")
        self.frame_luma, self.reference = frame_luma, reference
        self.onion = _Onion(to_qimage(frame_luma))
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.scale = QDoubleSpinBox(decimals=3, minimum=0.05, maximum=20.0, singleStep=0.01)
        self.x = QDoubleSpinBox(decimals=1, minimum=-20000, maximum=20000)
        self.y = QDoubleSpinBox(decimals=1, minimum=-20000, maximum=20000)
        h, w = reference.shape[:2]
        self.crops = [QSpinBox(minimum=0, maximum=max(0, (w if i % 2 == 0 else h) - 1)) for i in range(4)]
        self.opacity = QSlider(Qt.Orientation.Horizontal, minimum=0, maximum=100, value=50)
        self.opacity.valueChanged.connect(self._opacity_changed)
        align = QPushButton("Auto align")
        align.clicked.connect(self.auto_align)
        form = QFormLayout()
        form.addRow("Scale", self.scale)
        form.addRow("Offset x", self.x)
        form.addRow("Offset y", self.y)
        for label, box in zip(("Crop left", "Crop top", "Crop right", "Crop bottom"), self.crops):
            form.addRow(label, box)
        form.addRow("Onion skin", self.opacity)
        form.addRow(align)
        form.addRow(self.status)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.onion, 1)
        row.addLayout(form)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(buttons)
        for box in (self.scale, self.x, self.y, *self.crops):
            box.valueChanged.connect(self._update)
        self.auto_align()

    def placement(self) -> Placement:
        """The placement as set."""
        left, top, right, bottom = (box.value() for box in self.crops)
        return Placement(self.scale.value(), self.x.value(), self.y.value(), left, top, right, bottom)

    def set_placement(self, placement: Placement) -> None:
        """Show ``placement`` in the controls."""
        for box, value in (
            (self.scale, placement.scale),
            (self.x, placement.x),
            (self.y, placement.y),
            *zip(self.crops, (placement.crop_left, placement.crop_top, placement.crop_right, placement.crop_bottom)),
        ):
            box.blockSignals(True)
            box.setValue(value)
            box.blockSignals(False)
        self._update()

    def auto_align(self) -> bool:
        """Start from the automatic alignment; True when features matched."""
        placement, matched = auto_align(self.frame_luma, self.reference)
        self.set_placement(placement)
        self.status.setText(
            "Aligned on matching features; adjust if need be."
            if matched
            else "No reliable feature match: the reference covers the frame, centred. Adjust it by hand."
        )
        return matched

    def placed(self) -> np.ndarray:
        """The reference on the frame grid (see :func:`place`)."""
        return place(self.reference, self.placement(), self.frame_luma)

    def _opacity_changed(self, value: int) -> None:
        self.onion.opacity = value / 100
        self.onion.update()

    def _update(self) -> None:
        self.onion.placed = to_qimage(self.placed())
        self.onion.update()
