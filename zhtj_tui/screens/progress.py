"""录入进度督导 (R-PROG-1..3): the window shown right after a committee or general-branch
administrator logs in, and the same view as the management centre's 录入进度 pane.

``ProgressView`` draws one organisation's progress: the deadline tasks (overdue ones in
red) and one row of bars per direct child (information complete, secretaries,
administrators, branches with members), worst first. It loads in a thread worker and
never touches the database itself (services only; DESIGN rules 1 and 3).

* ``ProgressModal(services, actor, org_id)``: Enter on a child dismisses with the child's
  id (the centre opens it); Esc dismisses with ``None``.
* ``ProgressPane(services, actor, org_id)``: Enter on a child that has children shows the
  child's progress; Backspace goes back up (never above the starting organisation); it
  posts ``ProgressPane.OrgChosen`` when Enter is pressed on a branch.
* ``progress_window_for(services, actor, group)``: the modal to push after login, or
  ``None`` when the organisation is a branch (it has no organisations below);
  ``after_login(app, session, role)`` does that as an after-login hook.
* ``ProgressPane`` also speaks the management centre's pane protocol (``applies_to``,
  ``org_changed``, ``orgs_changed``, ``focus_first``), and ``TasksScreen`` (key t) lists the
  tasks with what is missing and lets the administrator set, change or delete their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rich.cells import cell_len
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import DataTable, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from zhtj_tui.domain.errors import DomainError
from zhtj_tui.screens.confirm import ConfirmModal
from zhtj_tui.services.dto import Actor
from zhtj_tui.services.progress import TASK_KINDS, ChildProgress, Progress, TaskView
from zhtj_tui.widgets.cells import fit_middle

#: Category groups whose administrators get the window after login (R-PROG-1).
WINDOW_GROUPS = ("leading", "committee", "general_branch")

BAR_WIDTH = 4
NAME_WIDTH = 22
BAR_COLUMNS = (("info", "信息完整"), ("secretary", "书记"), ("admin", "管理员"), ("members", "有团员"))
MAX_TASK_LINES = 4
#: The compact table (the centre's pane): names keep their end (…2017级1班团支部).
COMPACT_NAME_WIDTH = 20
COMPACT_LABELS = {"info": "信息", "secretary": "书记", "admin": "管理", "members": "有团员"}


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
    the progress window for a committee or general-branch role; Enter on a child hands its
    id to ``app.open_org(child_id)`` when the application has that method."""
    modal = progress_window_for(app.services, session.actor(role.org_id), role.group)
    if modal is None:
        return

    def chosen(child_id: int | None) -> None:
        opener = getattr(app, "open_org", None)
        if child_id is not None and opener is not None:
            opener(child_id)

    app.push_screen(modal, chosen)


def bar(ratio: float, width: int = BAR_WIDTH) -> Text:
    """A bar of ``width`` cells with its percentage, coloured by how far along it is."""
    ratio = min(max(ratio, 0.0), 1.0)
    filled = round(ratio * width)
    if 0 < ratio < 1:  # something done shows, and only complete is full
        filled = min(max(filled, 1), width - 1)
    style = "green" if ratio >= 1.0 else ("yellow" if ratio >= 0.5 else "red")
    text = Text("█" * filled, style=style)
    text.append("░" * (width - filled), style="grey50")
    text.append(f"{round(ratio * 100):>4}%")
    return text


def percent(ratio: float) -> Text:
    """The compact form of ``bar``: the percentage alone, in the bar's colour."""
    ratio = min(max(ratio, 0.0), 1.0)
    style = "green" if ratio >= 1.0 else ("yellow" if ratio >= 0.5 else "red")
    return Text(f"{round(ratio * 100):>3}%", style=style)


def fit(name: str, cells: int = NAME_WIDTH) -> str:
    """``name`` cut to ``cells`` terminal cells (CJK characters take two) with an ellipsis."""
    if cell_len(name) <= cells:
        return name
    out, used = [], 0
    for ch in name:
        width = cell_len(ch)
        if used + width > cells - 1:
            break
        out.append(ch)
        used += width
    return "".join(out) + "…"


def task_text(t: TaskView) -> Text:
    if t.complete:
        state, style = "已完成", "green"
    elif t.overdue:
        state, style = f"已逾期{-t.days_left}天", "bold white on red"
    else:
        state, style = f"剩余{t.days_left}天", "yellow" if t.days_left <= 2 else ""
    line = Text("● " if not t.complete else "✓ ", style=style or None)
    line.append(fit(t.name, 26))
    line.append(f"  {t.done}/{t.total}")
    line.append(f"  截止{t.due.month:02d}-{t.due.day:02d} ")
    line.append(f" {state} ", style=style or None)
    if t.missing_count:
        line.append(f"  待办{t.missing_count}项")
    return line


@dataclass(frozen=True)
class Loaded:
    progress: Progress
    tasks: tuple[TaskView, ...]


class ProgressView(Widget):
    """One organisation's progress; ``show(org_id)`` loads another in a worker."""

    DEFAULT_CSS = """
    ProgressView { height: 1fr; layout: vertical; }
    ProgressView #pv-title { height: 1; text-style: bold; }
    ProgressView #pv-tasks { height: auto; max-height: 5; }
    ProgressView #pv-summary { height: 1; color: $text-muted; }
    ProgressView DataTable { height: 1fr; }
    ProgressView #pv-status { height: 1; color: $text-muted; }
    ProgressView.compact DataTable { scrollbar-size-vertical: 1; }
    """

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


class ProgressModal(ModalScreen[int | None]):
    """The window shown right after login (R-PROG-1)."""

    DEFAULT_CSS = """
    ProgressModal { align: center middle; }
    ProgressModal > Vertical {
        width: 80; max-width: 100%; height: 24; max-height: 100%;
        border: round $accent; background: $surface; padding: 0 0;
    }
    ProgressModal #pm-help { height: 1; color: $text-muted; }
    """

    BINDINGS = [
        Binding("escape", "close", "关闭", id="progress.close"),
        Binding("t", "tasks", "任务详情", id="progress.tasks"),
    ]

    def __init__(self, services, actor: Actor, org_id: int | None = None):
        super().__init__()
        self.services = services
        self.actor = actor
        self.org_id = org_id if org_id is not None else actor.org_id

    def compose(self) -> ComposeResult:
        with Vertical():
            yield ProgressView(self.services, self.actor, self.org_id, id="pm-view")
            yield Static("↑↓ 选择 Enter 打开该组织 t 任务详情 Esc 关闭 · 管理中心“进度”标签可随时查看", id="pm-help")

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()

    @on(DataTable.RowSelected)
    def _open(self, event: DataTable.RowSelected) -> None:
        event.stop()
        child = self.query_one(ProgressView).child_at_cursor()
        if child is not None:
            self.dismiss(child.id)

    def action_close(self) -> None:
        self.dismiss(None)

    def action_tasks(self) -> None:
        self.app.push_screen(TasksScreen(self.services, self.actor, self.org_id))


class ProgressPane(Widget):
    """录入进度 pane of the management centre, with drill-down by keyboard."""

    DEFAULT_CSS = """
    ProgressPane { height: 1fr; layout: vertical; }
    ProgressPane #pp-help { height: 1; color: $text-muted; }
    """

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


class TasksScreen(ModalScreen[None]):
    """The deadline tasks over one organisation's subtree, each with what is missing
    (R-PROG-3): the organisations still to do, with their path and the reason. The
    administrator of the organisation that set a task edits or deletes it here; new tasks
    are set for the administrator's own organisation."""

    DEFAULT_CSS = """
    TasksScreen { align: center middle; }
    TasksScreen > Vertical {
        width: 80; max-width: 100%; height: 24; max-height: 100%;
        border: round $accent; background: $surface;
    }
    TasksScreen OptionList { height: 1fr; }
    TasksScreen #ts-status { height: auto; color: $text-muted; }
    TasksScreen #ts-help { height: 1; color: $text-muted; }
    """

    BINDINGS = [
        Binding("escape", "close", "关闭", id="tasks.close"),
        Binding("n", "new", "新建任务", id="tasks.new"),
        Binding("e", "edit", "修改", id="tasks.edit"),
        Binding("d", "delete", "删除", id="tasks.delete"),
    ]

    class Ready(Message):
        def __init__(self, tasks: tuple[TaskView, ...] | None, error: str = ""):
            super().__init__()
            self.tasks = tasks
            self.error = error

    def __init__(self, services, actor: Actor, org_id: int):
        super().__init__()
        self.services = services
        self.actor = actor
        self.org_id = org_id
        self.tasks: tuple[TaskView, ...] = ()

    def compose(self) -> ComposeResult:
        with Vertical():
            yield OptionList(id="ts-list")
            yield Static("正在读取录入任务…", id="ts-status")
            yield Static("↑↓ 选择  n 新建  e 修改  d 删除  Esc 返回", id="ts-help")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.load()

    @work(thread=True, exclusive=True, group="tasks")
    def load(self) -> None:
        try:
            self.post_message(self.Ready(self.services.progress.tasks(self.actor, self.org_id)))
        except DomainError as exc:
            self.post_message(self.Ready(None, exc.message))
        except Exception:  # noqa: BLE001 - no traceback reaches the screen
            self.post_message(self.Ready(None, "读取录入任务时出错，请稍后再试"))

    @staticmethod
    def render_task(t: TaskView) -> Text:
        out = task_text(t)
        out.append(f"\n  {t.kind_name}；由{t.org_name}设置")
        for m in t.missing:
            out.append(f"\n  · {m.path_text}：{m.reason}")
        if t.missing_count > len(t.missing):
            out.append(f"\n  …另有 {t.missing_count - len(t.missing)} 个组织（服务器上 zhtj progress --json 可查看全部）")
        return out

    @on(Ready)
    def _ready(self, message: Ready) -> None:
        status = self.query_one("#ts-status", Static)
        if message.tasks is None:
            status.update(Text(message.error, style="bold red"))
            return
        self.tasks = message.tasks
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options([Option(self.render_task(t), id=str(t.id)) for t in self.tasks])
        if self.tasks:
            options.highlighted = 0
        status.update("" if self.tasks else "本组织及上级组织尚未设置录入任务。按 n 新建。")

    def selected(self) -> TaskView | None:
        index = self.query_one(OptionList).highlighted
        return self.tasks[index] if index is not None and 0 <= index < len(self.tasks) else None

    def _not_editable(self, t: TaskView) -> bool:
        if t.editable:
            return False
        self.query_one("#ts-status", Static).update(
            Text(f"该任务由{t.org_name}设置，只能由{t.org_name}的管理员修改或删除", style="yellow"))
        return True

    def action_new(self) -> None:
        self.app.push_screen(TaskForm(self.services, self.actor), self._after_change)

    def action_edit(self) -> None:
        t = self.selected()
        if t is not None and not self._not_editable(t):
            self.app.push_screen(TaskForm(self.services, self.actor, t), self._after_change)

    def action_delete(self) -> None:
        t = self.selected()
        if t is None or self._not_editable(t):
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.delete_task(t.id)

        self.app.push_screen(ConfirmModal("删除任务", f"确定删除任务“{t.name}”吗？删除后下级组织也不再看到它。",
                                          yes="删除"), confirmed)

    @work(thread=True, exclusive=True, group="tasks-write")
    def delete_task(self, task_id: int) -> None:
        try:
            self.services.progress.delete_task(self.actor, task_id)
        except DomainError as exc:
            self.post_message(self.Ready(None, exc.message))
            return
        self.load()

    def _after_change(self, changed: bool | None) -> None:
        if changed:
            self.load()

    def action_close(self) -> None:
        self.dismiss(None)


class TaskForm(ModalScreen[bool]):
    """Set or change a deadline task of the administrator's own organisation (R-PROG-3).
    The values are checked by the service; its message is shown next to the form."""

    DEFAULT_CSS = """
    TaskForm { align: center middle; }
    TaskForm > Vertical { width: 72; max-width: 100%; height: auto; border: round $accent;
                          background: $surface; padding: 0 1; }
    TaskForm Label { margin-top: 0; color: $text-muted; }
    TaskForm #tf-error { height: auto; color: $error; }
    TaskForm #tf-help { height: 1; color: $text-muted; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "取消", id="taskform.cancel"),
        Binding("ctrl+s", "save", "保存", id="taskform.save"),
    ]

    class Done(Message):
        def __init__(self, error: DomainError | None):
            super().__init__()
            self.error = error

    def __init__(self, services, actor: Actor, task: TaskView | None = None):
        super().__init__()
        self.services = services
        self.actor = actor
        self.editing = task

    def compose(self) -> ComposeResult:
        t = self.editing
        with Vertical():
            yield Static(Text("修改录入任务" if t else "新建录入任务（适用于本组织及全部下级组织）", style="bold"))
            yield Label("任务名称 *")
            yield Input(t.name if t else "", placeholder="例如 2018级新生团支部建立", id="name", max_length=60)
            yield Label("任务类型 *")
            yield Select([(label, key) for key, label in TASK_KINDS.items()], allow_blank=False,
                         value=t.kind if t else "cohort_branches", id="kind")
            yield Label("入学年级（团支部建立任务必填；团员录入任务不填则为全部团支部）")
            yield Input(str(t.cohort) if t and t.cohort else "", placeholder="例如 2018", id="cohort", max_length=4)
            yield Label("截止日期 *")
            yield Input(t.due.isoformat() if t else "", placeholder="YYYY-MM-DD，例如 2026-11-15", id="due", max_length=10)
            yield Static("", id="tf-error")
            yield Static("Ctrl+S 保存（在截止日期中按 Enter 也可保存）  Esc 取消", id="tf-help")

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()

    @on(Input.Submitted, "#due")
    def _submit(self) -> None:
        self.action_save()

    def _fail(self, message: str, field: str | None) -> None:
        self.query_one("#tf-error", Static).update(message)
        if field in ("name", "kind", "cohort", "due"):
            self.query_one(f"#{field}").focus()

    def action_save(self) -> None:
        name = self.query_one("#name", Input).value
        kind = self.query_one("#kind", Select).value
        cohort_text = self.query_one("#cohort", Input).value.strip()
        due_text = self.query_one("#due", Input).value.strip()
        if cohort_text and not cohort_text.isdigit():
            self._fail("入学年级应为四位年份，例如 2018", "cohort")
            return
        try:
            due = date.fromisoformat(due_text)
        except ValueError:
            self._fail("截止日期应写成 YYYY-MM-DD，例如 2026-11-15", "due")
            return
        self.query_one("#tf-error", Static).update("正在保存…")
        self.save(name, str(kind), int(cohort_text) if cohort_text else None, due)

    @work(thread=True, exclusive=True, group="taskform")
    def save(self, name: str, kind: str, cohort: int | None, due: date) -> None:
        try:
            if self.editing is None:
                self.services.progress.create_task(self.actor, self.actor.org_id, name, kind, due, cohort)
            else:
                self.services.progress.update_task(self.actor, self.editing.id, name, kind, due, cohort)
        except DomainError as exc:
            self.post_message(self.Done(exc))
            return
        except Exception:  # noqa: BLE001 - no traceback reaches the screen
            self.post_message(self.Done(DomainError("保存时出错，请稍后再试")))
            return
        self.post_message(self.Done(None))

    @on(Done)
    def _done(self, message: Done) -> None:
        if message.error is None:
            self.dismiss(True)
        else:
            self._fail(message.error.message, message.error.field)

    def action_cancel(self) -> None:
        self.dismiss(False)
