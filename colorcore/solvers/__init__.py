"""Solvers of one frame's chroma; the deep network lives in :mod:`.deep`."""
