"""``zhtj gate``: what sshd runs for every connection of the shared ``zhtj`` user
(``ForceCommand /opt/zhtj/.venv/bin/zhtj gate`` with ``ExposeAuthInfo yes``; see
``deploy/sshd_config.d/zhtj.conf``).

Each administrator has one line in ``~zhtj/.ssh/authorized_keys`` (owned by root)::

    restrict,pty,environment="ZHTJ_ACCOUNT=13800000000" ssh-ed25519 AAAA… 张三

sshd leaves ``environment=`` alone (``PermitUserEnvironment`` is off): the gate reads the
line itself. It finds the key the connection was authenticated with (the file named by
``SSH_USER_AUTH``), takes the account from that key's line, and then, by what the client
asked for (``SSH_ORIGINAL_COMMAND``):

- nothing (``ssh -t zhtj@server``, PuTTY, Windows Terminal): the interface, with the login
  fixed to that account (the password is still asked);
- the sftp subsystem (``sftp``, WinSCP, ``scp`` of OpenSSH 9 and later): an SFTP server
  confined to that account's own folder (``zhtj_tui.sftp``);
- anything else (a shell, a command, the old scp protocol, a key without an account):
  refused with a message; nothing is run.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

KEY_TYPES = ("ssh-", "ecdsa-", "sk-")
ACCOUNT_OPTION = "ZHTJ_ACCOUNT="

NO_ACCOUNT = ("这把 SSH 密钥没有登记对应的管理员账号，无法使用。请把公钥和您的手机号码发给服务器管理员，"
              "由其在 authorized_keys 中登记")
NO_COMMANDS = ("此服务器只提供智慧团建终端版和 sftp 文件传输，不能执行命令或打开 shell。"
               "请直接连接（ssh -t），传文件请用 sftp 或 WinSCP")
OLD_SCP = ("不支持旧式 scp 协议（scp -O）。请用 sftp 或 WinSCP；OpenSSH 9 及以后的 scp 默认使用 sftp 方式，"
           "去掉 -O 即可")
NEED_TTY = "请在终端中连接（ssh -t），或用 PuTTY / Windows Terminal 登录后使用"
NOT_REGISTERED = "该密钥登记的账号尚未注册，还没有自己的文件夹。请先用 ssh 登录终端版完成注册"
DEACTIVATED = "该账号的管理员身份已停用，不能再传输文件。如有疑问请联系上级组织管理员"


def register(sub) -> None:
    g = sub.add_parser("gate", help="SSH 入口（由 sshd 的 ForceCommand 调用）：界面、或限于本人文件夹的 sftp")
    g.add_argument("--keys", metavar="FILE", help="登记账号的 authorized_keys 文件（默认 ~/.ssh/authorized_keys）")
    g.set_defaults(func=cmd_gate)


def _split_options(line: str) -> tuple[str, str] | None:
    """(options, key) of an authorized_keys line, or None for a comment or blank line."""
    line = line.strip()
    if not line or line.startswith("#"):
        return None
    if line.startswith(KEY_TYPES):
        return "", line
    quoted = False
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch in " \t" and not quoted:
            return line[:i], line[i:].strip()
    return None


def _options(text: str) -> list[str]:
    out, cur, quoted = [], [], False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            out.append("".join(cur))
            cur = []
            continue
        cur.append(ch)
    out.append("".join(cur))
    return out


def account_of_key(keys_text: str, key_type: str, key_blob: str) -> str | None:
    """The ``ZHTJ_ACCOUNT`` of the line holding this public key."""
    for line in keys_text.splitlines():
        parts = _split_options(line)
        if parts is None:
            continue
        options, key = parts
        fields = key.split()
        if len(fields) < 2 or fields[0] != key_type or fields[1] != key_blob:
            continue
        for opt in _options(options):
            name, _, value = opt.partition("=")
            if name.strip().lower() == "environment":
                value = value.strip().strip('"')
                if value.startswith(ACCOUNT_OPTION):
                    return value[len(ACCOUNT_OPTION):].strip() or None
        return None
    return None


def authenticated_key(auth_file: str | None) -> tuple[str, str] | None:
    """The public key sshd accepted for this connection (``ExposeAuthInfo``)."""
    if not auth_file:
        return None
    try:
        text = Path(auth_file).read_text("utf-8")
    except OSError:
        return None
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 3 and fields[0] == "publickey":
            return fields[1], fields[2]
    return None


def request_kind(original: str | None) -> str:
    """'interface', 'sftp', 'scp' or 'other' for SSH_ORIGINAL_COMMAND."""
    if not original or not original.strip():
        return "interface"
    try:
        words = shlex.split(original)
    except ValueError:
        return "other"
    if not words:
        return "interface"
    program = os.path.basename(words[0])
    if words[0] == "internal-sftp" or program == "sftp-server":
        return "sftp"
    if program == "scp":
        return "scp"
    return "other"


def _refuse(message: str) -> int:
    print(f"智慧团建：{message}", file=sys.stderr)
    return 1


def cmd_gate(args, ctx) -> int:
    keys_file = Path(args.keys or os.path.expanduser("~/.ssh/authorized_keys"))
    key = authenticated_key(os.environ.get("SSH_USER_AUTH"))
    try:
        keys_text = keys_file.read_text("utf-8")
    except OSError:
        keys_text = ""
    login = account_of_key(keys_text, *key) if key else None
    if login is None:
        return _refuse(NO_ACCOUNT)
    kind = request_kind(os.environ.get("SSH_ORIGINAL_COMMAND"))
    if kind == "scp":
        return _refuse(OLD_SCP)
    if kind == "other":
        return _refuse(NO_COMMANDS)
    if kind == "sftp":
        return _sftp(ctx, login)
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        return _refuse(NEED_TTY)
    from zhtj_tui.app import make_app

    settings = ctx.settings.with_(pinned_login=login)
    if args.no_mouse:
        settings = settings.with_(mouse=False)
    app = make_app(settings)
    app.run(mouse=settings.mouse)
    return int(app.return_code or 0)


def _sftp(ctx, login: str) -> int:
    from zhtj_tui.domain.errors import DomainError
    from zhtj_tui.folders import account_folder, files_root
    from zhtj_tui.sftp import serve_stdio

    accounts = ctx.services.accounts
    try:
        account_id = accounts.resolve_account(login)
    except DomainError:
        return _refuse(NOT_REGISTERED)
    if not accounts.session(account_id).roles:
        return _refuse(DEACTIVATED)
    return serve_stdio(account_folder(files_root(ctx.settings), account_id))
