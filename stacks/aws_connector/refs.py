"""How a policy document names things it does not know yet: the account, the OIDC provider, the
other roles and the data-collection external ID.

The same role definitions feed two targets. Pulumi fills in concrete strings (`LiteralRefs`,
built inside an `apply` once the ARNs are known); the organization-mode CloudFormation template
uses intrinsic functions (`CfnRefs`), resolved in each member account.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol


class Refs(Protocol):
    def account_id(self) -> Any: ...

    def oidc_provider_arn(self) -> Any: ...

    def role_arn(self, key: str) -> Any: ...

    def data_collection_external_id(self) -> Any:
        """The connector's `dataCollectionExternalId` (one per stack, also in member accounts)."""
        ...

    def arn(self, service: str, resource: str, *, region: str = "*", account: bool = True
            ) -> Any:
        """`arn:<partition>:<service>:<region>:<account>:<resource>` in this account."""
        ...

    def managed_policy_arn(self, name: str) -> Any:
        """An AWS managed policy such as ReadOnlyAccess."""
        ...


# Defender for Cloud connects commercial AWS accounts only (config validates regions likewise).
PARTITION = "aws"


def aws_managed_policy_arn(name: str) -> str:
    return f"arn:{PARTITION}:iam::aws:policy/{name}"


@dataclass(frozen=True)
class LiteralRefs:
    account: str
    provider_arn: str
    role_arns: Mapping[str, str]
    external_id: str

    def account_id(self) -> str:
        return self.account

    def oidc_provider_arn(self) -> str:
        return self.provider_arn

    def role_arn(self, key: str) -> str:
        return self.role_arns[key]

    def data_collection_external_id(self) -> str:
        return self.external_id

    def arn(self, service: str, resource: str, *, region: str = "*", account: bool = True
            ) -> str:
        return (f"arn:{PARTITION}:{service}:{region}:{self.account if account else ''}:"
                f"{resource}")

    def managed_policy_arn(self, name: str) -> str:
        return aws_managed_policy_arn(name)


# The StackSet passes the stack's external ID to every member account as this parameter, so the
# template body does not change when the ID is generated.
EXTERNAL_ID_PARAMETER = "DataCollectionExternalId"


@dataclass(frozen=True)
class CfnRefs:
    provider_logical_id: str
    role_logical_ids: Mapping[str, str]

    def account_id(self) -> dict[str, str]:
        return {"Ref": "AWS::AccountId"}

    def oidc_provider_arn(self) -> dict[str, str]:
        return {"Ref": self.provider_logical_id}  # Ref of AWS::IAM::OIDCProvider is its ARN

    def role_arn(self, key: str) -> dict[str, list[str]]:
        return {"Fn::GetAtt": [self.role_logical_ids[key], "Arn"]}

    def data_collection_external_id(self) -> dict[str, str]:
        return {"Ref": EXTERNAL_ID_PARAMETER}

    def arn(self, service: str, resource: str, *, region: str = "*", account: bool = True
            ) -> dict[str, str]:
        account_part = "${AWS::AccountId}" if account else ""
        return {"Fn::Sub": f"arn:${{AWS::Partition}}:{service}:{region}:{account_part}:{resource}"}

    def managed_policy_arn(self, name: str) -> dict[str, str]:
        return {"Fn::Sub": f"arn:${{AWS::Partition}}:iam::aws:policy/{name}"}
