"""AWS list filters and calls that moto lacks, taught to moto itself (in this process: in-process
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


# (GroupId, VpcId) -> association, per EC2 backend: AssociateSecurityGroupVpc (2024) is not in
# moto 5.2. `migrate/kinds/vpc.py` lists these associations: a VPC holding one is kept.
SG_VPC_ASSOCIATIONS = "_motofixes_sg_vpc_associations"
_SG_ASSOCIATION_FILTERS = {"group-id": "GroupId", "vpc-id": "VpcId", "state": "State",
                           "vpc-owner-id": "VpcOwnerId", "group-owner-id": "GroupOwnerId"}


def sg_vpc_associations(backend: Any) -> dict[tuple[str, str], dict[str, str]]:
    found: dict[tuple[str, str], dict[str, str]] = backend.__dict__.setdefault(
        SG_VPC_ASSOCIATIONS, {})
    return found


def _install_sg_vpc_associations() -> None:
    from moto.core.responses import ActionResult
    from moto.ec2.responses import EC2Response

    def associate_security_group_vpc(self: Any) -> ActionResult:
        group_id, vpc_id = self._get_param("GroupId"), self._get_param("VpcId")
        self.ec2_backend.get_vpc(vpc_id)  # InvalidVpcID.NotFound as on AWS
        account = self.ec2_backend.account_id
        sg_vpc_associations(self.ec2_backend)[(group_id, vpc_id)] = {
            "GroupId": group_id, "VpcId": vpc_id, "VpcOwnerId": account,
            "GroupOwnerId": account, "State": "associated"}
        return ActionResult({"State": "associated"})

    def disassociate_security_group_vpc(self: Any) -> ActionResult:
        key = (self._get_param("GroupId"), self._get_param("VpcId"))
        sg_vpc_associations(self.ec2_backend).pop(key, None)
        return ActionResult({"State": "disassociated"})

    def describe_security_group_vpc_associations(self: Any) -> ActionResult:
        filters = self._filters_from_querystring() or {}
        items = [a for a in sg_vpc_associations(self.ec2_backend).values()
                 if all(a.get(_SG_ASSOCIATION_FILTERS.get(name, ""), None) in values
                        for name, values in filters.items())]
        return ActionResult({"SecurityGroupVpcAssociations": items})

    EC2Response.associate_security_group_vpc = associate_security_group_vpc  # type: ignore[attr-defined]
    EC2Response.disassociate_security_group_vpc = disassociate_security_group_vpc  # type: ignore[attr-defined]
    EC2Response.describe_security_group_vpc_associations = (  # type: ignore[attr-defined]
        describe_security_group_vpc_associations)


def install() -> None:
    """Idempotent: DescribeLogGroups `logGroupNamePattern` (a case-sensitive substring match,
    docs/reference.md §9); security group VPC associations (Associate, Disassociate, Describe)."""
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
        _install_sg_vpc_associations()
        _installed = True
