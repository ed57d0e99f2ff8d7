"""The editor's cache of propagated frames: bounded memory, the rest on disk."""

import numpy as np

from keyhue.result_cache import ResultCache


def frame(value: int) -> np.ndarray:
    return np.full((4, 5, 3), value, np.uint8)


def test_old_frames_go_to_disk_and_come_back_unchanged():
    cache = ResultCache(memory_bytes=2 * frame(0).nbytes)
    for i in range(5):
        cache.put(i, frame(i))
    assert cache.frames() == list(range(5)) and 3 in cache and 7 not in cache
    assert cache.in_memory() == 2 * frame(0).nbytes
    assert all(np.array_equal(cache.get(i), frame(i)) for i in range(5))
    assert cache.in_memory() == 2 * frame(0).nbytes
    assert cache.get(7) is None


def test_a_new_result_replaces_the_one_on_disk_and_clear_removes_the_files():
    cache = ResultCache(memory_bytes=frame(0).nbytes)
    cache.put(0, frame(1))
    cache.put(1, frame(2))  # frame 0 goes to disk
    folder = cache.folder
    cache.put(0, frame(9))
    cache.put(2, frame(3))  # frame 0's new result goes to disk in turn
    assert np.array_equal(cache.get(0), frame(9))
    cache.clear()
    assert len(cache) == 0 and not folder.exists()
