"""F1 / ?: the keys of the current screen and the four-step workflow (SPEC §2)."""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

WORKFLOW = (
    "每一级团组织管理员的工作（四步）：\n"
    "  1. 向上级组织索取管理员注册码，注册管理员账号并登录；\n"
    "  2. 在“本组织”标签录入本组织信息（红色为必填项）；\n"
    "  3. 在“创建下级”标签创建全部直属下级组织（F7 用 Excel 批量）；\n"
    "  4. 在“下级管理”标签为直属下级组织生成注册码，分发给其管理员。"
)


def key_name(key: str) -> str:
    special = {"question_mark": "?", "escape": "Esc", "enter": "Enter", "space": "空格", "tab": "Tab",
               "left_square_bracket": "[", "right_square_bracket": "]", "slash": "/", "delete": "Del"}
    if key in special:
        return special[key]
    parts = key.split("+")
    if len(parts) == 1:
        return key.capitalize() if len(key) > 1 else key
    return "+".join(p.capitalize() if len(p) > 1 else p.upper() for p in parts)


def key_line(key: str, description: str, cells: int = 10) -> str:
    """One help line; the key padded by terminal cells (空格 takes four)."""
    name = key_name(key)
    return f"  {name}{' ' * max(1, cells - cell_len(name) + 1)}{description}"


class HelpModal(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "close", "关闭", id="help.close"),
        Binding("f1", "close", "关闭", id="help.close_f1", show=False),
        Binding("question_mark", "close", "关闭", id="help.close_q", show=False),
    ]

    def __init__(self, title: str, keys: list[tuple[str, str]]) -> None:
        super().__init__()
        self._title = title
        self._keys = keys

    def compose(self) -> ComposeResult:
        lines = [key_line(k, d) for k, d in self._keys]
        with Vertical(classes="dialog", id="help-dialog"):
            yield Static(f"帮助 · {self._title}", classes="dialog-title", markup=False)
            with VerticalScroll(id="help-body"):
                yield Static(WORKFLOW, markup=False)
                yield Static("本界面的按键：\n" + "\n".join(lines), markup=False)
                yield Static(
                    "Tab / Shift+Tab 在各项之间移动；表单中按 Enter 到下一项；Esc 返回（已填写的内容保留）；"
                    "管理中心按 F5 到面板标签（←→ 选择），再按 F5 进入面板；Ctrl+P 打开命令面板。", markup=False, classes="dialog-help")
            yield Static("按 Esc 关闭", classes="dialog-help")

    def action_close(self) -> None:
        self.dismiss(None)
