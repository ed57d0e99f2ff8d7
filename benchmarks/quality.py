"""Quality benchmark: the four protocols of docs/architecture.md beside the grey and chained-flow
baselines; the same as ``colorcore bench quality``.

Usage: python benchmarks/quality.py [--protocol 1|2] [--clips NAME ...] [--frames N]
       [--data FOLDER] [--json PATH]
"""

import sys

from colorcore.cli.main import main

if __name__ == "__main__":
    sys.exit(main(["bench", "quality", *sys.argv[1:]]))
