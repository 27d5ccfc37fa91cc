"""The real ``zhtj`` command in a real terminal (tmux, 80x24): log in and create one child
by keyboard, read the screen with capture-pane, then check the database via services."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import make_settings
from tests.helpers import PASSWORD
from tests.tui.flows import setup_admin
from zhtj_tui.config import utc_now
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


def test_login_and_create_child_in_tmux(tmp_path, tmux_env):
    """R-REG-5 login and R-SUB-1 creation through the real command at 80x24."""
    url = f"sqlite:///{tmp_path / 'zhtj.sqlite'}"
    settings = make_settings(url).with_(clock=utc_now)
    services = Services.open(settings, client_key="tmux-test")
    try:
        top_id, who = setup_admin(services)
    finally:
        services.close()
    tmux = Tmux(tmux_env)
    command = f"{sys.executable} -m zhtj_tui --db {url} --no-mouse"
    tmux.run("new-session", "-d", "-s", "t", "-x", "80", "-y", "24", command)
    try:
        tmux.wait_for("▸账号")  # the login field has the focus
        tmux.type(who.mobile)
        tmux.wait_for(who.mobile)
        tmux.keys("Enter")  # Enter moves to the next field
        tmux.wait_for("▸密码")
        tmux.type(PASSWORD)
        tmux.wait_for("•" * len(PASSWORD))
        tmux.keys("Enter")
        # R-PROG-1: a committee administrator first sees the progress window; Esc closes it.
        tmux.wait_for("下级组织录入进度")
        tmux.keys("Escape")
        screen = tmux.wait_for(who.name)
        assert "管理中心" in screen and "下级组织录入进度" not in screen
        assert who.name in screen and "石河子大学团委" in screen
        lines = screen.splitlines()
        assert len(lines) <= 24 and all(len(line) <= 80 for line in lines)
        tmux.keys("Tab")  # from the tree to the tabs
        tmux.wait_for("本组织信息")
        tmux.keys("Right")
        tmux.keys("Right")
        tmux.wait_for("单个创建直属下级组织")
        tmux.keys("F5")  # into the pane: the 简称 field
        tmux.wait_for("▸组织简称")
        tmux.type("师范学院团委")
        tmux.wait_for("符合命名规则")
        tmux.keys("C-s")
        screen = tmux.wait_for("本次已创建 1 个")
        assert "师范学院团委" in screen
    finally:
        try:
            tmux.run("kill-server")
        except AssertionError:
            pass
    services = Services.open(settings, client_key="tmux-test")
    try:
        session = services.accounts.login(who.mobile, PASSWORD)
        rows = services.orgs.list_children(session.actor(top_id), top_id).items
        assert [(r.short_name, r.category_name) for r in rows] == [("师范学院团委", "团委")]
    finally:
        services.close()


def test_login_typed_ahead_in_one_burst(tmp_path, tmux_env):
    """Over SSH the account, Enter, the password and Enter may arrive as one burst: each
    lands in its own field and the login goes through (FieldInput's priority Enter)."""
    url = f"sqlite:///{tmp_path / 'zhtj.sqlite'}"
    settings = make_settings(url).with_(clock=utc_now)
    services = Services.open(settings, client_key="tmux-test")
    try:
        _, who = setup_admin(services)
    finally:
        services.close()
    tmux = Tmux(tmux_env)
    tmux.run("new-session", "-d", "-s", "t", "-x", "80", "-y", "24",
             f"{sys.executable} -m zhtj_tui --db {url} --no-mouse")
    try:
        tmux.wait_for("▸账号")
        tmux.type(f"{who.mobile}\r{PASSWORD}\r")
        screen = tmux.wait_for("下级组织录入进度")  # logged in: the progress window of a committee
        assert "账号或密码不正确" not in screen
    finally:
        try:
            tmux.run("kill-server")
        except AssertionError:
            pass
