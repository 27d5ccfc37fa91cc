"""The one-line bar at the top of each screen: where you are, and whether work is running."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static


class TopBar(Horizontal):
    DEFAULT_CSS = """
    TopBar { height: 1; background: $primary; color: $text; dock: top; }
    TopBar #topbar-title { width: 1fr; padding: 0 1; text-style: bold; }
    TopBar #topbar-busy { width: auto; padding: 0 1; color: $warning; background: $primary; }
    TopBar #topbar-help { width: auto; padding: 0 1; }
    """

    def __init__(self, title: str = "") -> None:
        super().__init__()
        self._title = title

    def compose(self) -> ComposeResult:
        yield Static(self._title, id="topbar-title", markup=False)
        yield Static("", id="topbar-busy", markup=False)
        # Always in sight, whatever the footer has room for at 80 columns.
        yield Static("F1 帮助  Ctrl+Q 退出", id="topbar-help", markup=False)

    def on_mount(self) -> None:
        if hasattr(type(self.app), "work_running"):  # the application's busy state (app.py)
            self.watch(self.app, "work_running", self.set_busy)

    def set_title(self, title: str) -> None:
        self._title = title
        self.query_one("#topbar-title", Static).update(title)

    def set_busy(self, busy: bool) -> None:
        self.query_one("#topbar-busy", Static).update("正在处理…" if busy else "")
