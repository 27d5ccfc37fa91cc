"""团员录入: the keyboard-only rapid entry form (and, with ``member_id``, editing one member).

Every service call runs in a thread worker; the rules are the domain's and the services'
(the form calls the same domain functions for instant feedback, never its own copy).
"""

from __future__ import annotations

import time

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Input, Label, Static

from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.idcard import normalize_id_number, parse_id_number
from zhtj_tui.domain.joinage import age_in_months, age_on, check_join_month, is_over_age
from zhtj_tui.domain.member import MEMBER_FIELDS, REQUIRED_MEMBER_FIELDS
from zhtj_tui.domain.months import parse_month
from zhtj_tui.domain.vocab import political_statuses
from zhtj_tui.screens.confirm import ConfirmModal
from zhtj_tui.screens.members.fields import FORM_FIELDS, PLACEHOLDERS, STICKY_FIELDS, _choices
from zhtj_tui.screens.tcss import beside
from zhtj_tui.services.members import DuplicateMember
from zhtj_tui.widgets.calls import run_service
from zhtj_tui.widgets.choice import ChoiceInput
from zhtj_tui.widgets.field import FieldInput


class MemberEntryScreen(Screen):
    """Rapid entry (or, with ``member_id``, editing) of a branch's members, keyboard only."""

    DEFAULT_CSS = beside(__file__, "entry.tcss")

    BINDINGS = [
        Binding("ctrl+s", "save", "保存", id="members.entry.save"),
        Binding("escape", "close", "返回", id="members.entry.close"),
    ]

    def __init__(self, services, actor, branch_id: int, member_id: int | None = None,
                 branch_name: str = "", sticky: dict | None = None) -> None:
        super().__init__()
        self.services = services
        self.actor = actor
        self.branch_id = branch_id
        self.member_id = member_id
        self.branch_name = branch_name
        self.version: int | None = None
        self.saved_count = 0
        self.saving = False
        self.sticky: dict[str, str] = dict(sticky or {})
        #: Seconds from the last Ctrl+S to the blank form being ready (for the benchmark).
        self.last_ready_seconds: float | None = None
        self._save_started = 0.0
        self._live_shown = False

    @property
    def editing(self) -> bool:
        return self.member_id is not None

    # -- layout -------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(self._title(), id="entry-title", markup=False)
        yield Static("Enter 下一项 · Ctrl+S 保存 · Esc 返回 · 带*为必填", id="entry-help", markup=False)
        for key in FORM_FIELDS:
            label = MEMBER_FIELDS[key] + ("*" if key in REQUIRED_MEMBER_FIELDS else "")
            choices = _choices(key)
            kw = dict(id=f"f-{key}", placeholder=PLACEHOLDERS[key], select_on_focus=False, compact=True)
            field = ChoiceInput(choices, **kw) if choices else FieldInput(**kw)
            with Horizontal(classes="row", id=f"row-{key}"):
                yield Label(label)
                yield field
                yield Static("", id=f"h-{key}", classes="hint", markup=False)
        yield Static("", id="entry-error", markup=False)
        yield Footer()

    def _title(self) -> str:
        if self.editing:
            return f"修改团员信息 · {self.branch_name}"
        return f"团员录入 · {self.branch_name} · 本次已保存 {self.saved_count} 人"

    def on_mount(self) -> None:
        for field in self.query(Input):
            field.cursor_blink = self.services.settings.cursor_blink
        if self.editing:
            run_service(self, lambda: self.services.members.get(self.actor, self.member_id), self._loaded,
                     self._load_failed, group="entry-load")
        else:
            if not self.branch_name:
                run_service(self, lambda: self.services.orgs.get(self.actor, self.branch_id),
                         self._branch_loaded, self._load_failed, group="entry-load")
            self._fill(self.sticky)
        self.input("name").focus()

    def _branch_loaded(self, view) -> None:
        self.branch_name = view.short_name
        self.query_one("#entry-title", Static).update(self._title())

    def _loaded(self, view) -> None:
        self.branch_name, self.version = view.branch_name, view.version
        self.query_one("#entry-title", Static).update(self._title())
        values = view.form_values()
        item = political_statuses().get(view.political)
        values["political"] = (item.short or item.name) if item else ""
        self._fill(values)
        if not view.editable:
            self._show_error(DomainError("您只能查看该团员的信息，不能修改", None, "read_only"))
        self.input("name").focus()

    def _load_failed(self, exc: DomainError) -> None:
        self._show_error(exc)

    # -- fields ---------------------------------------------------------------------------
    def input(self, key: str) -> Input:
        return self.query_one(f"#f-{key}", Input)

    def values(self) -> dict[str, str]:
        return {key: self.input(key).value for key in FORM_FIELDS}

    def _fill(self, values: dict) -> None:
        for key in FORM_FIELDS:
            self.input(key).value = str(values.get(key) or "")
        for key in FORM_FIELDS:
            self._hint(key, "")
        self._refresh_derived()

    def _hint(self, key: str, text: str, state: str = "") -> None:
        hint = self.query_one(f"#h-{key}", Static)
        if str(hint.content) == text and hint.has_class("-bad") == (state == "bad"):
            return
        hint.update(text, layout=False)  # fixed size: no layout pass on every keystroke
        hint.set_class(state == "bad", "-bad")
        hint.set_class(state == "ok", "-ok")

    def on_input_changed(self, event: Input.Changed) -> None:
        key = (event.input.id or "")[2:]
        if key in ("id_number", "join_month"):
            self._refresh_derived()
        elif isinstance(event.input, ChoiceInput) and key in FORM_FIELDS:
            pick = event.input.best()
            if event.value.strip() and pick is None:
                self._hint(key, "不在列表中", "bad")
            else:
                self._hint(key, f"→ {pick}" if pick and pick != event.value else "")

    def _refresh_derived(self) -> None:
        """The ID number fills sex, birth date and age; the join month is checked against
        the age rule while typing (domain functions, the same the service uses)."""
        today = self.services.settings.today()
        policy = self.services.settings.join_age
        problems: list[str] = []
        raw = normalize_id_number(self.input("id_number").value)
        birth = None
        if not raw:
            self._hint("id_number", "")
        elif len(raw) < 18:
            self._hint("id_number", f"已输入 {len(raw)}/18 位")
        else:
            try:
                info = parse_id_number(raw, today)
            except DomainError as exc:
                self._hint("id_number", "✗ 号码有误，见下方", "bad")
                problems.append(exc.message)
            else:
                birth = info.birth_date
                over = " · 超龄" if is_over_age(birth, today, policy) else ""
                self._hint("id_number", f"{info.sex} · {birth.isoformat()} · {age_on(birth, today)}岁{over}", "ok")
        self._check_month(birth, today, policy, problems)
        self._live_problem("\n".join(problems))

    def _check_month(self, birth, today, policy, problems: list[str]) -> None:
        text = self.input("join_month").value
        if not text.strip():
            self._hint("join_month", "")
            return
        try:
            month = parse_month(text)
        except DomainError as exc:
            self._hint("join_month", "✗ 格式不对，见下方", "bad")
            problems.append(exc.message)
            return
        if birth is None:
            self._hint("join_month", f"{month}")
            return
        try:
            warnings = check_join_month(birth, month, today, policy)
        except DomainError as exc:
            self._hint("join_month", f"{month} ✗ 不符合入团年龄", "bad")
            problems.append(exc.message)
            return
        months = age_in_months(birth, month)
        note = f"{month} · 入团时{months // 12}周岁"
        self._hint("join_month", note + (" · 未满14周岁" if warnings else " ✓"), "ok")

    def _live_problem(self, text: str) -> None:
        """Show (or clear) what the live checks found, without hiding a save's message."""
        if text or self._live_shown:
            self.query_one("#entry-error", Static).update(text)
        self._live_shown = bool(text)

    def field_enter(self, field) -> None:
        """Enter in a field (called while the key is dispatched, so keys typed after it go to
        the next field): complete a value-list choice, then move on, or save on the last."""
        if isinstance(field, ChoiceInput) and not field.complete():
            key = (field.id or "")[2:]
            self._hint(key, "不在列表中，请重新输入", "bad")
            return
        if field.id == f"f-{FORM_FIELDS[-1]}":
            self.action_save()
        else:
            self.focus_next()

    def on_descendant_blur(self, event) -> None:
        widget = getattr(event, "widget", None) or getattr(event, "control", None)
        if isinstance(widget, ChoiceInput):
            widget.complete()

    # -- saving ---------------------------------------------------------------------------
    def action_save(self) -> None:
        if self.saving:
            return
        for key in FORM_FIELDS:
            field = self.input(key)
            if isinstance(field, ChoiceInput):
                field.complete()
        values = self.values()
        self.saving = True
        self._save_started = time.perf_counter()
        self.query_one("#entry-error", Static).update("正在保存…")
        members = self.services.members
        if self.editing:
            fn = lambda: members.update(self.actor, self.member_id, values, self.version)  # noqa: E731
        else:
            fn = lambda: members.add(self.actor, self.branch_id, values)  # noqa: E731
        run_service(self, fn, self._saved, self._save_failed, group="entry-save")

    def _saved(self, view) -> None:
        self.saving = False
        if self.editing:
            self.dismiss(view)
            return
        self.saved_count += 1
        self.sticky = {k: self.input(k).value for k in STICKY_FIELDS}
        self._fill(self.sticky)
        self.query_one("#entry-title", Static).update(self._title())
        note = "；".join(view.warnings)
        self.query_one("#entry-error", Static).update(f"已保存：{view.name}" + (f"（提示：{note}）" if note else ""))
        self.input("name").focus()
        self.last_ready_seconds = time.perf_counter() - self._save_started

    def _save_failed(self, exc: DomainError) -> None:
        self.saving = False
        if (isinstance(exc, DuplicateMember) and exc.code == "duplicate_in_subtree" and exc.member_id
                and not self.editing):
            if exc.holder_branch_id == self.branch_id:
                self._show_error(exc)
                return
            self._show_error(exc)
            message = f"{exc.message}\n\n是否将该团员从 {exc.holder_path} 转入本支部？"
            self.app.push_screen(ConfirmModal("该团员已在其他团支部", message, "转入本支部", default="yes"),
                                 lambda yes: self._move_here(exc.member_id) if yes else None)
            return
        self._show_error(exc)

    def _show_error(self, exc: DomainError) -> None:
        self.query_one("#entry-error", Static).update(exc.message)
        if exc.field in FORM_FIELDS:
            self._hint(exc.field, "✗ 见下方说明", "bad")
            field = self.input(exc.field)
            field.focus()
            field.cursor_position = len(field.value)

    def _move_here(self, member_id: int) -> None:
        self.saving = True
        run_service(self, lambda: self.services.members.transfer(self.actor, [member_id], self.branch_id),
                 self._moved, self._save_failed, group="entry-save")

    def _moved(self, result) -> None:
        self.saving = False
        self.saved_count += 1
        self.sticky = {k: self.input(k).value for k in STICKY_FIELDS}
        self._fill(self.sticky)
        self.query_one("#entry-title", Static).update(self._title())
        self.query_one("#entry-error", Static).update(f"已将该团员转入 {result.to_branch_name}")
        self.input("name").focus()

    def action_close(self) -> None:
        self.dismiss(None if self.editing else self.saved_count)
