"""What one OpenID4VCI flow costs the issuer's database, per request: statements sent,
commits, connections checked out of the pool; and the server-side time of each request.

    .venv/bin/python bench/issuance_queries.py [--flows 20] [--database-url URL]

The issuer app runs in this process (httpx.ASGITransport, no network), on a fresh SQLite
data directory unless ``--database-url`` names a database; flows run one after the other
(bench/issuance.py's wallet, both formats in turn), so every statement belongs to the
request being made. SQLAlchemy's engine and pool events do the counting.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from issuance import flow, make_offers
from sqlalchemy import event

from issuer.app import create_app
from issuer.oid4vci.configurations import JWT_VC_JSON, LDP_VC
from issuer.settings import IssuerSettings

BASE_URL = "http://issuer.test"


class Counter:
    def __init__(self) -> None:
        self.now = {"statements": 0, "commits": 0, "checkouts": 0}
        self.per_step: dict[str, list[dict[str, float]]] = defaultdict(list)
        self._started = 0.0
        self._before: dict[str, int] = {}

    def listen(self, engine: Any) -> None:
        def bump(name: str) -> Any:
            def listener(*_: Any) -> None:
                self.now[name] += 1

            return listener

        event.listen(engine.sync_engine, "before_cursor_execute", bump("statements"))
        event.listen(engine.sync_engine, "commit", bump("commits"))
        event.listen(engine.sync_engine.pool, "checkout", bump("checkouts"))

    async def on_request(self, _request: httpx.Request) -> None:
        self._before = dict(self.now)
        self._started = time.perf_counter()

    async def on_response(self, response: httpx.Response) -> None:
        elapsed = (time.perf_counter() - self._started) * 1000
        path = response.request.url.path
        step = "offer" if path.startswith("/credential-offer/") else path
        counts: dict[str, float] = {k: self.now[k] - self._before[k] for k in self.now}
        self.per_step[step].append(counts | {"ms": elapsed})


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="credstack-queries-") as tmp:
        settings = IssuerSettings(
            data_dir=Path(tmp) / "data",
            database_url=args.database_url,
            public_base_url=BASE_URL,
            rate_limits_enabled=False,
        )
        app = create_app(settings)
        counter = Counter()
        async with app.router.lifespan_context(app):
            counter.listen(app.state.runtime.engine)
            offers, _ = await make_offers(settings, args.flows + 2)
            transport = httpx.ASGITransport(app=app)
            hooks: dict[str, list[Callable[..., Any]]] = {
                "request": [counter.on_request],
                "response": [counter.on_response],
            }
            async with httpx.AsyncClient(transport=transport, event_hooks=hooks) as http:
                for index, offer in enumerate(offers):
                    configuration = (LDP_VC, JWT_VC_JSON)[index % 2]
                    await flow(http, offer, configuration)
                    if index == 1:  # the first of each format warms up
                        counter.per_step.clear()
    print(f"{args.flows} flows, one at a time, in-process; per request (median):")
    print(f"  {'request':<45} {'statements':>10} {'commits':>8} {'checkouts':>9} {'ms':>7}")
    for step, rows in counter.per_step.items():
        medians = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
        print(
            f"  {step:<45} {medians['statements']:>10.0f} {medians['commits']:>8.0f} "
            f"{medians['checkouts']:>9.0f} {medians['ms']:>7.1f}"
        )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--flows", type=int, default=20)
    parser.add_argument("--database-url")
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
