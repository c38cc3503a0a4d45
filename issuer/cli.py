"""`credstack issuer …`: an operator's commands for an issuer node, for scripts too.

Every command but ``token create`` calls the node's admin API over HTTP, so the same
commands drive a remote node (``--url`` / ``CREDSTACK_ISSUER_URL``) with a token (``--token``
/ ``CREDSTACK_ISSUER_TOKEN``). A development node writes its admin token into the data
directory, where these commands find it: they work right after ``credstack up``.
``token create`` works on the database itself, because it makes the first token, before
any exists.

Exit codes: 0 done, 1 the issuer refused or could not be reached, 2 wrong usage.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from issuer.admin.dev_token import DEV_TOKEN_FILE
from issuer.settings import IssuerSettings
from shared.private_files import write_private_file

DEFAULT_URL = "http://localhost:8001"
URL_ENV = "CREDSTACK_ISSUER_URL"
TOKEN_ENV = "CREDSTACK_ISSUER_TOKEN"  # noqa: S105 (the variable's name)
TIMEOUT_SECONDS = 30.0
# Creating 10,000 awards and offers takes a while; the cohort call waits for all of it.
COHORT_TIMEOUT_SECONDS = 600.0
STATUS_ACTIONS = ("revoke", "suspend", "reinstate")


class CommandFailed(Exception):
    """What to tell the operator, and the exit code."""

    def __init__(self, message: str, code: int = 1, details: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.details = details or []


Handler = Callable[[argparse.Namespace], int]


def add_issuer_commands(commands: Any) -> None:
    """Mount ``issuer`` and its subcommands on the ``credstack`` parser's subcommands."""
    issuer = commands.add_parser(
        "issuer",
        help="operate an issuer node: catalogue, awards, cohorts, status, tokens",
        description=(
            "Everything but `token create` calls the issuer's admin API, so it works against "
            f"a remote node too (--url or ${URL_ENV}, --token or ${TOKEN_ENV}); a development "
            "node's token is found in the data directory."
        ),
    )
    sub = issuer.add_subparsers(dest="issuer_command", required=True, metavar="COMMAND")
    node = argparse.ArgumentParser(add_help=False)
    node.add_argument("--url", help=f"the issuer's base URL (${URL_ENV}, default {DEFAULT_URL})")
    node.add_argument("--token", help=f"an admin API token (${TOKEN_ENV})")

    achievement = sub.add_parser("achievement", help="the micro-credential catalogue")
    achievements = achievement.add_subparsers(dest="achievement_command", required=True)
    add = achievements.add_parser(
        "add", parents=[node], help="add a micro-credential from a catalogue entry (JSON)"
    )
    add.add_argument("file", type=Path, metavar="FILE", help="the catalogue entry as JSON")
    add.add_argument("--organisation", metavar="SLUG", help="the offering organisation")
    add.add_argument("--json", action="store_true", help="print the API's answer as JSON")
    _handle(add, _achievement_add)
    listing = achievements.add_parser("list", parents=[node], help="list the catalogue")
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    _handle(listing, _achievement_list)

    award = sub.add_parser(
        "award", parents=[node], help="award a micro-credential and print its offer"
    )
    award.add_argument("--achievement", required=True, metavar="ID")
    award.add_argument("--name", required=True)
    award.add_argument("--email")
    award.add_argument("--student-id")
    award.add_argument("--grade")
    award.add_argument("--activity-start", metavar="YYYY-MM-DD")
    award.add_argument("--activity-end", metavar="YYYY-MM-DD")
    award.add_argument(
        "--tx-code", action="store_true", help="guard the offer with a PIN (printed once)"
    )
    award.add_argument("--json", action="store_true", help="print the offer as JSON")
    _handle(award, _award)

    for action in STATUS_ACTIONS:
        change = sub.add_parser(action, parents=[node], help=f"{action} an award")
        change.add_argument("award_id", metavar="AWARD_ID")
        # Revoking and suspending need a reason for the record; reinstating may give one.
        change.add_argument(
            "--reason",
            required=action != "reinstate",
            help="why (kept in the issuer's records only, never published)",
        )
        change.add_argument("--json", action="store_true", help="print the answer as JSON")
        change.set_defaults(status_action=action)
        _handle(change, _change_status)

    cohort = sub.add_parser(
        "cohort", parents=[node], help="award a micro-credential to every learner of a CSV"
    )
    cohort.add_argument("achievement_id", metavar="ACHIEVEMENT_ID")
    cohort.add_argument("file", type=Path, metavar="FILE.csv")
    cohort.add_argument(
        "--out",
        type=Path,
        metavar="LINKS.csv",
        help="write the offer links there (default: standard output); they hold secrets",
    )
    _handle(cohort, _cohort)

    token = sub.add_parser("token", help="admin API tokens (on the issuer's own machine)")
    tokens = token.add_subparsers(dest="token_command", required=True)
    create = tokens.add_parser(
        "create", help="create an admin API token in the issuer's database; shown once"
    )
    create.add_argument("name", metavar="NAME", help="who or what will use it")
    _handle(create, _token_create)


def _handle(parser: argparse.ArgumentParser, handler: Handler) -> None:
    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except CommandFailed as failure:
            print(f"credstack: {failure.message}", file=sys.stderr)
            for line in failure.details:
                print(f"  {line}", file=sys.stderr)
            return failure.code

    parser.set_defaults(handler=run)


# --- the commands -------------------------------------------------------------------------


def _achievement_add(args: argparse.Namespace) -> int:
    entry = _read_json(args.file)
    if args.organisation:
        entry["organisation"] = args.organisation
    with _Api(args) as api:
        created = api.call("POST", "/api/v1/achievements", json=entry).json()
    if args.json:
        _print_json(created)
    else:
        print(f"{created['id']}  {_text(created.get('title'))}")
    return 0


def _achievement_list(args: argparse.Namespace) -> int:
    with _Api(args) as api:
        items = api.call("GET", "/api/v1/achievements").json()
    if args.json:
        _print_json(items)
        return 0
    for item in items:
        status = item.get("status", "")
        print(f"{item['id']}  {status:<8}  {_text(item.get('title'))}")
    return 0


def _award(args: argparse.Namespace) -> int:
    body = {
        "achievement_id": args.achievement,
        "name": args.name,
        "email": args.email,
        "student_id": args.student_id,
        "grade": args.grade,
        "activity_start": args.activity_start,
        "activity_end": args.activity_end,
        "tx_code": args.tx_code,
    }
    with _Api(args) as api:
        offer = api.call(
            "POST", "/api/v1/awards", json={k: v for k, v in body.items() if v is not None}
        ).json()
    if args.json:
        _print_json(offer)
        return 0
    print(f"award    {offer['award_id']}")
    print(f"offer    {offer['credential_offer_uri']}")
    for label, key in (("wallet", "wallet_link"), ("QR code", "qr_png_url")):
        if offer.get(key):
            print(f"{label:<8} {offer[key]}")
    if offer.get("tx_code"):
        print(f"PIN      {offer['tx_code']}   (send it to the learner separately)")
    if offer.get("expires_at"):
        print(f"expires  {offer['expires_at']}")
    return 0


def _change_status(args: argparse.Namespace) -> int:
    path = f"/api/v1/awards/{args.award_id}/{args.status_action}"
    with _Api(args) as api:
        answer = api.call("POST", path, json={"reason": args.reason}).json()
    if args.json:
        _print_json(answer)
    else:
        print(f"award {answer.get('award_id', args.award_id)} is {answer.get('status', 'changed')}")
    return 0


def _cohort(args: argparse.Namespace) -> int:
    data = _read_file(args.file)
    with _Api(args, timeout=COHORT_TIMEOUT_SECONDS) as api:
        response = api.call(
            "POST",
            f"/api/v1/achievements/{args.achievement_id}/cohorts",
            content=data,
            headers={"Content-Type": "text/csv", "Accept": "text/csv"},
        )
    links = response.content
    cohort_id = response.headers.get("location", "").rsplit("/", 1)[-1]
    count = max(0, sum(1 for _ in csv.reader(io.StringIO(response.text))) - 1)
    if args.out is None:
        sys.stdout.write(response.text.removeprefix("\ufeff"))
    else:
        _write_private(args.out, links)
    where = f" to {args.out}" if args.out else ""
    print(
        f"credstack: cohort {cohort_id}: {count} offers created; links written{where}. "
        "They are secrets shown only now: keep the file safe.",
        file=sys.stderr,
    )
    return 0


def _token_create(args: argparse.Namespace) -> int:
    settings = IssuerSettings()
    token = asyncio.run(_create_token(settings, args.name))
    print(token)
    print(
        "credstack: this token is shown once; store it now (the issuer keeps only its hash).",
        file=sys.stderr,
    )
    return 0


async def _create_token(settings: IssuerSettings, name: str) -> str:
    # The database stack (about a second of imports) loads for this command only: every
    # other command is one HTTP call, and a script may run one per learner.
    from issuer.admin.tokens import create_token
    from issuer.app import MIGRATIONS_DIR
    from shared.db import create_engine, session_factory, session_scope, upgrade_database

    if settings.database_url is None:
        settings.ensure_data_dir()
    engine = create_engine(settings.resolved_database_url)
    try:
        if settings.is_development:  # as the service does at its start
            await upgrade_database(engine, MIGRATIONS_DIR)
        async for session in session_scope(session_factory(engine)):
            token = await create_token(session, name, actor="cli")
    finally:
        await engine.dispose()
    return token


# --- talking to the issuer ------------------------------------------------------------------


class _Api:
    """An httpx client for the issuer's admin API that turns failures into CommandFailed."""

    def __init__(self, args: argparse.Namespace, *, timeout: float = TIMEOUT_SECONDS) -> None:
        self.url = (args.url or os.environ.get(URL_ENV) or DEFAULT_URL).rstrip("/")
        token = args.token or os.environ.get(TOKEN_ENV) or _development_token()
        if not token:
            raise CommandFailed(
                f"no admin token: pass --token or set {TOKEN_ENV} "
                "(on the issuer's machine, `credstack issuer token create NAME` makes one)",
                code=2,
            )
        self._client = httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=timeout,
        )

    def __enter__(self) -> _Api:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._client.close()

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.ConnectError:
            raise CommandFailed(
                f"cannot connect: is the issuer running at {self.url}? (credstack up)"
            ) from None
        except httpx.TimeoutException:
            raise CommandFailed(f"the issuer at {self.url} did not answer in time") from None
        except httpx.HTTPError as exc:
            raise CommandFailed(f"talking to the issuer at {self.url} failed: {exc}") from None
        if response.is_success:
            return response
        raise _refusal(response)


def _refusal(response: httpx.Response) -> CommandFailed:
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or "error_description" not in body:
        return CommandFailed(f"the issuer answered HTTP {response.status_code}")
    details = [
        f"line {problem.get('line')}, {problem.get('field')}: {problem.get('reason')}"
        for problem in body.get("problems", [])
        if isinstance(problem, dict) and "line" in problem
    ]
    total = body.get("problems_total")
    if isinstance(total, int) and total > len(details) > 0:
        details.append(f"… and {total - len(details)} more")
    return CommandFailed(str(body["error_description"]), details=details)


def _development_token() -> str | None:
    """The local development node's token, from the data directory it shares with us."""
    settings = IssuerSettings()
    if not settings.is_development:
        return None
    path = settings.data_dir / DEV_TOKEN_FILE
    return path.read_text().strip() if path.is_file() else None


# --- small helpers --------------------------------------------------------------------------


def _read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CommandFailed(f"cannot read {path}: {exc.strerror}", code=2) from None


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(_read_file(path))
    except ValueError as exc:
        raise CommandFailed(f"{path} is not JSON: {exc}", code=2) from None
    if not isinstance(data, dict):
        raise CommandFailed(f"{path} must hold one JSON object (a catalogue entry)", code=2)
    return data


def _write_private(path: Path, data: bytes) -> None:
    """Only the operator may read the file: it holds every learner's offer link and PIN."""
    try:
        write_private_file(path, data)
    except OSError as exc:
        raise CommandFailed(f"cannot write {path}: {exc.strerror}", code=2) from None


def _text(value: Any) -> str:
    """A title as text: a string, or the default language of a multilingual mapping."""
    if isinstance(value, dict):
        return str(next(iter(value.values()), ""))
    return "" if value is None else str(value)


def _print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False))
