"""Files the program writes for an administrator: the member list, the batch of
registration codes and the two import templates. One use case each, shared by the
interface and the ``zhtj`` command; the path is checked before anything is recorded or
issued, and a file that exists is replaced only when the caller says so (``overwrite``)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.orgs import category
from zhtj_tui.domain.outfile import check_output_path
from zhtj_tui.folders import Folder, folder_for
from zhtj_tui.services.base import Context
from zhtj_tui.services.codes import CodeService
from zhtj_tui.services.dto import Actor, CodesExported, MembersExported
from zhtj_tui.services.member_export import HEADERS, WIDTHS, MemberExportService
from zhtj_tui.services.orgs import OrgService


def write_refused(target: str | os.PathLike, exc: OSError) -> DomainError:
    """A file that could not be written, said in Chinese with what to do."""
    if isinstance(exc, PermissionError):
        return DomainError(f"没有权限写入 {target}：请换一个您有权限的文件夹，例如主目录 ~", "path", "no_permission")
    return DomainError(f"无法写入 {target}（{exc.strerror or type(exc).__name__}）：请换一个路径", "path", "os_error")


class FileService:
    def __init__(self, ctx: Context, orgs: OrgService, codes: CodeService, member_export: MemberExportService):
        self.ctx = ctx
        self.orgs, self.codes, self.member_export = orgs, codes, member_export

    def folder(self, actor: Actor) -> Folder:
        """Where ``actor``'s files are: their own folder (an administrator), anywhere (the
        server operator at the command line)."""
        return folder_for(self.ctx.settings, actor)

    def place(self, actor: Actor, path: str | os.PathLike) -> Path:
        """The file ``path`` names for ``actor``: in their own folder, or refused."""
        return self.folder(actor).resolve(path)

    def export_members(self, actor: Actor, org_id: int, path: str | os.PathLike, full_ids: bool = False,
                       overwrite: bool = False, progress: Callable[[int, int], None] | None = None) -> MembersExported:
        """The subtree's active members (masked numbers unless ``full_ids``), recorded in
        the audit log only once the path has been accepted; ``progress(rows written,
        members)`` a few times a second."""
        # Before the audit entry: a refused path exports nothing.
        target = check_output_path(self.place(actor, path), overwrite)
        svc = self.member_export
        name, count = svc.start(actor, org_id, full_ids)
        rows = svc.rows(actor, org_id, full_ids)
        settings = self.ctx.settings
        try:
            # openpyxl loads when a file is written, not at start-up.
            from zhtj_tui.excel.exports import write_members

            written = write_members(target, HEADERS, rows, WIDTHS, full_ids, settings.fmt(settings.now()), overwrite,
                                    progress=None if progress is None else lambda done: progress(done, count))
        except OSError as exc:
            raise write_refused(target, exc) from exc
        return MembersExported(written, name, count, full_ids)

    def export_codes(self, actor: Actor, org_id: int, path: str | os.PathLike, overwrite: bool = False,
                     renew: bool = False) -> CodesExported:
        """批量生成注册码 for every direct child of ``org_id``, written to ``path``."""
        # Before any code is issued: a refusal changes nothing.
        target = check_output_path(self.place(actor, path), overwrite)
        issued = self.codes.issue_all(actor, org_id, renew=renew)
        if not issued:
            return CodesExported(None, 0, 0)
        try:
            # openpyxl loads when a file is written, not at start-up.
            from zhtj_tui.excel.writer import write_codes

            written = write_codes(target, issued, self.ctx.settings.fmt, overwrite=overwrite)
        except OSError as exc:
            raise write_refused(target, exc) from exc
        return CodesExported(written, len(issued), sum(not c.reused for c in issued))

    def org_template(self, actor: Actor, parent_id: int, path: str | os.PathLike, overwrite: bool = False) -> Path:
        """The 下级组织批量创建 template for the children ``parent_id`` may have."""
        path = self.place(actor, path)
        org = self.orgs.get(actor, parent_id)
        try:
            # openpyxl loads when a file is written, not at start-up.
            from zhtj_tui.excel.templates import write_org_template

            return write_org_template(path, category(org.category), org.short_name, overwrite=overwrite)
        except OSError as exc:
            raise write_refused(path, exc) from exc

    def member_template(self, actor: Actor, branch_id: int | None, path: str | os.PathLike,
                        overwrite: bool = False) -> Path:
        """The 团员信息导入 template, titled with the branch's name when one is given."""
        path = self.place(actor, path)
        name = self.orgs.get(actor, branch_id).short_name if branch_id is not None else ""
        try:
            # openpyxl loads when a file is written, not at start-up.
            from zhtj_tui.excel.templates import write_member_template

            return write_member_template(path, name, overwrite=overwrite)
        except OSError as exc:
            raise write_refused(path, exc) from exc
