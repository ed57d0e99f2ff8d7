"""Training material for the scribble network, and the simulation of what it is given.

The network is trained on colour pictures turned grey, with *simulated* guidance:

- hints (:func:`simulate_hints`): strokes and points of the true colour, as an archivist
  paints them (a stroke carries one colour, the median of the truth under it), random
  counts, and some crops with none, as frames between keyframes have none;
- a prior (:func:`simulate_prior`): what propagation carries, the true chroma degraded
  (blurred, shifted by a smooth random motion, its saturation and hue nudged) with a
  confidence that is low or zero over random blobs (occlusions, areas no track
  reaches), where the carried chroma is grey or wrong; some crops have no prior at all.

Pictures come from folders of images, colour video files or frame folders
(:class:`PictureSet`), from synthetic images (:func:`synthetic_image`: colour regions with
and without luma edges, gradients, textures), and from the public-domain / CC0
photographs shipped inside the scikit-image wheel (:func:`bundled_photos`; never the ones
it downloads). Every random choice comes from a numpy Generator seeded by the caller, so a
batch is a function of (seed, step).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from colorcore.colorspace import RGB_TO_YIQ
from colorcore.errors import InputError
from colorcore.media.images import IMAGE_EXTENSIONS
from colorcore.media.video_clip import VIDEO_EXTENSIONS

#: Photographs inside the scikit-image wheel whose licence allows shipping weights
#: trained on them (public domain or CC0, per scikit-image's docstrings).
BUNDLED_COLOUR = (
    "astronaut.png",
    "chelsea.png",
    "coffee.png",
    "rocket.jpg",
    "hubble_deep_field.jpg",
    "retina.jpg",
)
#: CC0 grey textures and photographs: luma textures of synthetic shapes (:func:`synthetic_image`).
BUNDLED_GREY = ("grass.png", "gravel.png", "brick.png", "camera.png")
# Pictures are kept at most this long on their longer side (memory; crops are small).
_MAX_SIDE = 512


# -- colour -----------------------------------------------------------------------------


def yiq_of(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(luma HxW, chroma HxWx2) float32 of an HxWx3 RGB uint8 picture (YIQ, 0..1 luma)."""
    yiq = (rgb.astype(np.float32) / 255.0) @ RGB_TO_YIQ.T.astype(np.float32)
    return yiq[..., 0], yiq[..., 1:]


def rgb_of(luma: np.ndarray, chroma: np.ndarray) -> np.ndarray:
    """HxWx3 float32 RGB in 0..1 (clipped) from luma HxW and chroma HxWx2: for scoring only."""
    from colorcore.colorspace import YIQ_TO_RGB

    yiq = np.concatenate([luma[..., None], chroma], axis=-1)
    return np.clip(yiq @ YIQ_TO_RGB.T.astype(np.float32), 0.0, 1.0)


# -- pictures ---------------------------------------------------------------------------


def _fit(rgb: np.ndarray) -> np.ndarray:
    """An RGB uint8 picture no longer than :data:`_MAX_SIDE` on its longer side."""
    if rgb.dtype != np.uint8:
        rgb = (rgb.astype(np.float32) / 257.0 + 0.5).astype(np.uint8)
    if rgb.ndim == 3 and rgb.shape[2] == 4:
        rgb = rgb[..., :3]
    longer = max(rgb.shape[:2])
    if longer > _MAX_SIDE:
        scale = _MAX_SIDE / longer
        rgb = cv2.resize(rgb, (round(rgb.shape[1] * scale), round(rgb.shape[0] * scale)), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(rgb)


def skimage_data_folder() -> Path | None:
    """The folder of pictures inside the installed scikit-image wheel, or None."""
    spec = importlib.util.find_spec("skimage")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "data"
    return folder if folder.is_dir() else None


def bundled_photos() -> list[np.ndarray]:
    """The public-domain / CC0 colour photographs of the scikit-image wheel (RGB uint8),
    and its CC0 grey pictures (HxW uint8, textures). Empty without scikit-image."""
    from colorcore.media import read_image

    folder = skimage_data_folder()
    if folder is None:
        return []
    pictures = []
    for name in BUNDLED_COLOUR + BUNDLED_GREY:
        if (folder / name).is_file():
            image = read_image(folder / name)
            pictures.append(_fit(image) if image.ndim == 3 else _fit_grey(image))
    return pictures


def _fit_grey(grey: np.ndarray) -> np.ndarray:
    longer = max(grey.shape)
    if longer > _MAX_SIDE:
        scale = _MAX_SIDE / longer
        grey = cv2.resize(
            grey, (round(grey.shape[1] * scale), round(grey.shape[0] * scale)), interpolation=cv2.INTER_AREA
        )
    return grey.astype(np.uint8)


def natural_chroma(rng: np.random.Generator, count: int) -> np.ndarray:
    """``count`` random YIQ chroma (I, Q) pairs with the statistics of real scenes, countx2 float32.

    Uniform RGB colours are far more saturated than what cameras see: most of a real
    scene is near grey (sky, walls, roads, water, shadows) and strong colour is rare. A
    network trained on uniform RGB learns that an unknown region is probably vivid and
    guesses a vivid colour; with these statistics its best guess (the conditional mean,
    see :func:`colorcore.solvers.deep.train.chroma_loss`) for a region nothing supports
    is near grey. Hue is uniform; the chroma length is near 0 for 30 % of the colours
    (|N(0, 0.015)|) and otherwise Gamma(1.5, 0.05) distributed (mean 0.075, rarely above
    0.25), which is about the spread of the bundled photographs' chroma. The length is cut
    later to what fits the RGB cube at the pixel's luma.
    """
    hue = rng.uniform(0, 2 * np.pi, count)
    length = np.where(rng.random(count) < 0.3, np.abs(rng.normal(0, 0.015, count)), rng.gamma(1.5, 0.05, count)).clip(
        max=0.45
    )
    return np.stack([length * np.cos(hue), length * np.sin(hue)], axis=-1).astype(np.float32)


def natural_colour(rng: np.random.Generator) -> np.ndarray:
    """One random RGB colour (3 float32, 0..255): luma uniform in 0.05..0.95 and chroma
    from :func:`natural_chroma`, shortened to fit the RGB cube."""
    luma = np.full((1, 1), rng.uniform(0.05, 0.95), np.float32)
    return _rgb8(luma, natural_chroma(rng, 1)[None]).reshape(3).astype(np.float32)


def _rgb8(luma: np.ndarray, chroma: np.ndarray) -> np.ndarray:
    """HxWx3 uint8 RGB of luma HxW (0..1) and chroma HxWx2, the chroma shortened where the
    colour would leave the RGB cube (so the luma is kept and the hue too)."""
    from colorcore.colorspace import YIQ_TO_RGB

    to_rgb = YIQ_TO_RGB.astype(np.float32)
    grey = luma[..., None] * to_rgb[:, 0]  # R = G = B = luma
    step = chroma @ to_rgb[:, 1:].T
    # The largest t in 0..1 with grey + t * step inside [0, 1] on every channel.
    with np.errstate(divide="ignore", invalid="ignore"):
        room = np.where(step > 0, (1 - grey) / step, np.where(step < 0, -grey / step, np.inf))
    t = np.clip(room.min(axis=-1, keepdims=True), 0.0, 1.0)
    return np.clip((grey + t * step) * 255.0 + 0.5, 0, 255).astype(np.uint8)


def synthetic_image(rng: np.random.Generator, size: int = 192, textures: list[np.ndarray] | None = None) -> np.ndarray:
    """A synthetic colour picture, size x size x 3 uint8 RGB.

    A background whose luma is a gradient and whose colour drifts smoothly, and 3 to 12
    shapes (ellipses, rectangles, polygons), each of a random colour with natural
    statistics (:func:`natural_colour`: mostly muted, some near grey, a few vivid); most
    shapes carry a luma texture (noise, stripes or one of ``textures``, HxW uint8 grey
    pictures) and some differ from their surroundings in hue only, so that both the easy
    case (colour edges on luma edges) and the hard one are seen.
    """
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    angle = rng.uniform(0, 2 * np.pi)
    t = np.clip((np.cos(angle) * xx + np.sin(angle) * yy + 1) / 2, 0, 1)
    low, high = rng.uniform(0.05, 0.95, 2)
    # The background's colour drifts over a few cells, as a real scene's does: one colour
    # across the whole picture would teach the network to carry a hint's colour too far.
    cells = int(rng.integers(2, 6))
    drift = cv2.resize(natural_chroma(rng, cells * cells).reshape(cells, cells, 2), (size, size))
    image = _rgb8(low + (high - low) * t, drift).astype(np.float32)
    for _ in range(int(rng.integers(3, 13))):
        mask = np.zeros((size, size), np.uint8)
        cx, cy = rng.integers(0, size, 2)
        r = int(rng.integers(size // 12, size // 3))
        kind = rng.integers(0, 3)
        if kind == 0:
            cv2.ellipse(
                mask,
                (int(cx), int(cy)),
                (r, int(rng.integers(size // 16, size // 3))),
                float(rng.uniform(0, 180)),
                0,
                360,
                1,
                -1,
            )
        elif kind == 1:
            cv2.rectangle(mask, (int(cx - r), int(cy - r // 2)), (int(cx + r), int(cy + r)), 1, -1)
        else:
            points = (np.array([cx, cy]) + rng.normal(0, r, (int(rng.integers(3, 7)), 2))).astype(np.int32)
            cv2.fillPoly(mask, [points], 1)
        colour = natural_colour(rng)
        if rng.random() < 0.25:  # same luma as what lies below: a hue-only edge
            below = image[cy % size, cx % size]
            colour = _with_luma(colour, float(below @ RGB_TO_YIQ[0]))
        region = np.broadcast_to(colour, image.shape).copy()
        texture = _texture(rng, size, textures)
        if texture is not None:
            region *= texture[..., None]
        m = cv2.GaussianBlur(mask.astype(np.float32), (0, 0), float(rng.uniform(0.3, 1.5)))[..., None]
        image = image * (1 - m) + region * m
    return np.clip(image, 0, 255).astype(np.uint8)


def _with_luma(colour: np.ndarray, luma: float) -> np.ndarray:
    """RGB ``colour`` (0..255) moved along grey to have luma ``luma`` (0..255), chroma shortened to fit."""
    chroma = ((colour / 255.0) @ RGB_TO_YIQ[1:].T).astype(np.float32)
    return _rgb8(np.full((1, 1), luma / 255.0, np.float32), chroma[None, None]).reshape(3).astype(np.float32)


def _texture(rng: np.random.Generator, size: int, textures: Sequence[np.ndarray] | None) -> np.ndarray | None:
    """An HxW float32 luma modulation around 1, or None (a flat region)."""
    choice = rng.random()
    if choice < 0.25:
        return None
    if choice < 0.55:
        noise = cv2.GaussianBlur(rng.normal(0, 1, (size, size)).astype(np.float32), (0, 0), float(rng.uniform(0.7, 6)))
        return 1.0 + rng.uniform(0.05, 0.4) * noise / (noise.std() + 1e-6)
    if choice < 0.75 or not textures:
        yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
        angle = rng.uniform(0, np.pi)
        period = rng.uniform(4, 30)
        return 1.0 + rng.uniform(0.05, 0.3) * np.sin(2 * np.pi * (np.cos(angle) * xx + np.sin(angle) * yy) / period)
    grey = textures[int(rng.integers(len(textures)))]
    y0, x0 = rng.integers(0, max(1, grey.shape[0] - size)), rng.integers(0, max(1, grey.shape[1] - size))
    patch = cv2.resize(grey[y0 : y0 + size, x0 : x0 + size], (size, size)).astype(np.float32) / 255.0
    return 0.5 + patch


class PictureSet:
    """Colour pictures to train on: from image files, video files, frame folders.

    ``paths`` may hold image files, colour video files (one frame in ``video_step``
    kept), folders of images or videos (searched recursively; a folder of frames is a
    clip). ``builtin=True`` adds the scikit-image photographs (:func:`bundled_photos`);
    ``synthetic`` is the share of crops made by :func:`synthetic_image` instead.
    """

    def __init__(
        self,
        paths: Iterable[str | Path] = (),
        builtin: bool = False,
        synthetic: float = 0.0,
        video_step: int = 10,
        max_per_video: int = 200,
    ) -> None:
        self.pictures: list[np.ndarray] = []  # RGB uint8
        self.greys: list[np.ndarray] = []  # grey uint8: textures of synthetic pictures
        self.synthetic = float(synthetic)
        for path in paths:
            self._add(Path(path), video_step, max_per_video)
        if builtin:
            for picture in bundled_photos():
                (self.pictures if picture.ndim == 3 else self.greys).append(picture)
        if not self.pictures and not self.greys and self.synthetic <= 0:
            raise InputError(
                "no colour pictures found to train on (give image or video files or folders, or --builtin)"
            )

    def __len__(self) -> int:
        """The number of colour pictures and grey textures held."""
        return len(self.pictures) + len(self.greys)

    def _add(self, path: Path, video_step: int, max_per_video: int) -> None:
        from colorcore.media import open_clip, read_image

        if not path.exists():
            raise InputError(f"no training data at '{path}'")
        if path.is_file() and path.suffix.lower() in IMAGE_EXTENSIONS:
            image = read_image(path)
            if image.ndim == 3:  # grey pictures teach nothing about colour
                self.pictures.append(_fit(image))
            return
        if path.is_file() and path.suffix.lower() in VIDEO_EXTENSIONS:
            with open_clip(path) as clip:
                for i in range(0, len(clip), max(1, video_step))[:max_per_video]:
                    self.pictures.append(_fit(np.asarray(clip.rgb(i))))
            return
        if path.is_dir():
            entries = sorted(path.iterdir())
            images = [p for p in entries if p.suffix.lower() in IMAGE_EXTENSIONS]
            for p in images[:: max(1, video_step) if len(images) > 50 else 1][:max_per_video]:
                self._add(p, video_step, max_per_video)
            for p in entries:
                if p.is_dir() or p.suffix.lower() in VIDEO_EXTENSIONS:
                    self._add(p, video_step, max_per_video)
            return
        raise InputError(f"'{path}' is neither an image, a video nor a folder")

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """One random picture, at least ``size`` on each side (RGB uint8)."""
        if not self.pictures or rng.random() < self.synthetic:
            return synthetic_image(rng, max(int(size * 1.5), 128), self.greys)
        picture = self.pictures[int(rng.integers(len(self.pictures)))]
        short = min(picture.shape[:2])
        if short < size:
            scale = size / short
            picture = cv2.resize(
                picture, (int(np.ceil(picture.shape[1] * scale)), int(np.ceil(picture.shape[0] * scale)))
            )
        return picture


# -- crops and augmentation -------------------------------------------------------------


def random_crop(picture: np.ndarray, size: int, rng: np.random.Generator, augment: bool) -> np.ndarray:
    """A size x size crop of RGB ``picture``; with ``augment``, also rescaled (0.5..1 of
    the picture's scale where it allows) and flipped."""
    height, width = picture.shape[:2]
    if augment:
        scale = rng.uniform(max(size / min(height, width), 0.5), 1.0)
        side = int(round(size / scale))
    else:
        side = size
    side = min(side, height, width)
    y0, x0 = int(rng.integers(0, height - side + 1)), int(rng.integers(0, width - side + 1))
    crop = picture[y0 : y0 + side, x0 : x0 + side]
    if side != size:
        crop = cv2.resize(crop, (size, size), interpolation=cv2.INTER_AREA)
    if augment and rng.random() < 0.5:
        crop = crop[:, ::-1]
    return np.ascontiguousarray(crop)


def jitter_colour(luma: np.ndarray, chroma: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Augmented (luma HxW, chroma HxWx2) float32: the hue turned by a uniformly random
    angle, the saturation scaled by 0.8..1.2, a luma gamma.

    The whole hue circle, not a nudge: the base weights see a handful of photographs,
    too few to learn what colour a texture has (a network that tries memorises them and
    paints the retina's orange or the coffee's brown on whatever looks alike). With hues
    random, the luma tells the network where colours change, never which colour, so it
    learns to take colour from hints and priors and to stay near grey where neither
    reaches. Adaptation to one film (:mod:`.adapt`) does not jitter: there the palette
    is the point.
    """
    angle = rng.uniform(0, 2 * np.pi)
    c, s = np.cos(angle), np.sin(angle)
    rotation = np.array([[c, -s], [s, c]], np.float32) * rng.uniform(0.8, 1.2)
    luma = np.clip(luma, 0, 1) ** np.float32(np.exp(rng.normal(0, 0.15)))
    return luma.astype(np.float32), (chroma @ rotation.T).astype(np.float32)


# -- simulated guidance -----------------------------------------------------------------


@dataclass(frozen=True)
class Simulation:
    """How often and how much guidance is simulated (the defaults train the base weights).

    The counts are per training crop (about 128 px at the network's working scale, a
    sixth of an 854x480 frame shrunk to 427x240), so a crop is hinted about as sparsely as
    a keyframe an archivist strokes 8 to 15 times: much of it lies far from any hint, and
    the network must learn what to do there (stay near grey unless the luma or the prior
    says otherwise) rather than only how to fill the gaps between dense hints.

    Attributes:
        no_hints: share of crops with no hints (frames between keyframes).
        points, strokes: inclusive ranges of the counts of point hints and strokes.
        no_prior: share of crops with no prior.
        dropped: range of the share of the crop where the prior is missing.
        wrong: chance that a blob of the prior holds another place's colour.
        exact: share of crops whose prior is sure (confidence 1) wherever it is not missing.
    """

    no_hints: float = 0.35
    points: tuple[int, int] = (0, 10)
    strokes: tuple[int, int] = (0, 4)
    no_prior: float = 0.25
    dropped: tuple[float, float] = (0.0, 0.7)
    wrong: float = 0.3
    exact: float = 0.3


def _smooth_field(rng: np.random.Generator, shape: tuple[int, int], cells: int) -> np.ndarray:
    """HxW float32 smooth random field in about -1..1 (bicubic up-sampling of a cells x cells grid)."""
    grid = rng.uniform(-1, 1, (cells, cells)).astype(np.float32)
    return cv2.resize(grid, shape[::-1], interpolation=cv2.INTER_CUBIC)


def simulate_hints(
    chroma: np.ndarray, rng: np.random.Generator, sim: Simulation = Simulation()
) -> tuple[np.ndarray, np.ndarray]:
    """Hints of the true colour on one crop.

    Args:
        chroma: HxWx2 float32, the crop's true chroma.

    Returns:
        (hint chroma HxWx2 float32, hint mask HxW bool). Points take the true chroma of
        their 1 to 3 px square; strokes (random walks 1 to 7 px wide) take the median true
        chroma under them, one colour each.
    """
    height, width = chroma.shape[:2]
    mask = np.zeros((height, width), bool)
    hint = np.zeros_like(chroma)
    if rng.random() < sim.no_hints:
        return hint, mask
    for _ in range(int(rng.integers(sim.points[0], sim.points[1] + 1))):
        side = int(rng.integers(1, 4))
        y, x = int(rng.integers(0, height - side + 1)), int(rng.integers(0, width - side + 1))
        mask[y : y + side, x : x + side] = True
        hint[y : y + side, x : x + side] = chroma[y : y + side, x : x + side].mean(axis=(0, 1))
    for _ in range(int(rng.integers(sim.strokes[0], sim.strokes[1] + 1))):
        footprint = np.zeros((height, width), np.uint8)
        point = rng.uniform(0, [width, height])
        heading = rng.uniform(0, 2 * np.pi)
        points = [point]
        for _ in range(int(rng.integers(2, 12))):
            heading += rng.normal(0, 0.4)
            point = point + 4.0 * np.array([np.cos(heading), np.sin(heading)])
            points.append(point)
        cv2.polylines(footprint, [np.array(points, np.int32)], False, 1, int(rng.integers(1, 8)))
        stroke = footprint > 0
        if stroke.any():
            mask |= stroke
            hint[stroke] = np.median(chroma[stroke], axis=0)
    return hint, mask


def simulate_prior(
    chroma: np.ndarray, rng: np.random.Generator, sim: Simulation = Simulation()
) -> tuple[np.ndarray, np.ndarray]:
    """What propagation might carry to one crop, from its true chroma.

    Returns:
        (prior chroma HxWx2 float32, confidence HxW float32 0..1). Confidence varies
        smoothly between about 0.3 and 1 (or is 1 everywhere); the chroma is the truth
        where it is 1 and, the lower it is, the nearer a degraded truth (blurred, moved by
        a smooth random motion of up to a few pixels, slightly desaturated and
        hue-shifted). Over random blobs the prior is missing (confidence 0, chroma 0, as
        propagation leaves it) or another place's colour with a middling confidence.
    """
    height, width = chroma.shape[:2]
    if rng.random() < sim.no_prior:
        return np.zeros_like(chroma), np.zeros((height, width), np.float32)
    amplitude = rng.uniform(0, 3)
    xs, ys = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    map_x = xs + amplitude * _smooth_field(rng, (height, width), 4)
    map_y = ys + amplitude * _smooth_field(rng, (height, width), 4)
    prior = cv2.remap(chroma, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    sigma = rng.uniform(0, 2)
    if sigma > 0.3:
        prior = cv2.GaussianBlur(prior, (0, 0), sigma)
    angle = rng.normal(0, 0.08)
    c, s = np.cos(angle), np.sin(angle)
    prior = prior @ (np.array([[c, -s], [s, c]], np.float32) * rng.uniform(0.8, 1.05)).T
    if rng.random() < sim.exact:  # reliable tracks everywhere they reach
        confidence = np.ones((height, width), np.float32)
    else:
        confidence = np.clip(0.65 + 0.35 * _smooth_field(rng, (height, width), 3) + rng.normal(0, 0.05), 0.3, 1.0)
    # Confidence means something: the surer the prior, the nearer the truth (as a track's
    # round-trip check says), so the network learns to keep a sure prior and to
    # correct a doubtful one.
    doubt = np.clip((1.0 - confidence) / 0.7, 0.0, 1.0)[..., None]
    prior = chroma + (prior - chroma) * doubt
    confidence *= rng.uniform(0.5, 1.0) if rng.random() < 0.3 else 1.0
    dropped = rng.uniform(*sim.dropped)
    if dropped > 0:
        field = _smooth_field(rng, (height, width), int(rng.integers(3, 7)))
        hole = field < np.quantile(field, dropped)
        prior[hole] = 0.0
        confidence[hole] = 0.0
    if rng.random() < sim.wrong:
        field = _smooth_field(rng, (height, width), int(rng.integers(3, 6)))
        wrong = field > np.quantile(field, 1.0 - rng.uniform(0.05, 0.25))
        shifted = np.roll(
            chroma,
            (int(rng.integers(height // 4, height)), int(rng.integers(width // 4, width))),
            axis=(0, 1),
        )
        prior[wrong] = shifted[wrong]
        confidence[wrong] = rng.uniform(0.2, 0.6)
    return prior.astype(np.float32), confidence.astype(np.float32)


def training_sample(
    rgb: np.ndarray, rng: np.random.Generator, sim: Simulation = Simulation(), jitter: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """One crop as (inputs 7xHxW float32, target 2xHxW float32 chroma); see :mod:`.model`."""
    luma, chroma = yiq_of(rgb)
    if jitter:
        luma, chroma = jitter_colour(luma, chroma, rng)
    hint, mask = simulate_hints(chroma, rng, sim)
    prior, confidence = simulate_prior(chroma, rng, sim)
    inputs = np.concatenate(
        [
            luma[None],
            np.moveaxis(hint, 2, 0),
            mask[None].astype(np.float32),
            np.moveaxis(prior, 2, 0),
            confidence[None],
        ],
        axis=0,
    )
    return inputs.astype(np.float32), np.moveaxis(chroma, 2, 0).astype(np.float32)


def make_batch(
    pictures: PictureSet,
    rng: np.random.Generator,
    batch: int,
    size: int,
    sim: Simulation = Simulation(),
    augment: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """``batch`` random crops of ``size`` px: (inputs Nx7xSxS, targets Nx2xSxS) float32 numpy."""
    samples = [
        training_sample(random_crop(pictures.draw(rng, size), size, rng, augment), rng, sim, augment)
        for _ in range(batch)
    ]
    return np.stack([s[0] for s in samples]), np.stack([s[1] for s in samples])
