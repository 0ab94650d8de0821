"""AWS list filters that moto ignores, taught to moto itself (in this process: in-process
`moto.mock_aws` and the servers of `localaws.server`/`localaws.org`, which run in-process too).

A filter moto ignores returns everything, so code that relies on it would look right while
paying for pages AWS would never send, and a wrong filter value would go unnoticed.
"""

from __future__ import annotations

import json
import threading
from typing import Any

_lock = threading.Lock()
_installed = False


def install() -> None:
    """Idempotent: DescribeLogGroups `logGroupNamePattern` (a case-sensitive substring match,
    docs/reference.md §9)."""
    global _installed  # noqa: PLW0603 - patch moto once per process
    with _lock:
        if _installed:
            return
        from moto.logs.responses import LogsResponse

        original = LogsResponse.describe_log_groups

        def describe_log_groups(self: Any) -> str:
            pattern = self._get_param("logGroupNamePattern")
            if not pattern:
                return str(original(self))
            limit = int(self._get_param("limit", 50))
            token = self._get_param("nextToken")
            groups = self.logs_backend.groups
            names = sorted(name for name in groups if pattern in name)
            start = names.index(token) + 1 if token in names else 0
            page = names[start:start + limit]
            doc: dict[str, Any] = {"logGroups": [groups[n].to_describe_dict() for n in page]}
            if start + limit < len(names):
                doc["nextToken"] = page[-1]
            return json.dumps(doc)

        LogsResponse.describe_log_groups = describe_log_groups  # type: ignore[method-assign]
        _installed = True
