"""Stopping child processes together: `credstack up` stops its services, `credstack serve
--workers N` its workers."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterable


def stop_all(processes: Iterable[subprocess.Popen[bytes]], timeout_seconds: float) -> None:
    """SIGTERM to every process still running (each finishes what it has), then wait for
    them all for ``timeout_seconds`` together; kill what is still there after that."""
    processes = list(processes)
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout_seconds
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
