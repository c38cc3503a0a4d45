"""The app of one worker process of `credstack serve --workers N`.

uvicorn starts each worker with multiprocessing's spawn and builds the app there from an
import string, so nothing can be handed over but the environment: `credstack serve` names
the service in ``CREDSTACK_WORKER_SERVICE`` and puts the host, port and ``startup_done`` in
the service's own settings variables before it starts them.
"""

from __future__ import annotations

import logging
import os
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
