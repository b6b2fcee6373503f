"""The ``[posthog]`` settings: tenantdb.toml, overridden by TENANTDB_POSTHOG_* variables; bad values refused."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tenantdb.config import PostHogSettings, load_settings
from tenantdb.errors import ConfigError


def test_without_a_key_posthog_is_off(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, environ={})
    assert settings.posthog == PostHogSettings()
    assert settings.posthog.api_key is None and not settings.posthog.enabled


def test_the_key_and_host_come_from_tenantdb_toml(tmp_path: Path) -> None:
    (tmp_path / "tenantdb.toml").write_text(
        '[posthog]\napi_key = "phc_file"\nhost = "https://eu.i.posthog.com"\nlease = "30s"\ntimeout = "5s"\n',
        encoding="utf-8",
    )
    posthog = load_settings(tmp_path, environ={}).posthog
    assert posthog.api_key == "phc_file" and posthog.host == "https://eu.i.posthog.com" and posthog.enabled
    assert posthog.lease == timedelta(seconds=30) and posthog.timeout == timedelta(seconds=5)


def test_the_environment_wins_over_the_file(tmp_path: Path) -> None:
    (tmp_path / "tenantdb.toml").write_text('[posthog]\napi_key = "phc_file"\nhost = "http://file"\n', encoding="utf-8")
    environ = {"TENANTDB_POSTHOG_API_KEY": "phc_env", "TENANTDB_POSTHOG_HOST": "http://127.0.0.1:9"}
    posthog = load_settings(tmp_path, environ=environ).posthog
    assert (posthog.api_key, posthog.host) == ("phc_env", "http://127.0.0.1:9")


def test_the_key_is_never_shown_in_the_settings_repr(tmp_path: Path) -> None:
    posthog = load_settings(tmp_path, environ={"TENANTDB_POSTHOG_API_KEY": "phc_secret"}).posthog
    assert "phc_secret" not in repr(posthog)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[posthog]\nkey = "phc"\n', r"unknown \[posthog\] setting\(s\): key"),
        ("[posthog]\napi_key = 1\n", "posthog.api_key: expected a string"),
        ('[posthog]\nhost = "eu.i.posthog.com"\n', "posthog.host"),
        ('[posthog]\nlease = "soon"\n', "posthog.lease"),
        ('[posthog]\nlease = "0s"\n', "posthog.lease"),
        ("posthog = 1\n", r"\[posthog\] must be a table"),
    ],
)
def test_bad_posthog_settings_are_refused(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "tenantdb.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_settings(tmp_path, environ={})
