"""What every cloud's config shares: the pydantic base model, the field checks, and the one
translation of pydantic's errors into `defender-containers:<path>: <problem>`.

Each cloud's config is a tree of frozen `ConfigModel`s; YAML keys are the fields' camelCase
aliases. A check states its problem with the fix (`problem(...)`); pydantic finds the path.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from typing import Annotated, Any, Self, TypeVar, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails, PydanticCustomError

from stacks.config.errors import ConfigError

M = TypeVar("M", bound="ConfigModel")
T = TypeVar("T")


def camel(name: str) -> str:
    """`k8s_operator_extra_roles` -> `k8sOperatorExtraRoles` (pydantic's to_camel would give
    `k8SOperator...`: it capitalises after digits)."""
    first, *rest = name.split("_")
    return first + "".join(part[:1].upper() + part[1:] for part in rest)


class ConfigModel(BaseModel):
    # validate_by_name lets Python build a model with field names; YAML is read by alias only
    # (`parse`), so `account_id:` in a stack file is an unknown key, not a synonym.
    model_config = ConfigDict(alias_generator=camel, validate_by_name=True,
                              validate_by_alias=True, extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _null_is_absent(cls, data: Any) -> Any:
        # `key:` with nothing after it is YAML null: the same as leaving the key out.
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if v is not None}
        return data

    def derived(self, **values: Any) -> Self:
        """`self` with fields derived from others, for an after-validator: the model is frozen,
        and pydantic's __init__ keeps `self`, not a copy, from such a validator."""
        for name, value in values.items():
            object.__setattr__(self, name, value)
        return self


def problem(text: str, *at: str | int) -> PydanticCustomError:
    """A config problem, `at` the keys below the validated value (for checks across fields)."""
    return PydanticCustomError("config", "{problem}", {"problem": text, "at": at})


def kind(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "null" if value is None else type(value).__name__


def unknown_key(name: str, known: list[str], prefix: str = "") -> str:
    near = difflib.get_close_matches(name, known, n=1)
    hint = f"did you mean {prefix}{near[0]}? " if near else ""
    return f"unknown key; {hint}the known keys {'are' if prefix else 'here are'} " + ", ".join(
        prefix + k for k in known)


# --- field checks --------------------------------------------------------------------------

def text(value: Any, what: str) -> str:
    """`value` as a stripped string, or the problem `must be <what>`."""
    if isinstance(value, int) and not isinstance(value, bool):
        raise problem(f"must be {what}, quoted as a string (YAML read {value!r} as a number, "
                      "which drops leading zeros)")
    if not isinstance(value, str):
        raise problem(f"must be {what}, got {kind(value)}")
    return value.strip()


def pattern(regex: str | re.Pattern[str], what: str, *, empty: bool = False) -> BeforeValidator:
    """A string matching `regex`; `empty`: "" too (the field's default then applies)."""
    compiled = re.compile(regex) if isinstance(regex, str) else regex

    def check(value: Any) -> str:
        given = text(value, what)
        if not (empty and given == "") and not compiled.match(given):
            raise problem(f"must be {what}, got {given!r}")
        return given
    return BeforeValidator(check)


def one_of(choices: tuple[str, ...]) -> BeforeValidator:
    def check(value: Any) -> str:
        given = text(value, "one of " + ", ".join(choices))
        if given not in choices:
            raise problem(f"must be one of {', '.join(choices)}, got {given!r}")
        return given
    return BeforeValidator(check)


def between(low: int, high: int, unit: str = "") -> BeforeValidator:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise problem(f"must be a whole number{unit} from {low} to {high}, got {kind(value)}")
        if not low <= value <= high:
            raise problem(f"must be from {low} to {high}, got {value}")
        return value
    return BeforeValidator(check)


def not_empty(fix: str = "must not be empty") -> AfterValidator:
    def check(value: T) -> T:
        if not value:
            raise problem(fix)
        return value
    return AfterValidator(check)


def _distinct(items: tuple[str, ...]) -> tuple[str, ...]:
    seen: set[str] = set()
    for i, item in enumerate(items):
        if item.lower() in seen:
            raise problem(f"{item!r} is listed more than once; remove the duplicate", i)
        seen.add(item.lower())
    return items


# A YAML list read as a tuple (the models are frozen), each entry once (case-insensitively).
Distinct = Annotated[tuple[T, ...], AfterValidator(_distinct)]


def keyed(defaults: Mapping[str, str], clash: str) -> WrapValidator:
    """A mapping over the fixed keys of `defaults`: given values override the defaults, and no
    two keys may end up with the same value (`gives <clash> <value>`)."""
    def check(value: Any, handler: ValidatorFunctionWrapHandler) -> dict[str, str]:
        if isinstance(value, dict):
            for name in value:
                if name not in defaults:
                    raise problem(unknown_key(str(name), list(defaults)), str(name))
            value = {k: v for k, v in value.items() if v is not None}  # null: the default
        values = {**defaults, **handler(value)}
        clashing = sorted({v for v in values.values() if list(values.values()).count(v) > 1})
        if clashing:
            raise problem(f"gives {clash} {clashing[0]}")
        return values
    return WrapValidator(check)


GUID = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
Guid = Annotated[str, pattern(GUID, "a GUID such as 11111111-2222-3333-4444-555555555555")]
TenantId = Annotated[Guid, AfterValidator(str.lower)]
SubscriptionId = Annotated[str, pattern(
    GUID, "a subscription ID (a GUID such as 11111111-2222-3333-4444-555555555555, not the "
    "subscription's display name)"), AfterValidator(str.lower)]
AzureRegion = Annotated[str, pattern(
    r"^[a-z][a-z0-9]*$", "an Azure region name in its short form, such as westeurope or eastus2 "
    "(lower case, no spaces; `az account list-locations -o table`)")]
ResourceGroupName = Annotated[str, pattern(
    r"^[-\w._()]{0,89}[-\w_()]$", "an Azure resource group name (1-90 letters, digits, "
    "-_.() , not ending in a period)")]


# --- the translation -------------------------------------------------------------------------

def _field(model: type[BaseModel], loc: tuple[str | int, ...]) -> tuple[
        type[BaseModel] | None, FieldInfo | None]:
    """The model holding the key at `loc`, and that key's field (None: not a model field)."""
    field: FieldInfo | None = None
    holder: type[BaseModel] | None = model
    for part in loc:
        if isinstance(part, int):
            continue  # a list entry: the list's item model, if any, is found below
        if holder is None:
            return None, None
        field = next((f for name, f in holder.model_fields.items()
                      if (f.alias or name) == part), None)
        if field is None:
            return None, None
        holder = next((t for t in (field.annotation, *get_args(field.annotation))
                       if isinstance(t, type) and issubclass(t, BaseModel)), None)
    return holder, field


def _known_keys(model: type[BaseModel] | None) -> list[str]:
    return [] if model is None else [f.alias or n for n, f in model.model_fields.items()]


def _message(model: type[BaseModel], error: ErrorDetails) -> str:
    loc = error["loc"]
    value = error["input"]
    match error["type"]:
        case "config":
            return str(error.get("ctx", {})["problem"])
        case "missing":
            _, parent = _field(model, loc[:-1])
            _, field = _field(model, loc)
            when = (f" when {loc[-2]} is set"
                    if parent is not None and parent.default is None else "")
            hint = f" ({field.description})" if field is not None and field.description else ""
            return f"is required{when}{hint}"
        case "extra_forbidden":
            holder, _ = _field(model, loc[:-1])
            return unknown_key(str(loc[-1]), _known_keys(holder))
        case "model_type" | "dict_type" | "model_attributes_type":
            return f"must be an object (a YAML mapping), got {kind(value)}"
        case "list_type" | "tuple_type":
            return f"must be a list, got {kind(value)}"
        case "string_type":
            return f"must be a string, got {kind(value)}"
        case "bool_type":
            return f"must be true or false (unquoted in YAML), got {kind(value)}"
        case _:
            return " ".join(error["msg"].split())


def config_error(model: type[BaseModel], path: str, exc: ValidationError) -> ConfigError:
    """The first of pydantic's errors as the project's one-line message; an unknown key comes
    first, since a misspelt key also makes the key it was meant to be look missing."""
    error = min(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
    at: tuple[str | int, ...] = tuple(error.get("ctx", {}).get("at", ()))
    loc = (*error["loc"], *at)
    key = path + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc)
    return ConfigError(key, _message(model, {**error, "loc": loc}))


def parse(model: type[M], raw: Any, path: str) -> M:
    """`raw` (the YAML/JSON value of `defender-containers:<path>`) as `model`, or ConfigError."""
    try:
        return model.model_validate(raw, by_alias=True, by_name=False)
    except ValidationError as exc:
        raise config_error(model, path, exc) from None

