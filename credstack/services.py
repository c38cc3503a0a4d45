"""The three services by name: how to build each one's settings and app.

This package is the composition root, the only code that knows all three services. An app
module is imported only when that service is served or migrated: the operator commands
(`credstack issuer …`) are HTTP calls that scripts run once per learner, and importing
three web apps would cost them seconds each time.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

from holder.settings import HolderSettings
from issuer.settings import IssuerSettings
from shared.settings import ServiceSettings
from verifier.settings import VerifierSettings

if TYPE_CHECKING:
    from fastapi import FastAPI


@dataclass(frozen=True)
class Service:
    name: str
    label: str
    settings_class: type[ServiceSettings]

    def settings(self, **overrides: Any) -> ServiceSettings:
        return self.settings_class(**{k: v for k, v in overrides.items() if v is not None})

    def create_app(self, settings: ServiceSettings) -> FastAPI:
        app: FastAPI = self._app_module().create_app(settings)
        return app

    @property
    def migrations_dir(self) -> Path:
        path: Path = self._app_module().MIGRATIONS_DIR
        return path

    def _app_module(self) -> Any:
        return import_module(f"{self.name}.app")


SERVICES: dict[str, Service] = {
    "issuer": Service("issuer", "University issuer node", IssuerSettings),
    "holder": Service("holder", "Learner wallet", HolderSettings),
    "verifier": Service("verifier", "Employer verifier", VerifierSettings),
}
