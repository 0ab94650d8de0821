"""Read a `Pulumi.<stack>.yaml` into the config map the Pulumi CLI hands the program.

The CLI passes every key as `<namespace>:<name>` (keys without a namespace belong to the
project) and every value as a string: strings as they are, booleans and numbers in their YAML
spelling, objects and lists as JSON. `secure:` values cannot be decrypted without the stack's
secrets provider, so they become a visible placeholder.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from stacks.config.errors import PROJECT

STACK_FILE = re.compile(r"^Pulumi\.(?P<stack>[A-Za-z0-9_.-]+)\.yaml$")
SECRET_PLACEHOLDER = "[secret]"


class StackFileError(Exception):
    """The file is not a stack file this tool can read; the message says why and what to do.

    Exit status 1 like any config mistake, 2 when the command line names no stack file.
    """

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass(frozen=True)
class StackFile:
    path: Path
    stack: str
    config: dict[str, str]
    secret_keys: tuple[str, ...]


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _unsecure(value: Any) -> tuple[Any, bool]:
    """Replace `{secure: ...}` values (at any depth) with the placeholder; say if any was."""
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return SECRET_PLACEHOLDER, True
        found = False
        out = {}
        for key, item in value.items():
            out[key], secret = _unsecure(item)
            found |= secret
        return out, found
    if isinstance(value, list):
        items = [_unsecure(item) for item in value]
        return [item for item, _ in items], any(secret for _, secret in items)
    return value, False


def _yaml_reason(exc: yaml.YAMLError) -> str:
    """The parser's own reason on one line: where, what, and in which construct."""
    if not isinstance(exc, yaml.MarkedYAMLError):
        return f": {exc}"
    mark, context_mark = exc.problem_mark, exc.context_mark
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    reason = f"{where}: {exc.problem}"
    if exc.context:
        started = (f" at line {context_mark.line + 1}" if context_mark is not None
                   and (mark is None or context_mark.line != mark.line) else "")
        reason += f" ({exc.context}{started})"
    if "<block" in (exc.problem or ""):
        # PyYAML's wording for a key indented more or less than its neighbours.
        reason += "; check the indentation of that line against the lines above"
    return reason


def read_stack_file(path: Path) -> StackFile:
    match = STACK_FILE.match(path.name)
    if not match:
        raise StackFileError(f"{path}: not a stack file; the name must be Pulumi.<stack>.yaml",
                             exit_code=2)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StackFileError(f"{path}: file not found", exit_code=2) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise StackFileError(f"{path}: cannot read it ({exc})") from None
    except yaml.YAMLError as exc:
        raise StackFileError(f"{path}: not valid YAML{_yaml_reason(exc)}") from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise StackFileError(f"{path}: must be a YAML mapping with a `config:` key")
    settings = raw.get("config") or {}
    if not isinstance(settings, dict):
        raise StackFileError(f"{path}: `config:` must be a mapping of key: value")

    config: dict[str, str] = {}
    secrets: list[str] = []
    for key, raw_value in settings.items():
        name = str(key) if ":" in str(key) else f"{PROJECT}:{key}"
        value, secret = _unsecure(raw_value)
        if secret:
            secrets.append(name)
        config[name] = (json.dumps(value) if isinstance(value, dict | list)
                        else _scalar(value))
    return StackFile(path, match["stack"], config, tuple(secrets))
