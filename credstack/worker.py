"""One worker process of `credstack serve --workers N`: ``python -m credstack.worker``.

`credstack serve` names the service in ``CREDSTACK_WORKER_SERVICE`` and puts the host, port
and ``startup_done`` in the service's own settings variables before it starts the workers,
so each builds the same app from the environment alone.

Every worker listens on a socket of its own, bound to the same address with SO_REUSEPORT,
and the kernel spreads new connections over them. With one socket shared by all workers
(uvicorn's own supervisor), the worker that woke first accepted every pending connection: a
burst of keep-alive connections from a client or a proxy all landed on one worker, which did
80–100 % of the work while the others idled (docs/performance.md, "Scale-out").
"""

from __future__ import annotations

import gc
import logging
import os
import socket
from typing import TYPE_CHECKING

from credstack.services import SERVICES

if TYPE_CHECKING:
    from fastapi import FastAPI

SERVICE_VARIABLE = "CREDSTACK_WORKER_SERVICE"


def log_format(name: str) -> str:
    return f"%(levelname)s {name}: %(message)s"


def create_worker_app() -> FastAPI:
    name = os.environ[SERVICE_VARIABLE]
    logging.basicConfig(level=logging.INFO, format=log_format(f"{name}[{os.getpid()}]"))
    service = SERVICES[name]
    return service.create_app(service.settings())


def bound_socket(host: str, port: int, *, shared: bool) -> socket.socket:
    """A TCP socket bound to ``host:port``. ``shared``: other sockets of this user may bind
    it as well (SO_REUSEPORT), one per worker, the kernel choosing a worker for each new
    connection; not shared, the bind fails while anything listens there."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if shared:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def main() -> None:
    import uvicorn  # the web stack, loaded by worker processes only

    name = os.environ[SERVICE_VARIABLE]
    settings = SERVICES[name].settings()
    # Bound now, listening once uvicorn has started the app: only then does the kernel count
    # this worker among those it hands connections to.
    sock = bound_socket(settings.host, settings.bind_port, shared=True)
    # uvicorn's access log prints full paths and queries, which carry secrets; the app logs
    # requests by route template instead (shared.web.install_access_log).
    config = uvicorn.Config(create_worker_app(), log_level="info", access_log=False)
    keep_loaded_objects_out_of_collections()
    uvicorn.Server(config).run(sockets=[sock])


def keep_loaded_objects_out_of_collections() -> None:
    """What is loaded before serving (modules, the app) lives as long as the process: keep it
    out of the garbage collector's full passes, which otherwise walk some 200,000 such
    objects again and again under load (docs/performance.md, "Cohorts")."""
    gc.collect()
    gc.freeze()


if __name__ == "__main__":
    main()
