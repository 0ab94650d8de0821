"""A moto server on 127.0.0.1 and the environment that points boto3 (and subprocesses) at it."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from moto.server import ThreadedMotoServer

from localaws import motofixes


@contextmanager
def moto_server() -> Iterator[str]:
    """A moto server on an ephemeral localhost port; yields its endpoint URL."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one log line per request otherwise
    motofixes.install()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
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
