"""``[runner]`` lock-wait settings: documented defaults, and bad values refused with a clear ConfigError."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tenantdb.config import RunnerSettings, load_settings
from tenantdb.errors import ConfigError


def runner_settings(tmp_path: Path, body: str) -> RunnerSettings:
    (tmp_path / "tenantdb.toml").write_text(f"[runner]\n{body}\n", encoding="utf-8")
    return load_settings(tmp_path, environ={}).runner


def test_defaults_start_well_under_100ms_and_grow_to_lock_timeout(tmp_path: Path) -> None:
    runner = runner_settings(tmp_path, "")
    assert runner.lock_timeout_start < timedelta(milliseconds=100)
    assert runner.lock_timeout_start <= runner.lock_timeout
    assert runner.lock_timeout == timedelta(milliseconds=500)


def test_lock_timeout_start_is_read(tmp_path: Path) -> None:
    runner = runner_settings(tmp_path, 'lock_timeout_start = "40ms"\nlock_timeout = "2s"')
    assert runner.lock_timeout_start == timedelta(milliseconds=40)
    assert runner.lock_timeout == timedelta(seconds=2)


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ('lock_timeout_start = "0"', "lock_timeout_start must be longer than 0"),
        ('lock_timeout = "0"', "lock_timeout must be longer than 0"),
        ('lock_timeout_start = "1s"\nlock_timeout = "200ms"', "lock_timeout_start (1s) is longer than lock_timeout"),
        ('lock_retry_budget = "0"', "lock_retry_budget must be longer than 0"),
        ('retry_base_delay = "0"', "retry_base_delay must be longer than 0"),
        ('retry_base_delay = "5s"\nretry_max_delay = "1s"', "retry_base_delay (5s) is longer than retry_max_delay"),
        ('lock_timeout_start = "soon"', "runner.lock_timeout_start: 'soon' is not a duration"),
    ],
)
def test_bad_lock_wait_settings_are_refused(tmp_path: Path, body: str, says: str) -> None:
    with pytest.raises(ConfigError) as raised:
        runner_settings(tmp_path, body)
    assert says in raised.value.message


def test_config_docstring_documents_every_runner_key() -> None:
    from tenantdb import config

    assert config.__doc__ is not None
    for key in ("lock_timeout_start", "lock_timeout", "lock_retry_budget", "retry_base_delay", "retry_max_delay"):
        assert f"    {key} = " in config.__doc__, key
