"""下级组织管理 (R-SUB-3, R-CODE-4): the direct children with their status, a page at a time;
per row the registration code (shown, or re-generated after confirmation); for all of
them 批量生成注册码 into an .xlsx file at a path the user picks."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, DataTable, Static

from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.outfile import FILE_EXISTS
from zhtj_tui.screens.code_modal import CodeModal
from zhtj_tui.screens.confirm import ConfirmModal, PromptModal
from zhtj_tui.screens.fix_dialogs import AdminsModal, MoveModal
from zhtj_tui.screens.panes import CentrePane
from zhtj_tui.services.dto import (
    Actor,
    ChildRow,
    CodesExported,
    CodeView,
    DeleteResult,
    MoveResult,
    OrgView,
    Page,
)
from zhtj_tui.widgets.cells import fit_middle
from zhtj_tui.widgets.clipboard import COPY_KEY, copy_rows
from zhtj_tui.widgets.host import host

if TYPE_CHECKING:
    from zhtj_tui.services import Services

#: (key, header, cells): sized so that all six fit the right side at 80 columns with the
#: organisation tree showing (52 cells, less a frame and a one-cell scroll bar); the line under the table tells the highlighted
#: row in full (R-SUB-3: name, category, information, secretary, administrators, code).
COLUMNS = (
    ("name", "组织", 13),
    ("category", "类别", 6),
    ("secretary", "书记", 6),
    ("info", "信息", 4),
    ("admins", "管理", 4),
    ("code", "注册码", 11),
)


def codes_file_name(org_name: str, today) -> str:
    """注册码-<组织>-<日期>.xlsx."""
    safe = "".join(ch for ch in org_name if ch not in '/\\:*?"<>|').strip() or "组织"
    return f"注册码-{safe}-{today:%Y%m%d}.xlsx"


#: The keys of fixing mistakes, said under the table (the footer is full at 80 columns).
FIX_KEYS = "a 管理员  m 移动  d 删除"


def default_codes_path(org_name: str, today) -> str:
    """~/注册码-<组织>-<日期>.xlsx (shown with ~, expanded when written)."""
    return "~/" + codes_file_name(org_name, today)


class ChildrenPane(CentrePane):
    BINDINGS = [
        Binding("c", "show_code", "注册码", id="children.code"),
        Binding("g", "renew_code", "重新生成", id="children.renew"),
        Binding("b", "batch_codes", "批量生成", id="children.batch"),
        Binding(COPY_KEY, "copy_codes", "复制注册码", id="children.copy", show=False),
        # Fixing mistakes (R-TREE-6, R-REG-6): said on the status line under the table.
        Binding("a", "admins", "管理员", id="children.admins", show=False),
        Binding("m", "move", "移动组织", id="children.move", show=False),
        Binding("d", "delete", "删除组织", id="children.delete", show=False),
        Binding("delete", "delete", "删除组织", id="children.delete_key", show=False),
        # Said on the status line when there is another page (the footer is full at 80 columns).
        Binding("right_square_bracket", "next_page", "下一页", id="children.next", show=False),
        Binding("left_square_bracket", "prev_page", "上一页", id="children.prev", show=False),
    ]

    def __init__(self, services: Services, actor: Actor, org_id: int, **kw) -> None:
        super().__init__(services, actor, org_id, **kw)
        self.rows: tuple[ChildRow, ...] = ()
        self.pages: list[tuple | None] = [None]  # the `after` key of each page seen
        self.next_after: tuple | None = None
        self.total: int | None = None
        self.last_file: Path | None = None
        self.page_status = ""

    @classmethod
    def applies_to(cls, view: OrgView, actor: Actor) -> bool:
        return not view.is_branch

    def compose(self) -> ComposeResult:
        # No padding of the table's own: one blank cell after each column instead of two.
        table: DataTable = DataTable(id="children-table", cursor_type="row", zebra_stripes=True, cell_padding=0)
        for key, header, cells in COLUMNS:
            last = key == COLUMNS[-1][0]
            table.add_column(header, width=cells if last else cells + 1, key=key)
        yield table
        yield Static("", id="children-status", markup=False)
        with Horizontal(classes="buttons"):
            yield Button("注册码", id="btn-code", compact=True)
            yield Button("重新生成", id="btn-renew", compact=True)
            yield Button("批量生成", id="btn-batch", compact=True, variant="primary")
            yield Button("上页", id="btn-prev", compact=True)
            yield Button("下页", id="btn-next", compact=True)

    def org_changed(self, view: OrgView) -> None:
        changed = self.view is None or self.view.id != view.id
        super().org_changed(view)
        if changed:
            self.pages = [None]
        self.load()

    def orgs_changed(self, org_id: int) -> None:
        if org_id == self.org_id:
            self.load()

    def focus_first(self) -> None:
        self.query_one(DataTable).focus()

    # -- loading ------------------------------------------------------------------------------
    def load(self) -> None:
        services, actor, org_id, after = self.services, self.actor, self.org_id, self.pages[-1]
        self.call_service(lambda: services.orgs.list_children(actor, org_id, after=after), self._loaded,
                          group="children")

    def _loaded(self, page: Page[ChildRow]) -> None:
        fmt = host(self).settings.fmt
        if page.total is not None:
            self.total = page.total
        self.rows = page.items
        self.next_after = page.next_after
        table = self.query_one(DataTable)
        table.clear()
        for r in page.items:
            table.add_row(*row_cells(r, fmt), key=str(r.id))
        n = len(self.pages)
        total = f"共 {self.total} 个直属下级组织" if self.total is not None else ""
        more = "，按 ] 看下一页" if self.next_after else ""
        if n > 1:
            more += "，按 [ 回上一页"
        if not page.items and n == 1:
            status = "还没有直属下级组织：请在“创建下级”标签中创建。"
        else:
            status = f"{total}，第 {n} 页{more}\n{FIX_KEYS}"
        self.page_status = status
        self._show_status()

    def _show_status(self) -> None:
        lines = [self.page_status]
        row = self.current_row()
        if row is not None:
            lines.insert(0, row_detail(row, host(self).settings.fmt))
        if self.last_file is not None:
            lines.append(f"注册码已保存到：{self.last_file}")
        self.query_one("#children-status", Static).update("\n".join(lines))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_status()

    def action_next_page(self) -> None:
        if self.next_after is not None:
            self.pages.append(self.next_after)
            self.load()

    def action_prev_page(self) -> None:
        if len(self.pages) > 1:
            self.pages.pop()
            self.load()

    # -- codes ----------------------------------------------------------------------------------
    def current_row(self) -> ChildRow | None:
        table = self.query_one(DataTable)
        if not self.rows or table.cursor_row is None or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def _need_home(self) -> bool:
        if not self.is_home:
            self.notify("只能为本组织的直属下级组织生成注册码；请在组织树中选中您管理的组织", severity="warning")
            return False
        return True

    def action_show_code(self) -> None:
        row = self.current_row()
        if row is None or not self._need_home():
            return
        services, actor = self.services, self.actor
        self.call_service(lambda: services.codes.show_or_issue(actor, row.id),
                          lambda code: self._show_code(code, row.code_status), group="code")

    def action_renew_code(self) -> None:
        row = self.current_row()
        if row is None or not self._need_home():
            return
        services, actor = self.services, self.actor

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.call_service(lambda: services.codes.issue(actor, row.id),
                                  lambda code: self._show_code(code, row.code_status), group="code")

        self.app.push_screen(ConfirmModal(
            "重新生成注册码", f"为 {row.short_name} 重新生成管理员注册码？\n{renew_effect(row)}",
            yes="重新生成"), confirmed)

    def _show_code(self, code: CodeView, before: str) -> None:
        self.app.push_screen(CodeModal(code, host(self).settings.fmt, code_note(code, before)))
        self.load()

    def action_copy_codes(self) -> None:
        """The valid codes of this page's children, to the user's clipboard (Ctrl+Y): as
        批量生成注册码 writes them, without issuing any."""
        if self.view is None or not self._need_home():
            return
        rows = [r for r in self.rows if r.code_status == "有效"]
        if not rows:
            self.notify("本页没有有效的注册码可复制：按 b 为全部直属下级组织生成", severity="warning")
            return
        services, actor, fmt = self.services, self.actor, host(self).settings.fmt

        def run() -> list[tuple]:
            out = []
            for r in rows:
                code = services.codes.current(actor, r.id)
                if code is not None:
                    out.append((code.org_name, code.category_name, code.code, fmt(code.expires_at)))
            return out

        def copy(found: list[tuple]) -> None:
            copy_rows(self, ("组织名称", "组织类别", "管理员注册码", "有效期至"), found,
                      f" {len(found)} 个下级组织的注册码",
                      "需要文件时，按 b 批量生成注册码保存到您的文件夹，再用 sftp 或 WinSCP 下载。")

        self.call_service(run, copy, group="copy-codes")

    def action_batch_codes(self) -> None:
        if self.view is None or not self._need_home():
            return
        folder = self.services.files.folder(self.actor)
        default = folder.default(codes_file_name(self.view.short_name, host(self).settings.today()))
        self.app.push_screen(PromptModal(
            "批量生成注册码", "保存到您的文件夹：" if folder.confined else "保存到文件：", default,
            help_text="为全部直属下级组织生成注册码（已有有效注册码的保留原码），写入 Excel 文件。",
            ok="生成并保存"), self._batch_to)

    def _batch_to(self, path: str | None, overwrite: bool = False) -> None:
        if not path:
            return
        services, actor, org_id = self.services, self.actor, self.org_id
        target = path.strip()  # taken in the administrator's own folder by the service
        if not target.lower().endswith(".xlsx"):
            target += ".xlsx"

        def run() -> CodesExported:
            return services.files.export_codes(actor, org_id, target, overwrite=overwrite)

        def failed(exc: DomainError) -> None:
            if exc.code == FILE_EXISTS:
                self.app.push_screen(
                    ConfirmModal("文件已存在", f"文件已存在，是否覆盖？\n{target}", yes="覆盖", no="不覆盖"),
                    lambda yes: self._batch_to(path, overwrite=True) if yes else self.notify(
                        "未覆盖原文件，请换一个文件名后重新生成", severity="warning"))
                return
            self.notify(exc.message, severity="error", timeout=8)

        self.call_service(run, self._batch_done, failed, group="batch-codes")

    def _batch_done(self, result: CodesExported) -> None:
        path, n = result.path, result.count
        if path is None:
            self.notify("还没有直属下级组织，没有生成注册码", severity="warning")
            return
        self.last_file = path
        self.notify(f"已为 {n} 个直属下级组织生成注册码，保存到 {path}", timeout=10)
        self.load()

    # -- fixing mistakes: administrators, moving, deleting ------------------------------------
    def action_admins(self) -> None:
        """R-REG-6: the highlighted child's administrators (deactivate, reset code)."""
        row = self.current_row()
        if row is None:
            return
        self.app.push_screen(AdminsModal(self.services, self.actor, row, may_manage=self.is_home),
                             lambda changed: self.load() if changed else None)

    def action_move(self) -> None:
        """R-TREE-6: move the highlighted child with its subtree under another organisation."""
        row = self.current_row()
        if row is None:
            return

        def moved(result: MoveResult | None) -> None:
            if result is None:
                return
            self.notify(f"已将 {result.short_name} 移到 {' / '.join(result.path_names[:-1])} 之下"
                        f"（下级组织 {result.orgs - 1} 个、团员 {result.members} 名随之移动）", timeout=8)
            self.post_message(CentrePane.OrgsChanged(result.new_parent_id))
            self.post_message(CentrePane.OrgsChanged(result.old_parent_id))

        self.app.push_screen(MoveModal(self.services, self.actor, row), moved)

    def action_delete(self) -> None:
        """R-TREE-6: delete the highlighted child when it was created by mistake and is empty;
        otherwise say what is still there."""
        row = self.current_row()
        if row is None:
            return
        services, actor = self.services, self.actor

        def deleted(result: DeleteResult) -> None:
            self.notify(f"已删除 {result.short_name}，原因已记入审计日志")
            self.post_message(CentrePane.OrgsChanged(result.parent_id))

        def with_reason(reason: str | None) -> None:
            if reason:
                self.call_service(lambda: services.orgs.delete(actor, row.id, reason), deleted, group="org-delete")

        def blockers_read(blockers: tuple[str, ...]) -> None:
            if blockers:
                self.notify(f"{row.short_name} 还有{'、'.join(blockers)}，不能删除。删除只用于误建的空组织；"
                            "放错位置的组织请按 m 移动", severity="error", timeout=10)
                return
            self.app.push_screen(PromptModal(
                "删除组织", "删除原因：", ok="删除",
                help_text=f"将删除误建的组织 {row.short_name}（其未使用的注册码一并作废），删除后不能恢复。"),
                with_reason)

        self.call_service(lambda: services.orgs.delete_blockers(actor, row.id), blockers_read, group="org-delete")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        actions = {"btn-code": self.action_show_code, "btn-renew": self.action_renew_code,
                   "btn-batch": self.action_batch_codes, "btn-prev": self.action_prev_page,
                   "btn-next": self.action_next_page}
        action = actions.get(event.button.id or "")
        if action:
            event.stop()
            action()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_show_code()


def renew_effect(row: ChildRow) -> str:
    if row.code_status == "有效":
        return "该组织此前未使用的注册码将作废，请改用新的注册码。"
    if row.admin_count:
        return f"该组织已有 {row.admin_count} 名管理员，不受影响；新注册码可供另一位管理员注册。"
    return "新注册码有效期内可供该组织的一位管理员注册。"


def code_note(code: CodeView, before: str) -> str:
    """What happened to the child's code, by what the table said before (R-CODE-5)."""
    if code.reused:
        return "这是该组织尚未使用的有效注册码（没有重新生成）"
    if before == "有效":
        return "已生成新的注册码；此前未使用的注册码已作废"
    return "已生成新的注册码"


def short_org_name(row: ChildRow) -> str:
    """The name without its category's ending (shown in 类别), fitted to the column."""
    name = row.short_name
    if name.endswith(row.category_name) and len(name) > len(row.category_name):
        name = name[: -len(row.category_name)]
    return fit_middle(name, COLUMNS[0][2])


def code_cell(row: ChildRow, fmt) -> str:
    if row.code_expires_at is not None and row.code_status == "有效":
        return f"有效至{fmt(row.code_expires_at)[5:10]}"
    return row.code_status


def row_cells(row: ChildRow, fmt) -> tuple[str, ...]:
    return (
        short_org_name(row),
        fit_middle(row.category_name, COLUMNS[1][2]),
        fit_middle(row.secretary_name, COLUMNS[2][2]) if row.secretary_name else "—",
        "完整" if row.info_complete else "不全",
        str(row.admin_count) if row.admin_count else "无",
        code_cell(row, fmt),
    )


def row_detail(row: ChildRow, fmt) -> str:
    """The highlighted row in full words, under the table."""
    code = row.code_status
    if row.code_expires_at is not None and row.code_status == "有效":
        code = f"有效至 {fmt(row.code_expires_at)}"
    return (f"{row.short_name}（{row.category_name}）信息{'完整' if row.info_complete else '未完整'}，"
            f"书记 {row.secretary_name or '未填'}，{admins_text(row.admin_count)}，注册码{code}")


def admins_text(n: int) -> str:
    """Only active administrators count (R-REG-6): none is said as 没有管理员 (R-TREE-3)."""
    return f"管理员 {n} 名" if n else "没有管理员"
