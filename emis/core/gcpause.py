"""The cyclic garbage collector held back while bulk work builds many long-lived objects.

Bulk work (an import, a roll of 100k lines, a 中考 round's files) keeps growing structures alive, so every automatic
full collection walks all of them again and finds nothing: on a 100k-pupil aid roll that was a third of the time,
at an import's 100k rows a third too. None of this work makes reference cycles worth collecting early, so the
collector is off while it runs (the caller may collect the young generations itself between chunks) and restored
as it was afterwards. No Django here: the 中考 solver's command-line reader uses it too.
"""

from __future__ import annotations

import contextlib
import gc


@contextlib.contextmanager
def young_garbage_collection_only():
    """Automatic collection off inside; yields a function that collects the young generations only."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield lambda: gc.collect(1)
    finally:
        if was_enabled:
            gc.enable()
