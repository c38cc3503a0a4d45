"""Run schemathesis over every operation of one in-process app and tally what it saw.

``load(app)`` reads the app's ``/openapi.json`` through schemathesis's ASGI client, which
starts the app's lifespan in its own event-loop thread and keeps it for the run. ``probe``
then sends a bounded, seeded number of generated requests to each operation: valid ones and
invalid ones, since a malformed request must be refused in words, never answered with a
500. Made-up identifiers mostly meet a 404 at the door, so an operation whose path
parameters are all in ``known`` (real ids made beforehand) also gets requests aimed at real
records, which reach the code behind the lookup. Nothing raises on a server error: each one
is collected, so a single run lists them all.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.python import asgi

# Per operation, generation mode and target (made-up or real ids): the three services'
# 84 operations stay within about two minutes on a 2-core machine.
EXAMPLES = 8
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


@dataclass
class ServerError:
    operation: str
    status: int
    request: str
    body: str

    def __str__(self) -> str:
        return f"{self.operation} → {self.status}\n  {self.request}\n  {self.body[:300]}"


@dataclass
class Tally:
    service: str
    operations: int = 0
    cases: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: list[ServerError] = field(default_factory=list)

    @property
    def successes(self) -> int:
        return sum(n for status, n in self.statuses.items() if 200 <= status < 300)

    def summary(self) -> str:
        statuses = " ".join(f"{status}×{n}" for status, n in sorted(self.statuses.items()))
        return (
            f"schemathesis: {self.service} {self.operations} operations, {self.cases} cases, "
            f"{len(self.server_errors)} server errors (responses: {statuses})"
        )


def load(app: FastAPI) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def client(app: Any) -> Any:
    """A requests-style session on ``app`` in schemathesis's event-loop thread."""
    return asgi.get_client(app)


def stop_apps() -> None:
    """End the lifespans schemathesis started (closing databases before they are dropped)."""
    asgi.shutdown_lifespans()


def probe(
    schema: Any,
    tally: Tally,
    base_url: str,
    headers: Callable[[str], dict[str, str]],
    *,
    known: Mapping[str, str] | None = None,
    last: Iterable[str] = (),
) -> Tally:
    """Send generated requests to every operation; ``headers(label)`` authenticates each;
    the operations named in ``last`` (logging out, say) go at the end."""
    session = client(schema.app)
    ending = list(last)
    found = [result.ok() for result in schema.get_all_operations()]
    found.sort(key=lambda op: ending.index(op.label) if op.label in ending else -1)
    for operation in found:
        tally.operations += 1
        auth = headers(operation.label)
        targets: list[dict[str, str] | None] = [None]
        real = _known_path(operation, known or {})
        if real:
            targets.append(real)
        for target in targets:
            for mode in MODES:
                strategy = operation.as_strategy(generation_mode=mode, path_parameters=target)
                _send_examples(operation.label, strategy, session, base_url, auth, tally)
    return tally


def _known_path(operation: Any, known: Mapping[str, str]) -> dict[str, str] | None:
    names = [
        p.name
        for p in operation.iter_parameters()
        if getattr(p.location, "value", p.location) == "path"
    ]
    if names and all(name in known for name in names):
        return {name: known[name] for name in names}
    return None


def _send_examples(
    label: str, strategy: Any, session: Any, base_url: str, auth: dict[str, str], tally: Tally
) -> None:
    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,  # the same cases on every run and in CI
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],  # nothing raises, so nothing to shrink
        suppress_health_check=list(HealthCheck),
    )
    def send(case: Any) -> None:
        tally.cases += 1
        response = case.call(base_url=base_url, session=session, headers=auth)
        tally.statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=[not_a_server_error])
        except (Failure, FailureGroup):
            request = case.as_curl_command(headers=auth)
            tally.server_errors.append(
                ServerError(label, response.status_code, request, response.text)
            )

    # Unsatisfiable: nothing invalid to send (no parameters, no body), so nothing to count.
    with contextlib.suppress(Unsatisfiable):
        send()
