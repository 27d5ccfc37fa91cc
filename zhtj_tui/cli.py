"""The ``zhtj`` command.

``zhtj`` alone starts the interface; subcommands serve the server operator and scripts.
Each subcommand lives in a module of ``zhtj_tui.commands`` that defines ``register(sub)``
(adding its parser, with ``func`` set to a function of ``(args, ctx) -> int``).

Errors print one line in Chinese and exit non-zero; an unexpected error is written with
its traceback to a log file in the user's state directory (never personal data: messages
and arguments are not logged), and the user is told where it is.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import pkgutil
import sys
import traceback
from datetime import datetime
from pathlib import Path

from zhtj_tui import __version__
from zhtj_tui.config import ConfigError, Settings, load_settings, state_dir
from zhtj_tui.db import StoreError
from zhtj_tui.domain.errors import DomainError


class CliContext:
    """Lazily opened services for a subcommand."""

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self._settings: Settings | None = None
        self._services = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(getattr(self.args, "db", None))
            for w in self._settings.warnings:
                print(f"警告：{w}", file=sys.stderr)
        return self._settings

    @property
    def services(self):
        if self._services is None:
            from zhtj_tui.services import Services

            self._services = Services.open(self.settings)
        return self._services

    def close(self) -> None:
        if self._services is not None:
            self._services.close()


class _Parser(argparse.ArgumentParser):
    """argparse with its refusals as one Chinese line (its own words stay as detail)."""

    def error(self, message: str):
        print(f"错误：命令参数有误（{message}），请运行 zhtj --help 查看用法", file=sys.stderr)
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="zhtj",
        description="智慧团建 组织树与团员信息录入（终端版）。不带子命令时启动界面。",
    )
    parser.add_argument("--version", action="version", version=f"zhtj-tui {__version__}")
    parser.add_argument("--db", metavar="URL", help="数据库：sqlite:///路径、文件路径或 postgresql://…（默认：ZHTJ_DB、配置文件、用户数据目录中的 SQLite）")
    parser.add_argument("--no-mouse", action="store_true", help="关闭鼠标（只用键盘）")
    parser.set_defaults(func=None)
    sub = parser.add_subparsers(dest="command", metavar="命令")
    import zhtj_tui.commands as commands_pkg

    for info in sorted(pkgutil.iter_modules(commands_pkg.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"zhtj_tui.commands.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(sub)
    return parser


def log_path() -> Path:
    return state_dir() / "zhtj-error.log"


def _log_unexpected(exc: BaseException, command: str | None) -> Path:
    """Write the traceback (file names, lines, exception type) without the exception's
    message, which may hold values the user typed."""
    path = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        frames = traceback.format_tb(exc.__traceback__)
        fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as fh:
            fh.write(f"--- {datetime.now().isoformat(timespec='seconds')} zhtj {__version__} command={command}\n")
            fh.write("".join(frames))
            fh.write(f"{type(exc).__module__}.{type(exc).__name__}\n")
    except OSError:
        pass
    return path


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    parser = build_parser()
    args = parser.parse_args(argv)
    ctx = CliContext(args)
    try:
        if args.func is None:
            from zhtj_tui.commands.ui import run_interface

            return run_interface(args, ctx)
        return int(args.func(args, ctx) or 0)
    except (DomainError, StoreError, ConfigError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("已中断", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1
    except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback on screen
        path = _log_unexpected(exc, args.command)
        print(f"错误：发生了意外问题（{type(exc).__name__}），详情已记录在 {path}，请将该文件发给系统维护人员", file=sys.stderr)
        return 70
    finally:
        ctx.close()


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
