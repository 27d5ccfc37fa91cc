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
import re
import shutil
import sys
import traceback
import unicodedata
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


#: argparse's own words (Python 3.11+), in Chinese: usage, section titles, refusals.
ARGPARSE_ZH = {
    "usage: ": "用法：",
    "positional arguments": "参数",
    "options": "选项",
    "optional arguments": "选项",
    "show this help message and exit": "显示本帮助并退出",
    "show program's version number and exit": "显示版本号并退出",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的取值 %(value)r（可选：%(choices)s）",
    "invalid %(type)s value: %(value)r": "无效的值 %(value)r（应为%(type)s）",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "expected one argument": "需要一个值",
    "expected at most one argument": "最多一个值",
    "expected at least one argument": "至少一个值",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "one of the arguments %s is required": "须提供以下参数之一：%s",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 不明确，可能是：%(matches)s",
    "ignored explicit argument %r": "忽略了多余的值 %r",
    "%(prog)s: error: %(message)s\n": "错误：%(message)s\n",
}

def _cells(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _rows(rows: list[tuple[str, str]], indent: int = 2) -> str:
    """Two columns aligned by terminal cells (a Chinese character takes two)."""
    width = max(_cells(a) for a, _ in rows) + 2
    return "\n".join(" " * indent + a + " " * (width - _cells(a)) + b for a, b in rows)


EPILOG = "示例：\n" + _rows([
    ("zhtj", "启动界面（管理员登录）"),
    ("zhtj init --name 石河子大学团委", "创建顶级组织，得到第一个注册码"),
    ("zhtj demo", "向空数据库写入演示数据（试用）"),
    ("zhtj progress 医学院团委", "该组织下级的录入进度"),
    ("zhtj check --json", "组织树的完整性问题（JSON）"),
    ("zhtj 命令 --help", "某个命令的用法"),
]) + ("\n\n命令行补全（bash / zsh）：\n"
       "  zhtj completion bash > ~/.local/share/bash-completion/completions/zhtj\n"
       "  zhtj completion zsh > ~/.zhtj.zsh（并在 ~/.zshrc 中 source ~/.zhtj.zsh）"
       "\n\n退出码：\n") + _rows([
    ("0", "成功；zhtj check 未发现问题"),
    ("1", "zhtj check 发现了问题"),
    ("2", "参数有误、数据有误或无法连接数据库（错误信息说明原因）"),
    ("70", "意外错误（详情写入日志文件，路径见错误信息）"),
    ("130", "被 Ctrl+C 中断"),
])


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Help text wrapped by terminal cells (argparse counts characters, so Chinese lines
    would run to twice the terminal's width)."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, width=min(shutil.get_terminal_size((80, 24)).columns, 100) - 2)

    def _split_lines(self, text: str, width: int) -> list[str]:
        lines, line, used = [], "", 0
        for word in re.findall(r"[\u2e80-\u9fff\uff00-\uffef]|[^\s\u2e80-\u9fff\uff00-\uffef]+|\s+", text):
            if word.isspace():
                word = " "
                if not line:
                    continue
            w = _cells(word)
            if used + w > width and line:
                lines.append(line.rstrip())
                line, used = ("" if word == " " else word), (0 if word == " " else w)
                continue
            line += word
            used += w
        if line.strip():
            lines.append(line.rstrip())
        return lines


def _chinese_argparse() -> None:
    """argparse looks its words up through ``argparse._`` (gettext) each time it uses them."""
    english = argparse._  # type: ignore[attr-defined]
    if getattr(english, "zhtj", False):
        return

    def zh(text: str) -> str:
        return ARGPARSE_ZH.get(text, english(text))

    zh.zhtj = True  # type: ignore[attr-defined]
    argparse._ = zh  # type: ignore[attr-defined]


class _Parser(argparse.ArgumentParser):
    """argparse with its refusals as one Chinese line, its help wrapped by cells."""

    def __init__(self, *args, **kw) -> None:
        kw.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kw)

    def error(self, message: str):
        print(f"错误：命令参数有误（{message}），请运行 zhtj --help 查看用法", file=sys.stderr)
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    _chinese_argparse()
    parser = _Parser(
        prog="zhtj",
        description="智慧团建 组织树与团员信息录入（终端版）。不带子命令时启动界面。",
        epilog=EPILOG,
    )
    parser.add_argument("-V", "--version", action="version", version=f"zhtj-tui {__version__}",
                        help="显示版本号并退出")
    parser.add_argument("--db", metavar="URL", help="数据库：sqlite:///路径、文件路径或 postgresql://…（默认：ZHTJ_DB、配置文件、用户数据目录中的 SQLite）")
    parser.add_argument("--no-mouse", action="store_true", help="关闭鼠标（只用键盘）")
    parser.add_argument("--demo", action="store_true",
                        help="数据库为空时，在首次使用界面中提供“载入演示数据”（试用；也可运行 zhtj demo）")
    parser.set_defaults(func=None)
    sub = parser.add_subparsers(dest="command", metavar="命令", title="命令",
                                parser_class=_Parser)
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
