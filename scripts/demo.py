#!/usr/bin/env python3
"""Demo: `defender-migrate` against a local moto server, nothing leaves this machine.

Starts a moto server on 127.0.0.1, seeds the retired Trivy scanner's leftovers in us-east-1 and
eu-central-1 plus look-alikes that must survive (localaws/scenario.py), runs the installed command
(`defender-migrate trivy plan`, `trivy apply --yes`, `trivy plan` again), then checks with boto3
that every leftover is gone and every look-alike is still there (localaws/verdict.py). Exit 1
when a check fails.

Run it with `python3 scripts/dev.py demo` (which prepares `.venv`), or `.venv/bin/python
scripts/demo.py`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

COMMAND = Path(sys.executable).parent / "defender-migrate"


def banner(text: str) -> None:
    print(f"\n{'=' * 100}\n{text}\n{'=' * 100}", flush=True)


def run_cli(args: list[str], env: dict[str, str], cwd: Path) -> int:
    banner("$ defender-migrate " + " ".join(args))
    rc = subprocess.call([str(COMMAND), *args], env=env, cwd=cwd)
    print(f"(exit code {rc})", flush=True)
    return rc


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(
        prog="demo.py", description=__doc__.split("\n\n")[0]
    ).parse_args(argv)
    if not COMMAND.exists():
        print(f"{COMMAND} is missing: run `python3 scripts/dev.py demo` to install the project.")
        return 1
    # Imported here, not at the top, so that --help works without the project's dependencies.
    import boto3

    from localaws.real_account import check_real_account
    from localaws.scenario import seed_scenario
    from localaws.server import local_aws_environment, moto_server
    from localaws.verdict import Verdict, check_leftovers_gone, check_lookalikes_kept

    with tempfile.TemporaryDirectory(prefix="defender-migrate-demo-") as tmp:
        workdir = Path(tmp)
        with moto_server() as endpoint:
            env = local_aws_environment(endpoint, workdir)
            os.environ.clear()
            os.environ.update(env)
            session = boto3.Session()
            banner(f"moto server at {endpoint}: seeding the Trivy leftovers and look-alikes")
            scenario = seed_scenario(session)
            print("\n".join(scenario.describe()))

            codes = [
                run_cli(["trivy", "plan"], env, workdir),
                run_cli(
                    ["trivy", "apply", "--yes", "--audit-log", str(workdir / "audit.jsonl")],
                    env,
                    workdir,
                ),
                run_cli(["trivy", "plan", "--detailed-exitcode"], env, workdir),
            ]

            verdict = Verdict()
            verdict.check("plan exited 0", codes[0] == 0)
            verdict.check("apply --yes exited 0", codes[1] == 0)
            verdict.check("the second plan has nothing to delete (exit 0)", codes[2] == 0)
            for leftover in scenario.leftovers:
                check_leftovers_gone(session, leftover, verdict)
            for lookalike in scenario.lookalikes:
                check_lookalikes_kept(session, lookalike, verdict)
            if scenario.real is not None:
                check_real_account(session, scenario.real, verdict)

    banner("Verdict")
    for line in verdict.failed:
        print(f"  FAIL  {line}")
    print(f"  {len(verdict.passed)} checks passed, {len(verdict.failed)} failed.")
    if verdict.failed:
        print("  The demo FAILED: see the lines above.")
        return 1
    print("  Only the Trivy leftovers went; every look-alike is still there.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
