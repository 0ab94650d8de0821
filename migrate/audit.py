"""Append-only JSON-lines record of every mutating call `apply` makes.

Each call gets one record whatever happened: `ok`, the AWS error code, or `unknown` when the
call failed without an answer from AWS (a read timeout, a reset connection, an answer cut short
or unparsable): the resource may or may not be gone. The re-check that follows (the next step of
the same run, or the next run's scan) settles it, recorded as a `recheck` record.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

OK = "ok"
UNKNOWN = "unknown"
RECHECK = "recheck"


class AuditLog:
    def __init__(self, path: Path) -> None:
        self.path = path.resolve()
        self._lock = threading.Lock()
        self._file: IO[str] = self.path.open("a", encoding="utf-8")

    def record(self, account: str, region: str, operation: str, resource: str,
               result: str, **extra: Any) -> None:
        line = json.dumps({
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "account": account,
            "region": region,
            "operation": operation,
            "resource": resource,
            "result": result,
            **extra,
        })
        with self._lock:
            self._file.write(line + "\n")
            self._file.flush()

    def close(self) -> None:
        with self._lock:
            self._file.close()
