"""``zhtj gate`` and its SFTP server without sshd (SPEC §9: nothing of one administrator is
another's): which account a key names, what a request is, and the SFTP server confined to
one folder, driven by OpenSSH's own ``sftp`` client (``sftp -D`` talks to a local server)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from zhtj_tui.commands.gate import account_of_key, authenticated_key, request_kind

KEYS = """# administrators
restrict,pty,environment="ZHTJ_ACCOUNT=13800000001" ssh-ed25519 AAAAkeyA zhtj:13800000001
restrict,pty,command="echo hi",environment="ZHTJ_ACCOUNT=13800000002" ssh-ed25519 AAAAkeyB 李四 的 电脑
restrict,pty ssh-ed25519 AAAAkeyC no account
ssh-ed25519 AAAAkeyD bare
"""


def test_account_of_key():
    assert account_of_key(KEYS, "ssh-ed25519", "AAAAkeyA") == "13800000001"
    assert account_of_key(KEYS, "ssh-ed25519", "AAAAkeyB") == "13800000002"
    assert account_of_key(KEYS, "ssh-ed25519", "AAAAkeyC") is None
    assert account_of_key(KEYS, "ssh-ed25519", "AAAAkeyD") is None
    assert account_of_key(KEYS, "ssh-rsa", "AAAAkeyA") is None  # type and key both must match
    assert account_of_key(KEYS, "ssh-ed25519", "AAAAnone") is None


def test_authenticated_key(tmp_path):
    f = tmp_path / "auth"
    f.write_text("publickey ssh-ed25519 AAAAkeyA\n")
    assert authenticated_key(str(f)) == ("ssh-ed25519", "AAAAkeyA")
    assert authenticated_key(None) is None and authenticated_key(str(tmp_path / "missing")) is None
    f.write_text("password\n")
    assert authenticated_key(str(f)) is None


@pytest.mark.parametrize("original, kind", [
    (None, "interface"), ("", "interface"), ("internal-sftp", "sftp"), ("/usr/lib/openssh/sftp-server", "sftp"),
    ("/usr/libexec/sftp-server -l INFO", "sftp"), ("scp -f /etc/passwd", "scp"), ("cat /etc/passwd", "other"),
    ("sh", "other"), ("zhtj", "other"), ("'unbalanced", "other"),
])
def test_request_kind(original, kind):
    assert request_kind(original) == kind


@pytest.fixture
def sftp_client():
    if not shutil.which("sftp"):
        if os.environ.get("CI"):
            pytest.fail("sftp is needed (apt install openssh-client)")
        pytest.skip("sftp is needed (apt install openssh-client)")


def run_sftp(root, cwd, commands: str) -> subprocess.CompletedProcess:
    batch = cwd / "batch"
    batch.write_text(commands, "utf-8")
    server = f"{sys.executable} -m zhtj_tui.sftp {root}"
    return subprocess.run(["sftp", "-D", server, "-b", str(batch)], capture_output=True, text=True, cwd=cwd,
                          timeout=60, env={**os.environ, "PYTHONPATH": os.getcwd()})


def test_sftp_server_stays_in_its_folder(tmp_path, sftp_client):
    mine, theirs, pc = tmp_path / "files" / "7", tmp_path / "files" / "8", tmp_path / "pc"
    for d in (mine, theirs, pc):
        d.mkdir(parents=True)
    (theirs / "secret.xlsx").write_bytes(b"theirs")
    (mine / "link").symlink_to(theirs)  # planted by someone else: never followed
    (pc / "up.xlsx").write_bytes(b"x" * 200_000)
    out = run_sftp(mine, pc, "put up.xlsx\nmkdir sub\nput up.xlsx sub/a.xlsx\nrename sub/a.xlsx sub/b.xlsx\n"
                             "get sub/b.xlsx back.xlsx\n-get ../8/secret.xlsx s1\n-get link/secret.xlsx s2\n"
                             f"-get {theirs}/secret.xlsx s3\n-get /etc/passwd s4\n-symlink /etc/passwd pw\n"
                             "-chmod 777 up.xlsx\ncd ..\nls -1 -a\nrm sub/b.xlsx\nrmdir sub\n")
    assert out.returncode == 0, out.stderr
    assert (pc / "back.xlsx").read_bytes() == (pc / "up.xlsx").read_bytes()
    assert (mine / "up.xlsx").stat().st_mode & 0o777 == 0o600  # chmod is not applied
    assert not list(pc.glob("s[0-9]")) and not os.path.lexists(mine / "pw")
    listing = out.stdout.split("ls -1 -a", 1)[1]
    assert "up.xlsx" in listing and "link" not in listing and "secret" not in listing
    assert sorted(os.listdir(mine)) == ["link", "up.xlsx"]


def run_gate(tmp_path, original: str | None, key: str = "AAAAkeyA") -> subprocess.CompletedProcess:
    auth = tmp_path / "auth"
    auth.write_text(f"publickey ssh-ed25519 {key}\n")
    keys = tmp_path / "authorized_keys"
    keys.write_text(KEYS)
    env = {**os.environ, "SSH_USER_AUTH": str(auth), "PYTHONPATH": os.getcwd(),
           "ZHTJ_FILES_DIR": str(tmp_path / "files"), "ZHTJ_CONFIG": str(tmp_path / "none.toml")}
    env.pop("SSH_ORIGINAL_COMMAND", None)
    if original is not None:
        env["SSH_ORIGINAL_COMMAND"] = original
    return subprocess.run([sys.executable, "-m", "zhtj_tui", "--db", f"sqlite:///{tmp_path}/z.sqlite", "gate",
                           "--keys", str(keys)], capture_output=True, text=True, timeout=60, env=env,
                          stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("original, key, words", [
    ("cat /etc/passwd", "AAAAkeyA", "不能执行命令"),
    ("scp -f /etc/passwd", "AAAAkeyA", "scp -O"),
    (None, "AAAAkeyC", "没有登记对应的管理员账号"),
    ("internal-sftp", "AAAAkeyC", "没有登记对应的管理员账号"),
    (None, "AAAAkeyA", "ssh -t"),  # no terminal: no interface
    ("internal-sftp", "AAAAkeyA", "尚未注册"),  # no such account yet: no folder to serve
])
def test_gate_refuses_with_a_message_and_runs_nothing(tmp_path, original, key, words):
    out = run_gate(tmp_path, original, key)
    assert out.returncode == 1 and words in out.stderr, out.stderr
    assert out.stdout == "" and not (tmp_path / "files").exists()
