"""Shared-server deployment (issue 8): a real OpenSSH server on 127.0.0.1 with a throwaway
host key and user key, configured like ``deploy/sshd_config.d/zhtj.conf`` (ForceCommand
starts zhtj, no shell, no forwarding, a TTY); the client runs ``ssh -tt`` inside tmux, as
an administrator would, and the result is checked in the database."""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import make_settings
from tests.reliability.procs import ROOT
from zhtj_tui.services import Services
from zhtj_tui.services.dto import Actor

SSHD = "/usr/sbin/sshd"
BOUND = 60.0  # seconds for the whole test


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


DEPLOY_SNIPPET = ROOT / "deploy" / "sshd_config.d" / "zhtj.conf"


def _deploy_match_block(user: str, force: str) -> str:
    """The shipped ``Match User zhtj`` block, for this user and this ForceCommand."""
    text = DEPLOY_SNIPPET.read_text("utf-8")
    block = text[text.index("Match User zhtj"):]
    block = block.replace("Match User zhtj", f"Match User {user}")
    lines = [f"    ForceCommand {force}" if ln.strip().startswith("ForceCommand ") else ln
             for ln in block.splitlines()]
    assert any("ForceCommand" in ln for ln in lines) and "PermitTTY yes" in block
    return "\n".join(lines) + "\n"


class Server:
    """sshd -D on a free port, everything in ``tmp``; ``force`` is the ForceCommand."""

    def __init__(self, tmp: Path, force: str):
        self.tmp = tmp
        self.port = _free_port()
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp / "host_key")], check=True)
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp / "user_key")], check=True)
        # The deployment's authorized_keys options: no forwarding of any kind, but a TTY.
        (tmp / "authorized_keys").write_text("restrict,pty " + (tmp / "user_key.pub").read_text())
        os.chmod(tmp / "authorized_keys", 0o600)
        user = getpass.getuser()
        (tmp / "sshd_config").write_text(f"""
Port {self.port}
ListenAddress 127.0.0.1
HostKey {tmp}/host_key
PidFile {tmp}/sshd.pid
AuthorizedKeysFile {tmp}/authorized_keys
UsePAM no
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
LogLevel ERROR
{_deploy_match_block(user, force)}""")
        if os.geteuid() == 0 and not os.path.isdir("/run/sshd"):
            os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # sshd's privilege-separation dir
        subprocess.run([SSHD, "-t", "-f", str(tmp / "sshd_config")], check=True)
        self.proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(tmp / "sshd_config")],
                                     stdout=subprocess.DEVNULL, stderr=open(tmp / "sshd.log", "w"))  # noqa: SIM115
        deadline = time.monotonic() + 10
        while True:  # wait until it listens
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise AssertionError("sshd did not start: " + (tmp / "sshd.log").read_text()) from None
                time.sleep(0.05)
        self.user = user

    def ssh_command(self, *extra: str) -> list[str]:
        return ["ssh", "-tt", "-i", str(self.tmp / "user_key"), "-p", str(self.port),
                "-o", "StrictHostKeyChecking=no", "-o", f"UserKnownHostsFile={self.tmp}/known_hosts",
                "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR",
                *extra, f"{self.user}@127.0.0.1"]

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:  # pragma: no cover
            self.proc.kill()
            self.proc.wait()


class Tmux:
    """One tmux server (its own socket) with one 80x24 session running ``command``."""

    def __init__(self, command: list[str]):
        self.socket = f"zhtj-ssh-{uuid.uuid4().hex[:8]}"
        line = " ".join(_quote(c) for c in command)
        subprocess.run(["tmux", "-L", self.socket, "new-session", "-d", "-x", "80", "-y", "24", "-s", "t",
                        f"{line}; echo ZHTJ-EXIT-$?; sleep 30"], check=True)

    def screen(self) -> str:
        out = subprocess.run(["tmux", "-L", self.socket, "capture-pane", "-p", "-t", "t"],
                             capture_output=True, text=True, check=False)
        return out.stdout

    def wait_for(self, text: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while True:  # a terminal has no "done" event: poll the screen, bounded
            screen = self.screen()
            if text in screen:
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} did not appear; screen:\n{screen}")
            time.sleep(0.1)

    def keys(self, *keys: str) -> None:
        subprocess.run(["tmux", "-L", self.socket, "send-keys", "-t", "t", *keys], check=True)

    def kill(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], check=False, capture_output=True)


def _quote(s: str) -> str:
    import shlex

    return shlex.quote(s)


def _zhtj_command(tmp: Path, db_url: str, *args: str) -> str:
    """The ForceCommand: this checkout's zhtj (in CI, .venv/bin/zhtj is the same code)."""
    env = f"PYTHONPATH={ROOT} ZHTJ_STATE_DIR={tmp}/state ZHTJ_CONFIG={tmp}/none.toml TERM=xterm-256color"
    return f"env {env} {sys.executable} -m zhtj_tui --db {db_url} " + " ".join(_quote(a) for a in args)


@pytest.fixture
def ssh_tmp():
    for tool in (SSHD, shutil.which("ssh"), shutil.which("tmux"), shutil.which("ssh-keygen")):
        if not tool or not os.path.exists(tool):
            message = f"{tool or 'ssh/tmux'} is needed (apt install openssh-server openssh-client tmux)"
            if os.environ.get("CI"):
                pytest.fail(message)  # .ci/run installs them: here it is a failure, not a skip
            pytest.skip(message)
    # A short path: sshd and tmux sockets dislike long ones.
    tmp = Path(f"/tmp/zhtj-ssh-{uuid.uuid4().hex[:8]}")
    tmp.mkdir(mode=0o700)
    yield tmp
    shutil.rmtree(tmp, ignore_errors=True)


def test_forcecommand_runs_zhtj_over_ssh(ssh_tmp):
    """ssh -tt into the server runs zhtj (here ``zhtj code`` for the top organisation) and
    nothing else: the command the client asks for is ignored, no shell is reachable."""
    started = time.monotonic()
    db_url = f"sqlite:///{ssh_tmp}/zhtj.sqlite"
    svc = Services.open(make_settings(db_url), client_key="t")
    top = svc.orgs.create_top(Actor.server_operator(), "远程大学团委", "团委")
    svc.close()
    server = Server(ssh_tmp, _zhtj_command(ssh_tmp, db_url, "code", str(top.id)))
    tmux = Tmux(server.ssh_command() + ["sh", "-c", "echo SHELL-REACHED"])
    try:
        screen = tmux.wait_for("ZHTJ-EXIT-", timeout=30)
        assert "ZHTJ-EXIT-0" in screen, screen
        assert "管理员注册码" in screen and "远程大学团委" in screen
        assert "SHELL-REACHED" not in screen
        # Port forwarding is refused by the server (a remote forward is asked for at once).
        fwd = subprocess.run(server.ssh_command("-N", "-o", "ExitOnForwardFailure=yes",
                                                "-R", f"{_free_port()}:127.0.0.1:{server.port}"),
                             capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL)
        assert fwd.returncode != 0
    finally:
        tmux.kill()
        server.stop()
    # The code shown over SSH is the one in the database.
    svc = Services.open(make_settings(db_url), client_key="t")
    try:
        current = svc.codes.current(Actor.server_operator(), top.id)
        assert current is not None and current.code in screen
    finally:
        svc.close()
    assert time.monotonic() - started < BOUND


def test_login_and_create_child_over_ssh(ssh_tmp):
    """The deployment end to end: ssh -tt (in tmux, 80x24) into sshd, whose ForceCommand
    starts the interface; log in, create a child organisation by keyboard; the child is in
    the database."""
    from tests.helpers import PASSWORD, register_admin
    from zhtj_tui.config import utc_now

    started = time.monotonic()
    db_url = f"sqlite:///{ssh_tmp}/zhtj.sqlite"
    settings = make_settings(db_url).with_(clock=utc_now)
    svc = Services.open(settings, client_key="t")
    op = Actor.server_operator()
    top = svc.orgs.create_top(op, "石河子大学团委", "团委", "共青团石河子大学委员会")
    session, who = register_admin(svc, svc.codes.issue(op, top.id).code)
    svc.close()
    server = Server(ssh_tmp, "env LANG=C.UTF-8 LC_ALL=C.UTF-8 " + _zhtj_command(ssh_tmp, db_url, "--no-mouse"))
    tmux = Tmux(server.ssh_command())
    try:
        tmux.wait_for("团组织管理员登录", timeout=30)
        # Key by key with the screen in between (the interface's own tmux test does the same).
        tmux.wait_for("▸账号")
        tmux.keys("-l", who.mobile)
        tmux.wait_for(who.mobile)
        tmux.keys("Enter")
        tmux.wait_for("▸密码")
        tmux.keys("-l", PASSWORD)
        tmux.wait_for("•" * len(PASSWORD))
        tmux.keys("Enter")
        # R-PROG-1: a committee's administrator first sees the progress window.
        tmux.wait_for("下级组织录入进度")
        tmux.keys("Escape")
        screen = tmux.wait_for(who.name)
        assert "石河子大学团委" in screen
        tmux.keys("Tab")
        tmux.wait_for("本组织信息")
        tmux.keys("Right")
        tmux.keys("Right")
        tmux.wait_for("单个创建直属下级组织")
        tmux.keys("F5")
        tmux.wait_for("▸组织简称")
        tmux.keys("-l", "师范学院团委")
        tmux.wait_for("符合命名规则")
        tmux.keys("C-s")
        screen = tmux.wait_for("本次已创建 1 个")
        assert "师范学院团委" in screen
    finally:
        tmux.kill()
        server.stop()
    svc = Services.open(settings, client_key="t")
    try:
        rows = svc.orgs.list_children(session.actor(top.id), top.id).items
        assert [(r.short_name, r.category_name) for r in rows] == [("师范学院团委", "团委")]
        created = [e for e in svc.audit.recent(session.actor(top.id), top.id) if e.action == "org.create"]
        assert created and created[0].actor_label == who.name  # done by the logged-in person
    finally:
        svc.close()
    assert time.monotonic() - started < BOUND
