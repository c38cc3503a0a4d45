"""The docker deployment, checked without docker (the build machines have none).

The compose file is parsed as compose would read it (YAML with merge keys): every service is
built from docker/Dockerfile, answers a health check on its own port, takes its secrets from
the environment, knows all three public URLs, and migrations run before any service starts.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
COMPOSE = REPO_ROOT / "docker" / "compose.yaml"
DOCKERFILE = REPO_ROOT / "docker" / "Dockerfile"
SERVICES = {"issuer": 8001, "holder": 8002, "verifier": 8003}
SECRETS = ("CREDSTACK_KEY_ENCRYPTION_KEY", "POSTGRES_PASSWORD")
# ${NAME:?message}: compose refuses to start when NAME is not set.
REQUIRED_VARIABLE = re.compile(r"\$\{(\w+):\?[^}]*\}")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return loaded["services"]


def test_every_credstack_service_is_built_from_the_one_dockerfile(
    compose: dict[str, Any],
) -> None:
    for name in [*SERVICES, "migrate"]:
        build = compose[name]["build"]
        assert (COMPOSE.parent / build["context"] / build["dockerfile"]).resolve() == DOCKERFILE


def test_the_image_holds_every_package_the_distribution_ships() -> None:
    dockerfile = DOCKERFILE.read_text()
    for package in ("shared", "issuer", "holder", "verifier", "credstack"):
        assert f"COPY {package} ./{package}" in dockerfile


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_each_service_has_a_health_check_on_its_own_port(
    compose: dict[str, Any], name: str
) -> None:
    service = compose[name]
    port = SERVICES[name]
    assert service["command"][:3] == ["credstack", "serve", name]
    assert service["command"][service["command"].index("--port") + 1] == str(port)
    check = " ".join(service["healthcheck"]["test"])
    assert f"127.0.0.1:{port}/healthz" in check
    assert not service["healthcheck"].get("disable")


@pytest.mark.parametrize("name", [*sorted(SERVICES), "migrate"])
def test_secrets_come_from_the_environment_and_nowhere_else(
    compose: dict[str, Any], name: str
) -> None:
    environment = compose[name]["environment"]
    assert environment["CREDSTACK_ENV"] == "production"
    kek = environment["CREDSTACK_KEY_ENCRYPTION_KEY"]
    assert REQUIRED_VARIABLE.fullmatch(kek)
    assert "CREDSTACK_KEY_ENCRYPTION_KEY" in kek
    for variable in ("ISSUER_DATABASE_URL", "HOLDER_DATABASE_URL", "VERIFIER_DATABASE_URL"):
        # The password is a reference, never a value.
        assert "${POSTGRES_PASSWORD:?" in environment[variable]
    text = COMPOSE.read_text()
    for secret in SECRETS:
        for line in text.splitlines():
            if secret in line and ":" in line and not line.lstrip().startswith("#"):
                assert "${" in line, f"{secret} given a literal value: {line}"


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_service_knows_all_three_public_urls(compose: dict[str, Any], name: str) -> None:
    environment = compose[name]["environment"]
    for other in SERVICES:
        variable = f"{other.upper()}_PUBLIC_BASE_URL"
        assert REQUIRED_VARIABLE.fullmatch(environment[variable]), variable


def test_migrations_run_once_before_the_services(compose: dict[str, Any]) -> None:
    assert compose["migrate"]["command"] == ["credstack", "migrate"]
    assert compose["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in SERVICES:
        condition = compose[name]["depends_on"]["migrate"]["condition"]
        assert condition == "service_completed_successfully"


def test_the_database_has_a_health_check_and_one_database_per_service(
    compose: dict[str, Any],
) -> None:
    assert "pg_isready" in " ".join(compose["postgres"]["healthcheck"]["test"])
    init = (REPO_ROOT / "docker" / "initdb" / "01-databases.sql").read_text()
    for name in SERVICES:
        assert f"CREATE DATABASE {name};" in init
