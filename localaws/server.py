"""A moto server on 127.0.0.1 and the environment that points boto3 (and subprocesses) at it."""

from __future__ import annotations

import logging
import os
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from moto.server import ThreadedMotoServer
from werkzeug.serving import make_server

from localaws import fargate, motofixes

# The server runs in this process: its task ENIs look like AWS's too.
fargate.install()


@contextmanager
def moto_server(port: int = 0) -> Iterator[str]:
    """A moto server on localhost (`port` 0: an ephemeral one); yields its endpoint URL."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one log line per request otherwise
    motofixes.install()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def local_aws_environment(endpoint: str, workdir: Path) -> dict[str, str]:
    """Point boto3 (here and in the subprocesses) at the server, with dummy credentials and
    without the machine's own AWS configuration."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("AWS_") or k in ("AWS_CA_BUNDLE",)
    }
    env.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="demo",
        AWS_SECRET_ACCESS_KEY="demo",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=str(workdir / "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(workdir / "no-aws-credentials"),
        # moto would build ~2,500 sample AMIs per region; the demo needs none.
        MOTO_EC2_LOAD_DEFAULT_AMIS="false",
    )
    return env


StartResponse = Callable[..., Any]


class CountingApp:
    """WSGI middleware counting the requests that reach moto."""

    def __init__(self, app: Callable[[dict[str, Any], StartResponse], Iterable[bytes]]) -> None:
        self.app = app
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "")
        query = environ.get("QUERY_STRING", "")
        with self._lock:
            self.counts["total"] += 1
            if method == "POST" and "delete" in query.split("&"):
                self.counts["s3:DeleteObjects"] += 1
            elif method == "DELETE":
                self.counts["DELETE"] += 1
        return self.app(environ, start_response)

    def take(self) -> Counter[str]:
        with self._lock:
            taken, self.counts = self.counts, Counter()
        return taken


def moto_wsgi_app() -> Any:
    """moto's WSGI application, every service in one, for a middleware to wrap."""
    return DomainDispatcherApplication(create_backend_app)


@contextmanager
def serve_in_thread(app: Any) -> Iterator[str]:
    """Serve a WSGI app wrapping moto (a counting or latency-adding middleware) on an ephemeral
    localhost port in a thread; yields the endpoint URL."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=MotoRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


@contextmanager
def counting_moto_server() -> Iterator[tuple[str, CountingApp]]:
    motofixes.install()  # the APIs defender-migrate calls that moto lacks, as the other servers
    app = CountingApp(moto_wsgi_app())
    with serve_in_thread(app) as endpoint:
        yield endpoint, app
