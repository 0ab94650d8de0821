"""`trivy apply`'s decisions as pure functions, without CliRunner or AWS: what goes where
(`sort_out`), what was left undone (`not_deleted`) and which exit code (`exit_code`,
`nothing_deleted_refusal`). tests/migrate/test_apply.py runs the same rules end to end."""

from __future__ import annotations

import pytest

from migrate.commands.apply import (
    ApplyRun,
    Sorted,
    exit_code,
    not_deleted,
    nothing_deleted_refusal,
    sort_out,
)
from migrate.errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, RefusedError
from migrate.model import Action, Resource, ScanError, Status, Targets
from migrate.readiness import FIX, Readiness

A, B, C = "111111111111", "222222222222", "333333333333"
ROLE = "MDCContainersImageAssessmentRole"


def _res(account: str, kind: str, action: Action = Action.DELETE) -> Resource:
    return Resource(account, "us-east-1", kind, f"{kind}-{account}", action, "r")


def _run(resources: list[Resource], errors: list[ScanError] | None = None,
         readiness: dict[str, Readiness] | None = None) -> ApplyRun:
    return ApplyRun(Targets(["us-east-1"], [A, B, C]), resources, errors or [], {},
                    readiness or {})


def _ids(resources: list[Resource]) -> list[str]:
    return [r.id for r in resources]


def test_deletes_go_ahead_and_keeps_stay_untouched() -> None:
    vpc, kept = _res(A, "vpc"), _res(A, "s3-bucket", Action.KEEP)
    where = sort_out(_run([vpc, kept]), skip_readiness_check=False)
    assert (where.deletes, where.refused, where.keeps, where.failed) == ([vpc], [], [kept], set())
    assert (vpc.status, kept.status, kept.error) == (None, None, None)


def test_an_account_not_reached_keeps_its_deletes_as_not_attempted() -> None:
    ours, theirs = _res(A, "vpc"), _res(B, "vpc")
    where = sort_out(_run([ours, theirs], errors=[ScanError(B, "us-east-1", "AccessDenied")]),
                     skip_readiness_check=False)
    assert where.failed == {B}
    assert _ids(where.deletes) == ["vpc-" + A]
    assert _ids(where.keeps) == ["vpc-" + B]
    assert theirs.status is Status.SKIPPED
    assert theirs.error == f"not attempted: account {B} could not be reached or scanned"
    assert ours.status is None


def test_an_account_not_ready_has_its_deletes_refused_unless_told_to_skip_the_check() -> None:
    unready = Readiness(False, ROLE, "the role does not exist")
    readiness = {A: unready, B: Readiness(True, ROLE, "ok")}
    refused, ready = _res(A, "vpc"), _res(B, "vpc")
    where = sort_out(_run([refused, ready], readiness=readiness), skip_readiness_check=False)
    assert (where.deletes, where.refused, where.keeps) == ([ready], [refused], [])
    assert refused.status is Status.SKIPPED
    assert refused.error == ("refused: account not ready for the clean-up: the role does not "
                             f"exist; {FIX}")

    again = _res(A, "vpc")
    where = sort_out(_run([again], readiness=readiness), skip_readiness_check=True)
    assert (where.deletes, where.refused) == ([again], [])
    assert again.status is None


def test_an_account_not_reached_is_not_also_refused() -> None:
    # Its readiness is unknown, and its deletes are already not attempted.
    res = _res(A, "vpc")
    where = sort_out(_run([res], errors=[ScanError(A, "*", "AccessDenied")],
                          readiness={A: Readiness(False, ROLE, "unreadable")}),
                     skip_readiness_check=False)
    assert (where.deletes, where.refused, where.keeps) == ([], [], [res])
    assert res.error == f"not attempted: account {A} could not be reached or scanned"


@pytest.mark.parametrize(("status", "action", "undone"), [
    (Status.DELETED, Action.DELETE, False),
    (Status.ALREADY_GONE, Action.DELETE, False),
    (Status.FAILED, Action.DELETE, True),
    (Status.SKIPPED, Action.DELETE, True),   # no longer matched, or not attempted
    (Status.SKIPPED, Action.KEEP, False),    # a keep is never "not deleted"
    (None, Action.KEEP, False),
])
def test_not_deleted_is_what_failed_or_was_skipped_but_meant_to_go(
        status: Status | None, action: Action, undone: bool) -> None:
    res = _res(A, "vpc", action)
    res.status = status
    assert not_deleted([res], refused=[]) == ([res] if undone else [])


def test_refused_deletes_are_reported_apart_from_the_not_deleted() -> None:
    refused = _res(A, "vpc")
    refused.status = Status.SKIPPED
    failed = _res(B, "vpc")
    failed.status = Status.FAILED
    assert not_deleted([refused, failed], refused=[refused]) == [failed]


def _sorted(*, refused: bool = False, failed: bool = False) -> Sorted:
    return Sorted(deletes=[], refused=[_res(A, "vpc")] if refused else [], keeps=[],
                  failed={B} if failed else set())


@pytest.mark.parametrize(("refused", "failed", "undone", "interrupted", "code"), [
    (False, False, False, False, EXIT_OK),
    (False, False, True, False, EXIT_FAILED),
    (True, False, False, False, EXIT_FAILED),
    (False, True, False, False, EXIT_FAILED),
    (True, True, True, False, EXIT_FAILED),
    (False, False, False, True, EXIT_INTERRUPTED),
    (True, True, True, True, EXIT_INTERRUPTED),  # Ctrl-C wins: run apply again to finish
])
def test_exit_code(refused: bool, failed: bool, undone: bool, interrupted: bool,
                   code: int) -> None:
    not_done = [_res(C, "vpc")] if undone else []
    assert exit_code(_sorted(refused=refused, failed=failed), not_done, interrupted) == code


def test_nothing_deleted_because_accounts_failed_is_a_refusal() -> None:
    refusal = nothing_deleted_refusal(_sorted(failed=True))
    assert isinstance(refusal, RefusedError)
    assert refusal.exit_code == EXIT_FAILED
    assert refusal.format_message() == ("1 account(s) could not be reached or scanned: nothing "
                                        "deleted; fix the error or narrow --regions/--accounts")
    # A refused account already says why (and exits 1); nothing failed: nothing to refuse.
    assert nothing_deleted_refusal(_sorted(failed=True, refused=True)) is None
    assert nothing_deleted_refusal(_sorted(refused=True)) is None
    assert nothing_deleted_refusal(_sorted()) is None
