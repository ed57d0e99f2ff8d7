"""Benchmarks, beside the engine: solver agreement and speed, colour quality against
baselines computed in the same run, whole-pipeline speed and memory.

Run them with ``colorcore bench [solver|quality|speed]``.
"""
