"""Settings: where the database is (flag > ZHTJ_DB > config file > default) and the
join-age policy from the config file (R-REG-2 *public*: regions differ)."""

import os
from datetime import date

import pytest

from zhtj_tui.config import ConfigError, load_settings


@pytest.fixture
def cfg(tmp_path, monkeypatch):
    path = tmp_path / "config.toml"
    monkeypatch.setenv("ZHTJ_CONFIG", str(path))
    monkeypatch.setenv("ZHTJ_DATA_DIR", str(tmp_path / "data"))
    return path


def test_database_url_order(cfg, tmp_path):
    assert load_settings(env={}).db_url == f"sqlite:///{tmp_path / 'data' / 'zhtj.sqlite'}"
    cfg.write_text('db = "sqlite:////srv/from-config.sqlite"\n', "utf-8")
    assert load_settings(env={}).db_url == "sqlite:////srv/from-config.sqlite"
    assert load_settings(env={"ZHTJ_DB": "/srv/env.sqlite"}).db_url == "/srv/env.sqlite"
    assert load_settings("/srv/flag.sqlite", env={"ZHTJ_DB": "/srv/env.sqlite"}).db_url == "/srv/flag.sqlite"


def test_join_age_policy_from_config(cfg):
    cfg.write_text('[join_age]\ncutover = "2017-01-01"\nage_from_cutover = 14\n', "utf-8")
    policy = load_settings(env={}).join_age
    assert (policy.cutover, policy.age_from_cutover, policy.age_before_cutover) == (date(2017, 1, 1), 14, 12)


def test_bad_config_is_a_clear_error(cfg):
    cfg.write_text("db = [unclosed\n", "utf-8")
    with pytest.raises(ConfigError, match="无法读取"):
        load_settings(env={})
    cfg.write_text('[join_age]\ncutover = "someday"\n', "utf-8")
    with pytest.raises(ConfigError, match="join_age"):
        load_settings(env={})


def test_readable_password_warns(cfg):
    cfg.write_text('db = "postgresql://zhtj:secret@db:5432/zhtj"\n', "utf-8")
    os.chmod(cfg, 0o644)
    warnings = load_settings(env={}).warnings
    assert len(warnings) == 1 and "chmod 600" in warnings[0] and "secret" not in warnings[0]
    os.chmod(cfg, 0o600)
    assert load_settings(env={}).warnings == ()
