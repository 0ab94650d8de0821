"""The standard local scenario of the demo and the sandbox: the Trivy scanner's leftovers in its
two regions, plus look-alikes that `defender-migrate` must leave alone."""

from __future__ import annotations

from dataclasses import dataclass

import boto3

from localaws.real_account import RealAccount, seed_real_account
from localaws.seed import TRIVY_NAME, LookalikeIds, TrivyIds, seed_lookalikes, seed_trivy_leftovers

# docs/reference.md §4: the old onboarding created the leftovers in these two regions.
REGIONS = ("us-east-1", "eu-central-1")


@dataclass(frozen=True)
class Scenario:
    leftovers: list[TrivyIds]
    lookalikes: list[LookalikeIds]
    real: RealAccount | None = None  # localaws/real_account.py

    def describe(self) -> list[str]:
        lines = [
            f"  {ids.region}: bucket(s) {', '.join(ids.buckets)} ({ids.object_versions} versions, "
            f"{ids.delete_markers} delete markers, {len(ids.multipart_upload_ids)} unfinished "
            f"upload), cluster {TRIVY_NAME}"
            + (f" with {len(ids.task_arns)} running task(s)" if ids.task_arns else "")
            + f", VPC {ids.vpc_id} with subnet, internet gateway, route table"
            for ids in self.leftovers
        ]
        lines.append(
            "  look-alikes: untagged 10.0.0.0/16 VPCs, tagged 10.1.0.0/16 VPCs, buckets "
            "defender-for-containers-vault-logs/-vax, my-defender-for-containers-va, "
            f"clusters {TRIVY_NAME}-prod, task definition, IAM role, log groups, stacks"
        )
        return lines + (self.real.describe() if self.real is not None else [])


def seed_scenario(session: boto3.Session, *, tasks: int = 0,
                  real_account: bool = True) -> Scenario:
    """Seed both regions; `tasks` runs that many Fargate tasks in each Trivy cluster (their ENIs
    keep the VPC busy until ECS releases them); `real_account` adds what a real account holds
    besides (localaws/real_account.py)."""
    leftovers = [
        seed_trivy_leftovers(session, region, tasks=tasks)
        for region in REGIONS
    ]
    lookalikes = [
        seed_lookalikes(session, REGIONS[0]),
        # S3 and IAM names are global: the second region gets VPCs, a cluster, etc.
        seed_lookalikes(session, REGIONS[1], bucket_names=(), stack=True),
    ]
    real = seed_real_account(session, leftovers) if real_account else None
    return Scenario(leftovers, lookalikes, real)
