"""`credstack verifier …`: an employer's or operator's commands, for scripts too.

``template`` and ``request`` call the verifier's API over HTTP, so they drive a remote node
(``--url`` / ``CREDSTACK_VERIFIER_URL``) with a user's token (``--token`` /
``CREDSTACK_VERIFIER_TOKEN``). A development node writes its demo user's token into the data
directory, where these commands find it: they work right after ``credstack up``.
``token create`` works on the database itself, because it makes the first token.

Exit codes: 0 done, 1 the verifier refused or could not be reached, 2 wrong usage.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from shared.command_line import CommandFailed, Node, NodeApi, handle, print_json
from verifier.employers.dev_token import DEV_TOKEN_FILE
from verifier.settings import VerifierSettings

DEFAULT_URL = "http://localhost:8003"
URL_ENV = "CREDSTACK_VERIFIER_URL"
TOKEN_ENV = "CREDSTACK_VERIFIER_TOKEN"  # noqa: S105 (the variable's name)
TIMEOUT_SECONDS = 30.0


def add_verifier_commands(commands: Any) -> None:
    """Mount ``verifier`` and its subcommands on the ``credstack`` parser's subcommands."""
    verifier = commands.add_parser(
        "verifier",
        help="use a verifier: templates, presentation requests and their results, tokens",
        description=(
            "template and request call the verifier's API, so they work against a remote "
            f"node too (--url or ${URL_ENV}, --token or ${TOKEN_ENV}); a development node's "
            "token is found in the data directory."
        ),
    )
    sub = verifier.add_subparsers(dest="verifier_command", required=True, metavar="COMMAND")
    node = NODE.options()
    as_json = argparse.ArgumentParser(add_help=False)
    as_json.add_argument("--json", action="store_true", help="print the API's answer as JSON")

    template = sub.add_parser("template", help="kinds of request")
    templates = template.add_subparsers(dest="template_command", required=True)
    handle(
        templates.add_parser("list", parents=[node, as_json], help="list the templates"),
        _template_list,
    )

    request = sub.add_parser("request", help="presentation requests")
    requests = request.add_subparsers(dest="request_command", required=True)
    create = requests.add_parser(
        "create", parents=[node, as_json], help="create a request; prints its openid4vp:// link"
    )
    create.add_argument("--template", required=True, metavar="NAME")
    create.add_argument(
        "--client-id-scheme",
        choices=("decentralized_identifier", "redirect_uri"),
        default="decentralized_identifier",
        help="how the verifier identifies itself to wallets (default: signed, by DID)",
    )
    create.add_argument(
        "--draft", action="store_true", help="for draft-era wallets (Presentation Exchange)"
    )
    handle(create, _request_create)
    show = requests.add_parser(
        "show", parents=[node, as_json], help="a request's status and every check"
    )
    show.add_argument("request_id", metavar="REQUEST_ID")
    handle(show, _request_show)

    token = sub.add_parser("token", help="API tokens (on the verifier's own machine)")
    tokens = token.add_subparsers(dest="token_command", required=True)
    token_create = tokens.add_parser(
        "create", help="create a user and an API token in the verifier's database; shown once"
    )
    token_create.add_argument("name", metavar="NAME", help="who or what will use it")
    token_create.add_argument(
        "--organisation", required=True, metavar="SLUG", help="the organisation's short name"
    )
    token_create.add_argument(
        "--organisation-name", help="creates the organisation with this name if it is new"
    )
    token_create.add_argument(
        "--operator",
        action="store_true",
        help="the user may also change the trust list, which every organisation relies on "
        "(default: a member, who may read it)",
    )
    handle(token_create, _token_create)


# --- the commands -------------------------------------------------------------------------


def _template_list(args: argparse.Namespace) -> int:
    with _api(args) as api:
        items = api.call("GET", "/api/v1/templates").json()
    if args.json:
        print_json(items)
        return 0
    for item in items:
        print(f"{item['name']:<24} {item['title']}")
    return 0


def _request_create(args: argparse.Namespace) -> int:
    body = {
        "template": args.template,
        "client_id_scheme": args.client_id_scheme,
        "era": "draft" if args.draft else "1.0",
    }
    with _api(args) as api:
        created = api.call("POST", "/api/v1/requests", json=body).json()
    if args.json:
        print_json(created)
        return 0
    print(f"request  {created['request_id']}")
    print(f"link     {created['request_uri']}")
    print(f"wallet   {created['same_device_link']}")
    print(f"QR code  {created['qr_png_url']}")
    print(f"expires  {created['expires_at']}")
    return 0


def _request_show(args: argparse.Namespace) -> int:
    with _api(args) as api:
        shown = api.call("GET", f"/api/v1/requests/{args.request_id}").json()
    if args.json:
        print_json(shown)
        return 0
    print(f"request  {shown['request_id']}  {shown['title']}")
    print(f"status   {shown['status']}")
    if shown.get("wallet_error"):
        said = shown.get("wallet_error_description") or ""
        print(f"wallet   {shown['wallet_error']} {said}".rstrip())
    for check in shown.get("checks", []):
        which = (
            f" (credential {check['credential'] + 1})"
            if check.get("credential") is not None
            else ""
        )
        print(f"  {check['outcome']:<14} {check['title']}{which}: {check['reason']}")
    return 0


def _token_create(args: argparse.Namespace) -> int:
    token = asyncio.run(
        _create_token(
            VerifierSettings(),
            args.organisation,
            args.organisation_name,
            args.name,
            operator=args.operator,
        )
    )
    print(token)
    print(
        "credstack: this token is shown once; store it now (the verifier keeps only its hash).",
        file=sys.stderr,
    )
    return 0


async def _create_token(
    settings: VerifierSettings,
    slug: str,
    organisation_name: str | None,
    user_name: str,
    *,
    operator: bool = False,
) -> str:
    # The database stack (about a second of imports) loads for this command only.
    from shared.db import create_engine, session_factory, session_scope, upgrade_database
    from verifier.app import MIGRATIONS_DIR
    from verifier.employers.service import MEMBER, OPERATOR, Employers

    if settings.database_url is None:
        settings.ensure_data_dir()
    engine = create_engine(settings.resolved_database_url)
    try:
        if settings.is_development:  # as the service does at its start
            await upgrade_database(engine, MIGRATIONS_DIR)
        async with session_scope(session_factory(engine)) as session:
            employers = Employers(session)
            organisation = await employers.find_organisation(slug)
            if organisation is None:
                if not organisation_name:
                    raise CommandFailed(
                        f"there is no organisation {slug!r}; give --organisation-name to create it",
                        code=2,
                    )
                organisation = await employers.create_organisation(slug, organisation_name)
            role = OPERATOR if operator else MEMBER
            user = await employers.add_user(organisation, user_name, role=role)
            token = await employers.create_token(user, user_name)
    finally:
        await engine.dispose()
    return token


# --- talking to the verifier ----------------------------------------------------------------


def _api(args: argparse.Namespace) -> NodeApi:
    return NODE.api(args, timeout=TIMEOUT_SECONDS)


NODE = Node(
    service="verifier",
    default_url=DEFAULT_URL,
    url_env=URL_ENV,
    token_env=TOKEN_ENV,
    credential_label="a verifier API token",
    how_to_get_one="`credstack verifier token create NAME --organisation SLUG` makes one",
    settings=VerifierSettings,
    token_file=DEV_TOKEN_FILE,
)
