"""How many complete OpenID4VCI pre-authorized flows per second one issuer process serves,
next to how fast didkit alone signs the same credential.

    .venv/bin/python bench/issuance.py [--flows 200] [--concurrency 1 8] [--database-url URL]

Starts ``credstack serve issuer`` (uvicorn, development mode, loopback) on a fresh data
directory, makes the awards and offers with the issuer's core services directly in its
database (set-up, not timed), then runs wallets against it over HTTP. One flow is what a
wallet does after scanning the QR code: GET the offer object, GET the issuer and the
authorization server metadata, POST /token, POST /nonce, sign a key proof with a fresh holder
key, POST /credential. Each flow is a different learner (award, offer, holder key).

The raw rate signs the very credential the endpoint signs (the same award, holder and
organisation key, via shared.credentials.formats), one after the other and all at once with
asyncio.gather. Everything runs on this machine: the wallets' HTTP and proof signing compete
with the issuer for the same cores, so the figures are a floor for the issuer alone.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from issuer.app import MIGRATIONS_DIR
from issuer.awards.credential import unsigned_credential
from issuer.awards.offers import Offers
from issuer.awards.service import Awards, Recipient
from issuer.catalogue.service import Catalogue
from issuer.models import Award
from issuer.oid4vci.configurations import FORMAT_OF, JWT_VC_JSON, LDP_VC, PRE_AUTHORIZED_GRANT
from issuer.organisations.service import Organisations
from issuer.settings import IssuerSettings
from shared.credentials.formats import get_format
from shared.crypto.jose import sign_jwt
from shared.crypto.keys import SigningKey, generate_key
from shared.db import session_scope
from shared.did.key import did_key_from_jwk, did_key_verification_method_id
from shared.did.resolver import DIDResolver
from shared.runtime import open_runtime

START_TIMEOUT = 300.0  # workers start slowly on a loaded machine
WARM_UP_FLOWS = 20
PROOF_TYP = "openid4vci-proof+jwt"


@dataclass(frozen=True)
class Run:
    configuration_id: str
    concurrency: int
    flows: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.flows / self.seconds


@dataclass(frozen=True)
class RunningIssuer:
    settings: IssuerSettings
    pid: int  # `credstack serve issuer`; its workers are its children


@asynccontextmanager
async def issuer_process(
    data_dir: Path, database_url: str | None, workers: int | None = None
) -> AsyncIterator[IssuerSettings]:
    """``credstack serve issuer`` running; yields its settings."""
    async with running_issuer(data_dir, database_url, workers) as issuer:
        yield issuer.settings


@asynccontextmanager
async def running_issuer(
    data_dir: Path, database_url: str | None, workers: int | None = None
) -> AsyncIterator[RunningIssuer]:
    """``credstack serve issuer`` on ``data_dir`` (and ``database_url``), rate limits off."""
    port = _free_port()
    settings = IssuerSettings(
        data_dir=data_dir, database_url=database_url, public_base_url=f"http://127.0.0.1:{port}"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CREDSTACK_", "ISSUER_"))}
    env |= {"CREDSTACK_DATA_DIR": str(data_dir), "ISSUER_PUBLIC_BASE_URL": settings.base_url}
    if database_url:
        env["ISSUER_DATABASE_URL"] = database_url
    if workers is not None:  # else the service's default: one per core
        env["ISSUER_WORKERS"] = str(workers)
    # Every simulated wallet comes from this machine's address: the per-address rate limits
    # would measure themselves, not issuance.
    env["ISSUER_RATE_LIMITS_ENABLED"] = "false"
    command = [sys.executable, "-m", "credstack", "serve", "issuer", "--port", str(port)]
    if profile := os.environ.get("BENCH_PROFILE_ISSUER"):
        # py-spy (pip install py-spy; not a dependency) samples the issuer and its workers for
        # the whole run, as collapsed stacks (one line per stack, flamegraph.pl's input).
        py_spy = str(Path(sys.executable).parent / "py-spy")
        command = [py_spy, "record", "--subprocesses", "--format", "raw", "-o", profile, "--",
                   *command]  # fmt: skip
    log_path = data_dir.parent / "issuer.log"
    with log_path.open("w") as log:
        process = await asyncio.create_subprocess_exec(
            *command, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        await _wait_until_healthy(settings.base_url, process)
        yield RunningIssuer(settings, process.pid)
    finally:
        if process.returncode is None:
            # SIGINT: py-spy writes its profile and stops the issuer with it.
            process.send_signal(signal.SIGINT if profile else signal.SIGTERM)
            await process.wait()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _wait_until_healthy(
    base_url: str, process: asyncio.subprocess.Process, name: str = "issuer"
) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    async with httpx.AsyncClient() as http:
        while time.monotonic() < deadline and process.returncode is None:
            try:
                if (await http.get(f"{base_url}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.25)
    raise SystemExit(f"the {name} did not start; see {name}.log in the bench directory")


async def make_offers(settings: IssuerSettings, count: int) -> tuple[list[str], Award]:
    """``count`` awards, each with its offer; the offer object URLs and one award."""
    async with (
        open_runtime(settings, MIGRATIONS_DIR) as runtime,
        session_scope(runtime.sessions) as session,
    ):
        item = (await Catalogue(session, settings.base_url).items())[0]
        recipients = [Recipient(name=f"Learner {i}", grade="B") for i in range(count)]
        awards = await Awards(session, settings.base_url).create_many(
            item.achievement.id, recipients, actor="bench"
        )
        offers = Offers(session, settings, runtime.key_encryption_key)
        made = [await offers.create(a, with_tx_code=False, actor="bench") for a in awards]
    return [m.links(settings)["offer_object_uri"] for m in made], awards[0]


def holder_key() -> SigningKey:
    key = generate_key()
    return SigningKey(key, did_key_verification_method_id(did_key_from_jwk(key.public_jwk())))


async def flow(
    http: httpx.AsyncClient, offer_uri: str, configuration_id: str, key: SigningKey | None = None
) -> Any:
    """One wallet receiving one credential, bound to ``key`` (default: a fresh holder key);
    raises on any unexpected answer."""
    offer = _ok(await http.get(offer_uri))
    issuer = offer["credential_issuer"]
    metadata = _ok(await http.get(f"{issuer}/.well-known/openid-credential-issuer"))
    server = _ok(await http.get(f"{issuer}/.well-known/oauth-authorization-server"))
    code = offer["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"]
    token = _ok(
        await http.post(
            server["token_endpoint"],
            data={"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": code},
        )
    )
    nonce = _ok(await http.post(metadata["nonce_endpoint"]))["c_nonce"]
    claims = {"aud": issuer, "iat": int(time.time()), "nonce": nonce}
    proof = sign_jwt(claims, key or holder_key(), typ=PROOF_TYP)
    response = _ok(
        await http.post(
            metadata["credential_endpoint"],
            json={"credential_configuration_id": configuration_id, "proofs": {"jwt": [proof]}},
            headers={"Authorization": f"Bearer {token['access_token']}"},
        )
    )
    return response["credentials"][0]["credential"]


def _ok(response: httpx.Response) -> Any:
    if response.status_code != 200:
        raise RuntimeError(f"{response.request.url.path}: {response.status_code} {response.text}")
    return response.json()


async def run_wallets(
    offer_uris: list[str], configuration_id: str, concurrency: int
) -> tuple[Run, Any]:
    queue = list(offer_uris)
    latencies: list[float] = []
    sample: list[Any] = []
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=60) as http:

        async def wallet() -> None:
            while queue:
                uri = queue.pop()
                started = time.perf_counter()
                credential = await flow(http, uri, configuration_id)
                latencies.append(time.perf_counter() - started)
                if not sample:
                    sample.append(credential)

        started = time.perf_counter()
        await asyncio.gather(*(wallet() for _ in range(concurrency)))
        seconds = time.perf_counter() - started
    return Run(configuration_id, concurrency, len(offer_uris), seconds, latencies), sample[0]


async def raw_signing_rates(
    settings: IssuerSettings, award: Award, count: int
) -> dict[str, tuple[float, float]]:
    """Per format: (sequential, asyncio.gather) signatures per second of the same credential."""
    resolver = DIDResolver()
    rates = {}
    async with (
        open_runtime(settings, MIGRATIONS_DIR) as runtime,
        session_scope(runtime.sessions) as session,
    ):
        organisations = Organisations(session, settings, runtime.key_encryption_key)
        key = await organisations.signing_key(await organisations.get(award.organisation_id))
        credential = await unsigned_credential(
            session, settings, award, holder_did=holder_key().did, credential_id="urn:uuid:0"
        )
    for configuration_id in (LDP_VC, JWT_VC_JSON):
        credential_format = get_format(FORMAT_OF[configuration_id], resolver)

        def sign(fmt: Any = credential_format) -> Awaitable[Any]:
            return fmt.sign_credential(credential, key)

        sequential = await _timed(count, lambda: _one_by_one(sign, count))
        gathered = await _timed(count, lambda: asyncio.gather(*(sign() for _ in range(count))))
        rates[configuration_id] = (sequential, gathered)
    return rates


async def _one_by_one(sign: Callable[[], Awaitable[Any]], count: int) -> None:
    for _ in range(count):
        await sign()


async def _timed(count: int, work: Callable[[], Awaitable[Any]]) -> float:
    started = time.perf_counter()
    await work()
    return count / (time.perf_counter() - started)


async def verify_sample(configuration_id: str, credential: Any) -> None:
    result = await get_format(FORMAT_OF[configuration_id], DIDResolver()).verify_credential(
        credential
    )
    if not result.verified:
        raise RuntimeError(f"{configuration_id}: a credential did not verify: {result.problems}")


async def main(args: argparse.Namespace) -> None:
    configurations = (LDP_VC, JWT_VC_JSON)
    runs_needed = len(configurations) * len(args.concurrency)
    with tempfile.TemporaryDirectory(prefix="credstack-bench-") as tmp:
        data_dir = Path(tmp) / "data"
        async with issuer_process(data_dir, args.database_url) as settings:
            offer_uris, award = await make_offers(
                settings, WARM_UP_FLOWS + args.flows * runs_needed
            )
            # Warm-up (imports, didkit's first call, connection set-up): not counted.
            await run_wallets(offer_uris[:WARM_UP_FLOWS], LDP_VC, max(args.concurrency))
            del offer_uris[:WARM_UP_FLOWS]
            runs = []
            for configuration_id in configurations:
                for concurrency in args.concurrency:
                    uris, offer_uris = offer_uris[: args.flows], offer_uris[args.flows :]
                    run, sample = await run_wallets(uris, configuration_id, concurrency)
                    await verify_sample(configuration_id, sample)
                    runs.append(run)
            raw = await raw_signing_rates(settings, award, args.flows)
    report(runs, raw, args)


def conditions(
    service: str, database_url: str | None, processes: str = "one uvicorn process"
) -> str:
    """What the figures were measured on, for the first line of a report."""
    backend = "PostgreSQL" if database_url else "SQLite"
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return (
        f"credstack {service}, {processes}, {backend}, loopback; {os.cpu_count()} CPUs "
        f"(load average at the end {load}: other work on the machine skews the figures)"
    )


def report(runs: list[Run], raw: dict[str, tuple[float, float]], args: argparse.Namespace) -> None:
    print(f"{conditions('issuer', args.database_url)}; {args.flows} flows per run")
    print("\nComplete pre-authorized flows (offer, metadata x2, token, nonce, proof, credential):")
    print(f"  {'configuration':<30} {'wallets':>7} {'flows/s':>8} {'p50 ms':>7} {'p95 ms':>7}")
    for run in runs:
        ordered = sorted(run.latencies)
        p50 = statistics.median(ordered) * 1000
        p95 = ordered[int(len(ordered) * 0.95) - 1] * 1000
        print(
            f"  {run.configuration_id:<30} {run.concurrency:>7} {run.rate:>8.1f} "
            f"{p50:>7.1f} {p95:>7.1f}"
        )
    print("\nRaw signing of the same credential (shared.credentials.formats, in this process):")
    print(f"  {'configuration':<30} {'sequential/s':>12} {'gather/s':>9}")
    for configuration_id, (sequential, gathered) in raw.items():
        print(f"  {configuration_id:<30} {sequential:>12.1f} {gathered:>9.1f}")
    print("\nFlows per second / raw signatures per second (sequential for 1 wallet, else gather):")
    for run in runs:
        sequential, gathered = raw[run.configuration_id]
        reference = sequential if run.concurrency == 1 else gathered
        print(
            f"  {run.configuration_id:<30} {run.concurrency:>2} wallets: {run.rate / reference:.3f}"
        )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--flows", type=int, default=200, help="flows per run (default 200)")
    parser.add_argument(
        "--concurrency", type=int, nargs="+", default=[1, 8], help="wallets at once (1 8)"
    )
    parser.add_argument("--database-url", help="the issuer's database (default: SQLite file)")
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
