"""`--output json` prints one JSON document on stdout however the run ends, and SIGTERM is
handled like Ctrl-C (issue 16): the installed command as a subprocess against a moto server."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from localaws.seed import seed_trivy_leftovers
from migrate.document import problems
from tests.test_e2e_server import COMMAND, Server, server

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.e2e
__all__ = ["server"]  # the fixture, shared with test_e2e_server


# What STS answers to a request signed with an expired session token (moto never says it).
EXPIRED_TOKEN = (b'<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error>'
                 b"<Type>Sender</Type><Code>ExpiredToken</Code><Message>The security token "
                 b"included in the request is expired</Message></Error><RequestId>1</RequestId>"
                 b"</ErrorResponse>")


class _ExpiredSts(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(403)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(EXPIRED_TOKEN)))
        self.end_headers()
        self.wfile.write(EXPIRED_TOKEN)

    def log_message(self, *args: Any) -> None:
        return None


@contextmanager
def expired_sts() -> Iterator[str]:
    """An STS endpoint that answers every call with ExpiredToken."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _ExpiredSts)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def _document(stdout: str) -> dict[str, Any]:
    doc = json.loads(stdout)  # one document, nothing else on stdout
    assert isinstance(doc, dict)
    assert list(problems(doc)) == []
    return doc


def _stopped(done: subprocess.CompletedProcess[str], code: int, needle: str) -> None:
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr
    doc = _document(done.stdout)
    assert doc["targets"] is None
    assert doc["resources"] == []
    (error,) = doc["errors"]
    assert (error["account"], error["region"]) == (None, None)
    assert needle in error["error"]
    assert error["error"] in done.stderr  # the same words as the one line on stderr


def test_json_document_when_the_run_stops_before_scanning(server: Server,
                                                          tmp_path: Path) -> None:
    no_credentials = {k: v for k, v in server.env.items()
                      if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    no_credentials |= {"AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
                       "AWS_CONFIG_FILE": str(tmp_path / "none"),
                       "AWS_EC2_METADATA_DISABLED": "true"}
    with expired_sts() as sts:
        expired = server.env | {"AWS_ENDPOINT_URL_STS": sts, "AWS_SESSION_TOKEN": "expired"}
        done = subprocess.run([str(COMMAND), "-o", "json", "trivy", "plan"], check=False,
                              env=expired, cwd=server.workdir, capture_output=True, text=True,
                              timeout=120)
    _stopped(done, 1, "ExpiredToken: The security token included in the request is expired")
    cases: list[tuple[list[str], dict[str, str], int, str]] = [
        (["trivy", "plan"], no_credentials, 1, "no AWS credentials found"),
        (["--profile", "no-such-profile", "trivy", "plan"], server.env, 3,
         "unknown AWS profile 'no-such-profile'"),
        (["trivy", "plan", "--regions", "mars-north-1"], server.env, 3, "mars-north-1"),
        (["trivy", "apply", "--out", "x"], server.env, 3, "No such option '--out'"),
        (["trivy", "plan", "--role-name", "A", "--role-name", "B"], server.env, 3,
         "--role-name given 2 times"),
        (["trivy", "apply", str(tmp_path / "missing.json")], server.env, 3,
         "cannot read plan file"),
    ]
    for args, env, code, needle in cases:
        done = subprocess.run([str(COMMAND), "-o", "json", *args], check=False, env=env,
                              cwd=server.workdir, capture_output=True, text=True, timeout=120)
        _stopped(done, code, needle)


def test_a_stopped_run_document_is_not_a_plan_file(server: Server, tmp_path: Path) -> None:
    done = server.run("-o", "json", "trivy", "plan", "--regions", "mars-north-1")
    stopped = tmp_path / "stopped.json"
    stopped.write_text(done.stdout)

    applied = server.run("trivy", "apply", "--yes", str(stopped))

    assert applied.returncode == 3
    assert "stopped before scanning" in applied.stderr
    # The CI summary step (.github/workflows/migrate-plan.yml) renders it with its error.
    summary = subprocess.run([sys.executable, str(ROOT / "scripts" / "plan_summary.py"),
                              str(stopped)], check=True, capture_output=True, text=True,
                             timeout=60).stdout
    assert "**1 error**" in summary
    assert "unknown region mars-north-1" in summary


def test_sigterm_stops_apply_like_ctrl_c_and_prints_the_document(server: Server) -> None:
    ids = seed_trivy_leftovers(server.session, "us-east-1", objects=1, tasks=1)
    audit = server.workdir / "audit.jsonl"
    proc = subprocess.Popen(
        [str(COMMAND), "-o", "json", "trivy", "apply", "--yes", "--regions", "us-east-1",
         "--eni-timeout", "90", "--audit-log", str(audit)],
        env=server.env, cwd=server.workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    assert proc.stderr is not None
    seen = ""
    while "to release eni-" not in seen:  # the moto server never releases it
        line = proc.stderr.readline()
        assert line, seen
        seen += line
    proc.send_signal(signal.SIGTERM)
    out, rest = proc.communicate(timeout=60)

    assert proc.returncode == 143, seen + rest
    assert "Terminated (SIGTERM)" in rest
    assert "Traceback" not in rest
    doc = _document(out)
    assert doc["command"] == "apply"
    statuses = {(r["kind"], r["id"]): r.get("status") for r in doc["resources"]}
    assert statuses[("ecs-cluster", "defender-for-containers-va")] == "deleted"
    assert statuses[("vpc", ids.vpc_id)] == "skipped"
    records = [json.loads(line) for line in audit.read_text().splitlines()]
    assert {"ecs:StopTask", "ecs:DeleteCluster"} <= {r["operation"] for r in records}
    ec2 = server.session.client("ec2")
    assert ids.vpc_id in {v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]}
