"""How many OpenID4VP presentations per second one verifier process checks, next to how fast
the same libraries verify the same presentation in this process.

    .venv/bin/python bench/verification.py [--presentations 40] [--clients 4] [--database-url URL]
                                           [--workers N]

Starts ``credstack serve issuer`` and ``credstack serve verifier`` (uvicorn, development mode,
loopback, fresh data directories; the verifier's trust list names the issuer's DID). One
holder key receives real credentials from the issuer over OpenID4VCI, five in each format.
Then, for ldp_vc and jwt_vc_json, with 1 and with 5 credentials in the presentation: N
presentation requests (N/5 with 5 credentials, so that every row verifies as many
credentials) are made through the employer API, their request objects fetched and as many
presentations signed with the holder key (set-up, not timed); the timed part is posting
them to the response endpoint (direct_post), one after the other and from several clients at
once. Afterwards every request must read "verified" (anything else stops the bench). One
presentation per row is posted before timing, so the issuer's status list is already in the
verifier's cache and didkit has made its first call.

Two raw baselines verify the very same presentation in this process: its proof (with its
nonce and audience), then each embedded credential's, one after the other and all at once
with asyncio.gather. "ours" makes the calls the verifier makes (shared.credentials.formats:
didkit for ldp_vc, jose for jwt_vc_json); "didkit" is didkit alone (verify_presentation and
verify_credential, proofFormat jwt or ldp), the baseline issue 12 names. For jwt_vc_json
didkit is the faster of the two, so its ratio is the harder one; both are printed. Neither
does what only the service does (HTTP, the form, the database, the status list, trust list
and constraint checks), so the ratios say how much of the cost is the service's own.
Everything runs on this machine: the clients, the issuer and this process compete with the
verifier for the same cores, hence the CPU time per presentation beside the rates.

BENCH_PROFILE_VERIFIER=/tmp/profile.txt runs the verifier under ``py-spy record`` (install
py-spy into the virtualenv first); docs/performance.md says what the figures showed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from cpu import tree_cpu_seconds
from issuance import (
    _free_port,
    _ok,
    _one_by_one,
    _wait_until_healthy,
    conditions,
    flow,
    holder_key,
    issuer_process,
    make_offers,
)

from issuer.oid4vci.configurations import FORMAT_OF
from shared.credentials.formats import get_format
from shared.credentials.formats.vcdm import issuer_id
from shared.credentials.microcredential.i18n import LocalizedText
from shared.crypto import didkit_bridge
from shared.crypto.jose import unverified_claims
from shared.crypto.keys import SigningKey
from shared.did.resolver import DIDResolver
from verifier.requests.queries import query_id
from verifier.trust.document import merge_into_file
from verifier.trust.entries import TrustedIssuer

RAW_SECONDS = 2.0
FORMATS = ("ldp_vc", "jwt_vc_json")
CREDENTIAL_COUNTS = (1, 5)
CONFIGURATION_OF = {fmt: configuration for configuration, fmt in FORMAT_OF.items()}
VP_CONTEXT = "https://www.w3.org/2018/credentials/v1"


@dataclass(frozen=True)
class Run:
    format: str
    credentials: int
    clients: int
    seconds: float
    latencies: list[float]
    cpu_seconds: float  # CPU time the verifier's processes spent on the run, all threads

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    @property
    def cpu_ms(self) -> float:
        return self.cpu_seconds / len(self.latencies) * 1000

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[max(0, int(len(ordered) * fraction + 0.5) - 1)] * 1000


@dataclass(frozen=True)
class Signed:
    """A request as the wallet read it, and the answer signed for it."""

    request_id: str
    state: str
    response_uri: str
    vp_token: dict[str, list[Any]]

    @property
    def form(self) -> bytes:
        """The direct_post body. Encoded in the set-up: urlencoding a 60 KB token costs the
        client several milliseconds of the CPU the verifier shares."""
        return urlencode({"vp_token": json.dumps(self.vp_token), "state": self.state}).encode()


@dataclass
class Verifier:
    base_url: str
    auth: dict[str, str]
    pid: int  # `credstack serve verifier`; its workers are its children

    def cpu_seconds(self) -> float:
        """CPU time (user + system, every thread) of the verifier and its worker processes
        so far: unlike wall time, hardly moved by what else runs on the machine."""
        return tree_cpu_seconds(self.pid)


@asynccontextmanager
async def verifier_process(
    data_dir: Path, trust_list: Path, database_url: str | None, workers: int
) -> AsyncIterator[Verifier]:
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    prefixes = ("CREDSTACK_", "ISSUER_", "HOLDER_", "VERIFIER_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env |= {
        "CREDSTACK_DATA_DIR": str(data_dir),
        "CREDSTACK_ENV": "development",
        "VERIFIER_PUBLIC_BASE_URL": base_url,
        "VERIFIER_TRUST_LIST_SOURCE": str(trust_list),
        "VERIFIER_WORKERS": str(workers),
    }
    if database_url:
        env["VERIFIER_DATABASE_URL"] = database_url
    command = [sys.executable, "-m", "credstack", "serve", "verifier", "--port", str(port)]
    if profile := os.environ.get("BENCH_PROFILE_VERIFIER"):
        # py-spy (pip install py-spy; not a dependency) samples the verifier for the whole run,
        # written as collapsed stacks (one line per stack, flamegraph.pl's input).
        py_spy = str(Path(sys.executable).parent / "py-spy")
        command = [py_spy, "record", "--format", "raw", "-o", profile, "--", *command]
    log_path = data_dir.parent / "verifier.log"
    with log_path.open("w") as log:
        process = await asyncio.create_subprocess_exec(
            *command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        await _wait_until_healthy(base_url, process, name="verifier")
        token = (data_dir / "verifier-employer-token").read_text().strip()
        yield Verifier(base_url, {"Authorization": f"Bearer {token}"}, process.pid)
    finally:
        if process.returncode is None:
            # SIGINT to the group: uvicorn shuts down, and py-spy (if any) writes its profile.
            os.killpg(process.pid, signal.SIGINT)
            await process.wait()


async def receive_credentials(
    issuer_settings: Any, key: SigningKey, per_format: int
) -> dict[str, list[Any]]:
    """``per_format`` credentials in each format from the running issuer, all bound to ``key``."""
    offer_uris, _ = await make_offers(issuer_settings, per_format * len(FORMATS))
    received: dict[str, list[Any]] = {}
    async with httpx.AsyncClient(timeout=60) as http:
        for fmt in FORMATS:
            uris, offer_uris = offer_uris[:per_format], offer_uris[per_format:]
            received[fmt] = [await flow(http, u, CONFIGURATION_OF[fmt], key) for u in uris]
    return received


def trust(trust_list: Path, credential: dict[str, Any]) -> None:
    did = issuer_id(credential)
    assert did is not None, "the issuer's credential names no issuer"
    merge_into_file(
        trust_list,
        TrustedIssuer(
            did=did,
            name=LocalizedText.model_validate({"en": "Bench University"}),
            country="DE",
            accreditation="Bench accreditation agency",
        ),
    )


async def prepare(
    http: httpx.AsyncClient,
    verifier: Verifier,
    key: SigningKey,
    fmt: str,
    credentials: list[Any],
    count: int,
) -> list[Signed]:
    """``count`` requests made through the API, each answered by a presentation signed for
    its nonce and client_id, as a wallet would after reading the request object."""

    async def one() -> Signed:
        made = await http.post(
            f"{verifier.base_url}/api/v1/requests",
            headers=verifier.auth,
            json={"template": "microcredential"},
        )
        if made.status_code != 201:
            raise RuntimeError(f"creating a request: {made.status_code} {made.text}")
        request = made.json()
        jar = await http.get(request["request_object_uri"])
        if jar.status_code != 200:
            raise RuntimeError(f"request object: {jar.status_code} {jar.text}")
        claims = unverified_claims(jar.text)
        document = {
            "@context": [VP_CONTEXT],
            "type": ["VerifiablePresentation"],
            "holder": key.did,
            "verifiableCredential": credentials,
        }
        presentation = await get_format(fmt, DIDResolver()).sign_presentation(
            document, key, nonce=claims["nonce"], audience=claims["client_id"]
        )
        return Signed(
            request["request_id"],
            claims["state"],
            claims["response_uri"],
            {query_id(fmt): [presentation]},
        )

    return list(await asyncio.gather(*(one() for _ in range(count))))


async def post_answers(signed: list[Signed], clients: int) -> tuple[float, list[float]]:
    """Post each answer (direct_post) from ``clients`` clients at once; seconds, latencies."""
    queue = [(answer.response_uri, answer.form) for answer in signed]
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    async with httpx.AsyncClient(limits=limits, timeout=120, headers=headers) as http:

        async def client() -> None:
            while queue:
                response_uri, form = queue.pop()
                started = time.perf_counter()
                _ok(await http.post(response_uri, content=form))
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        return time.perf_counter() - started, latencies


async def require_verified(
    http: httpx.AsyncClient, verifier: Verifier, signed: list[Signed]
) -> None:
    """Every request answered reads "verified"; otherwise the bench measured refusals."""
    for answer in signed:
        result = _ok(
            await http.get(
                f"{verifier.base_url}/api/v1/requests/{answer.request_id}", headers=verifier.auth
            )
        )
        if result["status"] != "verified":
            failed = [c for c in result["checks"] if c["outcome"] != "passed"]
            raise SystemExit(f"a presentation was not verified ({result['status']}): {failed}")


@dataclass(frozen=True)
class Raw:
    """A baseline: the sample presentation verified in this process, one after the other and
    all at once (asyncio.gather), per second; and the CPU ms one sequential one takes."""

    sequential: float
    gathered: float
    cpu_ms: float

    def rate(self, clients: int) -> float:
        return self.sequential if clients == 1 else self.gathered


@dataclass(frozen=True)
class Baselines:
    ours: Raw  # shared.credentials.formats, the very calls the verifier makes
    didkit: Raw  # didkit alone, the library the issue names


async def raw_baselines(fmt: str, sample: Signed, count: int) -> Baselines:
    """Both raw baselines for the sample presentation: its proof (with its nonce and
    audience), then each embedded credential's, as the verifier does them."""
    presentation = sample.vp_token[query_id(fmt)][0]
    binding = _binding(fmt, presentation)
    credential_format = get_format(fmt, DIDResolver())

    async def ours() -> None:
        result = await credential_format.verify_presentation(presentation, **binding)
        result.raise_for_problems()
        for credential in result.document["verifiableCredential"]:
            (await credential_format.verify_credential(credential)).raise_for_problems()

    # didkit 0.3.3 verifies a VC-JWT or VP-JWT with proofFormat "jwt" (signature, and for the
    # presentation the nonce as "challenge" and aud as "domain"), an LDP document with "ldp".
    proof_format = "jwt" if fmt == "jwt_vc_json" else "ldp"
    signed_vp = presentation if isinstance(presentation, str) else json.dumps(presentation)
    vp_options = {
        "proofFormat": proof_format,
        "proofPurpose": "authentication",
        "challenge": binding["nonce"],
        "domain": binding["audience"],
    }
    vc_options = {"proofFormat": proof_format, "proofPurpose": "assertionMethod"}
    embedded = _embedded_credentials(fmt, presentation)

    async def didkit_only() -> None:
        _raise_for_didkit(await didkit_bridge.verify_presentation(signed_vp, vp_options))
        for credential in embedded:
            text = credential if isinstance(credential, str) else json.dumps(credential)
            _raise_for_didkit(await didkit_bridge.verify_credential(text, vc_options))

    return Baselines(await _raw(ours, count), await _raw(didkit_only, count))


async def _raw(verify: Callable[[], Awaitable[None]], count: int) -> Raw:
    cpu_before, done_before = time.process_time(), _done[0]
    sequential = await _steady_rate(count, lambda: _one_by_one(verify, count))
    cpu_ms = (time.process_time() - cpu_before) / (_done[0] - done_before) * 1000
    gathered = await _steady_rate(count, lambda: asyncio.gather(*(verify() for _ in range(count))))
    return Raw(sequential, gathered, cpu_ms)


def _embedded_credentials(fmt: str, presentation: Any) -> list[Any]:
    if fmt == "jwt_vc_json":
        credentials: list[Any] = unverified_claims(presentation)["vp"]["verifiableCredential"]
        return credentials
    return list(presentation["verifiableCredential"])


def _raise_for_didkit(report: dict[str, Any]) -> None:
    if report.get("errors") or not report.get("checks"):
        raise SystemExit(f"didkit did not verify the sample presentation: {report}")


_done = [0]  # verifications made by _steady_rate so far


async def _steady_rate(count: int, batch: Callable[[], Awaitable[Any]]) -> float:
    """Batches of ``count`` until RAW_SECONDS have passed: 40 JWT checks take a few tens of
    milliseconds, too short a sample on a machine others share."""
    done, started = 0, time.perf_counter()
    while not done or time.perf_counter() - started < RAW_SECONDS:
        await batch()
        done += count
        _done[0] += count
    return done / (time.perf_counter() - started)


def _binding(fmt: str, presentation: Any) -> dict[str, str]:
    if fmt == "jwt_vc_json":
        claims = unverified_claims(presentation)
        return {"nonce": claims["nonce"], "audience": claims["aud"]}
    proof = presentation["proof"]
    return {"nonce": proof["challenge"], "audience": proof["domain"]}


async def bench_row(
    http: httpx.AsyncClient,
    verifier: Verifier,
    key: SigningKey,
    fmt: str,
    credentials: list[Any],
    args: argparse.Namespace,
) -> tuple[list[Run], Baselines]:
    # The same number of credentials in every row: a fifth as many 5-credential presentations.
    n = max(4, args.presentations // len(credentials))
    signed = await prepare(http, verifier, key, fmt, credentials, 2 * n + 1)
    warm_up, sequential, concurrent = signed[:1], signed[1 : n + 1], signed[n + 1 :]
    await post_answers(warm_up, 1)
    runs = []
    for batch, clients in ((sequential, 1), (concurrent, args.clients)):
        cpu_before = verifier.cpu_seconds()
        seconds, latencies = await post_answers(batch, clients)
        cpu = verifier.cpu_seconds() - cpu_before
        runs.append(Run(fmt, len(credentials), clients, seconds, latencies, cpu))
    await require_verified(http, verifier, signed)
    return runs, await raw_baselines(fmt, warm_up[0], n)


async def main(args: argparse.Namespace) -> None:
    key = holder_key()
    runs: list[Run] = []
    raw: dict[tuple[str, int], Baselines] = {}
    with tempfile.TemporaryDirectory(prefix="credstack-bench-") as tmp:
        issuer_dir, verifier_dir = Path(tmp) / "issuer" / "data", Path(tmp) / "verifier" / "data"
        for directory in (issuer_dir, verifier_dir):
            directory.mkdir(parents=True)
        async with issuer_process(issuer_dir, None) as issuer_settings:
            received = await receive_credentials(issuer_settings, key, max(CREDENTIAL_COUNTS))
            trust_list = Path(tmp) / "trust-list.json"
            trust(trust_list, received["ldp_vc"][0])
            async with (
                verifier_process(
                    verifier_dir, trust_list, args.database_url, args.workers
                ) as verifier,
                httpx.AsyncClient(timeout=120) as http,
            ):
                for fmt in FORMATS:
                    for count in CREDENTIAL_COUNTS:
                        row_runs, raw[fmt, count] = await bench_row(
                            http, verifier, key, fmt, received[fmt][:count], args
                        )
                        runs += row_runs
    report(runs, raw, args)


def report(
    runs: list[Run], raw: dict[tuple[str, int], Baselines], args: argparse.Namespace
) -> None:
    print(
        f"{conditions('verifier', args.database_url, f'{args.workers} worker process(es)')}; "
        f"{args.presentations} presentations per run (a fifth as many with 5 credentials)"
    )
    print(
        "\nPresentations verified per second: the verifier (POST /oid4vp/response) against two "
        "raw\nbaselines in this process (presentation + each credential; sequential for 1 "
        "client, else\nasyncio.gather): ours = shared.credentials.formats, the calls the "
        "verifier makes (jose for\njwt_vc_json, didkit for ldp_vc); didkit = didkit alone "
        "(proofFormat jwt or ldp)."
    )
    print(
        f"  {'format':<12} {'creds':>5} {'clients':>7} {'verifier/s':>10} {'ours/s':>7} "
        f"{'ratio':>6} {'didkit/s':>8} {'ratio':>6} {'p50 ms':>7} {'p95 ms':>7}"
    )
    for run in runs:
        ours, alone = raw[run.format, run.credentials].ours, raw[run.format, run.credentials].didkit
        print(
            f"  {run.format:<12} {run.credentials:>5} {run.clients:>7} {run.rate:>10.1f} "
            f"{ours.rate(run.clients):>7.1f} {run.rate / ours.rate(run.clients):>6.2f} "
            f"{alone.rate(run.clients):>8.1f} {run.rate / alone.rate(run.clients):>6.2f} "
            f"{run.percentile(0.5):>7.1f} {run.percentile(0.95):>7.1f}"
        )
    print(
        "\nCPU ms per presentation: the verifier's processes (every thread) against one "
        "sequential raw\nverification in this process; cpu ratio = raw/verifier, which other "
        "work on the machine\nhardly moves. With W workers on W free cores the verifier's rate "
        "is W x cpu ratio x the raw\nrate of one core."
    )
    print(
        f"  {'format':<12} {'creds':>5} {'clients':>7} {'verifier':>8} {'ours':>6} "
        f"{'ratio':>6} {'didkit':>6} {'ratio':>6}"
    )
    for run in runs:
        ours, alone = raw[run.format, run.credentials].ours, raw[run.format, run.credentials].didkit
        print(
            f"  {run.format:<12} {run.credentials:>5} {run.clients:>7} {run.cpu_ms:>8.1f} "
            f"{ours.cpu_ms:>6.2f} {ours.cpu_ms / run.cpu_ms:>6.2f} {alone.cpu_ms:>6.2f} "
            f"{alone.cpu_ms / run.cpu_ms:>6.2f}"
        )
    print(
        "\nGoal (issue 12): at least 0.8 of didkit's raw rate. The didkit columns are the ones "
        "the goal\nnames; the ours columns say how much the service adds to the calls it makes. "
        "The verifier\nchecks a presentation's proof and its credentials' at the same time, so "
        "with 1 client it\nmay beat the sequential baseline; the 4-client rows and the CPU "
        "columns compare like with like."
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--presentations",
        type=int,
        default=40,
        help="presentations per run with one credential; a fifth as many with five (40)",
    )
    parser.add_argument(
        "--clients", type=int, default=4, help="clients at once in the concurrent runs (4)"
    )
    parser.add_argument("--database-url", help="the verifier's database (default: SQLite file)")
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="the verifier's worker processes (`credstack serve --workers`; default: the cores)",
    )
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
