"""Real processes for end-to-end tests: free ports and the `credstack` command."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


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
