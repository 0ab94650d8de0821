"""Memoizations for the test process: botocore and moto redo pure work for every session,
client and request, and with thousands of in-process moto calls it adds up. Each cache returns
what the original returns for the same input, so nothing a test looks at changes; the command
under test (a subprocess in the end-to-end tests) runs without them."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import botocore.client
import botocore.hooks
import botocore.loaders
import botocore.session
import moto.core.responses

# The internals patched below, untyped (their stubs describe the public API).
_client: Any = botocore.client
_hooks: Any = botocore.hooks
_moto_responses: Any = moto.core.responses


def install() -> None:
    # The command and the strict layer share one botocore loader each (migrate/aws.py,
    # localaws/strict.py), but every other boto3 Session a test makes (the `aws` fixture,
    # seeding, checks) built its own and parsed the service models again: EC2's alone is
    # megabytes of JSON. One loader per data path serves them all, as one session's loader
    # serves all of its clients; botocore only reads the models it loads.
    botocore.session.create_loader = functools.cache(botocore.loaders.create_loader)
    _share_client_methods()
    _share_event_aliases()
    _cache_accepts_kwargs()
    _cache_moto_method_names()


def _share_client_methods() -> None:
    """A client class's API methods depend only on the service model (one parsed model per
    service, thanks to the shared loader); botocore built EC2's ~700 for every client."""
    original = _client.ClientCreator._create_methods
    built: dict[int, tuple[object, dict[str, Any]]] = {}

    def create_methods(self: Any, service_model: Any) -> dict[str, Any]:
        description = service_model._service_description
        hit = built.get(id(description))
        if hit is None or hit[0] is not description:
            hit = built[id(description)] = (description, original(self, service_model))
        return dict(hit[1])  # handlers of creating-client-class add to the dict

    _client.ClientCreator._create_methods = create_methods


def _share_event_aliases() -> None:
    """Every session and client copy starts an empty cache of event-name aliases; with botocore's
    own alias table the answer for a name never changes, so they can share one."""
    shared: dict[str, str] = {}
    original = _hooks.EventAliaser.__init__

    def init(self: Any, event_emitter: Any, event_aliases: dict[str, str] | None = None) -> None:
        original(self, event_emitter, event_aliases)
        if self._event_aliases == _hooks.EVENT_ALIASES:
            self._alias_name_cache = shared

    _hooks.EventAliaser.__init__ = init


def _cache_accepts_kwargs() -> None:
    """botocore checks every handler's signature each time a session registers it (~120 per
    session). The answer lies in the function's code object: the cache is keyed by it, so it
    keeps no handler (nor the session or test state a closure holds) alive."""
    original: Callable[[Any], Any] = _hooks.accepts_kwargs
    by_code: dict[object, Any] = {}

    def accepts_kwargs(func: Any) -> Any:
        code = getattr(getattr(func, "__func__", func), "__code__", None)
        if code is None:  # a partial or another callable object: as before
            return original(func)
        if code not in by_code:
            by_code[code] = original(func)
        return by_code[code]

    _hooks.accepts_kwargs = accepts_kwargs


def _cache_moto_method_names() -> None:
    """moto lists a response class's methods with inspect.getmembers on every request. The key
    includes the size of each class dict in the MRO, so a method added later (localaws.motofixes)
    is seen."""
    original: Callable[[object], list[str]] = _moto_responses.method_names_from_class
    names: dict[tuple[object, ...], list[str]] = {}

    def method_names_from_class(clazz: Any) -> list[str]:
        key = (clazz, *(len(vars(c)) for c in clazz.__mro__))
        if key not in names:
            names[key] = original(clazz)
        return names[key]

    _moto_responses.method_names_from_class = method_names_from_class
