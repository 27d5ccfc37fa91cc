"""录入进度 pane of the management centre: Enter on a child that has children shows the
child's progress; Backspace goes back up (never above the starting organisation); Enter on
a branch posts ``ProgressPane.OrgChosen``. It speaks the centre's pane protocol
(``applies_to``, ``org_changed``, ``orgs_changed``, ``focus_first``)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget
from textual.widgets import DataTable, Static

from zhtj_tui.screens.progress.tasks import TasksScreen
from zhtj_tui.screens.progress.view import ProgressView
from zhtj_tui.screens.tcss import beside
from zhtj_tui.services.dto import Actor


class ProgressPane(Widget):
    """录入进度 pane of the management centre, with drill-down by keyboard."""

    DEFAULT_CSS = beside(__file__, "pane.tcss")

    BINDINGS = [
        Binding("backspace", "up", "上一级", id="progress.up"),
        Binding("r", "refresh", "刷新", id="progress.refresh"),
        Binding("t", "tasks", "任务详情", id="progress.tasks"),
    ]

    class OrgChosen(Message):
        """Enter on a branch (it has no organisations below): the centre may open it."""

        def __init__(self, org_id: int):
            super().__init__()
            self.org_id = org_id

    def __init__(self, services, actor: Actor, org_id: int | None = None, **kw):
        super().__init__(**kw)
        self.services = services
        self.actor = actor
        self.org_id = self.root_id = org_id if org_id is not None else actor.org_id
        #: The organisations drilled into, from the starting one.
        self.trail: list[int] = [self.root_id]
        #: The child to put the cursor on once its parent's progress is shown again.
        self._cursor_on: int | None = None

    def compose(self) -> ComposeResult:
        yield ProgressView(self.services, self.actor, self.root_id, compact=True, id="pp-view")
        yield Static("Enter 下级进度  Backspace 上一级  t 任务  r 刷新", id="pp-help")

    @property
    def view(self) -> ProgressView:
        return self.query_one(ProgressView)

    @property
    def current_id(self) -> int:
        return self.trail[-1]

    @on(DataTable.RowSelected)
    def _drill(self, event: DataTable.RowSelected) -> None:
        event.stop()
        child = self.view.child_at_cursor()
        if child is None:
            return
        if child.child_count == 0:
            self.post_message(self.OrgChosen(child.id))
            return
        self.trail.append(child.id)
        self.view.show(child.id)

    def action_up(self) -> None:
        if len(self.trail) > 1:
            self._cursor_on = self.trail.pop()
            self.view.show(self.current_id)

    @on(ProgressView.Shown)
    def _shown(self, message: ProgressView.Shown) -> None:
        if self._cursor_on is None:
            return
        ids = [c.id for c in message.progress.children]
        if self._cursor_on in ids:
            self.view.table.move_cursor(row=ids.index(self._cursor_on))
        self._cursor_on = None

    def action_refresh(self) -> None:
        self.view.show(self.current_id)

    def action_tasks(self) -> None:
        self.app.push_screen(TasksScreen(self.services, self.actor, self.current_id))

    # -- the management centre's pane protocol (applies_to / org_changed / orgs_changed /
    # focus_first), so the centre can show this pane without an adapter ---------------
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
        self.trail = [view.id]
        self._cursor_on = None
        if self.is_mounted:
            self.view.show(view.id)

    def orgs_changed(self, org_id: int) -> None:
        """Organisations were created or changed somewhere: the figures are stale."""
        if self.is_mounted:
            self.action_refresh()

    def focus_first(self) -> None:
        self.view.table.focus()
