"""The typed client accessors (`Ctx.ec2()`, ...): mypy trusts their `cast`, so these tests check
what it cannot: each asks for the service its type names, and the product runs without the
type stubs (boto3-stubs is a dev dependency)."""

from __future__ import annotations

import importlib
import inspect
import re
import subprocess
import sys
from pathlib import Path
from typing import cast

import botocore.session
import pytest

from migrate.audit import AuditLog
from migrate.aws import Account, SessionFactory
from migrate.context import Ctx, TypedClient

ROOT = Path(__file__).resolve().parents[2]


class Asked:
    """Stands for an Account or a SessionFactory: answers which service a client was asked for."""

    def client(self, service: str, region: str) -> str:
        return service

    base_client = client


def _typed(cls: type) -> dict[str, str]:
    """Each typed accessor of `cls` and the name of the boto3-stubs class it promises."""
    found = {name: str(fn.__annotations__.get("return", ""))
             for name, fn in inspect.getmembers(cls, inspect.isfunction)
             if not name.endswith("client")}
    found |= {name: re.sub(r".*\[(\w+)\]\]$", r"\1", cls.__annotations__[name])
              for name, value in vars(cls).items() if isinstance(value, TypedClient)}
    return {name: typed for name, typed in found.items() if typed.endswith("Client")}


def _asked(cls: type, name: str) -> str:
    """The service the accessor asks the account (or the factory) for."""
    if cls is Ctx:
        return cast(str, getattr(Ctx(cast(Account, Asked()), "us-east-1"), name)())
    return cast(str, getattr(cls, name)(Asked(), "us-east-1"))


ACCESSORS = [(cls, name) for cls in (Ctx, Account, SessionFactory) for name in _typed(cls)]


@pytest.mark.parametrize(("cls", "name"), ACCESSORS,
                         ids=[f"{cls.__name__}.{name}" for cls, name in ACCESSORS])
def test_each_accessor_asks_for_the_service_its_type_names(cls: type, name: str) -> None:
    service = _asked(cls, name)
    assert service in botocore.session.Session().get_available_services()
    stubs = importlib.import_module("mypy_boto3_" + service.replace("-", "_"))
    assert hasattr(stubs, _typed(cls)[name]), (name, service)


def test_ctx_has_an_accessor_for_every_service_migrate_uses() -> None:
    # The services of boto3-stubs' extras in pyproject.toml (the dev dependency).
    used = {"cloudformation", "ec2", "ecs", "elb", "elbv2", "iam", "logs", "route53", "s3",
            "sts", "vpc-lattice"}
    assert {_asked(Ctx, name) for name in _typed(Ctx)} == used
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    extras = pyproject.split("boto3-stubs[", 1)[1].split("]", 1)[0].split(",")
    assert used | {"organizations"} <= set(extras)


BLOCK_STUBS = """
import importlib, pkgutil, sys
class NoStubs:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0].startswith(("mypy_boto3", "botocore_stubs", "boto3_stubs")):
            raise ImportError(f"{name}: a dev dependency")
        return None
sys.meta_path.insert(0, NoStubs())
import migrate
for mod in pkgutil.walk_packages(migrate.__path__, "migrate."):
    if mod.name != "migrate.__main__":  # it runs the command
        importlib.import_module(mod.name)
from migrate.cli import main
sys.argv = ["defender-migrate", "trivy", "plan", "--help"]
try:
    main()
except SystemExit as exc:
    print("exit", exc.code)
"""


def test_the_product_runs_without_the_type_stubs() -> None:
    out = subprocess.run([sys.executable, "-c", BLOCK_STUBS], capture_output=True, text=True,
                         cwd=ROOT, check=False)
    assert (out.returncode, out.stdout.splitlines()[-1]) == (0, "exit 0"), out.stderr
    assert "--regions" in out.stdout


def test_only_a_clients_method_is_audited(tmp_path: Path) -> None:
    """`Ctx.audited` names the call from the client's metadata: anything else is refused
    before it runs, never made unaudited or under a wrong name."""
    ran: list[str] = []
    ctx = Ctx(cast(Account, Asked()), "us-east-1", audit=AuditLog(tmp_path / "audit.jsonl"))
    with pytest.raises(TypeError, match="not an AWS client's method"):
        ctx.audited(ran.append, "vpc-1", "called")
    assert ran == []
    assert (tmp_path / "audit.jsonl").read_text(encoding="utf-8") == ""  # nothing was called
