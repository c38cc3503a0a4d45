"""Our issuer against an independent in-memory OpenID4VCI issuer, driven by the same
independent client: complete pre-authorized flows per second, side by side and as ratios.

    .venv/bin/python bench/issuance_vs_peer.py [--flows 100] [--concurrency 1 4 16]
        [--postgres-url postgresql+asyncpg://postgres@127.0.0.1:54330/postgres]

(or ``make bench``; the PostgreSQL admin URL may also come from CREDSTACK_BENCH_POSTGRES_URL).

Ours: ``credstack serve issuer`` as an operator starts it (its default worker count), on a
fresh SQLite data directory and, given an admin URL, on a fresh PostgreSQL database made
for the run and dropped after it. The peer: tests/interop/oid4vci-issuer.mjs, built on the
OpenWallet Foundation's @openid4vc/openid4vci with @digitalbazaar/vc (ldp_vc) and jose
(jwt_vc_json), all state in memory, one Node process. The driver: bench/oid4vci-load.mjs,
the OpenWallet Foundation's @openid4vc/openid4vci client (the wallet code of the interop
tests) doing complete flows, each with a fresh did:key holder key: offer, metadata, token,
nonce, key proof, credential, notification. For every format and concurrency the peer and
ours run one after the other with the same driver and the same number of flows (plus a
warm-up that is not timed). Every credential our issuer hands out is verified afterwards
(shared.credentials.formats: didkit for ldp_vc, jose for jwt_vc_json); the bench stops if
one does not. The raw rate is didkit/jose signing the very credential our endpoint signs,
in this process (bench/issuance.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

# The repository's root, for the one database helper the tests and benchmarks share.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from cpu import per_process_cpu_seconds
from issuance import conditions, make_offers, raw_signing_rates, running_issuer

from issuer.oid4vci.configurations import FORMAT_OF, JWT_VC_JSON, LDP_VC
from shared.credentials.formats import get_format
from shared.did.resolver import DIDResolver
from tests.support.databases import postgres_database

ROOT = Path(__file__).resolve().parent.parent
PEER = ROOT / "tests" / "interop" / "oid4vci-issuer.mjs"
DRIVER = ROOT / "bench" / "oid4vci-load.mjs"
PEER_CONFIGURATION = {
    LDP_VC: "OpenBadgeCredential_ldp_vc",
    JWT_VC_JSON: "OpenBadgeCredential_jwt_vc_json",
}
STEPS = ("offer", "metadata", "token", "nonce", "credential", "notification")
WARM_UP = 10
VERIFY_AT_ONCE = 16
# The driver's result is one line holding every credential it received (an ldp_vc is a few
# KB): far over asyncio's default 64 KiB line limit.
DRIVER_OUTPUT_LIMIT = 256 * 1024 * 1024


@dataclass(frozen=True)
class Run:
    seconds: float
    latencies: list[float]
    steps: dict[str, list[float]]
    driver_cpu: float  # seconds of CPU the driver spent on the timed flows
    issuer_cpu: dict[int, float]  # seconds of CPU each issuer process spent meanwhile

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def per_flow_ms(self, cpu_seconds: float) -> float:
        return cpu_seconds / len(self.latencies) * 1000

    @property
    def issuer_ms(self) -> float:
        return self.per_flow_ms(sum(self.issuer_cpu.values()))

    @property
    def driver_ms(self) -> float:
        return self.per_flow_ms(self.driver_cpu)

    @property
    def busiest_share(self) -> float:
        """The share of the issuer's CPU its busiest process took (1/N: evenly spread)."""
        total = sum(self.issuer_cpu.values())
        return max(self.issuer_cpu.values()) / total if total else 0.0


def percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)]


async def drive(
    offers: list[str], configuration: str, concurrency: int, issuer_pid: int
) -> tuple[Run, list[Any]]:
    """The independent client over ``offers`` (the first WARM_UP not timed), and the CPU the
    issuer (process ``issuer_pid`` and its workers) spent meanwhile."""
    process = await asyncio.create_subprocess_exec(
        "node", str(DRIVER), stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        limit=DRIVER_OUTPUT_LIMIT,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    request = {
        "offers": offers,
        "configuration": configuration,
        "concurrency": concurrency,
        "warm_up": WARM_UP,
    }
    assert process.stdin is not None
    assert process.stdout is not None
    process.stdin.write(json.dumps(request).encode())
    await process.stdin.drain()
    process.stdin.close()
    # The driver says when its timed flows start (after the warm-up) and prints its result
    # the moment they end: the issuer's CPU is read at those two moments.
    started = await process.stdout.readline()
    before = per_process_cpu_seconds(issuer_pid)
    out = await process.stdout.readline()
    after = per_process_cpu_seconds(issuer_pid)
    err = await process.stderr.read() if process.stderr else b""
    await process.wait()
    if process.returncode != 0 or started.strip() != b"timed":
        raise SystemExit(f"the driver failed ({configuration}):\n{err.decode()[-3000:]}")
    result = json.loads(out)
    issuer_cpu = {pid: cpu - before.get(pid, 0.0) for pid, cpu in after.items()}
    run = Run(
        result["seconds"],
        result["latencies"],
        result["steps"],
        result["cpu_seconds"],
        issuer_cpu,
    )
    return run, result["credentials"]


@dataclass(frozen=True)
class Peer:
    base_url: str
    pid: int


@asynccontextmanager
async def peer_issuer() -> AsyncIterator[Peer]:
    """tests/interop/oid4vci-issuer.mjs running."""
    process = await asyncio.create_subprocess_exec(
        "node", str(PEER), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), 60)
        yield Peer(str(json.loads(line)["issuer"]), process.pid)
    finally:
        process.terminate()
        await process.wait()


async def peer_offers(base_url: str, configuration: str, count: int) -> list[str]:
    async with httpx.AsyncClient(timeout=60) as http:
        response = await http.post(
            f"{base_url}/offers", params={"configuration": configuration, "count": count}
        )
        response.raise_for_status()
        return list(response.json()["offers"])


async def verify_all(configuration_id: str, credentials: list[Any]) -> None:
    credential_format = get_format(FORMAT_OF[configuration_id], DIDResolver())
    for start in range(0, len(credentials), VERIFY_AT_ONCE):
        results = await asyncio.gather(
            *(
                credential_format.verify_credential(credential)
                for credential in credentials[start : start + VERIFY_AT_ONCE]
            )
        )
        for result in results:
            if not result.verified:
                raise SystemExit(f"{configuration_id}: a credential did not verify: {result}")


async def backend_rows(
    args: argparse.Namespace, peer: Peer, database_url: str | None
) -> tuple[list[tuple[str, int, Run, Run]], dict[str, tuple[float, float]], int]:
    per_run = WARM_UP + args.flows
    configurations = (LDP_VC, JWT_VC_JSON)
    rows = []
    verified = 0
    with tempfile.TemporaryDirectory(prefix="credstack-bench-") as tmp, _issuer_log_on_failure(tmp):
        async with running_issuer(Path(tmp) / "data", database_url, args.workers) as issuer:
            settings = issuer.settings
            uris, award = await make_offers(
                settings, per_run * len(configurations) * len(args.concurrency)
            )
            links = [
                f"openid-credential-offer://?credential_offer_uri={quote(u, safe='')}" for u in uris
            ]
            for configuration_id in configurations:
                for concurrency in args.concurrency:
                    ours_offers, links = links[:per_run], links[per_run:]
                    theirs_offers = await peer_offers(
                        peer.base_url, PEER_CONFIGURATION[configuration_id], per_run
                    )
                    theirs, _ = await drive(
                        theirs_offers, PEER_CONFIGURATION[configuration_id], concurrency, peer.pid
                    )
                    ours, credentials = await drive(
                        ours_offers, configuration_id, concurrency, issuer.pid
                    )
                    await verify_all(configuration_id, credentials)
                    verified += len(credentials)
                    rows.append((configuration_id, concurrency, ours, theirs))
                    print(
                        f"  … {configuration_id} x{concurrency}: ours {ours.rate:.1f}/s, "
                        f"peer {theirs.rate:.1f}/s",
                        file=sys.stderr,
                    )
            raw = await raw_signing_rates(settings, award, args.raw_signatures)
    return rows, raw, verified


@contextmanager
def _issuer_log_on_failure(folder: str) -> Iterator[None]:
    """A failed run shows the end of our issuer's log before its folder is removed."""
    try:
        yield
    except BaseException:
        log = Path(folder) / "issuer.log"
        if log.exists():
            print("--- the end of issuer.log:", *log.read_text().splitlines()[-40:], sep="\n")
        raise


def report(
    backend: str,
    database_url: str | None,
    rows: list[tuple[str, int, Run, Run]],
    raw: dict[str, tuple[float, float]],
    verified: int,
    args: argparse.Namespace,
) -> None:
    workers = args.workers or f"{os.cpu_count()} (its default: one per core)"
    print(f"\n== {backend}: {conditions('issuer', database_url, 'credstack serve')}")
    print(
        f"   our issuer: credstack serve issuer, uvicorn workers {workers}, rate limits off "
        f"(every wallet is this machine); peer: one Node process, in memory; "
        f"{args.flows} timed flows per run after {WARM_UP} warm-up"
    )
    print("\nComplete flows per second (same driver; latency of one whole flow, ms):")
    print(
        f"  {'format':<12} {'conc':>4} {'ours/s':>7} {'peer/s':>7} {'ratio':>6}"
        f"  {'ours p50/p95':>13}  {'peer p50/p95':>13}"
    )
    for configuration_id, concurrency, ours, theirs in rows:
        o50, o95 = percentiles(ours.latencies)
        t50, t95 = percentiles(theirs.latencies)
        print(
            f"  {FORMAT_OF[configuration_id]:<12} {concurrency:>4} {ours.rate:>7.1f} "
            f"{theirs.rate:>7.1f} {ours.rate / theirs.rate:>6.2f}"
            f"  {o50:>6.1f}/{o95:<6.1f}  {t50:>6.1f}/{t95:<6.1f}"
        )
    print(
        "\nPer step, one request's latency p50/p95 ms, ours | peer (metadata: 2 requests a flow):"
    )
    print(f"  {'format':<12} {'conc':>4} " + " ".join(f"{step:>23}" for step in STEPS))
    for configuration_id, concurrency, ours, theirs in rows:
        cells = []
        for step in STEPS:
            o50, o95 = percentiles(ours.steps.get(step, [0.0]))
            t50, t95 = percentiles(theirs.steps.get(step, [0.0]))
            cells.append(f"{o50:.0f}/{o95:.0f} | {t50:.0f}/{t95:.0f}".rjust(23))
        print(f"  {FORMAT_OF[configuration_id]:<12} {concurrency:>4} " + " ".join(cells))
    cpu_report(rows)
    print(f"\nRaw signing of the same credential ({args.raw_signatures} signatures, this process):")
    for configuration_id, (sequential, gathered) in raw.items():
        print(
            f"  {FORMAT_OF[configuration_id]:<12} sequential {sequential:>7.1f}/s   "
            f"asyncio.gather {gathered:>7.1f}/s"
        )
    print(f"\nVerified: all {verified} credentials our issuer handed out in these runs.")


def cpu_report(rows: list[tuple[str, int, Run, Run]]) -> None:
    """CPU per flow of each side, and what that leaves: the driver shares the machine's cores
    with the issuer it drives, so an issuer can be at most as fast as the cores left over."""
    cores = os.cpu_count() or 1
    print(
        "\nCPU time per timed flow, ms (every thread; ours: all issuer processes; the driver's "
        "own in each run):"
    )
    print(
        f"  {'format':<12} {'conc':>4} {'ours':>6} {'peer':>6} {'driver→ours':>12} "
        f"{'driver→peer':>12} {'busiest worker':>15} {'ceiling/s':>10} {'ceiling/peer':>13}"
    )
    for configuration_id, concurrency, ours, theirs in rows:
        # An issuer that cost nothing: the driver alone would fill every core.
        ceiling = cores * 1000 / ours.driver_ms
        print(
            f"  {FORMAT_OF[configuration_id]:<12} {concurrency:>4} {ours.issuer_ms:>6.1f} "
            f"{theirs.issuer_ms:>6.1f} {ours.driver_ms:>12.1f} {theirs.driver_ms:>12.1f} "
            f"{ours.busiest_share:>14.0%} {ceiling:>10.0f} {ceiling / theirs.rate:>13.2f}"
        )
    print(
        f"  ceiling: flows/s if our issuer cost no CPU at all, {cores} cores over the driver's "
        "own CPU per flow; ceiling/peer: that as a multiple of the peer's measured rate. "
        "busiest worker: the share of our issuer's CPU its busiest process took."
    )


async def main(args: argparse.Namespace) -> None:
    async with peer_issuer() as peer:
        rows, raw, verified = await backend_rows(args, peer, None)
        report("SQLite", None, rows, raw, verified, args)
        if args.postgres_url:
            async with postgres_database(args.postgres_url, "credstack_bench") as url:
                rows, raw, verified = await backend_rows(args, peer, url)
            report("PostgreSQL", url, rows, raw, verified, args)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--flows", type=int, default=100, help="timed flows per run (100)")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--raw-signatures", type=int, default=100)
    parser.add_argument(
        "--workers", type=int, help="our issuer's worker processes (default: its own)"
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("CREDSTACK_BENCH_POSTGRES_URL"),
        help="a PostgreSQL admin URL: also run on a database made there for the run",
    )
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
