"""Rule "connector grants exactly this": every trust and inline policy document of every
connector role, for every configuration variant, equals the reviewed snapshot in
`tests/fixtures/snapshots/aws_connector_documents.json`. A statement dropped, an action or a
Sid changed, a condition loosened: the test names the role and document that differ.

The snapshot was written from stacks/aws_connector/policies.py and roles.py (issue 17) and
reviewed against `tests/fixtures/aws-connector-contract.json`; when a change is intended,
regenerate it with `UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/stacks/
test_rules_connector_documents.py` and review the diff like code.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from stacks.aws_connector.roles import oidc_audiences, role_definitions
from tests.stacks.test_aws_policies import VARIANTS, config_of, literal_refs

SNAPSHOT = Path(__file__).resolve().parent.parent / "fixtures" / "snapshots" / (
    "aws_connector_documents.json")


def documents(variant: str) -> dict[str, Any]:
    config = config_of(variant)
    definitions = role_definitions(config)
    refs = literal_refs(definitions)
    return {
        "oidc_audiences": oidc_audiences(config),
        "roles": {d.key: {"name": d.name, "description": d.description, "trust": d.trust(refs),
                          "managed": list(d.managed_policies),
                          "inline": {n: doc(refs) for n, doc in d.inline_policies},
                          "references": list(d.references)} for d in definitions},
    }


def current() -> dict[str, Any]:
    return {variant: documents(variant) for variant in VARIANTS}


def test_snapshot_is_current_when_asked_to_update() -> None:
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(json.dumps(current(), indent=2) + "\n",
                            encoding="utf-8")
    assert SNAPSHOT.is_file()


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_rule_connector_grants_exactly_the_reviewed_documents(variant: str) -> None:
    """Rule "connector grants exactly this": trust, managed and inline policies per role."""
    want = json.loads(SNAPSHOT.read_text(encoding="utf-8"))[variant]
    got = json.loads(json.dumps(documents(variant)))
    assert got["oidc_audiences"] == want["oidc_audiences"]
    assert list(got["roles"]) == list(want["roles"]), "roles or their order"
    for key, role in want["roles"].items():
        for part in ("name", "description", "trust", "managed", "inline", "references"):
            assert got["roles"][key][part] == role[part], f"{variant}: role {key}, {part}"
