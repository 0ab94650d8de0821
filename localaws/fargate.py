"""Make moto's ECS task ENIs look like the ones AWS creates (docs/reference.md §6: moto's gaps).

On AWS an awsvpc task's network interface is created by ECS on the customer's behalf: it is
requester-managed and its description is the task attachment's ARN,
`arn:aws:ecs:<region>:<account>:attachment/<attachment id>`. moto writes "moto ECS" and marks it
as the caller's own. `defender-migrate` recognises a stopped task's ENI by that evidence once the
cluster is gone, so the local AWS must show it. moto models the ENI inside `Task.__init__`, in
whatever process holds the backends (in-process `mock_aws`, or `ThreadedMotoServer`), so the
task class is patched once per process.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

from moto.ec2.models import ec2_backends
from moto.ecs import models as ecs_models

# The requester AWS shows for ECS-created interfaces is an AWS-owned account; any value that is
# not the customer's account will do for tests.
ECS_REQUESTER_ID = "578734482556"
_lock = threading.Lock()
_installed = False


def _fix_enis(task: Any) -> None:
    backend = ec2_backends[task._account_id][task.region_name]
    for attachment in task.attachments:
        for detail in attachment.get("details", []):
            if detail.get("name") != "networkInterfaceId":
                continue
            eni = backend.enis.get(detail["value"])
            if eni is None:
                continue
            eni.description = (f"arn:aws:ecs:{task.region_name}:{task._account_id}:attachment/"
                               f"{attachment['id']}")
            eni.requester_managed = True
            eni.requester_id = ECS_REQUESTER_ID


def install() -> None:
    """Patch moto's ECS task once per process (idempotent)."""
    global _installed  # noqa: PLW0603 - one patch per process
    with _lock:
        if _installed:
            return
        original = ecs_models.Task.__init__

        @functools.wraps(original)
        def init(self: Any, *args: Any, **kwargs: Any) -> None:
            original(self, *args, **kwargs)
            _fix_enis(self)

        ecs_models.Task.__init__ = init  # type: ignore[method-assign]
        _installed = True


def release_task_enis(account: str, region: str, eni_ids: list[str]) -> list[str]:
    """What ECS does minutes after a task stops: detach and delete its ENIs. Returns the IDs
    that were still there. Works for in-process moto and for a server in this process."""
    backend = ec2_backends[account][region]
    return [eni_id for eni_id in eni_ids if backend.enis.pop(eni_id, None) is not None]
