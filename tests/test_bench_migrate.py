"""scripts/bench_migrate.py's server (localaws.server.counting_moto_server): it answers every
call defender-migrate makes and counts them."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest

from localaws import motofixes
from localaws.server import counting_moto_server, local_aws_environment


def test_the_counting_server_answers_the_calls_moto_lacks_and_counts_them(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Without localaws.motofixes the server answered DescribeSecurityGroupVpcAssociations (a
    # call of every plan) with a 500, and the benchmark's apply failed. The fixes patch moto
    # for the whole process (another test may have installed them): watch the server do it.
    installed: list[None] = []
    real_install = motofixes.install
    monkeypatch.setattr(motofixes, "install", lambda: installed.append(real_install()))
    with counting_moto_server() as (endpoint, app):
        assert installed
        for key, value in local_aws_environment(endpoint, tmp_path).items():
            monkeypatch.setenv(key, value)
        ec2 = boto3.Session().client("ec2", region_name="us-east-1")
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        group = ec2.create_security_group(GroupName="g", Description="d", VpcId=vpc)["GroupId"]
        app.take()
        answer = ec2.describe_security_group_vpc_associations(
            Filters=[{"Name": "group-id", "Values": [group]}])
        assert answer["SecurityGroupVpcAssociations"] == []
        assert app.take()["total"] == 1
