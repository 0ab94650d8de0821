"""The bounded pool: results in input order whatever finishes first; Ctrl-C winds down cleanly."""

from __future__ import annotations

import concurrent.futures as cf
import threading
import time
from typing import Any

import pytest

from migrate import runner


def test_results_keep_the_items_order_and_carry_exceptions() -> None:
    def work(n: int) -> int:
        time.sleep(0.01 * (5 - n))  # later items finish first
        if n == 3:
            raise ValueError("three")
        return n * 10

    results = runner.run_all([1, 2, 3, 4], work, workers=4, stop=threading.Event())

    assert [item for item, _ in results] == [1, 2, 3, 4]
    assert [r for _, r in results if not isinstance(r, BaseException)] == [10, 20, 40]
    assert isinstance(results[2][1], ValueError)


def test_ctrl_c_sets_stop_and_waits_for_running_work(monkeypatch: pytest.MonkeyPatch) -> None:
    stop = threading.Event()
    started = threading.Event()
    finished: list[int] = []

    def work(n: int) -> int:
        started.set()
        stop.wait(5)  # a worker notices the stop request at its next check
        finished.append(n)
        return n

    real_wait = cf.wait

    def interrupted_wait(*args: Any, **kwargs: Any) -> Any:
        started.wait(5)
        raise KeyboardInterrupt

    monkeypatch.setattr(cf, "wait", interrupted_wait)
    with pytest.raises(KeyboardInterrupt):
        runner.run_all([1, 2, 3], work, workers=1, stop=stop)
    monkeypatch.setattr(cf, "wait", real_wait)

    assert stop.is_set()
    assert finished == [1]  # the running item finished; the queued ones never started
