"""Append-only JSON-lines record of every mutating call `apply` makes."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import IO


class AuditLog:
    def __init__(self, path: Path) -> None:
        self.path = path.resolve()
        self._lock = threading.Lock()
        self._file: IO[str] = self.path.open("a", encoding="utf-8")

    def record(self, account: str, region: str, operation: str, resource: str,
               result: str) -> None:
        line = json.dumps({
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "account": account,
            "region": region,
            "operation": operation,
            "resource": resource,
            "result": result,
        })
        with self._lock:
            self._file.write(line + "\n")
            self._file.flush()

    def close(self) -> None:
        with self._lock:
            self._file.close()
