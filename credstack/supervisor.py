"""`credstack up`: run the three services as separate processes and stop them together."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from credstack.processes import stop_all
from credstack.services import SERVICES
from holder.accounts.demo_login import DEMO_LOGIN_FILE
from issuer.admin.dev_token import DEV_TOKEN_FILE
from shared.credentials.microcredential.i18n import LocalizedText
from shared.settings import public_url_of
from verifier.employers.dev_token import DEV_TOKEN_FILE as VERIFIER_TOKEN_FILE

READY_TIMEOUT_SECONDS = 60.0
TRUST_LIST_FILE = "trust-list.json"
DEMO_ACCREDITATION = "Demo accreditation (development only)"
STOP_TIMEOUT_SECONDS = 10.0


@dataclass
class Child:
    name: str
    url: str
    process: subprocess.Popen[bytes]


def run_all(host: str, names: Sequence[str] = tuple(SERVICES), workers: int | None = None) -> int:
    """Start every service, print where to click, and wait until Ctrl-C or a child dies.

    The verifier starts last: in development it trusts the issuer's demo university, whose
    DID exists only once the issuer has started, so the issuer is asked for it first and
    written into the verifier's development trust list.
    """
    stopping = False
    children = [_spawn(name, host, workers) for name in names if name != "verifier"]

    def _stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        if "verifier" in names:
            if not _wait_until_ready(children, lambda: stopping):
                return 1
            if "issuer" in names:
                _trust_the_local_issuer(next(c for c in children if c.name == "issuer"))
            children.append(_spawn("verifier", host, workers))
        if not _wait_until_ready(children, lambda: stopping):
            return 1
        _print_banner(children)
        while not stopping:
            dead = [child for child in children if child.process.poll() is not None]
            if dead:
                for child in dead:
                    print(f"credstack: {child.name} exited with code {child.process.returncode}")
                return 1
            time.sleep(0.2)
        print("\ncredstack: stopping…", flush=True)
        return 0
    finally:
        stop_all((child.process for child in children), STOP_TIMEOUT_SECONDS)


def _data_dir() -> Path:
    return Path(os.environ.get("CREDSTACK_DATA_DIR", ".credstack"))


def _trust_the_local_issuer(issuer: Child) -> None:
    """Put the local issuer's organisations into the development trust list (a file the
    verifier loads at start), so that what this node issues verifies on this node."""
    if not SERVICES["verifier"].settings().is_development:
        return  # a production verifier trusts what its operator's list says, nothing more
    from verifier.trust.document import merge_into_file
    from verifier.trust.entries import TrustedIssuer

    token = (_data_dir() / DEV_TOKEN_FILE).read_text().strip()
    answer = httpx.get(
        f"{issuer.url}/api/v1/organisations",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    answer.raise_for_status()
    for organisation in answer.json():
        merge_into_file(
            _data_dir() / TRUST_LIST_FILE,
            TrustedIssuer(
                did=organisation["did"],
                name=LocalizedText.model_validate(organisation["name"]),
                country=organisation["country_code"],
                accreditation=DEMO_ACCREDITATION,
            ),
        )


def _spawn(name: str, host: str, workers: int | None) -> Child:
    service = SERVICES[name]
    port = int(os.environ.get(f"{name.upper()}_PORT", service.settings_class.default_port))
    command = [
        sys.executable,
        "-m",
        "credstack",
        "serve",
        name,
        "--host",
        host,
        "--port",
        str(port),
    ]
    if workers is not None:  # else each service reads CREDSTACK_WORKERS or counts the cores
        command += ["--workers", str(workers)]
    # A new process group: Ctrl-C in the terminal reaches us, and we stop the children in order.
    process = subprocess.Popen(command, start_new_session=True)  # noqa: S603 (our own argv)
    local_host = "127.0.0.1" if host in ("127.0.0.1", "0.0.0.0") else host  # noqa: S104
    return Child(name, f"http://{local_host}:{port}", process)


def _wait_until_ready(children: list[Child], stopping: object) -> bool:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    pending = list(children)
    while pending and time.monotonic() < deadline:
        if callable(stopping) and stopping():
            return False
        for child in list(pending):
            if child.process.poll() is not None:
                print(f"credstack: {child.name} failed to start (exit {child.process.returncode})")
                return False
            try:
                if httpx.get(f"{child.url}/healthz", timeout=1.0).status_code == 200:
                    pending.remove(child)
            except httpx.HTTPError:
                pass
        time.sleep(0.2)
    if pending:
        print("credstack: not ready in time: " + ", ".join(child.name for child in pending))
        return False
    return True


def _print_banner(children: list[Child]) -> None:
    width = max(len(SERVICES[child.name].label) for child in children)
    print("\ncredstack is running:\n")
    for child in children:
        label = SERVICES[child.name].label.ljust(width)
        url = public_url_of(child.name)
        print(f"  {label}  {url}/        API docs: {url}/docs")
    logins = [line for child in children for line in _demo_login(child.name)]
    if logins:
        print("\nDemo sign-ins (development; kept in the data directory):")
        for line in logins:
            print(f"  {line}")
    print("\nTry the whole journey from here: credstack demo")
    print("\nPress Ctrl-C to stop.\n", flush=True)


def _demo_login(name: str) -> list[str]:
    files = {
        "issuer": (DEV_TOKEN_FILE, "Issuer (registrar) admin token"),
        "holder": (DEMO_LOGIN_FILE, "Wallet learner"),
        "verifier": (VERIFIER_TOKEN_FILE, "Verifier (employer) token"),
    }
    file_name, label = files[name]
    path = _data_dir() / file_name
    if not path.is_file():
        return []
    lines = path.read_text().split()
    if name == "holder" and len(lines) == 2:
        return [f"{label}: {lines[0]}  password {lines[1]}"]
    return [f"{label}: {lines[0]}   (in {path})"] if lines else []
