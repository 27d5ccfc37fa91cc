"""批量创建下级组织 (R-SUB-2): check every row of the uploaded template with the same rules as
single creation, show the preview, then create every creatable row in one transaction.
Re-uploading a fixed file never duplicates: rows already created are reported 已存在."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from pony.orm import select

from zhtj_tui.domain import orgs as rules
from zhtj_tui.domain.errors import DomainError
from zhtj_tui.domain.text import clean_name
from zhtj_tui.domain.vocab import Category
from zhtj_tui.excel.specs import ORG_SPEC, ParsedSheet
from zhtj_tui.folders import folder_for
from zhtj_tui.services.base import Context, ServiceBase
from zhtj_tui.services.dto import (
    CREATE,
    CREATED,
    ERROR,
    EXISTS,
    Actor,
    ImportPreview,
    ImportResult,
    RowOutcome,
)
from zhtj_tui.services.imports import Pasted, Progress, load, phase, preview_as_result
from zhtj_tui.services.orgs import OrgService


@dataclass(frozen=True)
class _Planned:
    """A row that passed the value checks (or the refusal that stopped it)."""

    row: int
    label: str
    cat: Category | None = None
    name: rules.OrgName | None = None
    full: str | None = None
    error: DomainError | None = None


class OrgImportService(ServiceBase):
    def __init__(self, ctx: Context, orgs: OrgService):
        super().__init__(ctx)
        self.orgs = orgs

    def preview(self, actor: Actor, parent_id: int, source: str | os.PathLike | ParsedSheet | Pasted,
                progress: Progress | None = None) -> ImportPreview:
        """Read and check the file; nothing is written. Refuses the whole file
        (``FileRefused``) when it cannot be read or is the wrong template."""
        self.read(lambda: self._parent(actor, parent_id))  # refuse early, before reading the file
        sheet, file_name = load(source, ORG_SPEC, phase(progress, 0.0, 1.0), folder_for(self.settings, actor))

        def run():
            parent = self._parent(actor, parent_id)
            planned = self._validate(parent, sheet)
            rows = self._resolve(parent, planned)
            return ImportPreview("orgs", parent.id, parent.short_name, file_name, sheet.sheet_name,
                                 tuple(rows), planned=tuple(planned), notes=sheet.notes)

        return self.read(run)

    def commit(self, actor: Actor, preview: ImportPreview) -> ImportResult:
        """Create every row that can be created, in one transaction; the outcomes are
        checked again against the database as it is now."""
        if preview.kind != "orgs":
            raise DomainError("这不是下级组织的导入预览", None, "wrong_preview")

        def run():
            self.lock_orgs(preview.target_id)  # the children's paths come from it (R-TREE-6)
            parent = self._parent(actor, preview.target_id)
            rows = self._resolve(parent, list(preview.planned))
            by_row = {p.row: p for p in preview.planned}
            out = []
            for r in rows:
                if r.outcome == CREATE:
                    p = by_row[r.row]
                    self.orgs.add_child(actor, parent, p.cat, p.name, p.full)
                    r = RowOutcome(r.row, r.name, CREATED, r.reason, r.field, r.code)
                out.append(r)
            created = sum(1 for r in out if r.outcome == CREATED)
            self.audit(actor, "org.import", "org", parent.id, parent, after={
                "created": created, "existing": sum(r.outcome == EXISTS for r in out),
                "refused": sum(r.outcome == ERROR for r in out), "file": preview.file_name[:80],
            })
            return ImportResult("orgs", parent.id, parent.short_name, tuple(out))

        return self.write(run, integrity=lambda exc: DomainError(
            "创建时发现组织简称或全称刚被他人使用，为保证数据一致，本次没有创建任何组织。请重新上传文件查看最新的检查结果",
            None, "import_conflict"))

    def run_file(self, actor: Actor, parent_id: int, source, dry_run: bool = False,
                 progress: Progress | None = None) -> ImportResult:
        """Preview, then (unless ``dry_run``) commit: for scripts."""
        preview = self.preview(actor, parent_id, source, progress)
        return preview_as_result(preview) if dry_run else self.commit(actor, preview)

    # -- helpers -------------------------------------------------------------------------
    def _parent(self, actor: Actor, parent_id: int):
        parent = self.org(parent_id) if actor.operator else self.own_org(actor, parent_id)
        if not rules.allowed_child_categories(rules.category(parent.category)):
            raise DomainError(f"“{parent.short_name}”是团支部，团支部不能创建下级组织", None, "branch_no_children")
        return parent

    def _validate(self, parent, sheet: ParsedSheet) -> list[_Planned]:
        """The value rules of single creation (R-TREE-2, R-TREE-4), row by row."""
        parent_cat = rules.category(parent.category)
        out = []
        for row in sheet.rows:
            label = str(row.values.get("short_name") or "").strip()
            if row.error is not None:
                out.append(_Planned(row.row, label, error=row.error))
                continue
            try:
                cat = rules.category(row.values.get("category"))
                name = rules.check_short_name(row.values.get("short_name"), cat)
                full = clean_name(row.values.get("full_name"), "full_name") or None
                rules.check_child_category(parent_cat, cat)
            except DomainError as exc:
                out.append(_Planned(row.row, label, error=exc))
                continue
            out.append(_Planned(row.row, name.name, cat, name, full))
        return out

    def _resolve(self, parent, planned: list[_Planned]) -> list[RowOutcome]:
        """Duplicates within the file, against the parent's children and against every
        full name in the system: two queries for the whole file."""
        existing = {o.short_name: (o.category, o.full_name) for o in select(o for o in self.s.Org if o.parent == parent)}
        fulls = sorted({p.full for p in planned if p.full})
        holders: dict[str, Any] = {}
        for i in range(0, len(fulls), 500):
            chunk = fulls[i:i + 500]
            for o in select(o for o in self.s.Org if o.full_name in chunk):
                holders[o.full_name] = o
        seen_names: dict[str, int] = {}
        seen_fulls: dict[str, int] = {}
        out = []
        for p in planned:
            if p.error is not None:
                out.append(RowOutcome(p.row, p.label, ERROR, str(p.error), p.error.field, p.error.code))
                continue
            assert p.name is not None and p.cat is not None  # a row without a refusal carries both
            short = p.name.name
            if short in seen_names:
                out.append(RowOutcome(p.row, short, ERROR, f"与第{seen_names[short]}行的组织简称重复，请删除重复行",
                                      "short_name", "duplicate_in_file"))
                continue
            seen_names[short] = p.row
            if p.full and p.full in seen_fulls:
                out.append(RowOutcome(p.row, short, ERROR, f"与第{seen_fulls[p.full]}行的组织全称重复，全称在全系统中不能重复",
                                      "full_name", "duplicate_in_file"))
                continue
            if p.full:
                seen_fulls[p.full] = p.row
            if short in existing:
                cat_code, full_there = existing[short]
                if cat_code != p.cat.code:
                    out.append(RowOutcome(
                        p.row, short, ERROR,
                        f"本组织下已有名为“{short}”的下级组织，但其类别是{rules.category(cat_code).name}，"
                        f"与本行的{p.cat.name}不同。如需更正类别，请在下级组织管理中更正",
                        "category", "exists_other_category"))
                else:
                    out.append(RowOutcome(p.row, short, EXISTS, "本组织下已有该下级组织，不会重复创建", None, "exists"))
                continue
            holder = holders.get(p.full) if p.full else None
            if holder is not None:
                where = " / ".join(self.names_along(holder.path))
                out.append(RowOutcome(p.row, short, ERROR,
                                      f"组织全称“{p.full}”已被 {where} 使用，全称在全系统中不能重复，请修改或留空",
                                      "full_name", "duplicate_full_name"))
                continue
            out.append(RowOutcome(p.row, short, CREATE, ("提示：" + "；".join(p.name.warnings)) if p.name.warnings else ""))
        return out
