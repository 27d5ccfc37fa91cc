"""批量创建下级组织 / 批量导入团员 (R-SUB-2, R-MEM-1): save the template, pick the filled-in
file, see every row's outcome before anything is written, confirm, see the result.

Reading and checking run in a thread worker that reports progress a few times a second
(the reader throttles it), never per row; the worker returns its result and the screen's
handlers own the widgets (DESIGN rule 3). F2 replaces an existing file only after the user
says yes to "文件已存在，是否覆盖？"; on no the typed path stays."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.suggester import Suggester
from textual.widgets import DataTable, Footer, Input, Label, ProgressBar, Static

from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.outfile import FILE_EXISTS
from zhtj_tui.domain.text import PASTE_SHEET, looks_like_rows
from zhtj_tui.folders import Folder
from zhtj_tui.screens.confirm import ConfirmModal
from zhtj_tui.screens.tcss import beside
from zhtj_tui.services.dto import CREATE, CREATED, ERROR, EXISTS, ImportPreview, ImportResult
from zhtj_tui.services.imports import Pasted
from zhtj_tui.widgets.calls import Progress, run_service
from zhtj_tui.widgets.clipboard import COPY_KEY, copy_rows
from zhtj_tui.widgets.topbar import TopBar

if TYPE_CHECKING:
    from zhtj_tui.services import Services
    from zhtj_tui.services.dto import Actor

TITLES = {"orgs": "批量创建下级组织", "members": "批量导入团员"}
TEMPLATE_NAMES = {"orgs": "下级组织批量创建模板.xlsx", "members": "团员信息导入模板.xlsx"}
HOW_TO = ("先按 F2 保存模板并填写，再输入填好的文件路径、按回车检查；也可以在 Excel/WPS 中选中行（可连同表头）复制，"
          "在这里粘贴。检查无误后按 F9 确认导入。")
#: Rows shown in the table at most (the counts above it cover every row).
MAX_SHOWN = 5000


def shown_rows(rows, limit: int = MAX_SHOWN) -> list:
    """The rows the table shows: all of them, or when there are too many, the refused ones
    first (what the user must fix), then the rest, in file order within each group."""
    if len(rows) <= limit:
        return list(rows)
    errors = [r for r in rows if r.outcome == ERROR]
    rest = [r for r in rows if r.outcome != ERROR]
    return (errors + rest)[:limit]


class PathSuggester(Suggester):
    """Completes the file or directory name being typed (like a shell's Tab), within the
    administrator's own folder when ``folder`` is one."""

    def __init__(self, folder: Folder | None = None) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.folder = folder or Folder(None)

    async def get_suggestion(self, value: str) -> str | None:
        if not value:
            return None
        where = self.folder.listing(value)
        if where is None:
            return None
        folder, stem = where
        try:
            names = sorted(n for n in os.listdir(folder) if n.startswith(stem) and not n.startswith("."))
        except OSError:
            return None
        for name in names:
            if name == stem:
                continue
            full = os.path.join(folder, name)
            suffix = "/" if os.path.isdir(full) else ""
            return value + name[len(stem):] + suffix
        return None


class RowsInput(Input):
    """An input that leaves pasted rows (cells copied from Excel or WPS) to its screen
    instead of keeping their first line: a single value pastes into it as usual."""

    def _on_paste(self, event: events.Paste) -> None:
        if looks_like_rows(event.text):
            event.prevent_default()  # not Input's handler; the event bubbles to the screen
            return


class BatchImportScreen(Screen):
    """``kind`` is 'orgs' (children of ``parent_id``) or 'members' (into branch ``parent_id``)."""

    BINDINGS = [
        Binding("escape", "back", "返回", id="batch.back"),
        Binding("f2", "save_template", "保存模板", id="batch.template"),
        Binding("f5", "check", "检查文件", id="batch.check"),
        Binding("f9", "confirm", "确认导入", id="batch.confirm"),
        Binding(COPY_KEY, "copy_refused", "复制错误行", id="batch.copy"),
    ]

    DEFAULT_CSS = beside(__file__, "batch_import.tcss")

    def __init__(self, services: Services, actor: Actor, parent_id: int, kind: str) -> None:
        if kind not in TITLES:
            raise ValueError(f"kind must be one of {sorted(TITLES)}")
        super().__init__()
        self.services = services
        self.actor = actor
        self.parent_id = parent_id
        self.kind = kind
        self.preview: ImportPreview | None = None
        self.result: ImportResult | None = None
        #: The administrator's own folder: file names are taken from it, and only from it.
        self.folder = services.files.folder(actor)

    @property
    def importer(self):
        return self.services.org_import if self.kind == "orgs" else self.services.member_import

    # -- layout ------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield TopBar(f"智慧团建 · {TITLES[self.kind]}")
        with Vertical():
            with Horizontal(classes="row"):
                yield Label("模板保存到")
                yield RowsInput(self.folder.default(TEMPLATE_NAMES[self.kind]), id="template",
                                suggester=PathSuggester(self.folder))
            with Horizontal(classes="row"):
                yield Label("上传文件")
                yield RowsInput(placeholder="填好的表格（.xlsx .xls .ods .csv），回车检查（自动补全，按 → 接受）", id="path",
                                suggester=PathSuggester(self.folder))
            yield Static(HOW_TO + (f"\n{self.folder.where()}" if self.folder.confined else ""), id="status",
                         markup=False)
            yield ProgressBar(total=None, show_eta=False, id="progress")
            yield DataTable(id="rows", cursor_type="row", zebra_stripes=True)
            yield Static("", id="detail")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one("#rows", DataTable)
        table.add_columns("行号", "名称", "结果", "原因")
        self.query_one("#progress", ProgressBar).display = False
        self.query_one("#path", Input).focus()

    # -- actions -----------------------------------------------------------------------
    def action_back(self) -> None:
        # dismiss (not pop_screen) so that the opener's callback learns whether rows were imported
        self.dismiss(self.result)

    @on(Input.Submitted, "#path")
    def action_check(self) -> None:
        path = self.query_one("#path", Input).value.strip()
        if not path:
            self._status("请输入填好的表格文件路径（.xlsx、.xls、.ods 或 .csv）", error=True)
            return
        self.preview = None
        self.result = None
        self.query_one("#rows", DataTable).clear()
        self._start_progress()
        self._status("正在读取并检查文件……")
        self._check(path)

    def on_paste(self, event: events.Paste) -> None:
        """Rows copied from Excel or WPS and pasted (bracketed paste): read and checked in a
        thread worker like a file, then the same preview and F9."""
        if not looks_like_rows(event.text):
            return
        event.stop()
        self.preview = None
        self.result = None
        self.query_one("#rows", DataTable).clear()
        self._start_progress()
        lines = event.text.strip("\r\n").count("\n") + 1
        self._status(f"正在读取并检查粘贴的内容（约 {lines} 行）……")
        self._check_paste(event.text)

    @on(Input.Submitted, "#template")
    def action_save_template(self) -> None:
        target = self.query_one("#template", Input).value.strip()
        if not target:
            self._status("请输入模板的保存路径，例如 ~/模板.xlsx", error=True)
            return
        if not target.lower().endswith(".xlsx"):
            target += ".xlsx"
        self._save_template(target)

    def action_copy_refused(self) -> None:
        """The refused rows with their reasons, to the user's clipboard (to fix them in Excel)."""
        shown = self.result or self.preview
        if shown is None:
            self._status("请先检查文件或粘贴行，有错误的行才可以复制", error=True)
            return
        refused = [(r.row, r.name, r.reason) for r in shown.rows if r.outcome == ERROR]
        copy_rows(self, ("行号", "名称", "原因"), refused, f" {len(refused)} 个错误行及原因",
                  "需要文件时，可按这些行号在原文件中改正后重新上传。")

    def action_confirm(self) -> None:
        if self.preview is None:
            self._status("请先输入文件路径并按回车检查，看过检查结果后再确认导入", error=True)
            return
        if self.preview.creatable == 0:
            self._status("没有可以导入的行：请改正文件中的错误后重新检查", error=True)
            return
        preview, self.preview = self.preview, None  # a preview is confirmed once
        self._start_progress()
        self._status(f"正在导入 {preview.creatable} 行……")
        self._commit(preview)

    # -- background work (no widget is touched in the worker) ---------------------------
    def _run(self, fn, on_ok, group: str = "batch", on_error=None) -> None:
        run_service(self, fn, on_ok, on_error or self._refused, on_failed=self._failed, group=group)

    def _check(self, path: str) -> None:
        actor, parent_id, importer = self.actor, self.parent_id, self.importer
        self._run(lambda: importer.preview(actor, parent_id, path, progress=self._report), self._show_preview)

    def _check_paste(self, text: str) -> None:
        actor, parent_id, importer = self.actor, self.parent_id, self.importer
        self._run(lambda: importer.preview(actor, parent_id, Pasted(text), progress=self._report),
                  self._show_preview)

    def _commit(self, preview: ImportPreview) -> None:
        actor, importer = self.actor, self.importer
        if self.kind == "members":
            self._run(lambda: importer.commit(actor, preview, progress=self._report), self._show_result)
        else:
            self._run(lambda: importer.commit(actor, preview), self._show_result)

    def _save_template(self, target: str, overwrite: bool = False) -> None:
        files, actor, parent_id = self.services.files, self.actor, self.parent_id
        if self.kind == "orgs":
            def run() -> Path:
                return files.org_template(actor, parent_id, target, overwrite=overwrite)
        else:
            def run() -> Path:
                return files.member_template(actor, parent_id, target, overwrite=overwrite)

        def refused(exc: DomainError) -> None:
            if exc.code != FILE_EXISTS:
                self._refused(exc)
                return
            self._progress_done()
            self._status("")
            self.app.push_screen(ConfirmModal("文件已存在", f"文件已存在，是否覆盖？\n{target}", yes="覆盖", no="不覆盖"),
                                 lambda yes: self._overwrite_answered(target, yes))

        self._run(run, self._template_saved, group="template", on_error=refused)

    def _report(self, done: int, total: int) -> None:
        self.post_message(Progress(done, total))

    # -- handlers ----------------------------------------------------------------------
    def on_progress(self, message: Progress) -> None:
        bar = self.query_one("#progress", ProgressBar)
        bar.update(total=max(message.total, 1), progress=message.done)

    def _progress_done(self) -> None:
        self.query_one("#progress", ProgressBar).display = False

    def _refused(self, exc: DomainError) -> None:
        self._progress_done()
        self._status(exc.message, error=True)

    def _failed(self, _exc: BaseException) -> None:
        self._progress_done()
        self._status("发生了意外问题，没有写入任何数据，请重试", error=True)

    def _template_saved(self, path: Path) -> None:
        self._progress_done()
        self._status(f"模板已保存到 {self.folder.shown(path)}。请用 Excel 或 WPS 填写后保存，再在“上传文件”中输入它的"
                     + ("文件名" if self.folder.confined else "路径"))

    def _overwrite_answered(self, target: str, yes: bool | None) -> None:
        if yes:
            self._save_template(target, overwrite=True)
            return
        self._status("模板没有保存：原文件未改动。可以改一个文件名后按回车或 F2 保存", error=True)
        box = self.query_one("#template", Input)
        box.focus()
        box.cursor_position = len(box.value)

    @on(DataTable.RowHighlighted, "#rows")
    def _show_detail(self, event: DataTable.RowHighlighted) -> None:
        """The whole reason of the highlighted row (the table cuts long reasons off)."""
        row = event.data_table.get_row_at(event.cursor_row)
        self.query_one("#detail", Static).update(f"第{row[0]}行 {row[1]}：{row[2]}" + (f"。{row[3]}" if row[3] else ""))

    def _show_preview(self, preview: ImportPreview) -> None:
        self._progress_done()
        self.preview = preview
        self._fill(preview.rows)
        if not preview.rows:
            self._status("粘贴的内容中没有数据行：请连同数据行一起复制后再粘贴" if preview.sheet_name == PASTE_SHEET
                         else "文件中没有数据行：请在表头下面逐行填写后再上传", error=True)
            self.preview = None
            return
        tail = "按 F9 确认导入（只导入“将创建”的行）" if preview.creatable else "没有可以导入的行，请改正后重新检查"
        if len(preview.rows) > MAX_SHOWN:
            tail += f"。表中只列出 {MAX_SHOWN} 行，有错误的行排在前面"
        source = "粘贴的内容" if preview.sheet_name == PASTE_SHEET else f"工作表“{preview.sheet_name}”"
        notes = "".join(f"\n{n}" for n in preview.notes)
        self._status(f"检查完毕（{source}）：将创建 {preview.creatable}，已存在 {preview.existing}，"
                     f"错误 {preview.errors}。{tail}{notes}", error=preview.creatable == 0)
        self.query_one("#rows", DataTable).focus()

    def _show_result(self, result: ImportResult) -> None:
        self._progress_done()
        self.result = result
        self._fill(result.rows)
        what = "个组织" if result.kind == "orgs" else "名团员"
        more = "。有错误的行可在文件中改正后重新上传，已导入的行不会重复" if result.refused else ""
        self._status(f"导入完成：已创建 {result.created} {what}，已存在 {result.existing}，错误 {result.refused}{more}")

    def _fill(self, rows) -> None:
        table = self.query_one("#rows", DataTable)
        table.clear()
        self.query_one("#detail", Static).update("")
        marks = {CREATE: "将创建", CREATED: "已创建", EXISTS: "已存在", ERROR: "错误"}
        table.add_rows(
            (str(r.row), r.name, marks.get(r.outcome, r.outcome), r.reason) for r in shown_rows(rows)
        )

    def _start_progress(self) -> None:
        bar = self.query_one("#progress", ProgressBar)
        bar.update(total=None, progress=0)
        bar.display = True

    def _status(self, text: str, error: bool = False) -> None:
        status = self.query_one("#status", Static)
        status.update(text)
        status.set_class(error, "error")
