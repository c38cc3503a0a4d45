"""How long a cohort of 10,000 learners takes from upload to links file, on SQLite and on
PostgreSQL.

    .venv/bin/python bench/cohort.py [--learners 10000] [--postgres-admin-url URL]

Starts ``credstack serve issuer`` (uvicorn, development mode, loopback) on a fresh data
directory, once with its SQLite file and, given a PostgreSQL admin URL (or
``CREDSTACK_TEST_POSTGRES_URL``), once more on a fresh PostgreSQL database made for the run
and dropped after it. Each run POSTs the same CSV (semicolons and a BOM as Excel writes
them, a PIN for every third learner) to the cohort API with ``Accept: text/csv``, the way
``credstack issuer cohort`` does, and times it until the links file has arrived: the file
is checked, recorded, its awards created by the cohort job (on the durable queue) and every
learner's offer made. The issuer's own timestamps on the cohort split that time into
checking the file, the job, and making the offers and the file. Then the links file is made
a second time (fresh offers for everyone: what a registrar does after losing the file).

BENCH_PROFILE_ISSUER=/tmp/cohort.txt runs the issuer under ``py-spy record`` (raw format),
one profile per backend: /tmp/cohort-sqlite.txt and /tmp/cohort-postgresql.txt.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx

# The repository's root, for the one database helper the tests and benchmarks share.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from cpu import children, tree_cpu_seconds
from issuance import _free_port, _wait_until_healthy

from tests.support.databases import postgres_database

POSTGRES_ENV = "CREDSTACK_TEST_POSTGRES_URL"


@dataclass(frozen=True)
class Run:
    backend: str
    learners: int
    seconds: float
    cpu: float
    check: float
    job: float
    links: float
    again: float

    def row(self) -> str:
        return (
            f"  {self.backend:<11} {self.learners:>8,} {self.seconds:>8.2f} "
            f"{self.learners / self.seconds:>8.0f} {self.cpu:>8.2f} {self.check:>7.2f} "
            f"{self.job:>7.2f} {self.links:>7.2f} {self.again:>8.2f}"
        )


def cohort_file(count: int) -> bytes:
    lines = ["\ufeffname;email;student_id;grade;activity_start;activity_end;tx_code"]
    lines += [
        f"Learner {i};learner{i}@uni.example;S-{i:06d};{'ABCDE'[i % 5]};2025-02-03;2025-06-30;"
        + ("yes" if i % 3 == 0 else "no")
        for i in range(count)
    ]
    return ("\r\n".join(lines) + "\r\n").encode()


@asynccontextmanager
async def issuer(
    data_dir: Path, database_url: str | None, backend: str
) -> AsyncIterator[tuple[str, int]]:
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CREDSTACK_", "ISSUER_"))}
    env |= {"CREDSTACK_DATA_DIR": str(data_dir), "ISSUER_PUBLIC_BASE_URL": base_url}
    if database_url:
        env["ISSUER_DATABASE_URL"] = database_url
    command = [sys.executable, "-m", "credstack", "serve", "issuer", "--port", str(port)]
    profile = os.environ.get("BENCH_PROFILE_ISSUER")
    if profile:
        # One file per backend: the second run would otherwise overwrite the first's.
        path = Path(profile)
        profile = str(path.with_name(f"{path.stem}-{backend.lower()}{path.suffix}"))
        py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        command = [
            py_spy,
            "record",
            "--subprocesses",
            "--format",
            "raw",
            "-o",
            profile,
            "--",
            *command,
        ]
    log_path = data_dir.parent / "issuer.log"
    with log_path.open("w") as log:
        process = await asyncio.create_subprocess_exec(
            *command, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        try:
            await _wait_until_healthy(base_url, process)
        except SystemExit:
            print(log_path.read_text()[-3000:], file=sys.stderr)
            raise
        yield base_url, process.pid
    finally:
        if process.returncode is None:
            # SIGINT: the issuer stops its workers and exits. Under py-spy it goes to the
            # issuer py-spy started, and py-spy writes its profile as the issuer ends;
            # SIGINT to py-spy itself ended the issuer at once and left its workers running.
            for pid in (children(process.pid) if profile else None) or [process.pid]:
                os.kill(pid, signal.SIGINT)
            await process.wait()


async def one_run(backend: str, database_url: str | None, learners: int) -> Run:
    data = cohort_file(learners)
    with tempfile.TemporaryDirectory(prefix="credstack-bench-cohort-") as tmp:
        data_dir = Path(tmp) / "data"
        async with issuer(data_dir, database_url, backend) as (base_url, pid):
            token = (data_dir / "issuer-admin-token").read_text().strip()
            admin = {"Authorization": f"Bearer {token}"}
            async with httpx.AsyncClient(base_url=base_url, headers=admin, timeout=600) as http:
                achievement_id = (await http.get("/api/v1/achievements")).json()[0]["id"]
                cpu_before = tree_cpu_seconds(pid)
                started = time.time()
                response = await http.post(
                    f"/api/v1/achievements/{achievement_id}/cohorts",
                    content=data,
                    headers={"Content-Type": "text/csv", "Accept": "text/csv"},
                )
                ended = time.time()
                cpu = tree_cpu_seconds(pid) - cpu_before
                _check_links(response, learners)
                cohort_path = response.headers["location"]
                record = (await http.get(cohort_path)).json()
                again_started = time.monotonic()
                again = await http.post(f"{cohort_path}/links", headers={"Accept": "text/csv"})
                again_seconds = time.monotonic() - again_started
                _check_links(again, learners)
    created = _when(record["created_at"])
    finished = _when(record["finished_at"])
    return Run(
        backend=backend,
        learners=learners,
        seconds=ended - started,
        cpu=cpu,
        check=created - started,
        job=finished - created,
        links=ended - finished,
        again=again_seconds,
    )


def _check_links(response: httpx.Response, learners: int) -> None:
    if response.status_code not in (200, 201):
        raise SystemExit(f"the issuer answered {response.status_code}: {response.text[:500]}")
    rows = list(csv.DictReader(io.StringIO(response.text.removeprefix("\ufeff")), delimiter=";"))
    links = {row["credential_offer_uri"] for row in rows if row["status"] == "new offer"}
    if len(rows) != learners or len(links) != learners:
        raise SystemExit(f"{len(rows)} rows and {len(links)} distinct links for {learners}")


def _when(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


async def main(args: argparse.Namespace) -> None:
    runs = [await one_run("SQLite", None, args.learners)]
    admin_url = args.postgres_admin_url or os.environ.get(POSTGRES_ENV)
    if admin_url:
        async with postgres_database(admin_url, "credstack_bench_cohort") as database_url:
            runs.append(await one_run("PostgreSQL", database_url, args.learners))
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"credstack serve issuer (its default worker processes), loopback; {os.cpu_count()} "
        f"CPUs (load average at the end {load}: other work on the machine skews the figures)"
    )
    print("\nCohort upload to links file (POST, Accept: text/csv), seconds:")
    print(
        f"  {'backend':<11} {'learners':>8} {'total':>8} {'rows/s':>8} {'CPU s':>8} {'check':>7} "
        f"{'job':>7} {'links':>7} {'again':>8}"
    )
    for run in runs:
        print(run.row())
    print(
        "\nCPU s: the issuer process's own CPU time for the upload (the database server's not "
        "counted); check: read and check every row, record the upload; job: create the "
        "awards (with their status entries) in chunks; links: a fresh offer per learner and "
        "the file; again: the links file made a second time."
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=10_000, help="rows (default 10000)")
    parser.add_argument(
        "--postgres-admin-url",
        help=f"a PostgreSQL URL allowed to create databases (default: ${POSTGRES_ENV})",
    )
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
