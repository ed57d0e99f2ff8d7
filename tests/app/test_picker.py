"""The luminance-aware picker's suggestion from the deep network, on real widgets and the
shipped base weights (CPU, one thread, 64x48 frames)."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from colorcore.colorspace import chroma_of, luma_of
from colorcore.guidance.hints import Stroke
from keyhue.network_suggestion import ADAPTED_LABEL, LABEL, suggestion_at
from keyhue.picker import at_luma
from tests.support.qt import make_grey_clip

X, Y = 30, 25


@pytest.fixture
def one_thread():
    torch = pytest.importorskip("torch")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield torch
    torch.set_num_threads(threads)


def opened(make_window, tmp_path):
    window = make_window()
    assert window.open_path(make_grey_clip(tmp_path / "clip.mkv", 6))
    return window


def network_colour(qtbot, window, label=LABEL):
    """Open the picker at (X, Y), wait for the network's suggestion; (dialog, colour 0..255)."""
    dialog = window.open_picker(X, Y)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: any(text.startswith(LABEL) for text in dialog.suggested), timeout=60000)
    assert label in dialog.suggested, list(dialog.suggested)
    return dialog, np.round(np.array(dialog.suggested[label]) * 255).astype(np.uint8)


def test_the_network_suggests_a_colour_at_the_pixels_luma_for_this_frame_and_its_strokes(
    qtbot, make_window, tmp_path, one_thread
):
    from colorcore.video.propagate import network_chroma

    window = opened(make_window, tmp_path)
    dialog = window.open_picker(X, Y)
    qtbot.addWidget(dialog)
    placeholder = dialog.suggestion_buttons[-1]
    assert placeholder.text() == f"{LABEL}…" and not placeholder.isEnabled()  # predicting, UI free
    assert "deep network" in placeholder.toolTip()
    dialog, guess = network_colour(qtbot, window)
    level = int(window.grey[Y, X])
    assert round(float(luma_of(guess[None, None])[0, 0]) * 255) == level  # luma is sacred
    # No stroke, reference or exemplar here: the base weights suggest near grey, inventing nothing.
    assert np.abs(chroma_of(guess[None, None])[0, 0]).max() < 0.03
    # The frame's prediction is kept: the next click is instant.
    again = window.open_picker(X + 3, Y)
    qtbot.addWidget(again)
    assert LABEL in again.suggested and all(b.isEnabled() for b in again.suggestion_buttons)
    assert again.suggestion_button(LABEL).toolTip() == placeholder.toolTip()
    # A stroke through the point: the network keeps it, so the suggestion is the stroke's colour.
    window.document.add_stroke(Stroke([(X - 10, Y), (X + 10, Y)], color=(0.2, 0.4, 0.9), width=7, frame=0))
    dialog, stroked = network_colour(qtbot, window)
    assert round(float(luma_of(stroked[None, None])[0, 0]) * 255) == level
    blue = np.round(np.array(at_luma((0.2, 0.4, 0.9), level / 255)) * 255)
    assert np.abs(stroked.astype(int) - blue).max() <= 2
    assert np.abs(stroked.astype(int) - guess).max() > 20
    # Another frame (other pixels, no strokes): the engine's prediction for that frame.
    window.go_to(3)
    dialog, other = network_colour(qtbot, window)
    chroma = network_chroma(window.grey, window.document.project.guidance(), 3, device="cpu")
    expected = np.round(np.array(suggestion_at(chroma, int(window.grey[Y, X]) / 255, X, Y)) * 255)
    assert np.abs(other.astype(int) - expected).max() <= 1
    assert (
        np.abs(window.network_suggestions.kept(window._network_key(window.document.project))[0] - chroma).max() < 1e-6
    )


def test_the_network_adapted_to_this_film_is_the_one_asked(qtbot, make_window, tmp_path, one_thread):
    from colorcore.solvers.deep.adapt import project_network

    window = opened(make_window, tmp_path)
    window.document.add_stroke(Stroke([(5, 10), (60, 10)], color=(0.9, 0.3, 0.1), width=4, frame=0))
    window.document.project.settings.update(adapt=2, device="cpu")
    assert window._save_to(tmp_path / "film.keyhue")
    project_network(window.document.project, window.clip, 2, device="cpu")  # what Learn This Film keeps
    _, colour = network_colour(qtbot, window, ADAPTED_LABEL)
    assert round(float(luma_of(colour[None, None])[0, 0]) * 255) == int(window.grey[Y, X])


def test_without_the_weights_file_the_picker_has_no_network_suggestion(qtbot, make_window, tmp_path):
    window = opened(make_window, tmp_path)
    window.document.project.settings["weights"] = str(tmp_path / "gone.safetensors")
    dialog = window.open_picker(X, Y)
    qtbot.addWidget(dialog)
    assert not any(b.text().startswith(LABEL) for b in dialog.suggestion_buttons)
    assert dialog.pick_cell(100, 100) and dialog.chosen is not None


def test_without_torch_the_picker_has_no_network_suggestion(tmp_path):
    """torch blocked in a fresh process (sys.modules), as if keyhue[torch] were not installed."""
    script = textwrap.dedent(
        f"""
        import json, sys
        sys.modules["torch"] = None
        from pathlib import Path
        from PySide6.QtCore import QSettings
        from PySide6.QtWidgets import QApplication
        from keyhue.window import MainWindow
        from tests.support.qt import make_grey_clip

        app = QApplication([])
        folder = Path({str(tmp_path)!r})
        settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(settings=settings, autosave_dir=folder / "a", cache_dir=folder / "c", log_dir=folder / "l")
        assert window.open_path(make_grey_clip(folder / "clip.mkv", 3))
        dialog = window.open_picker({X}, {Y})
        picked = dialog.pick_cell(100, 100)
        print(json.dumps({{"labels": [b.text() for b in dialog.suggestion_buttons], "picked": picked,
                          "torch": "torch" in sys.modules and sys.modules["torch"] is not None}}))
        """
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=180, env=env, cwd=root
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["picked"] and not result["torch"]
    assert not any(label.startswith(LABEL) for label in result["labels"])
