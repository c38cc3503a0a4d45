"""The `credstack` command line."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import uvicorn

from credstack.services import SERVICES
from credstack.supervisor import run_all
from credstack.worker import SERVICE_VARIABLE, keep_loaded_objects_out_of_collections, log_format
from issuer.cli import add_issuer_commands
from shared.errors import CredstackError
from shared.settings import new_kek_text
from verifier.cli import add_verifier_commands

WORKERS_HELP = "worker processes per service (default $CREDSTACK_WORKERS, else one per CPU core)"


def _worker_count(text: str) -> int:
    count = int(text) if text.isdigit() else 0
    if count < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of processes (1 or more)")
    return count


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="credstack", description="Issue, hold and verify EU micro-credentials."
    )
    parser.add_argument(
        "--data-dir", help="data directory (default ./.credstack, or $CREDSTACK_DATA_DIR)"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run one service with uvicorn")
    serve.add_argument("service", choices=sorted(SERVICES))
    serve.add_argument("--host", default=None, help="interface to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="port (8001/8002/8003 by default)")
    serve.add_argument("--workers", type=_worker_count, default=None, help=WORKERS_HELP)
    serve.set_defaults(handler=_serve)

    up = commands.add_parser("up", help="run all three services and print where to click")
    up.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    up.add_argument("--workers", type=_worker_count, default=None, help=WORKERS_HELP)
    up.set_defaults(handler=_up)

    migrate = commands.add_parser("migrate", help="apply database migrations")
    migrate.add_argument(
        "services", nargs="*", metavar="SERVICE", help="issuer, holder, verifier (default: all)"
    )
    migrate.set_defaults(handler=_migrate)

    kek = commands.add_parser("kek", help="print a new random key-encryption key")
    kek.set_defaults(handler=lambda _args: print(new_kek_text()) or 0)

    demo = commands.add_parser(
        "demo",
        help="check running services: award → receive → request → present → verified",
        description=(
            "Runs the whole journey over HTTP against running services, printing each step "
            "and its time; exits 1 naming the step that failed. URLs default to the services' "
            "public-URL settings; tokens to a development node's token files."
        ),
    )
    demo.add_argument("--issuer", help="the issuer's base URL")
    demo.add_argument("--wallet", help="the wallet's base URL")
    demo.add_argument("--verifier", help="the verifier's base URL")
    demo.add_argument(
        "--issuer-token", default=os.environ.get("CREDSTACK_ISSUER_TOKEN"), help="admin token"
    )
    demo.add_argument(
        "--verifier-token",
        default=os.environ.get("CREDSTACK_VERIFIER_TOKEN"),
        help="an employer's API token",
    )
    demo.set_defaults(handler=_demo)

    add_issuer_commands(commands)
    add_verifier_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.data_dir:
        # Through the environment, so child processes and every service see the same directory.
        os.environ["CREDSTACK_DATA_DIR"] = args.data_dir
    try:
        return int(args.handler(args))
    except CredstackError as exc:
        print(f"credstack: {exc.description}")
        return 2


def _serve(args: argparse.Namespace) -> int:
    service = SERVICES[args.service]
    logging.basicConfig(level=logging.INFO, format=log_format(args.service))
    settings = service.settings(host=args.host, port=args.port, workers=args.workers)
    # Refuse a production start without a key, or over plain http, before binding.
    settings.load_key_encryption_key()
    settings.check_can_start()
    app = service.create_app(settings)
    # uvicorn's access log prints full paths and queries, which carry secrets; the app logs
    # requests by route template instead (shared.web.install_access_log).
    options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.bind_port,
        "log_level": "info",
        "access_log": False,
    }
    if settings.worker_count == 1:
        keep_loaded_objects_out_of_collections()
        uvicorn.run(app, **options)
        return 0
    # Several workers, each on a socket of its own (credstack/workers.py). Migrations and
    # start-up tasks run here, once, before any worker starts (shared.runtime.prepare_service).
    from credstack.workers import port_is_free, run_workers
    from shared.runtime import prepare_service  # the web stack, loaded by `serve` only

    if not port_is_free(settings.host, settings.bind_port):
        print(f"credstack: port {settings.bind_port} on {settings.host} is in use; choose another.")
        return 1
    asyncio.run(prepare_service(app))
    prefix = f"{args.service.upper()}_"
    os.environ[SERVICE_VARIABLE] = args.service
    os.environ[f"{prefix}HOST"] = settings.host
    os.environ[f"{prefix}PORT"] = str(settings.bind_port)
    os.environ[f"{prefix}STARTUP_DONE"] = "true"
    return run_workers(settings.host, settings.bind_port, settings.worker_count)


def _up(args: argparse.Namespace) -> int:
    # Before any child starts: a production node without a key is refused once, clearly,
    # and a development node's key exists before three processes look for it.
    for service in SERVICES.values():
        settings = service.settings()
        settings.load_key_encryption_key()
        settings.check_can_start()
    return run_all(args.host, workers=args.workers)


def _demo(args: argparse.Namespace) -> int:
    from credstack.demo import Endpoints, StepFailed, run_demo

    data_dir = Path(os.environ.get("CREDSTACK_DATA_DIR", ".credstack"))
    try:
        endpoints = Endpoints.from_data_dir(
            data_dir,
            issuer=args.issuer,
            wallet=args.wallet,
            verifier=args.verifier,
            issuer_token=args.issuer_token,
            verifier_token=args.verifier_token,
        )
        print("credstack demo: award → receive → request → present → verified\n", flush=True)
        journey = run_demo(endpoints, say=lambda line: print(line, flush=True))
    except StepFailed as exc:
        print(f"\ncredstack demo: FAILED at {exc}", flush=True)
        return 1
    total = sum(seconds for _, seconds in journey.timings)
    print(f"\ncredstack demo: the journey works end to end ({total:.1f} s).")
    return 0


def _migrate(args: argparse.Namespace) -> int:
    unknown = sorted(set(args.services) - set(SERVICES))
    if unknown:
        print(f"credstack: unknown service {', '.join(unknown)}; choose from {', '.join(SERVICES)}")
        return 2
    for name in args.services or sorted(SERVICES):
        service = SERVICES[name]
        settings = service.settings()
        if settings.database_url is None:
            settings.ensure_data_dir()
        asyncio.run(_upgrade(settings.resolved_database_url, service.migrations_dir))
        print(f"credstack: {name} database is up to date")
    return 0


async def _upgrade(url: str, migrations_dir: Path) -> None:
    # Loaded here, not at the top: the database stack costs the other commands a second.
    from shared.db import create_engine, upgrade_database

    engine = create_engine(url)
    try:
        await upgrade_database(engine, migrations_dir)
    finally:
        await engine.dispose()
