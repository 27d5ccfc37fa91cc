"""The small dialogs of 团员管理: why a member leaves, where members move, what to do with a
half-typed member when leaving the form (the yes/no question is the shared
``screens.confirm.ConfirmModal``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from zhtj_tui.screens.tcss import beside
from zhtj_tui.services.members import REMOVE_REASONS
from zhtj_tui.widgets.calls import run_service

if TYPE_CHECKING:
    from zhtj_tui.services import Services
    from zhtj_tui.services.dto import Actor


class RemoveReasonModal(ModalScreen["str | None"]):
    """Pick why a member leaves the list (a fixed list); the record is kept."""

    DEFAULT_CSS = beside(__file__, "remove.tcss")
    BINDINGS = [Binding("escape", "cancel", "取消", id="members.remove.cancel")]

    def __init__(self, name: str) -> None:
        super().__init__()
        self._name = name

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"{self._name} 离团：请选择原因（记录会保留）", markup=False)
            yield OptionList(*[Option(r, id=r) for r in REMOVE_REASONS], id="reasons")
            yield Static("↑↓ 选择 · Enter 确定 · Esc 取消", markup=False)

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class TransferModal(ModalScreen["int | None"]):
    """Pick the branch to move members to (branches the administrator manages)."""

    DEFAULT_CSS = beside(__file__, "transfer.tcss")
    BINDINGS = [Binding("escape", "cancel", "取消", id="members.transfer.cancel")]

    def __init__(self, services: Services, actor: Actor, count: int, exclude: int | None = None) -> None:
        super().__init__()
        self.services, self.actor, self.count, self.exclude = services, actor, count, exclude

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"将 {self.count} 名团员转入：", markup=False)
            yield Input(placeholder="输入支部名称的一部分查找", id="transfer-search", compact=True)
            yield OptionList(id="transfer-targets")
            yield Static("", id="transfer-why", markup=False)
            yield Static("↓ 进入列表 · Enter 确定 · Esc 取消", markup=False)

    def on_mount(self) -> None:
        self._load("")
        self.query_one("#transfer-search", Input).focus()

    def _load(self, text: str) -> None:
        """R-MEM-1: only branches the administrator may enter members in; with none, why."""
        run_service(self, lambda: self.services.members.transfer_targets(self.actor, self.exclude, text), self._show,
                 lambda exc: self.notify(exc.message, severity="error"), group="transfer-load")

    def _show(self, targets) -> None:
        options = self.query_one("#transfer-targets", OptionList)
        options.clear_options()
        for b in targets.items:
            options.add_option(Option(" / ".join(b.path_names), id=str(b.id)))
        if options.option_count:
            options.highlighted = 0
        why = self.query_one("#transfer-why", Static)
        why.update(targets.reason)
        why.display = bool(targets.reason)

    def on_input_changed(self, event: Input.Changed) -> None:
        self._load(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        options = self.query_one("#transfer-targets", OptionList)
        if options.option_count:
            options.focus()

    def key_down(self) -> None:
        self.query_one("#transfer-targets", OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(str(event.option.id)))

    def action_cancel(self) -> None:
        self.dismiss(None)


class LeaveModal(ModalScreen[str]):
    """Leaving the entry form with typed, unsaved values: 保存 (S), 放弃 (D) or 继续录入
    (C, Esc; also Enter, the highlighted button), answered as "save", "discard", "continue"."""

    BINDINGS = [
        Binding("s", "answer('save')", "保存", id="members.leave.save"),
        Binding("d", "answer('discard')", "放弃", id="members.leave.discard"),
        Binding("c,escape", "answer('continue')", "继续录入", id="members.leave.continue"),
    ]

    def __init__(self, what: str, leaving: str) -> None:
        super().__init__()
        self.what, self.leaving = what, leaving

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(f"{self.what}还没有保存", classes="dialog-title", markup=False)
            yield Static(f"{self.leaving}之前：保存这些内容、放弃它们，还是回到表单继续录入？", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("保存", id="save", variant="primary", compact=True)
                yield Button("放弃", id="discard", variant="error", compact=True)
                yield Button("继续录入", id="continue", compact=True)
            yield Static("S 保存    D 放弃    C/Esc 继续录入    Enter 选中的按钮", classes="dialog-help", markup=False)

    def on_mount(self) -> None:
        self.query_one("#continue", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id or "continue")

    def action_answer(self, answer: str) -> None:
        self.dismiss(answer)
