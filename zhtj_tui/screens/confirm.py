"""Small dialogs: the yes/no confirmation and a one-line prompt."""

from __future__ import annotations

from typing import Literal

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from zhtj_tui.widgets.field import make_input


class ConfirmModal(ModalScreen[bool]):
    """The one yes/no question of the interface.

    Configured with its texts, its keys and its default: the default button has the focus,
    so Enter does what is highlighted; ``yes_keys`` answer yes and ``no_keys`` (and Esc)
    answer no from anywhere in the dialog. The keys are written under the buttons.
    """

    BINDINGS = [
        Binding("escape", "answer(False)", "取消", id="confirm.cancel"),
        # ←→ move between the two buttons, as in any dialog; Enter presses the focused one.
        Binding("left", "app.focus_previous", "上一个按钮", id="confirm.left", show=False),
        Binding("right", "app.focus_next", "下一个按钮", id="confirm.right", show=False),
    ]

    def __init__(
        self,
        title: str,
        message: str,
        yes: str = "确定",
        no: str = "取消",
        *,
        default: Literal["yes", "no"] = "no",
        yes_keys: str = "y",
        no_keys: str = "n",
    ) -> None:
        super().__init__()
        self._title, self._message, self._yes, self._no = title, message, yes, no
        self.default = default
        self.yes_keys = [k for k in yes_keys.split(",") if k]
        self.no_keys = [k for k in no_keys.split(",") if k]

    @property
    def question(self) -> str:
        return self._message

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog confirm-dialog"):
            yield Static(self._title, classes="dialog-title", markup=False)
            yield Static(self._message, classes="dialog-body", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(self._yes, id="yes", variant="warning", compact=True)
                yield Button(self._no, id="no", compact=True)
            yield Static(self.keys_text(), classes="dialog-help", markup=False)

    def keys_text(self) -> str:
        yes = "/".join(k.upper() for k in self.yes_keys)
        no = "/".join([*(k.upper() for k in self.no_keys), "Esc"])
        enter = self._yes if self.default == "yes" else self._no
        return f"{yes} {self._yes}    {no} {self._no}    Enter {enter}"

    def on_mount(self) -> None:
        self.query_one(f"#{self.default}", Button).focus()

    def on_key(self, event: events.Key) -> None:
        if event.key in self.yes_keys or event.key in self.no_keys:
            event.stop()
            event.prevent_default()
            self.dismiss(event.key in self.yes_keys)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class PromptModal(ModalScreen["str | None"]):
    """Ask for one line of text (a path, a reason). Esc returns None."""

    BINDINGS = [Binding("escape", "cancel", "取消", id="prompt.cancel")]

    def __init__(self, title: str, label: str, value: str = "", help_text: str = "", ok: str = "确定") -> None:
        super().__init__()
        self._title, self._label, self._value, self._help, self._ok = title, label, value, help_text, ok

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self._title, classes="dialog-title", markup=False)
            yield Label(self._label)
            yield make_input(value=self._value, id="prompt-input", select_on_focus=False)
            yield Static("", id="prompt-error", classes="dialog-error", markup=False)
            if self._help:
                yield Static(self._help, classes="dialog-help", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(self._ok, id="ok", variant="primary", compact=True)
                yield Button("取消", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#prompt-input", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._ok_pressed()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "ok":
            self._ok_pressed()
        else:
            self.dismiss(None)

    def _ok_pressed(self) -> None:
        text = self.query_one("#prompt-input", Input).value.strip()
        if not text:
            self.query_one("#prompt-error", Static).update(f"请填写{self._label.rstrip('：:')}")
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)
