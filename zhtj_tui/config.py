"""Settings: where the database is and the policy values.

The database URL is taken from, in order: the ``--db`` flag, the ``ZHTJ_DB`` environment
variable, the ``db`` key of the config file, and finally an embedded SQLite file in the
user's data directory. Nothing is created at import time.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import platformdirs

from zhtj_tui.domain.policy import MEMBER_NO_CUTOVER, JoinAgePolicy

APP_NAME = "zhtj-tui"
CHINA_TZ = timezone(timedelta(hours=8), "CST")


def utc_now() -> datetime:
    """The system clock: naive UTC (what the database stores)."""
    return datetime.now(UTC).replace(tzinfo=None)


Clock = Callable[[], datetime]


def data_dir() -> Path:
    return Path(os.environ.get("ZHTJ_DATA_DIR") or platformdirs.user_data_dir(APP_NAME))


def state_dir() -> Path:
    return Path(os.environ.get("ZHTJ_STATE_DIR") or platformdirs.user_state_dir(APP_NAME))


def config_path() -> Path:
    return Path(os.environ.get("ZHTJ_CONFIG") or Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml")


def default_db_url() -> str:
    return f"sqlite:///{data_dir() / 'zhtj.sqlite'}"


@dataclass(frozen=True)
class Settings:
    db_url: str
    join_age: JoinAgePolicy = field(default_factory=JoinAgePolicy)
    member_no_cutover: date = MEMBER_NO_CUTOVER
    code_valid_days: int = 20
    max_failed_logins: int = 5
    lock_minutes: int = 15
    #: Display time zone (the database stores UTC).
    tz: timezone = CHINA_TZ
    animations: bool = False
    cursor_blink: bool = False
    mouse: bool = True
    #: The first-run screen offers the demo data only when asked for (``zhtj --demo``), not
    #: beside creating the real top organisation.
    offer_demo: bool = False
    #: argon2id cost (argon2-cffi's defaults); tests lower them to stay quick.
    argon2_time_cost: int = 3
    argon2_memory_cost: int = 65536
    #: How long a write keeps retrying a busy database before the user is told the server
    #: is busy, seconds (plus at most one SQLite busy timeout for the attempt under way).
    busy_seconds: float = 15.0
    clock: Clock = utc_now
    #: Where each administrator's own folder is made (``folders.files_root``); "" means
    #: ``files`` under the data directory.
    files_dir: str = ""
    #: The only account the login screen accepts (set by ``zhtj gate`` from the SSH key).
    pinned_login: str = ""
    #: Where warnings about the configuration were found (shown by the CLI).
    warnings: tuple[str, ...] = ()

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        """Today's date in the display time zone."""
        return self.local(self.clock()).date()

    def local(self, dt: datetime) -> datetime:
        return dt.replace(tzinfo=UTC).astimezone(self.tz)

    def fmt(self, dt: datetime | None, seconds: bool = False) -> str:
        if dt is None:
            return ""
        return self.local(dt).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")

    def with_(self, **changes) -> Settings:
        return replace(self, **changes)


def _read_config(path: Path) -> tuple[dict, list[str]]:
    warnings: list[str] = []
    if not path.is_file():
        return {}, warnings
    import tomllib  # only when there is a file to read

    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"配置文件 {path} 无法读取：{exc}。请修正或删除它") from None
    db = str(data.get("db", ""))
    mode = path.stat().st_mode
    has_password = ("@" in db and ":" in db.split("@")[0].split("//")[-1]) or "password=" in db.lower()
    if has_password and mode & (stat.S_IRGRP | stat.S_IROTH):
        warnings.append(
            f"配置文件 {path} 含数据库密码，但其他用户可以读取。请执行 chmod 600 {path}"
        )
    return data, warnings


class ConfigError(Exception):
    pass


def load_settings(db_flag: str | None = None, env: dict[str, str] | None = None, **overrides) -> Settings:
    env = dict(os.environ) if env is None else env
    data, warnings = _read_config(config_path())
    url = db_flag or env.get("ZHTJ_DB") or data.get("db") or default_db_url()
    policy = JoinAgePolicy()
    ja = data.get("join_age", {})
    if ja:
        try:
            policy = JoinAgePolicy(
                cutover=date.fromisoformat(str(ja.get("cutover", policy.cutover.isoformat()))),
                age_from_cutover=int(ja.get("age_from_cutover", policy.age_from_cutover)),
                age_before_cutover=int(ja.get("age_before_cutover", policy.age_before_cutover)),
            )
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"配置文件中 join_age 设置有误：{exc}") from None
    settings = Settings(
        db_url=str(url),
        join_age=policy,
        animations=bool(data.get("animations", False)),
        cursor_blink=bool(data.get("cursor_blink", False)),
        files_dir=str(env.get("ZHTJ_FILES_DIR") or data.get("files_dir", "")),
        warnings=tuple(warnings),
    )
    return replace(settings, **overrides) if overrides else settings
