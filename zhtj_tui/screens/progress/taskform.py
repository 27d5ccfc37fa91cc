"""``TaskForm``: set or change a deadline task of the administrator's own organisation."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static

from zhtj_tui.domain.dates import parse_date
from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.text import LIMITS
from zhtj_tui.screens.tcss import beside
from zhtj_tui.services.dto import Actor
from zhtj_tui.services.progress import TASK_KINDS, TaskView
from zhtj_tui.widgets.calls import run_service, unexpected_message
from zhtj_tui.widgets.select import ChineseSelect

if TYPE_CHECKING:
    from zhtj_tui.services import Services


class TaskForm(ModalScreen[bool]):
    """Set or change a deadline task of the administrator's own organisation (R-PROG-3).
    The values are checked by the service; its message is shown next to the form."""

    DEFAULT_CSS = beside(__file__, "taskform.tcss")
    BINDINGS = [
        Binding("escape", "cancel", "取消", id="taskform.cancel"),
        Binding("ctrl+s", "save", "保存", id="taskform.save"),
    ]

    def __init__(self, services: Services, actor: Actor, task: TaskView | None = None):
        super().__init__()
        self.services = services
        self.actor = actor
        self.editing = task

    def compose(self) -> ComposeResult:
        t = self.editing
        with Vertical():
            yield Static(Text("修改录入任务" if t else "新建录入任务（适用于本组织及全部下级组织）", style="bold"))
            yield Label("任务名称 *")
            yield Input(t.name if t else "", placeholder="例如 2018级新生团支部建立", id="name", max_length=LIMITS["task_name"])
            yield Label("任务类型 *")
            yield ChineseSelect([(label, key) for key, label in TASK_KINDS.items()], allow_blank=False,
                         value=t.kind if t else "cohort_branches", id="kind")
            yield Label("入学年级（团支部建立任务必填；团员录入任务不填则为全部团支部；完善组织树任务不填）")
            yield Input(str(t.cohort) if t and t.cohort else "", placeholder="例如 2018", id="cohort", max_length=4)
            yield Label("截止日期 *")
            yield Input(t.due.isoformat() if t else "", placeholder="YYYY-MM-DD，例如 2026-11-15", id="due", max_length=12)
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
            due = parse_date(due_text, "due", "截止日期")  # the service's rule, checked at once
        except DomainError as exc:
            self._fail(exc.message, exc.field)
            return
        self.query_one("#tf-error", Static).update("正在保存…")
        self.save(name, str(kind), int(cohort_text) if cohort_text else None, due)

    def save(self, name: str, kind: str, cohort: int | None, due: date) -> None:
        progress, actor, editing = self.services.progress, self.actor, self.editing
        if editing is None:
            org_id = actor.org_id
            assert org_id is not None, "a task is set by an organisation's administrator"

            def run() -> TaskView:
                return progress.create_task(actor, org_id, name, kind, due, cohort)
        else:
            def run() -> TaskView:
                return progress.update_task(actor, editing.id, name, kind, due, cohort)
        run_service(self, run, lambda _task: self.dismiss(True), lambda exc: self._fail(exc.message, exc.field),
                    on_failed=lambda exc: self._fail(unexpected_message(exc), None), group="taskform")

    def action_cancel(self) -> None:
        self.dismiss(False)
