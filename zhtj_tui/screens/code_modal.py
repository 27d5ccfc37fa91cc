"""A registration code shown in full with its expiry (R-CODE-4); copying it to the
clipboard (OSC 52) is offered, but the code is always on screen."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from zhtj_tui.services.dto import CodeView


class CodeModal(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "close", "关闭", id="code.close"),
        Binding("c", "copy", "复制注册码", id="code.copy"),
    ]

    def __init__(self, code: CodeView, fmt, note: str | None = None) -> None:
        super().__init__()
        self.code = code
        self.fmt = fmt
        self.note = note

    def compose(self) -> ComposeResult:
        c = self.code
        state = self.note or ("该组织已有未使用的有效注册码" if c.reused else "已生成新的注册码（此前未使用的注册码已作废）")
        with Vertical(classes="dialog", id="code-dialog"):
            yield Static("管理员注册码", classes="dialog-title")
            yield Static(f"组织：{c.org_name}（{c.category_name}）", markup=False)
            yield Static(" ".join(c.code), id="code-value", markup=False)
            yield Static(f"注册码：{c.code}", id="code-plain", markup=False)
            yield Static(f"有效期至：{self.fmt(c.expires_at, True)}（生成于 {self.fmt(c.issued_at)}）", id="code-expiry",
                         markup=False)
            yield Static(state, classes="dialog-help", markup=False)
            yield Static("注册码区分大小写，只能注册一位管理员。请将它交给该组织的管理员。", classes="dialog-help")
            with Horizontal(classes="dialog-buttons"):
                yield Button("复制 (c)", id="copy", compact=True)
                yield Button("关闭 (Esc)", id="close", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.query_one("#close", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "copy":
            self.action_copy()
        else:
            self.dismiss(None)

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.code.code)
        self.notify("已尝试复制到剪贴板（终端须支持 OSC 52）；注册码也显示在屏幕上", timeout=4)

    def action_close(self) -> None:
        self.dismiss(None)
