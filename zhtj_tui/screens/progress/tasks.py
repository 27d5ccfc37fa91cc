"""Deadline tasks (R-PROG-3): ``TasksScreen`` (key t) lists the tasks over one
organisation's subtree with what is missing, and lets the administrator set, change or
delete their own through ``TaskForm``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from zhtj_tui.screens.confirm import ConfirmModal
from zhtj_tui.screens.progress.render import task_text
from zhtj_tui.screens.progress.taskform import TaskForm
from zhtj_tui.screens.tcss import beside
from zhtj_tui.services.dto import Actor
from zhtj_tui.services.progress import TaskView
from zhtj_tui.widgets.calls import run_service, unexpected_message

if TYPE_CHECKING:
    from zhtj_tui.services import Services


class TasksScreen(ModalScreen[None]):
    """The deadline tasks over one organisation's subtree, each with what is missing
    (R-PROG-3): the organisations still to do, with their path and the reason. The
    administrator of the organisation that set a task edits or deletes it here; new tasks
    are set for the administrator's own organisation."""

    DEFAULT_CSS = beside(__file__, "tasks.tcss")

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

    def __init__(self, services: Services, actor: Actor, org_id: int):
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

    def load(self) -> None:
        """Read the tasks in a thread worker (``run_service``: a refusal is shown in the
        status line; anything unexpected is logged with its traceback and said in Chinese)."""
        services, actor, org_id = self.services, self.actor, self.org_id
        run_service(self, lambda: services.progress.tasks(actor, org_id),
                    lambda tasks: self.post_message(self.Ready(tasks)),
                    lambda exc: self.post_message(self.Ready(None, exc.message)),
                    on_failed=lambda exc: self.post_message(self.Ready(None, unexpected_message(exc))),
                    group="tasks")

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

    def delete_task(self, task_id: int) -> None:
        """Delete in a thread worker; whatever happens, the screen stays and says what."""
        services, actor = self.services, self.actor
        run_service(self, lambda: services.progress.delete_task(actor, task_id),
                    lambda _: self.load(),
                    lambda exc: self.post_message(self.Ready(None, exc.message)),
                    on_failed=lambda exc: self.post_message(self.Ready(None, unexpected_message(exc))),
                    group="tasks-write")

    def _after_change(self, changed: bool | None) -> None:
        if changed:
            self.load()

    def action_close(self) -> None:
        self.dismiss(None)
