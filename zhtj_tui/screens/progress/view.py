"""``ProgressView``: one organisation's progress (R-PROG-2, R-PROG-3): the deadline tasks
(overdue ones in red) and one row per direct child, worst first. It loads in a thread worker
and never touches the database itself (services only; DESIGN rules 1 and 3)."""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.widget import Widget
from textual.widgets import DataTable, Static

from zhtj_tui.domain.errors import DomainError
from zhtj_tui.screens.progress.render import (
    BAR_COLUMNS,
    BAR_WIDTH,
    COMPACT_LABELS,
    COMPACT_NAME_WIDTH,
    MAX_TASK_LINES,
    NAME_WIDTH,
    bar,
    fit,
    percent,
    task_text,
)
from zhtj_tui.screens.tcss import beside
from zhtj_tui.services.dto import Actor
from zhtj_tui.services.progress import ChildProgress, Progress, TaskView
from zhtj_tui.widgets.cells import fit_middle


@dataclass(frozen=True)
class Loaded:
    progress: Progress
    tasks: tuple[TaskView, ...]


class ProgressView(Widget):
    """One organisation's progress; ``show(org_id)`` loads another in a worker."""

    DEFAULT_CSS = beside(__file__, "view.tcss")

    class Ready(Message):
        def __init__(self, view: ProgressView, org_id: int, data: Loaded | None, error: str = ""):
            super().__init__()
            self.view = view
            self.org_id = org_id
            self.data = data
            self.error = error

    def __init__(self, services, actor: Actor, org_id: int, compact: bool = False, **kw):
        super().__init__(**kw)
        self.services = services
        self.actor = actor
        self.org_id = org_id
        #: Percentages instead of bars and shorter names: the centre's pane beside the tree
        #: has 50 cells, not the window's 78.
        self.compact = compact
        if compact:
            self.add_class("compact")
        self.data: Loaded | None = None

    def compose(self) -> ComposeResult:
        yield Static("正在读取录入进度…", id="pv-title")
        yield Static("", id="pv-tasks")
        yield Static("", id="pv-summary")
        if self.compact:
            table = DataTable(cursor_type="row", zebra_stripes=True, id="pv-table", cell_padding=0)
            table.add_column("下级组织", width=COMPACT_NAME_WIDTH + 1, key="name")
            for key, _label in BAR_COLUMNS:
                label = COMPACT_LABELS[key]
                table.add_column(label, width=max(cell_len(label), 4) + 1, key=key)
            table.add_column("团员", width=5, key="count")
            yield table
            return
        table = DataTable(cursor_type="row", zebra_stripes=True, id="pv-table")
        table.add_column("下级组织", width=NAME_WIDTH, key="name")
        for key, label in BAR_COLUMNS:
            table.add_column(label, width=BAR_WIDTH + 5, key=key)
        table.add_column("团员", width=6, key="count")
        yield table

    def on_mount(self) -> None:
        self.show(self.org_id)

    @property
    def table(self) -> DataTable:
        return self.query_one(DataTable)

    def show(self, org_id: int) -> None:
        self.org_id = org_id
        self.load(org_id)

    @work(thread=True, exclusive=True, group="progress")
    def load(self, org_id: int) -> None:
        """Read the figures and tasks (blocking: a thread worker, its own db_session)."""
        try:
            data = Loaded(self.services.progress.progress(self.actor, org_id),
                          self.services.progress.tasks(self.actor, org_id, limit=0))
            self.post_message(self.Ready(self, org_id, data))
        except DomainError as exc:
            self.post_message(self.Ready(self, org_id, None, exc.message))
        except Exception:  # noqa: BLE001 - no traceback reaches the screen
            self.post_message(self.Ready(self, org_id, None, "读取录入进度时出错，请稍后再试；如反复出现请联系系统维护人员"))

    @on(Ready)
    def _ready(self, message: Ready) -> None:
        if message.view is not self or message.org_id != self.org_id:
            return  # an earlier request, superseded by a newer one
        if message.data is None:
            self.query_one("#pv-title", Static).update(Text(message.error, style="bold red"))
            return
        self.data = message.data
        p, tasks = message.data.progress, message.data.tasks
        self.query_one("#pv-title", Static).update(Text(f"{p.path_text} 下级组织录入进度", style="bold"))
        lines = Text()
        for i, t in enumerate(tasks[:MAX_TASK_LINES]):
            if i:
                lines.append("\n")
            lines.append_text(task_text(t))
        if len(tasks) > MAX_TASK_LINES:
            lines.append(f"\n…另有 {len(tasks) - MAX_TASK_LINES} 项任务")
        tasks_widget = self.query_one("#pv-tasks", Static)
        tasks_widget.update(lines)
        tasks_widget.display = bool(tasks)
        tot = p.total
        self.query_one("#pv-summary", Static).update(
            f"合计 组织{tot.orgs} 团支部{tot.branches} 团员{tot.members} 超龄{tot.over_age}"
            f"  （{p.today.isoformat()}，按完成度从低到高）"
        )
        table = self.table
        table.clear()
        for c in p.children:
            table.add_row(*self._cells(c), key=str(c.id))
        if not p.children:
            table.add_row("（尚未创建下级组织）", "", "", "", "", "", key="none")
        table.move_cursor(row=0)
        self.post_message(self.Shown(self, p))

    class Shown(Message):
        """The view now shows ``progress`` (tests and the pane's breadcrumb wait on it)."""

        def __init__(self, view: ProgressView, progress: Progress):
            super().__init__()
            self.view = view
            self.progress = progress

    def _cells(self, c: ChildProgress) -> tuple:
        r = c.figures.ratios()
        if self.compact:
            return (fit_middle(c.short_name, COMPACT_NAME_WIDTH),
                    *(percent(r[k]) if (k != "members" or c.figures.branches) else Text("无支部", style="red")
                      for k, _ in BAR_COLUMNS), str(c.figures.members))
        name = fit(c.short_name)
        return (name, *(bar(r[k]) if (k != "members" or c.figures.branches) else Text(" 无团支部", style="red")
                        for k, _ in BAR_COLUMNS), str(c.figures.members))

    def child_at_cursor(self) -> ChildProgress | None:
        if self.data is None or not self.data.progress.children:
            return None
        row = self.table.cursor_row
        children = self.data.progress.children
        return children[row] if 0 <= row < len(children) else None
