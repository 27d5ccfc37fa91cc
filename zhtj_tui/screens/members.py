"""团员管理: the branch's member table (``MembersPane``) and the keyboard-only rapid entry
form (``MemberEntryScreen``), with the small dialogs they use. Built with
``(services, actor, org_id)`` so that the management centre can mount them as a pane.

Every service call runs in a thread worker; the rules are the domain's and the services'
(the form calls the same domain functions for instant feedback, never its own copy).
"""

from __future__ import annotations

import time

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.idcard import normalize_id_number, parse_id_number
from zhtj_tui.domain.joinage import age_in_months, age_on, check_join_month, is_over_age
from zhtj_tui.domain.member import MEMBER_FIELDS, REQUIRED_MEMBER_FIELDS
from zhtj_tui.domain.months import parse_month
from zhtj_tui.domain.vocab import education_levels, ethnic_groups, league_posts, political_statuses
from zhtj_tui.screens.confirm import ConfirmModal
from zhtj_tui.services.dto import MemberRow
from zhtj_tui.services.members import REMOVE_REASONS, DuplicateMember
from zhtj_tui.widgets.calls import run_service
from zhtj_tui.widgets.choice import ChoiceInput
from zhtj_tui.widgets.field import FieldInput

#: Fields of the entry form, in order (keys of ``domain.member.MEMBER_FIELDS``).
FORM_FIELDS = ("name", "id_number", "ethnic", "political", "join_month", "education", "mobile",
               "member_no", "post", "post_name", "join_unit", "note")
#: Carried over to the next member after a save (all overridable).
STICKY_FIELDS = ("ethnic", "political", "education", "join_month")


def _choices(key: str) -> tuple[str, ...]:
    if key == "ethnic":
        return tuple(i.name for i in ethnic_groups())
    if key == "political":
        return tuple(i.short or i.name for i in political_statuses())
    if key == "education":
        return tuple(i.name for i in education_levels())
    if key == "post":
        return tuple(i.name for i in league_posts())
    return ()


PLACEHOLDERS = {
    "name": "",
    "id_number": "18位，末位可为X",
    "ethnic": "如 汉 或 han",
    "political": "如 团员 或 gqty",
    "join_month": "2019-09 / 201909 / 2019.9",
    "education": "如 本科 或 bk",
    "mobile": "11位手机号码",
    "member_no": "12位；2017年后入团必填",
    "post": "可空；如 组织委员",
    "post_name": "职务为“其他”时填写",
    "join_unit": "可空",
    "note": "可空；在此按 Enter 保存",
}


class MemberEntryScreen(Screen):
    """Rapid entry (or, with ``member_id``, editing) of a branch's members, keyboard only."""

    DEFAULT_CSS = """
    MemberEntryScreen { layout: vertical; }
    MemberEntryScreen #entry-title { height: 1; background: $primary; color: $text; padding: 0 1; }
    MemberEntryScreen #entry-help { height: 1; color: $text-muted; padding: 0 1; }
    MemberEntryScreen .row { height: 1; }
    MemberEntryScreen .row Label { width: 16; padding: 0 1; }
    MemberEntryScreen .row Input { width: 28; height: 1; border: none; padding: 0 1; }
    MemberEntryScreen .row Input:focus { background: $boost; }
    MemberEntryScreen .row .hint { width: 1fr; padding: 0 1; color: $text-muted; }
    MemberEntryScreen .row .hint.-bad { color: $error; }
    MemberEntryScreen .row .hint.-ok { color: $success; }
    MemberEntryScreen #entry-error { height: 3; padding: 0 1; color: $error; }
    """

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


class RemoveReasonModal(ModalScreen["str | None"]):
    """Pick why a member leaves the list (a fixed list); the record is kept."""

    DEFAULT_CSS = """
    RemoveReasonModal { align: center middle; }
    RemoveReasonModal > Vertical { width: 50; height: auto; border: thick $error; background: $surface; padding: 0 1; }
    RemoveReasonModal OptionList { height: auto; max-height: 10; }
    """
    BINDINGS = [Binding("escape", "cancel", "取消", id="members.remove.cancel")]

    def __init__(self, name: str) -> None:
        super().__init__()
        self._name = name

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"{self._name} 离团：请选择原因（记录会保留）", markup=False)
            yield OptionList(*[Option(r, id=r) for r in REMOVE_REASONS], id="reasons")
            yield Static("↑↓ 选择 · Enter 确定 · Esc 取消", markup=False)

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class TransferModal(ModalScreen["int | None"]):
    """Pick the branch to move members to (branches the administrator manages)."""

    DEFAULT_CSS = """
    TransferModal { align: center middle; }
    TransferModal > Vertical { width: 72; height: 18; border: thick $primary; background: $surface; padding: 0 1; }
    TransferModal Input { height: 1; border: none; }
    TransferModal OptionList { height: 1fr; }
    """
    BINDINGS = [Binding("escape", "cancel", "取消", id="members.transfer.cancel")]

    def __init__(self, services, actor, count: int, exclude: int | None = None) -> None:
        super().__init__()
        self.services, self.actor, self.count, self.exclude = services, actor, count, exclude

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"将 {self.count} 名团员转入：", markup=False)
            yield Input(placeholder="输入支部名称的一部分查找", id="transfer-search", compact=True)
            yield OptionList(id="transfer-targets")
            yield Static("↓ 进入列表 · Enter 确定 · Esc 取消", markup=False)

    def on_mount(self) -> None:
        self._load("")
        self.query_one("#transfer-search", Input).focus()

    def _load(self, text: str) -> None:
        run_service(self, lambda: self.services.members.branches(self.actor, text), self._show,
                 lambda exc: self.notify(exc.message, severity="error"), group="transfer-load")

    def _show(self, branches) -> None:
        options = self.query_one("#transfer-targets", OptionList)
        options.clear_options()
        for b in branches:
            if b.id != self.exclude:
                options.add_option(Option(" / ".join(b.path_names), id=str(b.id)))
        if options.option_count:
            options.highlighted = 0

    def on_input_changed(self, event: Input.Changed) -> None:
        self._load(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        options = self.query_one("#transfer-targets", OptionList)
        if options.option_count:
            options.focus()

    def key_down(self) -> None:
        self.query_one("#transfer-targets", OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id))

    def action_cancel(self) -> None:
        self.dismiss(None)


COLUMNS = ("姓名", "身份证号", "性别", "年龄", "入团年月", "政治面貌", "职务", "超龄")


class MembersPane(Vertical):
    """团员管理 of a branch (or of every branch under an organisation): a paged table
    searched in the database as you type."""

    DEFAULT_CSS = """
    MembersPane { height: 1fr; }
    MembersPane #members-title { height: 1; text-style: bold; padding: 0 1; }
    MembersPane #member-search { height: 1; border: none; margin: 0 1; }
    MembersPane #member-table { height: 1fr; }
    MembersPane #members-status { height: 1; color: $text-muted; padding: 0 1; }
    """

    BINDINGS = [
        Binding("n", "new", "录入", id="members.new"),
        Binding("e", "edit", "修改", id="members.edit"),
        Binding("d", "remove", "离团", id="members.remove"),
        Binding("t", "transfer", "转移", id="members.transfer"),
        # Shown in the pane's own status line; kept out of the Footer so it fits 80 columns.
        Binding("space", "mark", "标记", id="members.mark", show=False),
        Binding("slash", "search", "查找", id="members.search", show=False),
        Binding("i", "import", "导入", id="members.import"),
        Binding("x", "export", "导出", id="members.export"),
    ]

    def __init__(self, services, actor, org_id: int, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.services = services
        self.actor = actor
        self.org_id = org_id
        self.org_name = ""
        self.is_branch = False
        self.editable = False
        self.rows: list[MemberRow] = []
        self.next_after: tuple | None = None
        self.total: int | None = None
        self.counts = (0, 0)
        self.marked: set[int] = set()
        self.query_text = ""
        self._loading_more = False

    def compose(self) -> ComposeResult:
        yield Static("团员管理", id="members-title", markup=False)
        yield Input(placeholder="查找：姓名 / 拼音首字母(zs) / 身份证后几位 / 团员编号", id="member-search", compact=True)
        table = DataTable(id="member-table", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static("", id="members-status", markup=False)

    def on_mount(self) -> None:
        table = self.query_one("#member-table", DataTable)
        for col in COLUMNS:
            table.add_column(col, key=col)
        self.query_one("#member-search", Input).cursor_blink = self.services.settings.cursor_blink
        self.reload()
        # No focus here: inside the centre's tabs, focusing would switch to this tab.
        # The centre (or a host screen) calls focus_first().

    # -- the management centre's pane protocol (applies_to / org_changed / orgs_changed /
    # focus_first) ---------------------------------------------------------------------------
    @classmethod
    def applies_to(cls, view, actor) -> bool:  # noqa: ARG003
        """Every organisation: a branch's own members, or every branch's below a committee
        (search and transfers across them); entering needs a branch."""
        return True

    def org_changed(self, view) -> None:
        """Show another organisation's members."""
        self.org_id = view.id
        self.marked.clear()
        self.query_text = ""
        if self.is_mounted:
            self.query_one("#member-search", Input).value = ""
            self.reload()

    def orgs_changed(self, org_id: int) -> None:  # noqa: ARG002
        """Organisations changed somewhere: names and counts may be stale."""
        if self.is_mounted:
            self.reload()

    def focus_first(self) -> None:
        self.query_one("#member-table", DataTable).focus()

    # -- loading ---------------------------------------------------------------------------
    def reload(self, search_only: bool = False) -> None:
        """Load the page (and, unless only the search changed, the organisation and counts)."""
        query, org_id = self.query_text, self.org_id
        svc, actor = self.services, self.actor

        def fn():
            page = svc.members.list(actor, org_id, query)
            if search_only:
                return None, page, None, query
            return svc.orgs.get(actor, org_id), page, svc.members.totals(actor, org_id), query

        run_service(self, fn, self._loaded, self._failed, group="members-load")

    def _loaded(self, result) -> None:
        org, page, counts, query = result
        if query != self.query_text:
            return  # a newer search is on its way
        if org is not None:
            self.org_name = org.short_name
            self.is_branch = org.is_branch
            # R-MEM-1 as the service decided it: the branch's own or its direct parent's administrator.
            self.editable = org.is_branch and (org.editable or org.correctable)
            self.counts = (counts.members, counts.over_age)
        self.rows = list(page.items)
        self.next_after, self.total = page.next_after, page.total
        self._render_rows(reset=True)

    def _more_loaded(self, result) -> None:
        page, query = result
        self._loading_more = False
        if query != self.query_text:
            return
        self.rows.extend(page.items)
        self.next_after = page.next_after
        table = self.query_one("#member-table", DataTable)
        for row in page.items:
            table.add_row(*self._cells(row), key=str(row.id))
        self._status()

    def _failed(self, exc: DomainError) -> None:
        self._loading_more = False
        self.notify(exc.message, severity="error")

    def _cells(self, r: MemberRow) -> tuple[str, ...]:
        name = ("✓" if r.id in self.marked else "") + r.name
        return (name, r.id_masked, r.sex, str(r.age), r.join_month, r.political_name, r.post_label,
                "超龄" if r.over_age else "")

    def _render_rows(self, reset: bool = False) -> None:
        table = self.query_one("#member-table", DataTable)
        cursor = table.cursor_row
        table.clear()
        for row in self.rows:
            table.add_row(*self._cells(row), key=str(row.id))
        if not reset and self.rows:
            table.move_cursor(row=min(cursor, len(self.rows) - 1))
        title = f"团员管理 · {self.org_name}"
        self.query_one("#members-title", Static).update(title)
        self._status()

    def _status(self) -> None:
        total, over = self.counts
        shown = ""
        if self.query_text:
            shown = f"找到 {self.total} 人 · " if self.total is not None else f"找到 {len(self.rows)}+ 人 · "
        marks = f" · 已标记 {len(self.marked)}" if self.marked else ""
        keys = "n录入 e修改 d离团 t转移 空格标记 /查找 i导入 x导出"
        self.query_one("#members-status", Static).update(f"{shown}共 {total} 人 · 超龄 {over} 人{marks} │ {keys}")

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "member-search":
            return
        event.stop()
        self.query_text = event.value.strip()
        self.reload(search_only=True)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "member-search":
            event.stop()
            self.query_one("#member-table", DataTable).focus()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        table = event.data_table
        if self.next_after and not self._loading_more and event.cursor_row >= table.row_count - 1:
            self._loading_more = True
            after, query, org_id = self.next_after, self.query_text, self.org_id
            run_service(self, lambda: (self.services.members.list(self.actor, org_id, query, after=after), query),
                     self._more_loaded, self._failed, group="members-more")

    # -- actions ---------------------------------------------------------------------------
    def current(self) -> MemberRow | None:
        table = self.query_one("#member-table", DataTable)
        if not self.rows or table.cursor_row < 0 or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def action_search(self) -> None:
        self.query_one("#member-search", Input).focus()

    def action_mark(self) -> None:
        row = self.current()
        if row is None:
            return
        self.marked.symmetric_difference_update({row.id})
        table = self.query_one("#member-table", DataTable)
        table.update_cell(str(row.id), "姓名", self._cells(row)[0])
        if table.cursor_row < table.row_count - 1:
            table.move_cursor(row=table.cursor_row + 1)
        self._status()

    def action_new(self) -> None:
        if not self.is_branch:
            self.notify("请先在组织树中选择一个团支部，再录入团员", severity="warning")
            return
        if not self.editable:
            self.notify("只有本支部或其直属上级组织的管理员可以录入团员", severity="warning")
            return
        self.app.push_screen(MemberEntryScreen(self.services, self.actor, self.org_id, branch_name=self.org_name),
                             lambda _count: self.reload())

    def action_edit(self) -> None:
        row = self.current()
        if row is None:
            return
        self.app.push_screen(MemberEntryScreen(self.services, self.actor, row.branch_id, member_id=row.id),
                             lambda _view: self.reload())

    def action_remove(self) -> None:
        row = self.current()
        if row is None:
            return

        def chosen(reason: str | None) -> None:
            if reason:
                run_service(self, lambda: self.services.members.remove(self.actor, row.id, reason),
                         lambda v: self._changed(f"{v.name} 已离团（{reason}），记录已保留"), self._failed,
                         group="members-write")

        self.app.push_screen(RemoveReasonModal(row.name), chosen)

    def action_transfer(self) -> None:
        ids = sorted(self.marked) or ([self.current().id] if self.current() else [])
        if not ids:
            return

        def chosen(branch_id: int | None) -> None:
            if branch_id:
                run_service(self, lambda: self.services.members.transfer(self.actor, ids, branch_id),
                         lambda res: self._changed(f"已将 {len(res.moved)} 人转入 {res.to_branch_name}", clear=True),
                         self._failed, group="members-write")

        self.app.push_screen(TransferModal(self.services, self.actor, len(ids), exclude=self.org_id), chosen)

    def action_import(self) -> None:
        """批量导入团员 (R-MEM-1): the template, the check with its preview, then F9."""
        if not self.is_branch:
            self.notify("团员只能导入到团支部：请按 F4 到组织树，用 ↑↓ 和 Enter 选中要导入的团支部，再在本页按 i 导入",
                        severity="warning", timeout=8)
            return
        if not self.editable:
            self.notify("只有本支部或其直属上级组织的管理员可以导入团员", severity="warning")
            return
        from zhtj_tui.screens.batch_import import BatchImportScreen

        # Reload whatever the screen returns: rows may have been imported before a later check.
        self.app.push_screen(BatchImportScreen(self.services, self.actor, self.org_id, "members"),
                             lambda _result: self.reload())

    def action_export(self) -> None:
        """导出 the organisation's and its subtree's active members to .xlsx."""
        from zhtj_tui.screens.member_excel import ExportMembersModal

        def done(result) -> None:
            if result is None:
                return
            scope = "" if self.is_branch else "及其下级组织"
            message = f"已导出“{result.org_name}”{scope}的 {result.count} 名团员到 {result.path}"
            if result.full_ids:
                self.notify(message + "。该文件含完整身份证号码和手机号码，请妥善保管，用后删除",
                            severity="warning", timeout=12)
            else:
                self.notify(message + "（身份证号码和手机号码已部分隐藏）", timeout=10)

        self.app.push_screen(ExportMembersModal(self.services, self.actor, self.org_id, self.org_name,
                                                subtree=not self.is_branch), done)

    def _changed(self, message: str, clear: bool = False) -> None:
        if clear:
            self.marked.clear()
        self.notify(message)
        self.reload()
