"""Real processes for end-to-end tests: free ports, the `credstack` command, our services.

``serving`` runs one service (``credstack serve NAME``) in development mode with its own data
directory; ``issuer_and_wallet`` runs our issuer and our wallet side by side; ``award`` does
what a registrar does through the issuer's admin API. The end-to-end and browser tests share
them.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 90


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def credstack_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "credstack", *args]


def clean_environment(data_dir: Path, **extra: str) -> dict[str, str]:
    """The parent's environment without credstack settings, plus the given ones."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CREDSTACK_", "ISSUER_", "HOLDER_", "VERIFIER_"))
    }
    env["CREDSTACK_DATA_DIR"] = str(data_dir)
    env["PYTHONUNBUFFERED"] = "1"
    # One process per service: a worker per core would start every service several times
    # over on CI's shared cores. tests/e2e/test_workers.py asks for two.
    env["CREDSTACK_WORKERS"] = "1"
    env.update(extra)
    return env


def read_until(process: subprocess.Popen[str], pattern: str, timeout: float) -> str:
    """Read the process's output until a line matches; the output so far is returned."""
    assert process.stdout is not None
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            if process.poll() is not None:
                break
            continue
        seen.append(line)
        if re.search(pattern, line):
            return "".join(seen)
    raise AssertionError(f"never saw {pattern!r}; output so far:\n{''.join(seen)}")


@dataclass
class Service:
    base_url: str
    data_dir: Path
    log: Path
    process: subprocess.Popen[bytes] | None = None

    def stop(self) -> None:
        """Stop the service before its block ends (a university that went away)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


def _wait_until_healthy(process: subprocess.Popen[bytes], service: Service) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"it exited with {process.returncode}:\n{service.log.read_text()}")
        try:
            if httpx.get(f"{service.base_url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"not healthy after {START_TIMEOUT}s:\n{service.log.read_text()}")


@contextmanager
def serving(name: str, tmp_path: Path, port: int, **env: str) -> Iterator[Service]:
    service = Service(f"http://127.0.0.1:{port}", tmp_path / name, tmp_path / f"{name}.log")
    service.data_dir.mkdir()
    with service.log.open("wb") as log:
        process = subprocess.Popen(
            credstack_command("serve", name, "--port", str(port)),
            env=clean_environment(service.data_dir, CREDSTACK_ENV="development", **env),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    service.process = process
    try:
        _wait_until_healthy(process, service)
        yield service
    finally:
        process.terminate()
        process.wait(timeout=30)
        # Shown by pytest when the test fails.
        print(f"--- {name} log ---\n{service.log.read_text()}")


@contextmanager
def issuer_and_wallet(
    tmp_path: Path, holder_env: dict[str, str] | None = None, **issuer_env: str
) -> Iterator[tuple[Service, Service]]:
    """Our issuer and our wallet as two processes; (issuer, wallet)."""
    holder_port = free_port()
    with (
        serving("holder", tmp_path, holder_port, **(holder_env or {})) as holder,
        serving(
            "issuer",
            tmp_path,
            free_port(),
            # The issuer's "open in wallet" links point at this wallet.
            ISSUER_WALLET_URL=f"http://127.0.0.1:{holder_port}",
            **issuer_env,
        ) as issuer,
    ):
        yield issuer, holder


async def award(issuer: Service, *, tx_code: bool) -> dict[str, Any]:
    """What a registrar does: award the catalogue's first micro-credential; the new offer."""
    token = (issuer.data_dir / "issuer-admin-token").read_text().strip()
    admin = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=issuer.base_url, headers=admin, timeout=30) as client:
        achievements = await client.get("/api/v1/achievements")
        assert achievements.status_code == 200, achievements.text
        created = await client.post(
            "/api/v1/awards",
            json={
                "achievement_id": achievements.json()[0]["id"],
                "name": "Maria Muster",
                "email": "maria@example.org",
                "tx_code": tx_code,
            },
        )
    assert created.status_code == 201, created.text
    offer: dict[str, Any] = created.json()
    return offer


@dataclass
class Up:
    """A running `credstack up`: what it printed until it was ready, what it has printed
    since (``so_far``); after the block, how it ended."""

    banner: str
    returncode: int | None = None
    output: str = ""
    _since_banner: list[str] = field(default_factory=list)

    def so_far(self) -> str:
        """Everything printed after the banner until now: the services' logs, for a test
        that finds a service gone."""
        return "".join(self._since_banner)


@contextmanager
def credstack_up(env: dict[str, str], timeout: float = 120) -> Iterator[Up]:
    """`credstack up` until it prints where to click; stopped with Ctrl-C (SIGINT) after.
    Its output is read all along (a full pipe would stop the services at their next log
    line) and kept in ``Up``."""
    with subprocess.Popen(
        credstack_command("up"), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True,
    ) as process:  # fmt: skip
        up = Up("")
        reader = None
        try:
            up.banner = read_until(process, "Press Ctrl-C to stop", timeout=timeout)
            stdout = process.stdout
            assert stdout is not None
            reader = threading.Thread(
                target=lambda: up._since_banner.extend(iter(stdout.readline, "")), daemon=True
            )
            reader.start()
            yield up
        finally:
            process.send_signal(signal.SIGINT)
            remaining, _ = process.communicate(timeout=60) if reader is None else ("", None)
            if reader is not None:
                process.wait(timeout=60)
                reader.join(timeout=10)
            up.output = up.so_far() + (remaining or "")
            up.returncode = process.returncode
