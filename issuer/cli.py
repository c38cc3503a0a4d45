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
import sys
from pathlib import Path
from typing import Any

import httpx

from issuer.admin.dev_token import DEV_TOKEN_FILE
from issuer.cohorts import keys as cohort_keys
from issuer.settings import IssuerSettings
from shared.command_line import CommandFailed, Node, NodeApi, handle, print_json
from shared.private_files import write_private_file

DEFAULT_URL = "http://localhost:8001"
URL_ENV = "CREDSTACK_ISSUER_URL"
TOKEN_ENV = "CREDSTACK_ISSUER_TOKEN"  # noqa: S105 (the variable's name)
TIMEOUT_SECONDS = 30.0
# Creating 10,000 awards and offers takes a while; the cohort call waits for all of it.
COHORT_TIMEOUT_SECONDS = 600.0
STATUS_ACTIONS = ("revoke", "suspend", "reinstate")
LINKS_HELP = "write the offer links there (default: standard output); they hold secrets"


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
    node = NODE.options()

    achievement = sub.add_parser("achievement", help="the micro-credential catalogue")
    achievements = achievement.add_subparsers(dest="achievement_command", required=True)
    add = achievements.add_parser(
        "add", parents=[node], help="add a micro-credential from a catalogue entry (JSON)"
    )
    add.add_argument("file", type=Path, metavar="FILE", help="the catalogue entry as JSON")
    add.add_argument("--organisation", metavar="SLUG", help="the offering organisation")
    add.add_argument("--json", action="store_true", help="print the API's answer as JSON")
    handle(add, _achievement_add)
    listing = achievements.add_parser("list", parents=[node], help="list the catalogue")
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    handle(listing, _achievement_list)

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
    handle(award, _award)

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
        handle(change, _change_status)

    cohort = sub.add_parser(
        "cohort",
        parents=[node],
        help="award a micro-credential to every learner of a CSV",
        description=(
            "Safe to run again: the same file for the same micro-credential is the same "
            "upload, so after a failure (the issuer stopped, the network dropped) the same "
            "command goes on with the first cohort and writes its links file; nobody is "
            "awarded twice."
        ),
    )
    cohort.add_argument("achievement_id", metavar="ACHIEVEMENT_ID")
    cohort.add_argument("file", type=Path, metavar="FILE.csv")
    cohort.add_argument("--out", "-o", type=Path, metavar="LINKS.csv", help=LINKS_HELP)
    cohort.add_argument(
        "--email",
        action="store_true",
        help="e-mail each learner their offer (the issuer's mail must be set up); the links "
        "file then gives new offers only to the learners without an e-mailed offer",
    )
    handle(cohort, _cohort)
    links = sub.add_parser(
        "cohort-links",
        parents=[node],
        help="make a cohort's links file again (a lost file): fresh offers",
        description=(
            "Every learner who has not received the credential yet gets a new offer (and a "
            "new PIN where the file asked for one); the links of the earlier file stop "
            "working. Learners who already received it are listed as 'already received'."
        ),
    )
    links.add_argument("cohort_id", metavar="COHORT_ID")
    links.add_argument("--out", "-o", type=Path, metavar="LINKS.csv", help=LINKS_HELP)
    handle(links, _cohort_links)

    token = sub.add_parser("token", help="admin API tokens (on the issuer's own machine)")
    tokens = token.add_subparsers(dest="token_command", required=True)
    create = tokens.add_parser(
        "create", help="create an admin API token in the issuer's database; shown once"
    )
    create.add_argument("name", metavar="NAME", help="who or what will use it")
    handle(create, _token_create)


# --- the commands -------------------------------------------------------------------------


def _achievement_add(args: argparse.Namespace) -> int:
    entry = _read_json(args.file)
    if args.organisation:
        entry["organisation"] = args.organisation
    with _api(args) as api:
        created = api.call("POST", "/api/v1/achievements", json=entry).json()
    if args.json:
        print_json(created)
    else:
        print(f"{created['id']}  {_text(created.get('title'))}")
    return 0


def _achievement_list(args: argparse.Namespace) -> int:
    with _api(args) as api:
        items = api.call("GET", "/api/v1/achievements").json()
    if args.json:
        print_json(items)
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
    with _api(args) as api:
        offer = api.call(
            "POST", "/api/v1/awards", json={k: v for k, v in body.items() if v is not None}
        ).json()
    if args.json:
        print_json(offer)
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
    with _api(args) as api:
        answer = api.call("POST", path, json={"reason": args.reason}).json()
    if args.json:
        print_json(answer)
    else:
        print(f"award {answer.get('award_id', args.award_id)} is {answer.get('status', 'changed')}")
    return 0


def _cohort(args: argparse.Namespace) -> int:
    data = _read_file(args.file)
    headers = {
        "Content-Type": "text/csv",
        "Accept": "text/csv",
        # The same file for the same micro-credential is the same upload: running this
        # command again finds the first cohort instead of awarding everyone twice.
        cohort_keys.HEADER: cohort_keys.derived_key(args.achievement_id, data),
    }
    path = f"/api/v1/achievements/{args.achievement_id}/cohorts"
    if args.email:
        path += "?email_offers=true"
    with _api(args, timeout=COHORT_TIMEOUT_SECONDS) as api:
        response = api.call("POST", path, content=data, headers=headers)
        while response.status_code == 202:  # still being created: the same request waits on
            progress = response.json()
            print(
                f"credstack: cohort {progress['cohort_id']}: {progress['done']} of "
                f"{progress['row_count']} awards created; waiting…",
                file=sys.stderr,
            )
            response = api.call("POST", path, content=data, headers=headers)
    counts = _write_links(args, response)
    cohort_id = response.headers.get("location", "").rsplit("/", 1)[-1]
    if response.status_code == 200:
        print(
            f"credstack: this file was uploaded before, as cohort {cohort_id}: nobody was "
            "awarded again. New links were made; the links of earlier files no longer work.",
            file=sys.stderr,
        )
    print(f"credstack: cohort {cohort_id}: {counts}", file=sys.stderr)
    return 0


def _cohort_links(args: argparse.Namespace) -> int:
    with _api(args, timeout=COHORT_TIMEOUT_SECONDS) as api:
        response = api.call(
            "POST", f"/api/v1/cohorts/{args.cohort_id}/links", headers={"Accept": "text/csv"}
        )
    print(f"credstack: cohort {args.cohort_id}: {_write_links(args, response)}", file=sys.stderr)
    return 0


def _write_links(args: argparse.Namespace, response: httpx.Response) -> str:
    """Write the links file (to --out, else standard output); what it holds, in words."""
    text = response.text.removeprefix("\ufeff")
    if args.out is None:
        sys.stdout.write(text)
    else:
        _write_private(args.out, response.content)
    delimiter = ";" if text.split("\n", 1)[0].count(";") > 1 else ","
    rows = list(csv.DictReader(io.StringIO(text), delimiter=delimiter))
    offers = sum(row.get("status") == "new offer" for row in rows)
    emailed = sum(row.get("status") == "sent by e-mail" for row in rows)
    where = f" to {args.out}" if args.out else ""
    by_email = f"{emailed} offers sent by e-mail, " if emailed else ""
    return (
        f"{by_email}{offers} offers created, {len(rows) - offers - emailed} learners without "
        f"one (already received, or revoked); links written{where}. They are secrets shown "
        "only now: keep the file safe."
    )


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
        async with session_scope(session_factory(engine)) as session:
            token = await create_token(session, name, actor="cli")
    finally:
        await engine.dispose()
    return token


# --- talking to the issuer ------------------------------------------------------------------


def _api(args: argparse.Namespace, *, timeout: float = TIMEOUT_SECONDS) -> NodeApi:
    return NODE.api(args, timeout=timeout)


NODE = Node(
    service="issuer",
    default_url=DEFAULT_URL,
    url_env=URL_ENV,
    token_env=TOKEN_ENV,
    credential_label="an admin API token",
    how_to_get_one="`credstack issuer token create NAME` makes one",
    settings=IssuerSettings,
    token_file=DEV_TOKEN_FILE,
)


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
