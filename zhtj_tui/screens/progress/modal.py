"""The window shown right after a committee or general-branch administrator logs in
(R-PROG-1): the ``ProgressView`` of their organisation. Enter goes down inside the window,
Backspace back up; Enter on a branch or a problem, or o on a row, dismisses with that
organisation's id (the centre opens it); Esc dismisses with ``None``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from zhtj_tui.screens.progress.tasks import TasksScreen
from zhtj_tui.screens.progress.view import ProgressView
from zhtj_tui.screens.tcss import beside
from zhtj_tui.services.dto import Actor

if TYPE_CHECKING:
    from zhtj_tui.services import Services

#: Category groups whose administrators get the window after login (R-PROG-1).
WINDOW_GROUPS = ("leading", "committee", "general_branch")

HELP = "Enter 下级/打开  Backspace 上级  o 打开  Tab 问题清单  t 任务  Esc 关闭"


def wants_progress_window(group: str) -> bool:
    """R-PROG-1: committees, leading organs and general branches; not branches."""
    return group in WINDOW_GROUPS


def progress_window_for(services, actor: Actor, group: str) -> ProgressModal | None:
    """What the application's after-login hook pushes for the chosen role."""
    if not wants_progress_window(group):
        return None
    return ProgressModal(services, actor, actor.org_id)


def after_login(app, session, role) -> None:
    """A hook for the application's after-login step (``hook(app, session, role)``): push
    the progress window for a committee or general-branch role; the organisation chosen in
    it goes to ``app.open_org(org_id)`` when the application has that method."""
    modal = progress_window_for(app.services, session.actor(role.org_id), role.group)
    if modal is None:
        return

    def chosen(org_id: int | None) -> None:
        opener = getattr(app, "open_org", None)
        if org_id is not None and opener is not None:
            opener(org_id)

    app.push_screen(modal, chosen)


class ProgressModal(ModalScreen[int | None]):
    """The window shown right after login (R-PROG-1)."""

    SCREEN_TITLE = "录入进度"
    DEFAULT_CSS = beside(__file__, "modal.tcss")

    BINDINGS = [
        Binding("escape", "close", "关闭", id="progress.close"),
        Binding("t", "tasks", "任务详情", id="progress.tasks"),
    ]

    def __init__(self, services: Services, actor: Actor, org_id: int | None = None):
        super().__init__()
        self.services = services
        self.actor = actor
        shown = org_id if org_id is not None else actor.org_id
        assert shown is not None, "an organisation's progress: the administrator's own or one named"
        self.org_id = shown

    def compose(self) -> ComposeResult:
        with Vertical():
            yield ProgressView(self.services, self.actor, self.org_id, id="pm-view")
            yield Static(HELP, id="pm-help", markup=False)

    def on_mount(self) -> None:
        self.query_one(ProgressView).table.focus()

    @on(ProgressView.OrgChosen)
    def _open(self, message: ProgressView.OrgChosen) -> None:
        message.stop()
        self.dismiss(message.org_id)

    def action_close(self) -> None:
        self.dismiss(None)

    def action_tasks(self) -> None:
        view = self.query_one(ProgressView)
        self.app.push_screen(TasksScreen(self.services, self.actor, view.trail[-1]))
