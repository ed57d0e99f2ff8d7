"""The deep network's floor on single frames it was never trained on: strokes only, no prior.

Each frame gets protocol 2's simulated strokes (:func:`colorcore.bench.quality.simulate_keyframe_strokes`)
and is solved alone by the network (and by Levin's equation with --levin); the table gives
PSNR against the true colour beside the grey output's, and the mean chroma length more
than 40 px from any stroke (the network's and the truth's): a network that invents colour
nothing supports shows it there. Frames: the two mp4 samples (frames 0, 40, 79), two
scikit-image pictures that are not among the training photographs (motorcycle_left,
ihc), and frame 0 of three DAVIS clips. The test data are research-only: measuring only.

Usage: OMP_NUM_THREADS=1 python benchmarks/deep_heldout.py [WEIGHTS ...] [--levin]
(WEIGHTS: safetensors files; default the shipped base weights.)
"""

import sys
from pathlib import Path

import cv2
import numpy as np

TESTDATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "testdata"


def frames():
    """Yield (name, HxWx3 uint8 RGB) of the held-out frames that are present."""
    from colorcore.media import open_clip, read_image
    from colorcore.solvers.deep.data import skimage_data_folder

    for name in ("schoolgirls.mp4", "test-sample2.mp4"):
        path = TESTDATA / "mp4_samples" / name
        if path.is_file():
            with open_clip(path) as clip:
                for i in (0, 40, 79):
                    yield f"{name}:{i}", np.asarray(clip.rgb(i))
    folder = skimage_data_folder()
    for name in ("motorcycle_left.png", "ihc.png"):
        if folder is not None and (folder / name).is_file():
            image = read_image(folder / name)[..., :3]
            scale = 432 / max(image.shape[:2])
            size = (round(image.shape[1] * scale), round(image.shape[0] * scale))
            yield name, cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    for clip_name in ("blackswan", "goat", "camel"):
        path = TESTDATA / "davis480p" / "JPEGImages" / clip_name
        if path.is_dir():
            with open_clip(path) as clip:
                yield f"davis {clip_name}:0", np.asarray(clip.rgb(0))


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """PSNR in dB of two HxWx3 uint8 pictures."""
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float(10 * np.log10(255.0**2 / max(mse, 1e-12)))


def main(argv: list[str]) -> int:
    """Print one row per frame and weights file, then the means; returns 0."""
    import torch

    from colorcore.bench.quality import simulate_keyframe_strokes
    from colorcore.colorspace import chroma_of, compose, luma_of
    from colorcore.guidance.hints import Hints
    from colorcore.solvers.colorize import solve_chroma
    from colorcore.solvers.deep.infer import DeepSolver
    from colorcore.solvers.deep.weights import load_network

    torch.set_num_threads(1)
    levin = "--levin" in argv
    paths = [Path(a) for a in argv if not a.startswith("--")] or [None]
    solvers = [DeepSolver(load_network(p), device="cpu") for p in paths]
    names = ["base" if p is None else p.stem for p in paths]
    head = ["grey"] + [c for n in names for c in (n[:10], "far |c|")] + ["truth |c|"] + (["Levin"] if levin else [])
    kinds = ["dB"] + ["dB", "c"] * len(names) + ["c"] + (["dB"] if levin else [])
    print(f"{'frame':<24}" + "".join(f" {h:>10}" for h in head))

    def line(name: str, values) -> str:
        return f"{name:<24}" + "".join(f" {v:10.2f}" if k == "dB" else f" {v:10.3f}" for v, k in zip(values, kinds))

    rows = []
    for name, rgb in frames():
        height, width = rgb.shape[:2]
        strokes = simulate_keyframe_strokes(rgb, 0, 0)
        raster = Hints(canvas_size=(width, height), strokes=strokes).rasterize(frame=0, size=(width, height))
        luma = luma_of(rgb)
        far = cv2.distanceTransform((~raster.mask).astype(np.uint8), cv2.DIST_L2, 5) > 40
        row = [psnr(compose(luma, np.zeros((height, width, 2)), dtype=np.uint8), rgb)]
        for solver in solvers:
            chroma = solver.solve(luma, raster.chroma, raster.mask)
            row += [
                psnr(compose(luma, chroma, dtype=np.uint8), rgb),
                float(np.linalg.norm(chroma[far], axis=-1).mean()),
            ]
        row.append(float(np.linalg.norm(chroma_of(rgb)[far], axis=-1).mean()))
        if levin:
            chroma = solve_chroma(luma.astype(np.float64), raster, solver="fast", device="cpu")
            row.append(psnr(compose(luma, chroma, dtype=np.uint8), rgb))
        rows.append(row)
        print(line(name, row), flush=True)
    if rows:
        print(line("mean", np.mean(rows, axis=0)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
