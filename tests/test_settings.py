"""Settings: defaults, the TOML file, and WFQ_* variables."""

from __future__ import annotations

from pathlib import Path

import pytest

from wfq import settings

ROOT = Path(__file__).resolve().parents[1]


def test_defaults_are_embedded() -> None:
    s = settings.load({})
    assert s.embedded and s.database_url == "sqlite:///wfq.sqlite"
    assert s.default_project == "<default-project>"


def test_shipped_config_file_documents_the_defaults() -> None:
    assert settings.load({}, ROOT / "config" / "wfq.toml") == settings.Settings()


def test_environment_overrides_file_and_is_typed(tmp_path: Path) -> None:
    cfg = tmp_path / "wfq.toml"
    cfg.write_text('[wfq]\napi_port = 9000\nbroker_url = "redis://x"\n')
    s = settings.load(
        {"WFQ_CONFIG": str(cfg), "WFQ_API_PORT": "9100", "WFQ_AUTH_TOKENS": "t1=p1,t2=p2"}
    )
    assert s.api_port == 9100 and s.broker_url == "redis://x" and not s.embedded
    assert s.auth_tokens == {"t1": "p1", "t2": "p2"}


def test_unknown_setting_in_file_is_rejected(tmp_path: Path) -> None:
    cfg = tmp_path / "wfq.toml"
    cfg.write_text("[wfq]\ndatabse_url = 'oops'\n")
    with pytest.raises(ValueError, match="databse_url"):
        settings.load({}, cfg)
