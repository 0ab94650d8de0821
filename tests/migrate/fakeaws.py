"""A tiny in-memory stand-in for the read calls of EC2/ELB that discovery makes, so that rule
tables can drive `vpc.discover` through every state AWS can answer (moto cannot put a NAT
gateway in `pending`, or an instance in `shutting-down`) in milliseconds.

Only what discovery asks is answered: each operation returns the items the test gave it,
filtered by the server-side filters AWS would apply. An unknown filter fails the test, so a new
call in the product is noticed rather than silently answered.

AWS leaves an empty list out of some answers altogether (S3 ListMultipartUploads without
`Uploads`, CloudFormation ListStackSets without `Summaries`, ...): `omit_empty_lists(ctx)` (or
a client's `omit_empty`) answers every empty page that way, and `Pages(...)` answers a
paginator page by page, so a test can put a page without its list in the middle of a listing.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import MethodType, SimpleNamespace
from typing import Any, cast

import boto3
import botocore.session
from botocore import xform_name
from botocore.exceptions import ClientError

from migrate.aws import Account
from migrate.context import Ctx

Item = dict[str, Any]


def _attached_vpcs(item: Item) -> set[str]:
    return {a.get("VpcId", "") for a in item.get("Attachments", [])}


def _instances(item: Item) -> list[Item]:
    return list(item.get("Instances", [item]))


FILTERS: dict[str, Any] = {
    "vpc-id": lambda i, v: any(x.get("VpcId") in v for x in _instances(i)),
    "attachment.vpc-id": lambda i, v: bool(_attached_vpcs(i) & set(v)),
    "instance-state-name": lambda i, v: any(x["State"]["Name"] in v for x in _instances(i)),
    "requester-vpc-info.vpc-id": lambda i, v: i.get("RequesterVpcInfo", {}).get("VpcId") in v,
    "accepter-vpc-info.vpc-id": lambda i, v: i.get("AccepterVpcInfo", {}).get("VpcId") in v,
    "resource-type": lambda i, v: i.get("ResourceType") in v,
    "key": lambda i, v: i.get("Key") in v,
    "value": lambda i, v: i.get("Value") in v,
    "internet-gateway-id": lambda i, v: i.get("InternetGatewayId") in v,
    "resource-id": lambda i, v: i.get("ResourceId") in v,
}


# Parameters (not Filters) by which AWS answers only a VPC's items: the item's field that says
# its VPC. Route 53's summaries carry no VPC: a test marks them with "VPCId" for the fake.
PARAM_FILTERS: dict[str, str] = {"VPCId": "VPCId", "vpcIdentifier": "vpcId"}


@functools.cache
def answer_lists(service: str, operation: str) -> frozenset[str]:
    """The keys under which AWS's answer to `operation` (snake_case) carries a list, from
    botocore's model of `service`."""
    model = botocore.session.get_session().get_service_model(service)
    names = {xform_name(n): n for n in model.operation_names}
    output = model.operation_model(names[operation]).output_shape
    members = output.members if output is not None else {}
    return frozenset(k for k, shape in members.items() if shape.type_name == "list")


@functools.cache
def can_paginate(service: str, operation: str) -> bool:
    """Whether botocore pages `operation` (snake_case) of `service`: AWS then answers one call
    with a first page only."""
    session = botocore.session.get_session()
    names = {xform_name(n): n for n in session.get_service_model(service).operation_names}
    try:
        session.get_paginator_model(service).get_paginator(names[operation])
    except ValueError:
        return False
    return True


class _AnyKey(dict[str, Any]):
    """A page whose items come back under whatever key the caller reads; when the service is
    known, only under a key AWS's answer has (so that reading the wrong key fails the test).
    An `omitted` page has no list at all, as AWS answers an empty one in some operations:
    `page[key]` raises KeyError and `page.get(key, default)` gives the default."""

    def __init__(self, items: list[Item], service: str = "", operation: str = "",
                 omitted: bool = False) -> None:
        super().__init__()
        self.items_ = items
        self.service, self.operation = service, operation
        self.omitted = omitted

    def _check(self, key: str) -> None:
        if self.service and key not in answer_lists(self.service, self.operation):
            raise AssertionError(f"fakeaws: {self.service} {self.operation} answers no list "
                                 f"{key!r}")

    def __getitem__(self, key: str) -> list[Item]:
        self._check(key)
        if self.omitted:
            raise KeyError(key)
        return self.items_

    def get(self, key: str, default: Any = None) -> Any:
        self._check(key)
        return default if self.omitted else self.items_


class Pages(tuple[list[Any], ...]):
    """A paginator's answer page by page: `Pages([a, b], [], [c])` is three pages, the middle
    one empty (without its list when the client omits empty lists). Only a paginator reads it;
    each page is filtered like a list answer."""

    def __new__(cls, *pages: list[Any]) -> Pages:
        return super().__new__(cls, pages)


class ApiNames(dict[str, str]):
    """botocore's `meta.method_to_api_mapping` for any method: delete_vpc -> DeleteVpc."""

    def __missing__(self, method: str) -> str:
        return "".join(word.capitalize() for word in method.split("_"))


@dataclass
class FakeClient:
    answers: dict[str, Any] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    # Set by FakeAccount.client: what `Ctx.audited` reads of a client (`meta`) to name a call.
    service: str = ""  # when given, list answers are read only under AWS's own keys
    region: str = ""
    # AWS leaves an empty list out of the answer (some operations do): an empty page has no key.
    omit_empty: bool = False
    # When set (with `service`): AWS's pages of this many items. A paginator yields every page;
    # one call of an operation botocore pages gets the first page only, as from AWS.
    page_size: int = 0

    @property
    def meta(self) -> SimpleNamespace:
        return SimpleNamespace(service_model=SimpleNamespace(service_name=self.service),
                               region_name=self.region, method_to_api_mapping=ApiNames())

    def answer(self, operation: str, params: dict[str, Any]) -> Any:
        """A list answers with its (filtered) items under any key; a dict is the whole answer;
        an `Error` answer (`error(code)`) is raised as AWS's ClientError."""
        self.calls.append((operation, params))
        items = self.answers.get(operation, [])
        if isinstance(items, ClientError):
            raise items
        if isinstance(items, Pages):
            raise AssertionError(f"fakeaws: {operation} answers Pages only to a paginator")
        if isinstance(items, dict):
            return items
        return self._page(operation, params, items)

    def _page(self, operation: str, params: dict[str, Any], items: list[Item]) -> _AnyKey:
        for flt in params.get("Filters", params.get("Filter", [])):
            test = FILTERS.get(flt["Name"])
            if test is None:
                raise AssertionError(f"fakeaws: filter {flt['Name']} of {operation} is unknown")
            items = [i for i in items if test(i, flt["Values"])]
        for param, key in PARAM_FILTERS.items():
            if param in params:
                items = [i for i in items if i.get(key) == params[param]]
        if self.page_size and can_paginate(self.service, operation):
            items = items[:self.page_size]
        return _AnyKey(items, self.service, operation, omitted=self.omit_empty and not items)

    def get_paginator(self, operation: str) -> Any:
        client = self
        if self.service and not can_paginate(self.service, operation):
            # botocore's OperationNotPageableError: a listing AWS answers in one call has no
            # paginator
            raise AssertionError(f"fakeaws: {self.service} {operation} cannot be paginated")

        class Paginator:
            def paginate(self, **params: Any) -> Iterator[Any]:
                pages = client.answers.get(operation)
                if isinstance(pages, Pages):
                    client.calls.append((operation, params))
                    yield from (client._page(operation, params, items) for items in pages)
                    return
                size, client.page_size = client.page_size, 0
                try:
                    answer = client.answer(operation, params)  # one page (a test may override)
                finally:
                    client.page_size = size
                if not size or not isinstance(answer, _AnyKey):
                    yield answer
                    return
                for start in range(0, max(len(answer.items_), 1), size):
                    chunk = answer.items_[start:start + size]
                    yield _AnyKey(chunk, client.service, operation,
                                  omitted=client.omit_empty and not chunk)
        return Paginator()

    def __getattr__(self, operation: str) -> Callable[..., Any]:
        if operation.startswith("_"):
            raise AttributeError(operation)

        def call(client: FakeClient, **params: Any) -> Any:
            return client.answer(operation, params)
        call.__name__ = operation
        return MethodType(call, self)  # bound, as a botocore client's method is


class _Factory:
    def base(self) -> boto3.Session:
        return boto3.Session(region_name="us-east-1")


@dataclass
class FakeAccount:
    id: str
    clients: dict[str, FakeClient]
    factory: _Factory = field(default_factory=_Factory)
    omit_empty: bool = False  # given to the clients made later (see omit_empty_lists)

    def client(self, service: str, region: str) -> FakeClient:
        client = self.clients.setdefault(service, FakeClient(omit_empty=self.omit_empty))
        client.service, client.region = service, region
        return client

    @contextmanager
    def active(self) -> Iterator[None]:
        yield


def fake_ctx(account: str, region: str, **services: dict[str, Any]) -> Ctx:
    """A planning Ctx (no audit log: a mutating call raises) on canned answers per service."""
    fake = FakeAccount(account, {s: FakeClient(dict(a), service=s)
                                 for s, a in services.items()})
    return Ctx(cast(Account, fake), region, stop=threading.Event())


def omit_empty_lists(ctx: Ctx) -> Ctx:
    """`ctx` (a fake_ctx) whose every client leaves an empty list out of its answers, as AWS
    does in some (S3 ListMultipartUploads without `Uploads`, ...)."""
    account = cast(FakeAccount, ctx.account)
    account.omit_empty = True
    for client in account.clients.values():
        client.omit_empty = True
    return ctx


def error(code: str, status: int = 400, operation: str = "Call") -> ClientError:
    response: Any = {"Error": {"Code": code, "Message": f"{code} (fake)"},
                     "ResponseMetadata": {"HTTPStatusCode": status}}
    return ClientError(response, operation)
