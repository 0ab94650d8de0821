"""Microsoft's published identifiers, and the AWS regions, have one home per package, all equal to
the vendored contract (the regions: to botocore's partition data).

`migrate` (and `localaws`, which takes migrate's) and `stacks` are independent packages, so each
holds the tenant ID and the containers audience; this test is what keeps them one fact.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import botocore.session

from localaws import seed
from migrate import fingerprint
from migrate.aws import known_regions
from stacks.config import aws as stacks_aws

CONTRACT: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parent / "fixtures" / "aws-connector-contract.json").read_text())


def test_the_tenant_id_is_the_contracts_oidc_issuer() -> None:
    issuer_url = CONTRACT["oidc_provider"]["url"]
    tenant = issuer_url.removeprefix("https://sts.windows.net/").rstrip("/")
    assert fingerprint.MICROSOFT_TENANT_ID == stacks_aws.MICROSOFT_TENANT_ID == tenant
    assert f"https://{fingerprint.OIDC_ISSUER}" == issuer_url
    assert CONTRACT["audience_condition"]["key"] == f"{fingerprint.OIDC_ISSUER}:aud"


def test_the_audiences_and_thumbprint_are_the_contracts() -> None:
    audiences = CONTRACT["audiences"]
    assert fingerprint.CONTAINERS_AUDIENCE == stacks_aws.CONTAINERS_AUDIENCE
    assert audiences["containers"] == fingerprint.CONTAINERS_AUDIENCE
    assert audiences["cspm"] == stacks_aws.CSPM_AUDIENCE
    assert audiences["data_collection"] == stacks_aws.DATA_COLLECTION_AUDIENCE
    thumbprint = CONTRACT["oidc_provider"]["thumbprint"]
    assert seed.OIDC_THUMBPRINT == stacks_aws.OIDC_THUMBPRINT == thumbprint


def test_the_image_assessment_role_is_the_contracts_and_stacks_default() -> None:
    assert "MDCContainersImageAssessmentRole" in CONTRACT["roles"]
    assert fingerprint.IMAGE_ASSESSMENT_ROLE == "MDCContainersImageAssessmentRole"
    assert stacks_aws.DEFAULT_ROLE_NAMES["imageAssessment"] == fingerprint.IMAGE_ASSESSMENT_ROLE



def test_every_region_the_stack_accepts_defender_migrate_accepts() -> None:
    # One source, botocore's partition data: migrate knows every partition, the stack the
    # commercial one. (They once differed: migrate read EC2's endpoints.json, which lacked
    # me-west-1 and sa-west-1.)
    session = botocore.session.Session()
    commercial = {r for r in known_regions() if session.get_partition_for_region(r) == "aws"}
    assert stacks_aws.aws_regions() == commercial
    assert {"us-gov-west-1", "cn-north-1"} <= known_regions() - stacks_aws.aws_regions()
