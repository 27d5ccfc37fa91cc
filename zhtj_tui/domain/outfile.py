"""The one rule for files the program writes under a name the user chose: an existing file
is never replaced unless the caller says so (``overwrite=True``: ``--force`` on the command
line, a yes in the interface's confirmation). Bad input loses nothing.

Standard library only, so the Excel writer and the database backup share it."""

from __future__ import annotations

import os
from pathlib import Path

from zhtj_tui.domain.errors import DomainError

#: ``DomainError.code`` of the refusal to replace an existing file (catch it to ask the user).
FILE_EXISTS = "file_exists"


def file_exists_error(target: str | os.PathLike) -> DomainError:
    return DomainError(
        f"文件 {target} 已存在，没有写入。如需替换它，命令行请加 --force 重新执行，界面中请在提示时确认覆盖；"
        "或者换一个文件名",
        "path", FILE_EXISTS,
    )


def check_output_path(path: str | os.PathLike, overwrite: bool = False) -> Path:
    """The absolute path to write. Refuses one that is a directory, a device or anything
    else that is not a plain file (renaming over /dev/null would replace the device), and,
    unless ``overwrite``, one that already exists (a dangling symlink counts)."""
    target = Path(path).expanduser().absolute()
    if target.exists() and not target.is_file():
        raise DomainError(
            f"{target} 不是普通文件（可能是目录或设备），请指定一个 .xlsx 文件路径", "path", "not_a_file"
        )
    if not overwrite and os.path.lexists(target):
        raise file_exists_error(target)
    return target


def place_file(tmp: str | os.PathLike, target: str | os.PathLike, overwrite: bool = False) -> None:
    """Move the finished temporary file ``tmp`` to ``target`` atomically. Without
    ``overwrite`` a file that appeared at ``target`` since the check is still not replaced
    (hard link, which fails on an existing name; then the temporary name is removed)."""
    if overwrite:
        os.replace(tmp, target)
        return
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise file_exists_error(target) from None
    except OSError:
        # A file system without hard links: the check made just before is the best we have.
        if os.path.lexists(target):
            raise file_exists_error(target) from None
        os.replace(tmp, target)
        return
    os.unlink(tmp)
