"""`credstack serve --workers N`: start N worker processes of one service and keep them up.

Each worker (``python -m credstack.worker``) listens on a socket of its own on the same port
(SO_REUSEPORT; see credstack/worker.py for why). This process binds nothing (`credstack
serve` has checked that the port is free): it starts the workers, restarts one that dies,
and on SIGINT or SIGTERM stops them all (uvicorn in each finishes the requests it has).
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

from credstack.processes import stop_all
from credstack.worker import bound_socket

logger = logging.getLogger("credstack.workers")

POLL_SECONDS = 0.2
STOP_TIMEOUT_SECONDS = 15.0
# A worker that dies this soon after it started is failing to start, not crashing at work:
# restarting it for ever would hide the reason in a loop of the same log lines.
EARLY_DEATH_SECONDS = 10.0
EARLY_DEATHS_ALLOWED = 3


@dataclass
class _Worker:
    process: subprocess.Popen[bytes]
    started: float = field(default_factory=time.monotonic)


def port_is_free(host: str, port: int) -> bool:
    """Whether nothing listens on ``host:port`` yet, not even workers of another credstack
    (SO_REUSEPORT would let those share the port with ours without a word)."""
    try:
        bound_socket(host, port, shared=False).close()
    except OSError:
        return False
    return True


def run_workers(host: str, port: int, count: int) -> int:
    """Run ``count`` workers until a signal asks us to stop (0) or they cannot start (1).
    The caller has checked ``port_is_free`` (before its migrations, so a second start on a
    busy port changes nothing)."""
    stopping = False

    def stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    workers = [_start() for _ in range(count)]
    early_deaths = 0
    try:
        while not stopping:
            time.sleep(POLL_SECONDS)
            for index, worker in enumerate(workers):
                code = worker.process.poll()
                if code is None or stopping:
                    continue
                lived = time.monotonic() - worker.started
                early_deaths = early_deaths + 1 if lived < EARLY_DEATH_SECONDS else 0
                if early_deaths > EARLY_DEATHS_ALLOWED:
                    logger.error("Workers keep failing to start (exit %s); stopping.", code)
                    return 1
                logger.warning(
                    "Worker %s exited (code %s) after %.0f s; starting another.",
                    worker.process.pid,
                    code,
                    lived,
                )
                workers[index] = _start()
        return 0
    finally:
        stop_all((worker.process for worker in workers), STOP_TIMEOUT_SECONDS)


def _start() -> _Worker:
    # The environment carries the service and its settings (credstack/cli.py sets them).
    command = [sys.executable, "-m", "credstack.worker"]
    return _Worker(subprocess.Popen(command))  # noqa: S603 (our own argv)
