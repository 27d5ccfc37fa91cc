"""Each administrator's own folder: where the program writes and reads files for them.

On a shared server every administrator runs the program as the same system user, so the
program itself keeps their files apart: each account has a folder ``<files root>/<account
id>`` (mode 0700, created the first time it is needed), the interface's file dialogs open
there, complete names only there, and refuse a path that leads anywhere else (``..``, an
absolute path, a symbolic link pointing out). The deployment's SFTP access (``zhtj
gate``) is confined to the same folder, so what an administrator uploads is what the
interface reads, and what the interface writes is what they download.

The files root is the ``files_dir`` setting, by default ``files`` under the data directory.
The server operator at the command line is not confined (``Folder(None)``).

Standard library only."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from zhtj_tui.domain.errors import DomainError

FOLDER_MODE = 0o700
#: DomainError.code of a path outside the administrator's folder.
OUTSIDE = "outside_folder"


def files_root(settings) -> Path:
    """The folder holding every administrator's folder."""
    if getattr(settings, "files_dir", ""):
        return Path(settings.files_dir).expanduser().absolute()
    from zhtj_tui.config import data_dir

    return data_dir().absolute() / "files"


def account_folder(root: str | os.PathLike, account_id: int, create: bool = True) -> Path:
    """``root/<account_id>``; with ``create`` made (0700, and the root too) if missing, and
    its mode put back to 0700 if someone widened it."""
    if not isinstance(account_id, int) or isinstance(account_id, bool) or account_id <= 0:
        raise ValueError("account_id must be a positive integer")
    root = Path(root)
    folder = root / str(account_id)
    if create:
        for p in (root, folder):
            try:
                p.mkdir(mode=FOLDER_MODE, parents=p is root)
            except FileExistsError:
                pass
            if p.is_symlink() or not p.is_dir():
                raise DomainError(f"{p} 不是文件夹，无法存放文件。请联系服务器管理员", "path", "folder_broken")
            if p.stat().st_mode & 0o777 != FOLDER_MODE:
                os.chmod(p, FOLDER_MODE)
    return folder


def folder_for(settings, actor) -> Folder:
    """The folder the interface uses for ``actor``: their own, or none for the operator."""
    if actor is None or getattr(actor, "operator", False) or actor.account_id is None:
        return Folder(None)
    return Folder(account_folder(files_root(settings), actor.account_id))


def safe_file_name(text: str, fallback: str = "文件") -> str:
    """``text`` with the characters a file name cannot hold replaced."""
    return re.sub(r'[\\/:*?"<>|\s]+', "_", text).strip("_.") or fallback


@dataclass(frozen=True)
class Folder:
    """Where typed file names are taken from. ``path`` None: anywhere (``~`` expanded)."""

    path: Path | None

    @property
    def confined(self) -> bool:
        return self.path is not None

    def default(self, name: str) -> str:
        """The text to put in a file box: the bare name in an own folder, ``~/name`` else."""
        return name if self.confined else str(Path("~") / name)

    def where(self) -> str:
        """A sentence naming the folder, for the screens."""
        if self.path is None:
            return ""
        return f"文件在您自己的文件夹中（{self.path}，用 sftp 或 WinSCP 上传、下载），只需输入文件名"

    def shown(self, path: str | os.PathLike) -> str:
        """How to name ``path`` to the user: its name within the folder, or as it is."""
        if self.path is not None:
            try:
                return str(Path(path).relative_to(self.path))
            except ValueError:
                pass
        return str(path)

    def resolve(self, typed: str | os.PathLike) -> Path:
        """The absolute path for what the user typed; ``DomainError`` (code ``outside_folder``)
        for a path that leads out of the folder."""
        text = str(typed).strip()
        if self.path is None:
            return Path(os.path.expanduser(text)).absolute()
        base = self.path
        if text == "~" or text.startswith("~/"):
            text = text[2:]  # "~" is the folder itself: the home an administrator knows
        candidate = Path(text)
        if not candidate.is_absolute():
            candidate = base / candidate
        real_base = os.path.realpath(base)
        real = os.path.realpath(candidate)
        try:
            inside = os.path.commonpath([real_base, real]) == real_base
        except ValueError:
            inside = False
        if not inside or ".." in Path(text).parts:
            raise DomainError(
                f"只能使用您自己的文件夹中的文件（{base}）。请只输入文件名，例如 名单.xlsx；"
                "别处的文件请先用 sftp 或 WinSCP 上传到这个文件夹", "path", OUTSIDE)
        return Path(os.path.normpath(candidate))

    def listing(self, typed: str) -> tuple[Path, str] | None:
        """For completion: the folder to list and the name's beginning, or None when the
        typed text leads outside."""
        text = str(typed)
        if self.path is None:
            head, stem = os.path.split(os.path.expanduser(text))
            return Path(head or "."), stem
        head, stem = os.path.split(text)
        try:
            folder = self.resolve(head) if head else self.path
        except DomainError:
            return None
        return folder, stem
