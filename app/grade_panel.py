"""The per-shot grade panel: saturation and hue rotation of the current shot, after
propagation (chroma only; see :mod:`colorcore.grade`)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QPushButton, QSlider, QWidget


class GradePanel(QWidget):
    """Two sliders for the current shot.

    Signals:
        gradeEdited(float, float): saturation (0..4, 1 neutral) and hue rotation in degrees
            (-180..180), as the user moves a slider.
    """

    gradeEdited = Signal(float, float)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.shot_label = QLabel("No shot")
        self.shot_label.setObjectName("muted")
        self.saturation = QSlider(Qt.Orientation.Horizontal)
        self.saturation.setRange(0, 200)  # percent
        self.saturation.setValue(100)
        self.saturation.setToolTip("Saturation of the shot's colours (100%: as propagated)")
        self.hue = QSlider(Qt.Orientation.Horizontal)
        self.hue.setRange(-180, 180)
        self.hue.setValue(0)
        self.hue.setToolTip("Turn the shot's colours around the colour wheel (degrees)")
        self.saturation_value = QLabel("100%")
        self.hue_value = QLabel("0°")
        reset = QPushButton("Reset")
        reset.clicked.connect(lambda: self._emit(100, 0))
        form = QFormLayout(self)
        form.addRow(self.shot_label)
        form.addRow("Saturation", self.saturation)
        form.addRow("", self.saturation_value)
        form.addRow("Hue", self.hue)
        form.addRow("", self.hue_value)
        form.addRow("", reset)
        self.saturation.valueChanged.connect(lambda v: self._emit(v, self.hue.value()))
        self.hue.valueChanged.connect(lambda v: self._emit(self.saturation.value(), v))

    def show_grade(self, title: str, saturation: float, hue: float) -> None:
        """Show the current shot's grade without emitting."""
        self.shot_label.setText(title)
        for slider, value in ((self.saturation, round(saturation * 100)), (self.hue, round(hue))):
            slider.blockSignals(True)
            slider.setValue(value)
            slider.blockSignals(False)
        self._labels()

    def _labels(self) -> None:
        self.saturation_value.setText(f"{self.saturation.value()}%")
        self.hue_value.setText(f"{self.hue.value():+d}°" if self.hue.value() else "0°")

    def _emit(self, saturation: int, hue: int) -> None:
        self.show_grade(self.shot_label.text(), saturation / 100, hue)
        self.gradeEdited.emit(saturation / 100, float(hue))
