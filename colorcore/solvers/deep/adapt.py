"""Per-clip adaptation: fine-tune the network on one film's own keyframes ("learn this film").

The archivist's guidance already holds coloured pictures of this film:

- aligned references: the true colour of whole frames;
- stroke keyframes: each solved from its strokes by Levin's equation (the colours an
  archivist approved on that frame), trusted near the strokes and less far from them
  (the loss is weighted as propagation weights a stroke keyframe's colours);
- exemplars: colour photographs of the scene.

These pictures, at the size the network sees the clip's frames, are cut into random
crops with simulated hints and priors (:mod:`.data`, without hue jitter: the palette is
what is learned) and the network is trained on them for a bounded number of steps. The
adapted weights are kept beside a project (:func:`project_network`), keyed by a
fingerprint of the guidance and the base weights, so a re-render does not retrain.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np

from colorcore.errors import CancelledError, InputError
from colorcore.solvers.deep import require_torch
from colorcore.solvers.deep.data import Simulation, random_crop, training_sample

if TYPE_CHECKING:
    from colorcore.guidance.project import Project
    from colorcore.guidance.references import Guidance
    from colorcore.media.clip import Clip
    from colorcore.solvers.deep.infer import DeepSolver
    from colorcore.solvers.deep.model import ScribbleNet

#: Default adaptation steps: well under a minute on a 2-core CPU.
DEFAULT_STEPS = 80
BATCH, CROP = 4, 112
LEARNING_RATE = 4e-4
ADAPTED_SUFFIX = ".adapted.safetensors"
#: Hints as dense as the first base weights were trained with (up to 30 points and 8
#: strokes a crop): adaptation learns the film's palette from whole keyframes and was
#: measured with these.
ADAPT_SIMULATION = Simulation(points=(0, 30), strokes=(0, 8))


def adaptation_pictures(
    clip: Clip,
    guidance: Guidance,
    device: str = "auto",
    progress: Callable[[float], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The film's coloured pictures to learn from, at the network's working scale.

    Args:
        clip: the clip (for keyframes' luma and its frame size).
        guidance: a :class:`colorcore.guidance.Guidance`.
        device: for the Levin solves of stroke keyframes.

    Returns:
        A list of (RGB HxWx3 uint8, loss weight HxW float32 0..1): one per reference and
        stroke keyframe (each at the size the network works at for this clip) and one
        per exemplar (shrunk to the same scale at most).
    """
    from colorcore.colorspace import compose, luma_of
    from colorcore.solvers.colorize import solve_chroma
    from colorcore.solvers.deep.infer import work_factor
    from colorcore.video.propagate import keyframe_hints, working_size

    # The network sees this clip's frames at propagation's working size, then shrunk again
    # only if that is still larger than its own working size.
    work = working_size(clip.width, clip.height)
    factor = work_factor(work[1], work[0])
    size = (-(-work[0] // factor), -(-work[1] // factor))
    pictures = []
    keyframes = guidance.keyframes()
    for n, frame in enumerate(keyframes):
        if cancel is not None and cancel():
            raise CancelledError("adaptation cancelled")
        luma = cv2.resize(luma_of(np.asarray(clip.luma(frame))).astype(np.float32), size, interpolation=cv2.INTER_AREA)
        raster = keyframe_hints(guidance, frame, size)
        if raster.count == 0:
            continue
        chroma = solve_chroma(luma, raster, solver="fast", device=device)
        weight = np.ones(luma.shape, np.float32)
        if raster.count < raster.mask.size:  # strokes: trusted near them (as propagation does)
            distance = cv2.distanceTransform((~raster.mask).astype(np.uint8), cv2.DIST_L2, 5)
            weight = np.maximum(np.exp(-((distance / (0.1 * size[0])) ** 2)), 0.1).astype(np.float32)
        pictures.append((compose(luma, chroma, dtype=np.uint8), weight))
        if progress is not None:
            progress((n + 1) / max(len(keyframes), 1))
    for exemplar in guidance.exemplars:
        rgb = exemplar.rgb if exemplar.rgb.dtype == np.uint8 else (exemplar.rgb // 257).astype(np.uint8)
        scale = min(1.0, size[0] / rgb.shape[1] * 1.2, size[1] / rgb.shape[0] * 1.2)
        if scale < 1.0:
            rgb = cv2.resize(
                rgb, (round(rgb.shape[1] * scale), round(rgb.shape[0] * scale)), interpolation=cv2.INTER_AREA
            )
        pictures.append((np.ascontiguousarray(rgb), np.ones(rgb.shape[:2], np.float32)))
    return pictures


def adapt_network(
    clip: Clip,
    guidance: Guidance,
    steps: int = DEFAULT_STEPS,
    *,
    base: Path | None = None,
    device: str = "auto",
    seed: int = 0,
    progress: Callable[[float], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    log: Callable[[str], None] | None = None,
) -> ScribbleNet:
    """The network fine-tuned on this clip's guidance (see the module docstring).

    Args:
        clip: the clip.
        guidance: its keyframes, references and exemplars.
        steps: training steps (each a batch of :data:`BATCH` crops of :data:`CROP` px).
        base: weights path to start from (None: the shipped base weights).
        device: "auto" | "cpu" | "cuda".
        seed: the crops and simulated guidance are a function of the seed.
        progress: called with the fraction done, 0..1.
        cancel: polled each step; True raises CancelledError (nothing is kept).
        log: receives one summary line.

    Returns:
        A :class:`~.model.ScribbleNet` in eval mode on the CPU (``model.info["adapted"]``
        records the steps and seconds).

    Raises:
        InputError: the guidance holds no coloured frame or exemplar to learn from, or
            steps < 1.
    """
    torch = require_torch()
    from colorcore.solvers.deep.infer import choose_device
    from colorcore.solvers.deep.weights import load_network

    if steps < 1:
        raise InputError(f"adaptation needs at least 1 step, not {steps}")
    started = time.monotonic()
    report = progress or (lambda fraction: None)
    pictures = adaptation_pictures(clip, guidance, device, lambda f: report(0.1 * f), cancel)
    if not pictures:
        raise InputError("nothing to learn this film from: give keyframes with strokes, references or exemplars")
    target = choose_device(device)
    model = load_network(base).to(target).train()
    optimiser = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    sim = ADAPT_SIMULATION
    for step in range(steps):
        if cancel is not None and cancel():
            raise CancelledError("adaptation cancelled")
        rng = np.random.default_rng([seed, step])
        inputs, targets, weights = [], [], []
        for _ in range(BATCH):
            rgb, weight = pictures[int(rng.integers(len(pictures)))]
            crop_size = min(CROP, *rgb.shape[:2]) // 16 * 16
            stacked = np.dstack([rgb, (weight * 255).astype(np.uint8)])
            crop = random_crop(stacked, crop_size, rng, augment=True)
            if crop_size != CROP:
                crop = cv2.resize(crop, (CROP, CROP), interpolation=cv2.INTER_LINEAR)
            x, y = training_sample(np.ascontiguousarray(crop[..., :3]), rng, sim, jitter=False)
            inputs.append(x)
            targets.append(y)
            weights.append(crop[..., 3].astype(np.float32) / 255.0)
        x = torch.from_numpy(np.stack(inputs)).to(target)
        y = torch.from_numpy(np.stack(targets)).to(target)
        w = torch.from_numpy(np.stack(weights))[:, None].to(target)
        loss = ((model(x) - y).abs() * w).sum() / (2 * w.sum() + 1e-6)
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
        report(0.1 + 0.9 * (step + 1) / steps)
    seconds = time.monotonic() - started
    model = model.cpu().eval()
    model.info = {
        **getattr(model, "info", {}),
        "adapted": {"steps": steps, "seconds": round(seconds, 2), "pictures": len(pictures)},
    }
    if log is not None:
        log(f"learned this film from {len(pictures)} pictures in {steps} steps ({seconds:.1f} s)")
    return model


def guidance_fingerprint(guidance: Guidance, steps: int, base: Path | None = None) -> str:
    """sha256 of what adaptation learns from (strokes, references, exemplars), the steps
    and the base weights file: the key under which adapted weights are reused."""
    from colorcore.solvers.deep.weights import BASE_WEIGHTS

    digest = hashlib.sha256()
    hints = guidance.hints.to_dict() if guidance.hints is not None else None
    digest.update(json.dumps(hints, sort_keys=True, default=str).encode())
    for reference in guidance.references:
        digest.update(str(reference.frame).encode() + np.ascontiguousarray(reference.rgb).tobytes())
    for exemplar in guidance.exemplars:
        digest.update(str(exemplar.frames).encode() + np.ascontiguousarray(exemplar.rgb).tobytes())
    digest.update(f"steps={steps}".encode())
    digest.update(_file_digest(Path(base or BASE_WEIGHTS)))
    return digest.hexdigest()


_DIGESTS: dict[tuple, bytes] = {}


def _file_digest(path: Path) -> bytes:
    """sha256 of a weights file's bytes, remembered per (path, mtime, size): the editor asks
    for a guidance fingerprint on every preview and the file rarely changes."""
    from colorcore.solvers.deep.infer import weights_stamp

    stamp = weights_stamp(path)
    if stamp not in _DIGESTS:
        if len(_DIGESTS) >= 8:
            _DIGESTS.clear()
        _DIGESTS[stamp] = hashlib.sha256(path.read_bytes()).digest()
    return _DIGESTS[stamp]


def adapted_path(project_path: Path) -> Path:
    """Where the adapted weights of the project saved at ``project_path`` are kept."""
    return Path(str(project_path) + ADAPTED_SUFFIX)


def project_network(
    project: Project,
    clip: Clip,
    steps: int,
    *,
    device: str = "auto",
    progress: Callable[[float], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    log: Callable[[str], None] | None = None,
) -> ScribbleNet:
    """The network adapted to a project: read from beside the project file when its
    fingerprint matches the project's guidance, else trained and (for a saved project)
    written there. Returns a :class:`~.model.ScribbleNet`."""
    from colorcore.solvers.deep.weights import load_network, save_network

    base = project.settings.get("weights")
    base = Path(base) if base else None
    guidance = project.guidance()
    fingerprint = guidance_fingerprint(guidance, steps, base)
    path = adapted_path(project.path) if project.path is not None else None
    if fingerprint in _RECENT:  # an unsaved project learned in this session
        return _RECENT[fingerprint]
    if path is not None and _kept_fingerprint(path) == fingerprint:
        if log is not None:
            log(f"using the adapted network kept in '{path.name}'")
        return load_network(path)
    model = adapt_network(clip, guidance, steps, base=base, device=device, progress=progress, cancel=cancel, log=log)
    if path is not None:
        save_network(model, path, {**model.info, "fingerprint": fingerprint})
    _RECENT.clear()  # one adapted network in memory at a time
    _RECENT[fingerprint] = model
    return model


def _kept_fingerprint(path: Path) -> str | None:
    """The guidance fingerprint of the adapted weights at ``path``; None when there are
    none or they are damaged or foreign (then they are learned again and replaced)."""
    from colorcore.solvers.deep.weights import read_metadata

    if not path.is_file():
        return None
    try:
        return json.loads(read_metadata(path).get("info") or "{}").get("fingerprint")
    except (InputError, ValueError):
        return None


def network_at_hand(project: Project) -> tuple[ScribbleNet | Path | None, bool]:
    """The network a project has now, without training: for quick looks such as the
    editor's picker suggestions and keyframe previews, never for rendering (which adapts
    when it must).

    Returns:
        (network, adapted): the network adapted to this film when there is one, and True:
        the :class:`~.model.ScribbleNet` learned for the current guidance in this session,
        or else the Path of the adapted weights kept beside the saved project (kept
        weights learned for earlier guidance of the same film count too); else the
        project's ``weights`` setting (a Path) or None for the shipped base weights, and
        False. Paths are not loaded here: :func:`solver_at_hand` loads them once.
    """
    base = project.settings.get("weights")
    base = Path(base) if base else None
    steps = int(project.settings.get("adapt") or 0)
    if steps > 0 and _RECENT:
        fingerprint = guidance_fingerprint(project.guidance(), steps, base)
        if fingerprint in _RECENT:
            return _RECENT[fingerprint], True
    path = adapted_path(project.path) if project.path is not None else None
    if path is not None and _kept_fingerprint(path) is not None:
        return path, True
    return base, False


def solver_at_hand(project: Project) -> tuple[DeepSolver, bool]:
    """:func:`network_at_hand` ready to run on the project's ``device``: (a
    :class:`~.infer.DeepSolver`, True when it is adapted to this film).

    Nothing is loaded twice: weights files go through :func:`.infer.solver_for` (kept per
    path, mtime, size and device, so new adapted weights written by "learn this film" are
    picked up and unchanged ones are not read again), and a network learned in this
    session is wrapped once per device. Kept adapted weights that cannot be read give way
    to the project's base weights.

    Raises:
        InputError: torch is not installed, or the base weights cannot be read.
    """
    from colorcore.solvers.deep.infer import DeepSolver, solver_for

    device = project.settings.get("device", "auto")
    network, adapted = network_at_hand(project)
    if network is None or isinstance(network, Path):
        if adapted:
            try:
                return solver_for(device, network), True
            except InputError:
                weights = project.settings.get("weights")
                network = Path(weights) if weights else None
        return solver_for(device, network), False
    key = (id(network), device)
    kept = _RECENT_SOLVERS.get(key)
    if kept is None or kept[0] is not network:
        _RECENT_SOLVERS.clear()  # one learned network at a time, as in _RECENT
        kept = _RECENT_SOLVERS[key] = (network, DeepSolver(network, device=device))
    return kept[1], True


# The last adapted network, by guidance fingerprint: an unsaved project (no file to keep
# it beside) learned in the editor is not learned again by its next propagation.
_RECENT: dict[str, ScribbleNet] = {}
# Its DeepSolver per device (id of the network, device) -> (network, solver).
_RECENT_SOLVERS: dict[tuple[int, str], tuple[ScribbleNet, DeepSolver]] = {}


def network_for_project(
    project: Project,
    clip: Clip,
    *,
    progress: Callable[[float], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    log: Callable[[str], None] | None = None,
) -> DeepSolver:
    """The :class:`~.infer.DeepSolver` a project renders with (``solver="deep"``).

    Project settings read: ``weights`` (a weights path; the base weights when absent),
    ``adapt`` (adaptation steps; 0 or absent: none), ``device``.
    """
    from colorcore.solvers.deep.infer import DeepSolver
    from colorcore.solvers.deep.weights import load_network

    device = project.settings.get("device", "auto")
    steps = int(project.settings.get("adapt") or 0)
    if steps > 0:
        model = project_network(project, clip, steps, device=device, progress=progress, cancel=cancel, log=log)
    else:
        weights = project.settings.get("weights")
        model = load_network(Path(weights) if weights else None)
    return DeepSolver(model, device=device)
