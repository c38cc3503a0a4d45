"""The three services by name: how to build each one's settings and app.

This package is the composition root, the only code that knows all three services.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from holder.app import MIGRATIONS_DIR as HOLDER_MIGRATIONS
from holder.app import create_app as create_holder
from holder.settings import HolderSettings
from issuer.app import MIGRATIONS_DIR as ISSUER_MIGRATIONS
from issuer.app import create_app as create_issuer
from issuer.settings import IssuerSettings
from shared.settings import ServiceSettings
from verifier.app import MIGRATIONS_DIR as VERIFIER_MIGRATIONS
from verifier.app import create_app as create_verifier
from verifier.settings import VerifierSettings


@dataclass(frozen=True)
class Service:
    name: str
    label: str
    settings_class: type[ServiceSettings]
    create_app: Callable[[Any], FastAPI]
    migrations_dir: Path

    def settings(self, **overrides: Any) -> ServiceSettings:
        return self.settings_class(**{k: v for k, v in overrides.items() if v is not None})


SERVICES: dict[str, Service] = {
    "issuer": Service(
        "issuer", "University issuer node", IssuerSettings, create_issuer, ISSUER_MIGRATIONS
    ),
    "holder": Service("holder", "Learner wallet", HolderSettings, create_holder, HOLDER_MIGRATIONS),
    "verifier": Service(
        "verifier", "Employer verifier", VerifierSettings, create_verifier, VERIFIER_MIGRATIONS
    ),
}
