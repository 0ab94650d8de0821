"""What the retired Trivy scanner's onboarding created (docs/reference.md §4): all that is ever
deleted."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

NAME = "defender-for-containers-va"
DEFAULT_REGIONS = ("us-east-1", "eu-central-1")

# The bucket suffix is not documented: accept the end of the name, "-", "." or a digit after the
# prefix, so that e.g. "defender-for-containers-vault" never matches.
BUCKET_PATTERN = re.compile(rf"^{re.escape(NAME)}(?:$|[-.0-9])")
BUCKET_LOOKALIKE_PREFIX = "defender-for-containers"

CLUSTER_NAME = NAME
VPC_CIDR = "10.0.0.0/16"
SUBNET_CIDR = "10.0.1.0/24"
DEFAULT_ROUTE = "0.0.0.0/0"
# The tag key's case is not documented; the value is.
TAG_KEYS = ("name", "Name")

# Names that look related but are never deleted by guess (task definitions, roles, log groups,
# CloudFormation stacks and StackSets): reported as "keep" with advice.
LOOKALIKE_PATTERN = re.compile(r"defender[-_ ]?for[-_ ]?containers|trivy", re.IGNORECASE)


def has_trivy_tag(tags: Iterable[Mapping[str, str]] | None) -> bool:
    return any(t.get("Key") in TAG_KEYS and t.get("Value") == NAME for t in tags or ())


def bucket_matches(name: str) -> bool:
    return BUCKET_PATTERN.match(name) is not None
