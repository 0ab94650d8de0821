"""`-v`: one line per AWS API call with its result, so a user can see what the tool is doing."""

from __future__ import annotations

from typing import Any

import boto3
import click

# Parameters that say which resource a call is about; the rest (policy documents, object lists)
# would drown the line.
_NAMED = ("Bucket", "Key", "RoleName", "PolicyArn", "VpcId", "SubnetId", "GroupId",
          "InternetGatewayId", "RouteTableId", "AssociationId", "NetworkInterfaceId",
          "NetworkInterfaceIds", "VpcIds", "cluster", "service", "task", "tasks",
          "containerInstance", "clusters", "services", "taskDefinition", "RoleArn")


def _brief(params: dict[str, Any]) -> str:
    shown = []
    for key in _NAMED:
        if key in params:
            value = params[key]
            if isinstance(value, list):
                value = ",".join(str(v).rsplit("/", 1)[-1] for v in value[:3]) + (
                    "…" if len(value) > 3 else "")
            shown.append(f"{key}={str(value).rsplit('/', 1)[-1]}")
    if "Delete" in params:
        shown.append(f"keys={len(params['Delete'].get('Objects', []))}")
    return " ".join(shown)


def log_api_calls(session: boto3.Session) -> None:
    """Register on a session (before its clients exist) a line per call: where, what, result."""
    def keep(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["migrate_api_params"] = _brief(params)

    def after(model: Any, http_response: Any, parsed: dict[str, Any], context: dict[str, Any],
              **_: Any) -> None:
        error = parsed.get("Error", {}) if isinstance(parsed, dict) else {}
        result = error.get("Code") or "ok"
        # click.echo, not logging: it writes to the current stderr (above a live progress bar).
        click.echo(f"  api {context.get('client_region') or '-'} "
                   f"{model.service_model.service_name}:{model.name} "
                   f"{context.get('migrate_api_params', '')} -> {result} "
                   f"(HTTP {getattr(http_response, 'status_code', '?')})", err=True)

    session.events.register("before-parameter-build", keep)
    session.events.register("after-call", after)
