"""``colorcore train DATA... -o WEIGHTS``: train (or fine-tune) the deep scribble network.

DATA are colour images, colour video files, or folders of them. An archive that has
colour footage of its own trains on it by starting from the shipped base weights::

    colorcore train /archive/colour_reels/ -o archive.safetensors --start-from base --steps 2000

and then renders with ``--solver deep --weights archive.safetensors``. Training prints a
validation score as it goes and writes a checkpoint every ``--checkpoint-every`` steps;
``--resume`` continues an interrupted run exactly.
"""

from __future__ import annotations

from pathlib import Path


def register(sub) -> None:
    train = sub.add_parser("train", help="train the deep scribble network on colour images or videos")
    train.add_argument("data", type=Path, nargs="*", help="colour images, videos, or folders of them")
    train.add_argument("-o", "--output", type=Path, required=True, help="weights file to write (.safetensors)")
    train.add_argument(
        "--builtin",
        action="store_true",
        help="add the public-domain/CC0 photographs bundled with scikit-image",
    )
    train.add_argument(
        "--synthetic",
        type=float,
        default=None,
        metavar="SHARE",
        help="share of synthetic pictures (0..1; default 0.5 without DATA, else 0)",
    )
    train.add_argument(
        "--start-from",
        metavar="WEIGHTS",
        help="weights to start from ('base' for the shipped ones); a new network by default",
    )
    train.add_argument("--steps", type=int, default=3000)
    train.add_argument("--batch", type=int, default=8)
    train.add_argument("--crop", type=int, default=112, help="crop size in pixels")
    train.add_argument("--lr", type=float, default=1e-3, help="peak learning rate")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--checkpoint-every", type=int, default=200, metavar="STEPS")
    train.add_argument("--validate-every", type=int, default=200, metavar="STEPS")
    train.add_argument("--video-step", type=int, default=10, metavar="N", help="keep one frame in N of each video")
    train.add_argument("--threads", type=int, default=0, help="CPU threads for torch (0: torch's default)")
    train.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    train.add_argument("--resume", action="store_true", help="continue from OUTPUT.ckpt")
    train.set_defaults(run=run)


def run(args) -> int:
    from colorcore.cli.progress import ProgressBar
    from colorcore.errors import InputError
    from colorcore.solvers.deep import require_torch
    from colorcore.solvers.deep.data import PictureSet
    from colorcore.solvers.deep.train import TrainSettings, train
    from colorcore.solvers.deep.weights import BASE_WEIGHTS

    torch = require_torch()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    for name, value in (
        ("--steps", args.steps),
        ("--batch", args.batch),
        ("--checkpoint-every", args.checkpoint_every),
        ("--validate-every", args.validate_every),
    ):
        if value < 1:
            raise InputError(f"{name} must be at least 1, not {value}")
    if args.crop < 32 or args.crop % 16:
        raise InputError(f"--crop must be a multiple of 16 and at least 32, not {args.crop}")
    synthetic = args.synthetic if args.synthetic is not None else (0.0 if args.data else 0.5)
    if not 0.0 <= synthetic <= 1.0:
        raise InputError(f"--synthetic is a share between 0 and 1, not {synthetic}")
    pictures = PictureSet(args.data, builtin=args.builtin, synthetic=synthetic, video_step=args.video_step)
    start = None
    if args.start_from:
        start = BASE_WEIGHTS if args.start_from == "base" else Path(args.start_from)
    settings = TrainSettings(
        steps=args.steps,
        batch=args.batch,
        crop=args.crop,
        lr=args.lr,
        seed=args.seed,
        checkpoint_every=args.checkpoint_every,
        validate_every=args.validate_every,
    )
    info = {
        "data": [str(p) for p in args.data] + (["scikit-image bundled photographs"] if args.builtin else []),
        "synthetic_share": synthetic,
        "start_from": str(start) if start else None,
    }
    print(
        f"training on {len(pictures)} pictures" + (f" and {synthetic:.0%} synthetic ones" if synthetic else ""),
        flush=True,
    )
    with ProgressBar(f"training {args.steps} steps") as bar:

        def log(line):
            bar.finish()
            print(line, flush=True)

        result = train(
            pictures,
            args.output,
            settings,
            resume=args.resume,
            start_from=start,
            device=args.device,
            log=log,
            progress=bar,
            info=info,
        )
    print(f"wrote {args.output} (validation {result['psnr']:.2f} dB; prior alone {result['prior_psnr']:.2f} dB)")
    return 0
