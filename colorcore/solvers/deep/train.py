"""Training the scribble network (``colorcore train``): loop, checkpoints, resume, validation.

Each step draws a batch of random crops with simulated hints and priors
(:mod:`.data`); the batch is a function of (seed, step), so a run resumed from its
checkpoint continues exactly as it would have without the interruption. The loss
(:func:`chroma_loss`) is the squared error of the RGB picture the chroma makes, the
benchmark's own measure (PSNR): its minimiser is the conditional mean colour, so where
nothing (no hint, no prior, no telling luma) supports one hue over another the network
learns to stay near grey instead of guessing a vivid colour. Every ``validate_every`` steps the network is scored on a
fixed validation set (crops drawn once from a separate seed): PSNR of the RGB picture
rebuilt from the true luma and the predicted chroma, beside the same score for the prior
alone, so the printout shows what the network adds.

Files: the weights (``OUT``, safetensors, see :mod:`.weights`) are rewritten at every
checkpoint, so an interrupted run leaves usable weights; ``OUT.ckpt`` (torch, loaded
with ``weights_only=True``: no code runs on load) also holds the optimiser's state and
the step, for ``--resume``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from colorcore.errors import CancelledError, InputError
from colorcore.solvers.deep import require_torch
from colorcore.solvers.deep.data import PictureSet, Simulation, make_batch, rgb_of
from colorcore.solvers.deep.model import PRIOR_RAMP, WIDTHS

if TYPE_CHECKING:
    import torch

    from colorcore.solvers.deep.model import ScribbleNet


@dataclass(frozen=True)
class TrainSettings:
    """Hyper-parameters of a training run (all recorded in the weights' metadata)."""

    steps: int = 3000
    batch: int = 8
    crop: int = 112
    lr: float = 1e-3
    seed: int = 0
    checkpoint_every: int = 200
    validate_every: int = 200
    validation_crops: int = 32
    widths: tuple[int, ...] = WIDTHS
    simulation: Simulation = field(default_factory=Simulation)


def chroma_loss(predicted: torch.Tensor, target: torch.Tensor, weight: torch.Tensor | None = None) -> torch.Tensor:
    """Mean squared RGB error (0..1 scale, per channel) of chroma ``predicted`` against ``target``.

    Args:
        predicted, target: Nx2xHxW float chroma (I, Q).
        weight: None, or Nx1xHxW float >= 0 per-pixel weights (a weighted mean).

    Returns:
        A scalar tensor. With luma equal, the RGB difference is linear in the chroma
        difference d (``YIQ_TO_RGB[:, 1:] @ d``), so this is the quadratic form of d that
        PSNR measures (ignoring the clip to 0..1).
    """
    from colorcore.colorspace import YIQ_TO_RGB

    to_rgb = YIQ_TO_RGB[:, 1:]
    gram = (to_rgb.T @ to_rgb / 3.0).astype(np.float32)  # per-channel mean of the 3 squared RGB errors
    d = predicted - target
    per_pixel = gram[0, 0] * d[:, :1] ** 2 + 2 * gram[0, 1] * d[:, :1] * d[:, 1:] + gram[1, 1] * d[:, 1:] ** 2
    if weight is None:
        return per_pixel.mean()
    return (per_pixel * weight).sum() / (weight.sum() + 1e-6)


def learning_rate(step: int, settings: TrainSettings) -> float:
    """Warm-up over the first 100 steps, then a cosine fall to 1/20 of ``settings.lr``."""
    warm = min(1.0, (step + 1) / 100)
    progress = min(1.0, step / max(settings.steps, 1))
    return settings.lr * warm * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * progress)))


def checkpoint_path(weights: Path) -> Path:
    """Where training keeps its resumable state for the weights file ``weights``."""
    return Path(str(weights) + ".ckpt")


def validation_set(pictures: PictureSet, settings: TrainSettings) -> tuple[np.ndarray, np.ndarray]:
    """The fixed validation crops: (inputs Nx7xSxS, targets Nx2xSxS) float32, from seed ``seed + 1_000_003``."""
    rng = np.random.default_rng([settings.seed, 1_000_003])
    return make_batch(pictures, rng, settings.validation_crops, settings.crop, settings.simulation, augment=False)


def score(
    model: ScribbleNet, inputs: np.ndarray, targets: np.ndarray, device: str | torch.device = "cpu"
) -> dict[str, float]:
    """Mean PSNR (dB, RGB on 0..1) of ``model`` on a batch, beside the prior alone's, and
    the largest hint error (RGB levels of 255) over hinted pixels."""
    torch = require_torch()
    from colorcore.solvers.deep.model import honour_hints

    with torch.no_grad():
        x = torch.from_numpy(inputs).to(device)
        predicted = honour_hints(model(x), x).float().cpu().numpy()
    prior = inputs[:, 4:6] * np.minimum(inputs[:, 6:7] * PRIOR_RAMP, 1.0)  # the network's starting point
    prior = np.where(inputs[:, 3:4] > 0.5, inputs[:, 1:3], prior)
    out = {"psnr": 0.0, "prior_psnr": 0.0}
    hint_error = 0.0
    for k in range(len(inputs)):
        luma = inputs[k, 0]
        truth = rgb_of(luma, np.moveaxis(targets[k], 0, -1))
        for key, chroma in (("psnr", predicted[k]), ("prior_psnr", prior[k])):
            rgb = rgb_of(luma, np.moveaxis(chroma, 0, -1))
            out[key] += _psnr(rgb, truth) / len(inputs)
        mask = inputs[k, 3] > 0.5
        if mask.any():
            hinted = rgb_of(luma, np.moveaxis(inputs[k, 1:3], 0, -1))
            here = rgb_of(luma, np.moveaxis(predicted[k], 0, -1))
            hint_error = max(hint_error, float(np.abs(here[mask] - hinted[mask]).max() * 255))
    out["hint_error"] = hint_error
    return out


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a - b) ** 2))
    return 99.0 if mse <= 1e-12 else 10 * math.log10(1.0 / mse)


def train(
    pictures: PictureSet,
    out: Path,
    settings: TrainSettings = TrainSettings(),
    *,
    resume: bool = False,
    start_from: Path | None = None,
    device: str = "cpu",
    log: Callable[[str], None] = print,
    progress: Callable[[float], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    info: dict[str, Any] | None = None,
) -> dict[str, float]:
    """Train the network and write its weights to ``out``.

    Args:
        pictures: the training pictures (:class:`.data.PictureSet`).
        out: the weights file to write (.safetensors); ``out.ckpt`` holds the resumable state.
        settings: hyper-parameters.
        resume: continue from ``out.ckpt`` (an InputError if it is absent or from other settings).
        start_from: weights to start from (fine-tuning the base weights on an archive's
            own footage); a fresh network when None.
        device: "auto", "cpu" or "cuda" (see :func:`.infer.choose_device`).
        log: receives one line per validation and checkpoint.
        progress: called with the fraction done, 0..1.
        cancel: polled each step; True stops after writing a checkpoint (CancelledError).
        info: extra facts (data sources) stored in the weights' metadata.

    Returns:
        The last validation scores (``psnr``, ``prior_psnr``, ``hint_error``) and ``step``.
    """
    torch = require_torch()
    from colorcore.solvers.deep.infer import choose_device
    from colorcore.solvers.deep.model import ScribbleNet
    from colorcore.solvers.deep.weights import load_network, save_network

    out = Path(out)
    if not out.parent.is_dir():
        raise InputError(f"cannot write '{out}': folder '{out.parent}' does not exist")
    target = choose_device(device)
    torch.manual_seed(settings.seed)
    model = load_network(start_from).train() if start_from is not None else ScribbleNet(settings.widths)
    model.to(target)
    optimiser = torch.optim.Adam(model.parameters(), lr=settings.lr)
    step = 0
    ckpt = checkpoint_path(out)
    if resume:
        if not ckpt.is_file():
            raise InputError(f"nothing to resume: no checkpoint '{ckpt}'")
        try:
            state = torch.load(ckpt, map_location=target, weights_only=True)
            model.load_state_dict(state["model"])
            optimiser.load_state_dict(state["optimizer"])
            step = int(state["step"])
        except Exception:
            raise InputError(f"'{ckpt}' is not a checkpoint of this network (corrupt, or other settings)") from None
        log(f"resuming at step {step}")
    val_inputs, val_targets = validation_set(pictures, settings)
    scores: dict[str, float] = {}
    started = time.monotonic()
    first_step = step
    metadata = {"settings": _jsonable(asdict(settings)), **(info or {})}

    def checkpoint() -> None:
        save_network(model, out, {**metadata, "step": step, "validation": scores})
        temporary = Path(str(ckpt) + ".part")
        torch.save({"model": model.state_dict(), "optimizer": optimiser.state_dict(), "step": step}, temporary)
        temporary.replace(ckpt)

    while step < settings.steps:
        if cancel is not None and cancel():
            checkpoint()
            raise CancelledError(f"training stopped at step {step}; resume with --resume")
        rng = np.random.default_rng([settings.seed, step])
        inputs, targets = make_batch(pictures, rng, settings.batch, settings.crop, settings.simulation)
        for group in optimiser.param_groups:
            group["lr"] = learning_rate(step, settings)
        x, y = torch.from_numpy(inputs).to(target), torch.from_numpy(targets).to(target)
        loss = chroma_loss(model(x), y)
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
        step += 1
        if progress is not None:
            progress(step / settings.steps)
        if step % settings.validate_every == 0 or step == settings.steps:
            model.eval()
            scores = score(model, val_inputs, val_targets, target)
            model.train()
            pace = (time.monotonic() - started) / max(step - first_step, 1)
            log(
                f"step {step}/{settings.steps}  loss {loss.item():.4f}  validation {scores['psnr']:.2f} dB "
                f"(prior alone {scores['prior_psnr']:.2f} dB)  hint error {scores['hint_error']:.2f}  {pace:.2f} s/step"
            )
        if step % settings.checkpoint_every == 0 or step == settings.steps:
            checkpoint()
    if not scores:
        model.eval()
        scores = score(model, val_inputs, val_targets, target)
    return {**scores, "step": step}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value
