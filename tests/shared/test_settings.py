import stat
from pathlib import Path

import pytest

from shared.errors import ConfigurationError
from shared.settings import KEK_FILE_NAME, ServiceSettings, decode_kek, new_kek_text


class DemoSettings(ServiceSettings):
    service_name = "demo"
    default_port = 8099


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATA_DIR", "ENV", "KEY_ENCRYPTION_KEY", "DATABASE_URL", "PUBLIC_BASE_URL"):
        monkeypatch.delenv(f"CREDSTACK_{name}", raising=False)
        monkeypatch.delenv(f"DEMO_{name}", raising=False)


def test_defaults_are_an_sqlite_file_in_the_data_directory() -> None:
    settings = DemoSettings()
    assert settings.data_dir == Path(".credstack")
    assert (
        settings.resolved_database_url
        == f"sqlite+aiosqlite:///{Path('.credstack/demo.db').resolve()}"
    )
    assert settings.base_url == "http://localhost:8099"
    assert settings.is_development


def test_environment_chooses_data_dir_database_and_base_url(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CREDSTACK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DEMO_DATABASE_URL", "postgresql+asyncpg://u:p@db/demo")
    monkeypatch.setenv("DEMO_PUBLIC_BASE_URL", "https://demo.uni.example/")
    settings = DemoSettings()
    assert settings.data_dir == tmp_path
    assert settings.resolved_database_url == "postgresql+asyncpg://u:p@db/demo"
    assert settings.base_url == "https://demo.uni.example"


def test_a_service_prefix_overrides_the_node_wide_value(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CREDSTACK_DATA_DIR", str(tmp_path / "node"))
    monkeypatch.setenv("DEMO_DATA_DIR", str(tmp_path / "demo"))
    assert DemoSettings().data_dir == tmp_path / "demo"


def test_development_generates_a_private_key_encryption_key_once(tmp_path: Path) -> None:
    settings = DemoSettings(data_dir=tmp_path / "data")
    first = settings.load_key_encryption_key()
    path = tmp_path / "data" / KEK_FILE_NAME
    assert len(first) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert DemoSettings(data_dir=tmp_path / "data").load_key_encryption_key() == first


def test_production_without_a_key_encryption_key_is_refused(tmp_path: Path) -> None:
    settings = DemoSettings(data_dir=tmp_path, environment="production")
    with pytest.raises(ConfigurationError, match="CREDSTACK_KEY_ENCRYPTION_KEY"):
        settings.load_key_encryption_key()
    assert not (tmp_path / KEK_FILE_NAME).exists()


def test_production_takes_the_key_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    kek = new_kek_text()
    monkeypatch.setenv("CREDSTACK_ENV", "production")
    monkeypatch.setenv("CREDSTACK_KEY_ENCRYPTION_KEY", kek)
    settings = DemoSettings(data_dir=tmp_path)
    assert settings.load_key_encryption_key() == decode_kek(kek)
    assert settings.environment == "production"


@pytest.mark.parametrize("bad", ["not base64 !!", "c2hvcnQ"])
def test_a_malformed_key_encryption_key_is_refused_clearly(bad: str, tmp_path: Path) -> None:
    settings = DemoSettings(data_dir=tmp_path, key_encryption_key=bad)
    with pytest.raises(ConfigurationError, match="key-encryption key"):
        settings.load_key_encryption_key()
