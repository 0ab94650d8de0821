"""Progress on stderr: a live bar on a terminal, plain lines in CI logs and pipes."""

from __future__ import annotations

import threading
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)


class Reporter:
    def __init__(self, console: Console, verbose: int = 0) -> None:
        self.console = console
        self.verbose = verbose
        self._live = console.is_terminal
        self._lock = threading.Lock()
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self._done = 0
        self._total = 0

    def __enter__(self) -> Reporter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.finish()

    def start(self, label: str, total: int) -> None:
        self.finish()
        self._done, self._total = 0, total
        if self._live:
            self._progress = Progress(
                TextColumn("[bold]{task.fields[label]}"), BarColumn(), MofNCompleteColumn(),
                TimeElapsedColumn(), TextColumn("{task.description}"),
                console=self.console, transient=True)
            self._progress.start()
            self._task = self._progress.add_task("", total=total, label=label)
        else:
            self.console.print(f"{label}: {total} to do")

    def step(self, message: str) -> None:
        """One unit of work finished (a region scanned, a resource deleted)."""
        with self._lock:
            self._done += 1
            if self._progress is not None and self._task is not None:
                self._progress.update(self._task, advance=1, description=message)
            else:
                self.console.print(f"[{self._done}/{self._total}] {message}", highlight=False)

    def say(self, message: str) -> None:
        """Work in progress inside a unit (bucket emptying counts, waits, retries)."""
        with self._lock:
            if self._progress is not None and self._task is not None:
                self._progress.update(self._task, description=message)
            if self.verbose or self._progress is None:
                self.console.print(f"  {message}", highlight=False)

    def finish(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
            self._task = None
