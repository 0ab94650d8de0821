"""The one JSON document `--output json` prints and `plan --out` writes; `apply` reads it back."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib.resources import files as resources_files
from pathlib import Path
from typing import TYPE_CHECKING, Any

from migrate.aws import Arn, known_regions
from migrate.errors import InputError
from migrate.fingerprint import CLUSTER_NAME, TRIVY_POLICIES, TRIVY_ROLES
from migrate.model import (
    FORMAT,
    GLOBAL_REGION,
    VERSION,
    Action,
    Resource,
    ScanError,
    Status,
    Targets,
)
from migrate.readiness import Readiness

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError


def build(command: str, targets: Targets, resources: list[Resource],
          errors: list[ScanError], readiness: dict[str, Readiness] | None = None,
          ) -> dict[str, Any]:
    summary: dict[str, int] = {"delete": 0, "keep": 0}
    listed = [r for r in resources if not r.unlisted]  # apply's fresh finds are not counted
    summary.update(Counter(r.action.value for r in listed))
    summary.update(Counter(r.status.value for r in listed if r.status is not None))
    summary.update(account_outcomes(targets.accounts, resources, errors))
    return {
        "format": FORMAT,
        "version": VERSION,
        "command": command,
        "created": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "targets": targets.to_json(),
        "summary": summary,
        "errors": [e.to_json() for e in errors],
        "readiness": {a: r.to_json() for a, r in sorted((readiness or {}).items())},
        "resources": [r.to_json() for r in resources],
    }


def stopped(command: str | None, error: str) -> dict[str, Any]:
    """The document of a run that stopped before it knew its targets (no credentials, bad
    input, interrupted while scanning): no targets, no resources, one error."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "command": command,
        "created": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "targets": None,
        "summary": {"delete": 0, "keep": 0, "accounts_done": 0, "accounts_failed": 0,
                    "accounts_skipped": 0},
        "errors": [{"account": None, "region": None, "error": error}],
        "readiness": {},
        "resources": [],
    }


def account_outcomes(accounts: list[str], resources: list[Resource],
                     errors: list[ScanError]) -> dict[str, int]:
    """How many accounts were done, failed (a scan error or a failed deletion) or skipped (a
    deletion left undone without an error of its own: interrupted, or no longer matching)."""
    failed = {e.account for e in errors}
    failed |= {r.account for r in resources if r.status is Status.FAILED}
    skipped = {r.account for r in resources
               if r.action is Action.DELETE and r.status is Status.SKIPPED} - failed
    return {"accounts_done": len(set(accounts) - failed - skipped),
            "accounts_failed": len(failed & set(accounts)),
            "accounts_skipped": len(skipped & set(accounts))}


def schema() -> dict[str, Any]:
    """The published JSON Schema of the document (migrate/schema/plan.schema.json)."""
    text = resources_files("migrate").joinpath("schema", "plan.schema.json").read_text("utf-8")
    return dict(json.loads(text))


def problems(doc: object) -> Iterator[str]:
    """Every way `doc` breaks the schema, most relevant first, as `$.json.path: problem`."""
    # Imported here: only `apply --plan` reads a document, and jsonschema costs every other run
    # of the command (plan, apply, --help) a fifth of a second of start-up.
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match

    validator = Draft202012Validator(schema())
    errors = list(validator.iter_errors(doc))
    if not errors:
        return
    first = best_match(errors)
    yield from (_say(e) for e in [first, *[e for e in errors if e is not first]])


def _say(error: ValidationError) -> str:
    if error.validator == "required":
        wanted: list[str] = list(error.validator_value)  # type: ignore[arg-type]
        present = error.instance if isinstance(error.instance, dict) else {}
        missing = [f for f in wanted if f not in present]
        return f"{error.json_path}: missing required field {', '.join(missing)}"
    return f"{error.json_path}: {error.message}"


def write(path: Path, doc: dict[str, Any]) -> None:
    path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")


class NotJSON(ValueError):
    """The file is not (UTF-8) JSON; the message says where, in one line."""


def read_json(path: Path) -> Any:
    """The JSON document in `path`: OSError when it cannot be read, NotJSON when it is not
    JSON. Shared by `load_plan` and the CI job summary (migrate/ci/plan_summary.py)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise NotJSON(f"not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from exc
    except UnicodeDecodeError as exc:
        raise NotJSON(f"not JSON (not UTF-8 text: {exc.reason} at byte {exc.start})") from exc


class _NotAPlan(Exception):
    """What makes a document not a usable plan, with its JSON path; `load_plan` words it."""


def load_plan(path: Path) -> tuple[Targets, list[Resource], dict[str, Readiness]]:
    """Read a plan file back; anything that is not one is a one-line error naming the problem
    and where it is (its JSON path)."""
    def bad(problem: str) -> InputError:
        return InputError(f"{path} is not a usable plan file: {problem}; "
                          "make one with `defender-migrate trivy plan --out FILE`")

    try:
        doc = read_json(path)
        _check_document(doc)
        t = doc["targets"]
        targets = Targets(list(t["regions"]), list(t["accounts"]), t.get("role_name"))
        resources = [Resource.from_json(r) for r in doc["resources"]]
        _check_rows(targets, resources)
    except OSError as exc:
        raise InputError(f"cannot read plan file {path}: {exc.strerror}") from exc
    except (NotJSON, _NotAPlan) as exc:
        raise bad(str(exc)) from exc
    readiness = {a: Readiness.from_json(r) for a, r in doc.get("readiness", {}).items()}
    return targets, resources, readiness


def _check_document(doc: Any) -> None:
    """A plan of this version that the schema accepts and that got as far as its targets."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise _NotAPlan(f"no \"format\": \"{FORMAT}\"")
    if doc.get("version") != VERSION:
        raise _NotAPlan(f"version {doc.get('version')!r}, this tool reads version {VERSION}")
    if doc.get("command") != "plan":
        raise _NotAPlan(f"$.command: it records {doc.get('command')!r}, not a plan")
    first = next(problems(doc), None)
    if first is not None:
        raise _NotAPlan(first)
    if doc["targets"] is None:
        raise _NotAPlan("it records a run that stopped before scanning (see its errors)")


def _check_rows(targets: Targets, resources: list[Resource]) -> None:
    """Regions AWS has, each resource once, within the plan's targets, and every delete one of
    the scanner's resources: an edited plan file cannot widen what apply deletes."""
    known = known_regions()
    for i, region in enumerate(targets.regions):
        if region not in known:
            raise _NotAPlan(f"$.targets.regions[{i}]: unknown region {region!r}")
    seen: dict[tuple[str, str, str, str], int] = {}
    for i, res in enumerate(resources):
        where = f"$.resources[{i}]"
        if res.region != GLOBAL_REGION and res.region not in known:
            raise _NotAPlan(f"{where}.region: unknown region {res.region!r}")
        if res.key in seen:
            raise _NotAPlan(f"{where}: {res.kind} {res.id} is listed twice (also at "
                            f"$.resources[{seen[res.key]}])")
        seen[res.key] = i
        _check_within_targets(where, res, targets)
        if res.action is Action.DELETE:
            _check_delete(where, res)


def _check_within_targets(where: str, res: Resource, targets: Targets) -> None:
    if (res.action is Action.DELETE and res.region != GLOBAL_REGION
            and res.region not in targets.regions):
        raise _NotAPlan(f"{where}.region: it would delete {res.kind} {res.id} in {res.region}, "
                        f"outside the plan's $.targets.regions ({', '.join(targets.regions)})")
    if res.account not in targets.accounts:
        raise _NotAPlan(f"{where}.account: resource {res.id} is in account {res.account}, not "
                        "among its targets")


def _check_delete(where: str, res: Resource) -> None:
    """Only the scanner's own cluster, roles and policies may be deleted."""
    if res.kind == "ecs-cluster" and res.id != CLUSTER_NAME:
        raise _NotAPlan(f"{where}.id: it would delete ECS cluster {res.id}, which is not the "
                        "Trivy cluster")
    if res.kind == "iam-role" and res.id not in TRIVY_ROLES:
        raise _NotAPlan(f"{where}.id: it would delete IAM role {res.id}, which is not one of "
                        "the retired scanner's roles")
    if res.kind == "iam-policy" and not _trivy_policy_arn(res):
        raise _NotAPlan(f"{where}.details.arn: it would delete IAM policy "
                        f"{res.details.get('arn')!r}, which is not one of the retired scanner's "
                        "policies")


def _trivy_policy_arn(res: Resource) -> bool:
    try:
        arn = Arn.parse(str(res.details.get("arn", "")))
    except ValueError:
        return False
    return (res.id in TRIVY_POLICIES and arn.service == "iam" and arn.account == res.account
            and arn.resource.startswith("policy/") and arn.name == res.id)

