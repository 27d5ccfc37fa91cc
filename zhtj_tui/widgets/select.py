"""A drop-down list whose keys are said in Chinese.

Textual's ``Select`` opens a ``SelectOverlay`` whose one footer key reads "Dismiss menu";
``ChineseSelect`` is the same drop-down with that key in Chinese (the interface is in
Chinese throughout, footers included)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Select
from textual.widgets._select import SelectCurrent, SelectOverlay


class ChineseSelectOverlay(SelectOverlay):
    BINDINGS = [Binding("escape", "dismiss", "收起列表", id="select.dismiss")]


class ChineseSelect(Select):
    def compose(self) -> ComposeResult:
        yield SelectCurrent(self.prompt)
        yield ChineseSelectOverlay(type_to_search=self._type_to_search).data_bind(compact=Select.compact)
