"""What every resource kind shares: the kind interface and the small helpers for AWS's answers.

Each kind (Cloud Custodian style) is one small unit: how to delete it and how to tell whether it
still exists. Discovery lives beside the kinds of each module, because the Trivy fingerprint is
about groups (a cluster and its tasks, a VPC and what is inside it), not single resources. The
per-account/region context they work in is `migrate.context.Ctx`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Protocol, TypeVar

from botocore.exceptions import ClientError

from migrate.aws import error_code
from migrate.context import Ctx
from migrate.model import Resource, Status

T = TypeVar("T")

class Kind(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def rank(self) -> int: ...  # deletion order within an account and region

    def delete(self, ctx: Ctx, res: Resource) -> Status: ...

    def exists(self, ctx: Ctx, res: Resource) -> bool: ...


def answer_or(default: T, codes: Iterable[str], call: Callable[[], T]) -> T:
    """`call()`, or `default` when AWS answers with one of `codes` (the resource has gone)."""
    try:
        return call()
    except ClientError as exc:
        if error_code(exc) in codes:
            return default
        raise


def gone_on(codes: Iterable[str], call: Callable[[], object]) -> Status:
    """Run a deleting `call`: DELETED, or ALREADY_GONE when AWS answers with one of `codes` (the
    resource went meanwhile, by hand or by a concurrent apply); any other error is raised."""
    return answer_or(Status.ALREADY_GONE, codes, lambda: (call(), Status.DELETED)[1])


def chunks(items: list[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
