"""``ProgressView``: one organisation's progress (R-PROG-2, R-PROG-3, R-TREE-3).

From the top: the path, the deadline tasks (overdue ones in red), the totals, one row per
direct child, worst first, naming its problems by kind with counts, and the list of the
problems of the organisation's whole subtree (what ``zhtj check`` prints, scoped to it).

Enter on a child that has organisations below goes down into it, Backspace goes back up
(never above the starting organisation, the cursor back on the child we came from); Enter
on a branch, ``o`` on any row, or Enter on a problem posts ``ProgressView.OrgChosen`` (the
window or the centre opens that organisation). It loads in a thread worker through the
services (DESIGN rules 1 and 3).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget
from textual.widgets import DataTable, OptionList, Static
from textual.widgets.option_list import Option

from zhtj_tui.screens.progress.render import (
    BAR_WIDTH,
    COMPACT_NAME_WIDTH,
    MAX_TASK_LINES,
    NAME_WIDTH,
    bar,
    fit,
    percent,
    problems_text,
    score_ratio,
    task_text,
)
from zhtj_tui.screens.tcss import beside
from zhtj_tui.services.dto import Actor
from zhtj_tui.services.progress import (
    ERROR,
    PROBLEM_SHORT,
    PROBLEM_TITLES,
    ChildProgress,
    Problem,
    Problems,
    Progress,
    TaskView,
)
from zhtj_tui.widgets.calls import ServiceCaller
from zhtj_tui.widgets.cells import fit_middle
from zhtj_tui.widgets.clipboard import COPY_KEY, copy_rows
from zhtj_tui.widgets.keyorder import hold_keys, release_keys

if TYPE_CHECKING:
    from zhtj_tui.services import Services

#: Problems listed in the window (the counts in the heading are always exact).
PROBLEM_LIST_LIMIT = 50


@dataclass(frozen=True)
class Loaded:
    progress: Progress
    tasks: tuple[TaskView, ...]
    problems: Problems | None = None


class ProgressView(ServiceCaller, Widget, can_focus=False):
    """One organisation's progress; ``show(org_id)`` loads another in a worker."""

    DEFAULT_CSS = beside(__file__, "view.tcss")

    BINDINGS = [
        Binding("backspace", "up", "上一级", id="progress.up"),
        Binding("o", "open", "打开组织", id="progress.open"),
        Binding(COPY_KEY, "copy_table", "复制进度表", id="progress.copy", show=False),
    ]

    class Shown(Message):
        """The view now shows ``progress`` (tests and the pane's breadcrumb wait on it)."""

        def __init__(self, view: ProgressView, progress: Progress):
            super().__init__()
            self.view = view
            self.progress = progress

    class OrgChosen(Message):
        """Open ``org_id`` (a branch, a row chosen with o, or a problem's organisation)."""

        def __init__(self, view: ProgressView, org_id: int):
            super().__init__()
            self.view = view
            self.org_id = org_id

    def __init__(self, services: Services, actor: Actor, org_id: int, compact: bool = False, **kw):
        super().__init__(**kw)
        self.services = services
        self.actor = actor
        self.org_id = org_id
        #: The organisations drilled into, from the starting one.
        self.trail: list[int] = [org_id]
        #: The child to put the cursor on once its parent's progress is shown again.
        self._cursor_on: int | None = None
        #: Percentages instead of bars and shorter names: the centre's pane beside the tree.
        self.compact = compact
        if compact:
            self.add_class("compact")
        self.data: Loaded | None = None
        self._columns_for = 0

    def compose(self) -> ComposeResult:
        yield Static("正在读取录入进度…", id="pv-title", markup=False)
        yield Static("", id="pv-tasks")
        yield Static("", id="pv-summary", markup=False)
        yield DataTable(cursor_type="row", zebra_stripes=True, id="pv-table", cell_padding=0)
        yield Static("", id="pv-problems-title")
        yield OptionList(id="pv-problems")

    def on_mount(self) -> None:
        self.show(self.org_id)

    @property
    def table(self) -> DataTable:
        return self.query_one("#pv-table", DataTable)

    @property
    def problem_list(self) -> OptionList:
        return self.query_one("#pv-problems", OptionList)

    # -- moving ----------------------------------------------------------------------------
    def restart(self, org_id: int) -> None:
        """Start again at ``org_id`` (the centre selected another organisation)."""
        self.trail = [org_id]
        self._cursor_on = None
        self.show(org_id)

    def show(self, org_id: int) -> None:
        self.org_id = org_id
        services, actor = self.services, self.actor

        def read() -> Loaded:
            return Loaded(services.progress.progress(actor, org_id),
                          services.progress.tasks(actor, org_id, limit=0),
                          services.progress.problems(actor, org_id, limit=PROBLEM_LIST_LIMIT))

        self.call_service(read, lambda data: self._ready(org_id, data),
                          lambda exc: self._failed(org_id, exc.message), group="progress", latest_only=True)

    def down(self) -> None:
        """Enter on a child: into it when it has organisations below, else open it."""
        child = self.child_at_cursor()
        if child is None:
            return
        if child.child_count == 0:
            self.post_message(self.OrgChosen(self, child.id))
            return
        self.trail.append(child.id)
        self.move_to(child.id)

    def action_up(self) -> None:
        if len(self.trail) > 1:
            self._cursor_on = self.trail.pop()
            self.move_to(self.trail[-1])

    def move_to(self, org_id: int) -> None:
        """Down or up by key: the keys typed next (o, Enter) wait for that level's rows, so
        that they act on what the cursor will be on, not on the level being left."""
        hold_keys(self.app, self)
        self.show(org_id)

    def action_open(self) -> None:
        """o: open the child under the cursor (or the problem's organisation) in the centre."""
        if self.problem_list.has_focus:
            self._open_problem(self.problem_list.highlighted)
            return
        child = self.child_at_cursor()
        if child is not None:
            self.post_message(self.OrgChosen(self, child.id))

    def refresh_figures(self) -> None:
        self.show(self.trail[-1])

    @on(DataTable.RowSelected, "#pv-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.down()

    @on(OptionList.OptionSelected, "#pv-problems")
    def _problem_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._open_problem(event.option_index)

    def _open_problem(self, index: int | None) -> None:
        items = self.data.problems.items if self.data and self.data.problems else ()
        if index is not None and 0 <= index < len(items):
            self.post_message(self.OrgChosen(self, items[index].org_id))

    # -- drawing ---------------------------------------------------------------------------
    def _failed(self, org_id: int, message: str) -> None:
        release_keys(self.app, self)
        if org_id == self.org_id:
            self.query_one("#pv-title", Static).update(Text(message, style="bold red"))

    def _ready(self, org_id: int, data: Loaded) -> None:
        if org_id == self.org_id:
            self.call_after_refresh(release_keys, self.app, self)
        if org_id != self.org_id:
            return  # an earlier request, superseded by a newer one
        self.data = data
        p, tasks = data.progress, data.tasks
        self.query_one("#pv-title", Static).update(Text(f"{p.path_text} 下级组织录入进度", style="bold"))
        lines = Text()
        for i, t in enumerate(tasks[:MAX_TASK_LINES]):
            if i:
                lines.append("\n")
            lines.append_text(task_text(t, self.compact))
        if len(tasks) > MAX_TASK_LINES:
            lines.append(f"\n…另有 {len(tasks) - MAX_TASK_LINES} 项任务（t 查看）")
        tasks_widget = self.query_one("#pv-tasks", Static)
        tasks_widget.update(lines)
        tasks_widget.display = bool(tasks)
        tot = p.total
        self.query_one("#pv-summary", Static).update(
            f"合计 组织{tot.orgs} 团支部{tot.branches} 团员{tot.members} 超龄{tot.over_age}"
            f"（{p.today.isoformat()}，完成度从低到高）"
        )
        self._fill_table()
        self._fill_problems()
        cursor = 0
        if self._cursor_on is not None:
            ids = [c.id for c in p.children]
            cursor = ids.index(self._cursor_on) if self._cursor_on in ids else 0
            self._cursor_on = None
        self.table.move_cursor(row=cursor)
        self.post_message(self.Shown(self, p))

    def _widths(self) -> tuple[int, int]:
        """(name, problems) column widths for the table's width: wider terminals give the
        names their whole length first, then the problems."""
        width = max(self.table.size.width or self.size.width or 78, 40) - 1  # the scrollbar
        fixed = (5 + 6) if self.compact else (BAR_WIDTH + 6 + 7 + 6)
        names = [cell_len(c.short_name) for c in self.data.progress.children] if self.data else []
        base = COMPACT_NAME_WIDTH if self.compact else NAME_WIDTH
        name = max(base, min(max(names, default=base), width - fixed - 24))
        return name, max(width - fixed - name - 1, 12)

    def action_copy_table(self) -> None:
        """The progress of the organisations shown, as numbers, to the user's clipboard."""
        p = self.data.progress if self.data else None
        if p is None:
            self.notify("录入进度还在读取，请稍后再复制", severity="warning")
            return
        header = ("下级组织", "类别", "完成度%", "组织数", "信息完整", "有书记", "有管理员", "团支部",
                  "有团员的团支部", "团员", "超龄团员", "问题")
        rows = []
        for c in p.children:
            f = c.figures
            problems = " ".join(f"{PROBLEM_TITLES.get(k, k)}{n}" for k, n in c.problems) or "无"
            rows.append((c.short_name, c.category_name, round(100 * score_ratio(c)), f.orgs, f.info_complete,
                         f.secretaries, f.with_admin, f.branches, f.branches_with_members, f.members, f.over_age,
                         problems))
        copy_rows(self, header, rows, f"“{p.short_name}”下 {len(rows)} 个组织的录入进度",
                  "需要文件时，粘贴到 Excel/WPS 后另存即可。")

    def _fill_table(self) -> None:
        table = self.table
        name_w, problems_w = self._widths()
        self._columns_for = table.size.width
        table.clear(columns=True)
        table.add_column("下级组织", width=name_w + 1, key="name")
        if self.compact:
            table.add_column("完成", width=5, key="score")
        else:
            table.add_column("完成度", width=BAR_WIDTH + 6, key="score")
            table.add_column("团支部", width=7, key="branches")
        table.add_column("团员", width=6, key="count")
        table.add_column("问题（按类计数）", width=problems_w, key="problems")
        p = self.data.progress if self.data else None
        if p is None:
            return
        console = self.app.console
        for c in p.children:
            cells = self._cells(c, name_w)
            height = max(1, len(cells[-1].wrap(console, problems_w)))
            table.add_row(*cells, key=str(c.id), height=height)
        if not p.children:
            table.add_row("（尚未创建下级组织）", *([""] * (len(table.columns) - 1)), key="none")

    def _cells(self, c: ChildProgress, name_w: int | None = None) -> tuple:
        ratio = score_ratio(c)
        if self.compact:
            name = fit_middle(c.short_name, name_w or COMPACT_NAME_WIDTH)
            return (name, percent(ratio), str(c.figures.members), problems_text(c))
        name = fit(c.short_name, name_w or NAME_WIDTH)
        return (name, bar(ratio), str(c.figures.branches), str(c.figures.members), problems_text(c))

    def _fill_problems(self) -> None:
        pr = self.data.problems if self.data else None
        title = self.query_one("#pv-problems-title", Static)
        options = self.problem_list
        options.clear_options()
        if pr is None or not pr.total:
            title.update(Text("本组织及全部下级组织：未发现问题", style="green"))
            options.display = False
            return
        options.display = True
        head = Text(f"问题清单：{pr.errors}个错误 {pr.warnings}个警告", style="bold")
        head.append("（Enter 打开该组织）", style="dim")
        title.update(head)
        assert self.data is not None  # the problems are shown for loaded figures
        start = len(self.data.progress.path_names) - 1
        options.add_options([Option(problem_line(i, start)) for i in pr.items])
        shown = len(pr.items)
        if pr.total > shown:
            options.add_option(Option(Text(f"……另有 {pr.total - shown} 个问题（服务器上 zhtj check 可查看全部）",
                                           style="dim"), disabled=True))
        options.highlighted = 0

    def on_resize(self, event: events.Resize) -> None:
        if self.data is not None and self.table.size.width != self._columns_for:
            row = self.table.cursor_row
            self._fill_table()
            self.table.move_cursor(row=row)

    def child_at_cursor(self) -> ChildProgress | None:
        if self.data is None or not self.data.progress.children:
            return None
        row = self.table.cursor_row
        children = self.data.progress.children
        return children[row] if 0 <= row < len(children) else None


def problem_line(problem: Problem, start: int = 0) -> Text:
    """One problem: its kind, then the organisation's path below the viewed organisation."""
    style = "red" if problem.severity == ERROR else "yellow"
    out = Text(f"{PROBLEM_SHORT.get(problem.kind, problem.kind)} ", style=style)
    names = problem.path_names[start + 1:] or problem.path_names[-1:]
    out.append(" / ".join(names))
    if problem.detail:
        out.append(f"（{problem.detail}）", style="dim")
    return out
