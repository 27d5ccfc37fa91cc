"""导出团员名单 from 团员管理: the dialog that asks where to write the file and whether it
may hold full ID numbers, then writes the subtree's active members with the member export
service (``FileService.export_members``, the same use case as ``zhtj export members``) in a
thread worker.

A refusal (no such folder, a directory, no permission) is shown inside the dialog in
Chinese and the typed path stays, so the user corrects it instead of retyping it. A file
that already exists is replaced only after the user says yes to "文件已存在，是否覆盖？";
on no the dialog stays with the typed path."""

from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, ProgressBar, Static

from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.outfile import FILE_EXISTS, check_output_path
from zhtj_tui.folders import Folder, safe_file_name
from zhtj_tui.screens.batch_import import PathSuggester
from zhtj_tui.screens.confirm import ConfirmModal
from zhtj_tui.screens.tcss import beside
from zhtj_tui.services.dto import MembersExported
from zhtj_tui.widgets.calls import Progress, run_service

if TYPE_CHECKING:
    from zhtj_tui.services import Services
    from zhtj_tui.services.dto import Actor

FULL_IDS_WARNING = (
    "注意：文件将含完整的身份证号码和手机号码（个人信息）。请妥善保管，仅用于团务工作，"
    "用后及时删除，不得转发或公开。"
)


def export_file_name(org_name: str, today: date) -> str:
    """``团员-<组织简称>-<YYYYMMDD>.xlsx`` (characters a file name cannot hold replaced)."""
    return f"团员-{safe_file_name(org_name, '组织')}-{today:%Y%m%d}.xlsx"


def default_export_path(org_name: str, today: date) -> str:
    """``~/团员-<组织简称>-<YYYYMMDD>.xlsx``: the default outside an administrator's folder."""
    return str(Path("~") / export_file_name(org_name, today))


def typed_path(text: str) -> str:
    """What the user typed, trimmed, with ``.xlsx`` added when missing ("" stays "")."""
    text = text.strip()
    if text and not text.lower().endswith(".xlsx"):
        text += ".xlsx"
    return text


def export_target(text: str, overwrite: bool = False, folder: Folder | None = None) -> Path:
    """The file to write for what the user typed, or a ``DomainError`` saying what to fix.
    The interface never creates folders: a mistyped folder is refused, not made. An
    existing file is refused (code ``file_exists``) unless ``overwrite``. With an
    administrator's ``folder``, only a file in it."""
    folder = folder or Folder(None)
    text = typed_path(text)
    if not text:
        raise DomainError("请输入导出文件的" + ("文件名，例如 团员名单.xlsx" if folder.confined else "路径，例如 ~/团员名单.xlsx"),
                          "path", "empty")
    target = check_output_path(folder.resolve(text), overwrite)
    parent = target.parent
    if not parent.exists():
        raise DomainError(f"文件夹 {parent} 不存在：请先创建它，或换一个已有的文件夹", "path", "no_folder")
    if not parent.is_dir():
        raise DomainError(f"{parent} 不是文件夹，请换一个路径", "path", "no_folder")
    if not can_write(parent) or (target.exists() and not os.access(target, os.W_OK)):
        raise DomainError(f"没有权限写入 {target}：请换一个您有权限的文件夹，例如主目录 ~", "path", "no_permission")
    return target


def can_write(folder: Path) -> bool:
    """Whether a file can be created in ``folder`` (tried for real: permissions, ACLs and
    read-only file systems all count), before anything is recorded as exported."""
    if not os.access(folder, os.W_OK | os.X_OK):
        return False
    try:
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False


class ExportMembersModal(ModalScreen["MembersExported | None"]):
    """Path (Enter or F9 exports) and the full-number choice (Tab, then space)."""

    DEFAULT_CSS = beside(__file__, "member_excel.tcss")
    BINDINGS = [
        Binding("f9", "export", "导出", id="members.export.run"),
        Binding("escape", "cancel", "取消", id="members.export.cancel"),
    ]

    def __init__(self, services: Services, actor: Actor, org_id: int, org_name: str, subtree: bool = True) -> None:
        super().__init__()
        self.services, self.actor, self.org_id, self.org_name = services, actor, org_id, org_name
        self.subtree = subtree  # a committee: its branches' members; a branch: its own
        self.folder = services.files.folder(actor)
        self.busy = False
        self._typed = ""  # the path of the export under way, named in the overwrite question

    def compose(self) -> ComposeResult:
        path = self.folder.default(export_file_name(self.org_name, self.services.settings.today()))
        with Vertical():
            scope = "及其下级组织" if self.subtree else ""
            yield Static(f"导出团员名单 · {self.org_name}{scope}的在册团员", classes="title", markup=False)
            yield Static("保存到您的文件夹（.xlsx）：" if self.folder.confined else "保存到（.xlsx）：", markup=False)
            yield Input(path, id="export-path", suggester=PathSuggester(self.folder), compact=True)
            yield Checkbox("导出完整的身份证号码和手机号码（默认部分隐藏）", False, id="export-full", compact=True)
            yield Static("", id="export-warning", markup=False)
            yield Static("", id="export-error", markup=False)
            yield ProgressBar(id="export-progress", show_eta=False)
            yield Static("Enter/F9 导出 · Tab 到“完整号码”，空格勾选 · Esc 取消", classes="keys", markup=False)

    def on_mount(self) -> None:
        box = self.query_one("#export-path", Input)
        box.cursor_blink = self.services.settings.cursor_blink
        self.query_one("#export-warning", Static).display = False
        self.query_one("#export-progress", ProgressBar).display = False
        box.focus()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        warning = self.query_one("#export-warning", Static)
        warning.update(FULL_IDS_WARNING if event.value else "")
        warning.display = event.value

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_export()

    def action_export(self, overwrite: bool = False) -> None:
        if self.busy:
            return
        self.busy = True
        text = self._typed = self.query_one("#export-path", Input).value
        full = self.query_one("#export-full", Checkbox).value
        self.query_one("#export-error", Static).update("正在导出……")
        bar = self.query_one("#export-progress", ProgressBar)
        bar.update(total=None, progress=0)
        bar.display = True
        services, actor, org_id, folder = self.services, self.actor, self.org_id, self.folder

        def report(done: int, total: int) -> None:  # from the worker thread, a few times a second
            self.post_message(Progress(done, total))

        run_service(self, lambda: services.files.export_members(actor, org_id, export_target(text, overwrite, folder),
                                                                full, overwrite, progress=report),
                    self._done, self._refused, on_failed=self._failed, group="members-export")

    def on_progress(self, message: Progress) -> None:
        message.stop()
        if self.is_attached:
            self.query_one("#export-progress", ProgressBar).update(total=max(message.total, 1), progress=message.done)

    def _done(self, done: MembersExported) -> None:
        self.busy = False
        self.dismiss(done)

    def _refused(self, exc: DomainError) -> None:
        self.busy = False
        self.query_one("#export-progress", ProgressBar).display = False
        if exc.code == FILE_EXISTS:
            self.query_one("#export-error", Static).update("")
            self.app.push_screen(ConfirmModal("文件已存在", f"文件已存在，是否覆盖？\n{typed_path(self._typed)}",
                                              yes="覆盖", no="不覆盖"), self._overwrite_answered)
            return
        self._show_error(exc.message)

    def _overwrite_answered(self, yes: bool | None) -> None:
        if yes:
            self.action_export(overwrite=True)
        else:
            self._show_error("没有导出：原文件未改动。可以改一个文件名后再按 Enter 导出")

    def _show_error(self, message: str) -> None:
        self.query_one("#export-error", Static).update(message)
        box = self.query_one("#export-path", Input)
        box.focus()
        box.cursor_position = len(box.value)

    def _failed(self, _exc: BaseException) -> None:
        """An unexpected failure (already said and logged): let the user try again."""
        self.busy = False
        self.query_one("#export-progress", ProgressBar).display = False
        self.query_one("#export-error", Static).update("导出没有完成，请重试")

    def action_cancel(self) -> None:
        if not self.busy:
            self.dismiss(None)
