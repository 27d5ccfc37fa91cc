"""Copying a table to the user's own clipboard (their PC's, over SSH) as tab-separated text
that pastes into Excel or WPS as cells.

The text goes out as an OSC 52 sequence (``App.copy_to_clipboard``): the terminal on the
user's PC puts it on the clipboard. Windows Terminal, iTerm2, kitty, WezTerm, Alacritty and
xterm (when allowed) do; PuTTY does not, and tmux only with ``set-clipboard on``. So the
screen always says what was copied and how to get the same as a file instead. Personal
data is masked as in exports: the callers pass masked values only."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

#: Largest text sent (terminals drop or truncate very long OSC 52 sequences).
MAX_COPY_CHARS = 512 * 1024
#: The copy key of every screen that offers one.
COPY_KEY = "ctrl+y"
COPY_KEY_LABEL = "Ctrl+Y"


def cell(value: object) -> str:
    """One cell: text without tabs or line breaks (they would split the cell)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    return " ".join(str(value).replace("\t", " ").splitlines()).strip()


def tsv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> tuple[str, int]:
    """The header and rows as Excel's clipboard holds them (CRLF line ends), and the row count."""
    lines = ["\t".join(cell(h) for h in header)]
    for row in rows:
        lines.append("\t".join(cell(v) for v in row))
    return "\r\n".join(lines) + "\r\n", len(lines) - 1


def copy_rows(node, header: Sequence[str], rows: Iterable[Sequence[object]], what: str, file_hint: str) -> bool:
    """Put the rows on the clipboard and say so (``what``: e.g. "3 个下级组织的注册码";
    ``file_hint``: how to get a file instead). False (and said) when there is nothing or
    too much to copy."""
    text, n = tsv(header, rows)
    if n == 0:
        node.notify(f"没有可复制的内容（{what}）", severity="warning")
        return False
    if len(text) > MAX_COPY_CHARS:
        node.notify(f"内容太多（{n} 行），无法通过剪贴板复制。{file_hint}", severity="warning", timeout=12)
        return False
    node.app.copy_to_clipboard(text)
    node.notify(
        f"已复制{what}（{n} 行，含表头，制表符分隔）到您电脑的剪贴板，可在 Excel/WPS 中直接粘贴。"
        f"如粘贴不出内容，是终端不支持（如 PuTTY），请改用 Windows Terminal。{file_hint}",
        title="已复制", timeout=12)
    return True
