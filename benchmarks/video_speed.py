"""Speed of the whole ``colorcore video`` pipeline at 854x480 (CPU, and GPU when present),
or with --memory its peak RSS on 300- and 3000-frame clips; the same as
``colorcore bench speed``.

Usage: python benchmarks/video_speed.py [--frames 90] [--device cpu|cuda|both] [--json PATH]
       python benchmarks/video_speed.py --memory [300 3000]
"""

import sys

from colorcore.cli.main import main

if __name__ == "__main__":
    sys.exit(main(["bench", "speed", *sys.argv[1:]]))
