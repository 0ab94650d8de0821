"""The one error type for invalid stack configuration."""

from __future__ import annotations

import pulumi

PROJECT = "defender-containers"


class ConfigError(pulumi.RunError):
    """Invalid stack config; the message names the full key and how to fix it.

    A `pulumi.RunError` so that `pulumi up`/`preview` prints the message without a traceback.
    """

    def __init__(self, key: str, problem: str) -> None:
        self.key = key
        self.problem = problem
        super().__init__(f"{PROJECT}:{key}: {problem}")
