"""团员录入: the keyboard-only rapid entry form (and, with ``member_id``, editing one member).

Built for a typist who does not look at the screen (R-MEM-1, R-MEM-2): every key lands in the
field that has the focus at its point of the typed sequence (``widgets.keyorder``; while a
save runs the keys wait, then go to the blank form); entering a field selects what it holds,
so typing replaces a kept value and Enter keeps it. What the ID number and the join month
mean is on two full-width lines (age, 超龄, join age against the rule); saving someone 超龄
asks once. The ID number is checked for duplicates when it is left (``duplicates``), and
leaving with unsaved input asks 保存 / 放弃 / 继续录入 (``leaving``): the form's two base
screens.

Every service call runs in a thread worker; the rules are the domain's and the services'
(the form calls the same domain functions for instant feedback, never its own copy).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.reactive import Reactive
from textual.widget import Widget
from textual.widgets import Input, Static

from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.member import MEMBER_FIELDS, REQUIRED_MEMBER_FIELDS
from zhtj_tui.domain.vocab import political_statuses
from zhtj_tui.screens.confirm import ConfirmModal
from zhtj_tui.screens.members.derived import Derived, derive
from zhtj_tui.screens.members.duplicates import DuplicateIds
from zhtj_tui.screens.members.fields import FORM_FIELDS, PLACEHOLDERS, STICKY_FIELDS, _choices
from zhtj_tui.screens.members.leaving import AsksBeforeLeaving
from zhtj_tui.screens.tcss import beside
from zhtj_tui.widgets.calls import run_service
from zhtj_tui.widgets.choice import ChoiceInput
from zhtj_tui.widgets.field import FieldInput
from zhtj_tui.widgets.keyorder import hold_keys, release_keys

if TYPE_CHECKING:
    from textual.timer import Timer

    from zhtj_tui.services import Services
    from zhtj_tui.services.dto import Actor


#: Seconds a save may take before the form says "正在保存…".
SAVING_NOTE_AFTER = 0.25
#: The colours of a field's hint by its state (the theme's; no colour: the hint line's own).
HINT_STYLES = {"ok": "$success", "bad": "$error"}


class MemberEntryScreen(DuplicateIds, AsksBeforeLeaving):
    """Rapid entry (or, with ``member_id``, editing) of a branch's members, keyboard only."""

    DEFAULT_CSS = beside(__file__, "entry.tcss")

    #: Moving the focus repaints the two inputs concerned (their :focus style), not the
    #: whole screen (Textual's default for this attribute): the form moves the focus on every
    #: Enter, and after each save.
    focused: Reactive[Widget | None] = Reactive(None, repaint=False)

    BINDINGS = [
        Binding("ctrl+s", "save", "保存", id="members.entry.save"),
        Binding("escape", "close", "返回", id="members.entry.close"),
        Binding("f9", "logout", "退出登录", id="members.entry.logout"),
    ]

    def __init__(self, services: Services, actor: Actor, branch_id: int, member_id: int | None = None,
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
        #: The values as last filled in (a blank form with the kept values, or the loaded member).
        self._baseline: dict[str, str] = {}
        self._derived = Derived()
        #: The ID number whose 超龄 was confirmed ("asks once").
        self._over_age_ok = ""
        self._after_save = None
        #: Shows "正在保存…" if the save under way is still running after a moment.
        self._saving_note: Timer | None = None
        #: The form's inputs, hints and lines, kept from ``compose``: they are read and set
        #: several times a key and for every blank form, and a query walks the whole form.
        self._inputs: dict[str, Input] = {}
        self._hints: dict[str, Static] = {}
        self._hint_shown: dict[str, tuple[str, str]] = {}
        self._lines: dict[str, Static] = {}

    @property
    def editing(self) -> bool:
        return self.member_id is not None

    def unsaved_what(self) -> str:
        return "正在修改的团员信息" if self.editing else "正在录入的团员"

    def left_with(self) -> object:
        return None if self.editing else self.saved_count

    # -- layout -------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield self._keep_line(Static(self._title(), id="entry-title", markup=False))
        yield Static("进入一项时原值已选中：直接输入即替换，Enter 保留 · 带*为必填", id="entry-help", markup=False)
        for key in FORM_FIELDS:
            choices = _choices(key)
            # Entering a field selects its value: a typed key replaces it, Enter keeps it.
            kw: dict[str, Any] = dict(id=f"f-{key}", placeholder=PLACEHOLDERS[key], select_on_focus=True,
                                      compact=True)
            self._inputs[key] = ChoiceInput(choices, **kw) if choices else FieldInput(**kw)
            self._hints[key] = Static("", id=f"h-{key}", classes="hint", markup=False)
        # Three columns (labels, inputs, hints), not a row of three widgets per field: every
        # widget on the form is drawn again for each blank form, and the labels never change.
        labels = (MEMBER_FIELDS[k] + ("*" if k in REQUIRED_MEMBER_FIELDS else "") for k in FORM_FIELDS)
        with Horizontal(id="entry-form"):
            yield Static("\n".join(labels), id="entry-labels", markup=False)
            with Vertical(id="entry-inputs"):
                yield from self._inputs.values()
            with Vertical(id="entry-hints"):
                yield from self._hints.values()
        yield self._keep_line(Static("", id="entry-status", markup=False))
        yield self._keep_line(Static("", id="entry-error", markup=False))
        # The keys, written once: a Footer would be rebuilt on every move to the next field
        # (its bindings "change" with the focus), which costs more than the keystroke itself.
        yield Static("Ctrl+S 保存 · Enter 下一项 · Shift+Tab 上一项 · Esc 返回列表 · F9 退出登录",
                     id="entry-keys", markup=False)

    def _keep_line(self, line: Static) -> Static:
        self._lines[line.id or ""] = line
        return line

    def _title(self) -> str:
        if self.editing:
            return f"修改团员信息 · {self.branch_name}"
        return f"团员录入 · {self.branch_name} · 本次已保存 {self.saved_count} 人"

    def on_mount(self) -> None:
        for field in self._inputs.values():
            field.cursor_blink = self.services.settings.cursor_blink
        member_id = self.member_id
        if member_id is not None:
            hold_keys(self.app, self)  # typed ahead of the loaded values: they wait for them
            run_service(self, lambda: self.services.members.get(self.actor, member_id), self._loaded,
                        self._load_failed, group="entry-load")
        else:
            if not self.branch_name:
                run_service(self, lambda: self.services.orgs.get(self.actor, self.branch_id),
                            self._branch_loaded, self._load_failed, group="entry-load")
            self._fill(self.sticky)
        self.input("name").focus()

    def _branch_loaded(self, view) -> None:
        self.branch_name = view.short_name
        self._line("entry-title", self._title())

    def _loaded(self, view) -> None:
        self.branch_name, self.version = view.branch_name, view.version
        self._line("entry-title", self._title())
        values = view.form_values()
        item = political_statuses().get(view.political)
        values["political"] = (item.short or item.name) if item else ""
        self._fill(values)
        self._over_age_ok = self._derived.id_number  # already a member: nothing new to confirm
        if not view.editable:
            self._show_error(DomainError("您只能查看该团员的信息，不能修改", None, "read_only"))
        self.input("name").focus()
        release_keys(self.app, self)

    def _load_failed(self, exc: DomainError) -> None:
        release_keys(self.app, self)
        self._show_error(exc)

    # -- fields ---------------------------------------------------------------------------
    def input(self, key: str) -> Input:
        return self._inputs[key]

    def values(self) -> dict[str, str]:
        return {key: self.input(key).value for key in FORM_FIELDS}

    def unsaved(self) -> bool:
        """Something typed that is not saved (the kept values alone are not)."""
        now = self.values()
        return any(now[k].strip() != self._baseline.get(k, "").strip() for k in FORM_FIELDS)

    def _fill(self, values: dict) -> None:
        for key in FORM_FIELDS:
            self.input(key).value = str(values.get(key) or "")
        for key in FORM_FIELDS:
            self._hint(key, "")
        self._baseline = self.values()
        self._holder, self._looked_up = None, ""
        self._refresh_derived()

    def _line(self, widget_id: str, text: str) -> None:
        """Update a fixed-size line of the form, only when it changes and without a layout
        pass (a layout of the whole form on every keystroke is what slows bursts down)."""
        line = self._lines[widget_id]
        if str(line.content) != text:
            line.update(text, layout=False)

    def _hint(self, key: str, text: str, state: str = "") -> None:
        """The short text beside a field, coloured by its state ("", "ok" or "bad"). The
        colour is the text's own, not a CSS class: a class change restyles the widget
        through the whole stylesheet, on every keystroke and twice for each blank form."""
        if self._hint_shown.get(key, ("", "")) == (text, state):
            return
        self._hint_shown[key] = (text, state)
        style = HINT_STYLES.get(state, "")
        # Fixed size: no layout pass on every keystroke.
        self._hints[key].update(Content.styled(text, style) if style else Content(text), layout=False)

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
        """The ID number gives sex, birth date, age and 超龄; the join month is checked
        against the age rule while typing (``derived.derive``: the domain's functions)."""
        settings = self.services.settings
        d = derive(self.input("id_number").value, self.input("join_month").value, settings.today(),
                   settings.join_age)
        self._derived = d
        self._hint("id_number", d.id_hint, d.id_state)
        self._hint("join_month", d.month_hint, d.month_state)
        holder = self.current_holder()
        if holder is not None:
            self._hint("id_number", "✗ 已有此人，见下方", "bad")
        status = "\n".join(line for line in (d.person, d.joining) if line)
        self._line("entry-status", status)
        problems = [*([holder.message] if holder is not None else []), *d.problems]
        self._live_problem("\n".join(problems))

    def _live_problem(self, text: str) -> None:
        """Show (or clear) what the live checks found, without hiding a save's message."""
        if text or self._live_shown:
            self._line("entry-error", text)
        self._live_shown = bool(text)

    def field_enter(self, field) -> None:
        """Enter in a field: complete a value-list choice, then move on, or save on the last."""
        if isinstance(field, ChoiceInput) and not field.complete():
            key = (field.id or "")[2:]
            self._hint(key, "不在列表中，请重新输入", "bad")
            return
        if field.id == f"f-{FORM_FIELDS[-1]}":
            self.action_save()
        else:
            self.focus_next()

    # -- saving ---------------------------------------------------------------------------
    def action_save(self) -> None:
        if self.saving:
            return
        for key in FORM_FIELDS:
            field = self.input(key)
            if isinstance(field, ChoiceInput):
                field.complete()
        values = self.values()
        self._refresh_derived()
        d = self._derived
        if d.over_age and d.id_number != self._over_age_ok:
            self._ask_over_age(values, d)
            return
        self.saving = True
        # Keys typed from here on wait for the outcome: after a save they start the next
        # member on the blank form; they never land in the member being saved.
        hold_keys(self.app, self)
        self._save_started = time.perf_counter()
        # Said only when the save takes a noticeable time (a quick one would cost a redraw).
        self._saving_note = self.set_timer(SAVING_NOTE_AFTER, lambda: self._line("entry-error", "正在保存…"))
        members, member_id = self.services.members, self.member_id
        if member_id is not None:
            fn = lambda: members.update(self.actor, member_id, values, self.version)  # noqa: E731
        else:
            fn = lambda: members.add(self.actor, self.branch_id, values)  # noqa: E731
        run_service(self, fn, self._saved, self._save_failed, group="entry-save")

    def _ask_over_age(self, values: dict[str, str], d: Derived) -> None:
        """R-MEM-5: saving someone aged 28 or more asks once."""
        hold_keys(self.app, self)
        name = values["name"].strip() or "该团员"
        over = self.services.settings.join_age.over_age

        def answered(yes: bool | None) -> None:
            if yes:
                self._over_age_ok = d.id_number
                self.action_save()
            else:
                self.input("id_number").focus()

        self.app.push_screen(ConfirmModal(
            "超龄团员", f"{name} 现年{d.age}岁，已满{over}周岁（超龄）。仍要保存吗？", "保存", "返回修改",
            default="yes"), answered)
        # Keys typed before the question was shown were meant for the form, not for it.
        self._dropped(release_keys(self.app, self, discard=True))

    def _dropped(self, count: int) -> None:
        if count:
            self.notify(f"提示出现前已输入的 {count} 个按键未使用，请在回答后重新输入", severity="warning",
                        timeout=8)

    def _saved(self, view) -> None:
        self.saving = False
        self._stop_saving_note()
        if self.editing:
            release_keys(self.app, self)
            self.dismiss(view)
            return
        self._next_member(f"已保存：{view.name}" + (f"（提示：{'；'.join(view.warnings)}）" if view.warnings else ""))

    def _stop_saving_note(self) -> None:
        if self._saving_note is not None:
            self._saving_note.stop()
            self._saving_note = None

    def _next_member(self, message: str) -> None:
        self.saved_count += 1
        self.sticky = {k: self.input(k).value for k in STICKY_FIELDS}
        # The blank form's hints are set by ``_fill`` itself: the inputs' Changed messages
        # would only work them out again, and each is a round through the widgets' queues
        # before the blank form can be drawn.
        with self.prevent(Input.Changed):
            self._fill(self.sticky)
        self._line("entry-title", self._title())
        self._line("entry-error", message)
        # The blank form is drawn first, then the focus goes to 姓名: moving the focus
        # restyles both inputs through the whole stylesheet, the largest part of the work
        # between the save and the blank form. The keys typed meanwhile wait for the focus.
        self.call_after_refresh(self._start_next_member)

    def _start_next_member(self) -> None:
        self.input("name").focus()
        release_keys(self.app, self)  # after the focus: the waiting keys start the next member
        self.last_ready_seconds = time.perf_counter() - self._save_started
        then, self._after_save = self._after_save, None
        if then is not None:
            then()

    def _save_failed(self, exc: DomainError) -> None:
        self.saving = False
        self._stop_saving_note()
        self._after_save = None
        # The keys typed after Ctrl+S were meant for the next member: not for this one's fields.
        dropped = release_keys(self.app, self, discard=True)
        if dropped:
            exc = DomainError(f"{exc.message}\n（保存后已输入的 {dropped} 个按键未使用：改正后按 Ctrl+S，"
                              "再输入下一名团员）", exc.field, exc.code)
        if not self.offer_move(exc):
            self._show_error(exc)

    def _show_error(self, exc: DomainError) -> None:
        self._line("entry-error", exc.message)
        if exc.field in FORM_FIELDS:
            self._hint(exc.field, "✗ 见下方说明", "bad")
            self.input(exc.field).focus()
