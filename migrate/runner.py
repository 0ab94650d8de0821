"""A bounded pool for per-account/region work that stays responsive to Ctrl-C."""

from __future__ import annotations

import concurrent.futures as cf
import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")
MAX_DEFAULT_WORKERS = 32


def default_workers(units: int) -> int:
    """Workers for `units` independent units when --concurrency is not given.

    Each unit mostly waits on AWS, so more workers than cores pay off; past a few dozen the
    client's CPU (one core: threads share the GIL) is the limit and more threads only add
    switching.
    """
    return max(1, min(MAX_DEFAULT_WORKERS, units))


def run_all(items: Sequence[T], work: Callable[[T], R], workers: int,
            stop: threading.Event) -> list[tuple[T, R | BaseException]]:
    """Run `work` on every item; results in the items' order, whatever finishes first.

    Ctrl-C sets `stop` (workers check it before each mutating call), waits for running work to
    wind down and re-raises, so nothing is left half-called.
    """
    results: dict[int, R | BaseException] = {}
    pool = cf.ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="migrate")
    futures = {pool.submit(work, item): i for i, item in enumerate(items)}
    try:
        pending = set(futures)
        while pending:
            done, pending = cf.wait(pending, timeout=0.2)
            for fut in done:
                exc = fut.exception()
                results[futures[fut]] = exc if exc is not None else fut.result()
    except KeyboardInterrupt:
        stop.set()
        for fut in futures:
            fut.cancel()
        pool.shutdown(wait=True)
        raise
    pool.shutdown(wait=True)
    return [(item, results[i]) for i, item in enumerate(items)]
