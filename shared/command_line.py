"""What the services' operator commands share: calling a node's API, and saying why not.

``credstack issuer …`` and ``credstack verifier …`` are HTTP calls to a running node (so a
script can drive a remote one). A failure is a ``CommandFailed``: one sentence for the
operator (the node's own ``error_description`` when it gave one) and an exit code, 1 for a
refusal or an unreachable node, 2 for wrong usage.

Kept free of the web and database stacks: scripts run these commands once per learner.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from shared.settings import ServiceSettings

Handler = Callable[[argparse.Namespace], int]


class CommandFailed(Exception):
    """What to tell the operator, and the exit code."""

    def __init__(self, message: str, code: int = 1, details: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.details = details or []


def handle(parser: argparse.ArgumentParser, handler: Handler) -> None:
    """Run ``handler`` for this (sub)command; a CommandFailed becomes a message and a code."""

    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except CommandFailed as failure:
            print(f"credstack: {failure.message}", file=sys.stderr)
            for line in failure.details:
                print(f"  {line}", file=sys.stderr)
            return failure.code

    parser.set_defaults(handler=run)


class NodeApi:
    """An httpx client for one node's API (bearer token) that turns failures into
    CommandFailed; ``service`` names the node in messages ("the issuer at …")."""

    def __init__(self, service: str, url: str, token: str, *, timeout: float) -> None:
        self.service = service
        self.url = url.rstrip("/")
        self._client = httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=timeout,
        )

    def __enter__(self) -> NodeApi:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._client.close()

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        where = f"the {self.service} at {self.url}"
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.ConnectError:
            raise CommandFailed(
                f"cannot connect: is the {self.service} running at {self.url}? (credstack up)"
            ) from None
        except httpx.TimeoutException:
            raise CommandFailed(f"{where} did not answer in time") from None
        except httpx.HTTPError as exc:
            raise CommandFailed(f"talking to {where} failed: {exc}") from None
        if response.is_success:
            return response
        raise refusal(self.service, response)


@dataclass(frozen=True)
class Node:
    """How a service's commands find its node: ``--url`` / ``$<url_env>`` (else
    ``default_url``), ``--token`` / ``$<token_env>`` (else, on a development node, the token
    file ``token_file`` that the node wrote into the data directory it shares with us)."""

    service: str  # "issuer", "verifier": named in messages
    default_url: str
    url_env: str
    token_env: str
    credential_label: str  # "an admin API token"
    how_to_get_one: str  # where to get one: "`credstack issuer token create NAME` makes one"
    settings: Callable[[], ServiceSettings]  # the service's settings class
    token_file: str

    def options(self) -> argparse.ArgumentParser:
        """``--url`` and ``--token``, for a subcommand's ``parents``."""
        node = argparse.ArgumentParser(add_help=False)
        node.add_argument(
            "--url",
            help=f"the {self.service}'s base URL (${self.url_env}, default {self.default_url})",
        )
        node.add_argument("--token", help=f"{self.credential_label} (${self.token_env})")
        return node

    def api(self, args: argparse.Namespace, *, timeout: float) -> NodeApi:
        token = args.token or os.environ.get(self.token_env) or self.development_token()
        if not token:
            raise CommandFailed(
                f"no token: pass --token or set {self.token_env} "
                f"(on the {self.service}'s machine, {self.how_to_get_one})",
                code=2,
            )
        url = args.url or os.environ.get(self.url_env) or self.default_url
        return NodeApi(self.service, url, token, timeout=timeout)

    def development_token(self) -> str | None:
        settings = self.settings()
        if not settings.is_development:
            return None
        path = settings.data_dir / self.token_file
        return path.read_text().strip() if path.is_file() else None


def refusal(service: str, response: httpx.Response) -> CommandFailed:
    """The node's ``error_description``, with its ``problems`` (a CSV's lines) as details."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or "error_description" not in body:
        return CommandFailed(f"the {service} answered HTTP {response.status_code}")
    details = [
        f"line {problem.get('line')}, {problem.get('field')}: {problem.get('reason')}"
        for problem in body.get("problems", [])
        if isinstance(problem, dict) and "line" in problem
    ]
    total = body.get("problems_total")
    if isinstance(total, int) and total > len(details) > 0:
        details.append(f"… and {total - len(details)} more")
    return CommandFailed(str(body["error_description"]), details=details)


def print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False))
