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
Subsystem sftp internal-sftp
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

    def add_key(self, name: str, account: str | None) -> None:
        """Another user key, in authorized_keys as deploy/add-key.sh writes it (``account``
        None: a line without an account)."""
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(self.tmp / name)], check=True)
        key = " ".join((self.tmp / f"{name}.pub").read_text().split()[:2])
        opts = f'restrict,pty,environment="ZHTJ_ACCOUNT={account}"' if account else "restrict,pty"
        with open(self.tmp / "authorized_keys", "a") as fh:
            fh.write(f"{opts} {key} {name}\n")

    def client_options(self, key: str = "user_key") -> list[str]:
        return ["-i", str(self.tmp / key), "-o", "StrictHostKeyChecking=no",
                "-o", f"UserKnownHostsFile={self.tmp}/known_hosts", "-o", "IdentitiesOnly=yes",
                "-o", "BatchMode=yes", "-o", "LogLevel=ERROR"]

    def ssh_command(self, *extra: str, key: str = "user_key", tty: bool = True) -> list[str]:
        return ["ssh", *(["-tt"] if tty else ["-T"]), "-p", str(self.port), *self.client_options(key),
                *extra, f"{self.user}@127.0.0.1"]

    def sftp(self, key: str, commands: str, cwd: Path) -> subprocess.CompletedProcess:
        """``sftp -b``: each command's failure is allowed when it starts with ``-``."""
        batch = cwd / f"batch-{uuid.uuid4().hex[:6]}"
        batch.write_text(commands, "utf-8")
        return subprocess.run(["sftp", "-b", str(batch), "-P", str(self.port), *self.client_options(key),
                               f"{self.user}@127.0.0.1"], capture_output=True, text=True, timeout=30, cwd=cwd,
                              stdin=subprocess.DEVNULL)

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


def _filled_org_template(path: Path, parent_name: str, rows: list[tuple[str, str]]) -> Path:
    """The 批量创建 template as the program writes it, filled in as a user would."""
    from openpyxl import load_workbook

    from zhtj_tui.domain.orgs import category
    from zhtj_tui.excel.templates import write_org_template

    write_org_template(path, category("团委"), parent_name)
    wb = load_workbook(path)
    ws = wb["下级组织"]
    for i, (name, cat) in enumerate(rows, start=2):
        ws[f"A{i}"], ws[f"B{i}"] = name, cat
    wb.save(path)
    return path


def test_each_key_reaches_its_own_folder_and_interface_only(ssh_tmp):
    """The deployment of deploy/sshd_config.d/zhtj.conf with ``zhtj gate`` (SPEC §9: an
    administrator sees only what is theirs; R-SUB-2, R-CODE-4 over SSH): administrator A
    uploads a filled template with sftp into their own folder, imports it in the interface
    (ssh -tt in tmux at 80x24, login fixed to A's account), writes the codes file there and
    downloads it with sftp and with scp. Reading B's folder or a path outside, running a
    command, the old scp protocol and a key without an account are all refused."""
    from openpyxl import load_workbook

    from tests.helpers import PASSWORD, register_admin
    from zhtj_tui.config import utc_now
    from zhtj_tui.folders import account_folder

    started = time.monotonic()
    db_url = f"sqlite:///{ssh_tmp}/zhtj.sqlite"
    files = ssh_tmp / "files"
    settings = make_settings(db_url).with_(clock=utc_now, files_dir=str(files))
    svc = Services.open(settings, client_key="t")
    op = Actor.server_operator()
    top = svc.orgs.create_top(op, "远程大学团委", "团委", "共青团远程大学委员会")
    session_a, a = register_admin(svc, svc.codes.issue(op, top.id).code)
    other = svc.orgs.create_child(op, top.id, "医学院团委", "团委")
    session_b, b = register_admin(svc, svc.codes.issue(op, other.id).code)
    svc.close()
    folder_a = account_folder(files, session_a.account_id)
    folder_b = account_folder(files, session_b.account_id)
    (folder_b / "b-secret.xlsx").write_bytes(b"B's members")

    gate = ("env LANG=C.UTF-8 LC_ALL=C.UTF-8 ZHTJ_FILES_DIR=" + str(files) + " "
            + _zhtj_command(ssh_tmp, db_url, "--no-mouse", "gate", "--keys", str(ssh_tmp / "authorized_keys")))
    server = Server(ssh_tmp, gate)
    server.add_key("key_a", a.mobile)
    server.add_key("key_b", b.mobile)
    server.add_key("key_none", None)
    local = ssh_tmp / "pc"  # the administrator's own computer
    local.mkdir()
    _filled_org_template(local / "filled.xlsx", "远程大学团委", [("师范学院团委", "团委"), ("文学院团委", "团委")])
    tmux = None
    try:
        # 1. Upload with sftp: the file lands in A's folder, and A's folder is all A sees.
        up = server.sftp("key_a", "put filled.xlsx\nls -1\n", local)
        assert up.returncode == 0, up.stderr
        assert (folder_a / "filled.xlsx").read_bytes() == (local / "filled.xlsx").read_bytes()
        assert "b-secret.xlsx" not in up.stdout

        # 2. Import it in the interface, over ssh, with A's key: login fixed to A's account.
        tmux = Tmux(server.ssh_command(key="key_a"))
        screen = tmux.wait_for("团组织管理员登录", timeout=30)
        tmux.wait_for(a.mobile)  # filled in from the key, not typed
        tmux.wait_for("▸密码")
        tmux.keys("-l", PASSWORD)
        tmux.wait_for("•" * len(PASSWORD))
        tmux.keys("Enter")
        tmux.wait_for("下级组织录入进度")
        tmux.keys("Escape")
        tmux.wait_for(a.name)
        tmux.keys("F7")
        tmux.wait_for("上传文件")
        tmux.keys("-l", "filled.xlsx")
        tmux.keys("Enter")
        screen = tmux.wait_for("检查完毕")
        assert "将创建 2" in screen, screen
        tmux.keys("F9")
        tmux.wait_for("导入完成：已创建 2 个组织")
        tmux.keys("Escape")
        tmux.wait_for("管理中心")
        # 批量生成注册码 into A's folder: F5 to the tabs, ← to 下级管理, F5 into it, b, Enter.
        tmux.keys("F5")
        tmux.keys("Left")
        tmux.wait_for("注册码")
        tmux.keys("F5")
        tmux.keys("b")
        tmux.wait_for("保存到您的文件夹")
        tmux.keys("Enter")
        tmux.wait_for("注册码已保存到")
        tmux.keys("C-q")
        tmux.wait_for("ZHTJ-EXIT-")
        codes = sorted(folder_a.glob("注册码-*.xlsx"))
        assert len(codes) == 1

        # 3. Download it with sftp, and with scp (OpenSSH 9's scp speaks SFTP).
        down = server.sftp("key_a", f"get {codes[0].name} codes.xlsx\n", local)
        assert down.returncode == 0, down.stderr
        ws = load_workbook(local / "codes.xlsx", read_only=True).active
        names = {r[0] for r in ws.iter_rows(values_only=True) if r and r[0]}
        assert {"师范学院团委", "文学院团委", "医学院团委"} <= names
        scp = subprocess.run(["scp", "-P", str(server.port), *server.client_options("key_a"),
                              f"{server.user}@127.0.0.1:filled.xlsx", str(local / "again.xlsx")],
                             capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
        assert scp.returncode == 0, scp.stderr
        assert (local / "again.xlsx").read_bytes() == (local / "filled.xlsx").read_bytes()

        # 4. Refused: B's folder, paths outside, links, commands, old scp, unknown keys.
        targets = (f"../{folder_b.name}/b-secret.xlsx", str(folder_b / "b-secret.xlsx"), "/etc/passwd",
                   "../../zhtj.sqlite", str(ssh_tmp / "zhtj.sqlite"), "pw")
        tries = "-symlink /etc/passwd pw\n" + "".join(f"-get {t} stolen{i}\n" for i, t in enumerate(targets))
        tricks = server.sftp("key_a", tries + "cd ..\ncd ..\nls -1 -a\n", local)
        assert not list(local.glob("stolen*")), tricks.stdout
        assert not os.path.lexists(folder_a / "pw")
        listing = tricks.stdout.split("ls -1 -a", 1)[1]  # after "cd .." twice: still A's own folder
        assert "filled.xlsx" in listing and "b-secret" not in listing and "zhtj.sqlite" not in listing
        theirs = server.sftp("key_b", "ls -1\n", local)
        assert theirs.returncode == 0 and "b-secret.xlsx" in theirs.stdout and "filled.xlsx" not in theirs.stdout
        for key, command, words in (("key_a", ["cat", "/etc/passwd"], "不能执行命令"),
                                    ("key_none", [], "没有登记对应的管理员账号")):
            run = subprocess.run(server.ssh_command(key=key, tty=False) + command,
                                 capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
            assert run.returncode != 0 and words in run.stderr, (command, run.stderr)
            assert "root:" not in run.stdout and "uid=" not in run.stdout
        old = subprocess.run(["scp", "-O", "-P", str(server.port), *server.client_options("key_a"),
                              f"{server.user}@127.0.0.1:/etc/passwd", str(local / "pw")],
                             capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
        assert old.returncode != 0 and not (local / "pw").exists()
        assert "scp -O" in old.stderr
        no_account = server.sftp("key_none", "ls\n", local)
        assert no_account.returncode != 0
    finally:
        if tmux is not None:
            tmux.kill()
        server.stop()
    assert time.monotonic() - started < 2 * BOUND
