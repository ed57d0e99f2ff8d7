"""Synthetic colour clips with known motion and colours: a disc over a texture, a pan."""

from __future__ import annotations

import cv2
import numpy as np

from colorcore.colorspace import chroma_of, compose, luma_of

DISC_RGB = (200, 40, 40)


def textured_background(height: int, width: int, seed: int, tint=(0.55, 0.7, 0.45)) -> np.ndarray:
    """HxWx3 float RGB 0..1: smooth random texture with a colour tint, wider than the frame."""
    rng = np.random.default_rng(seed)
    import cv2

    noise = rng.random((height // 8 + 2, width // 8 + 2)).astype(np.float32)
    texture = cv2.resize(noise, (width, height), interpolation=cv2.INTER_CUBIC)
    texture = 0.35 + 0.4 * (texture - texture.min()) / (np.ptp(texture) + 1e-6)
    return np.clip(texture[..., None] * np.array(tint, np.float32)[None, None] * 1.4, 0, 1)


def moving_disc_frame(i: int, height: int, width: int, background: np.ndarray, speed: float = 2.0) -> np.ndarray:
    """Frame i (HxWx3 uint8 RGB): the background panning left by 1 px/frame, a red disc
    moving right by ``speed`` px/frame along the middle row."""
    shift = i % (background.shape[1] - width + 1)
    frame = background[:height, shift : shift + width].copy()
    yy, xx = np.mgrid[0:height, 0:width]
    cx, cy, radius = width * 0.2 + speed * i, height * 0.5, min(height, width) * 0.15
    disc = (xx - cx) ** 2 + (yy - cy) ** 2 <= radius**2
    # The disc carries its own texture (moving with it): flow needs texture to follow it.
    rings = 0.8 + 0.2 * np.cos(np.hypot(xx - cx, yy - cy) * 0.9) * np.cos((xx - cx) * 0.5)
    frame[disc] = (np.array(DISC_RGB, np.float32) / 255.0)[None] * rings[disc][:, None]
    return np.clip(frame * 255.0 + 0.5, 0, 255).astype(np.uint8)


def disc_mask(i: int, height: int, width: int, speed: float = 2.0, shrink: float = 0.7) -> np.ndarray:
    """HxW bool: the inner part of the disc of frame i (away from its edge)."""
    yy, xx = np.mgrid[0:height, 0:width]
    cx, cy, radius = width * 0.2 + speed * i, height * 0.5, min(height, width) * 0.15 * shrink
    return (xx - cx) ** 2 + (yy - cy) ** 2 <= radius**2


def moving_disc_clip(count: int, height: int = 96, width: int = 128, seed: int = 0, speed: float = 2.0):
    """``count`` RGB frames (HxWx3 uint8) of a red disc moving over a panning texture."""
    background = textured_background(height, width + count + 1, seed)
    return [moving_disc_frame(i, height, width, background, speed) for i in range(count)]


def textured_canvas(height: int, width: int, seed: int = 0) -> np.ndarray:
    """HxWx3 uint8 RGB: smooth random colour texture (blobs a few pixels wide), 30..220."""
    rng = np.random.default_rng(seed)
    noise = rng.normal(size=(height, width, 3)).astype(np.float32)
    texture = cv2.GaussianBlur(noise, (0, 0), 2.0)
    texture = (texture - texture.min()) / (texture.max() - texture.min())
    return np.round(30 + 190 * texture).astype(np.uint8)


def moving_clip(frames: int = 6, height: int = 64, width: int = 80, step=(2, 1)) -> list[np.ndarray]:
    """Frames of a camera panning over a texture by ``step`` = (dx, dy) pixels per frame.

    The content moves by (-dx, -dy), so the true flow from each frame to the next is
    (-dx, -dy) wherever the point stays in view.
    """
    dx, dy = step
    canvas = textured_canvas(height + dy * frames, width + dx * frames)
    return [canvas[t * dy : t * dy + height, t * dx : t * dx + width].copy() for t in range(frames)]


def with_chroma_gain(frames, gains):
    """The frames with their chroma scaled per frame (luma kept), as a colouriser would flicker."""
    return [compose(luma_of(f), g * chroma_of(f)) for f, g in zip(frames, gains)]


def several_shots_clip(shot_lengths=(14, 12, 10), height: int = 72, width: int = 96) -> list[np.ndarray]:
    """RGB frames (HxWx3 uint8) of consecutive shots with hard cuts between them: a moving
    disc over a panning texture, each shot with its own texture and tint."""
    tints = [(0.55, 0.7, 0.45), (0.8, 0.5, 0.35), (0.4, 0.55, 0.85)]
    frames = []
    for shot, count in enumerate(shot_lengths):
        background = textured_background(height, width + count + 1, seed=10 + shot, tint=tints[shot % 3])
        frames += [moving_disc_frame(i, height, width, background) for i in range(count)]
    return frames


def stroke_guidance(frames, keyframes, references=()):
    """Guidance for ``frames``: strokes of the true colour on each of ``keyframes`` (two
    short horizontal strokes each) and the true frame as a reference on ``references``."""
    from colorcore.guidance.hints import Hints, Stroke
    from colorcore.guidance.references import Guidance, Reference

    height, width = frames[0].shape[:2]
    strokes = []
    for k in keyframes:
        for y in (height // 4, height // 2):
            x0, x1 = width // 5, width // 2
            colour = tuple(float(c) / 255.0 for c in frames[k][y, (x0 + x1) // 2])
            strokes.append(Stroke(points=[(x0, y), (x1, y)], color=colour, width=3, frame=k))
    hints = Hints(canvas_size=(width, height), strokes=strokes)
    return Guidance(hints=hints, references=[Reference(r, frames[r]) for r in references])


def cap_scene(height: int = 180, width: int = 240):
    """(grey HxW uint8, exemplar RGB, cap mask): a darker disc (the cap) on a lighter
    ground, both lightly textured; the exemplar (the same picture) has a blue cap on
    green."""
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:height, :width]
    cap = (xx - 150) ** 2 + (yy - 80) ** 2 < 40**2
    texture = cv2.GaussianBlur(rng.normal(0, 1, (height, width)).astype(np.float32), (0, 0), 2) * 0.05
    luma = np.where(cap, 0.35, 0.65) + texture
    colour = np.where(cap[..., None], (0.25, 0.35, 0.85), (0.4, 0.7, 0.35)).astype(np.float32)
    flat = luma_of((colour * 255).astype(np.uint8))
    rgb = (np.clip(colour * (luma / flat)[..., None], 0, 1) * 255).astype(np.uint8)
    grey = np.round(luma_of(rgb) * 255).astype(np.uint8)
    return grey, rgb, cap
