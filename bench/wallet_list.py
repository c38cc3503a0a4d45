"""How fast the wallet lists a learner's credentials when there are 10,000 of them.

    .venv/bin/python bench/wallet_list.py [--credentials 10000] [--requests 200]
                                          [--database-url URL]

Seeds one learner with N credentials directly through the wallet's store layer
(``holder.wallet.store.CredentialStore.add``, each sealed under the KEK with its card summary,
as receiving stores them), then starts ``credstack serve holder`` (one worker, development
mode, loopback) on that database and times, one request after the other, the learner's
list page (``GET /``, the cards, signed in with the session cookie) and the API list
(``GET /api/v1/credentials``, bearer token), each its first page and a page deep in the
list (following the ``after`` cursor). Prints p50/p95/max per row. Goal: p95 <= 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from issuance import _free_port, _wait_until_healthy, conditions

from holder.accounts.service import Accounts, SignUp
from holder.app import MIGRATIONS_DIR
from holder.deps import SESSION_COOKIE
from holder.models import Learner
from holder.settings import HolderSettings
from holder.wallet.store import CredentialStore
from holder.wallet.summary import summarize
from shared.db import session_scope
from shared.runtime import open_runtime

# The test suite's sample credential (an unsigned OB 3.0 micro-credential with every EU
# element): the list never verifies, and signing 10,000 would time the signer instead.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support.credentials import micro_credential

BATCH = 500  # credentials per unit of work while seeding
PASSWORD = "correct horse battery staple"  # noqa: S105 (a throwaway bench account)


async def seed(settings: HolderSettings, count: int) -> str:
    """One learner holding ``count`` credentials; their session token."""
    async with open_runtime(settings, MIGRATIONS_DIR) as runtime:
        async with session_scope(runtime.sessions) as session:
            accounts = Accounts(session, runtime.key_encryption_key, settings.session_ttl_seconds)
            learner = await accounts.sign_up(
                SignUp("bench@example.org", PASSWORD, "Bench Learner", "en")
            )
            token = await accounts.open_session(learner)
            learner_id, did = learner.id, learner.did
        document = micro_credential(did)
        summary = summarize(document, "ldp_vc", holder_did=did)
        for start in range(0, count, BATCH):
            async with session_scope(runtime.sessions) as session:
                learner = await session.get(Learner, learner_id)
                assert learner is not None
                store = CredentialStore(session, learner, runtime.key_encryption_key)
                for _ in range(min(BATCH, count - start)):
                    await store.add(
                        format_name="ldp_vc",
                        document=document,
                        summary=summary,
                        issuer_id=str(summary["issuer_id"]),
                        source="import",
                        status="valid",
                    )
    return token


async def timed(client: httpx.AsyncClient, path: str, requests: int) -> list[float]:
    latencies = []
    for _ in range(requests):
        started = time.perf_counter()
        response = await client.get(path)
        latencies.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise SystemExit(f"GET {path}: {response.status_code} {response.text[:300]}")
    return latencies


def percentile(latencies: list[float], fraction: float) -> float:
    ordered = sorted(latencies)
    return ordered[max(0, int(len(ordered) * fraction + 0.5) - 1)] * 1000


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="credstack-bench-") as tmp:
        data_dir = Path(tmp) / "data"
        data_dir.mkdir()
        settings = HolderSettings(
            data_dir=data_dir, database_url=args.database_url, seed_demo=False
        )
        started = time.perf_counter()
        token = await seed(settings, args.credentials)
        seeded = time.perf_counter() - started
        port = _free_port()
        base_url = f"http://127.0.0.1:{port}"
        prefixes = ("CREDSTACK_", "ISSUER_", "HOLDER_", "VERIFIER_")
        env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
        env |= {
            "CREDSTACK_DATA_DIR": str(data_dir),
            "CREDSTACK_ENV": "development",
            "CREDSTACK_WORKERS": "1",
            "HOLDER_SEED_DEMO": "false",
            "HOLDER_PUBLIC_BASE_URL": base_url,
        }
        if args.database_url:
            env["HOLDER_DATABASE_URL"] = args.database_url
        command = [sys.executable, "-m", "credstack", "serve", "holder", "--port", str(port)]
        with (Path(tmp) / "holder.log").open("w") as log:
            process = await asyncio.create_subprocess_exec(
                *command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        try:
            await _wait_until_healthy(base_url, process, name="wallet")
            rows = await measure(base_url, token, args.requests)
        finally:
            if process.returncode is None:
                os.killpg(process.pid, signal.SIGINT)
                await process.wait()
    print(
        f"{conditions('holder', args.database_url)}; {args.credentials} credentials for one "
        f"learner (seeded in {seeded:.1f} s); {args.requests} requests per row, one at a time"
    )
    print(f"\n  {'what':<44} {'items':>5} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}")
    for name, items, latencies in rows:
        print(
            f"  {name:<44} {items:>5} {percentile(latencies, 0.5):>7.1f} "
            f"{percentile(latencies, 0.95):>7.1f} {max(latencies) * 1000:>7.1f}"
        )
    print("\nGoal: p95 <= 50 ms for the list.")


async def measure(base_url: str, token: str, requests: int) -> list[tuple[str, int, list[float]]]:
    api_headers = {"Authorization": f"Bearer {token}"}
    async with (
        httpx.AsyncClient(base_url=base_url, headers=api_headers, timeout=60) as api,
        httpx.AsyncClient(
            base_url=base_url, headers={"Accept": "text/html"}, cookies={SESSION_COOKIE: token}
        ) as browser,
    ):
        first = await api.get("/api/v1/credentials")
        if first.status_code != 200:
            raise SystemExit(f"the API list: {first.status_code} {first.text[:300]}")
        # A page deep in the list: follow the cursor a hundred pages on.
        deep_after = await _deep_cursor(api, pages=100)
        rows = []
        for name, client, path in (
            ("page  GET / (cards, first page)", browser, "/"),
            ("page  GET /?after=… (101st page)", browser, f"/?after={deep_after}"),
            ("API   GET /api/v1/credentials", api, "/api/v1/credentials"),
            (
                "API   GET /api/v1/credentials?after=…",
                api,
                f"/api/v1/credentials?after={deep_after}",
            ),
            ("API   GET /api/v1/credentials?limit=200", api, "/api/v1/credentials?limit=200"),
        ):
            await timed(client, path, 5)  # warm up
            latencies = await timed(client, path, requests)
            items = len(first.json()) if "limit" not in path else 200
            rows.append((name, items, latencies))
        return rows


async def _deep_cursor(api: httpx.AsyncClient, pages: int) -> str:
    after = ""
    for _ in range(pages):
        page = await api.get("/api/v1/credentials", params={"after": after} if after else None)
        items = page.json()
        if not items:
            break
        after = items[-1]["id"]
    return after


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--credentials", type=int, default=10_000, help="credentials (10000)")
    parser.add_argument("--requests", type=int, default=200, help="requests per row (200)")
    parser.add_argument("--database-url", help="the wallet's database (default: SQLite file)")
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
