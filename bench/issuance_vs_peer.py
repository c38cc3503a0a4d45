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
from issuance import conditions, issuer_process, make_offers, raw_signing_rates

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


@dataclass(frozen=True)
class Run:
    seconds: float
    latencies: list[float]
    steps: dict[str, list[float]]

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds


def percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)]


async def drive(offers: list[str], configuration: str, concurrency: int) -> tuple[Run, list[Any]]:
    """The independent client over ``offers`` (the first WARM_UP not timed)."""
    process = await asyncio.create_subprocess_exec(
        "node", str(DRIVER), stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    request = {
        "offers": offers,
        "configuration": configuration,
        "concurrency": concurrency,
        "warm_up": WARM_UP,
    }
    out, err = await process.communicate(json.dumps(request).encode())
    if process.returncode != 0:
        raise SystemExit(f"the driver failed ({configuration}):\n{err.decode()[-3000:]}")
    result = json.loads(out)
    return Run(result["seconds"], result["latencies"], result["steps"]), result["credentials"]


@asynccontextmanager
async def peer_issuer() -> AsyncIterator[str]:
    """tests/interop/oid4vci-issuer.mjs running; yields its base URL."""
    process = await asyncio.create_subprocess_exec(
        "node", str(PEER), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), 60)
        yield str(json.loads(line)["issuer"])
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
    args: argparse.Namespace, peer: str, database_url: str | None
) -> tuple[list[tuple[str, int, Run, Run]], dict[str, tuple[float, float]], int]:
    per_run = WARM_UP + args.flows
    configurations = (LDP_VC, JWT_VC_JSON)
    rows = []
    verified = 0
    with tempfile.TemporaryDirectory(prefix="credstack-bench-") as tmp, _issuer_log_on_failure(tmp):
        async with issuer_process(Path(tmp) / "data", database_url, args.workers) as settings:
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
                        peer, PEER_CONFIGURATION[configuration_id], per_run
                    )
                    theirs, _ = await drive(
                        theirs_offers, PEER_CONFIGURATION[configuration_id], concurrency
                    )
                    ours, credentials = await drive(ours_offers, configuration_id, concurrency)
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
    print(f"\nRaw signing of the same credential ({args.raw_signatures} signatures, this process):")
    for configuration_id, (sequential, gathered) in raw.items():
        print(
            f"  {FORMAT_OF[configuration_id]:<12} sequential {sequential:>7.1f}/s   "
            f"asyncio.gather {gathered:>7.1f}/s"
        )
    print(f"\nVerified: all {verified} credentials our issuer handed out in these runs.")


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
