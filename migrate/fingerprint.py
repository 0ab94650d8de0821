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


def has_trivy_tag(tags: Iterable[Mapping[str, object]] | None) -> bool:
    return any(t.get("Key") in TAG_KEYS and t.get("Value") == NAME for t in tags or ())


def bucket_matches(name: str) -> bool:
    return BUCKET_PATTERN.match(name) is not None


# --- Defender for Cloud's AWS OIDC trust (docs/reference.md §3) ------------------------------
# Microsoft's tenant hosts the OIDC issuer every Defender role trusts; the containers audience is
# the one of the retired scanner's role and of the MDVM image-assessment role. Their home for
# migrate and localaws; stacks keeps its own copy (see stacks/config/aws.py), and
# tests/test_contract_facts.py pins both to the vendored contract.
MICROSOFT_TENANT_ID = "33e01921-4d64-4f8c-a055-5bdaffd5e33d"
OIDC_ISSUER = f"sts.windows.net/{MICROSOFT_TENANT_ID}/"
CONTAINERS_AUDIENCE = "api://6610e979-c931-41ec-adc7-b9920c9d52f1"
ECS_TASKS_PRINCIPAL = "ecs-tasks.amazonaws.com"

# The MDVM image-assessment role that replaces the Trivy scanner (docs/reference.md §3: the
# connector's `mdc_containers_image_assessment.cloud_role_arn`); its name is configurable.
IMAGE_ASSESSMENT_ROLE = "MDCContainersImageAssessmentRole"

# The retired scanner's IAM roles, named by Microsoft (docs/reference.md §4): its offboarding page
# calls the CloudFormation pair "safe to remove"; its Terraform module named the same two roles
# differently. Value: which trust makes the role the scanner's.
TRIVY_VA_ROLE_TRUST = "oidc-containers"
TRIVY_TASK_ROLE_TRUST = "ecs-tasks"
TRIVY_ROLES: dict[str, str] = {
    "DefenderForContainersVaRole": TRIVY_VA_ROLE_TRUST,
    "azuredefender-containers-va": TRIVY_VA_ROLE_TRUST,
    "DefenderForContainersVaTaskRole": TRIVY_TASK_ROLE_TRUST,
    "azuredefender-containers-va-task": TRIVY_TASK_ROLE_TRUST,
}
# Customer-managed policies the Terraform module attached to those roles (docs/reference.md §4).
TRIVY_POLICIES = (
    "MicrosoftDefenderForCloud_Containers_Vulnerability_Assessment",
    "MicrosoftDefenderForCloud_Containers_Vulnerability_Assessment_Task",
)

# An ECS task's ENI: ECS writes the task attachment's ARN as its description (docs/reference.md
# §5: ENIs left by ECS/Fargate tasks), and the interface is managed by the requester (ECS).
ECS_ATTACHMENT_DESCRIPTION = re.compile(
    r"^arn:aws[a-z-]*:ecs:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):attachment/[0-9a-f-]+$")
