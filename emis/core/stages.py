"""Where a bulk write's time goes, by stage, for bench/import: off (a no-op) unless a caller turns it on.

The import engine, emis.core.bulk and emis.core.audit mark their stages with `timed(name)`; bench/import/run_one.py
collects the seconds per stage with `collecting()` and prints them beside the totals.
"""

from __future__ import annotations

import contextlib
import time

_seconds: dict[str, float] | None = None


@contextlib.contextmanager
def collecting():
    """Seconds per stage of what runs inside, as a dict filled in place (stages may nest: the caller knows which)."""
    global _seconds
    previous, _seconds = _seconds, {}
    try:
        yield _seconds
    finally:
        _seconds = previous


@contextlib.contextmanager
def timed(stage: str):
    if _seconds is None:
        yield
        return
    started = time.perf_counter()
    try:
        yield
    finally:
        seconds = _seconds
        if seconds is not None:
            seconds[stage] = seconds.get(stage, 0.0) + time.perf_counter() - started
