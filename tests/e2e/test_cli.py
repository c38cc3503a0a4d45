"""The `credstack` command as an operator runs it: real processes, real ports."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.support.processes import clean_environment, credstack_command, free_port, read_until

CRASH_CODES = {-6, -11, 134, 139}  # didkit's exit-time crash shows up as SIGABRT/SIGSEGV


@pytest.mark.slow
def test_up_starts_all_three_prints_their_urls_and_stops_cleanly(tmp_path: Path) -> None:
    ports = {name: free_port() for name in ("ISSUER", "HOLDER", "VERIFIER")}
    env = clean_environment(tmp_path / "data", **{f"{k}_PORT": str(v) for k, v in ports.items()})
    with subprocess.Popen(
        credstack_command("up"),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as process:
        code = _run_then_interrupt(process, ports, tmp_path)
    assert code == 0, f"exit code {code}"
    for port in ports.values():
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)


def _run_then_interrupt(
    process: subprocess.Popen[str], ports: dict[str, int], tmp_path: Path
) -> int:
    try:
        output = read_until(process, "Press Ctrl-C to stop", timeout=90)
        for name, port in ports.items():
            assert f"http://localhost:{port}/" in output, output
            health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
            assert health.json()["service"] == name.lower()
        for database in ("issuer.db", "holder.db", "verifier.db"):
            assert (tmp_path / "data" / database).exists()
    finally:
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=30)
    return code


def test_serve_refuses_a_production_start_without_a_key_encryption_key(tmp_path: Path) -> None:
    result = subprocess.run(
        credstack_command("serve", "issuer", "--port", str(free_port())),
        env=clean_environment(tmp_path, CREDSTACK_ENV="production"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "CREDSTACK_KEY_ENCRYPTION_KEY" in result.stdout
    assert not (tmp_path / "key-encryption-key").exists()


def test_migrate_creates_every_service_database(tmp_path: Path) -> None:
    result = subprocess.run(
        credstack_command("--data-dir", str(tmp_path / "d"), "migrate"),
        env=clean_environment(tmp_path / "ignored"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for name in ("issuer", "holder", "verifier"):
        assert f"{name} database is up to date" in result.stdout
        assert (tmp_path / "d" / f"{name}.db").stat().st_size > 0
    assert result.returncode not in CRASH_CODES
