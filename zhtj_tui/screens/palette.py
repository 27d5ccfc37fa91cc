"""The command palette (Ctrl+P) in Chinese: its keys, its placeholder and its "nothing
found" line. Organisations are found by name, pinyin initials and digits
(``OrgService.search``), actions by their Chinese names (``ZhtjApp.get_system_commands``).

textual 8.2.8 writes "No matches found" from a private method of ``CommandPalette``; it is
overridden here with the same behaviour and a Chinese text (a test checks that the Chinese
line is what appears, so a Textual upgrade that changes this shows at once)."""

from __future__ import annotations

from rich.align import Align
from rich.text import Text
from textual.binding import Binding
from textual.command import CommandList, CommandPalette
from textual.widgets.option_list import Option

NOTHING_FOUND = "没有找到。组织可按名称、拼音首字母或数字查找（如 lc2026、临床2026），操作按中文名称查找"


class ChinesePalette(CommandPalette):
    BINDINGS = [
        Binding("ctrl+end, shift+end", "command_list('last')", "到最后", id="palette.last", show=False),
        Binding("ctrl+home, shift+home", "command_list('first')", "到最前", id="palette.first", show=False),
        Binding("down", "cursor_down", "下一项", id="palette.down", show=False),
        Binding("escape", "escape", "关闭命令面板", id="palette.close"),
        Binding("pagedown", "command_list('page_down')", "下一页", id="palette.pagedown", show=False),
        Binding("pageup", "command_list('page_up')", "上一页", id="palette.pageup", show=False),
        Binding("up", "command_list('cursor_up')", "上一项", id="palette.up", show=False),
    ]

    def _start_no_matches_countdown(self, search_value: str) -> None:
        self._stop_no_matches_countdown()

        def show() -> None:
            if search_value:
                self.query_one(CommandList).add_option(
                    Option(Align.center(Text(NOTHING_FOUND, style="not bold")), disabled=True, id=self._NO_MATCHES))
                self._list_visible = True
            else:
                self._list_visible = False

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show)
