"""Exact vs fast solver benchmark; the same as ``colorcore bench``.

Usage: python benchmarks/solver.py [--image PHOTO] [--scribbled 0.05] [--device cpu|cuda]
"""

import sys

from colorcore.cli.main import main

if __name__ == "__main__":
    sys.exit(main(["bench", *sys.argv[1:]]))
