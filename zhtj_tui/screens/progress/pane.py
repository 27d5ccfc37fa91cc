"""录入进度 pane of the management centre (R-PROG-1): the ``ProgressView`` of the selected
organisation, with keyboard drill-down (Enter down, Backspace up) and its problem list;
Enter on a branch or a problem posts ``ProgressPane.OrgChosen`` (the centre opens it). It
speaks the centre's pane protocol (``applies_to``, ``org_changed``, ``orgs_changed``,
``focus_first``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget

from zhtj_tui.screens.progress.tasks import TasksScreen
from zhtj_tui.screens.progress.view import ProgressView
from zhtj_tui.screens.tcss import beside
from zhtj_tui.services.dto import Actor

if TYPE_CHECKING:
    from zhtj_tui.services import Services


class ProgressPane(Widget):
    """录入进度 pane of the management centre."""

    DEFAULT_CSS = beside(__file__, "pane.tcss")

    BINDINGS = [
        Binding("r", "refresh", "刷新", id="progress.refresh"),
        Binding("t", "tasks", "任务详情", id="progress.tasks"),
    ]

    class OrgChosen(Message):
        """Enter on a branch or a problem, or o on a row: the centre opens ``org_id``."""

        def __init__(self, org_id: int):
            super().__init__()
            self.org_id = org_id

    def __init__(self, services: Services, actor: Actor, org_id: int | None = None, **kw):
        super().__init__(**kw)
        self.services = services
        self.actor = actor
        shown = org_id if org_id is not None else actor.org_id
        assert shown is not None, "an organisation's progress: the administrator's own or one named"
        self.org_id = self.root_id = shown

    def compose(self) -> ComposeResult:
        # Its keys are in the footer (Backspace 上一级, o 打开组织, r 刷新, t 任务详情).
        yield ProgressView(self.services, self.actor, self.root_id, compact=True, id="pp-view")

    @property
    def view(self) -> ProgressView:
        return self.query_one(ProgressView)

    @property
    def trail(self) -> list[int]:
        return self.view.trail

    @property
    def current_id(self) -> int:
        return self.view.trail[-1]

    @on(ProgressView.OrgChosen)
    def _chosen(self, message: ProgressView.OrgChosen) -> None:
        message.stop()
        self.post_message(self.OrgChosen(message.org_id))

    def action_refresh(self) -> None:
        self.view.refresh_figures()

    def action_tasks(self) -> None:
        self.app.push_screen(TasksScreen(self.services, self.actor, self.current_id))

    # -- the management centre's pane protocol -----------------------------------------------
    @classmethod
    def applies_to(cls, view, actor: Actor) -> bool:
        """Only organisations that have organisations below them (not branches)."""
        return getattr(view, "group", "") != "branch"

    def org_changed(self, view) -> None:
        """The centre selected another organisation: start the drill-down there."""
        if view.id == self.root_id and self.is_mounted:
            self.action_refresh()
            return
        self.org_id = self.root_id = view.id
        if self.is_mounted:
            self.view.restart(view.id)

    def orgs_changed(self, org_id: int) -> None:
        """Organisations were created or changed somewhere: the figures are stale."""
        if self.is_mounted:
            self.action_refresh()

    def focus_first(self) -> None:
        self.view.table.focus()
