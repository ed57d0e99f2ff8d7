"""The editor's "Learn This Film" and the deep solver in the Colour menu, on a real clip."""

import numpy as np
import pytest

pytest.importorskip("torch")

from colorcore.guidance.hints import Stroke
from colorcore.solvers.deep import adapt, data, train
from tests.support.qt import make_grey_clip


@pytest.fixture(scope="module")
def tiny_weights(tmp_path_factory):
    out = tmp_path_factory.mktemp("w") / "tiny.safetensors"
    settings = train.TrainSettings(
        steps=4,
        batch=2,
        crop=48,
        checkpoint_every=4,
        validate_every=4,
        validation_crops=2,
        widths=(4, 8, 8, 8, 8),
    )
    train.train(data.PictureSet(synthetic=1.0), out, settings, log=lambda s: None)
    return out


def test_learn_this_film_shows_progress_keeps_the_network_and_switches_to_deep(
    qtbot, make_window, tmp_path, tiny_weights, monkeypatch
):
    from colorcore.solvers.deep import weights

    monkeypatch.setattr(weights, "BASE_WEIGHTS", tiny_weights)  # the keyframe preview's network
    window = make_window()
    assert window.open_path(make_grey_clip(tmp_path / "clip.mkv", 6))
    window.document.add_stroke(Stroke([(5, 40), (60, 40)], color=(0.2, 0.3, 0.9), width=4, frame=0))
    window.document.project.settings.update(weights=str(tiny_weights), adapt=4, device="cpu")
    assert window._save_to(tmp_path / "film.keyhue")
    seen = []
    window.progress.valueChanged.connect(lambda v: seen.append(v / max(window.progress.maximum(), 1)))
    assert window.learn_film_action.isEnabled()
    window.learn_film_action.trigger()
    assert window.progress.isVisible() and not window.propagate_action.isEnabled()
    qtbot.waitUntil(lambda: window.worker is None, timeout=60000)
    assert "Learned this film" in window.statusBar().currentMessage()
    assert seen and max(seen) == 1.0 and not window.progress.isVisible()
    assert window.document.project.settings["solver"] == "deep"
    assert adapt.adapted_path(tmp_path / "film.keyhue").is_file()
    assert window.setting_actions["solver", "deep"].isChecked()
    # Propagation now runs the adapted network, read back from beside the project.
    assert window.propagate()
    qtbot.waitUntil(lambda: window.worker is None, timeout=60000)
    assert sorted(window.results) == list(range(6))
    # The keyframe's preview runs that network too: the preview is the propagated frame.
    window.go_to(0)
    window.previews.pop(0, None)
    window._preview_final.pop(0, None)
    window._request_preview()
    qtbot.waitUntil(lambda: window._preview_final.get(0) is True and 0 in window.previews, timeout=60000)
    assert np.array_equal(window.previews[0], window.results.get(0))


def test_learn_this_film_without_keyframes_explains(qtbot, make_window, tmp_path, dialogs):
    window = make_window()
    assert window.open_path(make_grey_clip(tmp_path / "clip.mkv", 4))
    assert not window.learn_film()
    assert dialogs.warnings and "Nothing to learn" in dialogs.warnings[0][0]


def test_the_deep_preview_loads_the_network_once_and_picks_up_new_adapted_weights(
    qtbot, make_window, tmp_path, tiny_weights
):
    import torch

    from colorcore.solvers.deep import weights

    window = make_window()
    assert window.open_path(make_grey_clip(tmp_path / "clip.mkv", 4))
    # Strokes unlike the other tests': no network learned for them in this session (adapt._RECENT).
    window.document.add_stroke(Stroke([(5, 30), (60, 30)], color=(0.8, 0.5, 0.2), width=4, frame=0))
    window.document.project.settings.update(weights=str(tiny_weights), adapt=4, device="cpu", solver="deep")
    assert window._save_to(tmp_path / "film.keyhue")
    kept = adapt.adapted_path(tmp_path / "film.keyhue")
    model = weights.load_network(tiny_weights)
    weights.save_network(model, kept, {"fingerprint": "earlier guidance"})  # as "learn this film" leaves it

    def preview():
        window.go_to(0)
        window.previews.pop(0, None)
        window._preview_final.pop(0, None)
        window._request_preview()
        qtbot.waitUntil(lambda: window._preview_final.get(0) is True and 0 in window.previews, timeout=60000)
        return window.previews[0].copy()

    first = preview()
    loads = weights.load_count()
    assert np.array_equal(preview(), first)
    assert np.array_equal(preview(), first)
    assert weights.load_count() == loads  # the kept network, not loaded again
    with torch.no_grad():
        model.head.bias += torch.tensor([0.08, -0.05])
    weights.save_network(model, kept, {"fingerprint": "new guidance"})  # learned again
    changed = preview()
    assert weights.load_count() == loads + 1
    assert np.abs(changed.astype(int) - first.astype(int)).max() > 3
