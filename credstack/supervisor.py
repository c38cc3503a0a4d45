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

from credstack.services import SERVICES
from issuer.admin.dev_token import DEV_TOKEN_FILE

READY_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 10.0


@dataclass
class Child:
    name: str
    url: str
    process: subprocess.Popen[bytes]


def run_all(host: str, names: Sequence[str] = tuple(SERVICES)) -> int:
    """Start every service, print where to click, and wait until Ctrl-C or a child dies."""
    children = [_spawn(name, host) for name in names]
    stopping = False

    def _stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
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
        _stop_all(children)


def _spawn(name: str, host: str) -> Child:
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
    # A new process group: Ctrl-C in the terminal reaches us, and we stop the children in order.
    process = subprocess.Popen(command, start_new_session=True)  # noqa: S603 (our own argv)
    shown_host = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host  # noqa: S104
    return Child(name, f"http://{shown_host}:{port}", process)


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
        print(f"  {label}  {child.url}/        API docs: {child.url}/docs")
    if any(child.name == "issuer" for child in children):
        token_file = Path(os.environ.get("CREDSTACK_DATA_DIR", ".credstack")) / DEV_TOKEN_FILE
        print(f"\n  Issuer admin sign-in (development): the token in {token_file}")
    print("\nPress Ctrl-C to stop.\n", flush=True)


def _stop_all(children: list[Child]) -> None:
    for child in children:
        if child.process.poll() is None:
            child.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    for child in children:
        try:
            child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.process.kill()
            child.process.wait()
