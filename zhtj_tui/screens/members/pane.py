"""团员管理: the branch's member table, paged and searched in the database as you type."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Input, Static

from zhtj_tui.domain.errors import DomainError
from zhtj_tui.screens.members.dialogs import RemoveReasonModal, TransferModal
from zhtj_tui.screens.members.entry import MemberEntryScreen
from zhtj_tui.screens.tcss import beside
from zhtj_tui.services.dto import MemberRow
from zhtj_tui.widgets.calls import run_service
from zhtj_tui.widgets.cells import fit_middle
from zhtj_tui.widgets.clipboard import COPY_KEY, copy_rows

if TYPE_CHECKING:
    from zhtj_tui.services import Services
    from zhtj_tui.services.dto import Actor

COLUMNS = ("姓名", "身份证号", "性别", "年龄", "入团年月", "政治面貌", "职务", "超龄")
#: Above a branch the list spans many branches: 所在支部 comes right after the name.
SUBTREE_COLUMNS = ("姓名", "所在支部", *COLUMNS[1:])
#: Cells of 所在支部 (class names keep their end: 计算…2023级1班团支部).
BRANCH_CELLS = 18


class MembersPane(Vertical):
    """团员管理 of a branch (or of every branch under an organisation): a paged table
    searched in the database as you type."""

    DEFAULT_CSS = beside(__file__, "pane.tcss")


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
        Binding(COPY_KEY, "copy_list", "复制名单", id="members.copy", show=False),
    ]

    def __init__(self, services: Services, actor: Actor, org_id: int, *, id: str | None = None) -> None:  # noqa: A002
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
        #: The organisation is being read: n pressed meanwhile opens the form once it is known.
        self._org_loading = False
        self._after_load: Callable[[], None] | None = None

    def compose(self) -> ComposeResult:
        yield Static("团员管理", id="members-title", markup=False)
        yield Input(placeholder="查找：姓名 / 拼音首字母(zs) / 身份证后几位 / 团员编号", id="member-search", compact=True)
        table: DataTable[str] = DataTable(id="member-table", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static("", id="members-status", markup=False)

    def on_mount(self) -> None:
        self._columns_for: bool | None = None
        self._set_columns()
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
        # What the centre's view already says (the pane's own read brings the counts).
        self.org_name, self.is_branch, self.editable = view.short_name, view.is_branch, view.members_writable
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

        if not search_only:
            self._org_loading = True
        run_service(self, fn, self._loaded, self._failed, group="members-load", latest_only=True)

    def _loaded(self, result) -> None:
        org, page, counts, query = result
        if query != self.query_text:
            return  # a newer search is on its way
        if org is not None:
            self._org_loading = False
            self.org_name = org.short_name
            self.is_branch = org.is_branch
            self.editable = org.members_writable  # R-MEM-1, as the service decided it
            self.counts = (counts.members, counts.over_age)
        self.rows = list(page.items)
        self.next_after, self.total = page.next_after, page.total
        self._render_rows(reset=True)
        if org is not None and self._after_load is not None:
            then, self._after_load = self._after_load, None
            then()

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
        self._org_loading, self._after_load = False, None
        self.notify(exc.message, severity="error")

    def _cells(self, r: MemberRow) -> tuple[str, ...]:
        name = ("✓" if r.id in self.marked else "") + r.name
        branch = () if self.is_branch else (fit_middle(r.branch_name, BRANCH_CELLS),)
        return (name, *branch, r.id_masked, r.sex, str(r.age), r.join_month, r.political_name, r.post_label,
                "超龄" if r.over_age else "")

    def _set_columns(self) -> None:
        """A branch's own list, or the subtree's with 所在支部 (rebuilt when that changes)."""
        if self._columns_for is self.is_branch:
            return
        table = self.query_one("#member-table", DataTable)
        table.clear(columns=True)
        for col in COLUMNS if self.is_branch else SUBTREE_COLUMNS:
            table.add_column(col, key=col)
        self._columns_for = self.is_branch

    def _render_rows(self, reset: bool = False) -> None:
        table = self.query_one("#member-table", DataTable)
        cursor = table.cursor_row
        self._set_columns()
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
        if self._org_loading and not self.is_branch:
            self._after_load = self.action_new  # right after login: the branch is still being read
            return
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
        row = self.current()
        ids = sorted(self.marked) or ([row.id] if row is not None else [])
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

    def action_copy_list(self) -> None:
        """The member list (the export's columns, numbers partly hidden as in a default
        export) to the user's clipboard; recorded like an export."""
        services, actor, org_id = self.services, self.actor, self.org_id

        def run() -> tuple[tuple, list[tuple]]:
            from zhtj_tui.services.member_export import HEADERS

            services.member_export.start(actor, org_id, False)
            return HEADERS, list(services.member_export.rows(actor, org_id, False))

        def copy(found: tuple[tuple, list[tuple]]) -> None:
            header, rows = found
            copy_rows(self, header, rows, f" {len(rows)} 名团员的名单（身份证号码和手机号码已部分隐藏）",
                      "需要文件时，按 x 导出到您的文件夹，再用 sftp 或 WinSCP 下载。")

        run_service(self, run, copy, group="copy-members")

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

