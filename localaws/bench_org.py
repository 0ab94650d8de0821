"""Benchmark `defender-migrate` on an AWS Organization: cost per account, projected to 1,000.

    .venv/bin/python scripts/bench_org.py [--accounts 50] [--latency 0.05] [--leftovers 0.1]

Starts a moto server behind a proxy that adds --latency seconds to every call, seeds an
Organization (the management account and --accounts members, every account with unrelated
noise: 200 IAM roles, 4 buckets, and per region 300 log groups, 30 CloudFormation stacks,
3 VPCs, 2 ECS clusters, 5 task definition families; --leftovers of the accounts also hold the
Trivy leftovers in both regions), then runs the installed command as a subprocess:

0. `trivy plan --accounts <one empty account>` (the fixed cost of a run, plus one account);
0'. `trivy plan --accounts <one account with leftovers>` (the fixed cost of a run that meets
   leftovers, plus one such account);
1. `trivy plan --organization` (every account);
2. `trivy plan --accounts <the accounts with leftovers>` (their cost alone);
3. `trivy apply --organization --yes` (a fresh plan, then the deletions).

For each it prints wall time, client CPU (user + system of the subprocess), peak RSS and API
calls per account (counted at the proxy, empty accounts and accounts with leftovers
separately), the CPU of one empty account and of one with leftovers (solved from runs 0-2),
then the projection to 1,000 accounts (10% with leftovers): wall time scaled linearly, and CPU.
Seeding is not measured. Not part of the test suite (`tests/test_bench_org.py` checks the
seeding and the proxy).

Why run 0': an account with leftovers makes the run create clients and load service models
that an empty account never needs (Elastic Load Balancing, Route 53, VPC Lattice, S3 in the
buckets' regions: about 0.2 s of CPU, once per process and region). A run of 1,000 accounts
pays that once, like the start-up; solved against run 0 alone it landed in the figure per
account with leftovers, divided by only the 3 such accounts of a 30-account run (+0.07 s each).
So the CPU per account with leftovers is the difference between runs 2 and 0' over the
accounts after the first (what one more such account costs), and the fixed cost of a run with
leftovers is run 0' less that. Everything an account's scan does per account stays in it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import boto3

from localaws.org import (
    DEFAULT_ROLE,
    LatencyProxy,
    Noise,
    Organization,
    calls_per_account,
    latency_moto_server,
    seed_organization,
)
from localaws.server import local_aws_environment

REGIONS = ("us-east-1", "eu-central-1")
PROJECTED = 1000
# Runs the command and writes its peak RSS (KiB) to argv[1] on exit. VmHWM belongs to the
# process's memory after exec; wait4's ru_maxrss would also count the pages of this (large)
# process that the child shared between fork and exec.
PEAK_RSS = """
import atexit, re, runpy, sys
out = sys.argv.pop(1)
def peak():
    status = open("/proc/self/status").read()
    open(out, "w").write(re.search(r"VmHWM:\\s+(\\d+)", status).group(1))
atexit.register(peak)
sys.argv[0] = "migrate"
runpy.run_module("migrate", run_name="__main__", alter_sys=True)
"""


@dataclass
class Run:
    label: str
    wall: float
    cpu: float
    rss_mb: float
    exit_code: int
    calls: Counter[str] = field(default_factory=Counter)
    accounts: int = 1
    server_cpu: float = 0.0  # this process: the moto server and the proxy
    summary: dict[str, int] = field(default_factory=dict)


def run_command(label: str, args: list[str], env: dict[str, str], proxy: LatencyProxy,
                workdir: Path, profile: Path | None = None, accounts: int = 1) -> Run:
    """Run the command as a subprocess; its own CPU time and peak RSS come from wait4."""
    rss_path = workdir / "peak-rss"
    command = ([sys.executable, "-m", "cProfile", "-o", str(profile), "-m", "migrate"]
               if profile else [sys.executable, "-c", PEAK_RSS, str(rss_path)])
    proxy.take()
    out_path, err_path = workdir / "stdout", workdir / "stderr"
    rss_path.write_text("0")
    with out_path.open("wb") as out, err_path.open("wb") as err:
        start, server_start = time.perf_counter(), time.process_time()
        proc = subprocess.Popen([*command, "-o", "json", *args], env=env,
                                stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = code = os.waitstatus_to_exitcode(status)
    run = Run(label, wall, usage.ru_utime + usage.ru_stime, int(rss_path.read_text()) / 1024, code,
              calls_per_account(proxy.take()), accounts, time.process_time() - server_start)
    try:
        run.summary = json.loads(out_path.read_bytes())["summary"]
    except (ValueError, KeyError):
        if code not in (0, 2):
            sys.stderr.write(f"{label}: exit {code}\n{err_path.read_text()[-2000:]}\n")
    return run


def per_account(run: Run, accounts: list[str]) -> float:
    return statistics.fmean(run.calls.get(a, 0) for a in accounts) if accounts else 0.0


def report(org: Organization, runs: list[Run], base: Run, base_left: Run | None,
           latency: float, concurrency: int | None) -> dict[str, object]:
    """Figures per account: with F the fixed cost of a run (start-up, models, clients), F' that
    of a run that meets leftovers (F and the clients and models only leftovers need), e an
    empty account's, l one with leftovers': `base` = F + e, `base_left` = F' + l, the leftover
    run = F' + L l, the organization plan = F' + E e + L l. Without `base_left` (a single
    account with leftovers) F' is taken as F, which charges F' - F to that account."""
    total = len(org.accounts)
    left, empty = org.with_leftovers, org.empty
    plan, plan_left, apply_ = runs
    cpu_empty = max(0.0, plan.cpu - plan_left.cpu) / max(1, len(empty))
    fixed = max(0.0, base.cpu - cpu_empty)
    if base_left is not None and len(left) > 1:
        cpu_left = max(0.0, plan_left.cpu - base_left.cpu) / (len(left) - 1)
        fixed_left = max(0.0, base_left.cpu - cpu_left)
    else:
        cpu_left = max(0.0, plan_left.cpu - fixed) / max(1, len(left))
        fixed_left = fixed
    share = 0.1
    measured = [base, *([base_left] if base_left is not None else []), *runs]

    def project(run: Run) -> float:
        return base.wall + (run.wall - base.wall) * PROJECTED / total

    figures: dict[str, object] = {
        "accounts": total, "with_leftovers": len(left), "latency_s": latency,
        "concurrency": concurrency or "default", "fixed_cpu_s": round(fixed, 2),
        "fixed_cpu_with_leftovers_s": round(fixed_left, 2),
        "runs": {r.label: {"wall_s": round(r.wall, 1), "cpu_s": round(r.cpu, 2),
                           "cpu_per_account_s": round(max(0.0, r.cpu - fixed) / r.accounts, 3),
                           "peak_rss_mb": round(r.rss_mb), "exit": r.exit_code,
                           "server_cpu_s": round(r.server_cpu, 1),
                           "calls": sum(r.calls.values()),
                           "calls_per_empty_account": round(per_account(r, empty), 1),
                           "calls_per_leftover_account": round(per_account(r, left), 1),
                           "summary": r.summary} for r in measured},
        "plan_cpu_per_empty_account_s": round(cpu_empty, 3),
        "plan_cpu_per_leftover_account_s": round(cpu_left, 3),
        "projected_1000": {
            "plan_wall_s": round(project(plan)),
            "apply_wall_s": round(project(apply_)),
            "plan_cpu_s": round(fixed_left
                                + PROJECTED * (share * cpu_left + (1 - share) * cpu_empty)),
        },
    }
    print(f"{total} accounts ({len(left)} with leftovers), regions {','.join(REGIONS)}, "
          f"{latency * 1000:.0f} ms per call, concurrency {concurrency or 'default'}; "
          f"fixed cost of a run {fixed:.2f} s CPU ({fixed_left:.2f} s with leftovers)")
    print(f"{'run':<34}{'wall s':>8}{'CPU s':>8}{'CPU/acct':>10}{'RSS MB':>8}"
          f"{'calls':>7}{'/empty':>8}{'/leftover':>10}{'server CPU s':>13}  exit")
    for r in measured:
        row = figures["runs"][r.label]  # type: ignore[index]
        print(f"{r.label:<34}{r.wall:>8.1f}{r.cpu:>8.2f}{row['cpu_per_account_s']:>10.3f}"
              f"{r.rss_mb:>8.0f}{row['calls']:>7}{row['calls_per_empty_account']:>8}"
              f"{row['calls_per_leftover_account']:>10}{r.server_cpu:>13.1f}  {r.exit_code}")
    proj = figures["projected_1000"]
    print(f"plan CPU per account: {cpu_empty:.3f} s empty, {cpu_left:.3f} s with leftovers")
    print(f"projected to {PROJECTED} accounts (10% with leftovers): plan "
          f"{proj['plan_wall_s']} s wall ({proj['plan_cpu_s']} s CPU), "  # type: ignore[index]
          f"apply {proj['apply_wall_s']} s wall")  # type: ignore[index]
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--accounts", type=int, default=50,
                        help="accounts in the Organization, management included (default 50)")
    parser.add_argument("--latency", type=float, default=0.05,
                        help="seconds added to every API call (default 0.05)")
    parser.add_argument("--leftovers", type=float, default=0.1,
                        help="share of accounts holding the Trivy leftovers (default 0.1)")
    parser.add_argument("--concurrency", type=int, default=None,
                        help="pass --concurrency to the command (default: its own default)")
    parser.add_argument("--profile", type=Path, default=None,
                        help="write a cProfile of the organization plan to this file")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args(argv)
    if args.accounts < 2:
        parser.error("--accounts must be at least 2 (the management account and a member)")

    with tempfile.TemporaryDirectory() as tmp, latency_moto_server(0.0) as (endpoint, proxy):
        env = local_aws_environment(endpoint, Path(tmp))
        os.environ.update(env)
        start = time.perf_counter()
        org = seed_organization(boto3.Session(), args.accounts - 1, REGIONS,
                                leftover_share=args.leftovers, noise=Noise())
        print(f"seeded in {time.perf_counter() - start:.0f} s", file=sys.stderr)
        proxy.latency = args.latency
        extra = ["--concurrency", str(args.concurrency)] if args.concurrency else []
        targeting = ["--role-name", DEFAULT_ROLE, *extra]
        work = Path(tmp)
        base = run_command("plan --accounts <one empty account>",
                           ["trivy", "plan", "--accounts", org.empty[-1], *targeting],
                           env, proxy, work)
        base_left = run_command("plan --accounts <one with leftovers>",
                                ["trivy", "plan", "--accounts", org.with_leftovers[0],
                                 *targeting], env, proxy, work) if org.with_leftovers else None
        runs = [
            run_command("plan --organization", ["trivy", "plan", "--organization", *targeting],
                        env, proxy, work, args.profile, len(org.accounts)),
            run_command("plan --accounts <with leftovers>",
                        ["trivy", "plan", "--accounts", ",".join(org.with_leftovers),
                         *targeting], env, proxy, work, None, len(org.with_leftovers)),
            run_command("apply --organization --yes",
                        ["trivy", "apply", "--organization", "--yes", "--audit-log",
                         str(work / "audit.jsonl"), *targeting], env, proxy, work, None,
                        len(org.accounts)),
        ]
        figures = report(org, runs, base, base_left, args.latency, args.concurrency)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0 if all(r.exit_code in (0, 2) for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
