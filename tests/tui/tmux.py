"""The real ``zhtj`` command in a real terminal: a tmux server of its own (unique socket, so
two suites can run at once), the screen read with capture-pane, and the steps every terminal
test starts with (start the program at 80x24, log in)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import make_settings
from tests.helpers import PASSWORD
from zhtj_tui.config import Settings, utc_now
from zhtj_tui.services import Services

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 30.0


class Tmux:
    def __init__(self, env: dict[str, str]):
        self.socket = f"zhtj-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.env = env

    def run(self, *args: str) -> str:
        out = subprocess.run(["tmux", "-L", self.socket, *args], env=self.env, capture_output=True, text=True,
                             timeout=10)
        if out.returncode != 0:
            raise AssertionError(f"tmux {args[0]} failed: {out.stderr}")
        return out.stdout

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "t")

    def wait_for(self, text: str, timeout: float = TIMEOUT) -> str:
        """Poll the screen until ``text`` shows (bounded: the one place polling is acceptable)."""
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} did not appear within {timeout}s; screen:\n{screen}")

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", "t", *keys)

    def type(self, text: str) -> None:
        self.run("send-keys", "-t", "t", "-l", text)

    def log_in(self, login: str, password: str = PASSWORD) -> None:
        """Wait for the login field, then type the account and the password as one burst."""
        self.wait_for("▸账号")
        self.type(f"{login}\r{password}\r")


def terminal_settings(url: str) -> Settings:
    """The settings the real program runs with on ``url`` (the wall clock)."""
    return make_settings(url).with_(clock=utc_now)


@contextmanager
def services_on(url: str, client_key: str = "tmux-test") -> Iterator[Services]:
    """Services on ``url`` for preparing or checking the database around a terminal test."""
    services = Services.open(terminal_settings(url), client_key=client_key)
    try:
        yield services
    finally:
        services.close()


@contextmanager
def zhtj_in_tmux(env: dict[str, str], url: str) -> Iterator[Tmux]:
    """The real ``zhtj`` on the database ``url`` in a new tmux server at 80x24; the server
    is killed afterwards, whatever happened."""
    tmux = Tmux(env)
    tmux.run("new-session", "-d", "-s", "t", "-x", "80", "-y", "24",
             f"{sys.executable} -m zhtj_tui --db {url} --no-mouse")
    try:
        yield tmux
    finally:
        try:
            tmux.run("kill-server")
        except AssertionError:
            pass


@pytest.fixture
def tmux_env(tmp_path):
    if shutil.which("tmux") is None:
        if os.environ.get("CI"):
            pytest.fail("CI must install tmux for the terminal test")
        pytest.skip("tmux is not installed")
    env = dict(os.environ)
    env.update({
        "PYTHONPATH": str(ROOT), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TERM": "xterm-256color",
        "ZHTJ_CONFIG": str(tmp_path / "none.toml"), "ZHTJ_STATE_DIR": str(tmp_path / "state"),
        "ZHTJ_DATA_DIR": str(tmp_path / "data"), "HOME": str(tmp_path),
    })
    env.pop("TMUX", None)
    return env
