"""Pulumi tests: the SDK's stack capture, made cheaper and kept equal (pulumi_speedups.py)."""

from tests.stacks import pulumi_speedups

pulumi_speedups.install()
