"""Production is published over https: an http public URL stops the start, unless the
operator says TLS ends at a proxy in front; cookies are Secure in production always."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.errors import ConfigurationError
from shared.settings import ServiceSettings


class DemoSettings(ServiceSettings):
    service_name = "demo"
    default_port = 8099


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ENV", "PUBLIC_BASE_URL", "TLS_TERMINATED_BY_PROXY"):
        monkeypatch.delenv(f"CREDSTACK_{name}", raising=False)
        monkeypatch.delenv(f"DEMO_{name}", raising=False)


@pytest.mark.parametrize("public_base_url", ["http://wallet.uni.example", None])
def test_production_over_http_is_refused_at_start(
    tmp_path: Path, public_base_url: str | None
) -> None:
    settings = DemoSettings(
        data_dir=tmp_path, environment="production", public_base_url=public_base_url
    )
    with pytest.raises(ConfigurationError) as refused:
        settings.check_can_start()
    assert "https" in refused.value.description
    assert "CREDSTACK_TLS_TERMINATED_BY_PROXY" in refused.value.description


def test_production_over_http_starts_when_tls_ends_at_a_proxy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CREDSTACK_TLS_TERMINATED_BY_PROXY", "true")
    settings = DemoSettings(
        data_dir=tmp_path, environment="production", public_base_url="http://wallet.internal"
    )
    assert settings.tls_terminated_by_proxy
    settings.check_can_start()
    assert settings.cookies_secure


@pytest.mark.parametrize(
    ("environment", "public_base_url", "secure"),
    [
        ("production", "https://wallet.uni.example", True),
        ("development", "https://wallet.uni.example", True),
        ("development", "http://localhost:8002", False),
        ("development", None, False),
    ],
)
def test_cookies_are_secure_in_production_and_over_https(
    tmp_path: Path, environment: str, public_base_url: str | None, secure: bool
) -> None:
    settings = DemoSettings(
        data_dir=tmp_path, environment=environment, public_base_url=public_base_url
    )
    settings.check_can_start()
    assert settings.cookies_secure is secure
