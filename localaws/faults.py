"""A moto server behind a proxy that injects the faults real AWS has, driven by rules.

moto answers every call at once, completely and correctly; AWS throttles, fails with 5xx, cuts
answers short, resets connections, and its resources vanish between two calls (another user, a
concurrent run). Each `Rule` names an operation ("DeleteObjects", "DeleteVpc", ...), optionally a
text the request must contain (a bucket, a VPC ID), how many times it fires, and what happens:

- `throttle`, `server-error`: an AWS error answer (botocore retries both);
- `error`: any AWS error answer, e.g. `NoSuchBucket` or `InvalidVpcID.NotFound` for a resource
  that vanished between two calls;
- `truncate`, `garble`: the call reaches moto (it is done), its answer is cut or replaced with
  bytes that do not parse: the caller cannot know whether it was done;
- `reset`: the call reaches moto, then the connection is reset before any answer;
- `key-errors`: DeleteObjects refuses the keys that contain `keys` (AccessDenied), deletes the
  others and answers with both, as S3 does.

Like `localaws.org.LatencyProxy`, it is WSGI middleware around moto's app, in this process
(`localaws.server.serve_in_thread`). `python3 -m localaws.faults` is not provided: the rules are
set by tests (and by hand in a Python shell) through the `FaultProxy` handle.
"""

from __future__ import annotations

import io
import json
import socket
import struct
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from localaws import motofixes
from localaws.server import moto_wsgi_app, serve_in_thread

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
ACTIONS = ("throttle", "server-error", "error", "truncate", "garble", "reset", "key-errors")
S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/"
JSON_SERVICES = {"ecs", "logs", "vpc-lattice", "organizations"}
EC2_STYLE = {"ec2"}


@dataclass
class Rule:
    operation: str
    action: str
    match: str = ""  # the request (path, query or body) must contain this text
    times: int | None = 1  # None: every matching call
    code: str = ""
    message: str = "injected by localaws.faults"
    status: int = 400
    keys: tuple[str, ...] = ()  # key-errors: keys containing any of these are refused
    fired: int = 0

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ValueError(f"unknown fault action {self.action!r}; one of {', '.join(ACTIONS)}")


@dataclass
class Request:
    service: str
    operation: str
    text: str  # "service region path?query" and the body, for `Rule.match`
    bucket: str = ""


def _scope(environ: dict[str, Any]) -> tuple[str, str]:
    """(service, region) from the SigV4 credential scope:
    `Credential=AKID/date/REGION/SERVICE/aws4_request`."""
    auth = str(environ.get("HTTP_AUTHORIZATION", ""))
    start = auth.find("Credential=")
    parts = auth[start + len("Credential="):].split(",", 1)[0].split("/") if start >= 0 else []
    return (parts[3], parts[2]) if len(parts) > 3 else ("", "")


def _s3_operation(method: str, path: str, query: dict[str, list[str]]) -> str:
    segments = [p for p in path.split("/") if p]
    if not segments:
        return "ListBuckets"
    has_key = len(segments) > 1
    for flag, op in (("delete", "DeleteObjects"), ("object-lock", "GetObjectLockConfiguration"),
                     ("location", "GetBucketLocation"), ("versions", "ListObjectVersions"),
                     ("versioning", "GetBucketVersioning")):
        if flag in query and not has_key:
            return op
    if "uploads" in query and not has_key:
        return "ListMultipartUploads"
    if method == "DELETE":
        return "AbortMultipartUpload" if "uploadId" in query else (
            "DeleteObject" if has_key else "DeleteBucket")
    if method == "HEAD":
        return "HeadObject" if has_key else "HeadBucket"
    return f"{method}Object" if has_key else f"{method}Bucket"


def describe(environ: dict[str, Any], body: bytes) -> Request:
    service, region = _scope(environ)
    method = str(environ.get("REQUEST_METHOD", ""))
    path = str(environ.get("PATH_INFO", ""))
    raw_query = str(environ.get("QUERY_STRING", ""))
    query = parse_qs(raw_query, keep_blank_values=True)
    text = f"{service} {region} {path}?{raw_query}\n{body.decode('utf-8', 'replace')}"
    if service == "s3":
        bucket = next((p for p in path.split("/") if p), "")
        return Request(service, _s3_operation(method, path, query), text, bucket)
    target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
    if target:
        return Request(service, target.rsplit(".", 1)[-1], text)
    form = parse_qs(body.decode("utf-8", "replace")) if body else {}
    action = (form.get("Action") or query.get("Action") or [""])[0]
    return Request(service, action or f"{method} {path}", text)


def error_answer(service: str, code: str, message: str, status: int) -> tuple[str, list[
        tuple[str, str]], bytes]:
    """An error answer in the service's own format, as botocore parses it."""
    if service in JSON_SERVICES:
        body = json.dumps({"__type": code, "message": message}).encode()
        return _status(status), [("Content-Type", "application/x-amz-json-1.1"),
                                 ("x-amzn-ErrorType", code)], body
    if service == "s3":
        body = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code>"
                f"<Message>{message}</Message><RequestId>fault</RequestId></Error>").encode()
    elif service in EC2_STYLE:
        body = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error>"
                f"<Code>{code}</Code><Message>{message}</Message></Error></Errors>"
                "<RequestID>fault</RequestID></Response>").encode()
    else:  # the other query-protocol services: IAM, STS, ELB
        body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>"
                f"<Message>{message}</Message></Error><RequestId>fault</RequestId>"
                "</ErrorResponse>").encode()
    return _status(status), [("Content-Type", "text/xml")], body


def _status(code: int) -> str:
    reasons = {400: "Bad Request", 403: "Forbidden", 404: "Not Found", 409: "Conflict",
               500: "Internal Server Error", 503: "Service Unavailable"}
    return f"{code} {reasons.get(code, 'Error')}"


THROTTLE = {"s3": ("SlowDown", 503)}
THROTTLE_DEFAULT = ("Throttling", 400)
THROTTLE_JSON = ("ThrottlingException", 400)


class FaultProxy:
    """WSGI middleware: applies the first matching rule to each request; records what it did."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app
        self.rules: list[Rule] = []
        self.fired: list[tuple[str, str, str]] = []  # (operation, action, matched text)
        self.seen: list[tuple[str, str]] = []  # every (operation, bucket) that went through
        self._lock = threading.Lock()

    def add(self, operation: str, action: str, **kwargs: Any) -> Rule:
        rule = Rule(operation, action, **kwargs)
        with self._lock:
            self.rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()
            self.fired.clear()
            self.seen.clear()

    def _take(self, request: Request) -> Rule | None:
        with self._lock:
            self.seen.append((request.operation, request.bucket))
            for rule in self.rules:
                if rule.operation != request.operation or rule.match not in request.text:
                    continue
                if rule.times is not None and rule.fired >= rule.times:
                    continue
                rule.fired += 1
                self.fired.append((request.operation, rule.action, rule.match))
                return rule
        return None

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        request = describe(environ, body)
        rule = self._take(request)
        if rule is None:
            return self.app(environ, start_response)
        if rule.action in ("throttle", "server-error", "error"):
            code, code_status = rule.code, rule.status
            if rule.action == "throttle":
                code, code_status = THROTTLE.get(request.service, THROTTLE_JSON if (
                    request.service in JSON_SERVICES) else THROTTLE_DEFAULT)
            elif rule.action == "server-error":
                code = code or "InternalError"
                code_status = 500 if rule.status < 500 else rule.status
            return _send(start_response, *error_answer(request.service, code or "Error",
                                                       rule.message, code_status))
        if rule.action == "key-errors":
            return self._key_errors(environ, start_response, body, rule)
        status, headers, answer = _forward(self.app, environ)
        if rule.action == "reset":
            _reset(environ)
            # werkzeug takes this for a client that went away, and logs nothing.
            raise ConnectionResetError("reset by localaws.faults")
        cut = answer[: max(1, len(answer) // 2)] if rule.action == "truncate" else (
            b"\x00\xff<<garbled>>" + answer[::-1][:40])
        return _send(start_response, status, headers, cut)

    def _key_errors(self, environ: dict[str, Any], start_response: StartResponse, body: bytes,
                    rule: Rule) -> Iterable[bytes]:
        """DeleteObjects: forward only the keys S3 would accept, answer the others refused."""
        ET.register_namespace("", S3_NS)  # moto reads <Delete>, not <ns0:Delete>
        root = ET.fromstring(body)
        ns = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""
        refused: list[tuple[str, str]] = []
        for obj in list(root.findall(f"{ns}Object")):
            key = obj.findtext(f"{ns}Key") or ""
            if any(k in key for k in rule.keys):
                refused.append((key, obj.findtext(f"{ns}VersionId") or ""))
                root.remove(obj)
        kept = ET.tostring(root)
        if root.findall(f"{ns}Object"):
            environ["wsgi.input"] = io.BytesIO(kept)
            environ["CONTENT_LENGTH"] = str(len(kept))
            for header in ("HTTP_CONTENT_MD5", "HTTP_X_AMZ_CHECKSUM_CRC32",
                           "HTTP_X_AMZ_CHECKSUM_CRC32C", "HTTP_X_AMZ_SDK_CHECKSUM_ALGORITHM"):
                environ.pop(header, None)
            status, headers, answer = _forward(self.app, environ)
            result = ET.fromstring(answer)
        else:
            status, headers = "200 OK", [("Content-Type", "application/xml")]
            result = ET.Element(f"{{{S3_NS}}}DeleteResult")
        rns = result.tag[: result.tag.index("}") + 1] if result.tag.startswith("{") else ""
        for key, version in refused:
            error = ET.SubElement(result, f"{rns}Error")
            ET.SubElement(error, f"{rns}Key").text = key
            if version:
                ET.SubElement(error, f"{rns}VersionId").text = version
            ET.SubElement(error, f"{rns}Code").text = rule.code or "AccessDenied"
            ET.SubElement(error, f"{rns}Message").text = rule.message
        return _send(start_response, status, headers, ET.tostring(result))


def _forward(app: WsgiApp, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    got: dict[str, Any] = {}

    def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        got["status"], got["headers"] = status, headers
        return lambda _data: None

    chunks = app(environ, capture)
    try:
        answer = b"".join(chunks)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    return got["status"], list(got["headers"]), answer


def _send(start_response: StartResponse, status: str, headers: list[tuple[str, str]],
          body: bytes) -> Iterable[bytes]:
    kept = [(k, v) for k, v in headers if k.lower() not in ("content-length", "content-md5")]
    start_response(status, [*kept, ("Content-Length", str(len(body)))])
    return [body]


def _reset(environ: dict[str, Any]) -> None:
    """Close the client's connection with a TCP reset (SO_LINGER 0), before any answer."""
    sock = environ.get("werkzeug.socket")
    if isinstance(sock, socket.socket):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        with suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()


@contextmanager
def faulty_moto_server() -> Iterator[tuple[str, FaultProxy]]:
    """A moto server on an ephemeral localhost port behind a `FaultProxy`; yields
    (endpoint URL, proxy). With no rule it is a plain moto server."""
    motofixes.install()
    proxy = FaultProxy(moto_wsgi_app())
    with serve_in_thread(proxy) as endpoint:
        yield endpoint, proxy
